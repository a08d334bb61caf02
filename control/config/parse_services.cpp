// [[services]] with their [services.proxy_protocol], [services.health] and
// [[services.backends]] tables. Everything decidable inside one service is checked here; what
// relates services to each other or to the interfaces is in check_services.cpp.
#include <algorithm>

#include "control/config/draft.hpp"
#include "control/config/limits.hpp"

namespace sluice::config::detail {
namespace {

// "0a0B" -> {0x0a, 0x0b}. Reports odd lengths and non-hex characters.
std::optional<std::vector<std::uint8_t>> read_hex(const toml::node& node, std::string_view path,
                                                  Diagnostics& diagnostics) {
  auto text = read_string(node, path, diagnostics);
  if (!text) return std::nullopt;
  const auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  for (std::size_t i = 0; i < text->size(); ++i) {
    if (nibble((*text)[i]) < 0) {
      diagnostics.error(position_of(node), fmt::format("{}: '{}' at offset {} is not a hex digit",
                                                       path, (*text)[i], i));
      return std::nullopt;
    }
  }
  if (text->size() % 2 != 0) {
    diagnostics.error(
        position_of(node),
        fmt::format("{}: odd number of hex digits ({}); each byte takes two", path, text->size()));
    return std::nullopt;
  }
  if (text->size() / 2 > limits::kMaxCustomTlvBytes) {
    diagnostics.error(position_of(node),
                      fmt::format("{}: {} bytes; a custom TLV value takes at most {}", path,
                                  text->size() / 2, limits::kMaxCustomTlvBytes));
    return std::nullopt;
  }
  std::vector<std::uint8_t> bytes(text->size() / 2);
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    bytes[i] = static_cast<std::uint8_t>(nibble((*text)[2 * i]) * 16 + nibble((*text)[2 * i + 1]));
  }
  return bytes;
}

std::optional<std::uint8_t> read_custom_tlv_type(const toml::node& node, std::string_view path,
                                                 Diagnostics& diagnostics) {
  auto type = read_integer(node, path, std::numeric_limits<std::int64_t>::min(),
                           std::numeric_limits<std::int64_t>::max(), diagnostics);
  if (!type) return std::nullopt;
  if (*type < limits::kMinCustomTlvType || *type > limits::kMaxCustomTlvType) {
    const std::string shown =
        (*type >= 0 && *type <= 0xFF) ? fmt::format("0x{:02X}", *type) : std::to_string(*type);
    diagnostics.error(
        position_of(node),
        fmt::format("{}: must be a custom TLV type between 0x{:02X} and 0x{:02X} "
                    "(PP2_TYPE_MIN_CUSTOM..PP2_TYPE_MAX_CUSTOM), got {}",
                    path, limits::kMinCustomTlvType, limits::kMaxCustomTlvType, shown));
    return std::nullopt;
  }
  return static_cast<std::uint8_t>(*type);
}

void parse_tlv_names(const TableReader& table, ProxyProtocol& proxy) {
  const toml::array* tlvs = table.array("tlvs");
  if (tlvs == nullptr) return;
  const std::string path = table.path_of("tlvs");
  for (std::size_t i = 0; i < tlvs->size(); ++i) {
    const toml::node& node = *tlvs->get(i);
    const std::string item_path = element_path(path, i);
    auto tlv = read_enum<ProxyTlv>(node, item_path, table.diagnostics());
    if (!tlv) continue;
    if (proxy.has_tlv(*tlv)) {
      table.diagnostics().error(
          position_of(node), fmt::format("{}: \"{}\" is listed twice", item_path, to_string(*tlv)));
      continue;
    }
    proxy.tlvs.push_back(*tlv);
  }
}

void parse_custom_tlvs(const TableReader& table, ProxyProtocol& proxy) {
  const toml::array* custom = table.array("custom");
  if (custom == nullptr) return;
  for_each_table(
      *custom, table.path_of("custom"), table.diagnostics(),
      [&](const toml::table& item, const std::string& path) {
        const TableReader tlv(item, path, table.diagnostics(), {"type", "hex"});
        auto type = tlv.read("type", Presence::kRequired, read_custom_tlv_type);
        auto value = tlv.read("hex", Presence::kRequired, read_hex);
        if (!type || !value) return;
        // Receivers such as HAProxy's fc_pp_tlv() return the first TLV of a type only.
        if (std::any_of(proxy.custom.begin(), proxy.custom.end(),
                        [&](const ProxyCustomTlv& seen) { return seen.type == *type; })) {
          tlv.diagnostics().error(tlv.position_of_key("type"),
                                  fmt::format("{}: custom TLV type 0x{:02X} is listed twice",
                                              tlv.path_of("type"), *type));
          return;
        }
        proxy.custom.push_back({*type, std::move(*value)});
      });
}

void check_authority(const TableReader& table, bool authority_ok, ProxyProtocol& proxy) {
  if (!authority_ok) return;
  Diagnostics& diagnostics = table.diagnostics();
  const std::string path = table.path_of("authority");
  const bool listed = proxy.has_tlv(ProxyTlv::kAuthority);
  if (listed && proxy.authority.empty()) {
    diagnostics.error(table.position_of_key("authority"),
                      fmt::format("{}: required (non-empty) when tlvs lists \"authority\"", path));
  } else if (!listed && !proxy.authority.empty()) {
    // Silently dropping a configured value would hide the mistake until a backend misses it.
    diagnostics.error(table.position_of_key("authority"),
                      fmt::format("{}: set but tlvs does not list \"authority\"", path));
  } else if (proxy.authority.size() > limits::kMaxAuthorityBytes) {
    diagnostics.error(table.position_of_key("authority"),
                      fmt::format("{}: {} bytes; at most {}", path, proxy.authority.size(),
                                  limits::kMaxAuthorityBytes));
  } else if (std::any_of(proxy.authority.begin(), proxy.authority.end(), [](char c) {
               return static_cast<unsigned char>(c) < 0x20 || c == 0x7F;
             })) {
    diagnostics.error(table.position_of_key("authority"),
                      fmt::format("{}: contains control characters", path));
  }
}

// `protocol` is nullopt when the service's own protocol did not parse.
std::optional<ProxyProtocol> parse_proxy_protocol(const TableReader& table,
                                                  std::optional<Protocol> protocol) {
  ProxyProtocol proxy;
  Diagnostics& diagnostics = table.diagnostics();
  const auto version = table.integer<std::uint8_t>("version", 1, 2);
  if (version) proxy.version = *version == 1 ? ProxyVersion::kV1 : ProxyVersion::kV2;
  if (auto send = table.enumeration<ProxySend>("send")) proxy.send = *send;
  parse_tlv_names(table, proxy);
  const std::size_t errors_before = diagnostics.count();
  if (auto authority = table.string("authority")) proxy.authority = std::move(*authority);
  check_authority(table, diagnostics.count() == errors_before, proxy);
  parse_custom_tlvs(table, proxy);
  if (auto udp = table.enumeration<ProxyUdp>("udp")) proxy.udp = *udp;

  if (version && proxy.version == ProxyVersion::kV1) {
    // The v1 header is one text line: "PROXY TCP4|TCP6 ..." (proxy-protocol.md, "v1").
    if (protocol == Protocol::kUdp) {
      diagnostics.error(table.position_of_key("version"),
                        fmt::format("{}: version 1 is TCP only; this service is udp (use 2)",
                                    table.path_of("version")));
    }
    for (std::string_view key : {"tlvs", "custom"}) {
      const toml::array* list = table.table().get_as<toml::array>(key);
      if (list != nullptr && !list->empty()) {
        diagnostics.error(table.position_of_key(key),
                          fmt::format("{}: TLVs need version 2; the version 1 text header has none",
                                      table.path_of(key)));
      }
    }
  }
  return proxy;
}

bool is_http_path(std::string_view path) {
  // Goes verbatim into "GET <path> HTTP/1.1": visible ASCII only (RFC 9112 section 3.2).
  return !path.empty() && path.front() == '/' && path.size() <= limits::kMaxHealthPathLength &&
         std::all_of(path.begin(), path.end(), [](char c) { return c > 0x20 && c < 0x7F; });
}

HealthCheck parse_health(const TableReader& table) {
  HealthCheck health;
  Diagnostics& diagnostics = table.diagnostics();
  const std::size_t kind_errors = diagnostics.count();
  if (auto kind = table.enumeration<HealthKind>("kind")) health.kind = *kind;
  const bool kind_ok = diagnostics.count() == kind_errors;

  const std::size_t timing_errors = diagnostics.count();
  if (auto interval = table.integer<std::uint32_t>("interval_ms", limits::kMinHealthIntervalMs,
                                                   limits::kMaxHealthIntervalMs)) {
    health.interval_ms = *interval;
  }
  if (auto timeout = table.integer<std::uint32_t>("timeout_ms", limits::kMinHealthTimeoutMs,
                                                  limits::kMaxHealthTimeoutMs)) {
    health.timeout_ms = *timeout;
  }
  if (diagnostics.count() == timing_errors && health.timeout_ms > health.interval_ms) {
    // A probe must end before the next one starts, or probes pile up on a dead backend.
    const std::string_view key = table.has("timeout_ms") ? "timeout_ms" : "interval_ms";
    diagnostics.error(table.position_of_key(key),
                      fmt::format("{}: timeout_ms ({}) must not exceed interval_ms ({})",
                                  table.path_of(key), health.timeout_ms, health.interval_ms));
  }
  if (auto rise = table.integer<std::uint8_t>("rise", 1, limits::kMaxRiseFall)) health.rise = *rise;
  if (auto fall = table.integer<std::uint8_t>("fall", 1, limits::kMaxRiseFall)) health.fall = *fall;

  if (auto path = table.string("path")) {
    if (kind_ok && health.kind != HealthKind::kHttp) {
      diagnostics.error(table.position_of_key("path"),
                        fmt::format("{}: only valid with kind = \"http\"", table.path_of("path")));
    } else if (!is_http_path(*path)) {
      diagnostics.error(table.position_of_key("path"),
                        fmt::format("{}: \"{}\" is not an HTTP path (starts with '/', visible "
                                    "ASCII, at most {} bytes)",
                                    table.path_of("path"), *path, limits::kMaxHealthPathLength));
    } else {
      health.path = std::move(*path);
    }
  }
  if (auto send_proxy = table.boolean("send_proxy")) health.send_proxy = *send_proxy;
  return health;
}

BackendDraft parse_backend(const TableReader& table) {
  BackendDraft draft;
  draft.path = table.path();
  const std::size_t errors_before = table.diagnostics().count();
  draft.address_at = table.position_of_key("address");
  if (auto address = table.unicast_address("address", Presence::kRequired)) {
    draft.value.address = *address;
  }
  if (auto port = table.integer<std::uint16_t>("port", 1, 65535, Presence::kRequired)) {
    draft.value.port = *port;
  }
  draft.endpoint_ok = table.diagnostics().count() == errors_before;
  if (auto weight = table.integer<std::uint16_t>("weight", 0, limits::kMaxWeight)) {
    draft.value.weight = *weight;
  }
  draft.ok = table.diagnostics().count() == errors_before;
  return draft;
}

void parse_backends(const TableReader& table, ServiceDraft& draft) {
  const toml::array* backends = table.array("backends", Presence::kRequired);
  if (backends == nullptr) return;
  Diagnostics& diagnostics = table.diagnostics();
  if (backends->empty()) {
    diagnostics.error(
        table.position_of_key("backends"),
        fmt::format("{}: at least one backend is required", table.path_of("backends")));
    return;
  }
  for_each_table(
      *backends, table.path_of("backends"), diagnostics,
      [&](const toml::table& item, const std::string& path) {
        BackendDraft backend =
            parse_backend(TableReader(item, path, diagnostics, {"address", "port", "weight"}));
        for (std::size_t i = 0; backend.endpoint_ok && i < draft.backends.size(); ++i) {
          const BackendDraft& seen = draft.backends[i];
          if (seen.endpoint_ok && seen.value.endpoint() == backend.value.endpoint()) {
            diagnostics.error(backend.address_at,
                              fmt::format("{}: duplicate backend {} (also {})", path,
                                          backend.value.endpoint().to_string(), seen.path));
            backend.ok = false;
            break;
          }
        }
        draft.backends.push_back(std::move(backend));
      });
}

void parse_snat(const TableReader& table, ServiceDraft& draft) {
  const std::size_t errors_before = table.diagnostics().count();
  if (const toml::array* snat = table.array("snat")) {
    const std::string path = table.path_of("snat");
    for (std::size_t i = 0; i < snat->size(); ++i) {
      const toml::node& node = *snat->get(i);
      const std::string item_path = element_path(path, i);
      auto address = read_unicast_address(node, item_path, table.diagnostics());
      if (!address) continue;
      const auto same_family = [&](const ListedSnat& listed) {
        return listed.address.family() == address->family();
      };
      if (std::any_of(draft.snat_listed.begin(), draft.snat_listed.end(), same_family)) {
        table.diagnostics().error(
            position_of(node),
            fmt::format("{}: a second {} address; snat takes at most one address per family",
                        item_path, family_name(address->family())));
        continue;
      }
      draft.snat_listed.push_back({*address, position_of(node), item_path});
    }
  }
  draft.snat_ok = table.diagnostics().count() == errors_before;
}

ServiceDraft parse_service(const TableReader& table) {
  ServiceDraft draft;
  draft.path = table.path();
  Service& service = draft.value;
  Diagnostics& diagnostics = table.diagnostics();
  draft.name_at = table.position_of_key("name");
  draft.vip_at = table.position_of_key("vip");

  if (auto name = table.read("name", Presence::kRequired, read_name)) {
    service.name = std::move(*name);
    draft.name_ok = true;
  }
  const std::size_t listener_errors = diagnostics.count();
  if (auto vip = table.unicast_address("vip", Presence::kRequired)) service.vip = *vip;
  if (auto port = table.integer<std::uint16_t>("port", 1, 65535, Presence::kRequired)) {
    service.port = *port;
  }
  const std::size_t protocol_errors = diagnostics.count();
  if (auto protocol = table.enumeration<Protocol>("protocol")) service.protocol = *protocol;
  const bool protocol_ok = diagnostics.count() == protocol_errors;
  draft.listener_ok = diagnostics.count() == listener_errors;
  if (auto scheduler = table.enumeration<Scheduler>("scheduler")) service.scheduler = *scheduler;
  if (auto syn_proxy = table.enumeration<SynProxy>("syn_proxy")) service.syn_proxy = *syn_proxy;

  parse_snat(table, draft);
  if (const toml::table* proxy = table.subtable("proxy_protocol")) {
    service.proxy_protocol =
        parse_proxy_protocol(TableReader(*proxy, table.path_of("proxy_protocol"), diagnostics,
                                         {"version", "send", "tlvs", "authority", "custom", "udp"}),
                             protocol_ok ? std::optional(service.protocol) : std::nullopt);
  }
  if (const toml::table* health = table.subtable("health")) {
    service.health = parse_health(
        TableReader(*health, table.path_of("health"), diagnostics,
                    {"kind", "interval_ms", "timeout_ms", "rise", "fall", "path", "send_proxy"}));
  }
  parse_backends(table, draft);
  return draft;
}

}  // namespace

void parse_services(const TableReader& root, ConfigDraft& draft) {
  const toml::array* services = root.array("services");
  if (services == nullptr) return;
  for_each_table(*services, "services", root.diagnostics(),
                 [&](const toml::table& table, const std::string& path) {
                   draft.services.push_back(parse_service(
                       TableReader(table, path, root.diagnostics(),
                                   {"name", "vip", "port", "protocol", "scheduler", "syn_proxy",
                                    "snat", "proxy_protocol", "health", "backends"})));
                 });
}

}  // namespace sluice::config::detail
