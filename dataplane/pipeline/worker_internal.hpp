#pragma once
// Pieces of Worker shared by its translation units (worker*.cpp), not part of its interface.
#include <cstring>

#include "dataplane/conntrack/snat_ports.hpp"
#include "dataplane/insertion/segment.hpp"
#include "dataplane/packet/byte_order.hpp"
#include "dataplane/pipeline/worker.hpp"

namespace sluice::pipeline {

// The flow key of a parsed TCP or UDP frame, copied straight from the packet (both carry the
// ports in their first four bytes, RFC 9293 section 3.1, RFC 768).
inline conntrack::FlowKey flow_key_of(const packet::ParsedFrame& parsed, const std::uint8_t* data,
                                      std::uint8_t protocol) noexcept {
  conntrack::FlowKey key;
  key.family = parsed.family;
  // Constant sizes: two moves each instead of a memcpy call.
  if (parsed.is_ipv4()) {
    std::memcpy(key.source.data(), data + parsed.src_address_offset, 4);
    std::memcpy(key.destination.data(), data + parsed.dst_address_offset, 4);
  } else {
    std::memcpy(key.source.data(), data + parsed.src_address_offset, 16);
    std::memcpy(key.destination.data(), data + parsed.dst_address_offset, 16);
  }
  key.source_port = packet::load_be16(data + parsed.l4_offset);
  key.destination_port = packet::load_be16(data + parsed.l4_offset + 2);
  key.protocol = protocol;
  return key;
}

// The insertion engine's view of a parsed TCP segment: sequence facts only (worker_tcp.cpp).
insertion::SegmentDescription describe_tcp_segment(const packet::ParsedFrame& parsed, const std::uint8_t* frame,
                                                   std::uint16_t ingress_mtu) noexcept;

// The frame being processed and what the parser found. Offsets stay valid when the frame moves
// inside its buffer; data() must be re-read after any resize.
struct Worker::Packet {
  Frame& frame;
  PortId ingress;
  packet::ParsedFrame parsed;
  FlowHint hint;  // from prefetch(), or not valid

  // The flow key's hash: the hint's when prefetch() computed it already.
  std::uint64_t key_hash(const conntrack::FlowKey& key, std::uint64_t seed) const noexcept {
    return hint.valid ? hint.hash : key.hash(seed);
  }

  std::uint8_t* data() const noexcept { return frame.buffer.data(); }
};

// The local ports of one SNAT address for one protocol, this worker's share of them.
struct Worker::SnatPool {
  SnatPool(const net::IpAddress& snat_address, std::uint8_t proto, conntrack::PortRange range,
           std::uint32_t worker_count, std::uint32_t worker_index, std::size_t start)
      : address(snat_address),
        protocol(proto),
        partition(range, worker_count),
        allocator(partition, worker_index, start) {}

  net::IpAddress address;
  std::uint8_t protocol;
  conntrack::SnatPortPartition partition;
  conntrack::SnatPortAllocator allocator;
};

}  // namespace sluice::pipeline
