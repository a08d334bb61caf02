#pragma once
// Why the packet core refused a frame. One value per distinct cause, so that each has its own
// counter; the names are stable strings for `show stats` and the metrics exporter (never
// rename one, only add). docs/packet-layer.md has the table with the exact conditions.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "dataplane/shared/drop_reasons.h"

namespace sluice::packet {

enum class DropReason : std::uint8_t {
  kNone = 0,  // not dropped: the operation succeeded
#define SLUICE_DROP(c_name, cpp_name, value, text) cpp_name = value,
  SL_PARSE_DROP_LIST(SLUICE_DROP)  // dataplane/shared/drop_reasons.h: one list for both datapaths
#undef SLUICE_DROP
  kCount  // keep last: the number of reasons, for counter arrays
};

inline constexpr std::size_t kDropReasonCount = static_cast<std::size_t>(DropReason::kCount);

// "truncated_ipv4", "bad_tcp_data_offset", ...; "none" for kNone, "unknown" out of range.
std::string_view drop_reason_name(DropReason reason) noexcept;

}  // namespace sluice::packet
