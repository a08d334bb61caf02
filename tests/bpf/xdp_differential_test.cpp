// Differential test of the two datapaths: a seeded random adversary plays a client and a
// backend through one TCP connection per case (reordering, duplicates, loss, SACK with and
// without data, window edges, RST/FIN races, ISNs near 2^32, timer rounds up to the give-up)
// and feeds every frame to the C++ worker (pipeline::Worker) and to the XDP program
// (BPF_PROG_TEST_RUN). Every verdict and every emitted frame must be the same, byte for byte.
//
// Cases: SLUICE_DIFF_CASES (default 30, about 20 s: the bounded run of ./scripts/test), seeds from
// SLUICE_DIFF_SEED (default 1) on; scripts/fuzz runs many more. A failure prints the seed, the
// step and both sides' frames: `SLUICE_DIFF_SEED=<seed> SLUICE_DIFF_CASES=1` replays it.
//
// Set-up as the fixture replay (tests/bpf/xdp_fixture_test.cpp, whose comment explains it):
// root, a private network namespace, one veth per fixture interface, CPU 0, the fixture lab's
// configuration (tests/fixtures/tcp_loss.json), the test clock. Normalised, and only this, as
// in the fixture replay (docs/xdp.md "Where XDP differs"):
//   - a backend segment that the program turns into the header resend (in place) where the
//     C++ worker sends the header segment and then forwards the segment: accepted when XDP's
//     one frame is the C++ worker's first;
//   - frames are compared in order per port (the header timer thread's resend of a backend
//     signal on a data segment follows the forwarded frame; both leave on different links).
// The adversary avoids the one case XDP does differently by design and which changes the
// flow's state (a client segment that must get a standalone header: too big or not at c+1 when
// the header is first due, which XDP turns into the header segment and drops its payload).
#include <gtest/gtest.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/bpf.h>
#include <sched.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <random>
#include <sstream>

#include "control/config/load.hpp"
#include "control/datapath/tables_from_config.hpp"
#include "dataplane/insertion/decision.hpp"
#include "dataplane/packet/drop_reason.hpp"
#include "dataplane/pipeline/counters.hpp"
#include "dataplane/pipeline/worker.hpp"
#include "dataplane/shared/tcp_rules.h"
#include "dataplane/xdp/verdict_name.hpp"
#include "dataplane/xdp/xdp_datapath.hpp"
#include "tests/unit/packet/frame_builder.hpp"
#include "tests/unit/pipeline/test_io.hpp"

namespace sluice::testing {
namespace {

using namespace packet::testing;  // the frame builder

using Frames = std::vector<std::pair<std::string, std::string>>;  // port name, hex

std::string to_hex(const std::uint8_t* data, std::size_t size) {
  static const char* digits = "0123456789abcdef";
  std::string out;
  for (std::size_t i = 0; i < size; ++i) {
    out.push_back(digits[data[i] >> 4]);
    out.push_back(digits[data[i] & 0xF]);
  }
  return out;
}

std::uint64_t env_number(const char* name, std::uint64_t fallback) {
  const char* text = std::getenv(name);
  return text != nullptr && *text != '\0' ? std::strtoull(text, nullptr, 10) : fallback;
}

class RecordingSink final : public xdp::FrameSink {
 public:
  RecordingSink(const std::map<std::uint32_t, std::string>& names, Frames& sent) : names_(names), sent_(sent) {}
  bool send(std::uint32_t port, std::uint32_t, std::span<const std::uint8_t> frame) override {
    sent_.emplace_back(names_.at(port), to_hex(frame.data(), frame.size()));
    return true;
  }

 private:
  const std::map<std::uint32_t, std::string>& names_;
  Frames& sent_;
};


// The lab of tests/fixtures/README.md.
struct Lab {
  config::Config config;
  nlohmann::json ports;
  std::string text;  // the configuration as the fixture files hold it
};

Lab load_lab() {
  std::ifstream in(std::filesystem::path(SLUICE_SOURCE_DIR) / "tests/fixtures/tcp_loss.json");
  const nlohmann::json doc = nlohmann::json::parse(in);
  auto loaded = config::parse_config(doc.at("config").get<std::string>(), "tcp_loss.toml");
  if (!loaded.ok()) throw std::runtime_error("fixture config does not load");
  return Lab{*loaded.config(), doc.at("ports"), doc.at("config").get<std::string>()};
}

std::string device_for(const std::string& interface, const std::string& mac) {
  const std::string device = "sld-" + interface.substr(0, 8);
  const std::string command = "ip link del " + device + " 2>/dev/null; ip link add " + device + " address " + mac +
                              " type veth peer name " + device + "p && ip link set " + device + " up";
  if (std::system(command.c_str()) != 0) throw std::runtime_error("cannot create " + device);
  return device;
}

// One service of the lab per case: on-connect, with-data, or no header (H = 0).
struct Service {
  std::uint16_t vip_port;
  std::uint16_t backend_port;
  bool with_data;
};
constexpr Service kServices[] = {{80, 8080, false}, {83, 8083, true}, {86, 8086, false}};
constexpr std::uint32_t kHeaderLength = 28;  // web4 and data4 (tests/fixtures/README.md)

// Both datapaths, and one step through them.
class Twins {
 public:
  Twins(const Lab& lab) : lab_(lab) {
    xdp::DatapathSettings settings;
    for (const auto& iface : lab.config.interfaces) {
      settings.interfaces.push_back({iface.name, device_for(iface.name, lab.ports.at(iface.name).get<std::string>())});
    }
    xdp_ = std::make_unique<xdp::XdpDatapath>(settings);
    for (std::size_t i = 0; i < lab.config.interfaces.size(); ++i) {
      const std::string& name = lab.config.interfaces[i].name;
      ifindex_of_[name] = xdp_->ifindexes()[i];
      names_[static_cast<std::uint32_t>(i)] = name;
      port_ids_[name] = static_cast<pipeline::PortId>(i);
      macs_.push_back(*net::MacAddress::parse(lab.ports.at(name).get<std::string>()));
    }
    xdp::LoadOptions options;
    options.attach = false;
    options.test_now_ns = 1;
    options.nr_cpus = 1;
    xdp_->start(datapath::tables_from_config(lab.config, xdp_->port_macs()), 0, options);
  }

  // A fresh connection table on both sides (worker 0 of 1, SNAT ports from 1024, serial 1).
  void reset() {
    xdp_->reset_state();
    io_ = std::make_unique<TestIo>();
    worker_ = std::make_unique<pipeline::Worker>(datapath::tables_from_config(lab_.config, macs_), *io_,
                                                 pipeline::WorkerOptions{});
  }

  // Advances both clocks to `now` (timers run) and, when `frame` is not empty, processes it
  // on `port`. Returns "" or a description of the first difference.
  std::string step(std::uint64_t now, const std::string& port, const std::vector<std::uint8_t>& frame,
                   int& in_place) {
    Frames cpp;
    Frames bpf;
    std::string cpp_verdict;
    std::string bpf_verdict;
    std::uint32_t retval = XDP_PASS;
    worker_->advance(static_cast<std::int64_t>(now));
    xdp_->set_test_clock(now);
    RecordingSink timer_frames(names_, bpf);
    xdp_->run_header_timers(now, timer_frames);
    if (!frame.empty()) {
      pipeline::Frame f = io_->make_frame(frame);
      const pipeline::Verdict verdict = worker_->process(f, port_ids_.at(port), static_cast<std::int64_t>(now));
      if (verdict.action == pipeline::Action::kForward) io_->transmit(verdict.port, f);
      if (verdict.action == pipeline::Action::kDrop) io_->release(f);
      cpp_verdict = pipeline::verdict_name(verdict);

      std::vector<std::uint8_t> in = frame;
      std::vector<std::uint8_t> out(in.size() + 4096);
      xdp_md ctx{};
      ctx.ingress_ifindex = ifindex_of_.at(port);
      ctx.data_end = static_cast<__u32>(in.size());
      LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = in.data(), .data_out = out.data(),
                  .data_size_in = static_cast<__u32>(in.size()), .data_size_out = static_cast<__u32>(out.size()),
                  .ctx_in = &ctx, .ctx_size_in = sizeof ctx, .repeat = 1);
      if (bpf_prog_test_run_opts(xdp_->program_fd(), &opts) != 0) {
        return std::string("BPF_PROG_TEST_RUN failed: ") + std::strerror(errno);
      }
      retval = opts.retval;
      // The program's whole set of answers; XDP_ABORTED (or anything else) is a program error.
      if (retval != XDP_PASS && retval != XDP_DROP && retval != XDP_TX && retval != XDP_REDIRECT) {
        return "XDP returned " + std::to_string(retval);
      }
      const sl_xdp_last_verdict v = xdp_->last_verdict(0);
      bpf_verdict = xdp::last_verdict_name(v);
      if (bpf_verdict == "unknown") return "XDP verdict kind " + std::to_string(v.kind) + " unknown";
      if (opts.retval == XDP_TX || opts.retval == XDP_REDIRECT) {
        bpf.emplace_back(names_.at(v.egress_port), to_hex(out.data(), opts.data_size_out));
      }
      xdp_->run_header_timers(now, timer_frames);  // resends the program left to the thread
    }
    for (const SentFrame& sent : io_->take_sent()) cpp.emplace_back(names_.at(sent.port), to_hex(sent.bytes.data(), sent.bytes.size()));
    last_cpp_ = cpp;
    last_bpf_ = bpf;
    last_bpf_verdict_ = bpf_verdict;
    last_retval_ = retval;

    if (!frame.empty()) ++verdicts_[cpp_verdict];
    last_verdict_ = frame.empty() ? "(clock)" : cpp_verdict;
    frames_ += cpp.size();
    // The backend's segment turned into the header resend (docs/xdp.md): the C++ worker's last
    // frame is that segment forwarded; without it, the rest (timer frames, the header
    // segment) must be XDP's.
    if (port == "back" && cpp_verdict == "forward" && bpf_verdict == "consumed" && !cpp.empty() &&
        cpp.size() == bpf.size() + 1 && std::equal(bpf.begin(), bpf.end(), cpp.begin())) {
      ++in_place;
      return "";
    }
    std::ostringstream diff;
    if (cpp_verdict != bpf_verdict) diff << "verdict: C++ " << cpp_verdict << ", XDP " << bpf_verdict << "\n";
    auto by_port = [](Frames frames) {
      std::stable_sort(frames.begin(), frames.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
      return frames;
    };
    const Frames a = by_port(cpp);
    const Frames b = by_port(bpf);
    if (a != b) {
      diff << "frames differ (verdict " << cpp_verdict << ")\n";
      for (const auto& [p, hex] : a) diff << "  C++ " << p << " " << hex << "\n";
      for (const auto& [p, hex] : b) diff << "  XDP " << p << " " << hex << "\n";
    }
    return diff.str();
  }

  // What the run exercised: C++ verdicts by name, frames emitted.
  const std::map<std::string, std::uint64_t>& verdicts() const { return verdicts_; }
  std::uint64_t frames() const { return frames_; }
  const std::string& last_verdict() const { return last_verdict_; }
  // The last step's frames as each side emitted them (port, hex), XDP's verdict and return code.
  const Frames& last_cpp() const { return last_cpp_; }
  const Frames& last_bpf() const { return last_bpf_; }
  const std::string& last_bpf_verdict() const { return last_bpf_verdict_; }
  std::uint32_t last_retval() const { return last_retval_; }

 private:
  Frames last_cpp_;
  Frames last_bpf_;
  std::string last_bpf_verdict_;
  std::uint32_t last_retval_ = 0;
  std::map<std::string, std::uint64_t> verdicts_;
  std::uint64_t frames_ = 0;
  std::string last_verdict_;
  const Lab& lab_;
  std::unique_ptr<xdp::XdpDatapath> xdp_;
  std::unique_ptr<TestIo> io_;
  std::unique_ptr<pipeline::Worker> worker_;
  std::vector<net::MacAddress> macs_;
  std::map<std::string, std::uint32_t> ifindex_of_;
  std::map<std::uint32_t, std::string> names_;
  std::map<std::string, pipeline::PortId> port_ids_;
};

// The adversary: a client and a backend that mostly follow TCP and often do not.
class Adversary {
 public:
  Adversary(std::uint64_t seed, const Lab& lab) : rng_(seed), lab_(lab) {
    service_ = kServices[pick(3)];
    h_ = service_.vip_port == 86 ? 0 : kHeaderLength;
    c_ = chance(4) ? 0xFFFFFFFFu - static_cast<std::uint32_t>(pick(64)) : static_cast<std::uint32_t>(rng_());
    s_ = chance(4) ? 0xFFFFFFFFu - static_cast<std::uint32_t>(pick(64)) : static_cast<std::uint32_t>(rng_());
    client_next_ = c_ + 1;
    backend_next_ = s_ + 1;
    header_lost_ = chance(2) ? pick(6) : 0;
    client_acked_ = s_ + 1;
    backend_acked_ = c_ + 1;
  }

  struct Step {
    std::uint64_t advance_ns = 0;
    std::string port;  // "" : clock only
    std::vector<std::uint8_t> frame;
    std::string what;
  };

  // The opening: SYN (maybe twice), SYN-ACK (maybe twice, maybe a bad one first), the handshake
  // ACK at c+1 (the first client segment after the SYN-ACK is always at c+1: see the file
  // comment).
  std::vector<Step> opening() {
    std::vector<Step> steps;
    steps.push_back(client_step(SL_TCPF_SYN, c_, 0, 0, syn_options(1460)));
    if (chance(5)) steps.push_back(client_step(SL_TCPF_SYN, c_, 0, 0, syn_options(1460)));
    if (chance(6)) steps.push_back(backend_step(SL_TCPF_SYN | SL_TCPF_ACK, s_, c_ + 2, 0, syn_options(1460)));
    const std::uint16_t mss = chance(3) ? 536 : 1460;
    steps.push_back(backend_step(SL_TCPF_SYN | SL_TCPF_ACK, s_, c_ + 1, 0, chance(6) ? ts_option() : syn_options(mss)));
    if (chance(5)) steps.push_back(backend_step(SL_TCPF_SYN | SL_TCPF_ACK, s_, c_ + 1, 0, syn_options(mss)));
    if (service_.with_data && chance(2)) {
      // with-data: the first data goes at c+1 (it carries the header).
      steps.push_back(client_step(SL_TCPF_ACK, c_ + 1, s_ + 1, 0, ts_option()));
      steps.push_back(client_data(c_ + 1, small_payload()));
    } else {
      steps.push_back(client_step(SL_TCPF_ACK, c_ + 1, s_ + 1, 0, ts_option()));
    }
    return steps;
  }

  Step next() {
    const std::uint64_t roll = pick(100);
    Step step;
    if (roll < 12) {
      step.advance_ns = timer_advance();
      step.what = "clock";
      return step;
    }
    if (roll < 17 && !last_.frame.empty()) {
      step = last_;  // a duplicate
      step.advance_ns = 0;
      step.what = "duplicate of " + last_.what;
      return step;
    }
    step = roll < 55 ? client_event() : backend_event();
    if (chance(8)) step.advance_ns = timer_advance();
    last_ = step;
    return step;
  }

 private:
  std::uint64_t pick(std::uint64_t n) { return std::uniform_int_distribution<std::uint64_t>(0, n - 1)(rng_); }
  bool chance(std::uint64_t one_in) { return pick(one_in) == 0; }

  std::uint64_t timer_advance() {
    static constexpr std::uint64_t kChoices[] = {1'000'000, 50'000'000, 199'000'000, 200'000'000, 400'000'000,
                                                 1'000'000'000, 3'000'000'000};
    const std::uint64_t advance = kChoices[pick(std::size(kChoices))];
    // Stay below the SYN timeout (30 s): idle expiry is not what this test compares.
    if (elapsed_ + advance > 28'000'000'000ull) return 0;
    elapsed_ += advance;
    return advance;
  }

  std::uint32_t small_payload() {
    static constexpr std::uint32_t kSizes[] = {1, 10, 100, 300, 400};
    return kSizes[pick(std::size(kSizes))];
  }

  std::vector<std::uint8_t> ts_option() {
    ++tsval_;
    return {1, 1, 8, 10, static_cast<std::uint8_t>(tsval_ >> 24), static_cast<std::uint8_t>(tsval_ >> 16),
            static_cast<std::uint8_t>(tsval_ >> 8), static_cast<std::uint8_t>(tsval_), 0, 0, 0, 7};
  }
  std::vector<std::uint8_t> syn_options(std::uint16_t mss) {
    std::vector<std::uint8_t> o = mss_option(mss);
    o.insert(o.end(), {4, 2, 1, 3, 3, 7});  // SACK permitted, NOP, window scale 7
    o.insert(o.end(), {1, 1});
    return o;
  }
  std::vector<std::uint8_t> sack_blocks(int count, std::uint32_t ack) {
    std::vector<std::pair<std::uint32_t, std::uint32_t>> blocks;
    const std::uint32_t start = c_ + 1;
    for (int i = 0; i < count; ++i) {
      const std::uint32_t edges[] = {start, start + h_ / 2, start + h_, start + h_ + 100, ack + 50,
                                     client_next_ + h_, ack - 10};
      std::uint32_t left = edges[pick(std::size(edges))];
      std::uint32_t right = edges[pick(std::size(edges))];
      if (!chance(6) && sl_seq_lt(right, left)) std::swap(left, right);
      if (left == right) right += 20;
      blocks.emplace_back(left, right);
    }
    return sack_option(blocks);  // NOP, NOP, SACK
  }

  std::vector<std::uint8_t> payload(std::uint32_t length) {
    std::vector<std::uint8_t> bytes(length);
    for (std::uint32_t i = 0; i < length; ++i) bytes[i] = static_cast<std::uint8_t>('a' + (i + fill_) % 26);
    ++fill_;
    return bytes;
  }

  Step client_step(std::uint8_t flags, std::uint32_t seq, std::uint32_t ack, std::uint32_t length,
                   std::vector<std::uint8_t> options) {
    TcpSpec tcp;
    tcp.src_port = 40000;
    tcp.dst_port = service_.vip_port;
    tcp.seq = seq;
    tcp.ack = ack;
    tcp.flags = flags;
    tcp.window = static_cast<std::uint16_t>(500 + pick(100));
    while (options.size() % 4 != 0) options.push_back(1);
    tcp.options = options;
    tcp.payload = payload(length);
    Ipv4Spec ipv4;
    ipv4.src = ip("10.10.0.2");
    ipv4.dst = ip("10.10.0.100");
    ipv4.id = client_ipid_++;
    EthernetSpec l2;
    l2.dst = *net::MacAddress::parse(lab_.ports.at("front").get<std::string>());
    l2.src = mac("02:00:00:00:01:02");
    Step step;
    step.port = "front";
    step.frame = build_frame(l2, ipv4, tcp);
    std::ostringstream what;
    what << "client flags " << std::hex << unsigned{flags} << " seq c+" << std::dec << (seq - c_) << " ack s+"
         << (ack - s_) << " len " << length;
    step.what = what.str();
    return step;
  }

  Step backend_step(std::uint8_t flags, std::uint32_t seq, std::uint32_t ack, std::uint32_t length,
                    std::vector<std::uint8_t> options) {
    TcpSpec tcp;
    tcp.src_port = service_.backend_port;
    tcp.dst_port = 1024;  // the first SNAT port of a fresh table
    tcp.seq = seq;
    tcp.ack = ack;
    tcp.flags = flags;
    tcp.window = static_cast<std::uint16_t>(500 + pick(100));
    while (options.size() % 4 != 0) options.push_back(1);
    tcp.options = options;
    tcp.payload = payload(length);
    Ipv4Spec ipv4;
    ipv4.src = ip("10.20.0.2");
    ipv4.dst = ip("10.20.0.1");
    ipv4.id = backend_ipid_++;
    EthernetSpec l2;
    l2.dst = *net::MacAddress::parse(lab_.ports.at("back").get<std::string>());
    l2.src = mac("02:00:00:00:02:02");
    Step step;
    step.port = "back";
    step.frame = build_frame(l2, ipv4, tcp);
    std::ostringstream what;
    what << "backend flags " << std::hex << unsigned{flags} << " seq s+" << std::dec << (seq - s_) << " ack c+"
         << (ack - c_) << " len " << length;
    step.what = what.str();
    return step;
  }

  Step client_data(std::uint32_t seq, std::uint32_t length) {
    const std::uint8_t flags = SL_TCPF_ACK | SL_TCPF_PSH | (chance(10) ? SL_TCPF_FIN : 0);
    client_next_ = sl_seq_advance(client_next_, seq + length + ((flags & SL_TCPF_FIN) ? 1 : 0));
    return client_step(flags, seq, client_acked_, length, ts_option());
  }

  Step client_event() {
    const std::uint64_t kind = pick(20);
    if (kind < 6) {  // new data, in order
      const std::uint32_t seq = client_next_;
      if (service_.with_data && seq == c_ + 1) return client_data(seq, small_payload());
      return client_data(seq, small_payload());
    }
    if (kind < 8) return client_data(c_ + 1, small_payload());  // retransmission at c+1
    if (kind < 10) {  // reordered / old data, or a gap
      const std::uint32_t seq = chance(2) ? client_next_ - static_cast<std::uint32_t>(pick(200))
                                          : client_next_ + static_cast<std::uint32_t>(pick(300));
      if (sl_seq_lt(seq, c_ + 1)) return client_step(SL_TCPF_ACK, c_, client_acked_, 0, ts_option());
      if (service_.with_data && seq != c_ + 1 && client_next_ == c_ + 1) return client_data(c_ + 1, 10);
      return client_step(SL_TCPF_ACK | SL_TCPF_PSH, seq, client_acked_, small_payload(), ts_option());
    }
    if (kind < 14) {  // pure ACK of some backend data, sometimes an old one, sometimes too far
      std::uint32_t ack = backend_next_;
      const std::uint64_t which = pick(6);
      if (which == 0) ack = s_ + 1;
      if (which == 1) ack = backend_next_ - static_cast<std::uint32_t>(pick(100));
      if (which == 2) ack = backend_next_ + 1 + static_cast<std::uint32_t>(pick(100));  // unsent data
      if (sl_seq_lt(client_acked_, ack) && sl_seq_le(ack, backend_next_)) client_acked_ = ack;
      std::vector<std::uint8_t> options = ts_option();
      if (chance(4)) {
        const std::vector<std::uint8_t> sack = sack_option({{backend_next_ - 50, backend_next_ - 10}});
        options.insert(options.end(), sack.begin(), sack.end());
      }
      return client_step(SL_TCPF_ACK, client_next_, ack, 0, options);
    }
    if (kind < 15) return client_step(SL_TCPF_ACK | SL_TCPF_FIN, client_next_, client_acked_, 0, ts_option());
    if (kind == 15 && chance(4)) {  // an RST ends the case's flow: rarely
      return client_step(SL_TCPF_RST | (chance(2) ? SL_TCPF_ACK : 0), chance(2) ? client_next_ : c_ + 1, client_acked_,
                         0, {});
    }
    if (kind < 17) return client_step(SL_TCPF_PSH, client_next_, client_acked_, 10, ts_option());  // no ACK
    if (kind < 18 && chance(3)) return client_step(SL_TCPF_SYN, chance(2) ? c_ : c_ + 77, 0, 0, syn_options(1460));
    if (kind < 19) return client_step(SL_TCPF_ACK, c_ + 1, s_ + 1, 0, ts_option());  // late handshake ACK
    return client_step(SL_TCPF_ACK, c_, client_acked_, chance(2) ? 1 : 0, ts_option());  // keepalive probe
  }

  Step backend_event() {
    const std::uint32_t start = c_ + 1;
    const std::uint32_t full = client_next_ + h_;  // everything the client sent, header included
    std::uint32_t ack = full;
    // A lost header: the backend acknowledges c+1 for its first few segments.
    std::uint64_t phase = pick(8);
    if (header_lost_ > 0) {
      --header_lost_;
      phase = 0;
    }
    switch (phase) {
      case 0: ack = start; break;                                                   // header lost
      case 1: ack = start + static_cast<std::uint32_t>(pick(h_ + 1)); break;        // partial
      case 2: ack = start + h_; break;                                              // header only
      case 3: ack = full - static_cast<std::uint32_t>(pick(200)); break;            // old / reordered
      case 4: ack = c_; break;                                                      // below the SYN
      default: break;
    }
    if (sl_seq_lt(backend_acked_, ack)) backend_acked_ = ack;
    const std::uint64_t kind = pick(12);
    const std::uint32_t length = kind < 4 ? small_payload() : 0;
    std::uint8_t flags = SL_TCPF_ACK | (length > 0 ? SL_TCPF_PSH : 0);
    if (kind == 10) flags |= SL_TCPF_FIN;
    if (kind == 11) flags = chance(2) ? SL_TCPF_RST | SL_TCPF_ACK : SL_TCPF_RST;
    std::vector<std::uint8_t> options = ts_option();
    if ((flags & SL_TCPF_RST) == 0 && chance(2)) {
      const std::vector<std::uint8_t> sack = sack_blocks(1 + static_cast<int>(pick(3)), ack);
      options.insert(options.end(), sack.begin(), sack.end());
    }
    if (kind == 9) {  // a SYN-ACK retransmission
      return backend_step(SL_TCPF_SYN | SL_TCPF_ACK, s_, start, 0, syn_options(1460));
    }
    if (kind == 11 && !chance(4)) flags = SL_TCPF_ACK;  // an RST ends the case's flow: rarely
    const std::uint32_t seq = chance(5) ? backend_next_ - static_cast<std::uint32_t>(pick(50)) : backend_next_;
    backend_next_ = sl_seq_advance(backend_next_, seq + length + ((flags & SL_TCPF_FIN) ? 1 : 0));
    return backend_step(flags, seq, ack, length, options);
  }

  std::mt19937_64 rng_;
  const Lab& lab_;
  Service service_{};
  std::uint32_t h_ = 0;
  std::uint32_t c_ = 0, s_ = 0;
  std::uint32_t client_next_ = 0, backend_next_ = 0, client_acked_ = 0, backend_acked_ = 0;
  std::uint32_t tsval_ = 1000;
  std::uint64_t header_lost_ = 0;
  std::uint16_t client_ipid_ = 0x1000, backend_ipid_ = 0x2000;
  std::uint32_t fill_ = 0;
  std::uint64_t elapsed_ = 0;
  Step last_;
};

TEST(XdpDifferential, SameVerdictsAndBytesAsTheCppWorker) {
  const Lab lab = load_lab();
  Twins twins(lab);
  // SLUICE_DIFF_SECONDS: as many cases as fit (at most SLUICE_DIFF_CASES when that is set too).
  const std::uint64_t seconds = env_number("SLUICE_DIFF_SECONDS", 0);
  const std::uint64_t cases = env_number("SLUICE_DIFF_CASES", seconds > 0 ? ~std::uint64_t{0} : 30);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
  const std::uint64_t first_seed = env_number("SLUICE_DIFF_SEED", 1);
  const std::uint64_t steps_per_case = env_number("SLUICE_DIFF_STEPS", 60);
  int in_place = 0;
  std::uint64_t steps_run = 0;
  std::uint64_t cases_run = 0;
  const bool trace = env_number("SLUICE_DIFF_TRACE", 0) != 0;  // every step of every case
  for (std::uint64_t seed = first_seed; cases_run < cases; ++seed) {
    if (seconds > 0 && std::chrono::steady_clock::now() >= deadline) break;
    ++cases_run;
    twins.reset();
    Adversary adversary(seed, lab);
    std::uint64_t now = 1'000'000'000;  // both clocks; never 0 (0 = bpf_ktime_get_ns for XDP)
    std::vector<Adversary::Step> steps = adversary.opening();
    while (steps.size() < steps_per_case) steps.push_back(adversary.next());
    // A last clock step past every header timer (the give-up is at 25.4 s).
    Adversary::Step end;
    end.advance_ns = 26'000'000'000ull;
    end.what = "clock to the give-up";
    steps.push_back(end);
    std::size_t index = 0;
    for (const Adversary::Step& step : steps) {
      ++index;
      now += step.advance_ns;
      const std::string diff = twins.step(now, step.port, step.frame, in_place);
      ++steps_run;
      if (trace) std::cout << "  seed " << seed << " step " << index << ": " << step.what << " -> " << twins.last_verdict() << "\n";
      ASSERT_EQ(diff, "") << "seed " << seed << " step " << index << " (" << step.what << ")\n"
                          << "replay: SLUICE_DIFF_SEED=" << seed << " SLUICE_DIFF_CASES=1";
    }
  }
  std::cout << "[ differential ] " << cases_run << " cases from seed " << first_seed << ", " << steps_run
            << " steps, " << twins.frames() << " frames compared, " << in_place << " header resends in place\n";
  for (const auto& [verdict, count] : twins.verdicts()) std::cout << "    " << verdict << ": " << count << "\n";
  // Not hollow: the adversary must have reached the header's whole life, in both directions.
  EXPECT_GT(twins.verdicts().count("forward") ? twins.verdicts().at("forward") : 0, steps_run / 4);
}


// ---- Mutated frames ---------------------------------------------------------------------------
// The fixture cases of the same lab (every tests/fixtures/*.json with this configuration: TCP
// in both families and mixed, UDP, ARP, ICMP, NDP, the malformed set) replayed through both
// datapaths with frames mutated on the way: bits flipped, bytes set to edge values, frames cut
// or padded, length, IHL, data offset, flags, ethertype, VLAN tags, fragment bits, IPv6 next
// headers, ports and TCP options rewritten; checksums fixed up two times in three so that the
// mutation reaches past the checksum checks. Mutated frames replace the case's frame or are
// injected before it, and extra ones from other cases join in. Every step must leave the
// program without a kernel error (BPF_PROG_TEST_RUN), with a return code of XDP_PASS, DROP, TX
// or REDIRECT and a known verdict, and give the C++ worker's verdict and bytes.
// Two outcomes differ by design (docs/xdp.md "Where XDP differs"), each ends its case (the flow
// states differ from there on) and is counted: a client segment that becomes the standalone
// header segment (XDP's one frame carries the C++ header segment's payload), and headers beyond
// the program's 252-byte buffer (`no_buffer_room`). Two more, not by design and still open, are
// counted the same way and printed: the SNAT port a second flow gets, and the drop reason of a
// TTL-1 segment of an existing flow (see by_design()).
// SLUICE_DIFF_MUTATED_CASES (default 40) or SLUICE_DIFF_MUTATED_SECONDS (cases until then), from
// SLUICE_DIFF_SEED; a failure prints the seed, the step and the frame in hex.

std::vector<std::uint8_t> from_hex(const std::string& hex) {
  std::vector<std::uint8_t> out;
  for (std::size_t i = 0; i + 1 < hex.size(); i += 2) {
    out.push_back(static_cast<std::uint8_t>(std::stoul(hex.substr(i, 2), nullptr, 16)));
  }
  return out;
}

struct BaseStep {
  std::uint64_t at_ms = 0;
  std::string port;
  std::vector<std::uint8_t> frame;
};
struct BaseCase {
  std::string name;
  std::vector<BaseStep> steps;
};

std::vector<BaseCase> fixture_cases(const std::string& config_text) {
  std::vector<BaseCase> cases;
  std::vector<std::filesystem::path> files;
  for (const auto& entry : std::filesystem::directory_iterator(std::filesystem::path(SLUICE_SOURCE_DIR) / "tests/fixtures")) {
    if (entry.path().extension() == ".json") files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  for (const auto& file : files) {
    std::ifstream in(file);
    const nlohmann::json doc = nlohmann::json::parse(in);
    if (doc.at("config").get<std::string>() != config_text) continue;
    for (const auto& fixture : doc.at("cases")) {
      BaseCase base;
      base.name = file.stem().string() + "_" + fixture.at("name").get<std::string>();
      for (const auto& step : fixture.at("steps")) {
        if (!step.contains("in")) continue;
        BaseStep b;
        b.at_ms = step.at("at_ms").get<std::uint64_t>();
        b.port = step.at("in").at("port").get<std::string>();
        b.frame = from_hex(step.at("in").at("frame").get<std::string>());
        if (b.frame.size() >= 14) base.steps.push_back(std::move(b));  // BPF_PROG_TEST_RUN needs ETH_HLEN
      }
      if (!base.steps.empty()) cases.push_back(std::move(base));
    }
  }
  return cases;
}

// Where L3 and L4 start in a frame, if they do (one or two VLAN tags).
struct Layout {
  std::size_t l3 = 0;
  std::uint16_t ethertype = 0;
};
Layout layout_of(const std::vector<std::uint8_t>& f) {
  Layout l{12, 0};
  for (int tags = 0; tags < 3 && l.l3 + 2 <= f.size(); ++tags) {
    l.ethertype = static_cast<std::uint16_t>(f[l.l3] << 8 | f[l.l3 + 1]);
    l.l3 += 2;
    if (l.ethertype != 0x8100 && l.ethertype != 0x88A8) break;
    l.l3 += 2;
  }
  return l;
}

std::uint16_t get16(const std::vector<std::uint8_t>& f, std::size_t at) {
  return static_cast<std::uint16_t>(f[at] << 8 | f[at + 1]);
}
void put16(std::vector<std::uint8_t>& f, std::size_t at, std::uint16_t v) {
  f[at] = static_cast<std::uint8_t>(v >> 8);
  f[at + 1] = static_cast<std::uint8_t>(v);
}

// Recomputes the IPv4 header checksum and the TCP/UDP checksum where the lengths allow it.
void fix_checksums(std::vector<std::uint8_t>& f) {
  const Layout l = layout_of(f);
  std::size_t l4 = 0;
  std::size_t l4_length = 0;
  std::uint8_t protocol = 0;
  packet::testing::Bytes pseudo;
  if (l.ethertype == 0x0800 && l.l3 + 20 <= f.size()) {
    const std::size_t ihl = std::size_t{f[l.l3] & 0xFu} * 4;
    if (ihl < 20 || l.l3 + ihl > f.size()) return;
    put16(f, l.l3 + 10, 0);
    put16(f, l.l3 + 10, packet::testing::reference_checksum(packet::testing::Bytes(f.begin() + static_cast<long>(l.l3), f.begin() + static_cast<long>(l.l3 + ihl))));
    const std::size_t total = get16(f, l.l3 + 2);
    if (total < ihl || l.l3 + total > f.size()) return;
    l4 = l.l3 + ihl;
    l4_length = total - ihl;
    protocol = f[l.l3 + 9];
    pseudo.assign(f.begin() + static_cast<long>(l.l3 + 12), f.begin() + static_cast<long>(l.l3 + 20));
    pseudo.insert(pseudo.end(), {0, protocol, static_cast<std::uint8_t>(l4_length >> 8), static_cast<std::uint8_t>(l4_length)});
  } else if (l.ethertype == 0x86DD && l.l3 + 40 <= f.size()) {
    l4 = l.l3 + 40;
    l4_length = get16(f, l.l3 + 4);
    protocol = f[l.l3 + 6];
    if (l4 + l4_length > f.size()) return;
    pseudo.assign(f.begin() + static_cast<long>(l.l3 + 8), f.begin() + static_cast<long>(l.l3 + 40));
    pseudo.insert(pseudo.end(), {0, 0, static_cast<std::uint8_t>(l4_length >> 8), static_cast<std::uint8_t>(l4_length), 0, 0, 0, protocol});
  } else {
    return;
  }
  const std::size_t checksum_at = protocol == 6 ? 16 : protocol == 17 ? 6 : 0;
  if (checksum_at == 0 || l4_length < checksum_at + 2) return;
  put16(f, l4 + checksum_at, 0);
  packet::testing::Bytes summed = pseudo;
  summed.insert(summed.end(), f.begin() + static_cast<long>(l4), f.begin() + static_cast<long>(l4 + l4_length));
  std::uint16_t checksum = packet::testing::reference_checksum(summed);
  if (protocol == 17 && checksum == 0) checksum = 0xFFFF;
  put16(f, l4 + checksum_at, checksum);
}

class Mutator {
 public:
  explicit Mutator(std::uint64_t seed) : rng_(seed) {}
  std::uint64_t pick(std::uint64_t n) { return std::uniform_int_distribution<std::uint64_t>(0, n - 1)(rng_); }
  bool chance(std::uint64_t one_in) { return pick(one_in) == 0; }

  // Mutates `f` (at least 14 bytes before and after); returns what it did.
  std::string mutate(std::vector<std::uint8_t>& f) {
    std::string what;
    const std::uint64_t rounds = 1 + pick(3);
    for (std::uint64_t i = 0; i < rounds; ++i) what += (what.empty() ? "" : ", ") + once(f);
    if (!chance(3)) {
      fix_checksums(f);
      what += ", checksums fixed";
    }
    return what;
  }

 private:
  std::size_t position(const std::vector<std::uint8_t>& f) {
    // Headers mostly: three in four within the first 94 bytes.
    const std::size_t span = chance(4) ? f.size() : std::min<std::size_t>(f.size(), 94);
    return static_cast<std::size_t>(pick(span));
  }

  std::string once(std::vector<std::uint8_t>& f) {
    static constexpr std::uint8_t kEdges[] = {0, 1, 2, 4, 5, 6, 8, 0x0F, 0x10, 0x11, 0x3A, 0x40, 0x45, 0x60, 0x7F, 0x80, 0xFE, 0xFF};
    static constexpr std::uint16_t kEthertypes[] = {0x0800, 0x86DD, 0x0806, 0x8100, 0x88A8, 0x8847, 0x0000, 0xFFFF};
    static constexpr std::uint8_t kNextHeaders[] = {0, 6, 17, 43, 44, 50, 51, 58, 59, 60, 135};
    static constexpr std::uint16_t kPorts[] = {53, 54, 80, 81, 82, 83, 84, 85, 86, 1024, 1025, 8080, 5353, 0, 65535};
    const Layout l = layout_of(f);
    const bool v4 = l.ethertype == 0x0800 && l.l3 + 20 <= f.size();
    const bool v6 = l.ethertype == 0x86DD && l.l3 + 40 <= f.size();
    const std::size_t l4 = v4 ? l.l3 + std::size_t{f[l.l3] & 0xFu} * 4 : v6 ? l.l3 + 40 : 0;
    const bool has_l4 = (v4 || v6) && l4 >= l.l3 + 20 && l4 + 20 <= f.size();
    const bool tcp = has_l4 && f[v4 ? l.l3 + 9 : l.l3 + 6] == 6;
    switch (pick(14)) {
      case 0: {
        const std::size_t at = position(f);
        f[at] = static_cast<std::uint8_t>(f[at] ^ (1u << pick(8)));
        return "bit flip at " + std::to_string(at);
      }
      case 1: {
        const std::size_t at = position(f);
        f[at] = kEdges[pick(std::size(kEdges))];
        return "byte " + std::to_string(at) + " = " + std::to_string(f[at]);
      }
      case 2: {
        const std::size_t keep = 14 + static_cast<std::size_t>(pick(f.size() - 13));
        f.resize(keep);
        return "cut to " + std::to_string(keep);
      }
      case 3: {
        const std::size_t more = 1 + static_cast<std::size_t>(pick(64));
        for (std::size_t i = 0; i < more; ++i) f.push_back(static_cast<std::uint8_t>(pick(256)));
        return "padded by " + std::to_string(more);
      }
      case 4:
        if (v4) {
          const std::uint16_t total = get16(f, l.l3 + 2);
          put16(f, l.l3 + 2, chance(3) ? static_cast<std::uint16_t>(pick(65536)) : static_cast<std::uint16_t>(total + pick(9) - 4));
          return "IPv4 total length " + std::to_string(get16(f, l.l3 + 2));
        }
        if (v6) {
          const std::uint16_t payload = get16(f, l.l3 + 4);
          put16(f, l.l3 + 4, chance(3) ? static_cast<std::uint16_t>(pick(65536)) : static_cast<std::uint16_t>(payload + pick(9) - 4));
          return "IPv6 payload length " + std::to_string(get16(f, l.l3 + 4));
        }
        return once(f);
      case 5:
        if (v4) {
          f[l.l3] = static_cast<std::uint8_t>((chance(4) ? pick(16) << 4 : 0x40) | pick(16));
          return "IPv4 version/IHL " + std::to_string(f[l.l3]);
        }
        return once(f);
      case 6:
        if (tcp) {
          if (chance(2)) {
            f[l4 + 12] = static_cast<std::uint8_t>(pick(16) << 4);
            return "TCP data offset " + std::to_string(f[l4 + 12] >> 4);
          }
          f[l4 + 13] = static_cast<std::uint8_t>(pick(256));
          return "TCP flags " + std::to_string(f[l4 + 13]);
        }
        return once(f);
      case 7: {
        const std::uint16_t type = kEthertypes[pick(std::size(kEthertypes))];
        put16(f, l.l3 - 2, type);
        return "ethertype " + std::to_string(type);
      }
      case 8: {
        const std::uint16_t tpid = chance(3) ? 0x88A8 : 0x8100;
        const std::uint16_t tci = static_cast<std::uint16_t>(pick(4096));
        f.insert(f.begin() + 12, {static_cast<std::uint8_t>(tpid >> 8), static_cast<std::uint8_t>(tpid),
                                  static_cast<std::uint8_t>(tci >> 8), static_cast<std::uint8_t>(tci)});
        return "VLAN tag " + std::to_string(tpid) + " " + std::to_string(tci);
      }
      case 9:
        if (v4) {
          const std::uint16_t fragment = chance(2) ? 0x2000 : static_cast<std::uint16_t>(pick(0x4000));
          put16(f, l.l3 + 6, fragment);
          return "IPv4 fragment field " + std::to_string(fragment);
        }
        return once(f);
      case 10:
        if (v6) {
          f[l.l3 + 6] = kNextHeaders[pick(std::size(kNextHeaders))];
          return "IPv6 next header " + std::to_string(f[l.l3 + 6]);
        }
        if (v4) {
          f[l.l3 + 9] = kNextHeaders[pick(std::size(kNextHeaders))];
          return "IPv4 protocol " + std::to_string(f[l.l3 + 9]);
        }
        return once(f);
      case 11:
        if (has_l4) {
          const std::size_t at = l4 + (chance(2) ? 0 : 2);
          put16(f, at, chance(3) ? static_cast<std::uint16_t>(pick(65536)) : kPorts[pick(std::size(kPorts))]);
          return "L4 port at " + std::to_string(at - l4) + " = " + std::to_string(get16(f, at));
        }
        return once(f);
      case 12:
        if (tcp) {
          const std::size_t offset = static_cast<std::size_t>(f[l4 + 12] >> 4) * 4;
          if (offset > 20 && l4 + offset <= f.size()) {
            static constexpr std::uint8_t kKinds[] = {0, 1, 2, 3, 4, 5, 8, 30, 34, 254, 255};
            const std::size_t at = l4 + 20 + static_cast<std::size_t>(pick(offset - 20));
            f[at] = chance(2) ? kKinds[pick(std::size(kKinds))] : static_cast<std::uint8_t>(pick(41));
            return "TCP option byte " + std::to_string(at - l4) + " = " + std::to_string(f[at]);
          }
        }
        return once(f);
      default:
        if (tcp) {  // sequence or acknowledgment number moved a little or anywhere
          const std::size_t at = l4 + (chance(2) ? 4 : 8);
          const std::uint32_t value = static_cast<std::uint32_t>(f[at]) << 24 | static_cast<std::uint32_t>(f[at + 1]) << 16 |
                                      static_cast<std::uint32_t>(f[at + 2]) << 8 | f[at + 3];
          const std::uint32_t moved = chance(3) ? static_cast<std::uint32_t>(rng_()) : value + static_cast<std::uint32_t>(pick(129)) - 64;
          for (int i = 0; i < 4; ++i) f[at + static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(moved >> (24 - 8 * i));
          return std::string(at == l4 + 4 ? "seq" : "ack") + " moved";
        }
        return once(f);
    }
  }

  std::mt19937_64 rng_;
};

// The TCP payload of an emitted frame (hex), "" when it has none or is not TCP.
std::string tcp_payload_hex(const std::string& hex) {
  const std::vector<std::uint8_t> f = from_hex(hex);
  const Layout l = layout_of(f);
  std::size_t l4 = 0;
  std::size_t end = 0;
  if (l.ethertype == 0x0800 && l.l3 + 20 <= f.size() && f[l.l3 + 9] == 6) {
    l4 = l.l3 + std::size_t{f[l.l3] & 0xFu} * 4;
    end = l.l3 + get16(f, l.l3 + 2);
  } else if (l.ethertype == 0x86DD && l.l3 + 40 <= f.size() && f[l.l3 + 6] == 6) {
    l4 = l.l3 + 40;
    end = l4 + get16(f, l.l3 + 4);
  } else {
    return "";
  }
  if (l4 + 20 > f.size() || end > f.size()) return "";
  const std::size_t data = l4 + static_cast<std::size_t>(f[l4 + 12] >> 4) * 4;
  return data < end ? to_hex(f.data() + data, end - data) : "";
}

// A difference docs/xdp.md names as by design, or "".
std::string by_design(const Twins& twins, const std::string& port) {
  const Frames& cpp = twins.last_cpp();
  const Frames& bpf = twins.last_bpf();
  if (twins.last_bpf_verdict() == "drop:no_buffer_room") return "no_buffer_room";
  // A frame towards a neighbour not resolved yet (docs/xdp.md "Where XDP differs"): the C++
  // worker queues it and sends the solicitation (consumed), the program turns the frame into
  // the same solicitation (no_neighbor). Same frames out; only the queued one differs later.
  if (twins.last_verdict() == "consumed" && twins.last_bpf_verdict() == "drop:no_neighbor" && cpp == bpf) {
    return "neighbor_solicited";
  }
  // Not by design but known and open (docs/reliability.md "Fuzzing"): a flow created while
  // another flow of the case holds a port on another SNAT address gets the next port in XDP
  // (one SNAT cursor per CPU) and the first port of that address's pool in C++ (one pool per
  // SNAT address). The frames differ in the L4 source port and checksum only.
  if (cpp.size() == 1 && bpf.size() == 1 && cpp[0].first == bpf[0].first && cpp[0].second.size() == bpf[0].second.size() &&
      cpp[0].second != bpf[0].second) {
    const std::vector<std::uint8_t> a = from_hex(cpp[0].second);
    const std::vector<std::uint8_t> b = from_hex(bpf[0].second);
    const Layout l = layout_of(a);
    std::size_t l4 = 0;
    std::size_t checksum = 0;
    if (l.ethertype == 0x0800 && l.l3 + 20 <= a.size()) l4 = l.l3 + std::size_t{a[l.l3] & 0xFu} * 4;
    if (l.ethertype == 0x86DD && l.l3 + 40 <= a.size()) l4 = l.l3 + 40;
    const std::uint8_t protocol = l.ethertype == 0x0800 ? a[l.l3 + 9] : a[l.l3 + 6];
    if (l4 != 0) checksum = l4 + (protocol == 6 ? 16 : 6);
    bool only_port = l4 != 0 && checksum + 2 <= a.size();
    for (std::size_t i = 0; only_port && i < a.size(); ++i) {
      const bool allowed = (i >= l4 && i < l4 + 2) || (i >= checksum && i < checksum + 2);
      if (a[i] != b[i] && !allowed) only_port = false;
    }
    if (only_port) return "snat_port_choice";
  }
  // with-data, the first header due on a client segment above c+1 (docs/xdp.md "Where XDP
  // differs"): the C++ worker sends a standalone header segment, then the segment; XDP forwards
  // the same segment without it (the header rides the segment at c+1 when it comes).
  if (port == "front" && twins.last_verdict() == "forward" && cpp.size() == 2 && bpf.size() == 1 &&
      cpp[0].first == "back" && cpp[1] == bpf[0]) {
    const std::string header = tcp_payload_hex(cpp[0].second);
    if (header.rfind("0d0a0d0a000d0a515549540a", 0) == 0 || header.rfind("50524f585920", 0) == 0) {
      return "header_deferred";
    }
  }
  // The C++ worker: a standalone header segment, then the client's segment; XDP: that segment
  // turned into the header segment (the header is its payload; its own payload is dropped).
  if (port == "front" && twins.last_verdict() == "forward" && cpp.size() == 2 && bpf.size() == 1 &&
      cpp[0].first == "back" && cpp[1].first == "back" && bpf[0].first == "back") {
    const std::string header = tcp_payload_hex(cpp[0].second);
    if (!header.empty() && tcp_payload_hex(bpf[0].second) == header) return "standalone_header";
  }
  return "";
}

TEST(XdpDifferential, MutatedFramesSameVerdictsAndBytesAsTheCppWorker) {
  const Lab lab = load_lab();
  const std::vector<BaseCase> bases = fixture_cases(lab.text);
  ASSERT_GT(bases.size(), 50u) << "the fixture cases of tests/fixtures/ with the lab's configuration";
  Twins twins(lab);
  const std::uint64_t first_seed = env_number("SLUICE_DIFF_SEED", 1);
  const std::uint64_t seconds = env_number("SLUICE_DIFF_MUTATED_SECONDS", 0);
  const std::uint64_t cases = seconds > 0 ? ~std::uint64_t{0} : env_number("SLUICE_DIFF_MUTATED_CASES", 40);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
  const bool trace = env_number("SLUICE_DIFF_TRACE", 0) != 0;
  std::uint64_t cases_run = 0, frames = 0, mutated = 0;
  std::map<std::string, std::uint64_t> designed;
  std::map<std::string, std::uint64_t> mutated_verdicts;
  int in_place = 0;
  for (std::uint64_t seed = first_seed; cases_run < cases; ++seed) {
    if (seconds > 0 && std::chrono::steady_clock::now() >= deadline) break;
    ++cases_run;
    twins.reset();
    Mutator mutator(seed * 0x9E3779B97F4A7C15ull);
    // The case's script: one fixture case's frames (a third mutated, some mutated copies
    // injected before their original), and up to four mutated frames from other cases.
    const BaseCase& base = bases[mutator.pick(bases.size())];
    struct Planned {
      std::uint64_t at_ms;
      std::string port;
      std::vector<std::uint8_t> frame;
      std::string what;
    };
    std::vector<Planned> plan;
    for (const BaseStep& step : base.steps) {
      if (mutator.chance(4)) {
        const BaseCase& other = bases[mutator.pick(bases.size())];
        const BaseStep& from = other.steps[mutator.pick(other.steps.size())];
        Planned extra{step.at_ms, from.port, from.frame, ""};
        extra.what = "from " + other.name + ": " + mutator.mutate(extra.frame);
        plan.push_back(std::move(extra));
      }
      Planned own{step.at_ms, step.port, step.frame, "original"};
      if (mutator.chance(3)) {
        if (mutator.chance(2)) {
          Planned copy = own;
          copy.what = "injected: " + mutator.mutate(copy.frame);
          plan.push_back(std::move(copy));
        } else {
          own.what = mutator.mutate(own.frame);
        }
      }
      plan.push_back(std::move(own));
    }
    const std::uint64_t start = 1'000'000'000;  // never 0 (0 = bpf_ktime_get_ns for XDP)
    std::size_t index = 0;
    bool ended = false;
    for (const Planned& step : plan) {
      ++index;
      const std::string diff = twins.step(start + step.at_ms * 1'000'000, step.port, step.frame, in_place);
      ++frames;
      const bool is_mutated = step.what != "original";
      if (is_mutated) {
        ++mutated;
        ++mutated_verdicts[twins.last_verdict()];
      }
      if (trace) {
        std::cout << "  seed " << seed << " step " << index << " " << base.name << " " << step.port << ": " << step.what
                  << " -> " << twins.last_verdict() << "\n";
      }
      if (diff.empty()) continue;
      const std::string reason = by_design(twins, step.port);
      if (!reason.empty()) {
        ++designed[reason];
        ended = true;
        break;
      }
      ADD_FAILURE() << "seed " << seed << " step " << index << " (" << base.name << ", " << step.what << ")\n"
                    << diff << "input on " << step.port << ": " << to_hex(step.frame.data(), step.frame.size()) << "\n"
                    << "replay: SLUICE_DIFF_SEED=" << seed << " SLUICE_DIFF_MUTATED_CASES=1 --gtest_filter=*Mutated*";
      return;
    }
    if (!ended) {
      // Past every header timer to the give-up, as the connection cases end.
      const std::string diff = twins.step(start + 26'000'000'000ull, "", {}, in_place);
      ASSERT_EQ(diff, "") << "seed " << seed << " clock to the give-up (" << base.name << ")\n"
                          << "replay: SLUICE_DIFF_SEED=" << seed << " SLUICE_DIFF_MUTATED_CASES=1 --gtest_filter=*Mutated*";
    }
  }
  std::ostringstream summary;
  summary << cases_run << " cases from seed " << first_seed << ", " << frames << " frames (" << mutated
          << " mutated), by design: standalone header " << designed["standalone_header"] << ", no_buffer_room "
          << designed["no_buffer_room"] << ", neighbour solicited instead of queued " << designed["neighbor_solicited"]
          << ", with-data header deferred to c+1 " << designed["header_deferred"]
          << "; open: SNAT port choice " << designed["snat_port_choice"]
          << "; header resends in place " << in_place;
  std::cout << "[ mutated ] " << summary.str() << "\n";
  for (const auto& [verdict, count] : mutated_verdicts) std::cout << "    mutated -> " << verdict << ": " << count << "\n";
  // Not hollow: mutated frames must reach the parser's drops, the flow table and forwarding.
  EXPECT_GE(mutated_verdicts.size(), 5u);
  EXPECT_GT(mutated_verdicts.count("forward") ? mutated_verdicts.at("forward") : 0, 0u);
}

}  // namespace
}  // namespace sluice::testing

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  if (geteuid() != 0) {
    std::cerr << "test_bpf_xdp_differential: loading BPF programs needs root: run ./scripts/test as root\n";
    return 1;
  }
  if (unshare(CLONE_NEWNET) != 0) {
    std::cerr << "test_bpf_xdp_differential: cannot make a private network namespace\n";
    return 1;
  }
  cpu_set_t cpus;
  CPU_ZERO(&cpus);
  CPU_SET(0, &cpus);
  if (sched_setaffinity(0, sizeof cpus, &cpus) != 0) {
    std::cerr << "test_bpf_xdp_differential: cannot pin to CPU 0\n";
    return 1;
  }
  return RUN_ALL_TESTS();
}
