/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The context of bpf/syn_cookie_check.bpf.c, a SEC("syscall") program that runs the SYN cookie
 * of syn_cookie.h in the kernel for tests/bpf/syn_cookie_bpf_test.cpp ("one rule, two
 * compilers"): the test fills the inputs, BPF_PROG_RUN runs the program, the kernel copies the
 * context back with the outputs, and the test compares them with the C++ build.
 */
#ifndef SLUICE_DATAPLANE_SHARED_SYN_COOKIE_CHECK_H
#define SLUICE_DATAPLANE_SHARED_SYN_COOKIE_CHECK_H

#include "dataplane/shared/c_compat.h"
#include "dataplane/shared/syn_cookie.h"

struct sl_syn_cookie_check_ctx {
  /* in */
  struct sl_syn_cookie_key key;
  struct sl_syn_cookie_tuple tuple;
  uint32_t client_isn;
  uint32_t tick;          /* sl_syn_cookie_make's */
  uint32_t check_cookie;  /* sl_syn_cookie_check's cookie and tick */
  uint32_t check_tick;
  uint32_t ts_now;        /* sl_cookie_ts_encode's */
  uint16_t mss;           /* sl_cookie_mss_index's */
  uint8_t has_wscale;
  uint8_t wscale;
  uint8_t sack;
  uint8_t ecn;
  uint8_t reserved[2];
  /* out */
  uint32_t cookie;
  uint32_t ts;
  int32_t check_result;
  uint8_t mss_index;
  uint8_t check_mss_index;
  uint8_t decoded[4];     /* sl_cookie_ts_decode(ts): has_wscale, wscale, sack, ecn */
  uint8_t reserved2[2];
};
SLUICE_STATIC_ASSERT(sizeof(struct sl_syn_cookie_check_ctx) == 104, "sl_syn_cookie_check_ctx size");

#endif /* SLUICE_DATAPLANE_SHARED_SYN_COOKIE_CHECK_H */
