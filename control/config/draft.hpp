#pragma once
// Internal to control/config: the configuration while it is being read, with the source
// positions and "parsed cleanly" flags the cross-entity checks need. Checks that span several
// tables (duplicates, SNAT ownership, ...) only look at parts that parsed cleanly, so one typo
// yields one error rather than a cascade of follow-on errors.
#include <string>
#include <vector>

#include "control/config/config.hpp"
#include "control/config/toml_reader.hpp"

namespace sluice::config::detail {

struct InterfaceDraft {
  std::string path;  // "interfaces[0]", for messages
  Interface value;
  SourcePos table;
  SourcePos name_at;
  std::vector<SourcePos> address_at;  // parallel to value.addresses
  bool name_ok = false;
  bool addresses_ok = false;  // every address parsed (ownership/reachability can be judged)
  bool dpdk_given = false;    // the key is present (valid or not): absence is a per-mode error
  bool kernel_given = false;
};

struct RouteDraft {
  std::string path;
  Route value;
  SourcePos prefix_at;
  SourcePos via_at;
  bool ok = false;
};

struct NeighborDraft {
  std::string path;
  Neighbor value;
  SourcePos address_at;
  SourcePos interface_at;
  bool address_ok = false;
  bool interface_ok = false;
};

struct BackendDraft {
  std::string path;
  Backend value;
  SourcePos address_at;
  bool endpoint_ok = false;  // address and port parsed (duplicates can be judged)
  bool ok = false;           // the whole table parsed
};

struct ListedSnat {
  net::IpAddress address;
  SourcePos at;
  std::string path;  // "services[0].snat[1]"
};

struct ServiceDraft {
  std::string path;
  Service value;  // value.backends and value.snat are filled in by the cross checks
  SourcePos name_at;
  SourcePos vip_at;
  std::vector<ListedSnat> snat_listed;  // the explicit `snat` list, in file order
  std::vector<BackendDraft> backends;
  bool name_ok = false;
  bool listener_ok = false;  // vip, port and protocol all parsed
  bool snat_ok = false;      // the `snat` list parsed (or was absent)
};

struct ConfigDraft {
  Config settings;  // the single-table sections; lists are moved in at the end
  SourcePos root;
  bool mode_ok = true;
  bool interfaces_given = false;  // the `interfaces` key exists (even if malformed)
  // Every interface, address and route parsed cleanly, so "no interface owns/reaches X" is a
  // real finding and not the echo of an earlier error. Set by check_network.
  bool network_ok = false;
  std::vector<InterfaceDraft> interfaces;
  std::vector<RouteDraft> routes;
  std::vector<NeighborDraft> neighbors;
  std::vector<ServiceDraft> services;
};

// The readers, one per part of the schema (parse_*.cpp), and the checks across them.
void parse_settings(const TableReader& root, ConfigDraft& draft);   // [appliance] .. [conntrack]
void parse_network(const TableReader& root, ConfigDraft& draft);    // interfaces, routes, neighbors
void parse_services(const TableReader& root, ConfigDraft& draft);   // [[services]]
void check_network(ConfigDraft& draft, Diagnostics& diagnostics);   // sets network_ok
void check_services(ConfigDraft& draft, Diagnostics& diagnostics);  // also resolves SNAT

// The parsed interfaces (all) and routes (those that parsed cleanly), as config values.
std::vector<Interface> interface_values(const ConfigDraft& draft);
std::vector<Route> route_values(const ConfigDraft& draft);

}  // namespace sluice::config::detail
