#pragma once
// How the pure pipeline exchanges frames with its shell (DPDK mbufs, XDP test buffers, or the
// unit tests' vectors). The pipeline never allocates memory for packets: it asks the shell for
// a frame when it must emit one (a standalone PROXY header segment, an ARP reply, an RST...),
// and hands frames back for transmission or release.
#include <cstdint>
#include <optional>
#include <string_view>

#include "dataplane/insertion/decision.hpp"
#include "dataplane/packet/drop_reason.hpp"
#include "dataplane/packet/packet_buffer.hpp"
#include "dataplane/pipeline/counters.hpp"
#include "dataplane/pipeline/tables.hpp"

namespace sluice::pipeline {

// A frame and the shell's handle for it (an rte_mbuf*, a test buffer index...).
struct Frame {
  packet::PacketBuffer buffer{nullptr, 0, 0, 0};
  void* handle = nullptr;
};

class FrameIo {
 public:
  virtual ~FrameIo() = default;
  // An empty frame with at least PacketBuffer::kRequiredHeadroom bytes of headroom and room
  // for an MTU-sized packet; nullopt when the shell has none left (the pipeline counts it).
  virtual std::optional<Frame> allocate() noexcept = 0;
  // Queues a frame for transmission on a port; the shell owns it from now on.
  virtual void transmit(PortId port, Frame frame) noexcept = 0;
  // Gives a frame back without sending it (a queued frame whose neighbour never answered).
  virtual void release(Frame frame) noexcept = 0;
};

enum class Action : std::uint8_t {
  kForward,   // transmit the (rewritten) input frame on `port`
  kConsumed,  // the pipeline took the frame (answered in place and transmitted, or queued)
  kDrop,      // release the frame; the reason is counted
  kHost,      // hand the frame to the host's network stack (the DPDK shell's exception path:
              // health probes' answers, docs/health.md); counted as host_rx
};

struct Verdict {
  Action action = Action::kDrop;
  PortId port = kNoPort;
  packet::DropReason parse_drop = packet::DropReason::kNone;
  std::optional<PipelineDrop> drop;
  insertion::InsertionDrop insertion_drop = insertion::InsertionDrop::kNone;

  static Verdict forward(PortId port) noexcept { return Verdict{Action::kForward, port, {}, {}, {}}; }
  static Verdict consumed() noexcept { return Verdict{Action::kConsumed, kNoPort, {}, {}, {}}; }
  static Verdict to_host() noexcept { return Verdict{Action::kHost, kNoPort, {}, {}, {}}; }
  static Verdict dropped(PipelineDrop reason) noexcept {
    return Verdict{Action::kDrop, kNoPort, {}, reason, {}};
  }
  static Verdict dropped(packet::DropReason reason) noexcept {
    return Verdict{Action::kDrop, kNoPort, reason, {}, {}};
  }
  static Verdict dropped(insertion::InsertionDrop reason) noexcept {
    return Verdict{Action::kDrop, kNoPort, {}, PipelineDrop::kTcpInsertion, reason};
  }
};

}  // namespace sluice::pipeline
