#pragma once
// Pieces of Worker shared by its translation units (worker*.cpp), not part of its interface.
#include "dataplane/conntrack/snat_ports.hpp"
#include "dataplane/pipeline/worker.hpp"

namespace sluice::pipeline {

// The frame being processed and what the parser found. Offsets stay valid when the frame moves
// inside its buffer; data() must be re-read after any resize.
struct Worker::Packet {
  Frame& frame;
  PortId ingress;
  packet::ParsedFrame parsed;

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
