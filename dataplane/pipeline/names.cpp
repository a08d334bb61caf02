// Stable names of pipeline enums: console output, metrics labels and fixture verdicts use them,
// so a name never changes once published (add new ones instead).
#include "dataplane/pipeline/counters.hpp"
#include "dataplane/pipeline/flow.hpp"

namespace sluice::pipeline {

std::string_view pipeline_drop_name(PipelineDrop drop) noexcept {
  switch (drop) {
    case PipelineDrop::kNotForUs: return "not_for_us";
    case PipelineDrop::kHostBadSource: return "host_bad_source";
    case PipelineDrop::kNoService: return "no_service";
    case PipelineDrop::kUnknownTcpFlow: return "unknown_tcp_flow";
    case PipelineDrop::kConntrackFull: return "conntrack_full";
    case PipelineDrop::kSnatExhausted: return "snat_exhausted";
    case PipelineDrop::kNoBackend: return "no_backend";
    case PipelineDrop::kNoSnatAddress: return "no_snat_address";
    case PipelineDrop::kTtlExceeded: return "ttl_exceeded";
    case PipelineDrop::kUdpTooBig: return "udp_too_big";
    case PipelineDrop::kNoRoute: return "no_route";
    case PipelineDrop::kNeighborQueueFull: return "neighbor_queue_full";
    case PipelineDrop::kNoNeighbor: return "no_neighbor";
    case PipelineDrop::kNoBuffer: return "no_buffer";
    case PipelineDrop::kFragment: return "fragment";
    case PipelineDrop::kUnsupportedL4: return "unsupported_l4";
    case PipelineDrop::kIcmpIgnored: return "icmp_ignored";
    case PipelineDrop::kTcpInsertion: return "tcp_insertion";
    case PipelineDrop::kCount: break;
  }
  return "unknown";
}

std::string_view tcp_state_name(TcpState state) noexcept {
  switch (state) {
#define SLUICE_TCP_STATE(c_name, cpp_name, value, text) \
  case TcpState::cpp_name: return text;
    SL_TCP_STATE_LIST(SLUICE_TCP_STATE)  // dataplane/shared/tcp_rules.h
#undef SLUICE_TCP_STATE
  }
  return "UNKNOWN";
}

}  // namespace sluice::pipeline
