/* SPDX-License-Identifier: Apache-2.0 */
/*
 * TCP PROXY insertion in BPF: the rules of dataplane/insertion/engine.cpp (docs/resequencing.md)
 * over the flow's state in sl_flows, with one difference imposed by XDP, which can only send
 * the frame it holds: a header that the C++ pipeline would send as an extra segment (standalone
 * before a segment that cannot grow, or a resend triggered by the backend) is carried by the
 * next client segment at c+1 instead, and a client segment that cannot grow becomes the header
 * segment (its payload is dropped; the client retransmits it). docs/xdp.md lists each case.
 */
#ifndef SLUICE_BPF_XDP_INSERTION_H
#define SLUICE_BPF_XDP_INSERTION_H

#include "bpf/xdp/parse.h"

#include "dataplane/shared/tcp_rules.h"

/* The shared rules under the short names the program uses. */
#define sl_lt sl_seq_lt
#define sl_le sl_seq_le

static __always_inline __u32 sl_flow_client_seq(const struct sl_xdp_flow *f, __u32 seq) {
  return sl_translate_client_seq(f->client_isn, f->header_len, seq);
}

static __always_inline __u32 sl_flow_server_ack(const struct sl_xdp_flow *f, __u32 x) {
  return sl_translate_server_ack(f->client_isn, f->header_len, x);
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
 * `egress_ip_len`: the backend side's link and IP header, for growing. */
static __always_inline int sl_client_segment(struct sl_xdp_flow *f, const __u8 *in, const struct sl_parsed *p,
                                             __u32 egress_mtu, __u32 egress_ip_len, __u64 now,
                                             struct sl_client_decision *d) {
  const __u32 seq = sl_rd32(in, p->l4 + SL_TCPH_SEQ);
  const __u32 ack = sl_rd32(in, p->l4 + SL_TCPH_ACK);
  const __u8 flags = p->tcp_flags;
  const __u32 plen = p->l3_end - p->payload;
  const __u32 c1 = f->client_isn + 1;
  d->seq = seq;
  if (flags & SL_TCP_SYN) {
    if (flags & SL_TCP_ACK) return SL_ID_CLIENT_SYN_ACK;
    if (seq != f->client_isn) return SL_ID_CLIENT_SYN_ISN_MISMATCH;
    d->strip_payload = plen > 0;
    return 0;
  }
  if (flags & SL_TCP_RST) {
    const int pending_at_start = f->header_state == SL_HDR_PENDING && seq == c1;
    d->seq = pending_at_start ? seq : sl_flow_client_seq(f, seq);
    return 0;
  }
  const __u32 seg_len = plen + ((flags & SL_TCP_FIN) ? 1 : 0);
  const int was_synchronized = (f->ins_flags & SL_INS_CLIENT_SYNC) != 0;
  const int drop = sl_client_segment_drop(f->client_isn, f->server_isn, f->backend_snd_nxt,
                                          (f->ins_flags & SL_INS_SYNACK_SEEN) != 0, was_synchronized, flags, seq,
                                          ack, seg_len);
  if (drop) return drop;
  f->ins_flags |= SL_INS_CLIENT_SYNC;

  int due = 0;
  if (f->header_state == SL_HDR_PENDING) {
    if (f->ins_flags & SL_INS_WITH_DATA)
      due = seq == c1 && seg_len > 0;
    else
      due = sl_lt(f->server_isn, ack);
  } else if (f->header_state == SL_HDR_SENT && !(f->ins_flags & SL_INS_STOPPED) && seq == c1) {
    if (seg_len > 0 && (f->ins_flags & SL_INS_CLIENT_SENT_DATA)) due = 2; /* client retransmission */
    if (f->ins_flags & SL_INS_RESEND_WANTED) due = 2;                   /* backend asked */
  }
  if (due) {
    const int fits = seq == c1 && sl_header_fits_in_front(plen, p->tcp_len, 0, f->header_len, egress_mtu,
                                                          egress_ip_len, f->backend_mss);
    d->grow = fits ? SL_GROW_KEEP : SL_GROW_REPLACE;
    d->seq = c1;
    d->resend = due == 2;
    if (f->header_state == SL_HDR_PENDING) {
      f->header_state = SL_HDR_SENT;
      f->deadline_ns = now + sl_header_rto_ns(0);
      f->ins_flags |= SL_INS_TIMER_ARMED | SL_INS_FAST_RESEND;
    }
    f->ins_flags &= ~SL_INS_RESEND_WANTED;
  } else if (f->header_state == SL_HDR_PENDING && seq == c1 && seg_len == 0) {
    d->seq = seq; /* with-data: zero-length at c+1 before the header exists stays at c+1 */
  } else {
    d->seq = sl_flow_client_seq(f, seq);
  }
  /* Record the client's position (give-up RSTs, retransmission detection). */
  if (d->grow != SL_GROW_REPLACE) {
    f->client_snd_nxt = sl_seq_advance(f->client_snd_nxt, seq + seg_len);
    if (sl_lt(c1, f->client_snd_nxt)) f->ins_flags |= SL_INS_CLIENT_SENT_DATA;
  }
  /* The client's RCV.NXT only moves forward (the C++ engine's advance_to): a reordered old
   * ACK must not lower the seq of the give-up RST, which an RFC 5961 receiver would answer
   * with a challenge ACK instead of closing. The first synchronized segment sets it. */
  f->client_last_ack = was_synchronized ? sl_seq_advance(f->client_last_ack, ack) : ack;
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

/* Backend -> client, before the ack/SACK rewrite. Returns 0 or an InsertionDrop value. */
static __always_inline int sl_backend_segment(struct sl_xdp_flow *f, const __u8 *in, const struct sl_parsed *p) {
  const __u32 seq = sl_rd32(in, p->l4 + SL_TCPH_SEQ);
  const __u32 ack = sl_rd32(in, p->l4 + SL_TCPH_ACK);
  const __u8 flags = p->tcp_flags;
  const __u32 plen = p->l3_end - p->payload;
  const __u32 c1 = f->client_isn + 1;
  if (flags & SL_TCP_SYN) {
    if (!(flags & SL_TCP_ACK)) return SL_ID_BACKEND_SYN_WITHOUT_ACK;
    if (ack != c1) return SL_ID_BACKEND_SYN_ACK_MISMATCH;
    if ((f->ins_flags & SL_INS_SYNACK_SEEN) && seq != f->server_isn) {
      if (f->ins_flags & SL_INS_CLIENT_SYNC) return SL_ID_BACKEND_SYN_ACK_MISMATCH;
    } else if ((f->ins_flags & SL_INS_SYNACK_SEEN) && f->header_state == SL_HDR_SENT &&
               !(f->ins_flags & SL_INS_STOPPED)) {
      f->ins_flags |= SL_INS_RESEND_WANTED; /* SYN-ACK retransmission: the header was lost */
    }
    /* A SYN-ACK adopted (the first, or a restarted handshake): the backend's RCV.NXT is c+1
     * until it acknowledges more (the give-up RST to the backend carries it, engine.cpp). */
    /* A retransmission of the adopted one (same ISN) changes nothing: the backend's SND.NXT
     * stays where its data took it and its MSS stays the first one (engine.cpp backend_syn;
     * resetting SND.NXT here refused the client's later ACKs as acks of unsent data, found
     * by the differential test). */
    if (!(f->ins_flags & SL_INS_SYNACK_SEEN) || seq != f->server_isn) {
      f->backend_last_ack = c1;
      f->client_last_ack = seq + 1;
      f->server_isn = seq;
      f->backend_snd_nxt = seq + 1;
      f->backend_mss = p->mss_off ? sl_rd16(in, p->l4 + p->mss_off + 2) : SL_TCP_DEFAULT_MSS;
    }
    f->ins_flags |= SL_INS_SYNACK_SEEN;
    return 0;
  }
  if (!(f->ins_flags & SL_INS_SYNACK_SEEN) && !(flags & SL_TCP_RST)) return SL_ID_BACKEND_NOT_SYNCHRONIZED;
  if (flags & SL_TCP_RST) f->ins_flags |= SL_INS_STOPPED;
  f->backend_snd_nxt = sl_seq_advance(f->backend_snd_nxt, seq + plen + ((flags & SL_TCP_FIN) ? 1 : 0));
  if (!(flags & SL_TCP_ACK)) return 0;
  f->backend_last_ack = sl_seq_advance(f->backend_last_ack, ack);
  if (f->header_state == SL_HDR_SENT) {
    if (sl_le(c1 + f->header_len, ack)) {
      f->header_state = SL_HDR_ACKED;
      f->ins_flags &= ~(SL_INS_TIMER_ARMED | SL_INS_RESEND_WANTED);
    } else if (!(f->ins_flags & SL_INS_STOPPED) && (f->ins_flags & SL_INS_FAST_RESEND)) {
      const __u32 signal = sl_header_missing_signal(f->client_isn, ack, flags, plen, sl_sack_above(in, p, ack));
      if (signal != SL_RESEND_NONE) f->ins_flags = (f->ins_flags | SL_INS_RESEND_WANTED) & ~SL_INS_FAST_RESEND;
    }
  }
  return 0;
}

#endif /* SLUICE_BPF_XDP_INSERTION_H */
