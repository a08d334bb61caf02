/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Frame parsing on the scratch copy: the same checks, in the same order, with the same drop
 * reasons as dataplane/packet/parser.cpp (docs/packet-layer.md has the table), so that a
 * malformed frame is refused for the same reason by both datapaths.
 */
#ifndef SLUICE_BPF_XDP_PARSE_H
#define SLUICE_BPF_XDP_PARSE_H

#include <linux/in.h>   /* IPPROTO_TCP, IPPROTO_UDP, IPPROTO_ICMP */
#include <linux/in6.h>  /* IPPROTO_ICMPV6 */

#include "dataplane/shared/l4_protocols.h"

#include "bpf/xdp/scratch.h"
#include "dataplane/shared/ipv6_ext.h"

#define SL_ETH_P_IPV4 0x0800
#define SL_ETH_P_IPV6 0x86DD
#define SL_ETH_P_ARP 0x0806
#define SL_ETH_P_VLAN 0x8100
#define SL_ETH_P_QINQ 0x88A8

/* TCP flag bits: the shared rules' (dataplane/shared/tcp_rules.h), short names here. */
#define SL_TCP_FIN SL_TCPF_FIN
#define SL_TCP_SYN SL_TCPF_SYN
#define SL_TCP_RST SL_TCPF_RST
#define SL_TCP_PSH SL_TCPF_PSH
#define SL_TCP_ACK SL_TCPF_ACK

/* Field offsets in the TCP and UDP headers (RFC 9293 section 3.1, RFC 768). */
#define SL_TCPH_SEQ 4
#define SL_TCPH_ACK 8
#define SL_TCPH_FLAGS 13
#define SL_TCPH_WINDOW 14
#define SL_TCPH_CHECKSUM 16
#define SL_UDPH_LENGTH 4
#define SL_UDPH_CHECKSUM 6

/* One's complement sum of the IPv4 header (ihl words) in `buf` at `o`: 0xffff when valid. */
static __always_inline int sl_ipv4_checksum_ok(const __u8 *buf, __u32 o, __u32 ihl_bytes) {
  __u32 sum = 0;
#pragma clang loop unroll(full)
  for (__u32 i = 0; i < 60; i += 2) {
    if (i < ihl_bytes) sum += sl_rd16(buf, o + i);
  }
  sum = (sum & 0xffff) + (sum >> 16);
  sum = (sum & 0xffff) + (sum >> 16);
  return sum == 0xffff;
}

/* TCP options (parse_tcp_options): offsets of the options the datapath rewrites. One option
 * per bpf_loop step: the callback is verified once instead of 40 unrolled paths. */
struct sl_opt_walk {
  const __u8 *in;
  struct sl_parsed *p;
  __u32 at;
  int result;
};

static long sl_tcp_option_step(__u64 index, void *arg) {
  struct sl_opt_walk *wk = arg;
  struct sl_parsed *p = wk->p;
  const __u8 *in = wk->in;
  const __u32 l4 = p->l4;
  const __u32 hlen = p->tcp_len;
  const __u32 at = wk->at;
  (void)index;
  if (at >= hlen || at >= 60) return 1;
  const __u8 kind = SL_B(in, l4 + at);
  if (kind == 0) return 1;
  if (kind == 1) {
    wk->at = at + 1;
    return 0;
  }
  if (at + 1 >= hlen) {
    wk->result = SL_PD_TCP_OPTIONS_OVERRUN;
    return 1;
  }
  const __u32 len = SL_B(in, l4 + at + 1);
  int r = 0;
  if (len < 2) r = SL_PD_BAD_TCP_OPTION_LENGTH;
  else if (len > hlen - at) r = SL_PD_TCP_OPTIONS_OVERRUN;
  else if (kind == 2) r = len != 4 ? SL_PD_BAD_TCP_OPTION_LENGTH : p->mss_off ? SL_PD_DUPLICATE_TCP_OPTION : (p->mss_off = (__u8)at, 0);
  else if (kind == 3) r = len != 3 ? SL_PD_BAD_TCP_OPTION_LENGTH : p->wscale_off ? SL_PD_DUPLICATE_TCP_OPTION : (p->wscale_off = (__u8)at, 0);
  else if (kind == 4) r = len != 2 ? SL_PD_BAD_TCP_OPTION_LENGTH : p->sackp_off ? SL_PD_DUPLICATE_TCP_OPTION : (p->sackp_off = (__u8)at, 0);
  else if (kind == 5) r = (len < 10 || (len - 2) % 8 != 0) ? SL_PD_BAD_TCP_OPTION_LENGTH : p->sack_off ? SL_PD_DUPLICATE_TCP_OPTION : (p->sack_off = (__u8)at, 0);
  else if (kind == 8) r = len != 10 ? SL_PD_BAD_TCP_OPTION_LENGTH : p->ts_off ? SL_PD_DUPLICATE_TCP_OPTION : (p->ts_off = (__u8)at, 0);
  else if (kind == 34 || (kind == 254 && len >= 4 && sl_rd16(in, l4 + at + 2) == 0xF989))
    r = p->tfo_off ? SL_PD_DUPLICATE_TCP_OPTION : (p->tfo_off = (__u8)at, 0);
  if (r) {
    wk->result = r;
    return 1;
  }
  wk->at = at + len;
  return 0;
}

static __always_inline int sl_parse_tcp_options(const __u8 *in, struct sl_parsed *p) {
  struct sl_opt_walk wk = {.in = in, .p = p, .at = 20, .result = 0};
  bpf_loop(40, sl_tcp_option_step, &wk, 0);
  return wk.result;
}

static __always_inline int sl_parse_l4(const __u8 *in, struct sl_parsed *p) {
  const __u32 available = p->l3_end - p->l4;
  p->payload = p->l4;
  if (p->protocol == IPPROTO_TCP) {
    if (available < 20) return SL_PD_TRUNCATED_TCP;
    const __u32 doff = SL_B(in, p->l4 + 12) >> 4;
    if (doff < 5) return SL_PD_BAD_TCP_DATA_OFFSET;
    p->tcp_len = doff * 4;
    if (available < p->tcp_len) return SL_PD_TRUNCATED_TCP;
    if (p->l4 + p->tcp_len > SL_IN_MAX - 4) return SL_PD_NO_BUFFER_ROOM; /* headers > 252 bytes */
    const int reason = sl_parse_tcp_options(in, p);
    if (reason) return reason;
    p->tcp_flags = SL_B(in, p->l4 + 13);
    p->payload = p->l4 + p->tcp_len;
    return 0;
  }
  if (p->protocol == IPPROTO_UDP) {
    if (available < 8) return SL_PD_TRUNCATED_UDP;
    const __u32 ulen = sl_rd16(in, p->l4 + 4);
    if (!p->fragment && (ulen < 8 || ulen != available)) return SL_PD_UDP_LENGTH_MISMATCH;
    if (p->family == SL_FAMILY_V6 && sl_rd16(in, p->l4 + 6) == 0) return SL_PD_UDP_ZERO_CHECKSUM_IPV6;
    p->tcp_len = 8;
    p->payload = p->l4 + 8;
    return 0;
  }
  /* Only the family's own ICMP (the shared rule, dataplane/shared/l4_protocols.h). */
  if (sl_is_icmp_of_family(p->family == SL_FAMILY_V4, p->protocol) && available < 8)
    return p->family == SL_FAMILY_V4 ? SL_PD_TRUNCATED_ICMP : SL_PD_TRUNCATED_ICMPV6;
  return 0;
}

static __always_inline int sl_parse_ipv4(const __u8 *in, struct sl_parsed *p) {
  const __u32 l3 = p->l3;
  const __u32 len = p->frame_len;
  if (len - l3 < 20) return SL_PD_TRUNCATED_IPV4;
  const __u8 vihl = SL_B(in, l3);
  if ((vihl >> 4) != 4) return SL_PD_BAD_IP_VERSION;
  const __u32 ihl = (vihl & 0xf) * 4u;
  if (ihl < 20) return SL_PD_BAD_IPV4_IHL;
  if (len - l3 < ihl) return SL_PD_TRUNCATED_IPV4;
  const __u32 total = sl_rd16(in, l3 + 2);
  if (total < ihl) return SL_PD_IPV4_TOTAL_LENGTH_BELOW_HEADER;
  if (total > len - l3) return SL_PD_IPV4_TOTAL_LENGTH_BEYOND_FRAME;
  if (!sl_ipv4_checksum_ok(in, l3, ihl)) return SL_PD_BAD_IPV4_HEADER_CHECKSUM;
  p->family = SL_FAMILY_V4;
  p->tos = SL_B(in, l3 + 1);
  p->ttl = SL_B(in, l3 + 8);
  p->protocol = SL_B(in, l3 + 9);
  p->l3_end = l3 + total;
  p->l4 = l3 + ihl;
  const __u16 frag = sl_rd16(in, l3 + 6);
  if (frag & 0x3fff) {
    p->fragment = 1;
    if (frag & 0x1fff) return 0; /* not the first fragment: no L4 header */
  }
  return sl_parse_l4(in, p);
}

/* The shared list (dataplane/shared/ipv6_ext.h), the C++ parser's too. */
static __always_inline int sl_is_ipv6_ext(__u8 nh) { return sl_ipv6_is_extension(nh); }

static __always_inline int sl_parse_ipv6(const __u8 *in, struct sl_parsed *p) {
  const __u32 l3 = p->l3;
  if (p->frame_len - l3 < 40) return SL_PD_TRUNCATED_IPV6;
  const __u8 v = SL_B(in, l3);
  if ((v >> 4) != 6) return SL_PD_BAD_IP_VERSION;
  const __u32 end = l3 + 40 + sl_rd16(in, l3 + 4);
  if (end > p->frame_len) return SL_PD_IPV6_PAYLOAD_LENGTH_BEYOND_FRAME;
  p->family = SL_FAMILY_V6;
  p->tos = (__u8)((sl_rd16(in, l3) >> 4) & 0xff);
  p->ttl = SL_B(in, l3 + 7);
  p->l3_end = end;
  __u8 nh = SL_B(in, l3 + 6);
  __u32 at = l3 + 40;
#pragma clang loop unroll(disable)
  for (__u32 count = 0; count < 9; count++) {
    if (!sl_is_ipv6_ext(nh)) break;
    if (count == 8) return SL_PD_TOO_MANY_IPV6_EXTENSION_HEADERS;
    if (nh == 0 && count != 0) return SL_PD_IPV6_HOP_BY_HOP_NOT_FIRST;
    if (end - at < 8) return SL_PD_TRUNCATED_IPV6_EXTENSION_HEADER;
    if (at > SL_IN_MAX - 8) return SL_PD_NO_BUFFER_ROOM;
    const __u32 ext_len = nh == 44 ? 8u : nh == 51 ? (SL_B(in, at + 1) + 2u) * 4u : (SL_B(in, at + 1) + 1u) * 8u;
    if (end - at < ext_len) return SL_PD_TRUNCATED_IPV6_EXTENSION_HEADER;
    const __u8 following = SL_B(in, at);
    if (nh == 44) {
      p->fragment = 1;
      if (sl_rd16(in, at + 2) & 0xfff8) {
        p->protocol = following;
        p->l4 = at + ext_len;
        return 0;
      }
    }
    nh = following;
    at += ext_len;
  }
  p->protocol = nh;
  p->l4 = at;
  if (at > SL_IN_MAX - 8) return SL_PD_NO_BUFFER_ROOM;
  return sl_parse_l4(in, p);
}

/* Returns 0 or a packet::DropReason value. */
static __always_inline int sl_parse(const __u8 *in, struct sl_parsed *p) {
  if (p->frame_len < 14) return SL_PD_TRUNCATED_ETHERNET;
  __u16 type = sl_rd16(in, 12);
  p->l3 = 14;
  if (type == SL_ETH_P_VLAN || type == SL_ETH_P_QINQ) {
    if (p->frame_len < 18) return SL_PD_TRUNCATED_VLAN;
    type = sl_rd16(in, 16);
    if (type == SL_ETH_P_VLAN || type == SL_ETH_P_QINQ) return SL_PD_STACKED_VLAN;
    p->l3 = 18;
  }
  p->ethertype = type;
  if (type == SL_ETH_P_ARP) {
    if (p->frame_len - p->l3 < 28) return SL_PD_TRUNCATED_ARP;
    if (sl_rd16(in, p->l3) != 1 || sl_rd16(in, p->l3 + 2) != SL_ETH_P_IPV4 || SL_B(in, p->l3 + 4) != 6 ||
        SL_B(in, p->l3 + 5) != 4)
      return SL_PD_UNSUPPORTED_ARP;
    p->family = SL_FAMILY_V4;
    p->l3_end = p->l4 = p->payload = p->l3 + 28;
    return 0;
  }
  if (type == SL_ETH_P_IPV4) return sl_parse_ipv4(in, p);
  if (type == SL_ETH_P_IPV6) return sl_parse_ipv6(in, p);
  return SL_PD_UNSUPPORTED_ETHERTYPE;
}

#endif /* SLUICE_BPF_XDP_PARSE_H */
