#pragma once
// The verdict the XDP program records for its last frame (sl_last_verdict, read after
// BPF_PROG_TEST_RUN) in the words the C++ pipeline's verdicts print: "forward", "consumed", or
// "drop:<reason>" with the reason's name from its own list (parse, pipeline, or "tcp_" +
// insertion). A pass to the kernel reads as the pipeline's drop of the same reason: where the
// C++ pipeline drops a frame that is not for it, the program hands it to the kernel (docs/xdp.md,
// "Where XDP differs"), and the fixtures compare the two in that normal form.
#include <string>

#include "dataplane/shared/xdp_maps.h"

namespace sluice::xdp {

std::string last_verdict_name(const sl_xdp_last_verdict& verdict);

}  // namespace sluice::xdp
