#include "control/config/summary.hpp"

#include <fmt/format.h>

#include "control/config/enum_names.hpp"

namespace sluice::config {
namespace {

std::string describe_tlvs(const ProxyProtocol& proxy) {
  std::string names;
  for (const ProxyTlv tlv : proxy.tlvs) {
    if (!names.empty()) names += ',';
    names += to_string(tlv);
  }
  for (const ProxyCustomTlv& custom : proxy.custom) {
    if (!names.empty()) names += ',';
    names += fmt::format("0x{:02x}", custom.type);
  }
  return names;
}

// "none" | "v1 on-connect" | "v2 every-datagram tlvs=crc32c,0xe0"
std::string describe_proxy(const Service& service) {
  if (!service.proxy_protocol) return "none";
  const ProxyProtocol& proxy = *service.proxy_protocol;
  std::string text = proxy.version == ProxyVersion::kV1 ? "v1" : "v2";
  text += ' ';
  text += service.protocol == Protocol::kUdp ? to_string(proxy.udp) : to_string(proxy.send);
  const std::string tlvs = describe_tlvs(proxy);
  if (!tlvs.empty()) text += " tlvs=" + tlvs;
  return text;
}

// "none" | "tcp" | "http /healthz"
std::string describe_health(const Service& service) {
  if (!service.health) return "none";
  if (service.health->kind == HealthKind::kHttp) return "http " + service.health->path;
  return std::string(to_string(service.health->kind));
}

std::string describe_snat(const Snat& snat) {
  std::string text;
  for (const auto* address : {&snat.v4, &snat.v6}) {
    if (!*address) continue;
    if (!text.empty()) text += ',';
    text += (*address)->to_string();
  }
  return text.empty() ? "none" : text;
}

}  // namespace

std::string summarize(const Service& service) {
  const std::size_t backends = service.backends.size();
  return fmt::format("{}  {} {}  {}  {} backend{}  proxy {}  health {}  snat {}", service.name,
                     to_string(service.protocol), service.vip_endpoint().to_string(),
                     to_string(service.scheduler), backends, backends == 1 ? "" : "s",
                     describe_proxy(service), describe_health(service),
                     describe_snat(service.snat));
}

}  // namespace sluice::config
