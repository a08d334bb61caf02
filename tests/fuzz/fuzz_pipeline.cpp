// Feeds arbitrary frame sequences through a worker (both ports, clock moving forward) so that
// every parser path, flow path, rewrite and timer runs on hostile input under ASan/UBSan.
// Input format: repeated [port byte][length byte][clock step byte][frame bytes...]; frames are
// copied into mbuf-like buffers with the standard headroom. Afterwards no frame may be leaked
// or released twice.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <vector>

#include "control/config/load.hpp"
#include "control/datapath/tables_from_config.hpp"
#include "dataplane/pipeline/worker.hpp"
#include "tests/unit/pipeline/test_io.hpp"

namespace {

// Every kind of service the pipeline has: v2 and v1 headers, TLVs, with-data, mixed families,
// UDP, pure NAT; backends on-link, the client side resolved dynamically (no neighbour entry).
constexpr const char* kConfig = R"(
[conntrack]
max_entries = 1024
[[interfaces]]
name = "front"
dpdk = "net_ring0"
addresses = ["10.10.0.1/24", "fd10::1/64"]
mtu = 1500
[[interfaces]]
name = "back"
dpdk = "net_ring1"
addresses = ["10.20.0.1/24", "fd20::1/64"]
mtu = 1280
[[neighbors]]
address = "10.20.0.2"
mac = "02:00:00:00:02:02"
interface = "back"
[[services]]
name = "web4"
vip = "10.10.0.100"
port = 80
scheduler = "maglev"
[services.proxy_protocol]
tlvs = ["crc32c", "unique-id", "authority", "noop"]
authority = "fuzz"
custom = [ { type = 0xE0, hex = "0a0b0c" } ]
[[services.backends]]
address = "10.20.0.2"
port = 8080
[[services.backends]]
address = "fd20::2"
port = 8080
[[services]]
name = "web6"
vip = "fd10::100"
port = 80
scheduler = "rr"
[services.proxy_protocol]
send = "with-data"
[[services.backends]]
address = "10.20.0.2"
port = 8081
[[services]]
name = "v1"
vip = "10.10.0.100"
port = 85
scheduler = "least-conn"
[services.proxy_protocol]
version = 1
[[services.backends]]
address = "fd20::2"
port = 8085
[[services]]
name = "dns"
vip = "10.10.0.100"
port = 53
protocol = "udp"
scheduler = "source-hash"
[services.proxy_protocol]
udp = "first-datagram"
[[services.backends]]
address = "10.20.0.2"
port = 5353
[[services]]
name = "plain"
vip = "fd10::100"
port = 86
scheduler = "wrr"
[[services.backends]]
address = "10.20.0.2"
port = 8086
)";

std::shared_ptr<const sluice::pipeline::Tables> make_tables() {
  auto loaded = sluice::config::parse_config(kConfig, "fuzz.toml");
  if (!loaded.ok()) std::abort();
  const std::vector<sluice::net::MacAddress> macs{
      *sluice::net::MacAddress::parse("02:00:00:00:01:01"),
      *sluice::net::MacAddress::parse("02:00:00:00:02:01")};
  auto tables = sluice::datapath::tables_from_config(*loaded.config(), macs);
  // A worker is built per input (inputs stay independent and reproducible); filling the free
  // rings of 64512 SNAT ports per pool would dominate every run, and 1024 ports per pool are
  // as many as max_entries can use anyway.
  sluice::pipeline::Limits limits = tables->limits();
  limits.snat_port_last = 2047;
  return std::make_shared<const sluice::pipeline::Tables>(
      tables->ports(), tables->services(), tables->static_neighbors(), tables->routes(), limits);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const auto tables = make_tables();
  sluice::testing::TestIo io;
  {
    sluice::pipeline::Worker worker(tables, io, sluice::pipeline::WorkerOptions{});
    std::int64_t now = 0;
    std::size_t at = 0;
    while (at + 3 <= size) {
      const auto port = static_cast<sluice::pipeline::PortId>(data[at] & 1);
      const std::size_t length = std::size_t{data[at + 1]} * 8 + (data[at] >> 1);
      now += std::int64_t{data[at + 2]} * 50'000'000;  // up to 12.75 s per step
      at += 3;
      const std::size_t take = length < size - at ? length : size - at;
      std::vector<std::uint8_t> frame_bytes(data + at, data + at + take);
      at += take;
      worker.advance(now);
      sluice::pipeline::Frame frame = io.make_frame(frame_bytes);
      const sluice::pipeline::Verdict verdict = worker.process(frame, port, now);
      if (verdict.action == sluice::pipeline::Action::kForward) io.transmit(verdict.port, frame);
      if (verdict.action == sluice::pipeline::Action::kDrop) io.release(frame);
    }
    worker.advance(now + 3'600'000'000'000);  // an hour later: every timer fires
    io.take_sent();
  }
  // Frames still queued for a neighbour when the worker goes away are the shell's to reclaim;
  // a double release or transmit of one frame is a bug.
  if (io.bad_releases() != 0) std::abort();
  return 0;
}
