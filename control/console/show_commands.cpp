// The `show` commands: the model's views as a human table, or with `json` as one JSON document
// on one line, its keys in the order of docs/console.md.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "control/console/handlers.hpp"
#include "control/console/reply.hpp"
#include "control/console/text_table.hpp"
#include "dataplane/pipeline/counters.hpp"
#include "dataplane/pipeline/drop_walk.hpp"

namespace sluice::console::handlers {
namespace {

// `show conntrack` prints this many flows unless told otherwise.
constexpr std::size_t kDefaultConntrackLimit = 1000;
// The most `limit N` accepts: a console line per flow beyond this is not a use case.
constexpr std::size_t kMaxConntrackLimit = 1'000'000;

bool wants_json(const Arguments& arguments) { return arguments.has("json"); }

std::string count_text(const std::optional<std::uint64_t>& count) {
  return count ? std::to_string(*count) : std::string("-");
}

Json count_json(const std::optional<std::uint64_t>& count) {
  return count ? Json(*count) : Json(nullptr);
}

using pipeline::CounterField;
using pipeline::kCounterFields;

Json counters_json(const pipeline::WorkerCounters& counters) {
  Json object = Json::object();
  for (const CounterField& counter : kCounterFields) {
    object[std::string(counter.name)] = counters.*counter.field;
  }
  Json drops = Json::object();
  pipeline::for_each_drop(counters, [&drops](const pipeline::DropCount& drop) {
    drops[drop.name()] = drop.count;
  });
  object["drops"] = std::move(drops);
  return object;
}

Json backend_json(const BackendView& view) {
  return {{"address", view.address},
          {"weight", view.weight},
          {"state", view.state},
          {"active", count_json(view.active)},
          {"total", count_json(view.total)}};
}

// Without a SERVICE: every service's backends, each row naming its service.
CommandResult show_all_backends(const ConsoleModel& model, bool json) {
  Json array = Json::array();
  TextTable table({"service", "address", "weight", "state", "active", "total"});
  for (const ServiceView& service : model.services()) {
    const std::optional<std::vector<BackendView>> backends = model.backends(service.name);
    if (!backends) continue;  // the service list and its backends come from one snapshot
    for (const BackendView& view : *backends) {
      Json object = backend_json(view);
      object["service"] = service.name;
      array.push_back(std::move(object));
      table.add_row({service.name, view.address, std::to_string(view.weight), view.state,
                     count_text(view.active), count_text(view.total)});
    }
  }
  return json ? json_line(array) : text(table.render());
}

}  // namespace

CommandResult show_version(ConsoleModel& model, const Arguments& arguments) {
  const VersionView version = model.version();
  if (wants_json(arguments)) {
    return json_line(
        {{"version", version.version}, {"build", version.build}, {"mode", version.mode}});
  }
  return text(fmt::format("sluice {}\nbuild: {}\nmode: {}\n", version.version, version.build,
                          version.mode));
}

CommandResult show_interfaces(ConsoleModel& model, const Arguments& arguments) {
  const std::vector<InterfaceView> interfaces = model.interfaces();
  if (wants_json(arguments)) {
    Json array = Json::array();
    for (const InterfaceView& view : interfaces) {
      array.push_back({{"name", view.name},
                       {"mac", view.mac},
                       {"addresses", view.addresses},
                       {"link", view.link_up ? "up" : "down"},
                       {"rx_packets", view.rx_packets},
                       {"rx_bytes", view.rx_bytes},
                       {"tx_packets", view.tx_packets},
                       {"tx_bytes", view.tx_bytes},
                       {"drops", view.drops}});
    }
    return json_line(array);
  }
  TextTable table({"name", "mac", "addresses", "link", "rx_packets", "rx_bytes", "tx_packets",
                   "tx_bytes", "drops"});
  for (const InterfaceView& view : interfaces) {
    std::string addresses;
    for (const std::string& address : view.addresses) {
      if (!addresses.empty()) addresses += ',';
      addresses += address;
    }
    table.add_row({view.name, view.mac, addresses.empty() ? "-" : addresses,
                   view.link_up ? "up" : "down", std::to_string(view.rx_packets),
                   std::to_string(view.rx_bytes), std::to_string(view.tx_packets),
                   std::to_string(view.tx_bytes), std::to_string(view.drops)});
  }
  return text(table.render());
}

CommandResult show_services(ConsoleModel& model, const Arguments& arguments) {
  const std::vector<ServiceView> services = model.services();
  if (wants_json(arguments)) {
    Json array = Json::array();
    for (const ServiceView& view : services) {
      array.push_back({{"name", view.name},
                       {"vip", view.vip},
                       {"protocol", view.protocol},
                       {"scheduler", view.scheduler},
                       {"proxy_protocol", view.proxy_protocol},
                       {"backends_up", view.backends_up},
                       {"backends_total", view.backends_total},
                       {"active", count_json(view.active)}});
    }
    return json_line(array);
  }
  TextTable table({"name", "vip", "scheduler", "proxy", "backends", "active"});
  for (const ServiceView& view : services) {
    table.add_row({view.name, fmt::format("{}/{}", view.vip, view.protocol), view.scheduler,
                   view.proxy_protocol,
                   fmt::format("{}/{}", view.backends_up, view.backends_total),
                   count_text(view.active)});
  }
  return text(table.render());
}

CommandResult show_backends(ConsoleModel& model, const Arguments& arguments) {
  const std::optional<std::string_view> service = arguments.get("SERVICE");
  if (!service) return show_all_backends(model, wants_json(arguments));
  const std::optional<std::vector<BackendView>> backends = model.backends(*service);
  if (!backends) return error(fmt::format("no service named '{}'", *service));
  if (wants_json(arguments)) {
    Json array = Json::array();
    for (const BackendView& view : *backends) array.push_back(backend_json(view));
    return json_line(array);
  }
  TextTable table({"address", "weight", "state", "active", "total"});
  for (const BackendView& view : *backends) {
    table.add_row({view.address, std::to_string(view.weight), view.state,
                   count_text(view.active), count_text(view.total)});
  }
  return text(table.render());
}

CommandResult show_conntrack(ConsoleModel& model, const Arguments& arguments) {
  const std::optional<std::string_view> service = arguments.get("SERVICE");
  std::size_t limit = kDefaultConntrackLimit;
  if (const std::optional<std::string_view> word = arguments.get("N")) {
    const auto value = parse_unsigned(*word, kMaxConntrackLimit);
    if (!value || *value == 0) {
      // The command and the word that was wrong, as a usage error names the form.
      return error(fmt::format("show conntrack: limit N must be 1..{}, not '{}'",
                               kMaxConntrackLimit, *word));
    }
    limit = static_cast<std::size_t>(*value);
  }
  // One more than asked tells whether the table had more to show.
  const auto flows = model.conntrack(service, limit + 1);
  if (!flows) return error(fmt::format("no service named '{}'", *service));
  const bool truncated = flows->size() > limit;
  const std::size_t shown = std::min(flows->size(), limit);
  if (wants_json(arguments)) {
    Json array = Json::array();
    for (std::size_t i = 0; i < shown; ++i) {
      const FlowView& flow = (*flows)[i];
      array.push_back({{"proto", flow.proto},
                       {"client", flow.client},
                       {"vip", flow.vip},
                       {"local", flow.local},
                       {"backend", flow.backend},
                       {"state", flow.state},
                       {"pp", flow.pp},
                       {"service", flow.service},
                       {"age", flow.age_s}});
    }
    return json_line(array);
  }
  TextTable table({"proto", "client", "vip", "local", "backend", "state", "pp", "age"});
  for (std::size_t i = 0; i < shown; ++i) {
    const FlowView& flow = (*flows)[i];
    table.add_row({flow.proto, flow.client, flow.vip, flow.local, flow.backend, flow.state,
                   flow.pp, fmt::format("{:.1f}s", flow.age_s)});
  }
  std::string output = table.render();
  if (truncated) output += fmt::format("(first {} flows; more with 'limit N')\n", limit);
  return text(std::move(output));
}

CommandResult show_stats(ConsoleModel& model, const Arguments& arguments) {
  const StatsView stats = model.stats();
  if (wants_json(arguments)) {
    Json document = counters_json(stats.total);
    Json workers = Json::array();
    for (std::size_t index = 0; index < stats.workers.size(); ++index) {
      Json worker = counters_json(stats.workers[index]);
      worker["worker"] = index;
      workers.push_back(std::move(worker));
    }
    document["workers"] = std::move(workers);
    return json_line(document);
  }
  std::vector<std::string> header{"counter", "total"};
  for (std::size_t index = 0; index < stats.workers.size(); ++index) {
    header.push_back(fmt::format("worker{}", index));
  }
  TextTable table(std::move(header));
  for (const CounterField& counter : kCounterFields) {
    std::vector<std::string> row{std::string(counter.name),
                                 std::to_string(stats.total.*counter.field)};
    for (const pipeline::WorkerCounters& worker : stats.workers) {
      row.push_back(std::to_string(worker.*counter.field));
    }
    table.add_row(std::move(row));
  }
  std::string output = table.render();
  std::string drops;
  pipeline::for_each_drop(stats.total, [&drops](const pipeline::DropCount& drop) {
    if (drop.count != 0) drops += fmt::format("  {} {}\n", drop.name(), drop.count);
  });
  output += drops.empty() ? "drops by reason: none\n" : "drops by reason:\n" + drops;
  return text(std::move(output));
}

CommandResult show_neighbors(ConsoleModel& model, const Arguments& arguments) {
  const std::vector<NeighborView> neighbors = model.neighbors();
  if (wants_json(arguments)) {
    Json array = Json::array();
    for (const NeighborView& view : neighbors) {
      array.push_back({{"address", view.address},
                       {"mac", view.mac},
                       {"interface", view.interface},
                       {"kind", view.kind},
                       {"age", view.age_s}});
    }
    return json_line(array);
  }
  TextTable table({"address", "mac", "interface", "kind", "age"});
  for (const NeighborView& view : neighbors) {
    table.add_row({view.address, view.mac, view.interface, view.kind,
                   view.kind == "static" ? std::string("-") : fmt::format("{:.1f}s", view.age_s)});
  }
  return text(table.render());
}

CommandResult show_routes(ConsoleModel& model, const Arguments& arguments) {
  const std::vector<RouteView> routes = model.routes();
  if (wants_json(arguments)) {
    Json array = Json::array();
    for (const RouteView& view : routes) {
      array.push_back({{"prefix", view.prefix},
                       {"via", view.via.empty() ? Json(nullptr) : Json(view.via)},
                       {"interface", view.interface},
                       {"kind", view.kind}});
    }
    return json_line(array);
  }
  TextTable table({"prefix", "via", "interface", "kind"});
  for (const RouteView& view : routes) {
    table.add_row({view.prefix, view.via.empty() ? "-" : view.via,
                   view.interface.empty() ? "-" : view.interface, view.kind});
  }
  return text(table.render());
}

}  // namespace sluice::console::handlers
