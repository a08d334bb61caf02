// SPDX-License-Identifier: Apache-2.0
/*
 * The PROXY header builder of dataplane/shared/pp2.h, compiled for BPF and run by the kernel:
 * "one codec, two compilers". Building this object proves the shared header is valid BPF C
 * (no libc, constant-bounded loops, verifier-provable stores); loading it proves the verifier
 * accepts every path; tests/bpf/pp2_codec_bpf_test.cpp runs it with BPF_PROG_TEST_RUN and
 * compares its output byte for byte with the C++ build of the same request.
 *
 * Protocol of the test program (an XDP program, because XDP test runs hand back the packet):
 *   in:  struct pp2_check_request (template + connection), host byte order, zero-padded to at
 *        least PP2_CHECK_FRAME_MIN bytes so the frame can hold any answer;
 *   out: a frame of max(4 + H, PP2_CHECK_ANSWER_MIN) bytes: pp2_build()'s int32 result (host
 *        order), then the H header bytes when the result is a length.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#include "dataplane/shared/pp2_check.h"

/* Per-CPU scratch: the request and the header being built. BPF stacks are 512 bytes; this is
 * 1.7 KiB. */
struct pp2_check_scratch {
  struct pp2_check_request request;
  uint8_t header[PP2_HEADER_MAX];
};

struct {
  __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
  __uint(max_entries, 1);
  __type(key, __u32);
  __type(value, struct pp2_check_scratch);
} pp2_check_scratch SEC(".maps");

/* Loads the request into the scratch map value; NULL when the frame is too short. */
static __always_inline struct pp2_check_scratch *load_request(struct xdp_md *ctx) {
  const __u32 zero = 0;
  struct pp2_check_scratch *scratch = bpf_map_lookup_elem(&pp2_check_scratch, &zero);
  if (!scratch) return 0;
  if (bpf_xdp_load_bytes(ctx, 0, &scratch->request, sizeof(scratch->request)) < 0) return 0;
  return scratch;
}

/* Reshapes the frame into the answer: result, then the header bytes. */
static __always_inline int answer(struct xdp_md *ctx, const struct pp2_check_scratch *scratch, int32_t result) {
  __u32 header_len = result > 0 ? (__u32)result : 0;
  if (header_len > PP2_HEADER_MAX) return XDP_ABORTED; /* cannot happen; tells the verifier */
  __u32 answer_len = 4 + header_len;
  if (answer_len < PP2_CHECK_ANSWER_MIN) answer_len = PP2_CHECK_ANSWER_MIN;
  const int frame_len = (int)bpf_xdp_get_buff_len(ctx);
  if (bpf_xdp_adjust_tail(ctx, (int)answer_len - frame_len) < 0) return XDP_DROP;
  if (bpf_xdp_store_bytes(ctx, 0, &result, sizeof(result)) < 0) return XDP_DROP;
  if (header_len > 0) {
    /* H <= 754 (pp2.h); the mask restates the bound next to the call, where the verifier
     * checks it (the comparison above may be on another copy of the register). */
    const __u32 copy_len = header_len & PP2_HEADER_MASK;
    if (copy_len == 0 || bpf_xdp_store_bytes(ctx, 4, (void *)scratch->header, copy_len) < 0) return XDP_DROP;
  }
  return XDP_PASS;
}

/* A v2 service's per-connection work: the binary header. */
SEC("xdp")
int pp2_check_v2(struct xdp_md *ctx) {
  struct pp2_check_scratch *scratch = load_request(ctx);
  if (!scratch) return XDP_DROP;
  return answer(ctx, scratch, pp2_v2_build(&scratch->request.tpl, &scratch->request.conn, scratch->header));
}

/* A v1 service's per-connection work: the text line. */
SEC("xdp")
int pp2_check_v1(struct xdp_md *ctx) {
  struct pp2_check_scratch *scratch = load_request(ctx);
  if (!scratch) return XDP_DROP;
  return answer(ctx, scratch, pp2_v1_build(&scratch->request.tpl, &scratch->request.conn, scratch->header));
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
