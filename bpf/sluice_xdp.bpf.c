// SPDX-License-Identifier: Apache-2.0
/*
 * sluice's XDP datapath: full-NAT of TCP and UDP services with PROXY header insertion, on the
 * kernel interfaces of `sluice run --mode xdp`. The behaviour is the C++ pipeline's
 * (docs/pipeline.md, docs/resequencing.md); what XDP does differently, and why, is in
 * docs/xdp.md. Maps: dataplane/shared/xdp_maps.h, filled by dataplane/xdp/.
 *
 * Walk: copy the headers into per-CPU scratch -> parse (same reasons as the C++ parser) ->
 * ARP for our addresses -> conntrack lookup (client->VIP or backend->SNAT key) -> new flow
 * (service, backend pick, SNAT port, PROXY header built once with the shared codec) ->
 * TCP insertion decisions -> new L2/L3/L4 headers in scratch -> checksums -> grow/shrink the
 * frame at the front and store the headers (+ the PROXY header) -> redirect.
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#include "bpf/xdp/csum.h"
#include "bpf/xdp/insertion.h"
#include "bpf/xdp/parse.h"

#ifndef AF_INET
#define AF_INET 2
#endif
#ifndef AF_INET6
#define AF_INET6 10
#endif

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

#include "bpf/xdp/local.h"

/* The MTU of the port a destination leaves by (1500 when unknown: the config default). */
static __always_inline __u16 sl_mtu_towards(__u8 family, const __u8 *dst) {
  struct sl_xdp_prefix_key pk = {};
  pk.prefixlen = 8 + (family == SL_FAMILY_V4 ? 32 : 128);
  pk.family = family;
  __builtin_memcpy(pk.addr, dst, 16);
  struct sl_xdp_nexthop *nh = bpf_map_lookup_elem(&sl_nexthops, &pk);
  if (!nh) return 1500;
  const __u32 port = nh->port;
  struct sl_xdp_port *info = bpf_map_lookup_elem(&sl_ports, &port);
  return info && info->mtu ? info->mtu : 1500;
}

/* --------------------------------------------------------------------- flow lifetime */
static __always_inline __u64 sl_timeout(const struct sl_xdp_config *cfg, const struct sl_xdp_flow *f) {
  if (f->protocol == 17) return cfg->udp_timeout_ns;
  if (f->state <= SL_TCP_SYN_RECV) return cfg->tcp_syn_timeout_ns;
  if (f->state == SL_TCP_ESTABLISHED) return cfg->tcp_established_timeout_ns;
  return cfg->tcp_closing_timeout_ns;
}

static __always_inline void sl_client_key(const struct sl_xdp_flow *f, struct sl_xdp_ct_key *k) {
  __builtin_memcpy(k->src, f->client, 16);
  __builtin_memcpy(k->dst, f->vip, 16);
  k->sport = f->client_port;
  k->dport = f->vip_port;
  k->protocol = f->protocol;
  k->family = f->client_family;
  k->reserved[0] = k->reserved[1] = 0;
}

static __always_inline void sl_backend_key(const struct sl_xdp_flow *f, struct sl_xdp_ct_key *k) {
  __builtin_memcpy(k->src, f->backend, 16);
  __builtin_memcpy(k->dst, f->snat, 16);
  k->sport = f->backend_port;
  k->dport = f->snat_port;
  k->protocol = f->protocol;
  k->family = f->backend_family;
  k->reserved[0] = k->reserved[1] = 0;
}

/* Removes a flow and its index entries (expiry found on lookup; the control thread sweeps the
 * rest). */
/* The per-backend counters of a backend slot (sl_backend_flows). */
static __always_inline struct sl_xdp_backend_flows *sl_backend_counters(__u32 service, __u32 slot) {
  if (slot >= SL_XDP_MAX_BACKENDS) return 0;
  const __u32 key = (service % SL_XDP_MAX_SERVICES) * SL_XDP_MAX_BACKENDS + slot;
  return bpf_map_lookup_elem(&sl_backend_flows, &key);
}

static __always_inline void sl_forget(struct sl_scratch *s, __u64 id, const struct sl_xdp_flow *f) {
  struct sl_xdp_ct_key k = {};
  sl_client_key(f, &k);
  bpf_map_delete_elem(&sl_ct, &k);
  sl_backend_key(f, &k);
  bpf_map_delete_elem(&sl_ct, &k);
  bpf_map_delete_elem(&sl_headers, &id);
  /* Only the CPU (or the control thread) whose delete succeeds takes the flow off its
   * backend's load: two forgetting the same flow at once count it once. */
  const __u16 service = f->service;
  const __u16 slot = f->backend_slot;
  if (bpf_map_delete_elem(&sl_flows, &id) == 0) {
    struct sl_xdp_backend_flows *counts = sl_backend_counters(service, slot);
    if (counts) __sync_fetch_and_add(&counts->active, -1);
  }
}

static __always_inline void sl_track_tcp(struct sl_xdp_flow *f, int from_client, __u8 flags) {
  if (flags & SL_TCP_RST) {
    f->state = SL_TCP_CLOSE;
    return;
  }
  const int fin = flags & SL_TCP_FIN;
  switch (f->state) {
    case SL_TCP_SYN_SENT:
      if (!from_client && (flags & (SL_TCP_SYN | SL_TCP_ACK)) == (SL_TCP_SYN | SL_TCP_ACK)) f->state = SL_TCP_SYN_RECV;
      break;
    case SL_TCP_SYN_RECV:
      if (from_client && (flags & (SL_TCP_SYN | SL_TCP_ACK)) == SL_TCP_ACK) f->state = fin ? SL_TCP_FIN_WAIT : SL_TCP_ESTABLISHED;
      break;
    case SL_TCP_ESTABLISHED:
      if (fin) f->state = from_client ? SL_TCP_FIN_WAIT : SL_TCP_CLOSE_WAIT;
      break;
    case SL_TCP_FIN_WAIT:
      if (fin && !from_client) f->state = SL_TCP_LAST_ACK;
      break;
    case SL_TCP_CLOSE_WAIT:
      if (fin && from_client) f->state = SL_TCP_LAST_ACK;
      break;
    case SL_TCP_LAST_ACK:
      if (!fin && (flags & SL_TCP_ACK)) f->state = SL_TCP_TIME_WAIT;
      break;
    default:
      break;
  }
}

/* ------------------------------------------------------------------ backend selection */
static __always_inline __u32 sl_flow_hash(const struct sl_xdp_ct_key *k) {
  /* FNV-1a over the client's address and port: stable per client for maglev/source-hash. */
  __u32 h = 2166136261u;
#pragma clang loop unroll(full)
  for (int i = 0; i < 16; i++) h = (h ^ k->src[i]) * 16777619u;
  h = (h ^ (k->sport & 0xff)) * 16777619u;
  h = (h ^ (k->sport >> 8)) * 16777619u;
  return h;
}

/* least-conn, as the C++ scheduler (and HAProxy's leastconn): the eligible backend with the
 * lowest (active + 1) / weight, compared by cross-multiplication; the first one wins ties.
 * Loads are the shared counts of every CPU, so concurrent new flows may pick the same backend
 * (off by the flows being created at that instant). */
struct sl_least_conn {
  __u32 service;
  __u32 best;
  __u64 best_load;
  __u64 best_weight;
};

static long sl_least_conn_step(__u32 i, void *data) {
  struct sl_least_conn *lc = data;
  const __u32 key = (lc->service % SL_XDP_MAX_SERVICES) * SL_XDP_MAX_BACKENDS + (i & (SL_XDP_MAX_BACKENDS - 1));
  const struct sl_xdp_backend *b = bpf_map_lookup_elem(&sl_backends, &key);
  if (!b) return 1;
  const struct sl_xdp_backend_flows *counts = sl_backend_counters(lc->service, b->slot);
  const __s64 active = counts ? (__s64)counts->active : 0;
  const __u64 load = (__u64)(active > 0 ? active : 0) + 1;
  const __u64 weight = b->weight ? b->weight : 1;
  if (i == 0 || load * lc->best_weight < lc->best_load * weight) {
    lc->best = i;
    lc->best_load = load;
    lc->best_weight = weight;
  }
  return 0;
}

static __always_inline struct sl_xdp_backend *sl_pick(const struct sl_xdp_service *svc, const struct sl_xdp_ct_key *k) {
  if (svc->eligible == 0) return 0;
  __u32 index = 0;
  if (svc->scheduler == SL_SCHED_LEAST_CONN) {
    struct sl_least_conn lc = {.service = svc->id};
    bpf_loop(svc->eligible, sl_least_conn_step, &lc, 0);
    index = lc.best;
  } else if (svc->scheduler == SL_SCHED_MAGLEV || svc->scheduler == SL_SCHED_SOURCE_HASH) {
    const __u32 slot = (__u32)(svc->maglev_slot % SL_XDP_MAX_MAGLEV_SERVICES) * SL_XDP_MAGLEV_SIZE +
                       sl_flow_hash(k) % SL_XDP_MAGLEV_SIZE;
    __u16 *entry = bpf_map_lookup_elem(&sl_maglev, &slot);
    if (!entry) return 0;
    index = *entry;
  } else {
    const __u32 sid = svc->id;
    __u32 *cursor = bpf_map_lookup_elem(&sl_rr, &sid);
    if (!cursor) return 0;
    index = *cursor % svc->eligible;
    *cursor = index + 1 == svc->eligible ? 0 : index + 1;
  }
  if (index >= SL_XDP_MAX_BACKENDS) return 0;
  const __u32 key = (__u32)(svc->id % SL_XDP_MAX_SERVICES) * SL_XDP_MAX_BACKENDS + index;
  return bpf_map_lookup_elem(&sl_backends, &key);
}

/* --------------------------------------------------------------------------------- ARP */
static __always_inline int sl_arp(struct xdp_md *ctx, struct sl_scratch *s, struct sl_xdp_counters *c,
                                  __u32 in_port) {
  const __u8 *in = s->in;
  if (s->p.l3 != 14) return sl_pass(c, SL_PL_NOT_FOR_US);
  /* Learn the sender (requests and replies), as the C++ pipeline does. */
  if (sl_rd32(in, 14 + 14) != 0) sl_learn(SL_FAMILY_V4, in + 14 + 14, 4, in + 14 + 8, in_port);
  if (sl_rd16(in, 14 + 6) != 1) return sl_pass(c, SL_PL_NOT_FOR_US);
  struct sl_xdp_addr_key k = {};
  __builtin_memcpy(k.addr, in + 14 + 24, 4);
  k.family = SL_FAMILY_V4;
  struct sl_xdp_own *own = bpf_map_lookup_elem(&sl_own, &k);
  if (!own || (own->answering_port != 0xFFFF && own->answering_port != in_port)) {
    sl_set_verdict(SL_VERDICT_DROP_PIPELINE, SL_PL_NOT_FOR_US, 0);
    return XDP_PASS; /* the kernel may still own it */
  }
  struct sl_xdp_port *port = bpf_map_lookup_elem(&sl_ports, &in_port);
  if (!port) return sl_pass(c, SL_PL_NOT_FOR_US);
  __u8 *o = s->out;
  __builtin_memcpy(o, in + 6, 6);          /* to the requester */
  __builtin_memcpy(o + 6, port->mac, 6);
  o[12] = 0x08; o[13] = 0x06;
  o[14] = 0; o[15] = 1; o[16] = 0x08; o[17] = 0; o[18] = 6; o[19] = 4; o[20] = 0; o[21] = 2;
  __builtin_memcpy(o + 22, port->mac, 6);  /* sender: us, the requested address */
  __builtin_memcpy(o + 28, in + 14 + 24, 4);
  __builtin_memcpy(o + 32, in + 14 + 8, 6); /* target: the requester */
  __builtin_memcpy(o + 38, in + 14 + 14, 4);
  if (bpf_xdp_adjust_tail(ctx, 42 - (int)s->p.frame_len) < 0) return sl_drop(c, SL_VERDICT_DROP_PIPELINE, SL_PL_NO_BUFFER);
  if (bpf_xdp_store_bytes(ctx, 0, o, 42) < 0) return sl_drop(c, SL_VERDICT_DROP_PIPELINE, SL_PL_NO_BUFFER);
  if (c) {
    c->arp_replies++;
    c->tx_packets++;
    c->tx_bytes += 42;
  }
  sl_set_verdict(SL_VERDICT_CONSUMED, 0, in_port);
  return XDP_TX;
}

/* ------------------------------------------------------------------------ new flows */
/* Creates the flow of a client's opening SYN or first datagram in s->flow and the maps.
 * Returns the flow id, or 0 with *reason set (a PipelineDrop). */
__attribute__((noinline)) __u64 sl_create_flow(struct sl_scratch *s, struct sl_xdp_config *cfg,
                                               struct sl_xdp_service *svc, __u32 in_port, __u64 now) {
  if (!s || !cfg || !svc) return 0;
  const __u32 zero_key = 0;
  struct sl_xdp_counters *c = bpf_map_lookup_elem(&sl_counters, &zero_key);
  __u32 *reason = &s->w.reason;
  struct sl_xdp_flow *f = &s->flow;
  const struct sl_xdp_ct_key *k = &s->key;
  struct sl_xdp_backend *b = sl_pick(svc, k);
  if (!b) {
    *reason = SL_PL_NO_BACKEND;
    return 0;
  }
  __builtin_memset(f, 0, sizeof(*f));
  if (b->family == SL_FAMILY_V4) {
    if (!(svc->flags & SL_SVC_HAS_SNAT_V4)) {
      *reason = SL_PL_NO_SNAT_ADDRESS;
      return 0;
    }
    __builtin_memcpy(f->snat, svc->snat_v4, 4);
  } else {
    if (!(svc->flags & SL_SVC_HAS_SNAT_V6)) {
      *reason = SL_PL_NO_SNAT_ADDRESS;
      return 0;
    }
    __builtin_memcpy(f->snat, svc->snat_v6, 16);
  }
  __builtin_memcpy(f->client, k->src, 16);
  __builtin_memcpy(f->vip, k->dst, 16);
  __builtin_memcpy(f->backend, b->addr, 16);
  f->client_port = k->sport;
  f->vip_port = k->dport;
  f->backend_port = b->port;
  f->backend_slot = b->slot;
  f->client_family = k->family;
  f->backend_family = b->family;
  f->protocol = k->protocol;
  f->state = k->protocol == 17 ? SL_UDP_ACTIVE : SL_TCP_SYN_SENT;
  f->service = svc->id;
  f->client_port_id = (__u16)in_port;
  f->created_ns = now;
  f->last_seen_ns = now;
  f->udp_every = (svc->flags & SL_SVC_UDP_EVERY) ? 1 : 0;
  f->client_mtu = sl_mtu_towards(f->client_family, f->client);
  f->backend_mtu = sl_mtu_towards(f->backend_family, f->backend);
  if (k->protocol == 6) {
    f->client_isn = sl_rd32(s->in, s->p.l4 + 4);
    f->client_snd_nxt = f->client_isn + 1;
    f->backend_mss = 536;
    if (svc->flags & SL_SVC_WITH_DATA) f->ins_flags |= SL_INS_WITH_DATA;
  }

  const __u32 zero = 0;
  struct sl_cpu_state *cpu = bpf_map_lookup_elem(&sl_cpu, &zero);
  if (!cpu) {
    *reason = SL_PL_NO_BUFFER;
    return 0;
  }
  const __u64 serial = cpu->serial + 1;
  const __u64 id = ((__u64)bpf_get_smp_processor_id() << 48) | serial;
  if (bpf_map_update_elem(&sl_flows, &id, f, BPF_NOEXIST) != 0) {
    *reason = SL_PL_CONNTRACK_FULL;
    return 0;
  }

  /* SNAT port: this CPU's share of the range, probed from its cursor (docs/xdp.md). */
  const __u32 first = cfg->snat_port_first;
  const __u32 total = (__u32)cfg->snat_port_last - first + 1;
  const __u32 cpus = cfg->nr_cpus ? cfg->nr_cpus : 1;
  const __u32 share = total / cpus ? total / cpus : 1;
  const __u32 base = first + (bpf_get_smp_processor_id() % cpus) * share;
  struct sl_xdp_ct_ref ref = {};
  ref.flow = id;
  ref.side = SL_SIDE_BACKEND;
  struct sl_xdp_ct_key bk = {};
  int placed = 0;
#pragma clang loop unroll(disable)
  for (__u32 i = 0; i < SL_XDP_SNAT_BLOCK; i++) {
    const __u32 port = base + (cpu->snat_cursor + i) % share;
    f->snat_port = bpf_htons((__u16)port);
    sl_backend_key(f, &bk);
    if (bpf_map_update_elem(&sl_ct, &bk, &ref, BPF_NOEXIST) == 0) {
      cpu->snat_cursor = (cpu->snat_cursor + i + 1) % share;
      placed = 1;
      break;
    }
  }
  if (!placed) {
    bpf_map_delete_elem(&sl_flows, &id);
    if (c) c->snat_exhausted++;
    *reason = SL_PL_SNAT_EXHAUSTED;
    return 0;
  }
  struct sl_xdp_flow *placed_flow = bpf_map_lookup_elem(&sl_flows, &id);
  if (placed_flow) placed_flow->snat_port = f->snat_port;
  ref.side = SL_SIDE_CLIENT;
  if (bpf_map_update_elem(&sl_ct, k, &ref, BPF_NOEXIST) != 0) {
    bpf_map_delete_elem(&sl_ct, &bk);
    bpf_map_delete_elem(&sl_flows, &id);
    *reason = SL_PL_CONNTRACK_FULL;
    return 0;
  }
  cpu->serial = serial;

  /* The PROXY header, once per flow, with the shared codec. */
  if (svc->flags & SL_SVC_PROXY) {
    const __u32 sid = svc->id;
    struct pp2_template *tpl = bpf_map_lookup_elem(&sl_templates, &sid);
    if (tpl) {
      struct sl_build *bld = &s->build;
      SLUICE_STATIC_ASSERT(sizeof(*tpl) % 8 == 0 && sizeof(bld->conn) % 8 == 0, "word copies");
      sl_copy64(&bld->tpl, tpl, sizeof(*tpl) / 8);
      sl_zero64(&bld->conn, sizeof(bld->conn) / 8);
      bld->conn.family = k->family == SL_FAMILY_V4 ? PP2_FAM_INET : PP2_FAM_INET6;
      bld->conn.src_port = bpf_ntohs(k->sport);
      bld->conn.dst_port = bpf_ntohs(k->dport);
      if (k->family == SL_FAMILY_V4) {
        __builtin_memcpy(bld->conn.addr.inet.src, k->src, 4);
        __builtin_memcpy(bld->conn.addr.inet.dst, k->dst, 4);
      } else {
        __builtin_memcpy(bld->conn.addr.inet6.src, k->src, 16);
        __builtin_memcpy(bld->conn.addr.inet6.dst, k->dst, 16);
      }
      __builtin_memcpy(bld->conn.unique_id, cfg->instance_id, 8);
#pragma clang loop unroll(full)
      for (int i = 0; i < 8; i++) bld->conn.unique_id[8 + i] = (__u8)(id >> (56 - 8 * i));
      sl_zero64(bld->hdr.bytes, sizeof(bld->hdr.bytes) / 8);
      const int len = sl_build_header(bld);
      if (len > 0 && len <= (int)PP2_HEADER_MAX) {
        bld->hdr.len = (__u16)len;
        if (bpf_map_update_elem(&sl_headers, &id, &bld->hdr, BPF_ANY) == 0) {
          struct sl_xdp_flow *stored = bpf_map_lookup_elem(&sl_flows, &id);
          if (stored) {
            stored->header_len = (__u16)len;
            stored->header_state = SL_HDR_PENDING;
          }
        }
      }
    }
  }
  if (c) c->flows_created++;
  /* The backend's `total` and `active` (show backends, least-conn): atomic adds per new flow,
   * never per packet; sl_forget takes `active` back. */
  struct sl_xdp_backend_flows *counts = sl_backend_counters(svc->id, f->backend_slot);
  if (counts) {
    __sync_fetch_and_add(&counts->total, 1);
    __sync_fetch_and_add(&counts->active, 1);
  }
  return id;
}

/* ----------------------------------------------------------------------- forwarding */
/* Copies the pseudo header + L4 header (checksum zeroed) into ck. */
static __always_inline void sl_ck_block(__u8 *ck, const __u8 *l4hdr_src, __u32 l4_off, const __u8 *src, const __u8 *dst,
                                        __u32 l4_len, __u8 proto, __u32 csum_off) {
  sl_pseudo(ck, src, dst, l4_len, proto);
  const __u32 o = l4_off & SL_IN_MASK;
  __builtin_memcpy(ck + 40, l4hdr_src + o, 64);
  ck[40 + csum_off] = 0;
  ck[40 + csum_off + 1] = 0;
}

/* The received pseudo header + L4 header, before any rewrite: the "from" side of the
 * incremental checksum update. */
static __always_inline void sl_capture_old(struct sl_scratch *s) {
  struct sl_parsed *p = &s->p;
  const __u8 *in = s->in;
  const __u32 csum_off = p->protocol == 6 ? 16 : 6;
  const __u8 *old_src = in + ((p->l3 + (p->family == SL_FAMILY_V4 ? 12 : 8)) & SL_IN_MASK);
  const __u8 *old_dst = in + ((p->l3 + (p->family == SL_FAMILY_V4 ? 16 : 24)) & SL_IN_MASK);
  __u8 osrc[16] = {}, odst[16] = {};
  if (p->family == SL_FAMILY_V4) {
    __builtin_memcpy(osrc, old_src, 4);
    __builtin_memcpy(odst, old_dst, 4);
  } else {
    __builtin_memcpy(osrc, old_src, 16);
    __builtin_memcpy(odst, old_dst, 16);
  }
  s->old_csum = (__u16)(SL_B(in, p->l4 + csum_off) | (SL_B(in, p->l4 + csum_off + 1) << 8));
  sl_ck_block(s->ck_old, in, p->l4, osrc, odst, p->l3_end - p->l4, p->protocol, csum_off);
}

/* Rewrites the frame in s->in for flow f towards one side and redirects it. The L4 header in
 * s->in already carries the new seq/ack/options; ports and addresses are set here. */
__attribute__((noinline)) int sl_forward(struct xdp_md *ctx, struct sl_scratch *s, struct sl_xdp_flow *f) {
  if (!ctx || !s || !f) return XDP_ABORTED;
  const __u32 zero_key = 0;
  struct sl_xdp_counters *c = bpf_map_lookup_elem(&sl_counters, &zero_key);
  struct sl_fwd *w = &s->w;
  struct sl_parsed *p = &s->p;
  __u8 *in = s->in;
  __u8 *out = s->out;
  const __u8 in_family = p->family;
  const __u8 out_family = w->to_backend ? f->backend_family : f->client_family;
  const __u8 *src = w->to_backend ? f->snat : f->vip;
  const __u8 *dst = w->to_backend ? f->backend : f->client;
  const __u16 sport = w->to_backend ? f->snat_port : f->vip_port;
  const __u16 dport = w->to_backend ? f->backend_port : f->client_port;
  const __u32 csum_off = p->protocol == 6 ? 16 : 6;
  const __u32 tl = p->tcp_len & 0x7c;
  const __u32 plen = p->l3_end - p->payload;
  const __u32 kept_payload = w->strip_payload ? 0 : plen;
  const __u32 H = w->grow ? w->header_len : 0;
  const __u32 l4_len_new = tl + kept_payload + H;

  /* Egress and the next hop's MAC. */
  __u32 port = 0;
  __u8 mac[6];
  int rc = sl_resolve_hop(ctx, out_family, dst, &port, mac, s->hop);
  if (rc == SL_PL_NO_NEIGHBOR) return sl_solicit(ctx, s, out_family, port);
  if (rc) return sl_drop(c, SL_VERDICT_DROP_PIPELINE, rc);
  struct sl_xdp_port *eport = bpf_map_lookup_elem(&sl_ports, &port);
  if (!eport) return sl_drop(c, SL_VERDICT_DROP_PIPELINE, SL_PL_NO_ROUTE);

  /* The new L4 header: ports (s->ck_old was taken before any L4 change). */
  const __u16 old_csum = s->old_csum;
  sl_wr16(in, p->l4, bpf_ntohs(sport));
  sl_wr16(in, p->l4 + 2, bpf_ntohs(dport));
  if (p->protocol == 17) sl_wr16(in, p->l4 + 4, (__u16)l4_len_new);

  /* L2: the tag as received, the new ethertype. */
  __builtin_memcpy(out, mac, 6);
  __builtin_memcpy(out + 6, eport->mac, 6);
  __u32 l3 = p->l3 & 0x1f;
  if (l3 == 18) __builtin_memcpy(out + 12, in + 12, 4);
  sl_wr16(out, l3 - 2, out_family == SL_FAMILY_V4 ? SL_ETH_P_IPV4 : SL_ETH_P_IPV6);

  /* L3. */
  __u32 ip_len;
  if (out_family == SL_FAMILY_V4) {
    if (in_family == SL_FAMILY_V4) {
      ip_len = (p->l4 - p->l3) & 0x3c;
      __builtin_memcpy(out + l3, in + l3, 60);
    } else {
      ip_len = 20;
      out[l3] = 0x45;
      out[l3 + 1] = p->tos;
      sl_wr16(out, l3 + 4, 0);
      sl_wr16(out, l3 + 6, 0x4000); /* RFC 7915 5.1: ID 0, DF */
    }
    sl_wr16(out, l3 + 2, (__u16)(ip_len + l4_len_new));
    out[(l3 + 8) & SL_IN_MASK] = p->ttl - 1;
    out[(l3 + 9) & SL_IN_MASK] = p->protocol;
    out[(l3 + 10) & SL_IN_MASK] = 0;
    out[(l3 + 11) & SL_IN_MASK] = 0;
    __builtin_memcpy(out + l3 + 12, src, 4);
    __builtin_memcpy(out + l3 + 16, dst, 4);
    if (ip_len < 20) ip_len = 20;
    const __s64 sum = bpf_csum_diff(0, 0, (void *)(out + l3), ip_len, 0);
    const __u16 ck = (__u16)~sl_fold(sum < 0 ? 0 : (__u64)sum);
    out[(l3 + 10) & SL_IN_MASK] = (__u8)ck;
    out[(l3 + 11) & SL_IN_MASK] = (__u8)(ck >> 8);
  } else {
    ip_len = 40;
    if (in_family == SL_FAMILY_V6) {
      __builtin_memcpy(out + l3, in + l3, 8); /* version, traffic class, flow label kept */
    } else {
      out[l3] = (__u8)(0x60 | (p->tos >> 4));
      out[(l3 + 1) & SL_IN_MASK] = (__u8)(p->tos << 4);
      out[(l3 + 2) & SL_IN_MASK] = 0;
      out[(l3 + 3) & SL_IN_MASK] = 0;
    }
    sl_wr16(out, l3 + 4, (__u16)l4_len_new);
    out[(l3 + 6) & SL_IN_MASK] = p->protocol;
    out[(l3 + 7) & SL_IN_MASK] = p->ttl - 1;
    __builtin_memcpy(out + l3 + 8, src, 16);
    __builtin_memcpy(out + l3 + 24, dst, 16);
  }
  if (w->originated) {
    /* The segment became the header segment: the appliance's own IP fields (fixtures README,
     * choice 7), as the C++ pipeline's standalone segment. */
    __u8 *l3_at = out + (l3 == 18 ? 4 : 0); /* the helpers write at +14 */
    if (out_family == SL_FAMILY_V4) {
      ip_len = 20;
      sl_ipv4_originated(l3_at, (__u16)(20 + l4_len_new), p->protocol, src, dst);
    } else {
      sl_ipv6_originated(l3_at, (__u16)l4_len_new, p->protocol, 64, src, dst);
    }
  }
  const __u32 l4_out = (l3 + ip_len) & SL_IN_MASK;
  __builtin_memcpy(out + l4_out, in + (p->l4 & SL_IN_MASK), 60);
  const __u32 new_hdrs = l4_out + tl;

  /* L4 checksum. */
  __u8 nsrc[16] = {}, ndst[16] = {};
  if (out_family == SL_FAMILY_V4) {
    __builtin_memcpy(nsrc, src, 4);
    __builtin_memcpy(ndst, dst, 4);
  } else {
    __builtin_memcpy(nsrc, src, 16);
    __builtin_memcpy(ndst, dst, 16);
  }
  sl_ck_block(s->ck_new, out, l4_out, nsrc, ndst, l4_len_new, p->protocol, csum_off);
  const int udp_no_csum = p->protocol == 17 && old_csum == 0;
  const int full = H > 0 || w->strip_payload || (udp_no_csum && out_family == SL_FAMILY_V6);
  __u16 new_csum = 0;
  const __u32 ck_len = (40 + tl) & 0x7c;
  if (full) {
    __u64 sum = 0;
    __s64 r = bpf_csum_diff(0, 0, (void *)s->ck_new, ck_len < 48 ? 48 : ck_len, 0);
    if (r >= 0) sum += (__u32)r;
    if (H > 0) {
      const __u64 id = w->id;
      struct sl_xdp_header *hdr = bpf_map_lookup_elem(&sl_headers, &id);
      if (!hdr) return sl_drop(c, SL_VERDICT_DROP_PIPELINE, SL_PL_NO_BUFFER);
      /* Header bytes beyond len are zero (sl_create_flow zeroes before building). */
      sum += sl_sum_body(hdr->bytes, H & (PP2_HEADER_MAX - 1));
    }
    if (kept_payload > 0) {
      if (kept_payload > SL_BODY_MAX) return sl_drop(c, SL_VERDICT_DROP_PIPELINE, SL_PL_NO_BUFFER);
      const __u32 n = kept_payload & SL_BODY_MASK;
      if (n == 0 || bpf_xdp_load_bytes(ctx, p->payload, s->body, n) < 0)
        return sl_drop(c, SL_VERDICT_DROP_PIPELINE, SL_PL_NO_BUFFER);
      s->body[n] = 0;
      s->body[n + 1] = 0;
      s->body[n + 2] = 0;
      const __u16 psum = sl_fold(sl_sum_body(s->body, n));
      sum += (H & 1) ? sl_swab16(psum) : psum;
    }
    new_csum = (__u16)~sl_fold(sum);
    if (p->protocol == 17 && new_csum == 0) new_csum = 0xffff;
  } else if (udp_no_csum) {
    new_csum = 0;
  } else {
    const __s64 r = bpf_csum_diff((void *)s->ck_old, ck_len < 48 ? 48 : ck_len, (void *)s->ck_new,
                                  ck_len < 48 ? 48 : ck_len, (__u32)(__u16)~old_csum);
    new_csum = (__u16)~sl_fold(r < 0 ? 0 : (__u64)(__u32)r);
    if (p->protocol == 17 && new_csum == 0) new_csum = 0xffff;
  }
  out[(l4_out + csum_off) & SL_IN_MASK] = (__u8)new_csum;
  out[(l4_out + csum_off + 1) & SL_IN_MASK] = (__u8)(new_csum >> 8);

  /* Frame surgery: drop padding (and a stripped payload), move the front, store. */
  const __u32 frame_len = p->frame_len;
  const __u32 trim = frame_len - p->l3_end + (w->strip_payload ? plen : 0);
  if (trim > 0 && bpf_xdp_adjust_tail(ctx, -(int)trim) < 0) return sl_drop(c, SL_VERDICT_DROP_PIPELINE, SL_PL_NO_BUFFER);
  const int delta = (int)(new_hdrs + H) - (int)p->payload;
  if (delta != 0 && bpf_xdp_adjust_head(ctx, -delta) < 0) return sl_drop(c, SL_VERDICT_DROP_PARSE, SL_PD_NO_BUFFER_ROOM);
  const __u32 store = new_hdrs & SL_IN_MASK;
  if (store < 14 || bpf_xdp_store_bytes(ctx, 0, out, store) < 0) return sl_drop(c, SL_VERDICT_DROP_PIPELINE, SL_PL_NO_BUFFER);
  if (H > 0) {
    const __u64 id = w->id;
    struct sl_xdp_header *hdr = bpf_map_lookup_elem(&sl_headers, &id);
    const __u32 n = H & (PP2_HEADER_MAX - 1);
    if (!hdr || n == 0 || bpf_xdp_store_bytes(ctx, store, hdr->bytes, n) < 0)
      return sl_drop(c, SL_VERDICT_DROP_PIPELINE, SL_PL_NO_BUFFER);
  }

  if (c) {
    c->tx_packets++;
    c->tx_bytes += bpf_xdp_get_buff_len(ctx);
  }
  sl_set_verdict(SL_VERDICT_FORWARD, 0, port);
  if (eport->ifindex == ctx->ingress_ifindex) return XDP_TX;
  return bpf_redirect_map(&sl_tx_ports, port, 0);
}

/* ------------------------------------------------------------------- TCP option rewrites */
static __always_inline void sl_clamp_mss(__u8 *in, const struct sl_parsed *p, __u32 limit) {
  if (!p->mss_off) return;
  const __u32 o = p->l4 + p->mss_off + 2;
  if (sl_rd16(in, o) > limit) sl_wr16(in, o, (__u16)limit);
}

/* TFO (kind 34 / experimental 254) becomes NOPs, as long as it is. */
static __always_inline void sl_strip_tfo(__u8 *in, const struct sl_parsed *p) {
  if (!p->tfo_off) return;
  const __u32 o = p->l4 + p->tfo_off;
  const __u32 len = SL_B(in, o + 1);
#pragma clang loop unroll(full)
  for (__u32 i = 0; i < 40; i++)
    if (i < len) SL_B(in, o + i) = 1;
}

/* Backend SACK blocks: translated by -H; blocks that covered only header bytes removed, the
 * survivors first, the option shortened, freed bytes NOPs (fixtures README, choice 3). */
static __always_inline void sl_translate_sack(__u8 *in, const struct sl_parsed *p, const struct sl_xdp_flow *f) {
  if (!p->sack_off) return;
  const __u32 o = p->l4 + p->sack_off;
  const __u32 len = SL_B(in, o + 1);
  const __u32 blocks = (len - 2) / 8;
  __u32 kept = 0;
#pragma clang loop unroll(full)
  for (__u32 i = 0; i < 4; i++) {
    if (i < blocks) {
      const __u32 l = sl_translate_server_ack(f, sl_rd32(in, o + 2 + 8 * i));
      const __u32 r = sl_translate_server_ack(f, sl_rd32(in, o + 6 + 8 * i));
      if (sl_lt(l, r)) {
        sl_wr32(in, o + 2 + 8 * kept, l);
        sl_wr32(in, o + 6 + 8 * kept, r);
        kept++;
      }
    }
  }
  if (kept == blocks) return;
  const __u32 new_len = kept ? 2 + 8 * kept : 0;
  if (kept) SL_B(in, o + 1) = (__u8)new_len;
#pragma clang loop unroll(full)
  for (__u32 i = 0; i < 34; i++)
    if (i >= new_len && i < len) SL_B(in, o + i) = 1;
}

/* ------------------------------------------------------------------------ TCP and UDP */
static __always_inline __u32 sl_mss_for(__u32 mtu, __u8 family) { return mtu - (family == SL_FAMILY_V4 ? 40 : 60); }

/* The header segment towards the backend, built in place of the backend segment that asked for
 * it (dup ACK, SACK or partial ack at c+1, SYN-ACK retransmission): XDP cannot send it in
 * addition, and that segment tells the client nothing it needs (docs/xdp.md). Built like the
 * C++ pipeline's standalone segment (docs/pipeline.md): SNAT -> backend, seq c+1, ack = the
 * client's latest, PSH+ACK, the client's last window and timestamps, payload = the header. */
__attribute__((noinline)) int sl_header_segment(struct xdp_md *ctx, struct sl_scratch *s, struct sl_xdp_flow *f) {
  if (!ctx || !s || !f) return XDP_ABORTED;
  const __u32 zero = 0;
  struct sl_xdp_counters *c = bpf_map_lookup_elem(&sl_counters, &zero);
  const __u64 id = s->w.id;
  struct sl_xdp_header *hdr = bpf_map_lookup_elem(&sl_headers, &id);
  if (!hdr) return sl_drop(c, SL_VERDICT_DROP_PIPELINE, SL_PL_NO_BUFFER);
  const __u32 H = f->header_len & (PP2_HEADER_MAX - 1);
  if (H == 0) return sl_drop(c, SL_VERDICT_DROP_PIPELINE, SL_PL_NO_BUFFER);
  __u32 port_id = 0;
  __u8 mac[6];
  const int rc = sl_resolve(ctx, f->backend_family, f->backend, &port_id, mac);
  if (rc) return sl_drop(c, SL_VERDICT_DROP_PIPELINE, rc);
  struct sl_xdp_port *eport = bpf_map_lookup_elem(&sl_ports, &port_id);
  if (!eport) return sl_drop(c, SL_VERDICT_DROP_PIPELINE, SL_PL_NO_ROUTE);
  __u8 *out = s->out;
  const int v4 = f->backend_family == SL_FAMILY_V4;
  const __u32 ip_len = v4 ? 20 : 40;
  const __u32 tl = f->last_client_ts_len ? 32 : 20;
  const __u32 l4_len = tl + H;
  sl_l2(out, mac, eport, v4 ? SL_ETH_P_IPV4 : SL_ETH_P_IPV6);
  if (v4)
    sl_ipv4_originated(out, (__u16)(20 + l4_len), 6, f->snat, f->backend);
  else
    sl_ipv6_originated(out, (__u16)l4_len, 6, 64, f->snat, f->backend);
  __u8 *tcp = out + 14 + ip_len;
  __builtin_memcpy(tcp, &f->snat_port, 2);
  __builtin_memcpy(tcp + 2, &f->backend_port, 2);
  const __u32 seq = f->client_isn + 1;
  const __u32 ack = f->client_last_ack;
  tcp[4] = (__u8)(seq >> 24); tcp[5] = (__u8)(seq >> 16); tcp[6] = (__u8)(seq >> 8); tcp[7] = (__u8)seq;
  tcp[8] = (__u8)(ack >> 24); tcp[9] = (__u8)(ack >> 16); tcp[10] = (__u8)(ack >> 8); tcp[11] = (__u8)ack;
  tcp[12] = (__u8)((tl / 4) << 4);
  tcp[13] = SL_TCP_ACK | SL_TCP_PSH;
  tcp[14] = (__u8)(f->last_client_window >> 8);
  tcp[15] = (__u8)f->last_client_window;
  tcp[16] = tcp[17] = tcp[18] = tcp[19] = 0;
  if (tl == 32) {
    tcp[20] = 1;
    tcp[21] = 1;
    __builtin_memcpy(tcp + 22, f->last_client_ts, 10);
  }
  /* Checksum: pseudo header + TCP header + the header bytes (zero beyond H, at an even
   * offset of the segment). */
  __u8 src[16] = {}, dst[16] = {};
  if (v4) {
    __builtin_memcpy(src, f->snat, 4);
    __builtin_memcpy(dst, f->backend, 4);
  } else {
    __builtin_memcpy(src, f->snat, 16);
    __builtin_memcpy(dst, f->backend, 16);
  }
  sl_pseudo(s->ck_new, src, dst, l4_len, 6);
  __builtin_memcpy(s->ck_new + 40, tcp, 32);
  __u64 sum = 0;
  const __s64 r = bpf_csum_diff(0, 0, (void *)s->ck_new, tl == 32 ? 72 : 60, 0);
  if (r >= 0) sum += (__u32)r;
  sum += sl_sum_body(hdr->bytes, H);
  const __u16 ck = (__u16)~sl_fold(sum);
  tcp[16] = (__u8)ck;
  tcp[17] = (__u8)(ck >> 8);

  /* The held frame becomes exactly headers + H bytes. */
  const __u32 hdrs = 14 + ip_len + tl;
  const int want = (int)(hdrs + H);
  const int have = (int)bpf_xdp_get_buff_len(ctx);
  if (want > have) {
    if (bpf_xdp_adjust_head(ctx, have - want) < 0) return sl_drop(c, SL_VERDICT_DROP_PIPELINE, SL_PL_NO_BUFFER);
  } else if (want < have) {
    if (bpf_xdp_adjust_tail(ctx, want - have) < 0) return sl_drop(c, SL_VERDICT_DROP_PIPELINE, SL_PL_NO_BUFFER);
  }
  if (bpf_xdp_store_bytes(ctx, 0, out, hdrs & SL_IN_MASK) < 0 || bpf_xdp_store_bytes(ctx, hdrs & SL_IN_MASK, hdr->bytes, H) < 0)
    return sl_drop(c, SL_VERDICT_DROP_PIPELINE, SL_PL_NO_BUFFER);
  if (c) {
    c->pp_resent++;
    c->tx_packets++;
    c->tx_bytes += (__u32)want;
  }
  sl_set_verdict(SL_VERDICT_CONSUMED, 0, port_id);
  return sl_send_local(ctx, eport, port_id);
}

/* A backend ACK (neither SYN nor RST) while the flow waits for the SYN-ACK (SYN_SENT) is from
 * an older incarnation of the 4-tuple, typically the backend's TIME_WAIT answering a SYN on a
 * reused SNAT port. The appliance is the backend's TCP peer: it answers as a connecting
 * endpoint does (RFC 9293 section 3.10.7.3), <SEQ=SEG.ACK><CTL=RST>, which ends that TIME_WAIT,
 * and nothing goes to the client. The RST replaces the held frame; its bytes are the C++
 * pipeline's (Worker::reset_stale_backend: SNAT -> backend, ack 0, window 0, no options). */
__attribute__((noinline)) int sl_stale_ack_reset(struct xdp_md *ctx, struct sl_scratch *s, struct sl_xdp_flow *f) {
  if (!ctx || !s || !f) return XDP_ABORTED;
  const __u32 zero = 0;
  struct sl_xdp_counters *c = bpf_map_lookup_elem(&sl_counters, &zero);
  struct sl_parsed *p = &s->p;
  __u32 port_id = 0;
  __u8 mac[6];
  const int rc = sl_resolve(ctx, f->backend_family, f->backend, &port_id, mac);
  if (rc) return sl_drop(c, SL_VERDICT_DROP_PIPELINE, rc);
  struct sl_xdp_port *eport = bpf_map_lookup_elem(&sl_ports, &port_id);
  if (!eport) return sl_drop(c, SL_VERDICT_DROP_PIPELINE, SL_PL_NO_ROUTE);
  const __u32 seg_ack = sl_rd32(s->in, p->l4 + 8);
  __u8 *out = s->out;
  const int v4 = f->backend_family == SL_FAMILY_V4;
  const __u32 ip_len = v4 ? 20 : 40;
  sl_l2(out, mac, eport, v4 ? SL_ETH_P_IPV4 : SL_ETH_P_IPV6);
  if (v4)
    sl_ipv4_originated(out, 40, 6, f->snat, f->backend);
  else
    sl_ipv6_originated(out, 20, 6, 64, f->snat, f->backend);
  __u8 *tcp = out + 14 + ip_len;
  __builtin_memcpy(tcp, &f->snat_port, 2);
  __builtin_memcpy(tcp + 2, &f->backend_port, 2);
  tcp[4] = (__u8)(seg_ack >> 24); tcp[5] = (__u8)(seg_ack >> 16); tcp[6] = (__u8)(seg_ack >> 8); tcp[7] = (__u8)seg_ack;
  tcp[8] = tcp[9] = tcp[10] = tcp[11] = 0;
  tcp[12] = 5 << 4;
  tcp[13] = SL_TCP_RST;
  tcp[14] = tcp[15] = tcp[16] = tcp[17] = tcp[18] = tcp[19] = 0;
  __u8 src[16] = {}, dst[16] = {};
  if (v4) {
    __builtin_memcpy(src, f->snat, 4);
    __builtin_memcpy(dst, f->backend, 4);
  } else {
    __builtin_memcpy(src, f->snat, 16);
    __builtin_memcpy(dst, f->backend, 16);
  }
  sl_pseudo(s->ck_new, src, dst, 20, 6);
  __builtin_memcpy(s->ck_new + 40, tcp, 20);
  const __s64 sum = bpf_csum_diff(0, 0, (void *)s->ck_new, 60, 0);
  const __u16 ck = (__u16)~sl_fold(sum < 0 ? 0 : (__u64)sum);
  tcp[16] = (__u8)ck;
  tcp[17] = (__u8)(ck >> 8);
  const __u32 len = 14 + ip_len + 20;
  if (sl_replace_frame(ctx, out, len, p->frame_len) < 0) return sl_drop(c, SL_VERDICT_DROP_PIPELINE, SL_PL_NO_BUFFER);
  if (c) {
    c->dropped++;
    c->pipeline_drops[SL_PL_STALE_ACK_TO_SYN]++;
    c->tx_packets++;
    c->tx_bytes += len;
  }
  sl_set_verdict(SL_VERDICT_DROP_PIPELINE, SL_PL_STALE_ACK_TO_SYN, port_id);
  return sl_send_local(ctx, eport, port_id);
}

/* Client -> backend TCP: insertion decisions and option rewrites on s->in, plan in s->w.
 * Returns 0 or an insertion::InsertionDrop value. */
__attribute__((noinline)) int sl_tcp_client(struct sl_scratch *s, struct sl_xdp_flow *f, __u64 now) {
  if (!s || !f) return 0;
  const __u32 zero_key = 0;
  struct sl_xdp_counters *c = bpf_map_lookup_elem(&sl_counters, &zero_key);
  struct sl_parsed *p = &s->p;
  __u8 *in = s->in;
  struct sl_fwd *w = &s->w;
  const __u8 flags = p->tcp_flags;
  if (f->header_len > 0) {
    struct sl_client_decision d = {};
    /* Room for growing: the backend side's MTU less its IP header and this TCP header. */
    const __u32 room = (__u32)f->backend_mtu - (f->backend_family == SL_FAMILY_V4 ? 20 : 40) - p->tcp_len;
    const int reason = sl_client_segment(f, in, p, room, now, &d);
    if (reason) return reason;
    sl_wr32(in, p->l4 + 4, d.seq);
    if (d.grow) {
      w->grow = d.grow;
      w->header_len = f->header_len;
      if (c) {
        if (d.resend) c->pp_resent++;
        else c->pp_inserted++;
      }
      if (d.grow == SL_GROW_REPLACE) {
        w->strip_payload = 1;
        w->originated = 1;
        SL_B(in, p->l4 + 13) = SL_TCP_ACK | SL_TCP_PSH;
      }
    }
    if (d.strip_payload) w->strip_payload = 1;
  }
  if (flags & SL_TCP_SYN) {
    if (f->header_len > 0) sl_strip_tfo(in, p);
    sl_clamp_mss(in, p, sl_mss_for(f->backend_mtu, f->backend_family));
  }
  if (f->header_len > 0) {
    f->last_client_window = (__u16)sl_rd16(in, p->l4 + 14);
    if (p->ts_off) {
      f->last_client_ts_len = 10;
      const __u32 o = (p->l4 + p->ts_off) & SL_IN_MASK;
      __builtin_memcpy(f->last_client_ts, in + o, 10);
    }
  }
  return 0;
}

/* Backend -> client TCP: ack and SACK translation, SYN-ACK MSS. Returns 0 or a drop value. */
__attribute__((noinline)) int sl_tcp_backend(struct sl_scratch *s, struct sl_xdp_flow *f) {
  if (!s || !f) return 0;
  struct sl_parsed *p = &s->p;
  __u8 *in = s->in;
  const __u8 flags = p->tcp_flags;
  if (f->header_len > 0) {
    const int reason = sl_backend_segment(f, in, p);
    if (reason) return reason;
    if (flags & SL_TCP_ACK) sl_wr32(in, p->l4 + 8, sl_translate_server_ack(f, sl_rd32(in, p->l4 + 8)));
    sl_translate_sack(in, p, f);
    if ((flags & SL_TCP_SYN) && (f->ins_flags & SL_INS_WITH_DATA) && p->mss_off) {
      const __u32 o = p->l4 + p->mss_off + 2;
      const __u32 mss = sl_rd16(in, o);
      const __u32 lowered = mss > (__u32)f->header_len + 88 ? mss - f->header_len : 88;
      if (lowered < mss) sl_wr16(in, o, (__u16)lowered);
    }
  }
  if (flags & SL_TCP_SYN) sl_clamp_mss(in, p, sl_mss_for(f->client_mtu, f->client_family));
  return 0;
}

/* Parsing on its own: verified once. */
__attribute__((noinline)) int sl_parse_frame(struct sl_scratch *s) {
  if (!s) return SL_PD_TRUNCATED_ETHERNET;
  return sl_parse(s->in, &s->p);
}

static __always_inline int sl_l4(struct xdp_md *ctx, struct sl_scratch *s, struct sl_xdp_config *cfg,
                                 struct sl_xdp_counters *c, __u32 in_port, __u64 now) {
  struct sl_parsed *p = &s->p;
  __u8 *in = s->in;
  struct sl_xdp_ct_key *k = &s->key;
  __builtin_memset(k, 0, sizeof(*k));
  const __u32 a = p->l3 + (p->family == SL_FAMILY_V4 ? 12 : 8);
  const __u32 alen = p->family == SL_FAMILY_V4 ? 4 : 16;
  if (alen == 4) {
    __builtin_memcpy(k->src, in + (a & SL_IN_MASK), 4);
    __builtin_memcpy(k->dst, in + ((a + 4) & SL_IN_MASK), 4);
  } else {
    __builtin_memcpy(k->src, in + (a & SL_IN_MASK), 16);
    __builtin_memcpy(k->dst, in + ((a + 16) & SL_IN_MASK), 16);
  }
  k->sport = bpf_htons(sl_rd16(in, p->l4));
  k->dport = bpf_htons(sl_rd16(in, p->l4 + 2));
  k->protocol = p->protocol;
  k->family = p->family;

  __u64 id = 0;
  __u8 side = SL_SIDE_CLIENT;
  struct sl_xdp_flow *f = 0;
  struct sl_xdp_ct_ref *ref = bpf_map_lookup_elem(&sl_ct, k);
  if (ref) {
    id = ref->flow;
    side = ref->side;
    f = bpf_map_lookup_elem(&sl_flows, &id);
    /* last_seen may be ahead of this CPU's `now` (another CPU just touched the flow). */
    if (f && now > f->last_seen_ns && now - f->last_seen_ns > sl_timeout(cfg, f)) {
      sl_forget(s, id, f);
      f = 0;
    }
    if (!f) bpf_map_delete_elem(&sl_ct, k);
  }
  const __u8 flags = p->tcp_flags;
  const int opening_syn = p->protocol == 6 && (flags & (SL_TCP_SYN | SL_TCP_ACK | SL_TCP_RST)) == SL_TCP_SYN;
  if (f && opening_syn && side == SL_SIDE_CLIENT && f->state >= SL_TCP_FIN_WAIT && f->state <= SL_TCP_CLOSE) {
    sl_forget(s, id, f); /* a new connection on a closing 4-tuple */
    f = 0;
  }
  if (p->ttl <= 1) {
    struct sl_xdp_addr_key ok = {};
    __builtin_memcpy(ok.addr, k->dst, 16);
    ok.family = k->family;
    if (f || bpf_map_lookup_elem(&sl_own, &ok)) return sl_drop(c, SL_VERDICT_DROP_PIPELINE, SL_PL_TTL_EXCEEDED);
  }
  if (!f) {
    struct sl_xdp_addr_key ok = {};
    __builtin_memcpy(ok.addr, k->dst, 16);
    ok.family = k->family;
    const struct sl_xdp_own *own = bpf_map_lookup_elem(&sl_own, &ok);
    if (!own) return sl_pass(c, SL_PL_NOT_FOR_US);
    /* The kernel's own connections (health probes, docs/health.md) leave from the host port
     * range, which SNAT never allocates: their answers go up to the kernel, which owns the
     * interface and SNAT addresses in xdp mode (control/runtime/kernel_addresses.hpp). */
    const __u16 dport = bpf_ntohs(k->dport);
    if ((own->kinds & (SL_OWN_INTERFACE | SL_OWN_SNAT)) && dport >= cfg->host_port_first &&
        dport <= cfg->host_port_last && cfg->host_port_first != 0) {
      sl_set_verdict(SL_VERDICT_PASS, 0, 0);
      if (c) c->host_rx++;
      return XDP_PASS;
    }
    if (p->protocol == 6 && !opening_syn) return sl_drop(c, SL_VERDICT_DROP_PIPELINE, SL_PL_UNKNOWN_TCP_FLOW);
    struct sl_xdp_service_key sk = {};
    __builtin_memcpy(sk.addr, k->dst, 16);
    sk.port = k->dport;
    sk.protocol = k->protocol;
    sk.family = k->family;
    struct sl_xdp_service *svc = bpf_map_lookup_elem(&sl_services, &sk);
    if (!svc) return sl_drop(c, SL_VERDICT_DROP_PIPELINE, SL_PL_NO_SERVICE);
    s->w.reason = SL_PL_NO_BUFFER;
    id = sl_create_flow(s, cfg, svc, in_port, now);
    if (!id) return sl_drop(c, SL_VERDICT_DROP_PIPELINE, s->w.reason);
    f = bpf_map_lookup_elem(&sl_flows, &id);
    if (!f) return sl_drop(c, SL_VERDICT_DROP_PIPELINE, SL_PL_NO_BUFFER);
    side = SL_SIDE_CLIENT;
  }

  sl_capture_old(s);
  struct sl_fwd *w = &s->w;
  __builtin_memset(w, 0, sizeof(*w));
  w->id = id;
  w->to_backend = side == SL_SIDE_CLIENT;
  if (p->protocol == 17) {
    if (side == SL_SIDE_CLIENT && f->header_len > 0 && f->header_state != SL_HDR_ACKED) {
      /* The header must not be split or fragmented (spec): a datagram it would push over the
       * backend link's MTU becomes an ICMP error telling the client the size that fits. */
      const __u32 backend_ip = f->backend_family == SL_FAMILY_V4 ? 20 : 40;
      const __u32 grown = backend_ip + (p->l3_end - p->l4) + f->header_len;
      if (grown > f->backend_mtu) {
        const __u32 overhead = f->header_len + backend_ip;
        const __u32 reduced = f->backend_mtu > overhead ? f->backend_mtu - overhead + (p->l4 - p->l3) : 0;
        return sl_udp_too_big(ctx, s, f, in_port, reduced);
      }
      w->grow = SL_GROW_KEEP;
      w->header_len = f->header_len;
      if (!f->udp_every) f->header_state = SL_HDR_ACKED; /* first datagram only */
      if (c) c->pp_inserted++;
    }
    f->last_seen_ns = now;
    return sl_forward(ctx, s, f);
  }
  if (side == SL_SIDE_BACKEND && f->state == SL_TCP_SYN_SENT && (flags & (SL_TCP_SYN | SL_TCP_ACK | SL_TCP_RST)) == SL_TCP_ACK)
    return sl_stale_ack_reset(ctx, s, f);
  const __u8 armed_before = f->ins_flags & SL_INS_TIMER_ARMED;
  const int reason = side == SL_SIDE_CLIENT ? sl_tcp_client(s, f, now) : sl_tcp_backend(s, f);
  if (reason) return sl_drop(c, SL_VERDICT_DROP_INSERTION, (__u32)reason);
  if (!armed_before && (f->ins_flags & SL_INS_TIMER_ARMED)) {
    const __u8 armed = 1; /* once per flow: the header timer's work list */
    bpf_map_update_elem(&sl_armed, &id, &armed, BPF_ANY);
  }
  /* A backend signal that the header was lost, on a segment that carries nothing for the
   * client: that segment becomes the header resend (XDP holds one frame). */
  if (side == SL_SIDE_BACKEND && (f->ins_flags & SL_INS_RESEND_WANTED) && p->l3_end == p->payload &&
      !(flags & (SL_TCP_FIN | SL_TCP_RST))) {
    f->ins_flags &= ~SL_INS_RESEND_WANTED;
    f->last_seen_ns = now;
    return sl_header_segment(ctx, s, f);
  }
  sl_track_tcp(f, side == SL_SIDE_CLIENT, flags);
  f->last_seen_ns = now;
  return sl_forward(ctx, s, f);
}

/* ----------------------------------------------------------------------------- entry */
SEC("xdp")
int sluice_xdp(struct xdp_md *ctx) {
  const __u32 zero = 0;
  struct sl_scratch *s = bpf_map_lookup_elem(&sl_scratch, &zero);
  struct sl_xdp_config *cfg = bpf_map_lookup_elem(&sl_config, &zero);
  struct sl_xdp_counters *c = bpf_map_lookup_elem(&sl_counters, &zero);
  if (!s || !cfg) return XDP_PASS;
  const __u64 now = cfg->test_now_ns ? cfg->test_now_ns : bpf_ktime_get_ns();
  const __u32 len = bpf_xdp_get_buff_len(ctx);
  if (c) {
    c->rx_packets++;
    c->rx_bytes += len;
  }
  __builtin_memset(&s->p, 0, sizeof(s->p));
  s->p.frame_len = len;
  __u32 copy = len < SL_IN_MAX ? len : SL_IN_MAX;
  copy &= 0x1ff;
  if (copy == 0 || copy > SL_IN_MAX) return sl_drop(c, SL_VERDICT_DROP_PARSE, SL_PD_TRUNCATED_ETHERNET);
  if (bpf_xdp_load_bytes(ctx, 0, s->in, copy) < 0) return sl_drop(c, SL_VERDICT_DROP_PARSE, SL_PD_TRUNCATED_ETHERNET);

  const int reason = sl_parse_frame(s);
  if (reason) return sl_drop(c, SL_VERDICT_DROP_PARSE, (__u32)reason);

  const __u32 ifindex = ctx->ingress_ifindex;
  const __u32 memo = ifindex & 3;
  __u32 in_port;
  if (ifindex != 0 && s->port_memo_ifindex[memo] == ifindex) {
    in_port = s->port_memo_port[memo];
  } else {
    struct sl_xdp_ifport *ip = bpf_map_lookup_elem(&sl_ifports, &ifindex);
    if (!ip) return sl_pass(c, SL_PL_NOT_FOR_US);
    in_port = ip->port;
    s->port_memo_ifindex[memo] = ifindex;
    s->port_memo_port[memo] = in_port;
  }

  if (s->p.ethertype == SL_ETH_P_ARP) return sl_arp(ctx, s, c, in_port);
  if (s->p.fragment) return sl_drop(c, SL_VERDICT_DROP_PIPELINE, SL_PL_FRAGMENT);
  if (s->p.protocol == 6 || s->p.protocol == 17) return sl_l4(ctx, s, cfg, c, in_port, now);
  if (s->p.protocol == 1 || s->p.protocol == 58) {
    const __u8 type = SL_B(s->in, s->p.l4);
    if (s->p.protocol == 58 && (type == 135 || type == 136) && s->p.l3_end - s->p.l4 >= 32 &&
        SL_B(s->in, s->p.l4 + 24) == (type == 135 ? 1 : 2) && SL_B(s->in, s->p.l4 + 25) == 1) {
      /* NS: the solicitor's source and link-layer option; NA: the target and its option. */
      const __u32 addr_at = type == 135 ? s->p.l3 + 8 : s->p.l4 + 8;
      __u8 addr[16];
      __builtin_memcpy(addr, s->in + (addr_at & SL_IN_MASK), 16);
      __u8 mac[6];
      __builtin_memcpy(mac, s->in + ((s->p.l4 + 26) & SL_IN_MASK), 6);
      if (addr[0] | addr[1] | addr[15]) sl_learn(SL_FAMILY_V6, addr, 16, mac, in_port);
    }
    if (s->p.protocol == 58 && type == 135) return sl_ndp_advertise(ctx, s, in_port);
    if ((s->p.protocol == 1 && type == 8) || (s->p.protocol == 58 && type == 128)) {
      struct sl_xdp_addr_key ok = {};
      const __u32 a = s->p.l3 + (s->p.family == SL_FAMILY_V4 ? 16 : 24);
      if (s->p.family == SL_FAMILY_V4)
        __builtin_memcpy(ok.addr, s->in + (a & SL_IN_MASK), 4);
      else
        __builtin_memcpy(ok.addr, s->in + (a & SL_IN_MASK), 16);
      ok.family = s->p.family;
      if (bpf_map_lookup_elem(&sl_own, &ok)) return sl_echo_reply(ctx, s);
    }
    /* Other ICMP (errors, replies, advertisements): the kernel's (it learns neighbours). */
    return sl_pass(c, SL_PL_ICMP_IGNORED);
  }
  /* Other protocols: the kernel of the appliance. */
  return sl_pass(c, SL_PL_UNSUPPORTED_L4);
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
