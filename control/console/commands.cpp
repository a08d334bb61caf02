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
#include "control/console/text_table.hpp"
#include "dataplane/packet/drop_reason.hpp"

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
    {"show conntrack [SERVICE] [limit N] [json]", "the flow table (not available yet)"},
    {"show stats [json]", "datapath counters, total and per worker, drops by reason"},
    {"show neighbors [json]", "the ARP/NDP table (not available yet)"},
    {"show routes [json]", "the routes (not available yet)"},
    {"backend enable|disable SERVICE ADDR:PORT", "scheduling on/off (not available yet)"},
    {"backend weight SERVICE ADDR:PORT N", "change a weight (not available yet)"},
    {"conntrack flush [SERVICE]", "drop flows (not available yet)"},
    {"reload", "re-read the config file and apply it (not available yet)"},
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

CommandResult not_available(std::string_view command) {
  return error(fmt::format("not available yet: {}", command));
}

std::string count_text(const std::optional<std::uint64_t>& count) {
  return count ? std::to_string(*count) : std::string("-");
}

Json count_json(const std::optional<std::uint64_t>& count) {
  return count ? Json(*count) : Json(nullptr);
}

// The counters of `show stats`, in display order; the names are the JSON keys.
struct CounterField {
  std::string_view name;
  std::uint64_t pipeline::WorkerCounters::*field;
};
constexpr std::array<CounterField, 16> kCounterFields{{
    {"rx_packets", &pipeline::WorkerCounters::rx_packets},
    {"rx_bytes", &pipeline::WorkerCounters::rx_bytes},
    {"tx_packets", &pipeline::WorkerCounters::tx_packets},
    {"tx_bytes", &pipeline::WorkerCounters::tx_bytes},
    {"dropped", &pipeline::WorkerCounters::dropped},
    {"flows_created", &pipeline::WorkerCounters::flows_created},
    {"flows_expired", &pipeline::WorkerCounters::flows_expired},
    {"flows_active", &pipeline::WorkerCounters::flows_active},
    {"pp_inserted", &pipeline::WorkerCounters::pp_inserted},
    {"pp_resent", &pipeline::WorkerCounters::pp_resent},
    {"pp_given_up", &pipeline::WorkerCounters::pp_given_up},
    {"snat_exhausted", &pipeline::WorkerCounters::snat_exhausted},
    {"arp_replies", &pipeline::WorkerCounters::arp_replies},
    {"nd_replies", &pipeline::WorkerCounters::nd_replies},
    {"icmp_echo_replies", &pipeline::WorkerCounters::icmp_echo_replies},
    {"icmp_errors_sent", &pipeline::WorkerCounters::icmp_errors_sent},
}};

// Drop reasons as "parse:<reason>" (the packet parser refused the frame) and "<reason>" (the
// pipeline did), the names of drop_reason.hpp and counters.hpp.
std::vector<std::pair<std::string, std::uint64_t>> drop_reasons(
    const pipeline::WorkerCounters& counters) {
  std::vector<std::pair<std::string, std::uint64_t>> reasons;
  for (std::size_t index = 0; index < packet::kDropReasonCount; ++index) {
    const auto reason = static_cast<packet::DropReason>(index);
    if (reason == packet::DropReason::kNone) continue;  // "not dropped": never counted
    reasons.emplace_back(fmt::format("parse:{}", packet::drop_reason_name(reason)),
                         counters.parse_drops[index]);
  }
  for (std::size_t index = 0; index < pipeline::kPipelineDropCount; ++index) {
    const auto drop = static_cast<pipeline::PipelineDrop>(index);
    reasons.emplace_back(std::string(pipeline::pipeline_drop_name(drop)),
                         counters.pipeline_drops[index]);
  }
  return reasons;
}

Json counters_json(const pipeline::WorkerCounters& counters) {
  Json object = Json::object();
  for (const CounterField& counter : kCounterFields) {
    object[std::string(counter.name)] = counters.*counter.field;
  }
  Json drops = Json::object();
  for (const auto& [name, count] : drop_reasons(counters)) drops[name] = count;
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
    if (verb == "backend" && words_.size() >= 2) {
      return not_available(join(std::span(words_).first(2)));
    }
    if (verb == "conntrack" && words_.size() >= 2 && words_[1] == "flush") {
      return not_available("conntrack flush");
    }
    if (verb == "reload" && words_.size() == 1) return not_available("reload");
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
    if (what == "conntrack" || what == "neighbors" || what == "routes") {
      return not_available(fmt::format("show {}", what));
    }
    return unknown();
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
    for (const auto& [name, count] : drop_reasons(stats.total)) {
      if (count != 0) drops += fmt::format("  {} {}\n", name, count);
    }
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
