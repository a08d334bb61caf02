// Stable names of pipeline enums: console output, metrics labels and fixture verdicts use them,
// so a name never changes once published (add new ones instead).
#include "dataplane/pipeline/counters.hpp"
#include "dataplane/pipeline/flow.hpp"

namespace sluice::pipeline {

std::string_view pipeline_drop_name(PipelineDrop drop) noexcept {
  switch (drop) {
#define SLUICE_DROP(c_name, cpp_name, value, text) \
  case PipelineDrop::cpp_name: return text;
    SL_PIPELINE_DROP_LIST(SLUICE_DROP)  // dataplane/shared/drop_reasons.h
#undef SLUICE_DROP
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
