/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The PROXY-header insertion state machine of a TCP flow, once, for both datapaths: the C++
 * insertion engine (dataplane/insertion/engine.cpp) is a typed wrapper around these functions,
 * the XDP program (bpf/xdp/insertion.h) keeps the same struct inside its flow record
 * (sl_xdp_flow.ins) and calls them, and the XDP header timer (dataplane/xdp/header_timer.cpp)
 * runs sl_ins_on_timer over the map value. docs/resequencing.md explains every rule; docs/xdp.md
 * lists what each shell adds around them (XDP can only send the frame it holds).
 *
 * Pure C over one plain struct: sequence numbers in host order, time passed in (ns), no maps,
 * no I/O. Compiled by g++ (C++20, -Wconversion) and clang -target bpf.
 *
 *   state               struct sl_tcp_insertion, sl_ins_init
 *   client -> backend   sl_ins_client_syn, sl_ins_client_accept, sl_ins_header_due_first_time,
 *                       sl_ins_client_retransmission, sl_ins_record_client_{seq,ack},
 *                       sl_ins_mark_sent, sl_ins_forwarded_client_seq
 *   backend -> client   sl_ins_backend_segment, sl_header_missing_signal
 *   header timer        sl_ins_on_timer, sl_ins_timer_armed, sl_ins_timer_step,
 *                       sl_ins_give_up_resets
 */
#ifndef SLUICE_DATAPLANE_SHARED_TCP_INSERTION_H
#define SLUICE_DATAPLANE_SHARED_TCP_INSERTION_H

#include "dataplane/shared/c_compat.h"
#include "dataplane/shared/tcp_rules.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The header's delivery state (C name, C++ enumerator, value, name as `show conntrack` prints
 * it, spec cli-console.md). "none": the flow sends no header (UDP flows keep their first /
 * every datagram progress in the same field). */
#define SL_HEADER_STATE_LIST(X)                                        \
  X(SL_HDR_NONE, kNone, 0, "none")                                     \
  X(SL_HDR_PENDING, kPending, 1, "pending") /* not sent yet */          \
  X(SL_HDR_SENT, kSent, 2, "sent")          /* sent, not acknowledged */ \
  X(SL_HDR_ACKED, kAcked, 3, "acked")       /* the backend acknowledged c+1+H */

/* Why the header is sent again (spec proxy-protocol.md, TCP item 5); insertion::ResendCause. */
#define SL_RESEND_CAUSE_LIST(X)                                                                     \
  X(SL_RESEND_NONE, kNone, 0, "none")                                                               \
  X(SL_RESEND_CLIENT_RETRANSMISSION, kClientRetransmission, 1, "client_retransmission")             \
  X(SL_RESEND_BACKEND_PARTIAL_ACK, kBackendPartialAck, 2, "backend_partial_ack")                    \
  X(SL_RESEND_BACKEND_SACK, kBackendSack, 3, "backend_sack")                                        \
  X(SL_RESEND_BACKEND_DUPLICATE_ACK, kBackendDuplicateAck, 4, "backend_duplicate_ack")              \
  X(SL_RESEND_BACKEND_SYN_ACK, kBackendSynAckRetransmission, 5, "backend_syn_ack_retransmission")   \
  X(SL_RESEND_TIMER, kTimer, 6, "timer")

/* What a header timer expiry does; insertion::TimerAction. */
#define SL_TIMER_ACTION_LIST(X)                 \
  X(SL_TIMER_NOTHING, kNothing, 0, "nothing")   \
  X(SL_TIMER_RESEND, kResend, 1, "resend")      \
  X(SL_TIMER_GIVE_UP, kGiveUp, 2, "give_up")

enum { SL_HEADER_STATE_LIST(SL_ABI_CONSTANT) SL_HEADER_STATE_COUNT = 0 SL_HEADER_STATE_LIST(SL_ABI_COUNT) };
enum { SL_RESEND_CAUSE_LIST(SL_ABI_CONSTANT) SL_RESEND_CAUSE_COUNT = 0 SL_RESEND_CAUSE_LIST(SL_ABI_COUNT) };
enum { SL_TIMER_ACTION_LIST(SL_ABI_CONSTANT) SL_TIMER_ACTION_COUNT = 0 SL_TIMER_ACTION_LIST(SL_ABI_COUNT) };

/* One flow's insertion state. Six sequence numbers (the two ISNs and each side's SND.NXT and
 * RCV.NXT, which the give-up RSTs need so that the peers accept them, RFC 5961 section 3), the
 * header timer's deadline, H, the backend's MSS and three bytes of state: 40 bytes, so that a
 * million C++ flows cost 40 MB for it and the XDP flow record stays 160 bytes. */
struct sl_tcp_insertion {
  uint32_t client_isn;       /* c */
  uint32_t server_isn;       /* s (valid with SL_INS_SYNACK_SEEN) */
  uint32_t client_snd_nxt;   /* highest client seq + length seen (client's SND.NXT) */
  uint32_t client_last_ack;  /* highest client ack seen (client's RCV.NXT) */
  uint32_t backend_snd_nxt;  /* highest backend seq + length seen (backend's SND.NXT) */
  uint32_t backend_last_ack; /* highest backend ack seen (backend's RCV.NXT) */
  uint64_t deadline_ns;      /* header timer (valid with SL_INS_TIMER_ARMED) */
  uint16_t header_len;       /* H; 0: no header */
  uint16_t backend_mss;      /* from the SYN-ACK (SL_TCP_DEFAULT_MSS when absent) */
  uint8_t header_state;      /* SL_HDR_* */
  uint8_t flags;             /* SL_INS_* (tcp_rules.h) */
  uint8_t timer_resends;     /* timer resends so far (0..SL_HEADER_MAX_TIMER_RESENDS) */
  uint8_t reserved;
};
SLUICE_STATIC_ASSERT(sizeof(struct sl_tcp_insertion) == 40, "sl_tcp_insertion size");
SLUICE_STATIC_ASSERT(SLUICE_OFFSETOF(struct sl_tcp_insertion, deadline_ns) == 24, "sl_tcp_insertion.deadline_ns");
SLUICE_STATIC_ASSERT(SLUICE_OFFSETOF(struct sl_tcp_insertion, header_state) == 36, "sl_tcp_insertion.header_state");

/* One RST|ACK's numbers, in the receiver's sequence space. */
struct sl_ins_reset {
  uint32_t seq;
  uint32_t ack;
};

/* What one backend segment did to the state. `resend` != SL_RESEND_NONE: the header must go
 * to the backend again (the C++ pipeline sends it at once; the XDP program carries it in place
 * or leaves it to the header timer thread, SL_INS_RESEND_WANTED). */
struct sl_ins_backend_result {
  uint8_t drop;      /* 0 or SL_ID_* */
  uint8_t resend;    /* SL_RESEND_* */
  uint8_t acked_now; /* this segment moved the header to SL_HDR_ACKED */
  uint8_t reserved;
};

/* ---------------------------------------------------------------------------------- state */
/* A flow from the client's SYN with ISN `client_isn`: header pending, nothing seen of the
 * backend yet (its MSS assumed to be 536 until the SYN-ACK says otherwise). */
SLUICE_INLINE void sl_ins_init(struct sl_tcp_insertion *s, uint32_t client_isn, uint16_t header_len, int with_data) {
  s->client_isn = client_isn;
  s->server_isn = 0;
  s->client_snd_nxt = client_isn + 1u;
  s->client_last_ack = 0;
  s->backend_snd_nxt = 0;
  s->backend_last_ack = 0;
  s->deadline_ns = 0;
  s->header_len = header_len;
  s->backend_mss = SL_TCP_DEFAULT_MSS;
  s->header_state = SL_HDR_PENDING;
  s->flags = SLUICE_CAST(uint8_t, with_data ? SL_INS_WITH_DATA : 0u);
  s->timer_resends = 0;
  s->reserved = 0;
}

SLUICE_INLINE uint32_t sl_ins_stream_start(const struct sl_tcp_insertion *s) { return s->client_isn + 1u; }

/* The header is out and this engine still owns its delivery. */
SLUICE_INLINE int sl_ins_awaiting_ack(const struct sl_tcp_insertion *s) {
  return s->header_state == SL_HDR_SENT && !(s->flags & SL_INS_STOPPED);
}

/* ------------------------------------------------------------------------ client -> backend */
/* The client's SYN, first or retransmitted: 0 to forward it (its slot precedes the header, so
 * it is never shifted; SYN data is stripped by the caller, spec TCP item 1), or why not:
 *   SYN+ACK      a client has no SYN-ACK to send to a listening backend (no simultaneous open)
 *   another ISN  a new connection on the same 4-tuple: conntrack decides, this flow must not
 *                forward it (every translation would desynchronize). */
SLUICE_INLINE int sl_ins_client_syn(const struct sl_tcp_insertion *s, uint8_t flags, uint32_t seq) {
  if (flags & SL_TCPF_ACK) return SL_ID_CLIENT_SYN_ACK;
  if (seq != s->client_isn) return SL_ID_CLIENT_SYN_ISN_MISMATCH;
  return 0;
}

/* A client segment after its SYN (no SYN, no RST): 0 or the drop reason (tcp_rules.h). */
SLUICE_INLINE int sl_ins_client_accept(const struct sl_tcp_insertion *s, uint8_t flags, uint32_t seq, uint32_t ack,
                                       uint32_t stream_len) {
  return sl_client_segment_drop(s->client_isn, s->server_isn, s->backend_snd_nxt, (s->flags & SL_INS_SYNACK_SEEN) != 0,
                                (s->flags & SL_INS_CLIENT_SYNC) != 0, flags, seq, ack, stream_len);
}

/* Does this accepted segment send the header for the first time?
 *   on-connect  the segment completing the handshake, data or not (a lost handshake ACK makes
 *               the next accepted segment the trigger)
 *   with-data   the first segment carrying stream bytes past c+1; a FIN counts: the header must
 *               precede the end of the stream so that the backend still learns the client. */
SLUICE_INLINE int sl_ins_header_due_first_time(const struct sl_tcp_insertion *s, uint32_t seq, uint32_t stream_len) {
  if (s->header_state != SL_HDR_PENDING) return 0;
  if (!(s->flags & SL_INS_WITH_DATA)) return 1;
  return stream_len > 0 && sl_seq_lt(sl_ins_stream_start(s), seq + stream_len);
}

/* The client retransmits its first segment (bytes at c+1 already seen) while the header is out
 * unacknowledged: the header travelled in front of those bytes and was most likely lost with
 * them, so it goes again. Judged before the segment is recorded. */
SLUICE_INLINE int sl_ins_client_retransmission(const struct sl_tcp_insertion *s, uint32_t seq, uint32_t stream_len) {
  const uint32_t start = sl_ins_stream_start(s);
  return sl_ins_awaiting_ack(s) && seq == start && stream_len > 0 && sl_seq_lt(start, s->client_snd_nxt);
}

/* The client's SND.NXT moves forward only (sl_seq_advance). */
SLUICE_INLINE void sl_ins_record_client_seq(struct sl_tcp_insertion *s, uint32_t stream_end) {
  s->client_snd_nxt = sl_seq_advance(s->client_snd_nxt, stream_end);
}

/* The client's RCV.NXT: the first accepted segment sets it (and synchronizes the client), later
 * ones only move it forward, so a reordered old ACK cannot lower the seq of the give-up RST,
 * which an RFC 5961 receiver would answer with a challenge ACK instead of closing. */
SLUICE_INLINE void sl_ins_record_client_ack(struct sl_tcp_insertion *s, uint32_t ack) {
  if (s->flags & SL_INS_CLIENT_SYNC) {
    s->client_last_ack = sl_seq_advance(s->client_last_ack, ack);
  } else {
    s->client_last_ack = ack;
    s->flags = SLUICE_CAST(uint8_t, s->flags | SL_INS_CLIENT_SYNC);
  }
}

/* The header went out for the first time at `now_ns`: its timer starts (200 ms) and one
 * backend-triggered resend is allowed per timer round. After a backend reset there is nothing
 * to own: no timer. */
SLUICE_INLINE void sl_ins_mark_sent(struct sl_tcp_insertion *s, uint64_t now_ns) {
  s->header_state = SL_HDR_SENT;
  if (s->flags & SL_INS_STOPPED) return;
  s->timer_resends = 0;
  s->deadline_ns = now_ns + sl_header_rto_ns(0);
  s->flags = SLUICE_CAST(uint8_t, s->flags | SL_INS_TIMER_ARMED | SL_INS_FAST_RESEND);
}

/* The seq a client segment is forwarded with when it carries no header. Before the header
 * exists in the backend's space, a zero-length segment at c+1 (with-data: the handshake ACK
 * and ACKs of a server's banner; either mode: an early RST) keeps c+1, the backend's RCV.NXT:
 * exact for RSTs (RFC 5961 section 3.2) and for SYN-cookie validation (the ISN is read from
 * seq - 1 of the completing ACK). Everything else moves by H (tcp_rules.h). */
SLUICE_INLINE uint32_t sl_ins_forwarded_client_seq(const struct sl_tcp_insertion *s, uint32_t seq, uint32_t stream_len) {
  if (s->header_state == SL_HDR_PENDING && stream_len == 0 && seq == sl_ins_stream_start(s)) return seq;
  return sl_translate_client_seq(s->client_isn, s->header_len, seq);
}

/* ------------------------------------------------------------------------ backend -> client */
/* A backend ACK segment (no SYN, no RST) while the header is sent and unacknowledged
 * (ack < c+1+H): does it say the header was lost? `sack_above`: one of its SACK blocks is
 * sl_sack_block_above(.., ack). The rules (docs/resequencing.md "Every resend trigger"):
 *   ack < c+1                  nothing (acknowledges less than the SYN)
 *   c+1 < ack                  partial ack: a window smaller than H trimmed the header
 *   ack == c+1, SACK above     the header is the hole, whether or not the segment has data
 *   ack == c+1, no data/FIN    duplicate ACK (RFC 5681 section 2); the first one suffices
 * An ack of c+1 on a segment with data or FIN and no SACK is no signal: a banner racing the
 * header. */
SLUICE_INLINE uint32_t sl_header_missing_signal(uint32_t client_isn, uint32_t ack, uint8_t flags,
                                                uint32_t payload_len, int sack_above) {
  const uint32_t start = client_isn + 1u;
  if (sl_seq_lt(ack, start)) return SL_RESEND_NONE;
  if (ack != start) return SL_RESEND_BACKEND_PARTIAL_ACK;
  if (sack_above) return SL_RESEND_BACKEND_SACK;
  if (payload_len == 0 && !(flags & SL_TCPF_FIN)) return SL_RESEND_BACKEND_DUPLICATE_ACK;
  return SL_RESEND_NONE;
}

SLUICE_INLINE void sl_ins_record_backend(struct sl_tcp_insertion *s, uint8_t flags, uint32_t seq, uint32_t ack,
                                         uint32_t stream_len) {
  s->backend_snd_nxt = sl_seq_advance(s->backend_snd_nxt, seq + stream_len);
  if (flags & SL_TCPF_ACK) s->backend_last_ack = sl_seq_advance(s->backend_last_ack, ack);
}

/* One backend segment (its ack/SACK translation is separate: tcp_rules.h). `mss_option` is the
 * SYN-ACK's MSS option (0: none); `sack_above`: one of its SACK blocks satisfies
 * sl_sack_block_above(.., ack) (only read while the header is SL_HDR_SENT). */
SLUICE_INLINE struct sl_ins_backend_result sl_ins_backend_segment(struct sl_tcp_insertion *s, uint8_t flags,
                                                                  uint32_t seq, uint32_t ack, uint32_t payload_len,
                                                                  uint16_t mss_option, int sack_above) {
  struct sl_ins_backend_result r = {0, SL_RESEND_NONE, 0, 0};
  const uint32_t start = sl_ins_stream_start(s);
  const int synack_seen = (s->flags & SL_INS_SYNACK_SEEN) != 0;
  if (flags & SL_TCPF_SYN) {
    /* A listening backend answers with SYN-ACK only; a bare SYN would be a simultaneous open.
     * A SYN-ACK that does not acknowledge c+1 answers another SYN. */
    if (!(flags & SL_TCPF_ACK)) {
      r.drop = SL_ID_BACKEND_SYN_WITHOUT_ACK;
      return r;
    }
    if (ack != start) {
      r.drop = SL_ID_BACKEND_SYN_ACK_MISMATCH;
      return r;
    }
    /* Another ISN before the client completed the handshake: the backend dropped its half-open
     * connection (SYN queue overflow, a lost first SYN-ACK followed by the client's SYN
     * retransmission) and answers afresh. Nothing of the old ISN reached the stream, so the new
     * one is adopted (RFC 9293 section 3.5); refusing it would stall the connection for good. */
    const int restarted = synack_seen && seq != s->server_isn && !(s->flags & SL_INS_CLIENT_SYNC);
    if (!synack_seen || restarted) {
      s->server_isn = seq;
      s->backend_mss = mss_option != 0 ? mss_option : SLUICE_CAST(uint16_t, SL_TCP_DEFAULT_MSS);
      s->backend_snd_nxt = seq + 1u;
      s->backend_last_ack = start; /* the backend's RCV.NXT is c+1 until it acknowledges more */
      s->client_last_ack = seq + 1u;
      s->flags = SLUICE_CAST(uint8_t, s->flags | SL_INS_SYNACK_SEEN);
    } else if (seq != s->server_isn) {
      /* RFC 9293 section 3.4.1: the ISN of a connection does not change. */
      r.drop = SL_ID_BACKEND_SYN_ACK_MISMATCH;
    } else if (sl_ins_awaiting_ack(s)) {
      /* The same SYN-ACK again: the backend never got the segment completing its handshake,
       * and every header segment carries that ACK, so the header is lost. Its SND.NXT and MSS
       * stay (resetting SND.NXT would refuse the client's later ACKs as acks of unsent data).
       * Not rate-limited: the backend's own SYN-ACK backoff (1 s, 2 s, ...) already is. */
      r.resend = SL_RESEND_BACKEND_SYN_ACK;
    }
    return r;
  }
  const uint32_t stream_len = payload_len + ((flags & SL_TCPF_FIN) ? 1u : 0u);
  if (flags & SL_TCPF_RST) {
    /* The backend aborted: nobody will acknowledge the header any more; stop owning its
     * delivery (no timer, no resend). An RST before the SYN-ACK (closed port) is forwarded
     * too: its ack c+1 translates to itself. */
    if (synack_seen) sl_ins_record_backend(s, flags, seq, ack, stream_len);
    s->flags = SLUICE_CAST(uint8_t, (s->flags | SL_INS_STOPPED) & ~SL_INS_TIMER_ARMED);
    return r;
  }
  if (!synack_seen) {
    r.drop = SL_ID_BACKEND_NOT_SYNCHRONIZED;
    return r;
  }
  sl_ins_record_backend(s, flags, seq, ack, stream_len);
  if (!(flags & SL_TCPF_ACK) || s->header_state != SL_HDR_SENT) return r;
  /* An ack of c+1+H or more proves delivery only once the header was sent (before, it
   * acknowledges bytes that do not exist). */
  if (sl_seq_le(start + s->header_len, ack)) {
    s->header_state = SL_HDR_ACKED;
    s->flags = SLUICE_CAST(uint8_t, s->flags & ~(SL_INS_TIMER_ARMED | SL_INS_FAST_RESEND | SL_INS_RESEND_WANTED));
    r.acked_now = 1;
    return r;
  }
  if (!sl_ins_awaiting_ack(s) || !(s->flags & SL_INS_FAST_RESEND)) return r;
  r.resend = SLUICE_CAST(uint8_t, sl_header_missing_signal(s->client_isn, ack, flags, payload_len, sack_above));
  /* One backend-triggered resend per timer round, like one fast retransmit per window
   * (RFC 6582): a burst of duplicate ACKs must not become a burst of headers. */
  if (r.resend != SL_RESEND_NONE) s->flags = SLUICE_CAST(uint8_t, s->flags & ~SL_INS_FAST_RESEND);
  return r;
}

/* ----------------------------------------------------------------------------- header timer */
/* The header's own retransmission timer at `now_ns` (spec TCP item 5, schedule in tcp_rules.h):
 * nothing before the deadline; a resend (deadline doubled, a backend-triggered resend allowed
 * again in the new round); after SL_HEADER_MAX_TIMER_RESENDS, give up: the timer stops and so
 * does the delivery (the caller resets both sides with sl_ins_give_up_resets and ends the flow). */
SLUICE_INLINE uint8_t sl_ins_on_timer(struct sl_tcp_insertion *s, uint64_t now_ns) {
  if (!(s->flags & SL_INS_TIMER_ARMED) || now_ns < s->deadline_ns) return SL_TIMER_NOTHING;
  if (s->timer_resends >= SL_HEADER_MAX_TIMER_RESENDS) {
    s->flags = SLUICE_CAST(uint8_t, (s->flags | SL_INS_STOPPED) & ~SL_INS_TIMER_ARMED);
    return SL_TIMER_GIVE_UP;
  }
  s->timer_resends = SLUICE_CAST(uint8_t, s->timer_resends + 1u);
  s->deadline_ns = now_ns + sl_header_rto_ns(s->timer_resends);
  s->flags = SLUICE_CAST(uint8_t, s->flags | SL_INS_FAST_RESEND);
  return SL_TIMER_RESEND;
}

/* The header's timer runs: a header sent, neither acknowledged nor abandoned (a backend reset
 * sets STOPPED). */
SLUICE_INLINE int sl_ins_timer_armed(const struct sl_tcp_insertion *s) {
  return s->header_len > 0 && s->header_state == SL_HDR_SENT && (s->flags & SL_INS_TIMER_ARMED) &&
         !(s->flags & SL_INS_STOPPED);
}

/* One step of the XDP header timer over a flow's state (the kernel runs it in place:
 * bpf/xdp/timer_step.h; dataplane/xdp/header_timer.cpp over a copy). A due timer is
 * sl_ins_on_timer, the rule the C++ engine runs. Before the deadline, a resend the program left
 * to the timer (SL_INS_RESEND_WANTED: the backend's signal arrived on a segment carrying data
 * for the client) is answered as the engine answers that signal, with the schedule unchanged.
 * Either way the wanted flag is cleared: any resend answers it. */
SLUICE_INLINE uint8_t sl_ins_timer_step(struct sl_tcp_insertion *s, uint64_t now_ns) {
  if (!sl_ins_timer_armed(s)) return SL_TIMER_NOTHING;
  const int wanted = (s->flags & SL_INS_RESEND_WANTED) != 0;
  if (now_ns < s->deadline_ns) {
    if (!wanted) return SL_TIMER_NOTHING;
    s->flags = SLUICE_CAST(uint8_t, s->flags & ~SL_INS_RESEND_WANTED);
    return SL_TIMER_RESEND;
  }
  s->flags = SLUICE_CAST(uint8_t, s->flags & ~SL_INS_RESEND_WANTED);
  return sl_ins_on_timer(s, now_ns);
}

/* The give-up resets, with numbers each side accepts (RFC 5961 section 3.2: seq = the
 * receiver's RCV.NXT, its latest acknowledgement; ack = what it sent last). */
SLUICE_INLINE void sl_ins_give_up_resets(const struct sl_tcp_insertion *s, struct sl_ins_reset *to_client,
                                         struct sl_ins_reset *to_backend) {
  to_client->seq = s->client_last_ack;
  to_client->ack = s->client_snd_nxt;
  to_backend->seq = s->backend_last_ack;
  to_backend->ack = s->backend_snd_nxt;
}

#ifdef __cplusplus
}
#endif

#endif /* SLUICE_DATAPLANE_SHARED_TCP_INSERTION_H */
