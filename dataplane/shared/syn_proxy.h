/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The SYN proxy (issue 14, docs/syn-proxy.md), once, for both datapaths: the C++ worker
 * (dataplane/pipeline/worker_syn_proxy.cpp) and the XDP program (bpf/xdp/syn_proxy.h) call these
 * functions, the fixture model (tests/fixtures/model.py) implements the same rules in Python.
 * Pure C over plain values; compiled by g++ (C++20, -Wconversion) and clang -target bpf.
 *
 * The handshake, for a service whose SYN proxy is engaged (sl_sp_engaged):
 *
 *   client SYN (ISN c)      answered from the ingress port with a SYN-ACK: seq = the cookie
 *                           (syn_cookie.h), ack = c+1, window 65535, the options of
 *                           sl_sp_options; no flow, no SNAT port, nothing kept. SYN data and
 *                           the Fast Open option are ignored (the client sends the data again).
 *   client ACK, no flow     ack-1 is checked as a cookie (seq-1 as c): valid -> the flow is
 *                           created as for a SYN (scheduler, SNAT port, header) and the ACK
 *                           becomes the client's SYN to the backend (seq c, options of
 *                           sl_sp_options from the cookie: MSS, and with timestamps SACK and
 *                           window scale); its payload is not forwarded (the client
 *                           retransmits it, counted syn_proxy_data_stripped). Invalid ->
 *                           dropped syn_cookie_invalid, counted syn_cookies_failed.
 *   backend SYN-ACK (s)     absorbed, never forwarded: sl_sp_backend_synack records the ISN
 *                           delta, the timestamp delta and the window shifts, and the appliance
 *                           completes the backend's handshake with the segment the client's
 *                           handshake ACK would have become (seq c+1, ack s+1; on-connect: the
 *                           PROXY header on it, with-data: a bare ACK), through the insertion
 *                           engine like any client segment.
 *   client segments before  dropped as syn_proxy_early_data (the client retransmits them).
 *   the backend's SYN-ACK
 *
 * After that, two translations compose on every segment, one per direction of the byte stream:
 * the PROXY header's offset H moves the client's sequence space (tcp_rules.h), the ISN delta
 * moves the backend's. The backend's space is the real one: a client segment's ack, SACK edges
 * and TSecr are moved into it *before* the insertion rules see the segment (sl_sp_client_*), and
 * a backend segment's seq and TSval are moved out of it *after* (sl_sp_backend_*), as are the
 * give-up RST's numbers towards the client. So the insertion state machine never knows a proxy
 * was there. Windows are rescaled when the two sides' window scales differ (RFC 7323 section
 * 2.3: the SYN-ACK the client saw said SL_SP_WSCALE; the backend's said its own).
 */
#ifndef SLUICE_DATAPLANE_SHARED_SYN_PROXY_H
#define SLUICE_DATAPLANE_SHARED_SYN_PROXY_H

#include "dataplane/shared/c_compat.h"
#include "dataplane/shared/syn_cookie.h"
#include "dataplane/shared/tcp_rules.h"

#ifdef __cplusplus
extern "C" {
#endif

/* `[services] syn_proxy` (docs/config.md): "off", "on", or "auto" (engaged on a worker while it
 * is under embryonic pressure, embryonic.h: half of max_embryonic embryonic flows). */
#define SL_SP_MODE_OFF 0u
#define SL_SP_MODE_ON 1u
#define SL_SP_MODE_AUTO 2u

/* The window scale the proxy's SYN-ACK offers (Linux's default for a 6 MB receive buffer; the
 * backend's own scale is what its windows are rescaled from). */
#define SL_SP_WSCALE 7u
/* The SYN-ACK's (unscaled, RFC 7323 section 2.2) window. */
#define SL_SP_SYNACK_WINDOW 65535u
/* The proxy's timestamp clock: now_ns >> 20, about 1.05 ms per tick (RFC 7323 section 5.4:
 * 1 ms to 1 s per tick). */
#define SL_SP_TS_SHIFT 20u

/* sl_syn_proxy.flags */
#define SL_SP_PROXIED 0x01u   /* the flow was created from a cookie */
#define SL_SP_SYNCED 0x02u    /* the backend's SYN-ACK was absorbed: the deltas hold */
#define SL_SP_CLIENT_TS 0x04u /* the client negotiated timestamps with the proxy */
#define SL_SP_BOTH_TS 0x08u   /* ... and the backend with the proxy: TSval/TSecr translated */

/* A proxied flow's state (16 bytes; pipeline::Flow::syn_proxy, sl_xdp_flow.syn_proxy). Until
 * SL_SP_SYNCED, seq_delta holds the cookie (the proxy's ISN towards the client) and ts_delta
 * the TSval of the proxy's SYN-ACK (the client's TSecr on its ACK). */
struct sl_syn_proxy {
  uint32_t seq_delta;  /* backend ISN - cookie: backend space = client's view + seq_delta */
  uint32_t ts_delta;   /* backend SYN-ACK TSval - proxy SYN-ACK TSval */
  int8_t client_to_backend_wshift; /* window of a client segment: << (>0) or >> (<0) */
  int8_t backend_to_client_wshift; /* window of a backend segment */
  uint8_t flags;       /* SL_SP_* */
  uint8_t client_wscale; /* from the cookie's TSecr bits; SL_COOKIE_WSCALE_NONE: none */
  uint16_t client_mss;   /* from the cookie's MSS index */
  uint8_t client_sack;   /* from the cookie's TSecr bits */
  uint8_t reserved;
};
SLUICE_STATIC_ASSERT(sizeof(struct sl_syn_proxy) == 16, "sl_syn_proxy size");

/* ---------------------------------------------------------------------------- engagement */
/* Is a client SYN to a service with `mode` answered with a cookie, on a worker holding
 * `embryonic` embryonic flows of its `max_embryonic`? */
SLUICE_INLINE int sl_sp_engaged(uint8_t mode, uint64_t embryonic, uint32_t max_embryonic) {
  if (mode == SL_SP_MODE_ON) return 1;
  if (mode == SL_SP_MODE_AUTO) return max_embryonic != 0 && embryonic * 2 >= SLUICE_CAST(uint64_t, max_embryonic);
  return 0;
}

/* Is an ACK without a flow, to a service with `mode`, checked as a cookie? "on": always.
 * "auto": only while a cookie could still be valid, i.e. one was sent (by this worker; by any
 * CPU in XDP, whose CPUs may see a SYN and its ACK apart) no more than SL_COOKIE_MAX_AGE ticks
 * ago, as Linux checks cookies only after a recent SYN-queue overflow
 * (tcp_synq_no_recent_overflow); otherwise the ACK is an unknown flow, as without a proxy, and
 * a stray ACK is not counted as a failed cookie. `recent_cookie` is what sl_sp_note_cookie
 * keeps: the tick of the last cookie + 1, 0 before the first. */
SLUICE_INLINE int sl_sp_checks_ack(uint8_t mode, uint32_t recent_cookie, uint32_t now_tick) {
  if (mode == SL_SP_MODE_ON) return 1;
  if (mode != SL_SP_MODE_AUTO || recent_cookie == 0) return 0;
  return now_tick - (recent_cookie - 1u) <= SL_COOKIE_MAX_AGE;
}

/* A cookie was sent at `now_tick`: written only when the tick changes (every 68.7 s), so that
 * the XDP program's CPUs do not bounce the shared line on every SYN of a flood. */
SLUICE_INLINE void sl_sp_note_cookie(uint32_t *recent_cookie, uint32_t now_tick) {
  if (*recent_cookie != now_tick + 1u) *recent_cookie = now_tick + 1u;
}

/* The proxy's TSval at `now_ns` (before the cookie's option bits replace its low 6 bits). */
SLUICE_INLINE uint32_t sl_sp_ts_now(uint64_t now_ns) { return SLUICE_CAST(uint32_t, now_ns >> SL_SP_TS_SHIFT); }

/* ---------------------------------------------------------------------------- the options */
/* The TCP options of the proxy's SYN-ACK to the client and of the SYN it sends the backend, one
 * layout (Linux's tcp_options_write order), 4, 16 or 20 bytes at fixed offsets:
 *
 *   [0..3]    MSS (kind 2, len 4)                                    always
 *   [4..15]   SACK-permitted (4, 2) or NOP NOP, then TS (8, 10, tsval, tsecr)   with timestamps
 *   [16..19]  NOP, window scale (3, 3, shift)                        with timestamps and a scale
 *
 * Without timestamps there is neither SACK nor window scale: the cookie has nowhere to keep them
 * (syn_cookie.h; Linux does the same). */
/* The struct is not called sl_sp_options: in C++ a function of the struct's name hides its
 * constructor, which g++ -Wshadow (an error here) refuses. */
struct sl_sp_option_bytes {
  uint8_t bytes[20];
  uint8_t len;
  uint8_t reserved[3];
};

SLUICE_INLINE void sl_sp_store_be32(uint8_t *p, uint32_t v) {
  p[0] = SLUICE_CAST(uint8_t, v >> 24);
  p[1] = SLUICE_CAST(uint8_t, v >> 16);
  p[2] = SLUICE_CAST(uint8_t, v >> 8);
  p[3] = SLUICE_CAST(uint8_t, v);
}

SLUICE_INLINE struct sl_sp_option_bytes sl_sp_options(uint16_t mss, int timestamps, uint32_t tsval, uint32_t tsecr,
                                                 int sack, int has_wscale, uint8_t wscale) {
  struct sl_sp_option_bytes o;
  uint32_t i;
  for (i = 0; i < 20u; i++) o.bytes[i] = 0;
  o.reserved[0] = o.reserved[1] = o.reserved[2] = 0;
  o.bytes[0] = 2;
  o.bytes[1] = 4;
  o.bytes[2] = SLUICE_CAST(uint8_t, mss >> 8);
  o.bytes[3] = SLUICE_CAST(uint8_t, mss);
  o.len = 4;
  if (!timestamps) return o;
  o.bytes[4] = SLUICE_CAST(uint8_t, sack ? 4u : 1u);
  o.bytes[5] = SLUICE_CAST(uint8_t, sack ? 2u : 1u);
  o.bytes[6] = 8;
  o.bytes[7] = 10;
  sl_sp_store_be32(o.bytes + 8, tsval);
  sl_sp_store_be32(o.bytes + 12, tsecr);
  o.len = 16;
  if (!has_wscale) return o;
  o.bytes[16] = 1;
  o.bytes[17] = 3;
  o.bytes[18] = 3;
  o.bytes[19] = SLUICE_CAST(uint8_t, wscale > 14 ? 14u : wscale);
  o.len = 20;
  return o;
}

/* The MSS of the proxy's SYN-ACK: what the client's side of the appliance carries
 * (`port_mss`, from the ingress port's MTU and the client's family), lowered by H for a
 * with-data service as the backend's SYN-ACK would have been (sl_client_facing_mss). */
SLUICE_INLINE uint16_t sl_sp_synack_mss(uint16_t port_mss, uint16_t header_len, int with_data) {
  return with_data ? sl_client_facing_mss(port_mss, header_len) : port_mss;
}

/* ------------------------------------------------------------------------ the completing ACK */
/* A proxied flow from a valid cookie: what the backend SYN will carry, decoded. `ack_tsecr`
 * is the ACK's TSecr (the proxy's SYN-ACK TSval), `ack_has_ts` whether the ACK carried
 * timestamps. */
SLUICE_INLINE void sl_sp_init(struct sl_syn_proxy *sp, uint32_t cookie, uint8_t mss_index, int ack_has_ts,
                              uint32_t ack_tsecr) {
  sp->seq_delta = cookie;
  sp->ts_delta = ack_tsecr;
  sp->client_to_backend_wshift = 0;
  sp->backend_to_client_wshift = 0;
  sp->flags = SLUICE_CAST(uint8_t, SL_SP_PROXIED | (ack_has_ts ? SL_SP_CLIENT_TS : 0u));
  sp->client_mss = sl_cookie_mss(mss_index);
  sp->reserved = 0;
  if (ack_has_ts) {
    const struct sl_cookie_options o = sl_cookie_ts_decode(ack_tsecr);
    sp->client_wscale = o.has_wscale ? o.wscale : SLUICE_CAST(uint8_t, SL_COOKIE_WSCALE_NONE);
    sp->client_sack = o.sack;
  } else {
    sp->client_wscale = SL_COOKIE_WSCALE_NONE;
    sp->client_sack = 0;
  }
}

/* The cookie the client acknowledged (valid until SL_SP_SYNCED). */
SLUICE_INLINE uint32_t sl_sp_cookie(const struct sl_syn_proxy *sp) { return sp->seq_delta; }

/* A window field shifted by `shift` (saturating at 65535; a right shift rounds down, never
 * advertising space that is not there). */
SLUICE_INLINE uint16_t sl_sp_window(uint16_t window, int8_t shift) {
  if (shift >= 0) {
    const uint32_t v = SLUICE_CAST(uint32_t, window) << (SLUICE_CAST(uint32_t, shift) & 15u);
    return SLUICE_CAST(uint16_t, v > 0xFFFFu ? 0xFFFFu : v);
  }
  return SLUICE_CAST(uint16_t, SLUICE_CAST(uint32_t, window) >> (SLUICE_CAST(uint32_t, -shift) & 15u));
}

/* The window of the SYN to the backend: SYN windows are never scaled (RFC 7323 section 2.2), the
 * client's ACK window is (by its own scale, in effect since the proxy's SYN-ACK offered one). */
SLUICE_INLINE uint16_t sl_sp_backend_syn_window(const struct sl_syn_proxy *sp, uint16_t ack_window) {
  const int scaled = sp->client_wscale != SL_COOKIE_WSCALE_NONE;
  return sl_sp_window(ack_window, SLUICE_CAST(int8_t, scaled ? sp->client_wscale : 0));
}

/* The backend's SYN-ACK: the deltas and the window shifts. `has_ts`/`tsval`: its timestamps;
 * `has_wscale`/`wscale`: its window scale option. Window scaling is in effect on a side only
 * when both of that side's SYNs carried the option (RFC 7323 section 2.2): client side when the
 * client sent one (the proxy always answers one then), backend side when both the proxy's SYN
 * (the client's scale) and the backend's SYN-ACK did. */
SLUICE_INLINE void sl_sp_backend_synack(struct sl_syn_proxy *sp, uint32_t backend_isn, int has_ts, uint32_t tsval,
                                        int has_wscale, uint8_t wscale) {
  const int client_scaled = sp->client_wscale != SL_COOKIE_WSCALE_NONE;
  const int backend_scaled = client_scaled && has_wscale;
  const int client_send = client_scaled ? sp->client_wscale : 0;  /* client's windows are << this */
  const int client_recv = client_scaled ? SLUICE_CAST(int, SL_SP_WSCALE) : 0; /* ... reads ours << this */
  const int backend_send = backend_scaled ? (wscale > 14 ? 14 : wscale) : 0;
  const int backend_recv = backend_scaled ? sp->client_wscale : 0;
  sp->client_to_backend_wshift = SLUICE_CAST(int8_t, client_send - backend_recv);
  sp->backend_to_client_wshift = SLUICE_CAST(int8_t, backend_send - client_recv);
  sp->seq_delta = backend_isn - sp->seq_delta;
  if ((sp->flags & SL_SP_CLIENT_TS) && has_ts) {
    sp->ts_delta = tsval - sp->ts_delta;
    sp->flags = SLUICE_CAST(uint8_t, sp->flags | SL_SP_BOTH_TS);
  } else {
    sp->ts_delta = 0;
  }
  /* SYNCED publishes the deltas to the XDP program's other CPUs (a client segment there reads
   * SYNCED first): stored last. */
  SLUICE_COMPILER_BARRIER();
  sp->flags = SLUICE_CAST(uint8_t, sp->flags | SL_SP_SYNCED);
}

/* --------------------------------------------------------------------------- translations */
/* Client -> backend, before the insertion rules: ack and every SACK edge (both acknowledge the
 * backend's bytes), the TSecr (echoes the backend's TSval as the client saw it). */
SLUICE_INLINE uint32_t sl_sp_client_ack(const struct sl_syn_proxy *sp, uint32_t ack) { return ack + sp->seq_delta; }
SLUICE_INLINE uint32_t sl_sp_client_tsecr(const struct sl_syn_proxy *sp, uint32_t tsecr) {
  return (sp->flags & SL_SP_BOTH_TS) ? tsecr + sp->ts_delta : tsecr;
}
SLUICE_INLINE uint16_t sl_sp_client_window(const struct sl_syn_proxy *sp, uint16_t window) {
  return sl_sp_window(window, sp->client_to_backend_wshift);
}

/* Backend -> client, after the insertion rules: seq (and a give-up RST's seq), TSval. */
SLUICE_INLINE uint32_t sl_sp_backend_seq(const struct sl_syn_proxy *sp, uint32_t seq) { return seq - sp->seq_delta; }
SLUICE_INLINE uint32_t sl_sp_backend_tsval(const struct sl_syn_proxy *sp, uint32_t tsval) {
  return (sp->flags & SL_SP_BOTH_TS) ? tsval - sp->ts_delta : tsval;
}
SLUICE_INLINE uint16_t sl_sp_backend_window(const struct sl_syn_proxy *sp, uint16_t window) {
  return sl_sp_window(window, sp->backend_to_client_wshift);
}

/* A proxied flow's segments are translated once its deltas hold. */
SLUICE_INLINE int sl_sp_translating(const struct sl_syn_proxy *sp) {
  return (sp->flags & (SL_SP_PROXIED | SL_SP_SYNCED)) == (SL_SP_PROXIED | SL_SP_SYNCED);
}

SLUICE_STATIC_ASSERT(SL_SP_WSCALE <= 14u, "RFC 7323 section 2.3");

#ifdef __cplusplus
}
#endif

#endif /* SLUICE_DATAPLANE_SHARED_SYN_PROXY_H */
