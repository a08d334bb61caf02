#include "dataplane/xdp/verdict_name.hpp"

#include "dataplane/insertion/decision.hpp"
#include "dataplane/packet/drop_reason.hpp"
#include "dataplane/pipeline/counters.hpp"

namespace sluice::xdp {

std::string last_verdict_name(const sl_xdp_last_verdict& verdict) {
  switch (verdict.kind) {
    case SL_VERDICT_FORWARD: return "forward";
    case SL_VERDICT_CONSUMED: return "consumed";
    case SL_VERDICT_DROP_PARSE:
      return "drop:" + std::string(packet::drop_reason_name(static_cast<packet::DropReason>(verdict.reason)));
    case SL_VERDICT_DROP_PIPELINE:
    case SL_VERDICT_PASS:
      return "drop:" + std::string(pipeline::pipeline_drop_name(static_cast<pipeline::PipelineDrop>(verdict.reason)));
    case SL_VERDICT_DROP_INSERTION:
      return "drop:tcp_" + std::string(insertion::to_string(static_cast<insertion::InsertionDrop>(verdict.reason)));
    default: return "unknown";
  }
}

}  // namespace sluice::xdp
