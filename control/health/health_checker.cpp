#include "control/health/health_checker.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/asio/steady_timer.hpp>

#include "control/health/probe.hpp"
#include "control/health/rise_fall.hpp"

namespace sluice::health {

namespace asio = boost::asio;
using Clock = std::chrono::steady_clock;

struct HealthChecker::Entry {
  Entry(asio::io_context& io, Target initial)
      : target(std::move(initial)), state(target.check.rise, target.check.fall), timer(io) {}

  Target target;
  RiseFall state;
  asio::steady_timer timer;
  std::shared_ptr<Probe> probe;  // the attempt in flight, if any
  Clock::time_point started{};   // when the last probe started
  std::string last_reason;
  std::uint64_t checks = 0;
  std::uint64_t failures = 0;
  bool stopped = false;
};

Clock::duration first_probe_delay(std::chrono::milliseconds interval, std::mt19937_64& random) {
  const Clock::rep span = std::chrono::duration_cast<Clock::duration>(interval).count();
  if (span <= 0) return Clock::duration::zero();
  std::uniform_int_distribution<Clock::rep> jitter(0, span - 1);
  return Clock::duration(jitter(random));
}

std::vector<Target> targets_from_config(const config::Config& config) {
  std::vector<Target> targets;
  for (const config::Service& service : config.services) {
    if (!service.health) continue;
    for (const config::Backend& backend : service.backends) {
      Target target;
      target.service = service.name;
      target.backend = backend.endpoint();
      target.check = *service.health;
      // spec: "probes start with a PROXY v2 LOCAL header when the service sends headers".
      target.send_proxy_header = service.proxy_protocol.has_value() && service.health->send_proxy;
      targets.push_back(std::move(target));
    }
  }
  return targets;
}

HealthChecker::HealthChecker(asio::io_context& io, TransitionCallback on_transition)
    : io_(io), on_transition_(std::move(on_transition)), random_(std::random_device{}()) {}

HealthChecker::~HealthChecker() { stop(); }

void HealthChecker::stop() {
  for (auto& [key, entry] : entries_) {
    entry->stopped = true;
    entry->timer.cancel();
    if (entry->probe) entry->probe->cancel();
    entry->probe.reset();
  }
  entries_.clear();
  order_.clear();
}

void HealthChecker::set_targets(std::vector<Target> targets) {
  std::map<Key, std::shared_ptr<Entry>> next;
  std::vector<Key> order;
  for (Target& target : targets) {
    Key key{target.service, target.backend};
    if (next.contains(key)) continue;
    if (auto kept = entries_.find(key); kept != entries_.end()) {
      std::shared_ptr<Entry> entry = kept->second;
      entries_.erase(kept);
      entry->state.set_thresholds(target.check.rise, target.check.fall);
      entry->target = std::move(target);
      next.emplace(key, std::move(entry));
    } else {
      auto entry = std::make_shared<Entry>(io_, std::move(target));
      schedule(entry, first_probe_delay(std::chrono::milliseconds(entry->target.check.interval_ms),
                                        random_));
      next.emplace(key, std::move(entry));
    }
    order.push_back(std::move(key));
  }
  for (auto& [key, entry] : entries_) {  // what is left was removed
    entry->stopped = true;
    entry->timer.cancel();
    if (entry->probe) entry->probe->cancel();
    entry->probe.reset();
  }
  entries_ = std::move(next);
  order_ = std::move(order);
}

void HealthChecker::schedule(const std::shared_ptr<Entry>& entry, Clock::duration delay) {
  entry->timer.expires_after(delay);
  entry->timer.async_wait(
      [this, weak = std::weak_ptr<Entry>(entry)](const boost::system::error_code& error) {
        const std::shared_ptr<Entry> alive = weak.lock();
        if (error || !alive || alive->stopped) return;
        launch(alive);
      });
}

void HealthChecker::launch(const std::shared_ptr<Entry>& entry) {
  entry->started = Clock::now();
  const Target& target = entry->target;
  ProbeSpec spec;
  spec.backend = target.backend;
  spec.kind = target.check.kind;
  spec.path = target.check.path;
  spec.timeout = std::chrono::milliseconds(target.check.timeout_ms);
  spec.send_proxy_header = target.send_proxy_header;
  spec.source = target.source;
  spec.source_ports = target.source_ports;
  if (target.source_ports) {
    // Successive probes start at successive ports: a port just used is tried last.
    spec.port_offset = next_port_offset_++;
  }
  entry->probe = Probe::start(io_, std::move(spec),
                              [this, weak = std::weak_ptr<Entry>(entry)](ProbeOutcome outcome) {
                                const std::shared_ptr<Entry> alive = weak.lock();
                                if (!alive || alive->stopped) return;
                                on_result(alive, outcome.success, std::move(outcome.reason));
                              });
}

void HealthChecker::on_result(const std::shared_ptr<Entry>& entry, bool success,
                              std::string reason) {
  entry->probe.reset();
  ++entry->checks;
  if (!success) ++entry->failures;
  entry->last_reason = std::move(reason);

  // Next probe one interval after this one started (a steady cadence), never before now.
  const auto interval = std::chrono::milliseconds(entry->target.check.interval_ms);
  const Clock::time_point now = Clock::now();
  const Clock::time_point due = std::max(entry->started + interval, now);
  schedule(entry, due - now);

  const std::optional<Transition> transition = entry->state.record(success);
  if (!transition) return;
  const Target& target = entry->target;
  const std::string backend = target.backend.to_string();
  if (transition->up) {
    spdlog::info("health: {} {} is UP after {} successful check{} ({})", target.service, backend,
                 transition->checks, transition->checks == 1 ? "" : "s", entry->last_reason);
  } else {
    spdlog::warn("health: {} {} is DOWN after {} failed check{} ({})", target.service, backend,
                 transition->checks, transition->checks == 1 ? "" : "s", entry->last_reason);
  }
  // Copies: the callback may call set_targets() or stop(), which can free the entry.
  const std::string service = target.service;
  const net::Endpoint endpoint = target.backend;
  const std::string last_reason = entry->last_reason;
  if (on_transition_) on_transition_(service, endpoint, transition->up, last_reason);
}

std::vector<TargetStatus> HealthChecker::status() const {
  std::vector<TargetStatus> all;
  all.reserve(order_.size());
  for (const Key& key : order_) {
    if (auto found = status(key.first, key.second)) all.push_back(std::move(*found));
  }
  return all;
}

std::optional<TargetStatus> HealthChecker::status(std::string_view service,
                                                  const net::Endpoint& backend) const {
  const auto found = entries_.find(Key{std::string(service), backend});
  if (found == entries_.end()) return std::nullopt;
  const Entry& entry = *found->second;
  TargetStatus status;
  status.service = entry.target.service;
  status.backend = entry.target.backend;
  status.up = entry.state.up();
  status.confirmed = entry.state.confirmed();
  status.last_reason = entry.last_reason;
  status.checks = entry.checks;
  status.failures = entry.failures;
  status.streak = entry.state.streak();
  return status;
}

}  // namespace sluice::health
