#include "tests/bench/lab_frames.hpp"

#include <array>
#include <stdexcept>

#include "dataplane/packet/byte_order.hpp"
#include "dataplane/packet/checksum.hpp"
#include "dataplane/packet/l4.hpp"
#include "dataplane/packet/packet_buffer.hpp"
#include "dataplane/packet/parser.hpp"
#include "dataplane/pipeline/frame_builder.hpp"

namespace sluice::bench {

namespace {

constexpr std::uint32_t kScratchSize = 2048;
constexpr std::uint32_t kHeadroom = packet::PacketBuffer::kRequiredHeadroom;

// Printable request bytes, so a hexdump of a benchmark frame reads like real traffic.
std::vector<std::uint8_t> pattern(std::uint16_t length) {
  static constexpr char kRequest[] = "GET /bench HTTP/1.1\r\nHost: sluice.lab\r\n\r\n";
  std::vector<std::uint8_t> bytes(length);
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    bytes[i] = static_cast<std::uint8_t>(kRequest[i % (sizeof kRequest - 1)]);
  }
  return bytes;
}

pipeline::L2Addresses l2_for(bool towards_front) {
  const LabMacs macs = LabMacs::standard();
  return towards_front ? pipeline::L2Addresses{macs.router, macs.front}
                       : pipeline::L2Addresses{macs.backend, macs.back};
}

net::MacAddress mac(const char* text) { return *net::MacAddress::parse(text); }

}  // namespace

LabMacs LabMacs::standard() {
  return LabMacs{mac("02:00:00:00:01:01"), mac("02:00:00:00:02:01"), mac("02:00:00:00:01:02"),
                 mac("02:00:00:00:02:02")};
}

std::vector<std::uint8_t> tcp_frame(const TcpSegment& segment, bool towards_front) {
  // TSval/TSecr as a Linux host would send them; the pipeline copies, never interprets them.
  static constexpr std::array<std::uint8_t, 8> kTimestamps{0, 0, 0x10, 0, 0, 0, 0x20, 0};
  const std::vector<std::uint8_t> payload = pattern(segment.payload_length);
  std::vector<std::uint8_t> scratch(kScratchSize);
  packet::PacketBuffer buffer(scratch.data(), kScratchSize, kHeadroom, 0);
  pipeline::TcpSegmentSpec spec;
  spec.l2 = l2_for(towards_front);
  spec.source = segment.source;
  spec.destination = segment.destination;
  spec.seq = segment.seq;
  spec.ack = segment.ack;
  spec.flags = segment.flags;
  spec.window = 502;
  spec.timestamps = kTimestamps.data();
  spec.payload = payload;
  if (!pipeline::write_tcp_segment(buffer, spec)) throw std::runtime_error("tcp_frame: no room");
  return {buffer.data(), buffer.data() + buffer.length()};
}

std::vector<std::uint8_t> udp_frame(const net::Endpoint& source, const net::Endpoint& destination,
                                    std::uint16_t payload_length, bool towards_front) {
  if (!source.address.is_v4() || !destination.address.is_v4()) {
    throw std::invalid_argument("udp_frame: the lab's UDP traffic is IPv4");
  }
  constexpr std::size_t kEth = 14, kIp = 20, kUdp = 8;
  const std::vector<std::uint8_t> payload = pattern(payload_length);
  std::vector<std::uint8_t> frame(kEth + kIp + kUdp + payload.size());
  std::uint8_t* eth = frame.data();
  const pipeline::L2Addresses l2 = l2_for(towards_front);
  std::copy(l2.destination.bytes().begin(), l2.destination.bytes().end(), eth);
  std::copy(l2.source.bytes().begin(), l2.source.bytes().end(), eth + 6);
  packet::store_be16(eth + 12, 0x0800);

  std::uint8_t* ip = eth + kEth;
  const auto ip_length = static_cast<std::uint16_t>(kIp + kUdp + payload.size());
  ip[0] = 0x45;  // version 4, IHL 5
  packet::store_be16(ip + 2, ip_length);
  packet::store_be16(ip + 6, 0x4000);  // DF
  ip[8] = 64;
  ip[9] = 17;
  std::copy(source.address.data(), source.address.data() + 4, ip + 12);
  std::copy(destination.address.data(), destination.address.data() + 4, ip + 16);
  packet::store_be16(ip + 10, packet::internet_checksum(ip, kIp));

  std::uint8_t* udp = ip + kIp;
  const auto udp_length = static_cast<std::uint16_t>(kUdp + payload.size());
  packet::store_be16(udp, source.port);
  packet::store_be16(udp + 2, destination.port);
  packet::store_be16(udp + 4, udp_length);
  std::copy(payload.begin(), payload.end(), udp + kUdp);
  // RFC 768: the checksum covers the pseudo-header (addresses, protocol, UDP length) too.
  packet::ChecksumAccumulator sum;
  sum.add(ip + 12, 8);
  sum.add16(17);
  sum.add16(udp_length);
  sum.add(udp, udp_length);
  const std::uint16_t checksum = sum.checksum();
  packet::store_be16(udp + 6, checksum == 0 ? 0xFFFF : checksum);
  return frame;
}

ForwardedPacket read_forwarded(const pipeline::Frame& frame) noexcept {
  ForwardedPacket out;
  const std::uint8_t* data = frame.buffer.data();
  const auto parsed = packet::parse_frame(data, frame.buffer.length());
  if (!parsed.ok() || !(parsed.frame().is_tcp() || parsed.frame().is_udp())) return out;
  const packet::ParsedFrame& p = parsed.frame();
  const packet::ConstUdpView ports(data + p.l4_offset);  // both start with the two ports
  out.source = {p.src_address(data).to_address(), ports.src_port()};
  out.destination = {p.dst_address(data).to_address(), ports.dst_port()};
  out.payload_length = p.payload_length();
  out.ok = true;
  return out;
}

}  // namespace sluice::bench
