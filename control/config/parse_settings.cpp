// The single-table sections: [appliance], [dpdk], [xdp], [console], [metrics], [conntrack].
#include <algorithm>

#include "control/config/draft.hpp"
#include "control/config/limits.hpp"

namespace sluice::config::detail {
namespace {

void parse_appliance(const TableReader& section, ConfigDraft& draft) {
  Appliance& appliance = draft.settings.appliance;
  const std::size_t errors_before = section.diagnostics().count();
  if (auto mode = section.enumeration<Mode>("mode")) appliance.mode = *mode;
  draft.mode_ok = section.diagnostics().count() == errors_before;
  if (auto level = section.enumeration<LogLevel>("log_level")) appliance.log_level = *level;
}

void parse_dpdk(const TableReader& section, Dpdk& dpdk) {
  if (auto workers = section.integer<std::uint32_t>("workers", 1, limits::kMaxWorkers)) {
    dpdk.workers = *workers;
  }
  if (const toml::array* args = section.array("eal_args")) {
    const std::string path = section.path_of("eal_args");
    for (std::size_t i = 0; i < args->size(); ++i) {
      if (auto arg = read_string(*args->get(i), element_path(path, i), section.diagnostics())) {
        dpdk.eal_args.push_back(std::move(*arg));
      }
    }
  }
  if (auto sleep = section.integer<std::uint32_t>("idle_sleep_us", 0, limits::kMaxIdleSleepUs)) {
    dpdk.idle_sleep_us = *sleep;
  }
  if (auto burst = section.integer<std::uint16_t>("burst", 1, limits::kMaxBurst)) {
    dpdk.burst = *burst;
  }
  if (auto standoff = section.boolean("kernel_standoff")) dpdk.kernel_standoff = *standoff;
}

// A listener address: "IP:PORT", "[IPv6]:PORT", or "" for "disabled". Returns false when the
// value is malformed (reported); `listen` is then left untouched.
bool read_listen(const TableReader& section, std::optional<net::Endpoint>& listen) {
  const toml::node* node = section.find("listen");
  if (node == nullptr) return true;
  const std::string path = section.path_of("listen");
  auto text = read_string(*node, path, section.diagnostics());
  if (!text) return false;
  if (text->empty()) {
    listen.reset();
    return true;
  }
  auto endpoint = net::Endpoint::parse(*text);
  if (!endpoint || endpoint->port == 0) {
    section.diagnostics().error(
        position_of(*node),
        fmt::format("{}: \"{}\" is not IP:PORT (IPv6 as [IP]:PORT, port 1-65535); \"\" disables it",
                    path, *text));
    return false;
  }
  listen = *endpoint;
  return true;
}

void parse_console(const TableReader& section, Console& console) {
  const bool listen_ok = read_listen(section, console.listen);
  const std::size_t errors_before = section.diagnostics().count();
  if (auto password = section.string("password")) console.password = std::move(*password);
  const bool password_ok = section.diagnostics().count() == errors_before;

  // Anyone who can reach a non-loopback listener could reconfigure the appliance.
  if (listen_ok && password_ok && console.listen && !console.listen->address.is_loopback() &&
      console.password.empty()) {
    section.diagnostics().error(
        section.position_of_key("password"),
        fmt::format("{}: a non-empty password is required when console.listen ({}) is not a "
                    "loopback address",
                    section.path_of("password"), console.listen->to_string()));
  }
}

// `syn_cookie_secret`: exactly 32 hex digits, the SipHash key of the SYN cookies (k0 = the
// first 16 digits, k1 = the last 16, each a big-endian 64-bit number). A shorter key would not
// be SipHash's 128 bits; a cluster's nodes must all read the same digits the same way.
void read_syn_cookie_secret(const TableReader& section, Conntrack& conntrack) {
  const toml::node* node = section.find("syn_cookie_secret");
  if (node == nullptr) return;
  auto text = section.string("syn_cookie_secret");
  if (!text) return;
  const bool hex = text->size() == 32 && std::all_of(text->begin(), text->end(), [](char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
  });
  if (!hex) {
    // The value itself is a secret: the message says what is wrong, never what was written.
    section.diagnostics().error(
        position_of(*node),
        fmt::format("{}: must be exactly 32 hex digits (128 bits; {} characters given)",
                    section.path_of("syn_cookie_secret"), text->size()));
    return;
  }
  std::array<std::uint64_t, 2> key{};
  for (std::size_t i = 0; i < 32; ++i) {
    const char c = (*text)[i];
    const auto digit = static_cast<std::uint64_t>(c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10);
    key[i / 16] = (key[i / 16] << 4) | digit;
  }
  conntrack.syn_cookie_secret = key;
}

void parse_conntrack(const TableReader& section, Conntrack& conntrack, std::uint32_t workers) {
  if (auto entries = section.integer<std::uint32_t>("max_entries", limits::kMinConntrackEntries,
                                                    limits::kMaxConntrackEntries)) {
    conntrack.max_entries = *entries;
  }
  const auto timeout = [&](std::string_view key, std::uint32_t& seconds) {
    if (auto value = section.integer<std::uint32_t>(key, 1, limits::kMaxTimeoutS)) seconds = *value;
  };
  ConntrackTimeouts& timeouts = conntrack.timeouts;
  timeout("tcp_syn_timeout_s", timeouts.tcp_syn_s);
  timeout("tcp_established_timeout_s", timeouts.tcp_established_s);
  timeout("tcp_closing_timeout_s", timeouts.tcp_closing_s);
  timeout("udp_timeout_s", timeouts.udp_s);
  // The pressure timeout only ever shortens the SYN timeout (embryonic.h takes the smaller);
  // one written longer than tcp_syn_timeout_s is a mistake worth naming. The default (3 s) is
  // not: with a short tcp_syn_timeout_s the shorter one simply applies.
  if (auto pressure = section.integer<std::uint32_t>("tcp_syn_pressure_timeout_s", 1, limits::kMaxTimeoutS)) {
    timeouts.tcp_syn_pressure_s = *pressure;
    if (*pressure > timeouts.tcp_syn_s) {
      section.diagnostics().error(
          position_of(*section.find("tcp_syn_pressure_timeout_s")),
          fmt::format("{}: {} s is longer than tcp_syn_timeout_s ({} s); under pressure embryonic "
                      "flows expire sooner, not later",
                      section.path_of("tcp_syn_pressure_timeout_s"), *pressure, timeouts.tcp_syn_s));
    }
  }
  if (auto cap = section.integer<std::uint32_t>("max_embryonic", limits::kMinEmbryonic,
                                                limits::kMaxConntrackEntries)) {
    conntrack.max_embryonic = *cap;
  }
  read_syn_cookie_secret(section, conntrack);

  auto first = section.integer<std::uint16_t>("snat_port_first", limits::kMinSnatPort, limits::kMaxSnatPort);
  auto last = section.integer<std::uint16_t>("snat_port_last", limits::kMinSnatPort, limits::kMaxSnatPort);
  if (first) conntrack.snat_port_first = *first;
  if (last) conntrack.snat_port_last = *last;
  if ((first || last) && (section.find("snat_port_first") == nullptr || first) &&
      (section.find("snat_port_last") == nullptr || last)) {
    const std::uint32_t size = conntrack.snat_port_last >= conntrack.snat_port_first
                                   ? std::uint32_t{conntrack.snat_port_last} - conntrack.snat_port_first + 1
                                   : 0;
    const std::uint32_t needed = std::max(limits::kMinSnatPorts, limits::kMinSnatPortsPerWorker * workers);
    if (size < needed) {
      const std::string_view key = last ? "snat_port_last" : "snat_port_first";
      section.diagnostics().error(
          position_of(*section.find(key)),
          fmt::format("{}: the SNAT port range {}-{} holds {} ports; at least {} are needed "
                      "(64, and 32 per dpdk worker)",
                      section.path_of(key), conntrack.snat_port_first, conntrack.snat_port_last,
                      size, needed));
    }
  }
}

}  // namespace

void parse_settings(const TableReader& root, ConfigDraft& draft) {
  Diagnostics& diagnostics = root.diagnostics();
  Config& settings = draft.settings;
  if (const toml::table* table = root.subtable("appliance")) {
    parse_appliance(TableReader(*table, "appliance", diagnostics, {"mode", "log_level"}), draft);
  }
  if (const toml::table* table = root.subtable("dpdk")) {
    parse_dpdk(
        TableReader(*table, "dpdk", diagnostics, {"workers", "eal_args", "idle_sleep_us", "burst", "kernel_standoff"}),
        settings.dpdk);
  }
  if (const toml::table* table = root.subtable("xdp")) {
    const TableReader section(*table, "xdp", diagnostics, {"attach", "kernel_standoff"});
    if (auto attach = section.enumeration<XdpAttach>("attach")) settings.xdp.attach = *attach;
    if (auto standoff = section.boolean("kernel_standoff")) settings.xdp.kernel_standoff = *standoff;
  }
  if (const toml::table* table = root.subtable("console")) {
    parse_console(TableReader(*table, "console", diagnostics, {"listen", "password"}),
                  settings.console);
  }
  if (const toml::table* table = root.subtable("metrics")) {
    read_listen(TableReader(*table, "metrics", diagnostics, {"listen"}), settings.metrics.listen);
  }
  if (const toml::table* table = root.subtable("conntrack")) {
    parse_conntrack(TableReader(*table, "conntrack", diagnostics,
                                {"max_entries", "tcp_syn_timeout_s", "tcp_established_timeout_s",
                                 "tcp_closing_timeout_s", "udp_timeout_s", "snat_port_first",
                                 "snat_port_last", "max_embryonic", "tcp_syn_pressure_timeout_s",
                                 "syn_cookie_secret"}),
                    settings.conntrack, settings.dpdk.workers);
  }
}

}  // namespace sluice::config::detail
