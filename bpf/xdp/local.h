/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Frames the appliance answers itself, built in place of the frame that asked (XDP sends only
 * the frame it holds, which here is exactly what is needed): ICMP/ICMPv6 echo replies and NDP
 * advertisements for our addresses (dataplane/pipeline/worker_local.cpp), and the ICMP error
 * that replaces a UDP datagram the PROXY header would push over the egress MTU
 * (worker_udp.cpp). Byte choices: tests/fixtures/README.md, choices 7, 10, 11, 12.
 * Included by bpf/sluice_xdp.bpf.c after its helpers (sl_resolve, sl_set_verdict, ...).
 */
#ifndef SLUICE_BPF_XDP_LOCAL_H
#define SLUICE_BPF_XDP_LOCAL_H

/* Ethernet header of an originated frame: to `mac`, from the port's MAC. */
static __always_inline void sl_l2(__u8 *out, const __u8 *mac, const struct sl_xdp_port *port, __u16 type) {
  __builtin_memcpy(out, mac, 6);
  __builtin_memcpy(out + 6, port->mac, 6);
  out[12] = (__u8)(type >> 8);
  out[13] = (__u8)type;
}

/* IPv4 header (RFC-less choices of the fixtures: TOS 0, ID 0, DF, TTL 64) at out+14. */
static __always_inline void sl_ipv4_originated(__u8 *out, __u16 total, __u8 proto, const __u8 *src, const __u8 *dst) {
  __u8 *ip = out + 14;
  ip[0] = 0x45;
  ip[1] = 0;
  ip[2] = (__u8)(total >> 8);
  ip[3] = (__u8)total;
  ip[4] = 0;
  ip[5] = 0;
  ip[6] = 0x40;
  ip[7] = 0;
  ip[8] = 64;
  ip[9] = proto;
  ip[10] = 0;
  ip[11] = 0;
  __builtin_memcpy(ip + 12, src, 4);
  __builtin_memcpy(ip + 16, dst, 4);
  const __s64 sum = bpf_csum_diff(0, 0, (void *)ip, 20, 0);
  const __u16 ck = (__u16)~sl_fold(sum < 0 ? 0 : (__u64)sum);
  ip[10] = (__u8)ck;
  ip[11] = (__u8)(ck >> 8);
}

static __always_inline void sl_ipv6_originated(__u8 *out, __u16 payload, __u8 proto, __u8 hops, const __u8 *src, const __u8 *dst) {
  __u8 *ip = out + 14;
  ip[0] = 0x60;
  ip[1] = 0;
  ip[2] = 0;
  ip[3] = 0;
  ip[4] = (__u8)(payload >> 8);
  ip[5] = (__u8)payload;
  ip[6] = proto;
  ip[7] = hops;
  __builtin_memcpy(ip + 8, src, 16);
  __builtin_memcpy(ip + 24, dst, 16);
}

/* Sends the frame now held (already rewritten) towards `port`. */
static __always_inline int sl_send_local(struct xdp_md *ctx, const struct sl_xdp_port *eport, __u32 port) {
  if (eport->ifindex == ctx->ingress_ifindex) return XDP_TX;
  return bpf_redirect_map(&sl_tx_ports, port, 0);
}

/* Replaces the frame with out[0..len) (len <= SL_IN_MAX), keeping nothing of it. */
static __always_inline int sl_replace_frame(struct xdp_md *ctx, __u8 *out, __u32 len, __u32 frame_len) {
  const __u32 zero = 0;
  const struct sl_xdp_config *cfg = bpf_map_lookup_elem(&sl_config, &zero);
  if (cfg && (cfg->flags & SL_CFG_GENERIC_TAIL_PAD) && len != frame_len && len + SL_GENERIC_TAIL_PAD <= SL_IN_MASK) {
    /* Generic XDP misplaces the tail of a resized frame (SL_CFG_GENERIC_TAIL_PAD): zero
     * padding after the IP packet makes the receiver trim it, which puts the tail right. */
    __builtin_memset(out + (len & SL_IN_MASK), 0, SL_GENERIC_TAIL_PAD);
    len += SL_GENERIC_TAIL_PAD;
  }
  if (bpf_xdp_adjust_tail(ctx, (int)len - (int)frame_len) < 0) return -1;
  const __u32 n = len & SL_IN_MASK;
  if (n < 14 || bpf_xdp_store_bytes(ctx, 0, (void *)out, n) < 0) return -1;
  return 0;
}

/* ICMP echo request (v4 or v6) to one of our addresses: the reply, from that address, written
 * over the request as the C++ worker writes it (Worker::handle_icmp): back to the frame's source
 * MAC on the link it came from (no route or neighbour lookup), a VLAN tag, IPv4 options and TOS
 * and IPv6 extension headers kept; addresses swapped, TTL / hop limit 64, IPv4 ID 0 and DF,
 * IPv6 traffic class and flow label 0. `l2` is the request's link header, 14 bytes or 18 with
 * an 802.1Q tag: a constant, so that every offset is one. */
static __always_inline int sl_echo_reply_l2(struct xdp_md *ctx, struct sl_scratch *s, __u32 in_port, const __u32 l2) {
  const __u32 zero = 0;
  struct sl_xdp_counters *c = bpf_map_lookup_elem(&sl_counters, &zero);
  struct sl_parsed *p = &s->p;
  __u8 *in = s->in;
  const int v4 = p->family == SL_FAMILY_V4;
  const __u32 eport_id = in_port;
  struct sl_xdp_port *eport = bpf_map_lookup_elem(&sl_ports, &eport_id);
  if (!eport) return sl_pass(c, SL_PL_ICMP_IGNORED);

  __u8 mac[6];
  __builtin_memcpy(mac, in + 6, 6);
  __builtin_memcpy(in, mac, 6);
  __builtin_memcpy(in + 6, eport->mac, 6);
  __u8 *ip = in + l2;
  if (v4) {
    __u8 addr[4];
    __builtin_memcpy(addr, ip + 12, 4);
    __builtin_memcpy(ip + 12, ip + 16, 4);
    __builtin_memcpy(ip + 16, addr, 4);
    ip[4] = 0;
    ip[5] = 0;
    ip[6] |= 0x40; /* DF */
    ip[8] = 64;
    ip[10] = 0;
    ip[11] = 0;
    /* The header with its options: 20..60 bytes, a multiple of 4 (the parser checked IHL). */
    const __u32 ihl = (__u32)(ip[0] & 0x0f) * 4;
    if (ihl < 20 || ihl > 60) return sl_pass(c, SL_PL_ICMP_IGNORED);
    const __s64 sum = bpf_csum_diff(0, 0, (void *)ip, ihl & 0x3c, 0);
    const __u16 ck = (__u16)~sl_fold(sum < 0 ? 0 : (__u64)sum);
    ip[10] = (__u8)ck;
    ip[11] = (__u8)(ck >> 8);
  } else {
    __u8 addr[16];
    __builtin_memcpy(addr, ip + 8, 16);
    __builtin_memcpy(ip + 8, ip + 24, 16);
    __builtin_memcpy(ip + 24, addr, 16);
    ip[0] = 0x60;
    ip[1] = 0;
    ip[2] = 0;
    ip[3] = 0;
    ip[7] = 64;
  }
  /* The ICMP header: type changes (8 -> 0, 128 -> 129); the checksum follows incrementally
   * (ICMPv6's pseudo header holds the same two addresses, swapped: same sum). */
  const __u32 l4 = p->l4 & SL_IN_MASK;
  __u8 *icmp = in + l4;
  __u8 before[8];
  __builtin_memcpy(before, icmp, 8);
  before[2] = before[3] = 0;
  const __u16 old_ck = (__u16)(icmp[2] | (icmp[3] << 8));
  icmp[0] = v4 ? 0 : 129;
  icmp[2] = icmp[3] = 0;
  __u8 after[8];
  __builtin_memcpy(after, icmp, 8);
  const __s64 r = bpf_csum_diff((void *)before, 8, (void *)after, 8, (__u32)(__u16)~old_ck);
  const __u16 ck = (__u16)~sl_fold(r < 0 ? 0 : (__u64)(__u32)r);
  icmp[2] = (__u8)ck;
  icmp[3] = (__u8)(ck >> 8);

  const __u32 trim = p->frame_len - p->l3_end;
  if (trim > 0 && bpf_xdp_adjust_tail(ctx, -(int)trim) < 0) return sl_drop(c, SL_VERDICT_DROP_PIPELINE, SL_PL_NO_BUFFER);
  if (bpf_xdp_store_bytes(ctx, 0, in, l4 + 8) < 0) return sl_drop(c, SL_VERDICT_DROP_PIPELINE, SL_PL_NO_BUFFER);
  if (c) {
    c->icmp_echo_replies++;
    c->tx_packets++;
    c->tx_bytes += bpf_xdp_get_buff_len(ctx);
  }
  sl_set_verdict(SL_VERDICT_CONSUMED, 0, eport_id);
  return sl_send_local(ctx, eport, eport_id);
}

__attribute__((noinline)) int sl_echo_reply(struct xdp_md *ctx, struct sl_scratch *s, __u32 in_port) {
  if (!ctx || !s) return XDP_ABORTED;
  return s->p.l3 == 18 ? sl_echo_reply_l2(ctx, s, in_port, 18) : sl_echo_reply_l2(ctx, s, in_port, 14);
}

/* Neighbour solicitation for one of our addresses: a solicited, override advertisement from
 * that address with our MAC (RFC 4861 sections 4.4 and 7.2.4; hop limit 255). */
__attribute__((noinline)) int sl_ndp_advertise(struct xdp_md *ctx, struct sl_scratch *s, __u32 in_port) {
  if (!ctx || !s) return XDP_ABORTED;
  const __u32 zero = 0;
  struct sl_xdp_counters *c = bpf_map_lookup_elem(&sl_counters, &zero);
  struct sl_parsed *p = &s->p;
  __u8 *in = s->in;
  __u8 *out = s->out;
  if (p->l3_end - p->l4 < 24) return sl_pass(c, SL_PL_ICMP_IGNORED);
  struct sl_xdp_addr_key k = {};
  __builtin_memcpy(k.addr, in + ((p->l4 + 8) & SL_IN_MASK), 16);
  k.family = SL_FAMILY_V6;
  struct sl_xdp_own *own = bpf_map_lookup_elem(&sl_own, &k);
  if (!own) return sl_pass(c, SL_PL_NOT_FOR_US);
  struct sl_xdp_port *port = bpf_map_lookup_elem(&sl_ports, &in_port);
  if (!port) return sl_pass(c, SL_PL_NOT_FOR_US);
  __u8 solicitor[16];
  __builtin_memcpy(solicitor, in + ((p->l3 + 8) & SL_IN_MASK), 16);
  __u8 to_mac[6];
  __builtin_memcpy(to_mac, in + 6, 6);

  sl_l2(out, to_mac, port, SL_ETH_P_IPV6);
  sl_ipv6_originated(out, 32, IPPROTO_ICMPV6, 255, k.addr, solicitor);
  __u8 *na = out + 54;
  na[0] = 136;
  na[1] = 0;
  na[2] = na[3] = 0;
  na[4] = 0x60; /* S and O */
  na[5] = na[6] = na[7] = 0;
  __builtin_memcpy(na + 8, k.addr, 16);
  na[24] = 2; /* target link-layer address */
  na[25] = 1;
  __builtin_memcpy(na + 26, port->mac, 6);
  sl_pseudo(s->ck_new, k.addr, solicitor, 32, IPPROTO_ICMPV6);
  __builtin_memcpy(s->ck_new + 40, na, 32);
  const __s64 sum = bpf_csum_diff(0, 0, (void *)s->ck_new, 72, 0);
  const __u16 ck = (__u16)~sl_fold(sum < 0 ? 0 : (__u64)sum);
  na[2] = (__u8)ck;
  na[3] = (__u8)(ck >> 8);
  if (sl_replace_frame(ctx, out, 86, p->frame_len) < 0) return sl_drop(c, SL_VERDICT_DROP_PIPELINE, SL_PL_NO_BUFFER);
  if (c) {
    c->nd_replies++;
    c->tx_packets++;
    c->tx_bytes += 86;
  }
  sl_set_verdict(SL_VERDICT_CONSUMED, 0, in_port);
  return sl_send_local(ctx, port, in_port);
}

/* The datagram the header would push over the backend link's MTU becomes an ICMP
 * fragmentation-needed / packet-too-big to its client, from our address on the ingress link,
 * carrying `mtu` (the size the client must stay under). The verdict is a udp_too_big drop. */
__attribute__((noinline)) int sl_udp_too_big(struct xdp_md *ctx, struct sl_scratch *s, struct sl_xdp_flow *f, __u32 in_port,
                                             __u32 mtu) {
  if (!ctx || !s || !f) return XDP_ABORTED;
  const __u32 zero = 0;
  struct sl_xdp_counters *c = bpf_map_lookup_elem(&sl_counters, &zero);
  struct sl_parsed *p = &s->p;
  __u8 *in = s->in;
  __u8 *out = s->out;
  const int v4 = p->family == SL_FAMILY_V4;
  struct sl_xdp_port *inport = bpf_map_lookup_elem(&sl_ports, &in_port);
  if (!inport || (v4 ? !inport->has_v4 : !inport->has_v6)) return sl_drop(c, SL_VERDICT_DROP_PIPELINE, SL_PL_UDP_TOO_BIG);
  __u32 eport_id = 0;
  __u8 mac[6];
  if (sl_resolve(ctx, p->family, f->client, &eport_id, mac) != 0) return sl_drop(c, SL_VERDICT_DROP_PIPELINE, SL_PL_UDP_TOO_BIG);
  struct sl_xdp_port *eport = bpf_map_lookup_elem(&sl_ports, &eport_id);
  if (!eport) return sl_drop(c, SL_VERDICT_DROP_PIPELINE, SL_PL_UDP_TOO_BIG);
  sl_l2(out, mac, eport, v4 ? SL_ETH_P_IPV4 : SL_ETH_P_IPV6);
  if (v4) {
    /* RFC 792 / 1191: the offending IP header and 8 bytes, as received. */
    const __u32 quote = ((p->l4 - p->l3) & 0x3c) + 8;
    const __u32 total = 14 + 20 + 8 + quote;
    __u8 *icmp = out + 34;
    icmp[0] = 3;
    icmp[1] = 4;
    icmp[2] = icmp[3] = 0;
    icmp[4] = icmp[5] = 0;
    icmp[6] = (__u8)(mtu >> 8);
    icmp[7] = (__u8)mtu;
    __builtin_memcpy(icmp + 8, in + (p->l3 & SL_IN_MASK), 68);
    sl_ipv4_originated(out, (__u16)(20 + 8 + quote), IPPROTO_ICMP, inport->v4, f->client);
    const __u32 n = (8 + quote) & 0x7c;
    const __s64 sum = bpf_csum_diff(0, 0, (void *)icmp, n < 36 ? 36 : n, 0);
    const __u16 ck = (__u16)~sl_fold(sum < 0 ? 0 : (__u64)sum);
    icmp[2] = (__u8)ck;
    icmp[3] = (__u8)(ck >> 8);
    if (sl_replace_frame(ctx, out, total, p->frame_len) < 0) return sl_drop(c, SL_VERDICT_DROP_PIPELINE, SL_PL_UDP_TOO_BIG);
  } else {
    /* RFC 4443 2.4(c): as much of the packet as fits a 1280-byte error. */
    __u32 quote = p->l3_end - p->l3;
    if (quote > 1232) quote = 1232;
    const __u32 q = sl_body_len(quote - 1) + 1; /* 1..2048, as the verifier must see it */
    if (q == 0 || bpf_xdp_load_bytes(ctx, p->l3, s->body, q) < 0) return sl_drop(c, SL_VERDICT_DROP_PIPELINE, SL_PL_UDP_TOO_BIG);
    s->body[q] = s->body[q + 1] = s->body[q + 2] = 0;
    sl_ipv6_originated(out, (__u16)(8 + quote), IPPROTO_ICMPV6, 64, inport->v6, f->client);
    __u8 *icmp = out + 54;
    icmp[0] = 2;
    icmp[1] = 0;
    icmp[2] = icmp[3] = 0;
    icmp[4] = (__u8)(mtu >> 24);
    icmp[5] = (__u8)(mtu >> 16);
    icmp[6] = (__u8)(mtu >> 8);
    icmp[7] = (__u8)mtu;
    sl_pseudo(s->ck_new, inport->v6, f->client, 8 + quote, IPPROTO_ICMPV6);
    __builtin_memcpy(s->ck_new + 40, icmp, 8);
    __u64 sum = 0;
    const __s64 r = bpf_csum_diff(0, 0, (void *)s->ck_new, 48, 0);
    if (r >= 0) sum += (__u32)r;
    sum += sl_sum_body(s->body, q);
    const __u16 ck = (__u16)~sl_fold(sum);
    icmp[2] = (__u8)ck;
    icmp[3] = (__u8)(ck >> 8);
    /* New headers in front of the original IPv6 packet, then the tail cut at 1280 bytes. */
    const int grow = 62 - (int)p->l3;
    if (bpf_xdp_adjust_head(ctx, -grow) < 0) return sl_drop(c, SL_VERDICT_DROP_PIPELINE, SL_PL_UDP_TOO_BIG);
    if (bpf_xdp_store_bytes(ctx, 0, out, 62) < 0) return sl_drop(c, SL_VERDICT_DROP_PIPELINE, SL_PL_UDP_TOO_BIG);
    const int now_len = (int)bpf_xdp_get_buff_len(ctx);
    const int want = 62 + (int)quote;
    if (want < now_len && bpf_xdp_adjust_tail(ctx, want - now_len) < 0) return sl_drop(c, SL_VERDICT_DROP_PIPELINE, SL_PL_UDP_TOO_BIG);
  }
  if (c) {
    c->icmp_errors_sent++;
    c->dropped++;
    c->pipeline_drops[SL_PL_UDP_TOO_BIG]++;
    c->tx_packets++;
    c->tx_bytes += bpf_xdp_get_buff_len(ctx);
  }
  sl_set_verdict(SL_VERDICT_DROP_PIPELINE, SL_PL_UDP_TOO_BIG, eport_id);
  return sl_send_local(ctx, eport, eport_id);
}

/* No MAC for the next hop: the held frame becomes an ARP request / neighbour solicitation for
 * it (the C++ pipeline sends one and queues the frame; XDP cannot queue: this frame is lost,
 * the sender's retransmission finds the neighbour learnt from the answer). */
__attribute__((noinline)) int sl_solicit(struct xdp_md *ctx, struct sl_scratch *s, __u32 family, __u32 port_id) {
  if (!ctx || !s) return XDP_ABORTED;
  const __u8 *hop = s->hop;
  const __u32 zero = 0;
  struct sl_xdp_counters *c = bpf_map_lookup_elem(&sl_counters, &zero);
  struct sl_xdp_port *port = bpf_map_lookup_elem(&sl_ports, &port_id);
  if (!port || (family == SL_FAMILY_V4 ? !port->has_v4 : !port->has_v6))
    return sl_drop(c, SL_VERDICT_DROP_PIPELINE, SL_PL_NO_NEIGHBOR);
  __u8 *out = s->out;
  __u32 len;
  if (family == SL_FAMILY_V4) {
    const __u8 broadcast[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
    sl_l2(out, broadcast, port, SL_ETH_P_ARP);
    out[14] = 0; out[15] = 1; out[16] = 0x08; out[17] = 0; out[18] = 6; out[19] = 4; out[20] = 0; out[21] = 1;
    __builtin_memcpy(out + 22, port->mac, 6);
    __builtin_memcpy(out + 28, port->v4, 4);
    __builtin_memset(out + 32, 0, 6);
    __builtin_memcpy(out + 38, hop, 4);
    len = 42;
  } else {
    /* RFC 4861 7.2.2: to the solicited-node multicast address, with our link-layer address. */
    __u8 group[16] = {0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0xff, 0, 0, 0};
    group[13] = hop[13];
    group[14] = hop[14];
    group[15] = hop[15];
    const __u8 mcast[6] = {0x33, 0x33, 0xff, hop[13], hop[14], hop[15]};
    sl_l2(out, mcast, port, SL_ETH_P_IPV6);
    sl_ipv6_originated(out, 32, IPPROTO_ICMPV6, 255, port->v6, group);
    __u8 *ns = out + 54;
    ns[0] = 135;
    ns[1] = 0;
    ns[2] = ns[3] = 0;
    ns[4] = ns[5] = ns[6] = ns[7] = 0;
    __builtin_memcpy(ns + 8, hop, 16);
    ns[24] = 1;
    ns[25] = 1;
    __builtin_memcpy(ns + 26, port->mac, 6);
    sl_pseudo(s->ck_new, port->v6, group, 32, IPPROTO_ICMPV6);
    __builtin_memcpy(s->ck_new + 40, ns, 32);
    const __s64 sum = bpf_csum_diff(0, 0, (void *)s->ck_new, 72, 0);
    const __u16 ck = (__u16)~sl_fold(sum < 0 ? 0 : (__u64)sum);
    ns[2] = (__u8)ck;
    ns[3] = (__u8)(ck >> 8);
    len = 86;
  }
  if (sl_replace_frame(ctx, out, len, bpf_xdp_get_buff_len(ctx)) < 0) return sl_drop(c, SL_VERDICT_DROP_PIPELINE, SL_PL_NO_NEIGHBOR);
  if (c) {
    c->dropped++;
    c->pipeline_drops[SL_PL_NO_NEIGHBOR]++;
    c->tx_packets++;
    c->tx_bytes += len;
  }
  sl_set_verdict(SL_VERDICT_DROP_PIPELINE, SL_PL_NO_NEIGHBOR, port_id);
  return sl_send_local(ctx, port, port_id);
}

/* --------------------------------------------------------------------------------- ARP */
/* The reply to an ARP request for one of our addresses, as the C++ worker writes it
 * (Worker::handle_arp): to the request's sender hardware address, not the frame's source
 * (RFC 826: "send the packet to the (new) target hardware address"), in the request's VLAN when
 * it came tagged, never padded. `l3` is a constant (14 or 18) so that every offset is one. */
static __always_inline int sl_arp_reply(struct xdp_md *ctx, struct sl_scratch *s, struct sl_xdp_counters *c,
                                        __u32 in_port, const __u32 l3) {
  const __u8 *in = s->in;
  struct sl_xdp_port *port = bpf_map_lookup_elem(&sl_ports, &in_port);
  if (!port) return sl_pass(c, SL_PL_NOT_FOR_US);
  __u8 *o = s->out;
  __builtin_memcpy(o, in + l3 + 8, 6);      /* to the requester's hardware address */
  __builtin_memcpy(o + 6, port->mac, 6);
  if (l3 == 18) __builtin_memcpy(o + 12, in + 12, 4); /* the request's 802.1Q tag */
  o[l3 - 2] = 0x08; o[l3 - 1] = 0x06;
  o[l3 + 0] = 0; o[l3 + 1] = 1; o[l3 + 2] = 0x08; o[l3 + 3] = 0; o[l3 + 4] = 6; o[l3 + 5] = 4;
  o[l3 + 6] = 0; o[l3 + 7] = 2;
  __builtin_memcpy(o + l3 + 8, port->mac, 6);  /* sender: us, the requested address */
  __builtin_memcpy(o + l3 + 14, in + l3 + 24, 4);
  __builtin_memcpy(o + l3 + 18, in + l3 + 8, 6); /* target: the requester */
  __builtin_memcpy(o + l3 + 24, in + l3 + 14, 4);
  const int reply_len = (int)l3 + 28;
  if (bpf_xdp_adjust_tail(ctx, reply_len - (int)s->p.frame_len) < 0) return sl_drop(c, SL_VERDICT_DROP_PIPELINE, SL_PL_NO_BUFFER);
  if (bpf_xdp_store_bytes(ctx, 0, o, (__u32)reply_len) < 0) return sl_drop(c, SL_VERDICT_DROP_PIPELINE, SL_PL_NO_BUFFER);
  if (c) {
    c->arp_replies++;
    c->tx_packets++;
    c->tx_bytes += (__u64)reply_len;
  }
  sl_set_verdict(SL_VERDICT_CONSUMED, 0, in_port);
  return XDP_TX;
}

static __always_inline int sl_arp(struct xdp_md *ctx, struct sl_scratch *s, struct sl_xdp_counters *c,
                                  __u32 in_port) {
  const __u8 *in = s->in;
  /* Untagged or one 802.1Q tag (the parser refuses stacked tags). */
  const __u32 l3 = s->p.l3;
  if (l3 != 14 && l3 != 18) return sl_pass(c, SL_PL_NOT_FOR_US);
  const __u32 sender_ip = l3 + 14;
  /* Learn the sender (requests and replies), as the C++ pipeline does. */
  if (sl_rd32(in, sender_ip) != 0) sl_learn(SL_FAMILY_V4, in + (sender_ip & SL_IN_MASK), 4, in + ((l3 + 8) & SL_IN_MASK), in_port);
  if (sl_rd16(in, l3 + 6) != 1) return sl_pass(c, SL_PL_NOT_FOR_US);
  struct sl_xdp_addr_key k = {};
  __builtin_memcpy(k.addr, in + ((l3 + 24) & SL_IN_MASK), 4);
  k.family = SL_FAMILY_V4;
  struct sl_xdp_own *own = bpf_map_lookup_elem(&sl_own, &k);
  if (!own || (own->answering_port != 0xFFFF && own->answering_port != in_port)) {
    sl_set_verdict(SL_VERDICT_DROP_PIPELINE, SL_PL_NOT_FOR_US, 0);
    return XDP_PASS; /* the kernel may still own it */
  }
  return l3 == 18 ? sl_arp_reply(ctx, s, c, in_port, 18) : sl_arp_reply(ctx, s, c, in_port, 14);
}

#endif /* SLUICE_BPF_XDP_LOCAL_H */
