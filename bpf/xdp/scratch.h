/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Per-CPU scratch of the XDP program: the frame's headers are copied in (bpf_xdp_load_bytes),
 * parsed and rewritten here, then stored back (bpf_xdp_store_bytes) after the frame was grown
 * or shrunk at the front. Working on a copy keeps every variable offset a masked index into a
 * map value, which the verifier bounds cheaply, and makes family translation (a 20-byte IP
 * header change) and PROXY insertion (H bytes) the same operation: write new headers in front
 * of the unchanged payload. docs/xdp.md, "Program structure".
 */
#ifndef SLUICE_BPF_XDP_SCRATCH_H
#define SLUICE_BPF_XDP_SCRATCH_H

#include "bpf/xdp/maps.h"
#include "dataplane/shared/syn_proxy.h"

#define SL_IN_MAX 256u   /* bytes of headers examined: L2 + L3 (with extensions) + L4 header */
#define SL_IN_MASK 0xffu
#define SL_BUF_LEN (SL_IN_MAX + 64u) /* masked offset + constant < 64 stays inside */
#define SL_BODY_MAX 2048u /* payload bytes a grown/stripped segment may carry (no jumbo) */
#define SL_BODY_MASK 2047u
#define SL_CK_LEN (40u + 64u + 4u)   /* pseudo header + L4 header */

/* Offsets are into `in` (frame offsets: the copy starts at the frame's first byte). */
struct sl_parsed {
  __u32 frame_len;
  __u32 l3;             /* 14, or 18 with a VLAN tag */
  __u32 l4;
  __u32 payload;        /* first payload byte */
  __u32 l3_end;         /* end of the IP packet (frame padding follows) */
  __u32 tcp_len;        /* TCP header length (UDP: 8) */
  __u16 ethertype;
  __u8 family;          /* SL_FAMILY_* */
  __u8 protocol;
  __u8 tcp_flags;
  __u8 ttl;
  __u8 tos;
  __u8 fragment;
  __u8 mss_off;         /* option offsets relative to l4; 0 = absent */
  __u8 sack_off;
  __u8 ts_off;
  __u8 tfo_off;
  __u8 sackp_off;
  __u8 wscale_off;
  __u8 reserved[2];
};

struct sl_build {
  struct pp2_template tpl;
  struct pp2_conn conn;
  struct sl_xdp_header hdr;
};

/* How sl_forward rewrites the frame (set by the TCP/UDP decisions). */
struct sl_fwd {
  __u8 to_backend;
  __u8 grow;           /* SL_GROW_* */
  __u8 strip_payload;  /* payload removed (TFO SYN data, or replaced by the header) */
  __u8 resend;
  __u16 header_len;    /* bytes grown in front of the payload */
  __u8 originated;     /* IP fields of a frame the appliance originates (header segment) */
  __u8 reserved;
  __u32 reason;        /* drop reason out of a global function */
  __u32 reserved2;
  __u64 id;
};

struct sl_scratch {
  __u8 in[SL_BUF_LEN];
  __u8 out[SL_BUF_LEN];
  __u8 ck_old[SL_CK_LEN];
  __u8 ck_new[SL_CK_LEN];
  __u8 body[SL_BODY_MAX + 8];
  struct sl_parsed p;
  struct sl_xdp_ct_key key;
  struct sl_xdp_flow flow;     /* working copy of the flow (new flows are built here) */
  struct sl_fwd w;
  __u16 old_csum;              /* L4 checksum as received (raw) */
  __u8 reserved[6];
  __u8 hop[16];                /* the next hop to solicit when its MAC is unknown */
  struct sl_build build;
  /* This CPU's memo of sl_ifports (ingress ifindex -> PortId), direct-mapped on the low bits:
   * the mapping is fixed for the program's life (interfaces change only with a restart,
   * docs/reload.md), and a hash lookup per frame showed in the profile (docs/performance.md). */
  __u32 port_memo_ifindex[4];
  __u32 port_memo_port[4];
  __u32 port_memo_mtu[4];      /* and that port's MTU (fixed for the program's life too) */
  struct sl_sp_option_bytes sp_options; /* the SYN proxy's SYN-ACK / backend SYN options */
};

struct {
  __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
  __uint(max_entries, 1);
  __type(key, __u32);
  __type(value, struct sl_scratch);
} sl_scratch SEC(".maps");

/* Masked accessors: `o` is any offset, bounded to the buffer by the mask. The AND is done in
 * inline assembly: clang drops a mask it can prove redundant, and the verifier, which may have
 * learned the bound on another copy of the register, then sees an unbounded offset. */
static __always_inline __u32 sl_idx(__u32 o) {
  __u64 v = o;
  asm volatile("%0 &= 0xff" : "+r"(v));
  return (__u32)v;
}
/* A payload length bounded for a copy into body (same reason as sl_idx). */
static __always_inline __u32 sl_body_len(__u32 n) {
  __u64 v = n;
  asm volatile("%0 &= 2047" : "+r"(v));
  return (__u32)v;
}
#define SL_B(buf, o) ((buf)[sl_idx((__u32)(o))])
static __always_inline __u16 sl_rd16(const __u8 *buf, __u32 o) {
  o = sl_idx(o);
  return (__u16)((buf[o] << 8) | buf[o + 1]);
}
static __always_inline __u32 sl_rd32(const __u8 *buf, __u32 o) {
  o = sl_idx(o);
  return ((__u32)buf[o] << 24) | ((__u32)buf[o + 1] << 16) | ((__u32)buf[o + 2] << 8) | buf[o + 3];
}
static __always_inline void sl_wr16(__u8 *buf, __u32 o, __u16 v) {
  o = sl_idx(o);
  buf[o] = (__u8)(v >> 8);
  buf[o + 1] = (__u8)v;
}
static __always_inline void sl_wr32(__u8 *buf, __u32 o, __u32 v) {
  o = sl_idx(o);
  buf[o] = (__u8)(v >> 24);
  buf[o + 1] = (__u8)(v >> 16);
  buf[o + 2] = (__u8)(v >> 8);
  buf[o + 3] = (__u8)v;
}

#endif /* SLUICE_BPF_XDP_SCRATCH_H */
