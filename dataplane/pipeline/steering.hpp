#pragma once
// Software flow steering between workers (docs/dpdk.md, "Steering").
//
// Each worker owns its flows and the SNAT ports it allocated (conntrack/snat_ports.hpp). A
// client's packets stay on the worker RSS picked for them (the same 5-tuple always hashes to
// the same queue), but the backend's replies come back to SNAT_ADDR:port with a different
// 5-tuple and may land on any queue: such a frame must be handed to the worker that owns the
// port. ARP replies and NDP neighbour advertisements teach every worker's neighbour table, so
// they go to all workers.
//
// FlowSteering is pure (no DPDK): built once per run on the control thread from the Tables and
// the worker count, then read by every worker. classify() costs one address compare per SNAT
// address (a handful) and one table load; it only reads bytes the parser validated.
#include <cstdint>
#include <vector>

#include "dataplane/conntrack/snat_ports.hpp"
#include "dataplane/net/address.hpp"
#include "dataplane/packet/parser.hpp"
#include "dataplane/pipeline/tables.hpp"

namespace sluice::pipeline {

enum class SteeringAction : std::uint8_t {
  kLocal,      // process here
  kToOwner,    // hand to SteeringDecision::worker, which allocated the destination SNAT port
  kBroadcast,  // process here and give a copy to every other worker (ARP reply, NDP NA)
};

struct SteeringDecision {
  SteeringAction action = SteeringAction::kLocal;
  std::uint32_t worker = 0;  // meaningful for kToOwner
  friend bool operator==(const SteeringDecision&, const SteeringDecision&) = default;
};

class FlowSteering {
 public:
  // The SNAT addresses are those of every service; the port range and the worker count must be
  // those the workers build their SnatPortAllocators from (Tables::limits()).
  FlowSteering(const Tables& tables, std::uint32_t worker_count);

  // `frame` is the frame's first byte, `parsed` what parse_frame() found in it. `self` is the
  // worker asking: a port it owns is kLocal.
  SteeringDecision classify(const packet::ParsedFrame& parsed, const std::uint8_t* frame,
                            std::uint32_t self) const noexcept;

  std::uint32_t worker_count() const noexcept { return partition_.worker_count(); }
  const conntrack::SnatPortPartition& partition() const noexcept { return partition_; }

 private:
  bool is_snat_address(const packet::ParsedFrame& parsed,
                       const std::uint8_t* frame) const noexcept;

  conntrack::SnatPortPartition partition_;
  std::vector<net::IpAddress> snat_addresses_;  // distinct, both families
};

}  // namespace sluice::pipeline
