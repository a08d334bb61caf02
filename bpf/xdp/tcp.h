/* SPDX-License-Identifier: Apache-2.0 */
/*
 * TCP with PROXY insertion: the header segment sent in place, and the client and backend
 * sides of a segment (insertion.h's rules applied to the bytes, MSS, TFO, SACK). The C++
 * twins: dataplane/pipeline/worker_tcp.cpp (tcp_from_client, tcp_from_backend,
 * send_header_segment). Included by bpf/sluice_xdp.bpf.c after forward.h.
 */
#ifndef SLUICE_BPF_XDP_TCP_H
#define SLUICE_BPF_XDP_TCP_H

/* ------------------------------------------------------------------------ TCP and UDP */
static __always_inline __u32 sl_mss_for(__u32 mtu, __u8 family) { return mtu - (family == SL_FAMILY_V4 ? 40 : 60); }

/* The SNAT -> backend address pair of a segment sent towards the backend, as sl_pseudo takes
 * it (an IPv4 address in the first 4 of the 16 bytes, zeros after). */
static __always_inline void sl_backend_pair(const struct sl_xdp_flow *f, int v4, __u8 *src, __u8 *dst) {
  if (v4) {
    __builtin_memcpy(src, f->snat, 4);
    __builtin_memcpy(dst, f->backend, 4);
  } else {
    __builtin_memcpy(src, f->snat, 16);
    __builtin_memcpy(dst, f->backend, 16);
  }
}

/* The header segment towards the backend, built in place of the backend segment that asked for
 * it (dup ACK, SACK or partial ack at c+1, SYN-ACK retransmission): XDP cannot send it in
 * addition, and that segment tells the client nothing it needs (docs/xdp.md). Built like the
 * C++ pipeline's standalone segment (docs/pipeline.md): SNAT -> backend, seq c+1, ack = the
 * client's latest, PSH+ACK, the client's last window and timestamps, payload = the header. */
__attribute__((noinline)) int sl_header_segment(struct xdp_md *ctx, struct sl_scratch *s, struct sl_xdp_flow *f) {
  if (!ctx || !s || !f) return XDP_ABORTED;
  const __u32 zero = 0;
  struct sl_xdp_counters *c = bpf_map_lookup_elem(&sl_counters, &zero);
  const __u64 id = s->w.id;
  struct sl_xdp_header *hdr = bpf_map_lookup_elem(&sl_headers, &id);
  if (!hdr) return sl_drop(c, SL_VERDICT_DROP_PIPELINE, SL_PL_NO_BUFFER);
  const __u32 H = f->ins.header_len & (PP2_HEADER_MAX - 1);
  if (H == 0) return sl_drop(c, SL_VERDICT_DROP_PIPELINE, SL_PL_NO_BUFFER);
  __u32 port_id = 0;
  __u8 mac[6];
  const int rc = sl_resolve(ctx, f->backend_family, f->backend, &port_id, mac);
  if (rc) return sl_drop(c, SL_VERDICT_DROP_PIPELINE, rc);
  struct sl_xdp_port *eport = bpf_map_lookup_elem(&sl_ports, &port_id);
  if (!eport) return sl_drop(c, SL_VERDICT_DROP_PIPELINE, SL_PL_NO_ROUTE);
  __u8 *out = s->out;
  const int v4 = f->backend_family == SL_FAMILY_V4;
  const __u32 ip_len = v4 ? 20 : 40;
  const __u32 tl = f->last_client_ts_len ? 32 : 20;
  const __u32 l4_len = tl + H;
  sl_l2(out, mac, eport, v4 ? SL_ETH_P_IPV4 : SL_ETH_P_IPV6);
  if (v4)
    sl_ipv4_originated(out, (__u16)(20 + l4_len), IPPROTO_TCP, f->snat, f->backend);
  else
    sl_ipv6_originated(out, (__u16)l4_len, IPPROTO_TCP, 64, f->snat, f->backend);
  __u8 *tcp = out + 14 + ip_len;
  __builtin_memcpy(tcp, &f->snat_port, 2);
  __builtin_memcpy(tcp + 2, &f->backend_port, 2);
  const __u32 seq = f->ins.client_isn + 1;
  const __u32 ack = f->ins.client_last_ack;
  tcp[4] = (__u8)(seq >> 24); tcp[5] = (__u8)(seq >> 16); tcp[6] = (__u8)(seq >> 8); tcp[7] = (__u8)seq;
  tcp[8] = (__u8)(ack >> 24); tcp[9] = (__u8)(ack >> 16); tcp[10] = (__u8)(ack >> 8); tcp[11] = (__u8)ack;
  tcp[12] = (__u8)((tl / 4) << 4);
  tcp[13] = SL_TCP_ACK | SL_TCP_PSH;
  tcp[14] = (__u8)(f->last_client_window >> 8);
  tcp[15] = (__u8)f->last_client_window;
  tcp[16] = tcp[17] = tcp[18] = tcp[19] = 0;
  if (tl == 32) {
    tcp[20] = 1;
    tcp[21] = 1;
    __builtin_memcpy(tcp + 22, f->last_client_ts, 10);
  }
  /* Checksum: pseudo header + TCP header + the header bytes (zero beyond H, at an even
   * offset of the segment). */
  __u8 src[16] = {}, dst[16] = {};
  sl_backend_pair(f, v4, src, dst);
  sl_pseudo(s->ck_new, src, dst, l4_len, IPPROTO_TCP);
  __builtin_memcpy(s->ck_new + 40, tcp, 32);
  __u64 sum = 0;
  const __s64 r = bpf_csum_diff(0, 0, (void *)s->ck_new, tl == 32 ? 72 : 60, 0);
  if (r >= 0) sum += (__u32)r;
  sum += sl_sum_body(hdr->bytes, H);
  const __u16 ck = (__u16)~sl_fold(sum);
  tcp[16] = (__u8)ck;
  tcp[17] = (__u8)(ck >> 8);

  /* The held frame becomes exactly headers + H bytes. */
  const __u32 hdrs = 14 + ip_len + tl;
  const int want = (int)(hdrs + H);
  const int have = (int)bpf_xdp_get_buff_len(ctx);
  if (want > have) {
    if (bpf_xdp_adjust_head(ctx, have - want) < 0) return sl_drop(c, SL_VERDICT_DROP_PIPELINE, SL_PL_NO_BUFFER);
  } else if (want < have) {
    if (bpf_xdp_adjust_tail(ctx, want - have) < 0) return sl_drop(c, SL_VERDICT_DROP_PIPELINE, SL_PL_NO_BUFFER);
  }
  if (bpf_xdp_store_bytes(ctx, 0, out, hdrs & SL_IN_MASK) < 0 || bpf_xdp_store_bytes(ctx, hdrs & SL_IN_MASK, hdr->bytes, H) < 0)
    return sl_drop(c, SL_VERDICT_DROP_PIPELINE, SL_PL_NO_BUFFER);
  if (c) {
    c->pp_resent++;
    c->tx_packets++;
    c->tx_bytes += (__u32)want;
  }
  sl_set_verdict(SL_VERDICT_CONSUMED, 0, port_id);
  return sl_send_local(ctx, eport, port_id);
}

/* A backend ACK (neither SYN nor RST) with an unacceptable ack while the flow waits for the
 * SYN-ACK (SYN_SENT; sl_syn_sent_backend_ack) is from an older incarnation of the 4-tuple,
 * typically the backend's TIME_WAIT answering a SYN on a reused SNAT port. The appliance is the backend's TCP peer: it answers as a connecting
 * endpoint does (RFC 9293 section 3.10.7.3), <SEQ=SEG.ACK><CTL=RST>, which ends that TIME_WAIT,
 * and nothing goes to the client. The RST replaces the held frame; its bytes are the C++
 * pipeline's (Worker::reset_stale_backend: SNAT -> backend, ack 0, window 0, no options). */
__attribute__((noinline)) int sl_stale_ack_reset(struct xdp_md *ctx, struct sl_scratch *s, struct sl_xdp_flow *f) {
  if (!ctx || !s || !f) return XDP_ABORTED;
  const __u32 zero = 0;
  struct sl_xdp_counters *c = bpf_map_lookup_elem(&sl_counters, &zero);
  struct sl_parsed *p = &s->p;
  __u32 port_id = 0;
  __u8 mac[6];
  const int rc = sl_resolve(ctx, f->backend_family, f->backend, &port_id, mac);
  if (rc) return sl_drop(c, SL_VERDICT_DROP_PIPELINE, rc);
  struct sl_xdp_port *eport = bpf_map_lookup_elem(&sl_ports, &port_id);
  if (!eport) return sl_drop(c, SL_VERDICT_DROP_PIPELINE, SL_PL_NO_ROUTE);
  const __u32 seg_ack = sl_rd32(s->in, p->l4 + SL_TCPH_ACK);
  __u8 *out = s->out;
  const int v4 = f->backend_family == SL_FAMILY_V4;
  const __u32 ip_len = v4 ? 20 : 40;
  sl_l2(out, mac, eport, v4 ? SL_ETH_P_IPV4 : SL_ETH_P_IPV6);
  if (v4)
    sl_ipv4_originated(out, 40, IPPROTO_TCP, f->snat, f->backend);
  else
    sl_ipv6_originated(out, 20, IPPROTO_TCP, 64, f->snat, f->backend);
  __u8 *tcp = out + 14 + ip_len;
  __builtin_memcpy(tcp, &f->snat_port, 2);
  __builtin_memcpy(tcp + 2, &f->backend_port, 2);
  tcp[SL_TCPH_SEQ] = (__u8)(seg_ack >> 24);
  tcp[SL_TCPH_SEQ + 1] = (__u8)(seg_ack >> 16);
  tcp[SL_TCPH_SEQ + 2] = (__u8)(seg_ack >> 8);
  tcp[SL_TCPH_SEQ + 3] = (__u8)seg_ack;
  tcp[8] = tcp[9] = tcp[10] = tcp[11] = 0; /* ack 0: RST alone */
  tcp[12] = 5 << 4;                        /* 20 bytes, no options */
  tcp[SL_TCPH_FLAGS] = SL_TCP_RST;
  tcp[14] = tcp[15] = tcp[16] = tcp[17] = tcp[18] = tcp[19] = 0;
  __u8 src[16] = {}, dst[16] = {};
  sl_backend_pair(f, v4, src, dst);
  sl_pseudo(s->ck_new, src, dst, 20, IPPROTO_TCP);
  __builtin_memcpy(s->ck_new + 40, tcp, 20);
  const __s64 sum = bpf_csum_diff(0, 0, (void *)s->ck_new, 60, 0);
  const __u16 ck = (__u16)~sl_fold(sum < 0 ? 0 : (__u64)sum);
  tcp[SL_TCPH_CHECKSUM] = (__u8)ck;
  tcp[SL_TCPH_CHECKSUM + 1] = (__u8)(ck >> 8);
  const __u32 len = 14 + ip_len + 20;
  if (sl_replace_frame(ctx, out, len, p->frame_len) < 0) return sl_drop(c, SL_VERDICT_DROP_PIPELINE, SL_PL_NO_BUFFER);
  if (c) {
    c->dropped++;
    c->pipeline_drops[SL_PL_STALE_ACK_TO_SYN]++;
    c->tx_packets++;
    c->tx_bytes += len;
  }
  sl_set_verdict(SL_VERDICT_DROP_PIPELINE, SL_PL_STALE_ACK_TO_SYN, port_id);
  return sl_send_local(ctx, eport, port_id);
}

/* Client -> backend TCP: insertion decisions and option rewrites on s->in, plan in s->w.
 * Returns 0 or an insertion::InsertionDrop value. */
__attribute__((noinline)) int sl_tcp_client(struct sl_scratch *s, struct sl_xdp_flow *f, __u64 now) {
  if (!s || !f) return 0;
  const __u32 zero_key = 0;
  struct sl_xdp_counters *c = bpf_map_lookup_elem(&sl_counters, &zero_key);
  struct sl_parsed *p = &s->p;
  __u8 *in = s->in;
  struct sl_fwd *w = &s->w;
  const __u8 flags = p->tcp_flags;
  if (f->ins.header_len > 0) {
    struct sl_client_decision d = {};
    /* Growing is bounded by the backend side's MTU and its IP header (after translation). */
    const int reason =
        sl_client_segment(f, in, p, f->backend_mtu, f->backend_family == SL_FAMILY_V4 ? 20 : 40, now, &d);
    if (reason) return reason;
    sl_wr32(in, p->l4 + SL_TCPH_SEQ, d.seq);
    if (d.grow) {
      w->grow = d.grow;
      w->header_len = f->ins.header_len;
      if (c) {
        if (d.resend) c->pp_resent++;
        else c->pp_inserted++;
      }
      if (d.grow == SL_GROW_REPLACE) {
        w->strip_payload = 1;
        w->originated = 1;
        SL_B(in, p->l4 + SL_TCPH_FLAGS) = SL_TCP_ACK | SL_TCP_PSH;
      }
    }
    if (d.strip_payload) w->strip_payload = 1;
  }
  if (flags & SL_TCP_SYN) {
    if (f->ins.header_len > 0) sl_strip_tfo(in, p);
    sl_clamp_mss(in, p, sl_mss_for(f->backend_mtu, f->backend_family));
  }
  /* A proxied flow keeps them without a header too (its answers to a retransmitted SYN-ACK
   * carry them), except from its SYN (sl_sp_make_syn): the completing ACK's are kept. */
  const __u8 proxied = f->syn_proxy.flags & SL_SP_PROXIED;
  if ((f->ins.header_len > 0 || proxied) && !((flags & SL_TCP_SYN) && proxied)) {
    f->last_client_window = (__u16)sl_rd16(in, p->l4 + SL_TCPH_WINDOW);
    /* The last client segment's option, or none when it had none (as the C++ flow's
     * client_has_timestamps): a resend never carries a stale TS (found by the differential
     * test: a SYN retransmission without timestamps, then a backend signal). */
    f->last_client_ts_len = 0;
    if (p->ts_off) {
      f->last_client_ts_len = 10;
      const __u32 o = (p->l4 + p->ts_off) & SL_IN_MASK;
      __builtin_memcpy(f->last_client_ts, in + o, 10);
    }
  }
  return 0;
}

/* Backend -> client TCP: ack and SACK translation, SYN-ACK MSS. Returns 0 or a drop value. */
__attribute__((noinline)) int sl_tcp_backend(struct sl_scratch *s, struct sl_xdp_flow *f) {
  if (!s || !f) return 0;
  struct sl_parsed *p = &s->p;
  __u8 *in = s->in;
  const __u8 flags = p->tcp_flags;
  if (f->ins.header_len > 0) {
    const int reason = sl_backend_segment(f, in, p);
    if (reason) return reason;
    if (flags & SL_TCP_ACK) sl_wr32(in, p->l4 + SL_TCPH_ACK, sl_flow_server_ack(f, sl_rd32(in, p->l4 + SL_TCPH_ACK)));
    sl_translate_sack(in, p, f);
    if ((flags & SL_TCP_SYN) && (f->ins.flags & SL_INS_WITH_DATA) && p->mss_off) {
      const __u32 o = p->l4 + p->mss_off + 2;
      const __u32 mss = sl_rd16(in, o);
      /* From the adopted SYN-ACK's MSS, as the engine: a retransmission cannot change it. */
      const __u16 lowered = sl_client_facing_mss(f->ins.backend_mss, f->ins.header_len);
      if (lowered < mss) sl_wr16(in, o, lowered);
    }
  }
  if (flags & SL_TCP_SYN) sl_clamp_mss(in, p, sl_mss_for(f->client_mtu, f->client_family));
  return 0;
}

#endif /* SLUICE_BPF_XDP_TCP_H */
