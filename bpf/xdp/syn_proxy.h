/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The SYN proxy in the XDP program (docs/syn-proxy.md "The SYN proxy: the contract both
 * datapaths and the fixture model follow"; the rules are dataplane/shared/syn_proxy.h and
 * syn_cookie.h, the C++ twin dataplane/pipeline/worker_syn_proxy.cpp):
 *
 *   opening SYN, no flow, engaged   the frame becomes the cookie SYN-ACK, XDP_TX (sl_sp_answer)
 *   ACK, no flow, mode != off       cookie checked; valid: the flow is created as for a SYN and
 *                                   the frame becomes the client's SYN to the backend, forwarded
 *                                   like a SYN (sl_sp_accept, then the normal client path)
 *   backend SYN-ACK, proxied flow   absorbed: the frame becomes the completing ACK (on-connect:
 *                                   with the PROXY header) to the backend (sl_sp_synack)
 *   later segments                  ack/SACK/TSecr/window of the client and seq/TSval/window of
 *                                   the backend translated (sl_sp_translate)
 *
 * Every function with a frame is a global (noinline) subprogram: verified once, whatever the
 * paths of sl_l4 that reach it. Included by bpf/sluice_xdp.bpf.c after tcp.h.
 */
#ifndef SLUICE_BPF_XDP_SYN_PROXY_H
#define SLUICE_BPF_XDP_SYN_PROXY_H

#include "dataplane/shared/syn_cookie.h"
#include "dataplane/shared/syn_proxy.h"

/* packet::mss_for_mtu: the MSS of an MTU-sized packet without options, at least 88. */
static __always_inline __u16 sl_sp_mss_for_mtu(__u32 mtu, __u8 family) {
  const __u32 overhead = family == SL_FAMILY_V4 ? 40 : 60;
  return mtu > overhead + 88 ? (__u16)(mtu - overhead) : 88;
}

/* The cookie's tuple from the frame's conntrack key (client -> VIP, as received). */
static __always_inline void sl_sp_tuple(const struct sl_xdp_ct_key *k, struct sl_syn_cookie_tuple *t) {
  __builtin_memcpy(t->client, k->src, 16);
  __builtin_memcpy(t->vip, k->dst, 16);
  t->client_port = bpf_ntohs(k->sport);
  t->vip_port = bpf_ntohs(k->dport);
  t->family = k->family;
  t->reserved[0] = t->reserved[1] = t->reserved[2] = 0;
}

/* SipHash once per program: the cookie of the SYN in s (s->key is its tuple). */
__attribute__((noinline)) __u32 sl_sp_make_cookie(struct sl_scratch *s, struct sl_xdp_config *cfg, __u32 isn,
                                                  __u32 tick, __u32 mss_index) {
  if (!s || !cfg) return 0;
  struct sl_syn_cookie_tuple t;
  sl_sp_tuple(&s->key, &t);
  const struct sl_syn_cookie_key key = cfg->syn_cookie_key;
  return sl_syn_cookie_make(&key, &t, isn, tick, mss_index);
}

/* The MSS index of a valid cookie (0..7), or -1. */
__attribute__((noinline)) int sl_sp_check_cookie(struct sl_scratch *s, struct sl_xdp_config *cfg, __u32 cookie,
                                                 __u32 isn, __u32 tick) {
  if (!s || !cfg) return -1;
  struct sl_syn_cookie_tuple t;
  sl_sp_tuple(&s->key, &t);
  const struct sl_syn_cookie_key key = cfg->syn_cookie_key;
  __u8 mss_index = 0;
  if (sl_syn_cookie_check(&key, &t, cookie, isn, tick, &mss_index) != SL_COOKIE_OK) return -1;
  return mss_index & 7;
}

/* Is a client SYN to `svc` answered with a cookie on this CPU? */
static __always_inline int sl_sp_is_engaged(const struct sl_xdp_config *cfg, const struct sl_xdp_service *svc) {
  if (svc->syn_proxy == SL_SP_MODE_OFF) return 0;
  const __u32 zero = 0;
  const struct sl_xdp_pressure *pressure = bpf_map_lookup_elem(&sl_pressure, &zero);
  return sl_sp_engaged(svc->syn_proxy, pressure ? pressure->embryonic : 0, cfg->max_embryonic);
}

/* H of the service's PROXY header for the SYN's client (a with-data SYN-ACK's MSS is lowered
 * by it): built in scratch as sl_create_flow builds it (its length does not depend on the flow
 * id), nothing kept. 0 without a header. */
static __always_inline __u16 sl_sp_header_len(struct sl_scratch *s, const struct sl_xdp_config *cfg,
                                              const struct sl_xdp_service *svc) {
  const __u32 sid = svc->id;
  struct pp2_template *tpl = bpf_map_lookup_elem(&sl_templates, &sid);
  if (!tpl) return 0;
  struct sl_build *bld = &s->build;
  sl_header_build_prepare(s, cfg, tpl);
  sl_zero64(bld->hdr.bytes, sizeof(bld->hdr.bytes) / 8);
  const int len = sl_build_header(bld);
  return len > 0 && len <= (int)PP2_HEADER_MAX ? (__u16)len : 0;
}

/* The TCP header's options area replaced by `o` in s->in (up to 20 bytes at l4 + 20), the
 * parse offsets set to the new layout (syn_proxy.h's fixed offsets). */
static __always_inline void sl_sp_write_options(struct sl_parsed *p, __u8 *in, const struct sl_sp_option_bytes *o) {
  const __u32 l4 = p->l4 & SL_IN_MASK;
#pragma clang loop unroll(full)
  for (__u32 i = 0; i < 20; i++) in[l4 + 20 + i] = o->bytes[i];
  const __u32 tl = 20u + (o->len & 0x1c);
  in[l4 + 12] = (__u8)((tl / 4) << 4);
  p->tcp_len = tl;
  p->mss_off = 20;
  p->ts_off = o->len >= 16 ? 26 : 0;
  p->sackp_off = o->len >= 16 && o->bytes[4] == 4 ? 24 : 0;
  p->wscale_off = o->len >= 20 ? 37 : 0;
  p->sack_off = 0;
  p->tfo_off = 0;
}

/* The frame's TCP header now ends at `end` and nothing follows: the parse says so, and a frame
 * shorter than that grows at the tail (sl_forward then trims its padding and moves its front). */
static __always_inline int sl_sp_end_at(struct xdp_md *ctx, struct sl_parsed *p, __u32 end) {
  if (p->frame_len < end) {
    if (bpf_xdp_adjust_tail(ctx, (int)(end - p->frame_len)) < 0) return -1;
    p->frame_len = end;
  }
  p->payload = end;
  p->l3_end = end;
  return 0;
}

/* ---------------------------------------------------------------------- the SYN-ACK */
/* The client's SYN (no flow, proxy engaged) becomes the cookie SYN-ACK, sent back out of the
 * ingress port to the SYN's source MAC (its VLAN tag kept), built from scratch per the spec. */
__attribute__((noinline)) int sl_sp_answer(struct xdp_md *ctx, struct sl_scratch *s, struct sl_xdp_service *svc,
                                           __u32 in_port, __u64 now) {
  const __u32 zero = 0;
  struct sl_xdp_config *cfg = bpf_map_lookup_elem(&sl_config, &zero);
  if (!ctx || !s || !cfg || !svc) return XDP_ABORTED;
  struct sl_xdp_counters *c = bpf_map_lookup_elem(&sl_counters, &zero);
  struct sl_parsed *p = &s->p;
  const struct sl_xdp_ct_key *k = &s->key;
  __u8 *in = s->in;
  __u8 *out = s->out;
  struct sl_xdp_port *port = bpf_map_lookup_elem(&sl_ports, &in_port);
  if (!port) return sl_drop(c, SL_VERDICT_DROP_PIPELINE, SL_PL_NO_ROUTE);
  const int v4 = p->family == SL_FAMILY_V4;
  const __u32 isn = sl_rd32(in, p->l4 + SL_TCPH_SEQ);
  const __u16 syn_mss = p->mss_off ? sl_rd16(in, p->l4 + p->mss_off + 2) : SL_TCP_DEFAULT_MSS;
  const int ts = p->ts_off != 0;
  const __u32 syn_tsval = ts ? sl_rd32(in, p->l4 + p->ts_off + 2) : 0;
  const int sack = p->sackp_off != 0;
  const int has_ws = p->wscale_off != 0;
  const __u8 ws = has_ws ? SL_B(in, p->l4 + p->wscale_off + 2) : 0;
  const __u32 mss_index = sl_cookie_mss_index(syn_mss);
  const __u32 cookie = sl_sp_make_cookie(s, cfg, isn, sl_cookie_tick(now), mss_index);
  const int with_data = (svc->flags & (SL_SVC_PROXY | SL_SVC_WITH_DATA)) == (SL_SVC_PROXY | SL_SVC_WITH_DATA);
  const __u16 H = with_data ? sl_sp_header_len(s, cfg, svc) : 0;
  const __u16 mss = sl_sp_synack_mss(sl_sp_mss_for_mtu(port->mtu ? port->mtu : 0xffff, p->family), H, with_data);
  const __u32 tsval = sl_cookie_ts_encode(sl_sp_ts_now(now), has_ws, ws, sack, 0);
  s->sp_options = sl_sp_options(mss, ts, tsval, syn_tsval, sack, has_ws, SL_SP_WSCALE);
  const struct sl_sp_option_bytes *o = &s->sp_options;

  /* L2: to the SYN's source, from the port; the tag as received. */
  const __u32 tagged = p->l3 == 18;
  __builtin_memcpy(out, in + 6, 6);
  __builtin_memcpy(out + 6, port->mac, 6);
  __u8 *l3_at = out + (tagged ? 4 : 0); /* the IP helpers write at +14 */
  if (tagged) __builtin_memcpy(out + 12, in + 12, 4);
  const __u16 type = v4 ? SL_ETH_P_IPV4 : SL_ETH_P_IPV6;
  l3_at[12] = (__u8)(type >> 8);
  l3_at[13] = (__u8)type;
  const __u32 tl = 20u + (o->len & 0x1c);
  const __u32 ip_len = v4 ? 20 : 40;
  if (v4)
    sl_ipv4_originated(l3_at, (__u16)(20 + tl), IPPROTO_TCP, k->dst, k->src);
  else
    sl_ipv6_originated(l3_at, (__u16)tl, IPPROTO_TCP, 64, k->dst, k->src);
  __u8 *tcp = l3_at + 14 + ip_len;
  __builtin_memcpy(tcp, &k->dport, 2);
  __builtin_memcpy(tcp + 2, &k->sport, 2);
  const __u32 ack = isn + 1;
  tcp[4] = (__u8)(cookie >> 24); tcp[5] = (__u8)(cookie >> 16); tcp[6] = (__u8)(cookie >> 8); tcp[7] = (__u8)cookie;
  tcp[8] = (__u8)(ack >> 24); tcp[9] = (__u8)(ack >> 16); tcp[10] = (__u8)(ack >> 8); tcp[11] = (__u8)ack;
  tcp[12] = (__u8)((tl / 4) << 4);
  tcp[13] = SL_TCP_SYN | SL_TCP_ACK;
  tcp[14] = (__u8)(SL_SP_SYNACK_WINDOW >> 8);
  tcp[15] = (__u8)SL_SP_SYNACK_WINDOW;
  tcp[16] = tcp[17] = tcp[18] = tcp[19] = 0;
#pragma clang loop unroll(full)
  for (__u32 i = 0; i < 20; i++) tcp[20 + i] = o->bytes[i]; /* zeros past o->len */
  /* Full checksum: pseudo header + the header (the zero bytes after the options add nothing). */
  sl_pseudo(s->ck_new, k->dst, k->src, tl, IPPROTO_TCP);
  __builtin_memcpy(s->ck_new + 40, tcp, 40);
  const __s64 sum = bpf_csum_diff(0, 0, (void *)s->ck_new, 80, 0);
  const __u16 ck = (__u16)~sl_fold(sum < 0 ? 0 : (__u64)sum);
  tcp[16] = (__u8)ck;
  tcp[17] = (__u8)(ck >> 8);
  const __u32 len = (tagged ? 18 : 14) + ip_len + tl;
  if (sl_replace_frame(ctx, out, len, p->frame_len) < 0) return sl_drop(c, SL_VERDICT_DROP_PIPELINE, SL_PL_NO_BUFFER);
  const __u32 zero_key = 0;
  __u32 *recent = bpf_map_lookup_elem(&sl_sp_recent, &zero_key);
  if (recent) sl_sp_note_cookie(recent, sl_cookie_tick(now));
  if (c) {
    c->syn_cookies_sent++;
    c->tx_packets++;
    c->tx_bytes += bpf_xdp_get_buff_len(ctx);
  }
  sl_set_verdict(SL_VERDICT_CONSUMED, 0, in_port);
  return sl_send_local(ctx, port, in_port);
}

/* ------------------------------------------------------------------- the completing ACK */
/* An ACK without a flow to a service whose proxy is not off: the cookie checked (ack - 1 as
 * the cookie, seq - 1 as the client's ISN). Valid: its MSS index, and the segment's seq is
 * lowered to the ISN, for sl_create_flow (which reads it) and the SYN to the backend. -1 with
 * s->w.reason otherwise. Separate from the flow's creation: the three calls of the deepest
 * chain (sl_l4 -> sl_create_flow -> sl_build_header) leave no stack for a fourth. */
__attribute__((noinline)) int sl_sp_check_ack(struct sl_scratch *s, __u64 now, __u32 mode) {
  const __u32 zero = 0;
  struct sl_xdp_config *cfg = bpf_map_lookup_elem(&sl_config, &zero);
  if (!s || !cfg) return -1;
  /* "on" checks every such ACK, "auto" only while a recent cookie could be valid; any other is
   * an unknown flow, as without a proxy (sl_sp_checks_ack). */
  const __u32 *recent = bpf_map_lookup_elem(&sl_sp_recent, &zero);
  if (!sl_sp_checks_ack((__u8)mode, recent ? *recent : 0, sl_cookie_tick(now))) {
    s->w.reason = SL_PL_UNKNOWN_TCP_FLOW;
    return -1;
  }
  struct sl_xdp_counters *c = bpf_map_lookup_elem(&sl_counters, &zero);
  struct sl_parsed *p = &s->p;
  __u8 *in = s->in;
  const __u32 seq = sl_rd32(in, p->l4 + SL_TCPH_SEQ);
  const __u32 ack = sl_rd32(in, p->l4 + SL_TCPH_ACK);
  const int index = sl_sp_check_cookie(s, cfg, ack - 1, seq - 1, sl_cookie_tick(now));
  if (index < 0) {
    if (c) c->syn_cookies_failed++;
    s->w.reason = SL_PL_SYN_COOKIE_INVALID;
    return -1;
  }
  if (c) c->syn_cookies_validated++;
  sl_wr32(in, p->l4 + SL_TCPH_SEQ, seq - 1);
  return index;
}

/* The flow `id` was just created from a valid cookie ACK (sl_sp_check_ack): its proxy state,
 * and s->in becomes the client's SYN to the backend (seq c, ack 0, SYN, the decoded options,
 * no payload) for the normal client path. 0, or a PipelineDrop. */
__attribute__((noinline)) int sl_sp_make_syn(struct xdp_md *ctx, struct sl_scratch *s, __u64 id, __u32 mss_index) {
  if (!ctx || !s) return SL_PL_NO_BUFFER;
  const __u32 zero = 0;
  struct sl_xdp_counters *c = bpf_map_lookup_elem(&sl_counters, &zero);
  struct sl_parsed *p = &s->p;
  __u8 *in = s->in;
  struct sl_xdp_flow *f = bpf_map_lookup_elem(&sl_flows, &id);
  if (!f) return SL_PL_NO_BUFFER;
  const __u32 cookie = sl_rd32(in, p->l4 + SL_TCPH_ACK) - 1;
  const __u16 ack_window = sl_rd16(in, p->l4 + SL_TCPH_WINDOW);
  const int has_ts = p->ts_off != 0;
  const __u32 ts_at = p->l4 + p->ts_off;
  const __u32 tsval = has_ts ? sl_rd32(in, ts_at + 2) : 0;
  const __u32 tsecr = has_ts ? sl_rd32(in, ts_at + 6) : 0;
  const __u32 plen = p->l3_end - p->payload;
  struct sl_syn_proxy *sp = &f->syn_proxy;
  sl_sp_init(sp, cookie, (__u8)mss_index, has_ts, tsecr);
  /* What the completing ACK towards the backend will carry (sl_sp_synack): the client's ACK
   * window (its own scale) and timestamps. */
  f->last_client_window = ack_window;
  f->last_client_ts_len = has_ts ? 10 : 0;
  if (has_ts) __builtin_memcpy(f->last_client_ts, in + (ts_at & SL_IN_MASK), 10);

  /* The SYN to the backend. */
  sl_wr32(in, p->l4 + SL_TCPH_ACK, 0);
  SL_B(in, p->l4 + SL_TCPH_FLAGS) = SL_TCP_SYN;
  sl_wr16(in, p->l4 + SL_TCPH_WINDOW, sl_sp_backend_syn_window(sp, ack_window));
  sl_wr16(in, p->l4 + 18, 0);
  s->sp_options = sl_sp_options(sp->client_mss, has_ts, tsval, 0, sp->client_sack,
                                sp->client_wscale != SL_COOKIE_WSCALE_NONE, sp->client_wscale);
  sl_sp_write_options(p, in, &s->sp_options);
  p->tcp_flags = SL_TCP_SYN;
  if (sl_sp_end_at(ctx, p, p->l4 + p->tcp_len) < 0) {
    sl_forget(s, id, f); /* no SYN goes out: nothing to keep */
    return SL_PL_NO_BUFFER;
  }
  if (plen > 0 && c) c->syn_proxy_data_stripped++;
  return 0;
}

/* ------------------------------------------------------------- the backend's SYN-ACK */
/* What sl_sp_synack asks of its caller (sl_l4, which has the stack for the next call). */
#define SL_SP_SEND 0           /* sl_forward the segment built in s->in, verdict consumed */
#define SL_SP_SEND_HEADER (-1) /* sl_header_segment: the resend the engine asked for */
/* > 0: (verdict kind << 8) | reason, a drop */

/* A proxied flow's backend SYN-ACK, after the insertion rules (sl_tcp_backend): the deltas
 * (first one), the tracker, and the frame becomes the segment the client's handshake ACK would
 * have become (seq c+1, ack s+1, on-connect with the PROXY header), for the backend; a
 * retransmitted SYN-ACK gets the header resend the engine asks for, or a bare ACK. */
__attribute__((noinline)) int sl_sp_synack(struct xdp_md *ctx, struct sl_scratch *s, struct sl_xdp_flow *f, __u64 now) {
  if (!ctx || !s || !f) return (SL_VERDICT_DROP_PIPELINE << 8) | SL_PL_NO_BUFFER;
  struct sl_parsed *p = &s->p;
  __u8 *in = s->in;
  struct sl_fwd *w = &s->w;
  struct sl_syn_proxy *sp = &f->syn_proxy;
  const __u32 seq = sl_rd32(in, p->l4 + SL_TCPH_SEQ);
  const int has_ts = p->ts_off != 0;
  const __u32 tsval = has_ts ? sl_rd32(in, p->l4 + p->ts_off + 2) : 0;
  const int first = !(sp->flags & SL_SP_SYNCED);
  if (first) {
    const int has_ws = p->wscale_off != 0;
    const __u8 ws = has_ws ? SL_B(in, p->l4 + p->wscale_off + 2) : 0;
    sl_sp_backend_synack(sp, seq, has_ts, tsval, has_ws, ws);
    sl_track_tcp(f, 0, p->tcp_flags);
    f->last_client_window = sl_sp_client_window(sp, f->last_client_window);
    /* The completing ACK's TSecr echoed the proxy's TSval: in the backend's space it is this
     * SYN-ACK's, which the segment answering it and every header resend carry. */
    if (f->last_client_ts_len && (sp->flags & SL_SP_BOTH_TS)) {
      f->last_client_ts[6] = (__u8)(tsval >> 24);
      f->last_client_ts[7] = (__u8)(tsval >> 16);
      f->last_client_ts[8] = (__u8)(tsval >> 8);
      f->last_client_ts[9] = (__u8)tsval;
    }
  } else if ((f->ins.flags & SL_INS_RESEND_WANTED) && f->ins.header_len > 0) {
    f->ins.flags &= ~SL_INS_RESEND_WANTED;
    f->last_seen_ns = now;
    return SL_SP_SEND_HEADER;
  }
  /* The client segment, in place of the SYN-ACK's TCP header (the IP header is rebuilt as an
   * originated one by sl_forward). */
  /* The first answer: TS(the completing ACK's TSval, this SYN-ACK's TSval); a later one: the
   * last client segment forwarded's window and TS (fixtures README, choices 22 and 23). */
  const __u32 l4 = p->l4 & SL_IN_MASK;
  const int ts = f->last_client_ts_len != 0 && (sp->flags & SL_SP_BOTH_TS);
  const __u32 tl = ts ? 32 : 20;
  const __u32 out_seq = first ? f->ins.client_isn + 1 : sl_ins_forwarded_client_seq(&f->ins, f->ins.client_snd_nxt, 0);
  sl_wr32(in, l4 + SL_TCPH_SEQ, out_seq);
  sl_wr32(in, l4 + SL_TCPH_ACK, seq + 1);
  in[l4 + 12] = (__u8)((tl / 4) << 4);
  in[l4 + SL_TCPH_FLAGS] = SL_TCP_ACK;
  sl_wr16(in, l4 + SL_TCPH_WINDOW, f->last_client_window);
  in[l4 + 18] = in[l4 + 19] = 0;
  if (ts) {
    in[l4 + 20] = 1;
    in[l4 + 21] = 1;
    in[l4 + 22] = 8;
    in[l4 + 23] = 10;
    __builtin_memcpy(in + l4 + 24, f->last_client_ts + 2, 8);
    if (first) sl_wr32(in, l4 + 28, tsval);
  }
  p->tcp_len = tl;
  p->tcp_flags = SL_TCP_ACK;
  p->mss_off = p->sack_off = p->sackp_off = p->wscale_off = p->tfo_off = 0;
  p->ts_off = ts ? 22 : 0;
  if (sl_sp_end_at(ctx, p, l4 + tl) < 0) return (SL_VERDICT_DROP_PIPELINE << 8) | SL_PL_NO_BUFFER;
  w->to_backend = 1;
  w->grow = SL_GROW_NONE;
  w->header_len = 0;
  if (first) {
    /* Through the insertion engine as the client's handshake ACK (on-connect: the header). */
    const __u8 armed_before = f->ins.flags & SL_INS_TIMER_ARMED;
    const int reason = sl_tcp_client(s, f, now);
    if (reason) return (SL_VERDICT_DROP_INSERTION << 8) | (reason & 0xff);
    if (!armed_before && (f->ins.flags & SL_INS_TIMER_ARMED)) {
      const __u8 armed = 1;
      const __u64 id = w->id;
      bpf_map_update_elem(&sl_armed, &id, &armed, BPF_ANY);
    }
    if (w->grow) SL_B(in, l4 + SL_TCPH_FLAGS) = SL_TCP_ACK | SL_TCP_PSH;
    sl_track_tcp(f, 1, SL_TCP_ACK);
  }
  w->originated = 1;
  w->strip_payload = 1; /* a segment built here: summed in full */
  p->ttl = 65;          /* unused: originated segments get TTL 64 */
  f->last_seen_ns = now;
  return SL_SP_SEND;
}

/* ---------------------------------------------------------------------- translations */
/* A synchronised proxied flow's segment: client -> backend before the insertion rules (ack,
 * SACK edges, TSecr, window into the backend's space), backend -> client after them (seq,
 * TSval, window out of it). The checksum follows incrementally (sl_forward's ck_old was taken
 * before). */
__attribute__((noinline)) int sl_sp_translate(struct sl_scratch *s, struct sl_xdp_flow *f, int from_client) {
  if (!s || !f) return 0;
  struct sl_parsed *p = &s->p;
  __u8 *in = s->in;
  const struct sl_syn_proxy *sp = &f->syn_proxy;
  const __u32 l4 = p->l4;
  sl_wr16(in, l4 + SL_TCPH_WINDOW,
          from_client ? sl_sp_client_window(sp, sl_rd16(in, l4 + SL_TCPH_WINDOW))
                      : sl_sp_backend_window(sp, sl_rd16(in, l4 + SL_TCPH_WINDOW)));
  if (from_client) {
    if (p->tcp_flags & SL_TCP_ACK) sl_wr32(in, l4 + SL_TCPH_ACK, sl_sp_client_ack(sp, sl_rd32(in, l4 + SL_TCPH_ACK)));
    if (p->ts_off) sl_wr32(in, l4 + p->ts_off + 6, sl_sp_client_tsecr(sp, sl_rd32(in, l4 + p->ts_off + 6)));
    if (p->sack_off) {
      const __u32 o = l4 + p->sack_off;
      const __u32 len = SL_B(in, o + 1);
      const __u32 blocks = len >= 10 ? (len - 2) >> 3 : 0;
#pragma clang loop unroll(full)
      for (__u32 i = 0; i < 4; i++) {
        if (i < blocks) {
          sl_wr32(in, o + 2 + 8 * i, sl_sp_client_ack(sp, sl_rd32(in, o + 2 + 8 * i)));
          sl_wr32(in, o + 6 + 8 * i, sl_sp_client_ack(sp, sl_rd32(in, o + 6 + 8 * i)));
        }
      }
    }
  } else {
    sl_wr32(in, l4 + SL_TCPH_SEQ, sl_sp_backend_seq(sp, sl_rd32(in, l4 + SL_TCPH_SEQ)));
    if (p->ts_off) sl_wr32(in, l4 + p->ts_off + 2, sl_sp_backend_tsval(sp, sl_rd32(in, l4 + p->ts_off + 2)));
  }
  return 0;
}

#endif /* SLUICE_BPF_XDP_SYN_PROXY_H */
