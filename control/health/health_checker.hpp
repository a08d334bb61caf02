#pragma once
// Health checks of every backend of every service that has a [services.health] table (spec
// config.md), on the control thread's io_context; the same code serves the DPDK and the XDP
// datapaths. One schedule per (service, backend): a probe (probe.hpp) every interval_ms, each
// bounded by timeout_ms; rise/fall counting (rise_fall.hpp); a log line and a callback per
// state change, which `sluice run` uses to push the new state to the workers.
//
// Never blocks: every socket operation is asynchronous and every probe has a deadline. Targets
// start at a random point of their first interval, so thousands of them do not fire together.
// Each target has at most one probe in flight (the next starts an interval after the previous
// one started, or when it ends if that is later).
//
// Everything, callbacks included, runs on the io_context's thread; calls must come from it.
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "control/config/config.hpp"
#include "control/health/probe.hpp"
#include "dataplane/net/address.hpp"

namespace sluice::health {

struct Target {
  std::string service;
  net::Endpoint backend;
  config::HealthCheck check;
  // The service sends PROXY headers and check.send_proxy is on (see targets_from_config).
  bool send_proxy_header = false;
  // Local address the probes leave from; nullopt: the kernel's choice.
  std::optional<net::IpAddress> source;
  // Local ports the probes leave from (dpdk mode: the pipeline's host port range, so that the
  // answers come back up to the kernel); nullopt: the kernel's ephemeral ports. The checker
  // hands them out in turn, skipping ports in use.
  std::optional<PortRange> source_ports;
};

// One target per backend of every service with a health table, in configuration order, without
// a source address (the caller sets one where it needs to).
std::vector<Target> targets_from_config(const config::Config& config);

// When a new target's first probe fires: uniformly in [0, interval), so that the probes of many
// targets (and those of a reload) spread over the interval instead of firing in one burst.
std::chrono::steady_clock::duration first_probe_delay(std::chrono::milliseconds interval,
                                                      std::mt19937_64& random);

struct TargetStatus {
  std::string service;
  net::Endpoint backend;
  bool up = true;
  bool confirmed = false;      // false until a check has succeeded or the target went down
  std::string last_reason;     // outcome of the last finished probe; empty before the first
  std::uint64_t checks = 0;    // finished probes
  std::uint64_t failures = 0;  // of which failed
  std::uint32_t streak = 0;    // consecutive results against the current state
};

class HealthChecker {
 public:
  // (service, backend, up, reason): reason is the last probe's outcome, e.g.
  // "connect: Connection refused" or "HTTP 200".
  using TransitionCallback =
      std::function<void(const std::string& service, const net::Endpoint& backend, bool up,
                         const std::string& reason)>;

  HealthChecker(boost::asio::io_context& io, TransitionCallback on_transition);
  ~HealthChecker();
  HealthChecker(const HealthChecker&) = delete;
  HealthChecker& operator=(const HealthChecker&) = delete;

  // Replaces the target set (start-up and reload). A target whose (service, backend) stays
  // keeps its state, counters and schedule and takes the new settings from its next probe;
  // new targets start up (rise_fall.hpp says why); removed ones stop at once (a probe in
  // flight is reset) without a callback. Duplicate (service, backend) pairs: the first wins.
  void set_targets(std::vector<Target> targets);

  // Stops every probe and forgets the targets; no callback runs afterwards.
  void stop();

  // Every target in the order of the last set_targets.
  std::vector<TargetStatus> status() const;
  std::optional<TargetStatus> status(std::string_view service, const net::Endpoint& backend) const;

 private:
  struct Entry;
  using Key = std::pair<std::string, net::Endpoint>;

  void schedule(const std::shared_ptr<Entry>& entry, std::chrono::steady_clock::duration delay);
  void launch(const std::shared_ptr<Entry>& entry);
  void on_result(const std::shared_ptr<Entry>& entry, bool success, std::string reason);

  boost::asio::io_context& io_;
  TransitionCallback on_transition_;
  std::map<Key, std::shared_ptr<Entry>> entries_;
  std::vector<Key> order_;
  std::mt19937_64 random_;
  std::uint32_t next_port_offset_ = 0;  // where the next probe with source_ports starts looking
};

}  // namespace sluice::health
