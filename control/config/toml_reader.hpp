#pragma once
// Internal to control/config: typed reads from toml++ nodes that report every problem as a
// positioned diagnostic and carry on, so one pass over the file finds all errors.
//
// Paths in messages name the value the way an operator finds it: `dpdk.burst`,
// `services[1].backends[0].port` (0-based indices in file order).
#include <fmt/format.h>
#include <toml++/toml.h>

#include <concepts>
#include <cstdint>
#include <initializer_list>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "control/config/diagnostic.hpp"
#include "control/config/enum_names.hpp"
#include "dataplane/net/address.hpp"

namespace sluice::config::detail {

struct SourcePos {
  std::uint32_t line = 0;
  std::uint32_t column = 0;
};

SourcePos position_of(const toml::node& node) noexcept;
SourcePos position_of(const toml::key& key) noexcept;

// Collects the diagnostics of one file.
class Diagnostics {
 public:
  explicit Diagnostics(std::string file) : file_(std::move(file)) {}

  void error(SourcePos at, std::string message);
  // Lets a parser tell whether a part of the file produced errors: compare before and after.
  std::size_t count() const noexcept { return list_.size(); }
  // All diagnostics ordered by line, then column (then discovery order).
  std::vector<Diagnostic> sorted() const;

 private:
  std::string file_;
  std::vector<Diagnostic> list_;
};

std::string child_path(std::string_view parent, std::string_view key);
std::string element_path(std::string_view array_path, std::size_t index);

// "a string", "an integer", ... for "expected X, got Y" messages.
std::string_view describe_type(toml::node_type type) noexcept;

// Converters: each returns nullopt after reporting a wrong type or a malformed value at `node`.
std::optional<std::string> read_string(const toml::node& node, std::string_view path,
                                       Diagnostics& diagnostics);
std::optional<bool> read_bool(const toml::node& node, std::string_view path,
                              Diagnostics& diagnostics);
std::optional<std::int64_t> read_integer(const toml::node& node, std::string_view path,
                                         std::int64_t min, std::int64_t max,
                                         Diagnostics& diagnostics);
const toml::table* read_table(const toml::node& node, std::string_view path,
                              Diagnostics& diagnostics);
const toml::array* read_array(const toml::node& node, std::string_view path,
                              Diagnostics& diagnostics);
// Unicast host addresses only: unspecified, loopback, multicast and 240/4 are refused, since
// none of them can be a VIP, a backend, an interface address, a gateway or a neighbour.
std::optional<net::IpAddress> read_unicast_address(const toml::node& node, std::string_view path,
                                                   Diagnostics& diagnostics);
std::optional<net::Prefix> read_prefix(const toml::node& node, std::string_view path,
                                       Diagnostics& diagnostics);
std::optional<net::MacAddress> read_mac(const toml::node& node, std::string_view path,
                                        Diagnostics& diagnostics);

template <typename Enum>
std::optional<Enum> read_enum(const toml::node& node, std::string_view path,
                              Diagnostics& diagnostics) {
  auto text = read_string(node, path, diagnostics);
  if (!text) return std::nullopt;
  if (auto value = parse_enum<Enum>(*text)) return value;
  std::string choices;
  for (const auto& entry : enum_names<Enum>()) {
    if (!choices.empty()) choices += ", ";
    choices += fmt::format("\"{}\"", entry.name);
  }
  diagnostics.error(position_of(node),
                    fmt::format("{}: must be one of {}; got \"{}\"", path, choices, *text));
  return std::nullopt;
}

// Interface and service names: [A-Za-z0-9][A-Za-z0-9_.-]*, at most limits::kMaxNameLength bytes,
// so they are single tokens in console commands (`show backends web`) and in logs.
std::optional<std::string> read_name(const toml::node& node, std::string_view path,
                                     Diagnostics& diagnostics);

// Calls visit(table, element_path) for every element of an array of tables ([[x]] or
// [{...}, ...]); elements that are not tables are reported and skipped.
template <typename Visitor>
void for_each_table(const toml::array& array, std::string_view path, Diagnostics& diagnostics,
                    Visitor&& visit) {
  for (std::size_t i = 0; i < array.size(); ++i) {
    const std::string item_path = element_path(path, i);
    if (const toml::table* table = read_table(*array.get(i), item_path, diagnostics)) {
      visit(*table, item_path);
    }
  }
}

bool is_unicast(const net::IpAddress& address) noexcept;
std::string_view family_name(net::Family family) noexcept;  // "IPv4" | "IPv6"

enum class Presence : std::uint8_t { kOptional, kRequired };

// One TOML table being read. Construction reports every key not in `known_keys` (with a
// "did you mean" hint for near misses), so a reader cannot forget the unknown-key check.
class TableReader {
 public:
  TableReader(const toml::table& table, std::string path, Diagnostics& diagnostics,
              std::initializer_list<std::string_view> known_keys);

  const toml::table& table() const noexcept { return table_; }
  const std::string& path() const noexcept { return path_; }
  SourcePos position() const noexcept { return position_of(table_); }
  Diagnostics& diagnostics() const noexcept { return diagnostics_; }

  const toml::node* find(std::string_view key) const;
  bool has(std::string_view key) const { return find(key) != nullptr; }
  // The value's position when present; the table's otherwise (where a missing key belongs).
  SourcePos position_of_key(std::string_view key) const;
  std::string path_of(std::string_view key) const { return child_path(path_, key); }
  void report_missing(std::string_view key) const;

  // Each read returns nullopt when the key is absent (reported when kRequired) or invalid
  // (reported). A caller keeps its default on nullopt.
  std::optional<std::string> string(std::string_view key,
                                    Presence presence = Presence::kOptional) const;
  std::optional<bool> boolean(std::string_view key) const;
  template <std::integral T>
  std::optional<T> integer(std::string_view key, T min, T max,
                           Presence presence = Presence::kOptional) const {
    const toml::node* node = lookup(key, presence);
    if (node == nullptr) return std::nullopt;
    auto value = read_integer(*node, path_of(key), static_cast<std::int64_t>(min),
                              static_cast<std::int64_t>(max), diagnostics_);
    if (!value) return std::nullopt;
    return static_cast<T>(*value);
  }
  template <typename Enum>
  std::optional<Enum> enumeration(std::string_view key,
                                  Presence presence = Presence::kOptional) const {
    const toml::node* node = lookup(key, presence);
    if (node == nullptr) return std::nullopt;
    return read_enum<Enum>(*node, path_of(key), diagnostics_);
  }
  // Reads the key with any converter above: table.read("mac", Presence::kRequired, read_mac).
  template <typename Converter>
  auto read(std::string_view key, Presence presence, Converter convert) const
      -> decltype(convert(std::declval<const toml::node&>(), std::string_view(),
                          std::declval<Diagnostics&>())) {
    const toml::node* node = lookup(key, presence);
    if (node == nullptr) return {};
    return convert(*node, path_of(key), diagnostics_);
  }
  std::optional<net::IpAddress> unicast_address(std::string_view key,
                                                Presence presence = Presence::kOptional) const;
  const toml::table* subtable(std::string_view key) const;
  const toml::array* array(std::string_view key, Presence presence = Presence::kOptional) const;

 private:
  const toml::node* lookup(std::string_view key, Presence presence) const;

  const toml::table& table_;
  std::string path_;
  Diagnostics& diagnostics_;
};

}  // namespace sluice::config::detail
