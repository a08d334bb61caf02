/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Verdicts and counters of one frame (sl_verdict, sl_counters), and the word loops the large
 * per-flow copies use. Included by bpf/sluice_xdp.bpf.c.
 */
#ifndef SLUICE_BPF_XDP_VERDICT_H
#define SLUICE_BPF_XDP_VERDICT_H

/* ------------------------------------------------------------------------- verdicts */
static __always_inline void sl_set_verdict(__u32 kind, __u32 reason, __u32 port) {
  const __u32 zero = 0;
  struct sl_xdp_last_verdict *v = bpf_map_lookup_elem(&sl_verdict, &zero);
  if (v) {
    v->kind = kind;
    v->reason = reason;
    v->egress_port = port;
  }
}

static __always_inline int sl_drop(struct sl_xdp_counters *c, __u32 kind, __u32 reason) {
  sl_set_verdict(kind, reason, 0);
  if (c) {
    c->dropped++;
    if (kind == SL_VERDICT_DROP_PARSE) c->parse_drops[reason & (SL_XDP_PARSE_DROPS - 1)]++;
    if (kind == SL_VERDICT_DROP_PIPELINE) c->pipeline_drops[reason & (SL_XDP_PIPELINE_DROPS - 1)]++;
    if (kind == SL_VERDICT_DROP_INSERTION) c->insertion_drops[reason & (SL_XDP_INSERTION_DROPS - 1)]++;
  }
  return XDP_DROP;
}

/* Not a frame for the datapath (management traffic, ICMP, ARP replies): the kernel's. */
static __always_inline int sl_pass(struct sl_xdp_counters *c, __u32 reason) {
  sl_set_verdict(SL_VERDICT_PASS, reason, 0);
  if (c) c->passed++;
  return XDP_PASS;
}

/* Word loops for the large per-flow copies (clang emits no memcpy/memset calls for BPF). */
static __always_inline void sl_copy64(void *dst, const void *src, __u32 words) {
  __u64 *d = dst;
  const __u64 *from = src;
#pragma clang loop unroll(disable)
  for (__u32 i = 0; i < words; i++) d[i] = from[i];
}
static __always_inline void sl_zero64(void *dst, __u32 words) {
  __u64 *d = dst;
#pragma clang loop unroll(disable)
  for (__u32 i = 0; i < words; i++) d[i] = 0;
}

#endif /* SLUICE_BPF_XDP_VERDICT_H */
