// The SYN cookie of dataplane/shared/syn_cookie.h (the C++ build; tests/bpf/syn_cookie_bpf_test.cpp
// compares the kernel's build with this one): SipHash-2-4 against the published vectors through
// an independent byte-wise implementation, the cookie's layout, its checks (age, forgery, the
// ISN and MSS bits bound), the MSS table and the options carried in the TSval.
#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <cstring>
#include <random>
#include <vector>

#include "dataplane/shared/syn_cookie.h"
#include "dataplane/shared/xdp_maps.h"

namespace {

// The reference SipHash-2-4 (Aumasson and Bernstein's algorithm over any byte string), written
// independently of the shared six-word version so that the two can be compared.
std::uint64_t rotl(std::uint64_t x, int b) { return (x << b) | (x >> (64 - b)); }

std::uint64_t siphash24_reference(std::uint64_t k0, std::uint64_t k1, const std::vector<std::uint8_t>& in) {
  std::uint64_t v[4] = {k0 ^ 0x736f6d6570736575ull, k1 ^ 0x646f72616e646f6dull, k0 ^ 0x6c7967656e657261ull,
                        k1 ^ 0x7465646279746573ull};
  auto round = [&v] {
    v[0] += v[1]; v[1] = rotl(v[1], 13); v[1] ^= v[0]; v[0] = rotl(v[0], 32);
    v[2] += v[3]; v[3] = rotl(v[3], 16); v[3] ^= v[2];
    v[0] += v[3]; v[3] = rotl(v[3], 21); v[3] ^= v[0];
    v[2] += v[1]; v[1] = rotl(v[1], 17); v[1] ^= v[2]; v[2] = rotl(v[2], 32);
  };
  const std::size_t whole = in.size() / 8 * 8;
  for (std::size_t i = 0; i < whole; i += 8) {
    std::uint64_t m = 0;
    for (int j = 7; j >= 0; --j) m = (m << 8) | in[i + static_cast<std::size_t>(j)];
    v[3] ^= m; round(); round(); v[0] ^= m;
  }
  std::uint64_t b = static_cast<std::uint64_t>(in.size()) << 56;
  for (std::size_t j = 0; whole + j < in.size(); ++j) b |= static_cast<std::uint64_t>(in[whole + j]) << (8 * j);
  v[3] ^= b; round(); round(); v[0] ^= b;
  v[2] ^= 0xff;
  round(); round(); round(); round();
  return v[0] ^ v[1] ^ v[2] ^ v[3];
}

std::vector<std::uint8_t> counting(std::size_t n) {
  std::vector<std::uint8_t> bytes(n);
  for (std::size_t i = 0; i < n; ++i) bytes[i] = static_cast<std::uint8_t>(i);
  return bytes;
}

constexpr std::uint64_t kVectorK0 = 0x0706050403020100ull;  // key bytes 00..0f, little endian
constexpr std::uint64_t kVectorK1 = 0x0f0e0d0c0b0a0908ull;

TEST(SipHash, ReferenceMatchesThePublishedVectors) {
  // The paper's appendix (15-byte message 00..0e) and the first entry of the reference
  // implementation's vector table (empty message).
  EXPECT_EQ(siphash24_reference(kVectorK0, kVectorK1, counting(15)), 0xa129ca6149be45e5ull);
  EXPECT_EQ(siphash24_reference(kVectorK0, kVectorK1, {}), 0x726fdb47dd0e0e31ull);
}

TEST(SipHash, SixWordsMatchTheReferenceOver48Bytes) {
  std::mt19937_64 random(7);
  for (int round = 0; round < 200; ++round) {
    const sl_syn_cookie_key key{round == 0 ? kVectorK0 : random(), round == 0 ? kVectorK1 : random()};
    std::vector<std::uint8_t> bytes = round == 0 ? counting(48) : std::vector<std::uint8_t>(48);
    if (round != 0) for (auto& b : bytes) b = static_cast<std::uint8_t>(random());
    std::uint64_t words[6];
    for (int w = 0; w < 6; ++w) words[w] = sl_le64(bytes.data() + 8 * w);
    EXPECT_EQ(sl_siphash24_6words(&key, words), siphash24_reference(key.k0, key.k1, bytes)) << "round " << round;
  }
}

sl_syn_cookie_tuple tuple_v4() {
  sl_syn_cookie_tuple t{};
  const std::uint8_t client[4] = {10, 10, 0, 2};
  const std::uint8_t vip[4] = {10, 10, 0, 100};
  std::memcpy(t.client, client, 4);
  std::memcpy(t.vip, vip, 4);
  t.client_port = 40000;
  t.vip_port = 80;
  t.family = SL_FAMILY_V4;
  return t;
}

constexpr sl_syn_cookie_key kKey{0x0123456789abcdefull, 0xfedcba9876543210ull};

TEST(SynCookie, LayoutCarriesTheTickAndTheMssIndex) {
  const sl_syn_cookie_tuple t = tuple_v4();
  const std::uint32_t tick = 1000;  // 1000 mod 32 = 8
  const std::uint32_t cookie = sl_syn_cookie_make(&kKey, &t, 0x11223344u, tick, 7);
  EXPECT_EQ(cookie >> 27, 8u);
  EXPECT_EQ((cookie >> 24) & 7u, 7u);
  EXPECT_EQ(cookie & SL_COOKIE_HASH_MASK, sl_cookie_hash(&kKey, &t, 0x11223344u, tick, 7));
}

TEST(SynCookie, ValidForMaxAgeTicksThenExpired) {
  const sl_syn_cookie_tuple t = tuple_v4();
  for (const std::uint32_t tick : {0u, 31u, 1000u, 0xFFFFFFFFu}) {
    const std::uint32_t cookie = sl_syn_cookie_make(&kKey, &t, 0xdeadbeefu, tick, 5);
    for (std::uint32_t age = 0; age <= SL_COOKIE_MAX_AGE; ++age) {
      std::uint8_t mss_index = 0xff;
      EXPECT_EQ(sl_syn_cookie_check(&kKey, &t, cookie, 0xdeadbeefu, tick + age, &mss_index), SL_COOKIE_OK)
          << "tick " << tick << " age " << age;
      EXPECT_EQ(mss_index, 5);
    }
    std::uint8_t mss_index = 0;
    EXPECT_EQ(sl_syn_cookie_check(&kKey, &t, cookie, 0xdeadbeefu, tick + SL_COOKIE_MAX_AGE + 1, &mss_index),
              SL_COOKIE_EXPIRED);
    // A cookie from the future (tick going back, or t's low bits 31 ticks ahead) is refused.
    EXPECT_NE(sl_syn_cookie_check(&kKey, &t, cookie, 0xdeadbeefu, tick - 1, &mss_index), SL_COOKIE_OK);
    // 32 ticks later t's low bits match again, but the full tick is in the hash.
    EXPECT_EQ(sl_syn_cookie_check(&kKey, &t, cookie, 0xdeadbeefu, tick + 32, &mss_index), SL_COOKIE_FORGED);
  }
}

TEST(SynCookie, BoundToTupleIsnMssAndKey) {
  const sl_syn_cookie_tuple t = tuple_v4();
  const std::uint32_t tick = 77;
  const std::uint32_t cookie = sl_syn_cookie_make(&kKey, &t, 1234u, tick, 3);
  std::uint8_t m = 0;
  EXPECT_EQ(sl_syn_cookie_check(&kKey, &t, cookie, 1235u, tick, &m), SL_COOKIE_FORGED) << "another ISN";
  sl_syn_cookie_tuple other = t;
  other.client_port = 40001;
  EXPECT_EQ(sl_syn_cookie_check(&kKey, &other, cookie, 1234u, tick, &m), SL_COOKIE_FORGED) << "another port";
  other = t;
  other.client[3] = 3;
  EXPECT_EQ(sl_syn_cookie_check(&kKey, &other, cookie, 1234u, tick, &m), SL_COOKIE_FORGED) << "another client";
  other = t;
  other.family = SL_FAMILY_V6;
  EXPECT_EQ(sl_syn_cookie_check(&kKey, &other, cookie, 1234u, tick, &m), SL_COOKIE_FORGED) << "another family";
  const std::uint32_t other_mss = (cookie & ~(7u << 24)) | (7u << 24);
  EXPECT_EQ(sl_syn_cookie_check(&kKey, &t, other_mss, 1234u, tick, &m), SL_COOKIE_FORGED) << "MSS bits changed";
  const sl_syn_cookie_key other_key{kKey.k0 ^ 1u, kKey.k1};
  EXPECT_EQ(sl_syn_cookie_check(&other_key, &t, cookie, 1234u, tick, &m), SL_COOKIE_FORGED) << "another secret";
}

TEST(SynCookie, RandomForgeriesAlmostNeverPass) {
  // A blind attacker guesses 24 bits (t and m it can read off a cookie of its own): about one
  // in 16.7 million succeeds. 200 000 random ACKs: the expected count is 0.012.
  const sl_syn_cookie_tuple t = tuple_v4();
  std::mt19937 random(11);
  int passed = 0;
  for (int i = 0; i < 200000; ++i) {
    std::uint8_t m = 0;
    if (sl_syn_cookie_check(&kKey, &t, static_cast<std::uint32_t>(random()), 99u, 500u, &m) == SL_COOKIE_OK) ++passed;
  }
  EXPECT_LE(passed, 1);
}

TEST(SynCookie, MssTableRoundsDown) {
  EXPECT_EQ(sl_cookie_mss(sl_cookie_mss_index(0)), 536);
  EXPECT_EQ(sl_cookie_mss(sl_cookie_mss_index(535)), 536);  // below the table: its smallest
  EXPECT_EQ(sl_cookie_mss(sl_cookie_mss_index(536)), 536);
  EXPECT_EQ(sl_cookie_mss(sl_cookie_mss_index(1219)), 536);
  EXPECT_EQ(sl_cookie_mss(sl_cookie_mss_index(1220)), 1220);
  EXPECT_EQ(sl_cookie_mss(sl_cookie_mss_index(1448)), 1440);
  EXPECT_EQ(sl_cookie_mss(sl_cookie_mss_index(1460)), 1460);
  EXPECT_EQ(sl_cookie_mss(sl_cookie_mss_index(9000)), 1460);
  for (std::uint32_t mss = 536; mss < 10000; ++mss) {
    EXPECT_LE(sl_cookie_mss(sl_cookie_mss_index(static_cast<std::uint16_t>(mss))), mss);
  }
}

TEST(SynCookie, OptionsRideInTheTsval) {
  for (const std::uint32_t now : {0u, 5u, 64u, 1000000u, 0xFFFFFFFFu}) {
    for (int wscale = -1; wscale <= 15; ++wscale) {
      for (int sack = 0; sack <= 1; ++sack) {
        for (int ecn = 0; ecn <= 1; ++ecn) {
          const std::uint32_t ts = sl_cookie_ts_encode(now, wscale >= 0, static_cast<std::uint8_t>(wscale < 0 ? 0 : wscale),
                                                       sack, ecn);
          EXPECT_LE(static_cast<std::int32_t>(ts - now), 0) << "never ahead of the clock";
          EXPECT_LT(now - ts, 128u);
          const sl_cookie_options o = sl_cookie_ts_decode(ts);
          EXPECT_EQ(o.has_wscale, wscale >= 0 ? 1 : 0);
          if (wscale >= 0) {
            EXPECT_EQ(o.wscale, wscale > 14 ? 14 : wscale);
          }
          EXPECT_EQ(o.sack, sack);
          EXPECT_EQ(o.ecn, ecn);
        }
      }
    }
  }
}

}  // namespace
