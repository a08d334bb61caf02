// SPDX-License-Identifier: Apache-2.0
/*
 * The SYN cookie of dataplane/shared/syn_cookie.h, compiled for BPF and run by the kernel: the
 * XDP program's SYN proxy uses these functions, and tests/bpf/syn_cookie_bpf_test.cpp compares
 * what the kernel computes here with the C++ build for the same inputs. A syscall program: the
 * context in and out (dataplane/shared/syn_cookie_check.h), no packet.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#include "dataplane/shared/syn_cookie_check.h"

SEC("syscall")
int sl_syn_cookie_check_run(struct sl_syn_cookie_check_ctx *ctx) {
  const struct sl_syn_cookie_key key = ctx->key;
  const struct sl_syn_cookie_tuple tuple = ctx->tuple;
  ctx->mss_index = sl_cookie_mss_index(ctx->mss);
  ctx->cookie = sl_syn_cookie_make(&key, &tuple, ctx->client_isn, ctx->tick, ctx->mss_index);
  __u8 check_mss = 0xff;
  ctx->check_result = sl_syn_cookie_check(&key, &tuple, ctx->check_cookie, ctx->client_isn, ctx->check_tick, &check_mss);
  ctx->check_mss_index = check_mss;
  ctx->ts = sl_cookie_ts_encode(ctx->ts_now, ctx->has_wscale, ctx->wscale, ctx->sack, ctx->ecn);
  const struct sl_cookie_options o = sl_cookie_ts_decode(ctx->ts);
  ctx->decoded[0] = o.has_wscale;
  ctx->decoded[1] = o.wscale;
  ctx->decoded[2] = o.sack;
  ctx->decoded[3] = o.ecn;
  return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
