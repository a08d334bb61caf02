#pragma once
// Plain copies of datapath state for the console and the metrics: flows, neighbours and
// per-backend flow counts. Both datapaths produce these (the DPDK shell from its workers, the
// XDP loader from its maps), so the control plane renders one format whatever runs.
#include <cstdint>
#include <string_view>
#include <vector>

#include "dataplane/net/address.hpp"
#include "dataplane/pipeline/flow.hpp"
#include "dataplane/pipeline/tables.hpp"
#include "dataplane/shared/tcp_insertion.h"

namespace sluice::pipeline {

// PROXY header state of a flow (spec cli-console.md, `show conntrack`).
// SL_HEADER_STATE_LIST (dataplane/shared/tcp_insertion.h): the XDP flow's header_state values.
enum class HeaderProgress : std::uint8_t {
#define SLUICE_HEADER_PROGRESS(c_name, cpp_name, value, text) cpp_name = value,
  SL_HEADER_STATE_LIST(SLUICE_HEADER_PROGRESS)
#undef SLUICE_HEADER_PROGRESS
};
std::string_view header_progress_name(HeaderProgress progress) noexcept;  // "none", "pending"...

struct FlowRecord {
  std::uint8_t protocol = kProtoTcp;
  net::Endpoint client;
  net::Endpoint vip;
  net::Endpoint local;    // SNAT address and port
  net::Endpoint backend;
  TcpState state = TcpState::kSynSent;
  HeaderProgress header = HeaderProgress::kNone;
  std::int64_t age_ns = 0;
  ServiceId service = 0;
  std::uint32_t worker = 0;
};

// `now_ns` on the worker's clock; `udp_every_datagram` from the flow's service plan.
FlowRecord flow_record(const Flow& flow, const Tables& tables, std::int64_t now_ns,
                       std::uint32_t worker) noexcept;

struct NeighborRecord {
  net::IpAddress address;
  net::MacAddress mac;
  PortId port = kNoPort;
  bool is_static = false;
  std::int64_t age_ns = 0;  // since learnt; 0 for static entries
};

// Flow counts of one service: per backend in the order of the service's current BackendSet.
struct ServiceFlowCounts {
  std::uint64_t active = 0;  // every flow of the service, also on backends since removed
  bool totals_known = true;  // false: the datapath keeps no per-backend history (XDP)
  struct Backend {
    std::uint64_t active = 0;
    std::uint64_t total = 0;  // flows ever assigned
  };
  std::vector<Backend> backends;
};
// Indexed by ServiceId.
using FlowCounts = std::vector<ServiceFlowCounts>;

// Adds `more` (another worker's counts) into `sum`, growing it as needed.
void accumulate(FlowCounts& sum, const FlowCounts& more);

}  // namespace sluice::pipeline
