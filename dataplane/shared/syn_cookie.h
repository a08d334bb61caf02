/* SPDX-License-Identifier: Apache-2.0 */
/*
 * SYN cookies (RFC 4987 section 3.6) for the SYN proxy of issue 14, once, for both datapaths:
 * the C++ worker and the XDP program answer a SYN with the same cookie for the same SYN, and
 * accept the same ACKs, so one set of fixtures pins both. Pure C over plain values: no maps, no
 * clock (the tick is passed in), no I/O; compiled by g++ (C++20, -Wconversion) and clang -target
 * bpf (bpf/syn_cookie_check.bpf.c runs it in the kernel for tests/bpf/syn_cookie_bpf_test.cpp).
 *
 * The cookie, the appliance's ISN in its SYN-ACK (Bernstein's layout, as RFC 4987 describes):
 *
 *   bits 31..27  t, the tick of the SYN mod 32 (a tick is 2^36 ns, 68.7 s)
 *   bits 26..24  m, the index of the client's MSS in sl_cookie_mss_table (rounded down)
 *   bits 23..0   the low 24 bits of SipHash-2-4 (key: the appliance's secret) over the
 *                4-tuple, the client's ISN, the full tick and m
 *
 * The completing ACK carries ack = cookie + 1 and seq = client ISN + 1: the check reads t and m
 * back, takes the full tick as the latest one with t's low bits no older than
 * SL_COOKIE_MAX_AGE ticks, and recomputes the hash. Hashing the ISN binds the cookie to the SYN
 * (an ACK with another seq fails), hashing m keeps an attacker from choosing the MSS bits.
 *
 * Window scale, SACK-permitted and ECN do not fit into 32 bits: as Linux does
 * (net/ipv4/syncookies.c), they ride in the low 6 bits of the SYN-ACK's TSval when the client
 * sent timestamps, and come back in the ACK's TSecr (sl_cookie_ts_encode / _decode). Without
 * timestamps the connection gets neither window scaling nor SACK (also as Linux).
 */
#ifndef SLUICE_DATAPLANE_SHARED_SYN_COOKIE_H
#define SLUICE_DATAPLANE_SHARED_SYN_COOKIE_H

#include "dataplane/shared/c_compat.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The secret (128 bits, from getrandom at start; the same on every worker and in the program,
 * so a cookie made on one CPU is valid on another). */
struct sl_syn_cookie_key {
  uint64_t k0;
  uint64_t k1;
};
SLUICE_STATIC_ASSERT(sizeof(struct sl_syn_cookie_key) == 16, "sl_syn_cookie_key size");

/* What the cookie is computed over. Addresses as on the wire (an IPv4 address in the first 4
 * bytes, zeros after: the conntrack key's layout in both datapaths); ports in host order. */
struct sl_syn_cookie_tuple {
  uint8_t client[16];
  uint8_t vip[16];
  uint16_t client_port;
  uint16_t vip_port;
  uint8_t family; /* SL_FAMILY_* */
  uint8_t reserved[3];
};
SLUICE_STATIC_ASSERT(sizeof(struct sl_syn_cookie_tuple) == 40, "sl_syn_cookie_tuple size");

#define SL_COOKIE_TICK_SHIFT 36u  /* 2^36 ns = 68.7 s per tick */
#define SL_COOKIE_MAX_AGE 2u      /* ticks: a cookie is accepted for 2-3 ticks (137-206 s) */
#define SL_COOKIE_HASH_MASK 0x00FFFFFFu
#define SL_COOKIE_MSS_COUNT 8u

/* Why a check failed (counted by the callers as syn_cookie_failed). */
#define SL_COOKIE_OK 0
#define SL_COOKIE_EXPIRED 1 /* t is older than SL_COOKIE_MAX_AGE ticks */
#define SL_COOKIE_FORGED 2  /* the hash does not match: not our cookie, or another SYN's */

/* Linux's TSval option bits (net/ipv4/syncookies.c): window scale (0xf = none), SACK, ECN. */
#define SL_COOKIE_TS_BITS 6u
#define SL_COOKIE_TS_MASK 0x3Fu
#define SL_COOKIE_WSCALE_NONE 0xFu

/* MSS values a cookie can say, ascending; the client's MSS is rounded down to one of them
 * (536: RFC 1122's default; 1220/1440/1460: IPv6 minimum, PPPoE/IPv4 tunnels and Ethernet,
 * the values Linux's tables hold, with steps between). */
SLUICE_INLINE uint16_t sl_cookie_mss(uint32_t index) {
  switch (index & 7u) {
    case 0: return 536;
    case 1: return 1220;
    case 2: return 1300;
    case 3: return 1380;
    case 4: return 1420;
    case 5: return 1440;
    case 6: return 1452;
    default: return 1460;
  }
}

/* The index of the largest table MSS not above `mss` (0 for anything below 536). */
SLUICE_INLINE uint8_t sl_cookie_mss_index(uint16_t mss) {
  uint8_t index = 0;
  for (uint32_t i = 1; i < SL_COOKIE_MSS_COUNT; i++) {
    if (sl_cookie_mss(i) <= mss) index = SLUICE_CAST(uint8_t, i);
  }
  return index;
}

SLUICE_INLINE uint32_t sl_cookie_tick(uint64_t now_ns) {
  return SLUICE_CAST(uint32_t, now_ns >> SL_COOKIE_TICK_SHIFT);
}

/* ------------------------------------------------------------------------- SipHash-2-4 */
/* Aumasson and Bernstein, "SipHash: a fast short-input PRF" (2012), over a message of exactly
 * six 64-bit words (48 bytes): the fixed shape keeps the BPF build free of loops the verifier
 * must bound. Each word is the little-endian reading of 8 message bytes, as the reference
 * implementation reads them. */
SLUICE_INLINE uint64_t sl_rotl64(uint64_t x, unsigned b) { return (x << b) | (x >> (64u - b)); }

#define SL_SIPROUND(v0, v1, v2, v3) \
  do {                              \
    v0 += v1;                       \
    v1 = sl_rotl64(v1, 13);         \
    v1 ^= v0;                       \
    v0 = sl_rotl64(v0, 32);         \
    v2 += v3;                       \
    v3 = sl_rotl64(v3, 16);         \
    v3 ^= v2;                       \
    v0 += v3;                       \
    v3 = sl_rotl64(v3, 21);         \
    v3 ^= v0;                       \
    v2 += v1;                       \
    v1 = sl_rotl64(v1, 17);         \
    v1 ^= v2;                       \
    v2 = sl_rotl64(v2, 32);         \
  } while (0)

SLUICE_INLINE uint64_t sl_siphash24_6words(const struct sl_syn_cookie_key *key, const uint64_t m[6]) {
  uint64_t v0 = key->k0 ^ 0x736f6d6570736575ull;
  uint64_t v1 = key->k1 ^ 0x646f72616e646f6dull;
  uint64_t v2 = key->k0 ^ 0x6c7967656e657261ull;
  uint64_t v3 = key->k1 ^ 0x7465646279746573ull;
  for (int i = 0; i < 6; i++) {
    v3 ^= m[i];
    SL_SIPROUND(v0, v1, v2, v3);
    SL_SIPROUND(v0, v1, v2, v3);
    v0 ^= m[i];
  }
  /* The last block: the length (48) in the top byte, no bytes left over. */
  const uint64_t b = SLUICE_CAST(uint64_t, 48u) << 56;
  v3 ^= b;
  SL_SIPROUND(v0, v1, v2, v3);
  SL_SIPROUND(v0, v1, v2, v3);
  v0 ^= b;
  v2 ^= 0xffu;
  SL_SIPROUND(v0, v1, v2, v3);
  SL_SIPROUND(v0, v1, v2, v3);
  SL_SIPROUND(v0, v1, v2, v3);
  SL_SIPROUND(v0, v1, v2, v3);
  return v0 ^ v1 ^ v2 ^ v3;
}

SLUICE_INLINE uint64_t sl_le64(const uint8_t *p) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; i--) v = (v << 8) | p[i];
  return v;
}

/* The 24-bit MAC of (tuple, client ISN, full tick, m). */
SLUICE_INLINE uint32_t sl_cookie_hash(const struct sl_syn_cookie_key *key, const struct sl_syn_cookie_tuple *t,
                                      uint32_t client_isn, uint32_t tick, uint32_t mss_index) {
  uint64_t m[6];
  m[0] = sl_le64(t->client);
  m[1] = sl_le64(t->client + 8);
  m[2] = sl_le64(t->vip);
  m[3] = sl_le64(t->vip + 8);
  m[4] = SLUICE_CAST(uint64_t, t->client_port) | (SLUICE_CAST(uint64_t, t->vip_port) << 16) |
         (SLUICE_CAST(uint64_t, t->family) << 32) | (SLUICE_CAST(uint64_t, mss_index & 7u) << 40);
  m[5] = SLUICE_CAST(uint64_t, client_isn) | (SLUICE_CAST(uint64_t, tick) << 32);
  return SLUICE_CAST(uint32_t, sl_siphash24_6words(key, m)) & SL_COOKIE_HASH_MASK;
}

/* --------------------------------------------------------------------------- the cookie */
/* The ISN of the SYN-ACK answering a SYN with ISN `client_isn` and MSS index `mss_index`
 * (sl_cookie_mss_index of the SYN's MSS option, or of 536 without one), at `tick`. */
SLUICE_INLINE uint32_t sl_syn_cookie_make(const struct sl_syn_cookie_key *key, const struct sl_syn_cookie_tuple *t,
                                          uint32_t client_isn, uint32_t tick, uint32_t mss_index) {
  return ((tick & 31u) << 27) | ((mss_index & 7u) << 24) | sl_cookie_hash(key, t, client_isn, tick, mss_index);
}

/* Checks the cookie of a completing ACK (cookie = SEG.ACK - 1, client_isn = SEG.SEQ - 1) at
 * `now_tick`: SL_COOKIE_OK with the MSS index in *mss_index, or why not. */
SLUICE_INLINE int sl_syn_cookie_check(const struct sl_syn_cookie_key *key, const struct sl_syn_cookie_tuple *t,
                                      uint32_t cookie, uint32_t client_isn, uint32_t now_tick, uint8_t *mss_index) {
  const uint32_t age = (now_tick - (cookie >> 27)) & 31u;
  if (age > SL_COOKIE_MAX_AGE) return SL_COOKIE_EXPIRED;
  const uint32_t m = (cookie >> 24) & 7u;
  if (sl_cookie_hash(key, t, client_isn, now_tick - age, m) != (cookie & SL_COOKIE_HASH_MASK)) return SL_COOKIE_FORGED;
  *mss_index = SLUICE_CAST(uint8_t, m);
  return SL_COOKIE_OK;
}

/* ------------------------------------------------------------------- options in the TSval */
/* The SYN-ACK's TSval: the appliance's clock `ts_now` with its low 6 bits replaced by the
 * client's window scale (SL_COOKIE_WSCALE_NONE when it sent none; values above 14 are 14,
 * RFC 7323 section 2.3), SACK-permitted and ECN. Lowered by 64 when that would put it ahead of
 * the clock (a TSval from the future is the one thing a peer may refuse, RFC 7323 section 5.3). */
SLUICE_INLINE uint32_t sl_cookie_ts_encode(uint32_t ts_now, int has_wscale, uint8_t wscale, int sack, int ecn) {
  uint32_t options = has_wscale ? (wscale > 14 ? 14u : SLUICE_CAST(uint32_t, wscale)) : SL_COOKIE_WSCALE_NONE;
  if (sack) options |= 0x10u;
  if (ecn) options |= 0x20u;
  uint32_t ts = (ts_now & ~SL_COOKIE_TS_MASK) | options;
  if (ts > ts_now) ts -= 1u << SL_COOKIE_TS_BITS;
  return ts;
}

struct sl_cookie_options {
  uint8_t has_wscale;
  uint8_t wscale;
  uint8_t sack;
  uint8_t ecn;
};

/* The options back from the ACK's TSecr (the TSval of our SYN-ACK). */
SLUICE_INLINE struct sl_cookie_options sl_cookie_ts_decode(uint32_t tsecr) {
  struct sl_cookie_options o;
  const uint32_t w = tsecr & 0xFu;
  o.has_wscale = SLUICE_CAST(uint8_t, w != SL_COOKIE_WSCALE_NONE);
  o.wscale = SLUICE_CAST(uint8_t, w == SL_COOKIE_WSCALE_NONE ? 0u : w);
  o.sack = SLUICE_CAST(uint8_t, (tsecr >> 4) & 1u);
  o.ecn = SLUICE_CAST(uint8_t, (tsecr >> 5) & 1u);
  return o;
}

#ifdef __cplusplus
}
#endif

#endif /* SLUICE_DATAPLANE_SHARED_SYN_COOKIE_H */
