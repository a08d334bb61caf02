/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Checksums of rewritten frames. Same-length rewrites are incremental (RFC 1624, through
 * bpf_csum_diff over the old and new pseudo header + L4 header); frames whose payload moved
 * (PROXY header grown in front of it, TFO data removed) are summed in full, like the C++
 * pipeline does, because an odd H shifts every following byte to the other half of its word.
 */
#ifndef SLUICE_BPF_XDP_CSUM_H
#define SLUICE_BPF_XDP_CSUM_H

#include "bpf/xdp/scratch.h"

static __always_inline __u16 sl_fold(__u64 sum) {
  sum = (sum & 0xffffffffu) + (sum >> 32);
  sum = (sum & 0xffffffffu) + (sum >> 32);
  __u32 s = (__u32)sum;
  s = (s & 0xffff) + (s >> 16);
  s = (s & 0xffff) + (s >> 16);
  return (__u16)s;
}

/* The pseudo header (RFC 793 / RFC 8200 8.1) as a 40-byte block whose sum equals either
 * family's: [src 16][dst 16][length 4][0 0 0 protocol]; IPv4 addresses use the first 4 bytes
 * of their 16 with zeros after, which add nothing. */
static __always_inline void sl_pseudo(__u8 *ck, const __u8 *src, const __u8 *dst, __u32 l4_len, __u8 proto) {
  __builtin_memcpy(ck, src, 16);
  __builtin_memcpy(ck + 16, dst, 16);
  ck[32] = (__u8)(l4_len >> 24);
  ck[33] = (__u8)(l4_len >> 16);
  ck[34] = (__u8)(l4_len >> 8);
  ck[35] = (__u8)l4_len;
  ck[36] = 0;
  ck[37] = 0;
  ck[38] = 0;
  ck[39] = proto;
}

/* Sum (host-order words, as bpf_csum_diff adds them) of `len` bytes of `buf`, zero-padded to a
 * multiple of 4 by the caller; len <= SL_BODY_MAX. */
static __always_inline __u64 sl_sum_body(__u8 *buf, __u32 len) {
  __u64 sum = 0;
#pragma clang loop unroll(full)
  for (__u32 i = 0; i < SL_BODY_MAX / 512; i++) {
    const __u32 off = i * 512;
    if (off < len) {
      __u32 n = len - off;
      if (n > 512) n = 512;
      n = (n + 3) & ~3u;
      /* 1..512 for the verifier whatever clang proved (same reason as sl_idx). */
      __u64 bounded = n - 1;
      asm volatile("%0 &= 511" : "+r"(bounded));
      n = (__u32)bounded + 1;
      const __s64 r = bpf_csum_diff(0, 0, (void *)(buf + off), n, 0);
      if (r >= 0) sum += (__u32)r;
    }
  }
  return sum;
}

/* Swaps the bytes of a folded sum: the sum of data that moved by an odd number of bytes. */
static __always_inline __u16 sl_swab16(__u16 v) { return (__u16)((v << 8) | (v >> 8)); }

#endif /* SLUICE_BPF_XDP_CSUM_H */
