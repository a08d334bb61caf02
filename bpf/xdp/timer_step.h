/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The header timer's step, run by the control side's timer thread with BPF_PROG_RUN
 * (dataplane/xdp/header_timer_scan.cpp): the XDP program can only send frames it receives, so a
 * header resend or give-up on a deadline comes from userspace, but the flow's state must change
 * where the program changes it, in the map value, field by field. A userspace
 * bpf_map_update_elem of the whole flow replaced the element: every write the program made on
 * another CPU between the thread's read and its update was lost (a lowered backend SND.NXT made
 * the client's ACKs "acks of unsent data" for good, and a 32 MiB download stalled). Here the
 * step races with the program only field by field, as the program's own CPUs race with each
 * other.
 *
 * A syscall program (sleepable, no packet): the flow map is a preallocated hash, which such a
 * program may use; the kernel copies the context back to the caller.
 */
#ifndef SLUICE_BPF_XDP_TIMER_STEP_H
#define SLUICE_BPF_XDP_TIMER_STEP_H

#include "dataplane/shared/tcp_insertion.h"
#include "dataplane/shared/xdp_maps.h"
#include "bpf/xdp/maps.h"

SEC("syscall")
int sl_header_timer_step(struct sl_xdp_timer_step *ctx) {
  const __u64 id = ctx->flow_id;
  struct sl_xdp_flow *f = bpf_map_lookup_elem(&sl_flows, &id);
  ctx->found = 0;
  ctx->action = SL_TIMER_NOTHING;
  if (!f) return 0;
  ctx->found = 1;
  /* UDP flows keep their datagram progress in ins.header_state: never a timer. */
  if (f->protocol == IPPROTO_TCP) ctx->action = sl_ins_timer_step(&f->ins, ctx->now_ns);
  __builtin_memcpy(&ctx->flow, f, sizeof(ctx->flow));
  return 0;
}

#endif /* SLUICE_BPF_XDP_TIMER_STEP_H */
