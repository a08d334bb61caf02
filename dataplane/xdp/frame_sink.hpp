#pragma once
// Where the XDP datapath's control side sends the frames it originates (the header timer's
// resends and give-up RSTs): an AF_PACKET socket in production, a recorder in tests.
//
// Why AF_PACKET and not BPF_PROG_TEST_RUN with BPF_F_TEST_XDP_LIVE_FRAMES (docs/xdp.md,
// "Header timer"): the frame is complete when it leaves the builder (MACs resolved by the
// control side from the same maps), so it needs no program, only a transmit on the egress
// device; a raw packet socket does exactly that, with no second BPF program to load and
// verify. XDP sees ingress only, so the program never sees these frames.
#include <cstdint>
#include <span>

namespace sluice::xdp {

class FrameSink {
 public:
  virtual ~FrameSink() = default;
  // `port`: the PortId; `ifindex`: its kernel device. True when handed to the device.
  virtual bool send(std::uint32_t port, std::uint32_t ifindex, std::span<const std::uint8_t> frame) = 0;
};

// A send-only AF_PACKET socket (SOCK_RAW, protocol 0: it receives nothing). Needs CAP_NET_RAW,
// which an XDP appliance has (it needs CAP_BPF and CAP_NET_ADMIN anyway).
class PacketSocketSink final : public FrameSink {
 public:
  PacketSocketSink();  // throws XdpError
  ~PacketSocketSink() override;
  PacketSocketSink(const PacketSocketSink&) = delete;
  PacketSocketSink& operator=(const PacketSocketSink&) = delete;

  bool send(std::uint32_t port, std::uint32_t ifindex, std::span<const std::uint8_t> frame) override;

 private:
  int fd_ = -1;
};

}  // namespace sluice::xdp
