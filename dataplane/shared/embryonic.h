/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Bounded embryonic state (issue 14, docs/conntrack-limits.md): the rules both datapaths follow
 * so that a SYN flood (spoofed sources that never complete a handshake) cannot fill the flow
 * table or a SNAT range and so refuse real clients. One C source for g++ (dataplane/pipeline/,
 * dataplane/xdp/) and clang -target bpf (bpf/xdp/flow.h).
 *
 * Embryonic = not yet ESTABLISHED: SYN_SENT, and SYN_RECV too, because a backend answers a
 * spoofed SYN like any other (the SYN-ACK goes to an address that never replies), so a flood's
 * flows sit in SYN_RECV as much as in SYN_SENT. These are the states `tcp_syn_timeout_s` covers.
 *
 * The rules:
 *  - Each worker (each CPU in XDP) keeps the ids of its last `ring` TCP flows in creation order,
 *    a ring of `ring` = min(max_embryonic, max_entries) slots. A new TCP flow takes the slot of
 *    the flow created `ring` flows before it; if that flow is still embryonic it is reclaimed
 *    first. So no worker holds more than `max_embryonic` embryonic flows, and each one lives
 *    through at least `max_embryonic` newer SYNs of its worker (the LRU idea of Katran's
 *    conntrack and IPVS's drop_entry, which drops SYN_RECV entries first, made exact).
 *  - When the table (max_entries) or the flow's SNAT range is still full, the oldest embryonic
 *    flow among the next SL_EMBRYONIC_RECLAIM_SCAN ring slots (from the oldest) is reclaimed
 *    and the allocation is tried once more; an established flow is never reclaimed. Only when
 *    none is found is the new flow refused (conntrack_full / snat_exhausted, counted).
 *    Only a flow that had its chance is taken there: created at least
 *    SL_EMBRYONIC_RECLAIM_AGE_NS ago, or any embryonic flow while the worker is under pressure
 *    (below). A burst of real clients at a full SNAT range otherwise took each other's flows
 *    mid-handshake: a client whose SYN-ACK was already forwarded completed its connect() on a
 *    flow that was gone, and hung, where a refused one retransmits its SYN (tests/faults,
 *    snat_range_full, 2026-12-04: 119 connections "opened" on 64 ports).
 *  - Under pressure (at least half of max_embryonic embryonic flows on the worker, like Linux
 *    pruning its SYN queue harder once it is half full: inet_csk_reqsk_queue_prune, and RFC
 *    4987 section 3.4 "reducing SYN-RECEIVED timer"), a new flow is marked, and while it is
 *    embryonic its idle timeout is tcp_syn_pressure_timeout_s instead of tcp_syn_timeout_s.
 */
#ifndef SLUICE_DATAPLANE_SHARED_EMBRYONIC_H
#define SLUICE_DATAPLANE_SHARED_EMBRYONIC_H

#include "dataplane/shared/c_compat.h"
#include "dataplane/shared/tcp_rules.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Ring slots a full table or SNAT range looks at for an embryonic flow to reclaim: bounded
 * work per new flow (the XDP program's bpf_loop bound too). */
#define SL_EMBRYONIC_RECLAIM_SCAN 64u

/* Flow flag (pipeline::Flow::conntrack_flags, sl_xdp_flow.conntrack_flags): created under
 * pressure, so the short SYN timeout applies while the flow is embryonic. */
#define SL_FLOW_SYN_PRESSURE 0x01u

/* 1 s, RFC 6298's initial RTO: a handshake older than that lost a SYN or SYN-ACK at least once,
 * while a real client's completes within a round trip. */
#define SL_EMBRYONIC_RECLAIM_AGE_NS 1000000000ull

/* May a full table or SNAT range reclaim an embryonic flow created at `created_ns`? */
SLUICE_INLINE int sl_embryonic_reclaimable(uint64_t created_ns, uint64_t now_ns, int under_pressure) {
  return under_pressure || (now_ns >= created_ns && now_ns - created_ns >= SL_EMBRYONIC_RECLAIM_AGE_NS);
}

SLUICE_INLINE int sl_is_embryonic(uint8_t state) {
  return state == SL_TCP_SYN_SENT || state == SL_TCP_SYN_RECV;
}

/* The worker is under pressure once half of its embryonic budget is used. */
SLUICE_INLINE int sl_embryonic_pressure(uint64_t embryonic, uint32_t max_embryonic) {
  return max_embryonic != 0 && embryonic * 2 >= (uint64_t)max_embryonic;
}

/* Slots of a worker's ring: the cap, and never more than the table could hold. */
SLUICE_INLINE uint32_t sl_embryonic_ring_size(uint32_t max_embryonic, uint32_t max_entries) {
  return max_embryonic < max_entries ? max_embryonic : max_entries;
}

/* The ring slot the `created`-th TCP flow of a worker (from 0) takes. */
SLUICE_INLINE uint32_t sl_embryonic_slot(uint64_t created, uint32_t ring) {
  return ring != 0 ? (uint32_t)(created % ring) : 0;
}

/* Where the reclaim scan starts: the oldest slot, which is the next one to be taken once the
 * ring has wrapped, slot 0 before. */
SLUICE_INLINE uint32_t sl_embryonic_oldest_slot(uint64_t created, uint32_t ring) {
  return created >= ring ? sl_embryonic_slot(created, ring) : 0;
}

/* Slots holding a flow: all once wrapped, the first `created` before. */
SLUICE_INLINE uint32_t sl_embryonic_filled(uint64_t created, uint32_t ring) {
  return created >= ring ? ring : (uint32_t)created;
}

/* The idle timeout of a flow: the shared rule of tcp_rules.h, shortened to the pressure
 * timeout for an embryonic flow created under pressure. */
SLUICE_INLINE uint64_t sl_flow_idle_timeout_ns(uint8_t state, uint8_t conntrack_flags, uint64_t syn_ns,
                                               uint64_t syn_pressure_ns, uint64_t established_ns,
                                               uint64_t closing_ns, uint64_t udp_ns) {
  const uint64_t timeout = sl_idle_timeout_ns(state, syn_ns, established_ns, closing_ns, udp_ns);
  if ((conntrack_flags & SL_FLOW_SYN_PRESSURE) != 0 && sl_is_embryonic(state) && syn_pressure_ns < timeout) {
    return syn_pressure_ns;
  }
  return timeout;
}

/* The instant a flow's idle time counts from. An embryonic flow's counts from its creation: a
 * handshake completes within the SYN timeout of its first SYN or not at all, and a backend
 * retransmitting its SYN-ACK towards a spoofed source that never answers (RFC 6298 backoff:
 * 1, 2, 4, 8, 16 s, Linux's tcp_synack_retries = 5) must not keep the flow alive for a
 * minute. Every other flow's counts from its last packet. */
SLUICE_INLINE uint64_t sl_flow_idle_since(uint8_t state, uint64_t created_ns, uint64_t last_seen_ns) {
  return sl_is_embryonic(state) ? created_ns : last_seen_ns;
}

#ifdef __cplusplus
}
#endif

#endif /* SLUICE_DATAPLANE_SHARED_EMBRYONIC_H */
