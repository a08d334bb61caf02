// [[interfaces]], [[routes]] and [[neighbors]]: each table on its own. The checks that relate
// them to each other live in check_network.cpp.
#include <algorithm>

#include "control/config/draft.hpp"
#include "control/config/limits.hpp"

namespace sluice::config::detail {
namespace {

bool has_whitespace(std::string_view text) {
  return std::any_of(text.begin(), text.end(), [](char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
  });
}

// Linux dev_valid_name(): 1..15 bytes, not "." or "..", no '/', ':' or whitespace.
bool is_kernel_interface_name(std::string_view name) {
  return !name.empty() && name.size() <= limits::kMaxKernelNameLength && name != "." &&
         name != ".." && name.find_first_of("/:") == std::string_view::npos &&
         !has_whitespace(name);
}

void parse_addresses(const TableReader& table, InterfaceDraft& draft) {
  const std::size_t errors_before = table.diagnostics().count();
  if (const toml::array* addresses = table.array("addresses")) {
    const std::string path = table.path_of("addresses");
    for (std::size_t i = 0; i < addresses->size(); ++i) {
      const toml::node& node = *addresses->get(i);
      const std::string item_path = element_path(path, i);
      auto prefix = read_prefix(node, item_path, table.diagnostics());
      if (!prefix) continue;
      if (!is_unicast(prefix->address) || prefix->length == 0) {
        table.diagnostics().error(
            position_of(node),
            fmt::format("{}: {} is not a unicast host address with a non-zero prefix length",
                        item_path, prefix->to_string()));
        continue;
      }
      const auto& seen = draft.value.addresses;
      if (std::any_of(seen.begin(), seen.end(),
                      [&](const net::Prefix& p) { return p.address == prefix->address; })) {
        table.diagnostics().error(
            position_of(node),
            fmt::format("{}: address {} is listed twice", item_path, prefix->address.to_string()));
        continue;
      }
      draft.value.addresses.push_back(*prefix);
      draft.address_at.push_back(position_of(node));
    }
  }
  draft.addresses_ok = table.diagnostics().count() == errors_before;
}

void parse_mtu(const TableReader& table, InterfaceDraft& draft) {
  auto mtu = table.integer<std::uint16_t>("mtu", limits::kMinMtuV4, limits::kMaxMtu);
  if (!mtu) return;
  if (*mtu < limits::kMinMtuV6 && draft.value.has_family(net::Family::kIpv6)) {
    table.diagnostics().error(
        table.position_of_key("mtu"),
        fmt::format("{}: must be at least {} on an interface with IPv6 addresses (RFC 8200 "
                    "section 5), got {}",
                    table.path_of("mtu"), limits::kMinMtuV6, *mtu));
    return;
  }
  draft.value.mtu = *mtu;
}

InterfaceDraft parse_interface(const TableReader& table) {
  InterfaceDraft draft;
  draft.path = table.path();
  draft.table = table.position();
  Diagnostics& diagnostics = table.diagnostics();

  draft.name_at = table.position_of_key("name");
  if (auto name = table.read("name", Presence::kRequired, read_name)) {
    draft.value.name = std::move(*name);
    draft.name_ok = true;
  }

  draft.dpdk_given = table.has("dpdk");
  if (auto devargs = table.string("dpdk")) {
    if (devargs->empty() || has_whitespace(*devargs)) {
      diagnostics.error(table.position_of_key("dpdk"),
                        fmt::format("{}: \"{}\" is not a DPDK device (a PCI address or vdev "
                                    "devargs such as \"net_af_packet0,iface=eth1\")",
                                    table.path_of("dpdk"), *devargs));
    } else {
      draft.value.dpdk = std::move(*devargs);
    }
  }

  draft.kernel_given = table.has("kernel");
  if (auto kernel = table.string("kernel")) {
    if (!is_kernel_interface_name(*kernel)) {
      diagnostics.error(
          table.position_of_key("kernel"),
          fmt::format("{}: \"{}\" is not a kernel interface name (1-{} bytes, no "
                      "'/', ':' or whitespace)",
                      table.path_of("kernel"), *kernel, limits::kMaxKernelNameLength));
    } else {
      draft.value.kernel = std::move(*kernel);
    }
  }

  parse_addresses(table, draft);
  parse_mtu(table, draft);
  return draft;
}

RouteDraft parse_route(const TableReader& table) {
  RouteDraft draft;
  draft.path = table.path();
  Diagnostics& diagnostics = table.diagnostics();
  const std::size_t errors_before = diagnostics.count();
  draft.prefix_at = table.position_of_key("prefix");
  draft.via_at = table.position_of_key("via");

  auto prefix = table.read("prefix", Presence::kRequired, read_prefix);
  if (prefix && !(prefix->network() == *prefix)) {
    diagnostics.error(draft.prefix_at, fmt::format("{}: {} has host bits set (did you mean {}?)",
                                                   table.path_of("prefix"), prefix->to_string(),
                                                   prefix->network().to_string()));
    prefix.reset();
  }
  auto via = table.unicast_address("via", Presence::kRequired);
  if (prefix && via && prefix->address.family() != via->family()) {
    diagnostics.error(draft.via_at,
                      fmt::format("{}: gateway {} is {} but prefix {} is {}", table.path_of("via"),
                                  via->to_string(), family_name(via->family()), prefix->to_string(),
                                  family_name(prefix->address.family())));
  }
  if (prefix) draft.value.prefix = *prefix;
  if (via) draft.value.via = *via;
  draft.ok = diagnostics.count() == errors_before;
  return draft;
}

NeighborDraft parse_neighbor(const TableReader& table) {
  NeighborDraft draft;
  draft.path = table.path();
  draft.address_at = table.position_of_key("address");
  draft.interface_at = table.position_of_key("interface");
  if (auto address = table.unicast_address("address", Presence::kRequired)) {
    draft.value.address = *address;
    draft.address_ok = true;
  }
  if (auto mac = table.read("mac", Presence::kRequired, read_mac)) draft.value.mac = *mac;
  if (auto name = table.string("interface", Presence::kRequired)) {
    draft.value.interface = std::move(*name);
    draft.interface_ok = true;
  }
  return draft;
}

}  // namespace

void parse_network(const TableReader& root, ConfigDraft& draft) {
  Diagnostics& diagnostics = root.diagnostics();
  draft.interfaces_given = root.has("interfaces");
  if (const toml::array* interfaces = root.array("interfaces")) {
    if (interfaces->empty()) {
      diagnostics.error(position_of(*interfaces),
                        "interfaces: at least one [[interfaces]] table is required");
    }
    for_each_table(
        *interfaces, "interfaces", diagnostics,
        [&](const toml::table& table, const std::string& path) {
          draft.interfaces.push_back(parse_interface(TableReader(
              table, path, diagnostics, {"name", "dpdk", "kernel", "addresses", "mtu"})));
        });
  }
  if (const toml::array* routes = root.array("routes")) {
    for_each_table(*routes, "routes", diagnostics,
                   [&](const toml::table& table, const std::string& path) {
                     draft.routes.push_back(
                         parse_route(TableReader(table, path, diagnostics, {"prefix", "via"})));
                   });
  }
  if (const toml::array* neighbors = root.array("neighbors")) {
    for_each_table(*neighbors, "neighbors", diagnostics,
                   [&](const toml::table& table, const std::string& path) {
                     draft.neighbors.push_back(parse_neighbor(
                         TableReader(table, path, diagnostics, {"address", "mac", "interface"})));
                   });
  }
}

}  // namespace sluice::config::detail
