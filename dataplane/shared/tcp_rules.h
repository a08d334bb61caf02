/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The TCP rules both datapaths apply, once: the C++ insertion engine and conntrack tracker
 * (dataplane/insertion/, dataplane/pipeline/worker_tcp.cpp) and the XDP program
 * (bpf/xdp/insertion.h, bpf/sluice_xdp.bpf.c) call these functions; docs/resequencing.md and
 * docs/pipeline.md explain each rule, docs/xdp.md lists the twins.
 *
 * Pure C over plain values: sequence numbers in host order, a decision out; no maps, no I/O,
 * no clock (time is passed in). Compiled by g++ (C++20, -Wconversion) and clang -target bpf;
 * everything is SLUICE_INLINE so the verifier sees the constants.
 *
 *   sequence space      sl_seq_lt/le, sl_seq_advance (RFC 1982 maximum)
 *   the two spaces      sl_translate_client_seq, sl_translate_server_ack, sl_translate_sack_block
 *   acceptance          sl_client_segment_drop (client segments after the SYN)
 *   resend signals      sl_sack_block_above (sl_header_missing_signal: tcp_insertion.h)
 *   header placement    sl_header_fits_in_front, sl_client_facing_mss
 *   header timer        sl_header_rto_ns, SL_HEADER_MAX_TIMER_RESENDS
 *   conntrack           sl_tcp_track (states SL_TCP_*), sl_syn_sent_backend_ack, sl_idle_timeout_ns,
 *                       sl_idle_expired
 */
#ifndef SLUICE_DATAPLANE_SHARED_TCP_RULES_H
#define SLUICE_DATAPLANE_SHARED_TCP_RULES_H

#include "dataplane/shared/c_compat.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------------------- constants */
/* TCP flag bits as on the wire (RFC 9293 section 3.1). */
#define SL_TCPF_FIN 0x01u
#define SL_TCPF_SYN 0x02u
#define SL_TCPF_RST 0x04u
#define SL_TCPF_PSH 0x08u
#define SL_TCPF_ACK 0x10u

/* RFC 9293 section 3.7.1: without an MSS option the peer assumes 536. Used for IPv6 backends
 * too: it only makes growing rarer (1220 would be the IPv6 value, RFC 8200 section 8.3). */
#define SL_TCP_DEFAULT_MSS 536u
/* Smallest MSS advertised after lowering it by H (with-data); Linux's TCP_MIN_MSS. */
#define SL_TCP_MIN_CLIENT_MSS 88u
/* Fixed TCP header: the MSS counts payload beyond it (RFC 6691 section 2). */
#define SL_TCP_FIXED_HEADER 20u
/* 40 bytes of option space hold at most 4 SACK blocks (RFC 2018 section 3: 2 + 8n <= 40). */
#define SL_TCP_MAX_SACK_BLOCKS 4u

/* The header's own retransmission timer (spec proxy-protocol.md, TCP item 5: "initial
 * 200 ms, doubling, at least 6 tries"); after the 6th timer resend the next expiry gives up. */
#define SL_HEADER_RTO_NS 200000000ull
#define SL_HEADER_MAX_TIMER_RESENDS 6u

/* The ABI lists: each entry is (C name, C++ enumerator, value, name as printed). The C
 * constants below, pipeline::TcpState and insertion::InsertionDrop and their names are all
 * generated from them, so the two datapaths cannot number or name them differently.
 *
 * Conntrack states (docs/pipeline.md "Conntrack states"), printed by `show conntrack`. */
#define SL_TCP_STATE_LIST(X)                                                                     \
  X(SL_TCP_SYN_SENT, kSynSent, 0, "SYN_SENT")          /* client SYN forwarded */               \
  X(SL_TCP_SYN_RECV, kSynRecv, 1, "SYN_RECV")          /* backend SYN-ACK forwarded */          \
  X(SL_TCP_ESTABLISHED, kEstablished, 2, "ESTABLISHED") /* client acknowledged the SYN-ACK */   \
  X(SL_TCP_FIN_WAIT, kFinWait, 3, "FIN_WAIT")          /* the client sent FIN first */          \
  X(SL_TCP_CLOSE_WAIT, kCloseWait, 4, "CLOSE_WAIT")    /* the backend sent FIN first */         \
  X(SL_TCP_LAST_ACK, kLastAck, 5, "LAST_ACK")          /* both FINs, the last not acked */      \
  X(SL_TCP_TIME_WAIT, kTimeWait, 6, "TIME_WAIT")       /* both FINs acknowledged */             \
  X(SL_TCP_CLOSE, kClose, 7, "CLOSE")                  /* reset by either side */               \
  X(SL_UDP_ACTIVE, kUdp, 8, "UDP")                     /* not TCP: a UDP flow */

/* Segments the insertion rules refuse (docs/resequencing.md "Robustness"), counted as
 * `tcp_<name>` in both datapaths. 0 is "none". */
#define SL_INSERTION_DROP_LIST(X)                                                                \
  X(SL_ID_CLIENT_SYN_ISN_MISMATCH, kClientSynIsnMismatch, 1, "client_syn_isn_mismatch")            \
  X(SL_ID_CLIENT_SYN_ACK, kClientSynAck, 2, "client_syn_ack")                                      \
  X(SL_ID_NOT_SYNCHRONIZED, kNotSynchronized, 3, "client_not_synchronized")                        \
  X(SL_ID_CLIENT_MISSING_ACK, kClientMissingAck, 4, "client_missing_ack")                          \
  X(SL_ID_CLIENT_ACK_NOT_FOR_SYN_ACK, kClientAckNotForSynAck, 5, "client_ack_not_for_syn_ack")     \
  X(SL_ID_CLIENT_ACK_OF_UNSENT_DATA, kClientAckOfUnsentData, 6, "client_ack_of_unsent_data")       \
  X(SL_ID_CLIENT_STRADDLES_STREAM_START, kClientStraddlesStreamStart, 7, "client_straddles_stream_start") \
  X(SL_ID_BACKEND_SYN_WITHOUT_ACK, kBackendSynWithoutAck, 8, "backend_syn_without_ack")            \
  X(SL_ID_BACKEND_SYN_ACK_MISMATCH, kBackendSynAckMismatch, 9, "backend_syn_ack_mismatch")         \
  X(SL_ID_BACKEND_NOT_SYNCHRONIZED, kBackendNotSynchronized, 10, "backend_not_synchronized")

#define SL_ABI_CONSTANT(c_name, cpp_name, value, text) c_name = value,
#define SL_ABI_COUNT(c_name, cpp_name, value, text) +1
enum { SL_TCP_STATE_LIST(SL_ABI_CONSTANT) SL_TCP_STATE_COUNT = 0 SL_TCP_STATE_LIST(SL_ABI_COUNT) };
enum { SL_INSERTION_DROP_LIST(SL_ABI_CONSTANT) SL_INSERTION_DROP_COUNT = 1 SL_INSERTION_DROP_LIST(SL_ABI_COUNT) };

/* Insertion state flags: sl_tcp_insertion.flags (dataplane/shared/tcp_insertion.h), the state
 * both datapaths keep. */
#define SL_INS_WITH_DATA 0x01u
#define SL_INS_SYNACK_SEEN 0x02u
#define SL_INS_CLIENT_SYNC 0x04u
#define SL_INS_TIMER_ARMED 0x08u
#define SL_INS_FAST_RESEND 0x10u
#define SL_INS_STOPPED 0x20u
/* 0x40 is free. */
/* A backend signal asked for the header again. The program sends it in place of the next empty
 * backend segment or grows it into the next client segment at c+1; the header timer thread
 * sends it at its next scan when neither comes first (a signal on a segment with data). */
#define SL_INS_RESEND_WANTED 0x80u

/* The tracker's memory besides the state (sl_xdp_flow.track_flags, pipeline::Flow). */
#define SL_TRACK_FIN_FROM_CLIENT 0x01u
#define SL_TRACK_FIN_FROM_BACKEND 0x02u
#define SL_TRACK_LAST_FIN_FROM_CLIENT 0x04u /* who sent the second FIN: LAST_ACK -> TIME_WAIT
                                               needs the other side's ACK */


/* --------------------------------------------------------------------------- sequence space */
/* RFC 1982 serial comparisons. */
SLUICE_INLINE int sl_seq_lt(uint32_t a, uint32_t b) { return SLUICE_CAST(int32_t, a - b) < 0; }
SLUICE_INLINE int sl_seq_le(uint32_t a, uint32_t b) { return SLUICE_CAST(int32_t, a - b) <= 0; }

/* The most advanced of a recorded position and a new one: SND.NXT and RCV.NXT only move
 * forward, so a reordered old segment cannot lower the numbers of the give-up RSTs (which an
 * RFC 5961 receiver would answer with a challenge ACK instead of closing). */
SLUICE_INLINE uint32_t sl_seq_advance(uint32_t current, uint32_t candidate) {
  return sl_seq_lt(current, candidate) ? candidate : current;
}

/* ----------------------------------------------------------------------------- two spaces */
/* Client ISN c, header length H (docs/resequencing.md "The two spaces"). Client space ->
 * backend space: the SYN slot (and anything before c+1) is not shifted, the rest moves by H. */
SLUICE_INLINE uint32_t sl_translate_client_seq(uint32_t client_isn, uint16_t header_len, uint32_t seq) {
  return sl_seq_lt(seq, client_isn + 1u) ? seq : seq + header_len;
}

/* Backend space -> client space, for an acknowledgement or one SACK edge:
 *   x <= c+1          unchanged (nothing of the stream acknowledged yet)
 *   c+1 < x <= c+1+H  c+1 (only header bytes acknowledged)
 *   x > c+1+H         x - H */
SLUICE_INLINE uint32_t sl_translate_server_ack(uint32_t client_isn, uint16_t header_len, uint32_t x) {
  const uint32_t start = client_isn + 1u;
  if (sl_seq_le(x, start)) return x;
  if (sl_seq_le(x, start + header_len)) return start;
  return x - header_len;
}

/* One SACK block, edge by edge, in place. Returns 0 when the block must be removed: malformed
 * (left >= right, RFC 2018 section 3) or empty after translation (header bytes only, as the
 * D-SACK of a resent header). */
SLUICE_INLINE int sl_translate_sack_block(uint32_t client_isn, uint16_t header_len, uint32_t *left,
                                          uint32_t *right) {
  if (!sl_seq_lt(*left, *right)) return 0;
  *left = sl_translate_server_ack(client_isn, header_len, *left);
  *right = sl_translate_server_ack(client_isn, header_len, *right);
  return sl_seq_lt(*left, *right);
}

/* ----------------------------------------------------------------------------- acceptance */
/* A client segment after its SYN (no SYN, no RST), before the header rules: 0 to go on, or the
 * SL_ID_* reason it is dropped (docs/resequencing.md "Robustness"). `stream_len` is payload +
 * FIN; `synack_seen` / `client_synchronized` are the flow's flags. */
SLUICE_INLINE int sl_client_segment_drop(uint32_t client_isn, uint32_t server_isn, uint32_t backend_snd_nxt,
                                         int synack_seen, int client_synchronized, uint8_t flags,
                                         uint32_t seq, uint32_t ack, uint32_t stream_len) {
  const uint32_t start = client_isn + 1u;
  /* Before the backend answered there is no backend ISN to check the ack against, and the
   * backend would drop it in SYN-RECEIVED anyway. */
  if (!synack_seen) return SL_ID_NOT_SYNCHRONIZED;
  /* RFC 9293 section 3.10.7.4, fifth check: "if the ACK bit is off, drop the segment". */
  if (!(flags & SL_TCPF_ACK)) return SL_ID_CLIENT_MISSING_ACK;
  if (!client_synchronized) {
    /* The first accepted segment must acknowledge the SYN-ACK: s < ack <= backend SND.NXT. */
    if (!(sl_seq_lt(server_isn, ack) && sl_seq_le(ack, backend_snd_nxt))) return SL_ID_CLIENT_ACK_NOT_FOR_SYN_ACK;
  } else if (sl_seq_lt(backend_snd_nxt, ack)) {
    /* Acknowledges bytes the backend never sent: the backend would drop it. */
    return SL_ID_CLIENT_ACK_OF_UNSENT_DATA;
  }
  /* Bytes from before c+1 reaching past it would land where the header sits. */
  if (sl_seq_lt(seq, start) && sl_seq_lt(start, seq + stream_len)) return SL_ID_CLIENT_STRADDLES_STREAM_START;
  return 0;
}

/* ------------------------------------------------------------------------- resend signals */
/* One SACK block of a backend segment acknowledged up to `ack` (c+1): the backend holds data
 * above a hole that starts there. A malformed block says nothing. */
SLUICE_INLINE int sl_sack_block_above(uint32_t left, uint32_t right, uint32_t ack) {
  return sl_seq_lt(left, right) && sl_seq_lt(ack, right);
}

/* ------------------------------------------------------------------------ header placement */
/* May H bytes be prepended to a segment starting at c+1? (docs/resequencing.md "Grow or
 * standalone"): never a coalesced super-frame or a frame already above the MTU; payload + H +
 * TCP options within the backend's MSS; IP + TCP + payload + H within the egress MTU. 64-bit
 * sums: a super-frame's payload cannot overflow them. */
SLUICE_INLINE int sl_header_fits_in_front(uint32_t payload_len, uint32_t tcp_header_len, int coalesced,
                                          uint16_t header_len, uint32_t egress_mtu, uint32_t ip_header_len,
                                          uint32_t backend_mss) {
  if (coalesced) return 0;
  const uint64_t options = tcp_header_len > SL_TCP_FIXED_HEADER ? SLUICE_CAST(uint64_t, tcp_header_len) - SL_TCP_FIXED_HEADER : 0;
  const uint64_t frame_now = SLUICE_CAST(uint64_t, ip_header_len) + tcp_header_len + payload_len;
  if (frame_now > egress_mtu) return 0;
  if (SLUICE_CAST(uint64_t, payload_len) + header_len + options > backend_mss) return 0;
  return frame_now + header_len <= egress_mtu;
}

/* with-data: the SYN-ACK's MSS towards the client, lowered by H so a full first segment still
 * grows; never below SL_TCP_MIN_CLIENT_MSS and never raised. */
SLUICE_INLINE uint16_t sl_client_facing_mss(uint16_t backend_mss, uint16_t header_len) {
  if (backend_mss <= SL_TCP_MIN_CLIENT_MSS) return backend_mss;
  if (header_len >= SLUICE_CAST(uint32_t, backend_mss) - SL_TCP_MIN_CLIENT_MSS) return SL_TCP_MIN_CLIENT_MSS;
  return SLUICE_CAST(uint16_t, backend_mss - header_len);
}

/* ---------------------------------------------------------------------------- header timer */
/* The timeout armed after the `resends_so_far`-th timer resend (0 after the first send):
 * 200 ms, 400 ms, ... 12.8 s. */
SLUICE_INLINE uint64_t sl_header_rto_ns(uint32_t resends_so_far) {
  return SL_HEADER_RTO_NS << (resends_so_far & 15u);
}

/* ------------------------------------------------------------------------------- conntrack */
/* One segment's effect on the connection's state (LVS-like: the appliance sees both sides).
 * `track` holds SL_TRACK_*; both are updated in place. */
SLUICE_INLINE void sl_tcp_track(uint8_t *state, uint8_t *track, int from_client, uint8_t flags) {
  if (flags & SL_TCPF_RST) {
    *state = SL_TCP_CLOSE;
    return;
  }
  const int fin = (flags & SL_TCPF_FIN) != 0;
  const uint8_t own_fin = SLUICE_CAST(uint8_t, from_client ? SL_TRACK_FIN_FROM_CLIENT : SL_TRACK_FIN_FROM_BACKEND);
  switch (*state) {
    case SL_TCP_SYN_SENT:
      if (!from_client && (flags & (SL_TCPF_SYN | SL_TCPF_ACK)) == (SL_TCPF_SYN | SL_TCPF_ACK)) *state = SL_TCP_SYN_RECV;
      break;
    case SL_TCP_SYN_RECV:
      if (from_client && (flags & (SL_TCPF_SYN | SL_TCPF_ACK)) == SL_TCPF_ACK) {
        *state = fin ? SL_TCP_FIN_WAIT : SL_TCP_ESTABLISHED;
        if (fin) *track = SLUICE_CAST(uint8_t, *track | SL_TRACK_FIN_FROM_CLIENT);
      }
      break;
    case SL_TCP_ESTABLISHED:
      if (fin) {
        *state = from_client ? SL_TCP_FIN_WAIT : SL_TCP_CLOSE_WAIT;
        *track = SLUICE_CAST(uint8_t, *track | own_fin);
      }
      break;
    case SL_TCP_FIN_WAIT:
    case SL_TCP_CLOSE_WAIT:
      if (fin) {
        *track = SLUICE_CAST(uint8_t, *track | own_fin);
        if ((*track & (SL_TRACK_FIN_FROM_CLIENT | SL_TRACK_FIN_FROM_BACKEND)) ==
            (SL_TRACK_FIN_FROM_CLIENT | SL_TRACK_FIN_FROM_BACKEND)) {
          *state = SL_TCP_LAST_ACK;
          *track = SLUICE_CAST(uint8_t, from_client ? (*track | SL_TRACK_LAST_FIN_FROM_CLIENT)
                                                    : (*track & ~SL_TRACK_LAST_FIN_FROM_CLIENT));
        }
      }
      break;
    case SL_TCP_LAST_ACK:
      /* Only the side that did not send the last FIN acknowledges it. */
      if (!fin && (flags & SL_TCPF_ACK) && from_client != ((*track & SL_TRACK_LAST_FIN_FROM_CLIENT) != 0))
        *state = SL_TCP_TIME_WAIT;
      break;
    default:
      break;
  }
}

/* A backend segment while its flow waits for the SYN-ACK (SL_TCP_SYN_SENT). The appliance is
 * the backend's TCP peer in SYN-SENT (RFC 9293 section 3.10.7.3), so an ACK without SYN or RST
 * is never forwarded: it is answered with <SEQ=SEG.ACK><CTL=RST> when its ack is unacceptable
 * (SEG.ACK =< ISS or SEG.ACK > SND.NXT; ISS = c, SND.NXT = c+1: anything but c+1), which is
 * what a TIME_WAIT of an older incarnation of the 4-tuple sends to a SYN on a reused SNAT port;
 * an acceptable one (ack = c+1) is dropped without an answer ("drop the segment and return").
 * Either way it counts as `stale_ack_to_syn`. */
#define SL_SYN_SENT_PASS 0 /* not a bare ACK: the other rules decide */
#define SL_SYN_SENT_DROP 1
#define SL_SYN_SENT_RESET 2
SLUICE_INLINE int sl_syn_sent_backend_ack(uint32_t client_isn, uint8_t flags, uint32_t ack) {
  if ((flags & (SL_TCPF_SYN | SL_TCPF_ACK | SL_TCPF_RST)) != SL_TCPF_ACK) return SL_SYN_SENT_PASS;
  return ack == client_isn + 1u ? SL_SYN_SENT_DROP : SL_SYN_SENT_RESET;
}

/* States in which a client's new SYN on the same 5-tuple starts a new connection (the old flow
 * ends there, TIME_WAIT assassination being the client's call, RFC 6191). */
SLUICE_INLINE int sl_tcp_closing(uint8_t state) {
  return state >= SL_TCP_FIN_WAIT && state <= SL_TCP_CLOSE;
}

/* The idle timeout of a flow in `state` ([conntrack] *_timeout_s): the SYN timeout until the
 * client's handshake ACK, then established, then closing; UDP flows their own. */
SLUICE_INLINE uint64_t sl_idle_timeout_ns(uint8_t state, uint64_t syn_ns, uint64_t established_ns,
                                          uint64_t closing_ns, uint64_t udp_ns) {
  if (state == SL_UDP_ACTIVE) return udp_ns;
  if (state <= SL_TCP_SYN_RECV) return syn_ns;
  if (state == SL_TCP_ESTABLISHED) return established_ns;
  return closing_ns;
}

/* A flow last seen at `last_seen_ns` has expired at `now_ns` once a whole timeout passed. A
 * last_seen ahead of now (another CPU just touched the flow, its clock read later) is not
 * expired. */
SLUICE_INLINE int sl_idle_expired(uint64_t now_ns, uint64_t last_seen_ns, uint64_t timeout_ns) {
  return now_ns >= last_seen_ns && now_ns - last_seen_ns >= timeout_ns;
}

SLUICE_STATIC_ASSERT(SL_HEADER_RTO_NS << SL_HEADER_MAX_TIMER_RESENDS == 12800000000ull, "last timer round 12.8 s");
SLUICE_STATIC_ASSERT(SL_TCP_MIN_CLIENT_MSS < SL_TCP_DEFAULT_MSS, "the floor is below the default MSS");

#ifdef __cplusplus
}
#endif

#endif /* SLUICE_DATAPLANE_SHARED_TCP_RULES_H */
