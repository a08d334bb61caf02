// Every compile-time check that ties the XDP program's ABI (dataplane/shared/*.h, which clang
// -target bpf builds too) to the C++ side, in one file. What is generated from one list needs no
// check: drop reasons (drop_reasons.h), TCP states and insertion drops (tcp_rules.h), header
// states, resend causes and timer actions (tcp_insertion.h) become both the C constants and the
// C++ enumerators. The shared headers assert their own layouts (sizes, offsets) next to the
// structs. What remains here is where two definitions must agree by value:
#include "dataplane/packet/drop_reason.hpp"
#include "dataplane/pipeline/counters.hpp"
#include "dataplane/sched/backend_set.hpp"
#include "dataplane/sched/maglev.hpp"
#include "dataplane/shared/xdp_maps.h"

namespace sluice::xdp {

// The program counts drops in fixed arrays indexed by reason: they must hold every reason.
static_assert(packet::kDropReasonCount <= SL_XDP_PARSE_DROPS);
static_assert(pipeline::kPipelineDropCount <= SL_XDP_PIPELINE_DROPS);
static_assert(SL_INSERTION_DROP_COUNT <= SL_XDP_INSERTION_DROPS);

// The loader writes the scheduler's tables into the program's arrays as they are.
static_assert(SL_XDP_MAGLEV_SIZE == sched::kMaglevTableSize);
static_assert(SL_XDP_MAX_BACKENDS == sched::BackendSet::kMaxBackends);

}  // namespace sluice::xdp
