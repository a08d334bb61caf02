/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The request/answer layout of bpf/pp2_codec_check.bpf.c, the BPF build of pp2.h that
 * tests/bpf/pp2_codec_bpf_test.cpp runs with BPF_PROG_TEST_RUN to compare the BPF and C++
 * encodings byte for byte. Shared so both sides agree on offsets.
 *   frame in:  struct pp2_check_request, zero-padded to PP2_CHECK_FRAME_MIN bytes;
 *   frame out: int32 pp2_build() result (host order), then the header bytes; at least
 *              PP2_CHECK_ANSWER_MIN bytes (an XDP frame cannot shrink below an Ethernet header).
 */
#ifndef SLUICE_DATAPLANE_SHARED_PP2_CHECK_H
#define SLUICE_DATAPLANE_SHARED_PP2_CHECK_H

#include "dataplane/shared/pp2.h"

#ifdef __cplusplus
extern "C" {
#endif

struct pp2_check_request {
  struct pp2_template tpl;
  struct pp2_conn conn;
};
SLUICE_STATIC_ASSERT(sizeof(struct pp2_check_request) == sizeof(struct pp2_template) + sizeof(struct pp2_conn),
                     "pp2_check_request has no padding");
SLUICE_STATIC_ASSERT(SLUICE_OFFSETOF(struct pp2_check_request, conn) == sizeof(struct pp2_template),
                     "pp2_check_request.conn");

#define PP2_CHECK_ANSWER_MIN 16u
#define PP2_CHECK_FRAME_MIN (4u + PP2_HEADER_MAX)
SLUICE_STATIC_ASSERT(sizeof(struct pp2_check_request) <= PP2_CHECK_FRAME_MIN, "a request fits the frame");

#ifdef __cplusplus
}
#endif

#endif /* SLUICE_DATAPLANE_SHARED_PP2_CHECK_H */
