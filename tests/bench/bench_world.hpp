#pragma once
// A benchmark "world": the lab configuration compiled into Tables, one Worker on a FramePool,
// and N flows already established through the worker itself (SYN, SYN-ACK, ACK, and for
// PROXY services the backend's ACK of the header), plus the frames that keep them busy.
//
// Steady-state frames are stored in *visit order*: the k-th packet of a run is the k-th
// template, and the flows are visited in a fixed pseudo-random permutation. Reading the
// templates is then sequential (like a NIC's RX ring), while the flow state the worker
// touches is scattered over the whole table as real traffic scatters it.
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "dataplane/net/address.hpp"
#include "dataplane/pipeline/worker.hpp"
#include "tests/bench/frame_pool.hpp"
#include "tests/bench/lab_frames.hpp"

namespace sluice::bench {

enum class ServiceKind : std::uint8_t {
  kTcpPlain,  // full-NAT only
  kTcpProxy,  // PROXY v2 on-connect (H = 28 for IPv4)
  kUdpProxy,  // PROXY v2 on every datagram
};
std::string_view service_kind_name(ServiceKind kind) noexcept;

// The lab spreads flows over this many services of each kind, each with its own SNAT address:
// one SNAT address has 64512 ports (1024-65535), 1M flows need 16 of them.
inline constexpr std::uint32_t kServicesPerKind = 16;
inline constexpr pipeline::PortId kFrontPort = 0;
inline constexpr pipeline::PortId kBackPort = 1;
// Request bytes in a steady client->backend segment or datagram (a small HTTP request line).
inline constexpr std::uint16_t kRequestBytes = 32;
inline constexpr TcpSeq kClientIsn{0x10000000};
inline constexpr TcpSeq kBackendIsn{0x50000000};

// The TOML text of the lab (parsed with config::parse_config like any operator's file).
std::string lab_config_toml();

// Flow `index` of a kind: its client (198.18.0.0/15, behind the router) and its VIP.
net::Endpoint client_of(std::uint32_t index);
net::Endpoint vip_of(ServiceKind kind, std::uint32_t index);

// A fresh worker over the lab tables, with its frame pool. Frames the worker originates go to
// `worker_io` when given (the DPDK shell benchmark's mbuf I/O), else to the pool.
struct Appliance {
  explicit Appliance(pipeline::FrameIo* worker_io = nullptr);
  FramePool io;
  std::unique_ptr<pipeline::Worker> worker;
};

// Fixed-stride storage for frames of one direction, in visit order.
class FrameTemplates {
 public:
  static constexpr std::size_t kStride = 128;  // two cache lines; every lab frame fits
  void reserve(std::size_t count) { bytes_.reserve(count * kStride); }
  void add(const std::vector<std::uint8_t>& frame);
  std::span<const std::uint8_t> operator[](std::size_t k) const noexcept {
    return {bytes_.data() + k * kStride, length_};
  }
  std::size_t size() const noexcept { return bytes_.size() / kStride; }
  std::uint32_t frame_length() const noexcept { return length_; }

 private:
  std::vector<std::uint8_t> bytes_;
  std::uint32_t length_ = 0;  // every frame of one direction has the same length
};

// An appliance with `flow_count` established flows of one kind. Throws on any unexpected
// verdict while establishing them (the benchmark must measure the real path, not drops).
class EstablishedWorld {
 public:
  EstablishedWorld(ServiceKind kind, std::uint32_t flow_count,
                   pipeline::FrameIo* worker_io = nullptr);

  pipeline::Worker& worker() noexcept { return *appliance_.worker; }
  // Hands the worker, flows and all, to another owner (the DPDK shell benchmark's lcore).
  std::unique_ptr<pipeline::Worker> take_worker() noexcept { return std::move(appliance_.worker); }
  FramePool& io() noexcept { return appliance_.io; }
  const FrameTemplates& client_frames() const noexcept { return client_frames_; }
  const FrameTemplates& backend_frames() const noexcept { return backend_frames_; }
  std::uint32_t flow_count() const noexcept { return flow_count_; }
  std::int64_t& now() noexcept { return now_ns_; }

 private:
  Appliance appliance_;
  std::uint32_t flow_count_;
  FrameTemplates client_frames_;
  FrameTemplates backend_frames_;
  std::int64_t now_ns_ = 0;
};

// Feeds one frame to the worker and returns what happened to it.
pipeline::Verdict feed(Appliance& appliance, std::span<const std::uint8_t> bytes,
                       pipeline::PortId port, std::int64_t now_ns, ForwardedPacket* out = nullptr);

}  // namespace sluice::bench
