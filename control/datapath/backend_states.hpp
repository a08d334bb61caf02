#pragma once
// What the control plane knows about each backend beyond the configuration file: whether an
// operator disabled it or changed its weight on the console, and what health checks say.
// Keyed by (service name, endpoint), so the state of a backend survives reloads that keep it
// (docs/reload.md says which parts a reload resets).
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "dataplane/net/address.hpp"

namespace sluice::datapath {

struct BackendRuntime {
  bool admin_enabled = true;             // `backend disable` clears it
  bool health_up = true;                 // health checks (always up without [services.health])
  std::optional<std::uint32_t> weight;   // `backend weight`: replaces the configured weight
};

class BackendStates {
 public:
  BackendRuntime get(std::string_view service, const net::Endpoint& backend) const {
    const auto it = states_.find(Key{std::string(service), backend});
    return it == states_.end() ? BackendRuntime{} : it->second;
  }
  BackendRuntime& at(std::string_view service, const net::Endpoint& backend) {
    return states_[Key{std::string(service), backend}];
  }
  // Keeps only the entries `keep(service, endpoint)` approves (after a reload).
  template <class Keep>
  void retain(Keep&& keep) {
    for (auto it = states_.begin(); it != states_.end();) {
      it = keep(it->first.first, it->first.second) ? std::next(it) : states_.erase(it);
    }
  }

 private:
  using Key = std::pair<std::string, net::Endpoint>;
  std::map<Key, BackendRuntime> states_;
};

}  // namespace sluice::datapath
