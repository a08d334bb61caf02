#pragma once
// Frames of the benchmark lab (docs/performance.md): clients behind the router 10.10.0.2 on
// the front link, backends on the back link. TCP segments come from the pipeline's own
// write_tcp_segment (valid checksums, NOP NOP timestamps); UDP datagrams are built here.
// Built once, before any measurement: these helpers allocate freely.
#include <cstdint>
#include <span>
#include <vector>

#include "dataplane/net/address.hpp"
#include "dataplane/packet/protocols.hpp"
#include "dataplane/packet/tcp_seq.hpp"
#include "dataplane/pipeline/frame_io.hpp"

namespace sluice::bench {

// The lab's link-layer addresses (the front/back ports' MACs are passed to the tables).
struct LabMacs {
  net::MacAddress front;   // the appliance's front port
  net::MacAddress back;    // the appliance's back port
  net::MacAddress router;  // the clients' router, 10.10.0.2
  net::MacAddress backend; // every backend host
  static LabMacs standard();
};

// Flag combinations of the lab's segments (RFC 9293 section 3.1).
namespace segment_flags {
inline constexpr std::uint8_t kSyn = packet::tcp_flag::kSyn;
inline constexpr std::uint8_t kAck = packet::tcp_flag::kAck;
inline constexpr auto kSynAck = static_cast<std::uint8_t>(packet::tcp_flag::kSyn | kAck);
inline constexpr auto kPshAck = static_cast<std::uint8_t>(packet::tcp_flag::kPsh | kAck);
inline constexpr auto kRstAck = static_cast<std::uint8_t>(packet::tcp_flag::kRst | kAck);
}  // namespace segment_flags

struct TcpSegment {
  net::Endpoint source;
  net::Endpoint destination;
  TcpSeq seq;
  TcpSeq ack;
  std::uint8_t flags = 0;
  std::uint16_t payload_length = 0;  // bytes of a fixed request pattern
};

// An Ethernet/IPv4/TCP frame; `towards_front` picks the L2 addresses (router -> front port,
// else backend -> back port).
std::vector<std::uint8_t> tcp_frame(const TcpSegment& segment, bool towards_front);

// An Ethernet/IPv4/UDP frame with `payload_length` pattern bytes and a valid checksum.
std::vector<std::uint8_t> udp_frame(const net::Endpoint& source, const net::Endpoint& destination,
                                    std::uint16_t payload_length, bool towards_front);

// What the worker made of a forwarded frame: its (rewritten) addresses and L4 payload size.
struct ForwardedPacket {
  net::Endpoint source;
  net::Endpoint destination;
  std::uint32_t payload_length = 0;
  bool ok = false;  // false: the frame does not parse as TCP/UDP
};
ForwardedPacket read_forwarded(const pipeline::Frame& frame) noexcept;

}  // namespace sluice::bench
