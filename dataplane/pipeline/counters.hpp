#pragma once
// Per-worker datapath counters: written only by the owning worker, read by the control thread
// for `show stats` and /metrics. Each worker's block is cache-line aligned so that workers never
// share a line; a reader may see a value a few packets old, never a torn one on x86-64 (aligned
// 64-bit stores), which is what operators expect of LB counters.
#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "dataplane/packet/drop_reason.hpp"

namespace sluice::pipeline {

// Drops decided by the pipeline itself, after the parser accepted the frame.
enum class PipelineDrop : std::uint8_t {
#define SLUICE_DROP(c_name, cpp_name, value, text) cpp_name = value,
  SL_PIPELINE_DROP_LIST(SLUICE_DROP)  // dataplane/shared/drop_reasons.h: one list for both datapaths
#undef SLUICE_DROP
  kCount
};
inline constexpr std::size_t kPipelineDropCount = static_cast<std::size_t>(PipelineDrop::kCount);

// "not_for_us", "no_service", ... (stable: used by fixtures, console and metrics).
std::string_view pipeline_drop_name(PipelineDrop drop) noexcept;

struct alignas(64) WorkerCounters {
  std::uint64_t rx_packets = 0;
  std::uint64_t rx_bytes = 0;
  std::uint64_t tx_packets = 0;
  std::uint64_t tx_bytes = 0;
  std::uint64_t dropped = 0;  // every drop, whatever the reason
  std::uint64_t flows_created = 0;
  std::uint64_t flows_expired = 0;
  std::uint64_t flows_active = 0;
  std::uint64_t pp_inserted = 0;    // headers sent for the first time (TCP) or per datagram (UDP)
  std::uint64_t pp_resent = 0;      // TCP header segments sent again
  std::uint64_t pp_given_up = 0;    // flows reset because the header never got through
  std::uint64_t snat_exhausted = 0;
  std::uint64_t arp_replies = 0;
  std::uint64_t nd_replies = 0;
  std::uint64_t icmp_echo_replies = 0;
  std::uint64_t icmp_errors_sent = 0;
  std::uint64_t flows_flushed = 0;   // destroyed by `conntrack flush`
  std::uint64_t host_rx = 0;         // frames handed to the host (exception path, health probes)
  std::uint64_t host_tx = 0;         // packets the host sent out through this worker
  std::uint64_t embryonic_active = 0;     // gauge: SYN_SENT and SYN_RECV flows (embryonic.h)
  std::uint64_t embryonic_reclaimed = 0;  // embryonic flows removed to make room for a new one
  // The SYN proxy (docs/syn-proxy.md, dataplane/shared/syn_proxy.h).
  std::uint64_t syn_cookies_sent = 0;       // SYNs answered with a cookie SYN-ACK
  std::uint64_t syn_cookies_validated = 0;  // completing ACKs whose cookie held
  std::uint64_t syn_cookies_failed = 0;     // ACKs without a flow whose cookie did not
  std::uint64_t syn_proxy_data_stripped = 0;  // completing ACKs whose payload was not forwarded
  std::array<std::uint64_t, packet::kDropReasonCount> parse_drops{};
  std::array<std::uint64_t, kPipelineDropCount> pipeline_drops{};
  std::array<std::uint64_t, 16> insertion_drops{};  // by insertion::InsertionDrop value

  // Adds every counter of `other` (per-worker blocks summed into a total).
  WorkerCounters& operator+=(const WorkerCounters& other) noexcept;
};

// The scalar counters with their stable names (`show stats` JSON keys, metric names), in
// display order: one list for the console, the metrics and the sum above.
struct CounterField {
  std::string_view name;
  std::uint64_t WorkerCounters::*field;
};
inline constexpr std::array<CounterField, 25> kCounterFields{{
    {"rx_packets", &WorkerCounters::rx_packets},
    {"rx_bytes", &WorkerCounters::rx_bytes},
    {"tx_packets", &WorkerCounters::tx_packets},
    {"tx_bytes", &WorkerCounters::tx_bytes},
    {"dropped", &WorkerCounters::dropped},
    {"flows_created", &WorkerCounters::flows_created},
    {"flows_expired", &WorkerCounters::flows_expired},
    {"flows_flushed", &WorkerCounters::flows_flushed},
    {"flows_active", &WorkerCounters::flows_active},
    {"pp_inserted", &WorkerCounters::pp_inserted},
    {"pp_resent", &WorkerCounters::pp_resent},
    {"pp_given_up", &WorkerCounters::pp_given_up},
    {"snat_exhausted", &WorkerCounters::snat_exhausted},
    {"arp_replies", &WorkerCounters::arp_replies},
    {"nd_replies", &WorkerCounters::nd_replies},
    {"icmp_echo_replies", &WorkerCounters::icmp_echo_replies},
    {"icmp_errors_sent", &WorkerCounters::icmp_errors_sent},
    {"host_rx", &WorkerCounters::host_rx},
    {"host_tx", &WorkerCounters::host_tx},
    {"embryonic_active", &WorkerCounters::embryonic_active},
    {"embryonic_reclaimed", &WorkerCounters::embryonic_reclaimed},
    {"syn_cookies_sent", &WorkerCounters::syn_cookies_sent},
    {"syn_cookies_validated", &WorkerCounters::syn_cookies_validated},
    {"syn_cookies_failed", &WorkerCounters::syn_cookies_failed},
    {"syn_proxy_data_stripped", &WorkerCounters::syn_proxy_data_stripped},
}};

inline WorkerCounters& WorkerCounters::operator+=(const WorkerCounters& other) noexcept {
  for (const CounterField& field : kCounterFields) this->*field.field += other.*field.field;
  for (std::size_t i = 0; i < parse_drops.size(); ++i) parse_drops[i] += other.parse_drops[i];
  for (std::size_t i = 0; i < pipeline_drops.size(); ++i) {
    pipeline_drops[i] += other.pipeline_drops[i];
  }
  for (std::size_t i = 0; i < insertion_drops.size(); ++i) {
    insertion_drops[i] += other.insertion_drops[i];
  }
  return *this;
}

}  // namespace sluice::pipeline
