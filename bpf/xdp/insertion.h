/* SPDX-License-Identifier: Apache-2.0 */
/*
 * TCP PROXY insertion in BPF: the shared state machine (dataplane/shared/tcp_insertion.h, which
 * the C++ engine wraps too) over the flow's state in sl_flows (sl_xdp_flow.ins), with one
 * difference imposed by XDP, which can only send
 * the frame it holds: a header that the C++ pipeline would send as an extra segment (standalone
 * before a segment that cannot grow, or a resend triggered by the backend) is carried by the
 * next client segment at c+1 instead, and a client segment that cannot grow becomes the header
 * segment (its payload is dropped; the client retransmits it). docs/xdp.md lists each case.
 */
#ifndef SLUICE_BPF_XDP_INSERTION_H
#define SLUICE_BPF_XDP_INSERTION_H

#include "bpf/xdp/parse.h"

#include "dataplane/shared/tcp_insertion.h"
#include "dataplane/shared/tcp_rules.h"

/* The shared rules under the short names the program uses. */
#define sl_lt sl_seq_lt
#define sl_le sl_seq_le

static __always_inline __u32 sl_flow_client_seq(const struct sl_xdp_flow *f, __u32 seq) {
  return sl_translate_client_seq(f->ins.client_isn, f->ins.header_len, seq);
}

static __always_inline __u32 sl_flow_server_ack(const struct sl_xdp_flow *f, __u32 x) {
  return sl_translate_server_ack(f->ins.client_isn, f->ins.header_len, x);
}

#define SL_GROW_NONE 0
#define SL_GROW_KEEP 1    /* header prepended to the segment's payload */
#define SL_GROW_REPLACE 2 /* the segment becomes the header segment (payload dropped) */

struct sl_client_decision {
  __u32 seq;
  __u8 grow;
  __u8 strip_payload; /* SYN data (TFO) removed */
  __u8 resend;
};

/* Client -> backend. Returns 0 or an insertion::InsertionDrop value. `egress_mtu` and
 * `egress_ip_len`: the backend side's link and IP header, for growing. The rules are the shared
 * state machine's (tcp_insertion.h); what is XDP's own is where the header goes, since the
 * program can only send the frame it holds:
 *   - a header due on a segment that cannot grow replaces that segment's payload
 *     (SL_GROW_REPLACE; the client retransmits the payload), where C++ sends it standalone;
 *   - with-data, the first header waits for the segment at c+1 (a segment above it is forwarded
 *     without, the backend queues it), where C++ sends it standalone in front;
 *   - a resend the backend asked for (SL_INS_RESEND_WANTED) rides the next client segment at
 *     c+1, or the header timer thread sends it at its next scan. */
static __always_inline int sl_client_segment(struct sl_xdp_flow *f, const __u8 *in, const struct sl_parsed *p,
                                             __u32 egress_mtu, __u32 egress_ip_len, __u64 now,
                                             struct sl_client_decision *d) {
  struct sl_tcp_insertion *s = &f->ins;
  const __u32 seq = sl_rd32(in, p->l4 + SL_TCPH_SEQ);
  const __u32 ack = sl_rd32(in, p->l4 + SL_TCPH_ACK);
  const __u8 flags = p->tcp_flags;
  const __u32 plen = p->l3_end - p->payload;
  const __u32 c1 = sl_ins_stream_start(s);
  d->seq = seq;
  if (flags & SL_TCP_SYN) {
    const int refused = sl_ins_client_syn(s, flags, seq);
    if (refused) return refused;
    d->strip_payload = plen > 0;
    return 0;
  }
  const __u32 seg_len = plen + ((flags & SL_TCP_FIN) ? 1 : 0);
  if (flags & SL_TCP_RST) {
    d->seq = sl_ins_forwarded_client_seq(s, seq, seg_len);
    return 0;
  }
  const int drop = sl_ins_client_accept(s, flags, seq, ack, seg_len);
  if (drop) return drop;

  const int first = sl_ins_header_due_first_time(s, seq, seg_len) && (seq == c1 || !(s->flags & SL_INS_WITH_DATA));
  const int again = !first && seq == c1 &&
                    (sl_ins_client_retransmission(s, seq, seg_len) ||
                     (sl_ins_awaiting_ack(s) && (s->flags & SL_INS_RESEND_WANTED)));
  if (first) sl_ins_mark_sent(s, now);
  if (first || again) {
    const int fits = seq == c1 && sl_header_fits_in_front(plen, p->tcp_len, 0, s->header_len, egress_mtu,
                                                          egress_ip_len, s->backend_mss);
    d->grow = fits ? SL_GROW_KEEP : SL_GROW_REPLACE;
    d->seq = c1;
    d->resend = again;
    s->flags &= ~SL_INS_RESEND_WANTED;
  } else {
    d->seq = sl_ins_forwarded_client_seq(s, seq, seg_len);
  }
  /* A replaced payload never reached the backend: the client's SND.NXT stays. */
  if (d->grow != SL_GROW_REPLACE) sl_ins_record_client_seq(s, seq + seg_len);
  sl_ins_record_client_ack(s, ack);
  return 0;
}

/* True when a SACK block of the segment (as received) ends above `ack`: the backend holds data
 * above a hole that starts at the ack (engine.cpp header_missing_signal). Malformed blocks
 * (left >= right) say nothing. */
static __always_inline int sl_sack_above(const __u8 *in, const struct sl_parsed *p, __u32 ack) {
  if (!p->sack_off) return 0;
  const __u32 o = p->l4 + p->sack_off;
  const __u32 len = SL_B(in, o + 1);
  const __u32 blocks = len >= 10 ? (len - 2) >> 3 : 0;
  int above = 0;
#pragma clang loop unroll(full)
  for (__u32 i = 0; i < 4; i++) {
    if (i < blocks) {
      const __u32 l = sl_rd32(in, o + 2 + 8 * i);
      const __u32 r = sl_rd32(in, o + 6 + 8 * i);
      if (sl_sack_block_above(l, r, ack)) above = 1;
    }
  }
  return above;
}

/* Backend -> client, before the ack/SACK rewrite: the shared state machine
 * (sl_ins_backend_segment); a resend it asks for is recorded for the next client segment or
 * the header timer thread. Returns 0 or an InsertionDrop value. */
static __always_inline int sl_backend_segment(struct sl_xdp_flow *f, const __u8 *in, const struct sl_parsed *p) {
  struct sl_tcp_insertion *s = &f->ins;
  const __u32 seq = sl_rd32(in, p->l4 + SL_TCPH_SEQ);
  const __u32 ack = sl_rd32(in, p->l4 + SL_TCPH_ACK);
  const __u8 flags = p->tcp_flags;
  const __u16 mss = ((flags & SL_TCP_SYN) && p->mss_off) ? sl_rd16(in, p->l4 + p->mss_off + 2) : 0;
  /* SACK blocks matter only while the header is out unacknowledged. */
  const int sack_above = s->header_state == SL_HDR_SENT && (flags & SL_TCP_ACK) && sl_sack_above(in, p, ack);
  const struct sl_ins_backend_result r =
      sl_ins_backend_segment(s, flags, seq, ack, p->l3_end - p->payload, mss, sack_above);
  if (r.resend != SL_RESEND_NONE) s->flags |= SL_INS_RESEND_WANTED;
  return r.drop;
}

#endif /* SLUICE_BPF_XDP_INSERTION_H */
