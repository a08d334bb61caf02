#include "control/config/config.hpp"

#include <algorithm>

namespace sluice::config {

bool Interface::has_family(net::Family family) const noexcept {
  return std::any_of(addresses.begin(), addresses.end(),
                     [family](const net::Prefix& p) { return p.address.family() == family; });
}

bool ProxyProtocol::has_tlv(ProxyTlv tlv) const noexcept {
  return std::find(tlvs.begin(), tlvs.end(), tlv) != tlvs.end();
}

const Interface* Config::find_interface(std::string_view name) const noexcept {
  const auto it = std::find_if(interfaces.begin(), interfaces.end(),
                               [name](const Interface& i) { return i.name == name; });
  return it == interfaces.end() ? nullptr : &*it;
}

const Service* Config::find_service(std::string_view name) const noexcept {
  const auto it = std::find_if(services.begin(), services.end(),
                               [name](const Service& s) { return s.name == name; });
  return it == services.end() ? nullptr : &*it;
}

}  // namespace sluice::config
