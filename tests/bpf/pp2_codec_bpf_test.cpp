// One codec, two compilers: loads bpf/pp2_codec_check.bpf.o (dataplane/shared/pp2.h built by
// clang -target bpf), runs it in the kernel with BPF_PROG_TEST_RUN, and compares every header
// it builds with the C++ build of the same request, byte for byte.
// Usage: test_bpf_pp2 PATH/TO/pp2_codec_check.bpf.o  (needs root; fails without it)
#include <gtest/gtest.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/bpf.h>
#include <unistd.h>

#include <array>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "dataplane/proxy/pp2_encoder.hpp"
#include "dataplane/proxy/pp2_text.hpp"
#include "dataplane/shared/pp2_check.h"

namespace sluice::proxy {
namespace {

std::string g_object_path;

class BpfPp2 : public ::testing::Test {
 protected:
  void SetUp() override {
    // A skipped kernel test would read as a pass: without root this fails, loudly
    // (./scripts/test and CI run as root).
    ASSERT_EQ(geteuid(), 0u) << "loading BPF programs needs root: run ./scripts/test as root";
    ASSERT_FALSE(g_object_path.empty()) << "pass the path of pp2_codec_check.bpf.o";
    object_ = bpf_object__open_file(g_object_path.c_str(), nullptr);
    ASSERT_NE(object_, nullptr) << "cannot open " << g_object_path;
    ASSERT_EQ(bpf_object__load(object_), 0) << "the verifier refused the shared codec";
    v1_fd_ = bpf_program__fd(bpf_object__find_program_by_name(object_, "pp2_check_v1"));
    v2_fd_ = bpf_program__fd(bpf_object__find_program_by_name(object_, "pp2_check_v2"));
    ASSERT_GE(v1_fd_, 0);
    ASSERT_GE(v2_fd_, 0);
  }
  void TearDown() override {
    if (object_ != nullptr) bpf_object__close(object_);
  }

  // Runs the kernel build for a request; returns pp2_build's result and the header bytes.
  std::pair<std::int32_t, std::vector<std::uint8_t>> run_in_kernel(const Pp2Request& request) {
    pp2_check_request check{};
    EXPECT_EQ(make_template(request, check.tpl), "");
    EXPECT_EQ(make_conn(request, check.conn), "");
    std::vector<std::uint8_t> frame(PP2_CHECK_FRAME_MIN, 0);
    std::memcpy(frame.data(), &check, sizeof check);
    std::vector<std::uint8_t> answer(2 * PP2_CHECK_FRAME_MIN, 0);
    LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = frame.data(),
                .data_out = answer.data(), .data_size_in = static_cast<__u32>(frame.size()),
                .data_size_out = static_cast<__u32>(answer.size()), .repeat = 1);
    const int fd = request.version == 1 ? v1_fd_ : v2_fd_;
    EXPECT_EQ(bpf_prog_test_run_opts(fd, &opts), 0);
    EXPECT_EQ(opts.retval, static_cast<__u32>(XDP_PASS));
    std::int32_t result = 0;
    std::memcpy(&result, answer.data(), sizeof result);
    std::vector<std::uint8_t> header;
    if (result > 0 && static_cast<std::size_t>(result) + 4 <= opts.data_size_out)
      header.assign(answer.begin() + 4, answer.begin() + 4 + result);
    return {result, header};
  }

  void expect_same(const Pp2Request& request, const std::string& what) {
    const Pp2Encoded hosted = encode(request);
    ASSERT_TRUE(hosted.ok()) << hosted.error;
    const auto [result, kernel] = run_in_kernel(request);
    ASSERT_EQ(result, static_cast<std::int32_t>(hosted.bytes.size())) << what;
    EXPECT_EQ(to_hex(kernel), to_hex(hosted.bytes)) << what;
  }

  bpf_object* object_ = nullptr;
  int v1_fd_ = -1;
  int v2_fd_ = -1;
};

net::Endpoint ep(const char* text) { return *net::Endpoint::parse(text); }

TEST_F(BpfPp2, EveryKindOfHeader) {
  Pp2Request inet;
  inet.source = ep("192.0.2.1:5353");
  inet.destination = ep("198.51.100.2:53");
  expect_same(inet, "inet");
  inet.crc32c = true;
  expect_same(inet, "inet crc32c");
  inet.transport = Pp2Transport::kDgram;
  inet.tlvs = {{PP2_TYPE_ALPN, {'h', '2'}}, {PP2_TYPE_AUTHORITY, {'a', '.', 'b'}}, {PP2_TYPE_NETNS, {'n'}},
               {0xE0, {0x0a, 0x0b}}, {PP2_TYPE_NOOP, {0, 0, 0}}};
  inet.unique_id = std::vector<std::uint8_t>(128, 0x5a);
  expect_same(inet, "inet all TLVs");

  Pp2Request inet6;
  inet6.source = ep("[2001:db8::1]:1234");
  inet6.destination = ep("[::ffff:10.0.0.1]:443");
  inet6.crc32c = true;
  expect_same(inet6, "inet6");

  Pp2Request local;
  local.command = Pp2Command::kLocal;
  expect_same(local, "local");
  local.crc32c = true;
  expect_same(local, "local crc32c");

  Pp2Request unix_request;
  unix_request.unix_paths = UnixPaths{"/run/a.sock", std::string(108, 'b')};
  unix_request.tlvs = {{0xE1, std::vector<std::uint8_t>(381, 1)}};
  unix_request.unique_id = std::vector<std::uint8_t>(128, 2);
  unix_request.crc32c = true;
  expect_same(unix_request, "unix, largest header");

  Pp2Request v1 = Pp2Request{};
  v1.version = 1;
  expect_same(v1, "v1 unknown");
  v1.source = ep("[ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff]:65535");
  v1.destination = ep("[::]:0");
  expect_same(v1, "v1 tcp6");
  v1.source = ep("255.255.255.255:65535");
  v1.destination = ep("0.0.0.0:0");
  expect_same(v1, "v1 tcp4");
}

TEST_F(BpfPp2, KernelRefusesWhatTheHostRefuses) {
  Pp2Request v1;
  v1.version = 1;
  v1.unix_paths = UnixPaths{"/a", "/b"};
  pp2_check_request check{};
  ASSERT_EQ(make_template(v1, check.tpl), "");
  ASSERT_EQ(make_conn(v1, check.conn), "");
  std::array<std::uint8_t, PP2_HEADER_MAX> out{};
  ASSERT_EQ(pp2_build(&check.tpl, &check.conn, out.data()), PP2_ERR_FAMILY);
  EXPECT_EQ(run_in_kernel(v1).first, PP2_ERR_FAMILY);
}

TEST_F(BpfPp2, RandomRequests) {
  std::mt19937 rng(7);
  auto byte = [&rng] { return static_cast<std::uint8_t>(rng()); };
  for (int round = 0; round < 400; ++round) {
    Pp2Request request;
    request.version = round % 4 == 0 ? 1 : 2;
    request.transport = request.version == 2 && rng() % 2 ? Pp2Transport::kDgram : Pp2Transport::kStream;
    std::array<std::uint8_t, 16> a{}, b{};
    for (std::size_t i = 0; i < 16; ++i) {
      a[i] = rng() % 3 == 0 ? byte() : 0;
      b[i] = rng() % 3 == 0 ? byte() : 0;
    }
    const auto sport = static_cast<std::uint16_t>(rng());
    const auto dport = static_cast<std::uint16_t>(rng() % 100);
    if (rng() % 2) {
      request.source = net::Endpoint{net::IpAddress::v6(a), sport};
      request.destination = net::Endpoint{net::IpAddress::v6(b), dport};
    } else {
      request.source = net::Endpoint{net::IpAddress::v4({a[0], a[1], a[2], a[3]}), sport};
      request.destination = net::Endpoint{net::IpAddress::v4({b[0], b[1], b[2], b[3]}), dport};
    }
    if (request.version == 2) {
      for (unsigned i = 0, n = static_cast<unsigned>(rng() % 4); i < n; ++i)
        request.tlvs.push_back(Pp2Tlv{byte(), std::vector<std::uint8_t>(rng() % 90, byte())});
      if (rng() % 2) request.unique_id = std::vector<std::uint8_t>(rng() % 129, byte());
      request.crc32c = rng() % 2 == 0;
    }
    expect_same(request, "round " + std::to_string(round));
    if (HasFailure()) return;
  }
}

}  // namespace
}  // namespace sluice::proxy

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  if (argc > 1) sluice::proxy::g_object_path = argv[1];
  return RUN_ALL_TESTS();
}
