#include "control/config/toml_reader.hpp"

#include <algorithm>
#include <numeric>

#include "control/config/limits.hpp"

namespace sluice::config::detail {

SourcePos position_of(const toml::node& node) noexcept {
  const auto& begin = node.source().begin;
  return {begin.line, begin.column};
}

SourcePos position_of(const toml::key& key) noexcept {
  const auto& begin = key.source().begin;
  return {begin.line, begin.column};
}

void Diagnostics::error(SourcePos at, std::string message) {
  list_.push_back(Diagnostic{file_, at.line, at.column, std::move(message)});
}

std::vector<Diagnostic> Diagnostics::sorted() const {
  std::vector<Diagnostic> out = list_;
  std::stable_sort(out.begin(), out.end(), [](const Diagnostic& a, const Diagnostic& b) {
    return a.line != b.line ? a.line < b.line : a.column < b.column;
  });
  return out;
}

std::string child_path(std::string_view parent, std::string_view key) {
  if (parent.empty()) return std::string(key);
  return fmt::format("{}.{}", parent, key);
}

std::string element_path(std::string_view array_path, std::size_t index) {
  return fmt::format("{}[{}]", array_path, index);
}

std::string_view describe_type(toml::node_type type) noexcept {
  switch (type) {
    case toml::node_type::none:
      return "nothing";
    case toml::node_type::table:
      return "a table";
    case toml::node_type::array:
      return "an array";
    case toml::node_type::string:
      return "a string";
    case toml::node_type::integer:
      return "an integer";
    case toml::node_type::floating_point:
      return "a floating-point number";
    case toml::node_type::boolean:
      return "a boolean";
    case toml::node_type::date:
      return "a date";
    case toml::node_type::time:
      return "a time";
    case toml::node_type::date_time:
      return "a date-time";
  }
  return "an unknown type";
}

namespace {

void report_type(const toml::node& node, std::string_view path, std::string_view expected,
                 Diagnostics& diagnostics) {
  diagnostics.error(position_of(node), fmt::format("{}: expected {}, got {}", path, expected,
                                                   describe_type(node.type())));
}

// Levenshtein distance, for "did you mean" hints on unknown keys. Keys are short.
std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  std::iota(row.begin(), row.end(), std::size_t{0});
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t substitution = diagonal + (a[i - 1] == b[j - 1] ? 0 : 1);
      diagonal = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, substitution});
    }
  }
  return row[b.size()];
}

}  // namespace

std::optional<std::string> read_string(const toml::node& node, std::string_view path,
                                       Diagnostics& diagnostics) {
  if (const auto* value = node.as_string()) return value->get();
  report_type(node, path, "a string", diagnostics);
  return std::nullopt;
}

std::optional<bool> read_bool(const toml::node& node, std::string_view path,
                              Diagnostics& diagnostics) {
  if (const auto* value = node.as_boolean()) return value->get();
  report_type(node, path, "a boolean", diagnostics);
  return std::nullopt;
}

std::optional<std::int64_t> read_integer(const toml::node& node, std::string_view path,
                                         std::int64_t min, std::int64_t max,
                                         Diagnostics& diagnostics) {
  const auto* value = node.as_integer();
  if (value == nullptr) {
    report_type(node, path, "an integer", diagnostics);
    return std::nullopt;
  }
  const std::int64_t number = value->get();
  if (number < min || number > max) {
    diagnostics.error(position_of(node),
                      fmt::format("{}: must be between {} and {}, got {}", path, min, max, number));
    return std::nullopt;
  }
  return number;
}

const toml::table* read_table(const toml::node& node, std::string_view path,
                              Diagnostics& diagnostics) {
  if (const auto* table = node.as_table()) return table;
  report_type(node, path, "a table", diagnostics);
  return nullptr;
}

const toml::array* read_array(const toml::node& node, std::string_view path,
                              Diagnostics& diagnostics) {
  if (const auto* array = node.as_array()) return array;
  report_type(node, path, "an array", diagnostics);
  return nullptr;
}

std::optional<std::string> read_name(const toml::node& node, std::string_view path,
                                     Diagnostics& diagnostics) {
  auto text = read_string(node, path, diagnostics);
  if (!text) return std::nullopt;
  const auto alnum = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
  };
  const auto name_char = [&](char c) { return alnum(c) || c == '_' || c == '.' || c == '-'; };
  const bool valid = !text->empty() && text->size() <= limits::kMaxNameLength &&
                     alnum(text->front()) && std::all_of(text->begin(), text->end(), name_char);
  if (!valid) {
    diagnostics.error(
        position_of(node),
        fmt::format("{}: \"{}\" is not a valid name (1-{} characters: letters, digits, "
                    "'_', '.', '-'; starting with a letter or digit)",
                    path, *text, limits::kMaxNameLength));
    return std::nullopt;
  }
  return text;
}

bool is_unicast(const net::IpAddress& address) noexcept {
  if (address.is_unspecified() || address.is_loopback()) return false;
  const std::uint8_t first = address.data()[0];
  if (address.is_v4()) return first < 224;  // 224/4 multicast, 240/4 reserved and broadcast
  return first != 0xFF;                     // ff00::/8 multicast (RFC 4291 section 2.7)
}

std::string_view family_name(net::Family family) noexcept {
  return family == net::Family::kIpv4 ? "IPv4" : "IPv6";
}

std::optional<net::IpAddress> read_unicast_address(const toml::node& node, std::string_view path,
                                                   Diagnostics& diagnostics) {
  auto text = read_string(node, path, diagnostics);
  if (!text) return std::nullopt;
  auto address = net::IpAddress::parse(*text);
  if (!address) {
    diagnostics.error(position_of(node),
                      fmt::format("{}: \"{}\" is not an IPv4 or IPv6 address", path, *text));
    return std::nullopt;
  }
  if (!is_unicast(*address)) {
    diagnostics.error(position_of(node),
                      fmt::format("{}: {} is not a unicast host address", path, *text));
    return std::nullopt;
  }
  return address;
}

std::optional<net::Prefix> read_prefix(const toml::node& node, std::string_view path,
                                       Diagnostics& diagnostics) {
  auto text = read_string(node, path, diagnostics);
  if (!text) return std::nullopt;
  auto prefix = net::Prefix::parse(*text);
  if (!prefix) {
    diagnostics.error(position_of(node),
                      fmt::format("{}: \"{}\" is not an ADDRESS/LENGTH prefix", path, *text));
    return std::nullopt;
  }
  return prefix;
}

std::optional<net::MacAddress> read_mac(const toml::node& node, std::string_view path,
                                        Diagnostics& diagnostics) {
  auto text = read_string(node, path, diagnostics);
  if (!text) return std::nullopt;
  auto mac = net::MacAddress::parse(*text);
  if (!mac) {
    diagnostics.error(
        position_of(node),
        fmt::format("{}: \"{}\" is not a MAC address like 02:00:00:00:00:09", path, *text));
    return std::nullopt;
  }
  // A static neighbour entry must name one station: not a group (I/G bit, IEEE 802 section
  // 8.2) and not the all-zero address.
  if (mac->is_zero() || (mac->bytes()[0] & 0x01u) != 0) {
    diagnostics.error(position_of(node),
                      fmt::format("{}: {} is not a unicast MAC address", path, *text));
    return std::nullopt;
  }
  return mac;
}

TableReader::TableReader(const toml::table& table, std::string path, Diagnostics& diagnostics,
                         std::initializer_list<std::string_view> known_keys)
    : table_(table), path_(std::move(path)), diagnostics_(diagnostics) {
  for (const auto& [key, node] : table_) {
    const std::string_view name = key.str();
    if (std::find(known_keys.begin(), known_keys.end(), name) != known_keys.end()) continue;
    std::string message = fmt::format("{}: unknown key", child_path(path_, name));
    // Suggest the closest known key when it is a plausible typo (at most two edits away).
    std::string_view closest;
    std::size_t closest_distance = 3;
    for (std::string_view known : known_keys) {
      const std::size_t distance = edit_distance(name, known);
      if (distance < closest_distance && distance < name.size()) {
        closest = known;
        closest_distance = distance;
      }
    }
    if (!closest.empty()) message += fmt::format(" (did you mean '{}'?)", closest);
    diagnostics_.error(detail::position_of(key), std::move(message));
  }
}

const toml::node* TableReader::find(std::string_view key) const { return table_.get(key); }

SourcePos TableReader::position_of_key(std::string_view key) const {
  if (const toml::node* node = find(key)) return detail::position_of(*node);
  return position();
}

void TableReader::report_missing(std::string_view key) const {
  const std::string_view where = path_.empty() ? std::string_view("the top level") : path_;
  diagnostics_.error(position(), fmt::format("{}: missing required key '{}'", where, key));
}

const toml::node* TableReader::lookup(std::string_view key, Presence presence) const {
  const toml::node* node = find(key);
  if (node == nullptr && presence == Presence::kRequired) report_missing(key);
  return node;
}

std::optional<std::string> TableReader::string(std::string_view key, Presence presence) const {
  const toml::node* node = lookup(key, presence);
  if (node == nullptr) return std::nullopt;
  return read_string(*node, path_of(key), diagnostics_);
}

std::optional<bool> TableReader::boolean(std::string_view key) const {
  const toml::node* node = find(key);
  if (node == nullptr) return std::nullopt;
  return read_bool(*node, path_of(key), diagnostics_);
}

std::optional<net::IpAddress> TableReader::unicast_address(std::string_view key,
                                                           Presence presence) const {
  const toml::node* node = lookup(key, presence);
  if (node == nullptr) return std::nullopt;
  return read_unicast_address(*node, path_of(key), diagnostics_);
}

const toml::table* TableReader::subtable(std::string_view key) const {
  const toml::node* node = find(key);
  if (node == nullptr) return nullptr;
  return read_table(*node, path_of(key), diagnostics_);
}

const toml::array* TableReader::array(std::string_view key, Presence presence) const {
  const toml::node* node = lookup(key, presence);
  if (node == nullptr) return nullptr;
  return read_array(*node, path_of(key), diagnostics_);
}

}  // namespace sluice::config::detail
