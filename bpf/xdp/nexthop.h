/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Next hops: learning ARP/NDP senders (sl_learned), resolving a destination to a port and a
 * MAC (sl_nexthops, the static and learnt neighbours, then the kernel's table through
 * bpf_fib_lookup), and the MTU of the port towards a destination. Included by
 * bpf/sluice_xdp.bpf.c after verdict.h.
 */
#ifndef SLUICE_BPF_XDP_NEXTHOP_H
#define SLUICE_BPF_XDP_NEXTHOP_H

/* ------------------------------------------------------------------ PROXY header build */
/* A global function: the verifier checks it once, on its own, whatever the callers (the
 * shared codec's v1 and v2 builders cost ~190k verified instructions together). */
__attribute__((noinline)) int sl_build_header(struct sl_build *b) {
  if (!b) return -1;
  return pp2_build(&b->tpl, &b->conn, b->hdr.bytes);
}

/* ------------------------------------------------------------------------ next hops */
static __always_inline void sl_learn(__u8 family, const __u8 *addr, __u32 len, const __u8 *mac, __u32 port) {
  struct sl_xdp_addr_key k = {};
  if (len == 4)
    __builtin_memcpy(k.addr, addr, 4);
  else
    __builtin_memcpy(k.addr, addr, 16);
  k.family = family;
  struct sl_xdp_neighbor n = {};
  __builtin_memcpy(n.mac, mac, 6);
  n.port = (__u16)port;
  n.learned_ns = bpf_ktime_get_ns(); /* `show neighbors` age: since last heard */
  bpf_map_update_elem(&sl_learned, &k, &n, BPF_ANY);
}

/* Next hop of `dst`: its port, and the MAC from the static neighbours, the learnt ones, or the
 * kernel's table. SL_PL_NO_NEIGHBOR leaves the address to solicit in `hop` (16 bytes). */
static __always_inline int sl_resolve_hop(struct xdp_md *ctx, __u8 family, const __u8 *dst, __u32 *port, __u8 *mac,
                                          __u8 *hop) {
  struct sl_xdp_prefix_key pk = {};
  pk.prefixlen = 8 + (family == SL_FAMILY_V4 ? 32 : 128);
  pk.family = family;
  __builtin_memcpy(pk.addr, dst, 16);
  struct sl_xdp_nexthop *nh = bpf_map_lookup_elem(&sl_nexthops, &pk);
  if (!nh) return SL_PL_NO_ROUTE;
  *port = nh->port;
  struct sl_xdp_addr_key nk = {};
  __builtin_memcpy(nk.addr, nh->via_gateway ? nh->gateway : dst, 16);
  nk.family = family;
  struct sl_xdp_neighbor *n = bpf_map_lookup_elem(&sl_neighbors, &nk);
  if (!n) n = bpf_map_lookup_elem(&sl_learned, &nk);
  if (n) {
    __builtin_memcpy(mac, n->mac, 6);
    return 0;
  }
  __builtin_memcpy(hop, nk.addr, 16);
  /* The kernel's neighbour table (the appliance's namespace resolves its own neighbours). */
  const __u32 p = nh->port;
  struct sl_xdp_port *port_info = bpf_map_lookup_elem(&sl_ports, &p);
  if (!port_info) return SL_PL_NO_ROUTE;
  struct bpf_fib_lookup fib = {};
  fib.ifindex = port_info->ifindex;
  if (family == SL_FAMILY_V4) {
    fib.family = AF_INET;
    __builtin_memcpy(&fib.ipv4_dst, nk.addr, 4);
  } else {
    fib.family = AF_INET6;
    __builtin_memcpy(fib.ipv6_dst, nk.addr, 16);
  }
  const long rc = bpf_fib_lookup(ctx, &fib, sizeof(fib), BPF_FIB_LOOKUP_DIRECT | BPF_FIB_LOOKUP_OUTPUT);
  if (rc != BPF_FIB_LKUP_RET_SUCCESS) return SL_PL_NO_NEIGHBOR;
  __builtin_memcpy(mac, fib.dmac, 6);
  return 0;
}

static __always_inline int sl_resolve(struct xdp_md *ctx, __u8 family, const __u8 *dst, __u32 *port, __u8 *mac) {
  __u8 hop[16];
  return sl_resolve_hop(ctx, family, dst, port, mac, hop);
}

/* The MTU of the port a destination leaves by (1500 when unknown: the config default). */
/* The MTU of the link towards `dst`, or 0 when no route leads there. */
static __always_inline __u16 sl_mtu_towards(__u8 family, const __u8 *dst) {
  struct sl_xdp_prefix_key pk = {};
  pk.prefixlen = 8 + (family == SL_FAMILY_V4 ? 32 : 128);
  pk.family = family;
  __builtin_memcpy(pk.addr, dst, 16);
  struct sl_xdp_nexthop *nh = bpf_map_lookup_elem(&sl_nexthops, &pk);
  if (!nh) return 0;
  const __u32 port = nh->port;
  struct sl_xdp_port *info = bpf_map_lookup_elem(&sl_ports, &port);
  return info && info->mtu ? info->mtu : 1500;
}

#endif /* SLUICE_BPF_XDP_NEXTHOP_H */
