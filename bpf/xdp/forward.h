/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Forwarding: the new L2/L3/L4 headers of a frame towards one side (full-NAT, family
 * translation, PROXY growth), checksums, the frame's front and tail moved, the redirect; and the
 * TCP option rewrites (MSS clamp, TFO strip, SACK translation). The C++ twins:
 * dataplane/pipeline/worker.cpp (nat_to_backend/nat_to_client, deliver), packet/tcp_rewrite.
 * Included by bpf/sluice_xdp.bpf.c after flow.h.
 */
#ifndef SLUICE_BPF_XDP_FORWARD_H
#define SLUICE_BPF_XDP_FORWARD_H

/* ----------------------------------------------------------------------- forwarding */
/* Copies the pseudo header + L4 header (checksum zeroed) into ck. */
static __always_inline void sl_ck_block(__u8 *ck, const __u8 *l4hdr_src, __u32 l4_off, const __u8 *src, const __u8 *dst,
                                        __u32 l4_len, __u8 proto, __u32 csum_off) {
  sl_pseudo(ck, src, dst, l4_len, proto);
  const __u32 o = l4_off & SL_IN_MASK;
  __builtin_memcpy(ck + 40, l4hdr_src + o, 64);
  ck[40 + csum_off] = 0;
  ck[40 + csum_off + 1] = 0;
}

/* The received pseudo header + L4 header, before any rewrite: the "from" side of the
 * incremental checksum update. */
static __always_inline void sl_capture_old(struct sl_scratch *s) {
  struct sl_parsed *p = &s->p;
  const __u8 *in = s->in;
  const __u32 csum_off = p->protocol == IPPROTO_TCP ? SL_TCPH_CHECKSUM : SL_UDPH_CHECKSUM;
  const __u8 *old_src = in + ((p->l3 + (p->family == SL_FAMILY_V4 ? 12 : 8)) & SL_IN_MASK);
  const __u8 *old_dst = in + ((p->l3 + (p->family == SL_FAMILY_V4 ? 16 : 24)) & SL_IN_MASK);
  __u8 osrc[16] = {}, odst[16] = {};
  if (p->family == SL_FAMILY_V4) {
    __builtin_memcpy(osrc, old_src, 4);
    __builtin_memcpy(odst, old_dst, 4);
  } else {
    __builtin_memcpy(osrc, old_src, 16);
    __builtin_memcpy(odst, old_dst, 16);
  }
  s->old_csum = (__u16)(SL_B(in, p->l4 + csum_off) | (SL_B(in, p->l4 + csum_off + 1) << 8));
  sl_ck_block(s->ck_old, in, p->l4, osrc, odst, p->l3_end - p->l4, p->protocol, csum_off);
}

/* Rewrites the frame in s->in for flow f towards one side and redirects it. The L4 header in
 * s->in already carries the new seq/ack/options; ports and addresses are set here. */
__attribute__((noinline)) int sl_forward(struct xdp_md *ctx, struct sl_scratch *s, struct sl_xdp_flow *f) {
  if (!ctx || !s || !f) return XDP_ABORTED;
  const __u32 zero_key = 0;
  struct sl_xdp_counters *c = bpf_map_lookup_elem(&sl_counters, &zero_key);
  struct sl_fwd *w = &s->w;
  struct sl_parsed *p = &s->p;
  __u8 *in = s->in;
  __u8 *out = s->out;
  const __u8 in_family = p->family;
  const __u8 out_family = w->to_backend ? f->backend_family : f->client_family;
  const __u8 *src = w->to_backend ? f->snat : f->vip;
  const __u8 *dst = w->to_backend ? f->backend : f->client;
  const __u16 sport = w->to_backend ? f->snat_port : f->vip_port;
  const __u16 dport = w->to_backend ? f->backend_port : f->client_port;
  const __u32 csum_off = p->protocol == IPPROTO_TCP ? SL_TCPH_CHECKSUM : SL_UDPH_CHECKSUM;
  const __u32 tl = p->tcp_len & 0x7c;
  const __u32 plen = p->l3_end - p->payload;
  const __u32 kept_payload = w->strip_payload ? 0 : plen;
  const __u32 H = w->grow ? w->header_len : 0;
  const __u32 l4_len_new = tl + kept_payload + H;

  /* Egress and the next hop's MAC. */
  __u32 port = 0;
  __u8 mac[6];
  int rc = sl_resolve_hop(ctx, out_family, dst, &port, mac, s->hop);
  if (rc == SL_PL_NO_NEIGHBOR) return sl_solicit(ctx, s, out_family, port);
  if (rc) return sl_drop(c, SL_VERDICT_DROP_PIPELINE, rc);
  struct sl_xdp_port *eport = bpf_map_lookup_elem(&sl_ports, &port);
  if (!eport) return sl_drop(c, SL_VERDICT_DROP_PIPELINE, SL_PL_NO_ROUTE);

  /* The new L4 header: ports (s->ck_old was taken before any L4 change). */
  const __u16 old_csum = s->old_csum;
  sl_wr16(in, p->l4, bpf_ntohs(sport));
  sl_wr16(in, p->l4 + 2, bpf_ntohs(dport));
  if (p->protocol == IPPROTO_UDP) sl_wr16(in, p->l4 + SL_UDPH_LENGTH, (__u16)l4_len_new);

  /* L2: the tag as received, the new ethertype. */
  __builtin_memcpy(out, mac, 6);
  __builtin_memcpy(out + 6, eport->mac, 6);
  __u32 l3 = p->l3 & 0x1f;
  if (l3 == 18) __builtin_memcpy(out + 12, in + 12, 4);
  sl_wr16(out, l3 - 2, out_family == SL_FAMILY_V4 ? SL_ETH_P_IPV4 : SL_ETH_P_IPV6);

  /* L3. */
  __u32 ip_len;
  if (out_family == SL_FAMILY_V4) {
    if (in_family == SL_FAMILY_V4) {
      ip_len = (p->l4 - p->l3) & 0x3c;
      __builtin_memcpy(out + l3, in + l3, 60);
    } else {
      ip_len = 20;
      out[l3] = 0x45;
      out[l3 + 1] = p->tos;
      sl_wr16(out, l3 + 4, 0);
      sl_wr16(out, l3 + 6, 0x4000); /* RFC 7915 5.1: ID 0, DF */
    }
    sl_wr16(out, l3 + 2, (__u16)(ip_len + l4_len_new));
    out[(l3 + 8) & SL_IN_MASK] = p->ttl - 1;
    out[(l3 + 9) & SL_IN_MASK] = p->protocol;
    out[(l3 + 10) & SL_IN_MASK] = 0;
    out[(l3 + 11) & SL_IN_MASK] = 0;
    __builtin_memcpy(out + l3 + 12, src, 4);
    __builtin_memcpy(out + l3 + 16, dst, 4);
    if (ip_len < 20) ip_len = 20;
    const __s64 sum = bpf_csum_diff(0, 0, (void *)(out + l3), ip_len, 0);
    const __u16 ck = (__u16)~sl_fold(sum < 0 ? 0 : (__u64)sum);
    out[(l3 + 10) & SL_IN_MASK] = (__u8)ck;
    out[(l3 + 11) & SL_IN_MASK] = (__u8)(ck >> 8);
  } else {
    ip_len = 40;
    if (in_family == SL_FAMILY_V6) {
      __builtin_memcpy(out + l3, in + l3, 8); /* version, traffic class, flow label kept */
    } else {
      out[l3] = (__u8)(0x60 | (p->tos >> 4));
      out[(l3 + 1) & SL_IN_MASK] = (__u8)(p->tos << 4);
      out[(l3 + 2) & SL_IN_MASK] = 0;
      out[(l3 + 3) & SL_IN_MASK] = 0;
    }
    sl_wr16(out, l3 + 4, (__u16)l4_len_new);
    out[(l3 + 6) & SL_IN_MASK] = p->protocol;
    out[(l3 + 7) & SL_IN_MASK] = p->ttl - 1;
    __builtin_memcpy(out + l3 + 8, src, 16);
    __builtin_memcpy(out + l3 + 24, dst, 16);
  }
  if (w->originated) {
    /* The segment became the header segment: the appliance's own IP fields (fixtures README,
     * choice 7), as the C++ pipeline's standalone segment. */
    __u8 *l3_at = out + (l3 == 18 ? 4 : 0); /* the helpers write at +14 */
    if (out_family == SL_FAMILY_V4) {
      ip_len = 20;
      sl_ipv4_originated(l3_at, (__u16)(20 + l4_len_new), p->protocol, src, dst);
    } else {
      sl_ipv6_originated(l3_at, (__u16)l4_len_new, p->protocol, 64, src, dst);
    }
  }
  const __u32 l4_out = (l3 + ip_len) & SL_IN_MASK;
  __builtin_memcpy(out + l4_out, in + (p->l4 & SL_IN_MASK), 60);
  const __u32 new_hdrs = l4_out + tl;

  /* L4 checksum. */
  __u8 nsrc[16] = {}, ndst[16] = {};
  if (out_family == SL_FAMILY_V4) {
    __builtin_memcpy(nsrc, src, 4);
    __builtin_memcpy(ndst, dst, 4);
  } else {
    __builtin_memcpy(nsrc, src, 16);
    __builtin_memcpy(ndst, dst, 16);
  }
  sl_ck_block(s->ck_new, out, l4_out, nsrc, ndst, l4_len_new, p->protocol, csum_off);
  const int udp_no_csum = p->protocol == IPPROTO_UDP && old_csum == 0;
  const int full = H > 0 || w->strip_payload || (udp_no_csum && out_family == SL_FAMILY_V6);
  __u16 new_csum = 0;
  const __u32 ck_len = (40 + tl) & 0x7c;
  if (full) {
    __u64 sum = 0;
    __s64 r = bpf_csum_diff(0, 0, (void *)s->ck_new, ck_len < 48 ? 48 : ck_len, 0);
    if (r >= 0) sum += (__u32)r;
    if (H > 0) {
      const __u64 id = w->id;
      struct sl_xdp_header *hdr = bpf_map_lookup_elem(&sl_headers, &id);
      if (!hdr) return sl_drop(c, SL_VERDICT_DROP_PIPELINE, SL_PL_NO_BUFFER);
      /* Header bytes beyond len are zero (sl_create_flow zeroes before building). */
      sum += sl_sum_body(hdr->bytes, H & (PP2_HEADER_MAX - 1));
    }
    if (kept_payload > 0) {
      if (kept_payload > SL_BODY_MAX) return sl_drop(c, SL_VERDICT_DROP_PIPELINE, SL_PL_NO_BUFFER);
      const __u32 n = kept_payload & SL_BODY_MASK;
      if (n == 0 || bpf_xdp_load_bytes(ctx, p->payload, s->body, n) < 0)
        return sl_drop(c, SL_VERDICT_DROP_PIPELINE, SL_PL_NO_BUFFER);
      s->body[n] = 0;
      s->body[n + 1] = 0;
      s->body[n + 2] = 0;
      const __u16 psum = sl_fold(sl_sum_body(s->body, n));
      sum += (H & 1) ? sl_swab16(psum) : psum;
    }
    new_csum = (__u16)~sl_fold(sum);
    if (p->protocol == IPPROTO_UDP && new_csum == 0) new_csum = 0xffff;
  } else if (udp_no_csum) {
    new_csum = 0;
  } else {
    const __s64 r = bpf_csum_diff((void *)s->ck_old, ck_len < 48 ? 48 : ck_len, (void *)s->ck_new,
                                  ck_len < 48 ? 48 : ck_len, (__u32)(__u16)~old_csum);
    new_csum = (__u16)~sl_fold(r < 0 ? 0 : (__u64)(__u32)r);
    if (p->protocol == IPPROTO_UDP && new_csum == 0) new_csum = 0xffff;
  }
  out[(l4_out + csum_off) & SL_IN_MASK] = (__u8)new_csum;
  out[(l4_out + csum_off + 1) & SL_IN_MASK] = (__u8)(new_csum >> 8);

  /* Frame surgery: drop padding (and a stripped payload), move the front, store. */
  const __u32 frame_len = p->frame_len;
  const __u32 trim = frame_len - p->l3_end + (w->strip_payload ? plen : 0);
  if (trim > 0 && bpf_xdp_adjust_tail(ctx, -(int)trim) < 0) return sl_drop(c, SL_VERDICT_DROP_PIPELINE, SL_PL_NO_BUFFER);
  const int delta = (int)(new_hdrs + H) - (int)p->payload;
  if (delta != 0 && bpf_xdp_adjust_head(ctx, -delta) < 0) return sl_drop(c, SL_VERDICT_DROP_PARSE, SL_PD_NO_BUFFER_ROOM);
  const __u32 store = new_hdrs & SL_IN_MASK;
  if (store < 14 || bpf_xdp_store_bytes(ctx, 0, out, store) < 0) return sl_drop(c, SL_VERDICT_DROP_PIPELINE, SL_PL_NO_BUFFER);
  if (H > 0) {
    const __u64 id = w->id;
    struct sl_xdp_header *hdr = bpf_map_lookup_elem(&sl_headers, &id);
    const __u32 n = H & (PP2_HEADER_MAX - 1);
    if (!hdr || n == 0 || bpf_xdp_store_bytes(ctx, store, hdr->bytes, n) < 0)
      return sl_drop(c, SL_VERDICT_DROP_PIPELINE, SL_PL_NO_BUFFER);
  }

  if (c) {
    c->tx_packets++;
    c->tx_bytes += bpf_xdp_get_buff_len(ctx);
  }
  sl_set_verdict(SL_VERDICT_FORWARD, 0, port);
  if (eport->ifindex == ctx->ingress_ifindex) return XDP_TX;
  return bpf_redirect_map(&sl_tx_ports, port, 0);
}

/* ------------------------------------------------------------------- TCP option rewrites */
static __always_inline void sl_clamp_mss(__u8 *in, const struct sl_parsed *p, __u32 limit) {
  if (!p->mss_off) return;
  const __u32 o = p->l4 + p->mss_off + 2;
  if (sl_rd16(in, o) > limit) sl_wr16(in, o, (__u16)limit);
}

/* TFO (kind 34 / experimental 254) becomes NOPs, as long as it is. */
static __always_inline void sl_strip_tfo(__u8 *in, const struct sl_parsed *p) {
  if (!p->tfo_off) return;
  const __u32 o = p->l4 + p->tfo_off;
  const __u32 len = SL_B(in, o + 1);
#pragma clang loop unroll(full)
  for (__u32 i = 0; i < 40; i++)
    if (i < len) SL_B(in, o + i) = 1;
}

/* Backend SACK blocks: translated by -H; blocks that covered only header bytes removed, the
 * survivors first, the option shortened, freed bytes NOPs (fixtures README, choice 3). */
static __always_inline void sl_translate_sack(__u8 *in, const struct sl_parsed *p, const struct sl_xdp_flow *f) {
  if (!p->sack_off) return;
  const __u32 o = p->l4 + p->sack_off;
  const __u32 len = SL_B(in, o + 1);
  const __u32 blocks = (len - 2) / 8;
  __u32 kept = 0;
#pragma clang loop unroll(full)
  for (__u32 i = 0; i < 4; i++) {
    if (i < blocks) {
      __u32 l = sl_rd32(in, o + 2 + 8 * i);
      __u32 r = sl_rd32(in, o + 6 + 8 * i);
      if (sl_translate_sack_block(f->ins.client_isn, f->ins.header_len, &l, &r)) {
        sl_wr32(in, o + 2 + 8 * kept, l);
        sl_wr32(in, o + 6 + 8 * kept, r);
        kept++;
      }
    }
  }
  if (kept == blocks) return;
  const __u32 new_len = kept ? 2 + 8 * kept : 0;
  if (kept) SL_B(in, o + 1) = (__u8)new_len;
#pragma clang loop unroll(full)
  for (__u32 i = 0; i < 34; i++)
    if (i >= new_len && i < len) SL_B(in, o + i) = 1;
}

#endif /* SLUICE_BPF_XDP_FORWARD_H */
