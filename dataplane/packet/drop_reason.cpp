#include "dataplane/packet/drop_reason.hpp"

namespace sluice::packet {

std::string_view drop_reason_name(DropReason reason) noexcept {
  // A switch without default: -Wswitch flags any enumerator left without a name.
  switch (reason) {
    case DropReason::kNone: return "none";
#define SLUICE_DROP(c_name, cpp_name, value, text) \
  case DropReason::cpp_name: return text;
    SL_PARSE_DROP_LIST(SLUICE_DROP)  // dataplane/shared/drop_reasons.h
#undef SLUICE_DROP
    case DropReason::kCount: break;
  }
  return "unknown";
}

}  // namespace sluice::packet
