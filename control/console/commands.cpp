#include "control/console/commands.hpp"

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "control/cli/logging.hpp"
#include "control/config/limits.hpp"
#include "control/console/text_table.hpp"
#include "dataplane/pipeline/drop_walk.hpp"

namespace sluice::console {
namespace {

// Keys keep the order they are written in, the spec's order, so humans reading JSON find them
// where the spec lists them (JSON itself does not care).
using Json = nlohmann::ordered_json;
using Words = std::vector<std::string_view>;

struct HelpEntry {
  std::string_view usage;
  std::string_view description;
};

// Every command of the spec, in the spec's order; the ones this build cannot run yet say so.
constexpr std::array<HelpEntry, 15> kHelp{{
    {"help", "list the commands"},
    {"show version [json]", "version, build, datapath mode"},
    {"show interfaces [json]", "name, MAC, addresses, link, rx/tx packets and bytes, drops"},
    {"show services [json]", "VIP:port/proto, scheduler, PROXY version, backends up/total, flows"},
    {"show backends [SERVICE] [json]", "address:port, weight, state, active and total flows"},
    {"show conntrack [SERVICE] [limit N] [json]", "the flow table (default limit 1000)"},
    {"show stats [json]", "datapath counters, total and per worker, drops by reason"},
    {"show neighbors [json]", "the ARP/NDP table"},
    {"show routes [json]", "connected subnets and configured routes"},
    {"backend enable|disable SERVICE ADDR:PORT", "take a backend in or out of scheduling"},
    {"backend weight SERVICE ADDR:PORT N", "change a weight (0 drains: no new flows)"},
    {"conntrack flush [SERVICE]", "drop the flows of one service or all"},
    {"reload", "re-read the config file and apply the difference"},
    {"log level trace|debug|info|warn|error", "change the log level"},
    {"quit, exit", "close this session"},
}};

Words split_words(std::string_view line) {
  Words words;
  std::size_t position = 0;
  while (position < line.size()) {
    while (position < line.size() && (line[position] == ' ' || line[position] == '\t')) {
      ++position;
    }
    const std::size_t start = position;
    while (position < line.size() && line[position] != ' ' && line[position] != '\t') {
      ++position;
    }
    if (position > start) words.push_back(line.substr(start, position - start));
  }
  return words;
}

std::string join(std::span<const std::string_view> words) {
  std::string text;
  for (const std::string_view word : words) {
    if (!text.empty()) text += ' ';
    text += word;
  }
  return text;
}

CommandResult text(std::string output) { return CommandResult{std::move(output), false}; }

CommandResult error(std::string_view message) {
  return text(fmt::format("error: {}\n", message));
}

CommandResult json_line(const Json& document) { return text(document.dump() + "\n"); }

// What a state-changing command answers: the model's message, or its error.
CommandResult change(const ChangeResult& result) {
  if (!result.error.empty()) return error(result.error);
  std::string output = result.message;
  if (!output.empty() && output.back() != '\n') output += '\n';
  return text(std::move(output));
}

// The largest weight a backend takes, as in the configuration (spec config.md).
constexpr std::uint64_t kMaxWeight = config::limits::kMaxWeight;

// `show conntrack` prints this many flows unless told otherwise.
constexpr std::size_t kDefaultConntrackLimit = 1000;
// The most `limit N` accepts: a console line per flow beyond this is not a use case.
constexpr std::size_t kMaxConntrackLimit = 1'000'000;

std::optional<std::uint64_t> parse_unsigned(std::string_view word, std::uint64_t max) {
  if (word.empty() || word.size() > 20) return std::nullopt;
  std::uint64_t value = 0;
  for (const char c : word) {
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + static_cast<std::uint64_t>(c - '0');
    if (value > max) return std::nullopt;
  }
  return value;
}

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

class Interpreter {
 public:
  Interpreter(ConsoleModel& model, Words words) : model_(model), words_(std::move(words)) {
    // Every `show` takes a trailing `json` (spec: "Every show command takes a trailing json").
    if (words_.size() >= 2 && words_.front() == "show" && words_.back() == "json") {
      json_ = true;
      words_.pop_back();
    }
  }

  CommandResult run() {
    const std::string_view verb = words_.front();
    if (verb == "help" && words_.size() == 1) return help();
    if ((verb == "quit" || verb == "exit") && words_.size() == 1) {
      return CommandResult{"bye\n", true};
    }
    if (verb == "show" && words_.size() >= 2) return show();
    if (verb == "log" && words_.size() >= 2 && words_[1] == "level") return log_level();
    if (verb == "backend" && words_.size() >= 2) return backend();
    if (verb == "conntrack" && words_.size() >= 2 && words_[1] == "flush") return flush();
    if (verb == "reload" && words_.size() == 1) return change(model_.reload());
    return unknown();
  }

 private:
  CommandResult unknown() const {
    return error(fmt::format("unknown command '{}' (type 'help')", join(words_)));
  }

  CommandResult usage(std::string_view form) const {
    return error(fmt::format("usage: {}", form));
  }

  static CommandResult help() {
    TextTable table({"command", "description"});
    for (const HelpEntry& entry : kHelp) {
      table.add_row({std::string(entry.usage), std::string(entry.description)});
    }
    return text(table.render());
  }

  CommandResult show() {
    const std::string_view what = words_[1];
    const std::size_t arguments = words_.size() - 2;
    if (what == "version") return arguments == 0 ? show_version() : usage("show version [json]");
    if (what == "interfaces") {
      return arguments == 0 ? show_interfaces() : usage("show interfaces [json]");
    }
    if (what == "services") return arguments == 0 ? show_services() : usage("show services [json]");
    if (what == "backends") {
      if (arguments == 0) return show_all_backends();
      if (arguments == 1) return show_backends(words_[2]);
      return usage("show backends [SERVICE] [json]");
    }
    if (what == "stats") return arguments == 0 ? show_stats() : usage("show stats [json]");
    if (what == "conntrack") return show_conntrack();
    if (what == "neighbors") return arguments == 0 ? show_neighbors() : usage("show neighbors [json]");
    if (what == "routes") return arguments == 0 ? show_routes() : usage("show routes [json]");
    return unknown();
  }

  // show conntrack [SERVICE] [limit N]
  CommandResult show_conntrack() {
    constexpr std::string_view kUsage = "show conntrack [SERVICE] [limit N] [json]";
    std::optional<std::string_view> service;
    std::size_t limit = kDefaultConntrackLimit;
    std::size_t index = 2;
    if (index < words_.size() && words_[index] != "limit") service = words_[index++];
    if (index < words_.size()) {
      if (words_[index] != "limit" || index + 2 != words_.size()) return usage(kUsage);
      const auto value = parse_unsigned(words_[index + 1], kMaxConntrackLimit);
      if (!value || *value == 0) {
        return error(fmt::format("limit must be 1..{}", kMaxConntrackLimit));
      }
      limit = static_cast<std::size_t>(*value);
    }
    // One more than asked tells whether the table had more to show.
    const auto flows = model_.conntrack(service, limit + 1);
    if (!flows) return error(fmt::format("no service named '{}'", *service));
    const bool truncated = flows->size() > limit;
    const std::size_t shown = std::min(flows->size(), limit);
    if (json_) {
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

  CommandResult show_neighbors() {
    const std::vector<NeighborView> neighbors = model_.neighbors();
    if (json_) {
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

  CommandResult show_routes() const {
    const std::vector<RouteView> routes = model_.routes();
    if (json_) {
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

  // backend enable|disable SERVICE ADDR:PORT, backend weight SERVICE ADDR:PORT N
  CommandResult backend() {
    const std::string_view action = words_[1];
    if ((action == "enable" || action == "disable") && words_.size() == 4) {
      return change(model_.set_backend_enabled(words_[2], words_[3], action == "enable"));
    }
    if (action == "weight" && words_.size() == 5) {
      const auto weight = parse_unsigned(words_[4], kMaxWeight);
      if (!weight) return error(fmt::format("weight must be 0..{}", kMaxWeight));
      return change(model_.set_backend_weight(words_[2], words_[3],
                                              static_cast<std::uint32_t>(*weight)));
    }
    return usage("backend enable|disable SERVICE ADDR:PORT | backend weight SERVICE ADDR:PORT N");
  }

  CommandResult flush() {
    if (words_.size() == 2) return change(model_.flush_conntrack(std::nullopt));
    if (words_.size() == 3) return change(model_.flush_conntrack(words_[2]));
    return usage("conntrack flush [SERVICE]");
  }

  CommandResult show_version() const {
    const VersionView version = model_.version();
    if (json_) {
      return json_line(
          {{"version", version.version}, {"build", version.build}, {"mode", version.mode}});
    }
    return text(fmt::format("sluice {}\nbuild: {}\nmode: {}\n", version.version, version.build,
                            version.mode));
  }

  CommandResult show_interfaces() const {
    const std::vector<InterfaceView> interfaces = model_.interfaces();
    if (json_) {
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

  CommandResult show_services() const {
    const std::vector<ServiceView> services = model_.services();
    if (json_) {
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

  static Json backend_json(const BackendView& view) {
    return {{"address", view.address},
            {"weight", view.weight},
            {"state", view.state},
            {"active", count_json(view.active)},
            {"total", count_json(view.total)}};
  }

  CommandResult show_backends(std::string_view service) const {
    const std::optional<std::vector<BackendView>> backends = model_.backends(service);
    if (!backends) return error(fmt::format("no service named '{}'", service));
    if (json_) {
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

  // Without a SERVICE: every service's backends, each row naming its service.
  CommandResult show_all_backends() const {
    Json array = Json::array();
    TextTable table({"service", "address", "weight", "state", "active", "total"});
    for (const ServiceView& service : model_.services()) {
      const std::optional<std::vector<BackendView>> backends = model_.backends(service.name);
      if (!backends) continue;  // the service list and its backends come from one snapshot
      for (const BackendView& view : *backends) {
        Json object = backend_json(view);
        object["service"] = service.name;
        array.push_back(std::move(object));
        table.add_row({service.name, view.address, std::to_string(view.weight), view.state,
                       count_text(view.active), count_text(view.total)});
      }
    }
    return json_ ? json_line(array) : text(table.render());
  }

  CommandResult show_stats() const {
    const StatsView stats = model_.stats();
    if (json_) {
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

  CommandResult log_level() {
    constexpr std::string_view kUsage = "log level trace|debug|info|warn|error";
    if (words_.size() != 3) return usage(kUsage);
    const std::optional<spdlog::level::level_enum> level = cli::parse_log_level(words_[2]);
    if (!level) return usage(kUsage);
    model_.set_log_level(*level);
    return text(fmt::format("log level set to {}\n", words_[2]));
  }

  ConsoleModel& model_;
  Words words_;
  bool json_ = false;
};

}  // namespace

CommandResult ConsoleCommands::execute(std::string_view line) {
  Words words = split_words(line);
  if (words.empty()) return {};
  return Interpreter(model_, std::move(words)).run();
}

}  // namespace sluice::console
