// One rule, two compilers: loads bpf/syn_cookie_check.bpf.o (dataplane/shared/syn_cookie.h built
// by clang -target bpf), runs it in the kernel with BPF_PROG_RUN over seeded random inputs, and
// compares every cookie, check result, MSS index and TSval with the C++ build of the same
// functions. Usage: test_bpf_syn_cookie PATH/TO/syn_cookie_check.bpf.o (root; fails without it).
#include <gtest/gtest.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <unistd.h>

#include <cstring>
#include <random>
#include <string>

#include "dataplane/shared/syn_cookie_check.h"
#include "dataplane/shared/xdp_maps.h"

namespace {

std::string g_object_path;

TEST(BpfSynCookie, KernelBuildEqualsTheCppBuild) {
  // A skipped kernel test would read as a pass: without root this fails, loudly.
  ASSERT_EQ(geteuid(), 0u) << "loading BPF programs needs root: run ./scripts/test as root";
  bpf_object* object = bpf_object__open_file(g_object_path.c_str(), nullptr);
  ASSERT_NE(object, nullptr) << "cannot open " << g_object_path;
  ASSERT_EQ(bpf_object__load(object), 0) << "the verifier refused the shared SYN cookie";
  const int fd = bpf_program__fd(bpf_object__find_program_by_name(object, "sl_syn_cookie_check_run"));
  ASSERT_GE(fd, 0);

  std::mt19937_64 random(2026);
  int valid = 0;
  int expired = 0;
  int forged = 0;
  for (int i = 0; i < 2000; ++i) {
    sl_syn_cookie_check_ctx in{};
    in.key = {random(), random()};
    for (auto& b : in.tuple.client) b = static_cast<std::uint8_t>(random());
    for (auto& b : in.tuple.vip) b = static_cast<std::uint8_t>(random());
    in.tuple.family = (i & 1) ? SL_FAMILY_V6 : SL_FAMILY_V4;
    if (in.tuple.family == SL_FAMILY_V4) {
      std::memset(in.tuple.client + 4, 0, 12);
      std::memset(in.tuple.vip + 4, 0, 12);
    }
    in.tuple.client_port = static_cast<std::uint16_t>(random());
    in.tuple.vip_port = static_cast<std::uint16_t>(random());
    in.client_isn = static_cast<std::uint32_t>(random());
    in.tick = static_cast<std::uint32_t>(random());
    in.mss = static_cast<std::uint16_t>(random() % 2000);
    in.ts_now = static_cast<std::uint32_t>(random());
    in.has_wscale = static_cast<std::uint8_t>(random() & 1);
    in.wscale = static_cast<std::uint8_t>(random() % 16);
    in.sack = static_cast<std::uint8_t>(random() & 1);
    in.ecn = static_cast<std::uint8_t>(random() & 1);
    // The C++ build first: the cookie it makes is the one checked (valid, aged or damaged).
    const std::uint8_t mss_index = sl_cookie_mss_index(in.mss);
    const std::uint32_t cookie = sl_syn_cookie_make(&in.key, &in.tuple, in.client_isn, in.tick, mss_index);
    const int kind = i % 4;
    in.check_cookie = kind == 3 ? cookie ^ (1u << (random() % 32)) : cookie;
    in.check_tick = in.tick + (kind == 2 ? 3u + static_cast<std::uint32_t>(random() % 20) : static_cast<std::uint32_t>(random() % 3));
    std::uint8_t check_mss = 0xff;
    const int check = sl_syn_cookie_check(&in.key, &in.tuple, in.check_cookie, in.client_isn, in.check_tick, &check_mss);
    valid += check == SL_COOKIE_OK;
    expired += check == SL_COOKIE_EXPIRED;
    forged += check == SL_COOKIE_FORGED;
    const std::uint32_t ts = sl_cookie_ts_encode(in.ts_now, in.has_wscale, in.wscale, in.sack, in.ecn);
    const sl_cookie_options o = sl_cookie_ts_decode(ts);

    sl_syn_cookie_check_ctx run_ctx = in;
    LIBBPF_OPTS(bpf_test_run_opts, opts);
    opts.ctx_in = &run_ctx;
    opts.ctx_size_in = sizeof(run_ctx);
    ASSERT_EQ(bpf_prog_test_run_opts(fd, &opts), 0) << "case " << i;
    EXPECT_EQ(run_ctx.mss_index, mss_index) << "case " << i;
    EXPECT_EQ(run_ctx.cookie, cookie) << "case " << i;
    EXPECT_EQ(run_ctx.check_result, check) << "case " << i;
    if (check == SL_COOKIE_OK) {
      EXPECT_EQ(run_ctx.check_mss_index, check_mss) << "case " << i;
    }
    EXPECT_EQ(run_ctx.ts, ts) << "case " << i;
    EXPECT_EQ(run_ctx.decoded[0], o.has_wscale);
    EXPECT_EQ(run_ctx.decoded[1], o.wscale);
    EXPECT_EQ(run_ctx.decoded[2], o.sack);
    EXPECT_EQ(run_ctx.decoded[3], o.ecn);
  }
  // Not hollow: all three outcomes were compared many times.
  EXPECT_GT(valid, 500);
  EXPECT_GT(expired, 300);
  EXPECT_GT(forged, 300);
  bpf_object__close(object);
}

}  // namespace

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  if (argc > 1) g_object_path = argv[1];
  return RUN_ALL_TESTS();
}
