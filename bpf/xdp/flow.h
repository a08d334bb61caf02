/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Flows: lifetime (idle timeout, the flow's sl_ct keys, removal with the per-backend counts),
 * the conntrack tracker (the shared rule), backend selection (rr, wrr, maglev/source-hash,
 * least-conn) and flow creation (SNAT port, index entries, the PROXY header built once). The
 * C++ twins: dataplane/pipeline/worker.cpp (create_flow, destroy_flow), dataplane/sched/.
 * Included by bpf/sluice_xdp.bpf.c after local.h.
 */
#ifndef SLUICE_BPF_XDP_FLOW_H
#define SLUICE_BPF_XDP_FLOW_H

/* --------------------------------------------------------------------- flow lifetime */
/* Idle timeout of the flow's state: the shared rule (the C++ worker's and the loader's expiry). */
static __always_inline __u64 sl_timeout(const struct sl_xdp_config *cfg, const struct sl_xdp_flow *f) {
  /* With the pressure rule of embryonic.h on top, as the C++ worker's idle_timeout_ns. */
  return sl_flow_idle_timeout_ns(f->state, f->conntrack_flags, cfg->tcp_syn_timeout_ns,
                                 cfg->tcp_syn_pressure_timeout_ns, cfg->tcp_established_timeout_ns,
                                 cfg->tcp_closing_timeout_ns, cfg->udp_timeout_ns);
}

/* The flow's sl_ct keys: the shared helpers (xdp_maps.h), the loader's forget() uses them too. */
#define sl_client_key sl_flow_client_key
#define sl_backend_key sl_flow_backend_key

/* Removes a flow and its index entries (expiry found on lookup; the control thread sweeps the
 * rest). */
/* The per-backend counters of a backend slot (sl_backend_flows). */
static __always_inline struct sl_xdp_backend_flows *sl_backend_counters(__u32 service, __u32 slot) {
  if (slot >= SL_XDP_MAX_BACKENDS) return 0;
  const __u32 key = sl_backend_index(service, slot);
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

/* The conntrack tracker: the shared rule (dataplane/shared/tcp_rules.h, worker_tcp.cpp's too). */
static __always_inline void sl_track_tcp(struct sl_xdp_flow *f, int from_client, __u8 flags) {
  sl_tcp_track(&f->state, &f->track_flags, from_client, flags);
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
  const __u32 key = sl_backend_index(lc->service, i);
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
  const __u32 key = sl_backend_index(svc->id, index);
  return bpf_map_lookup_elem(&sl_backends, &key);
}


/* ------------------------------------------------------------ bounded embryonic state */
/* The rules of dataplane/shared/embryonic.h, as the C++ worker_embryonic.cpp runs them: the
 * new TCP flow's ring slot, then, when the table or the SNAT range is full, the oldest
 * embryonic flow of the next SL_EMBRYONIC_RECLAIM_SCAN slots. */
static __always_inline __u32 sl_embryonic_base(const struct sl_xdp_config *cfg) {
  const __u32 cpus = cfg->nr_cpus ? cfg->nr_cpus : 1;
  return (bpf_get_smp_processor_id() % cpus) * cfg->embryonic_ring;
}

/* What a reclaim may take: any embryonic flow, or (SNAT range full) one holding a port of the
 * same SNAT address towards the same backend (the sl_ct key of a port includes the backend). */
struct sl_reclaim {
  __u32 base;                  /* this CPU's first ring entry */
  __u32 ring;
  __u32 start;                 /* the oldest slot */
  __u32 filled;
  __u16 port;                  /* out: the reclaimed flow's SNAT port (network order) */
  __u8 found;
  __u8 family;
  __u8 match_snat;             /* 0: any embryonic flow */
  __u8 any_age;                /* under pressure: sl_embryonic_reclaimable */
  __u16 backend_port;
  __u64 now_ns;
  __u8 snat[16];
  __u8 backend[16];
};
/* 64 bytes: the program's deepest call chain is near the verifier's 512-byte stack limit. */
_Static_assert(sizeof(struct sl_reclaim) == 64, "sl_reclaim size");

static __always_inline int sl_same16(const __u8 *a, const __u8 *b) {
  __u8 diff = 0;
#pragma clang loop unroll(full)
  for (int i = 0; i < 16; i++) diff |= a[i] ^ b[i];
  return diff == 0;
}

/* Removes flow `id` if it is still embryonic (and matches r, when r asks): 1 when it did. */
static __always_inline int sl_reclaim_flow(__u64 id, struct sl_reclaim *r) {
  if (id == 0) return 0;
  struct sl_xdp_flow *old = bpf_map_lookup_elem(&sl_flows, &id);
  if (!old || old->protocol != IPPROTO_TCP || !sl_is_embryonic(old->state)) return 0;
  if (r && r->match_snat &&
      (old->backend_family != r->family || old->backend_port != r->backend_port ||
       !sl_same16(old->snat, r->snat) || !sl_same16(old->backend, r->backend))) {
    return 0;
  }
  /* A full table or SNAT range takes only a flow that had its chance (embryonic.h). */
  if (r && !sl_embryonic_reclaimable(old->created_ns, r->now_ns, r->any_age)) return 0;
  if (r) r->port = old->snat_port;
  sl_forget(0, id, old);
  const __u32 zero = 0;
  struct sl_xdp_counters *c = bpf_map_lookup_elem(&sl_counters, &zero);
  if (c) c->embryonic_reclaimed++;
  return 1;
}

static long sl_reclaim_step(__u32 i, void *data) {
  struct sl_reclaim *r = data;
  if (i >= r->filled || r->ring == 0) return 1;
  const __u32 key = r->base + (r->start + i) % r->ring;
  const __u64 *entry = bpf_map_lookup_elem(&sl_embryonic, &key);
  if (!entry) return 1;
  if (sl_reclaim_flow(*entry, r)) {
    r->found = 1;
    return 1;
  }
  return 0;
}

static __always_inline int sl_reclaim_oldest(const struct sl_xdp_config *cfg, const struct sl_xdp_cpu_state *cpu,
                                             struct sl_reclaim *r) {
  r->base = sl_embryonic_base(cfg);
  r->ring = cfg->embryonic_ring;
  r->start = sl_embryonic_oldest_slot(cpu->embryonic_created, r->ring);
  r->filled = sl_embryonic_filled(cpu->embryonic_created, r->ring);
  r->found = 0;
  /* A flow a second old may go, any embryonic flow under pressure (embryonic.h); the clock is
   * the program's (the fixture clock in tests). */
  r->now_ns = cfg->test_now_ns ? cfg->test_now_ns : bpf_ktime_get_ns();
  const __u32 zero = 0;
  const struct sl_xdp_pressure *pressure = bpf_map_lookup_elem(&sl_pressure, &zero);
  r->any_age = pressure && pressure->under_pressure;
  if (r->ring == 0) return 0;
  bpf_loop(SL_EMBRYONIC_RECLAIM_SCAN, sl_reclaim_step, r, 0);
  return r->found;
}

/* The header builder in scratch filled for the client's connection (s->key): the service's
 * template and the addresses and ports, the first 8 bytes of UNIQUE_ID (the instance); the
 * caller adds the flow id, or not (sl_sp_header_len only needs the length, which does not
 * depend on it), and runs sl_build_header. */
static __always_inline void sl_header_build_prepare(struct sl_scratch *s, const struct sl_xdp_config *cfg,
                                                    const struct pp2_template *tpl) {
  const struct sl_xdp_ct_key *k = &s->key;
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
  f->state = k->protocol == IPPROTO_UDP ? SL_UDP_ACTIVE : SL_TCP_SYN_SENT;
  f->service = svc->id;
  f->client_port_id = (__u16)in_port;
  f->created_ns = now;
  f->last_seen_ns = now;
  f->udp_every = (svc->flags & SL_SVC_UDP_EVERY) ? 1 : 0;
  f->client_mtu = sl_mtu_towards(f->client_family, f->client);
  f->backend_mtu = sl_mtu_towards(f->backend_family, f->backend);
  /* As the C++ worker (Worker::create_flow): a flow whose backend or client cannot be reached
   * is never created (no SNAT port, no backend SYN for an answer that could not return). */
  if (f->client_mtu == 0 || f->backend_mtu == 0) {
    *reason = SL_PL_NO_ROUTE;
    return 0;
  }
  if (k->protocol == IPPROTO_TCP) {
    /* The engine's state from the SYN (tcp_insertion.h); no header until one is built below,
     * which sets H and makes it pending. */
    sl_ins_init(&f->ins, sl_rd32(s->in, s->p.l4 + SL_TCPH_SEQ), 0, (svc->flags & SL_SVC_WITH_DATA) != 0);
    f->ins.header_state = SL_HDR_NONE;
  }

  const __u32 zero = 0;
  struct sl_xdp_cpu_state *cpu = bpf_map_lookup_elem(&sl_cpu, &zero);
  if (!cpu) {
    *reason = SL_PL_NO_BUFFER;
    return 0;
  }
  const __u64 serial = cpu->serial + 1;
  const __u64 id = ((__u64)bpf_get_smp_processor_id() << 48) | serial;
  const int is_tcp = k->protocol == IPPROTO_TCP;
  __u64 *ring_entry = 0;
  if (is_tcp && cfg->embryonic_ring) {
    /* The ring slot of the flow created embryonic_ring TCP flows before this one. */
    const __u32 key = sl_embryonic_base(cfg) + sl_embryonic_slot(cpu->embryonic_created, cfg->embryonic_ring);
    ring_entry = bpf_map_lookup_elem(&sl_embryonic, &key);
    if (ring_entry) sl_reclaim_flow(*ring_entry, 0);
    /* Under pressure (the last sweep's count): the short SYN timeout while embryonic. */
    const struct sl_xdp_pressure *pressure = bpf_map_lookup_elem(&sl_pressure, &zero);
    if (pressure && pressure->under_pressure) f->conntrack_flags = SL_FLOW_SYN_PRESSURE;
  }
  struct sl_reclaim reclaim = {};  /* on the stack: bpf_loop's context must be */
  struct sl_reclaim *r = &reclaim;
  /* Under pressure a full table or SNAT range may reclaim an embryonic flow of any age, else
   * only one a second old (embryonic.h): the flow's own flag says which (TCP), UDP has none. */
  if (bpf_map_update_elem(&sl_flows, &id, f, BPF_NOEXIST) != 0 &&
      (!sl_reclaim_oldest(cfg, cpu, r) || bpf_map_update_elem(&sl_flows, &id, f, BPF_NOEXIST) != 0)) {
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
    /* A flow of this CPU still embryonic on the same SNAT address and backend gives its port. */
    __builtin_memset(r, 0, sizeof(*r));
    r->match_snat = 1;
    r->family = f->backend_family;
    r->backend_port = f->backend_port;
    __builtin_memcpy(r->snat, f->snat, 16);
    __builtin_memcpy(r->backend, f->backend, 16);
    if (sl_reclaim_oldest(cfg, cpu, r)) {
      f->snat_port = r->port;
      sl_backend_key(f, &bk);
      placed = bpf_map_update_elem(&sl_ct, &bk, &ref, BPF_NOEXIST) == 0;
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
  if (ring_entry) {
    *ring_entry = id;
    cpu->embryonic_created++;
  }

  /* The PROXY header, once per flow, with the shared codec. */
  if (svc->flags & SL_SVC_PROXY) {
    const __u32 sid = svc->id;
    struct pp2_template *tpl = bpf_map_lookup_elem(&sl_templates, &sid);
    if (tpl) {
      struct sl_build *bld = &s->build;
      sl_header_build_prepare(s, cfg, tpl);
#pragma clang loop unroll(full)
      for (int i = 0; i < 8; i++) bld->conn.unique_id[8 + i] = (__u8)(id >> (56 - 8 * i));
      sl_zero64(bld->hdr.bytes, sizeof(bld->hdr.bytes) / 8);
      const int len = sl_build_header(bld);
      if (len > 0 && len <= (int)PP2_HEADER_MAX) {
        bld->hdr.len = (__u16)len;
        if (bpf_map_update_elem(&sl_headers, &id, &bld->hdr, BPF_ANY) == 0) {
          struct sl_xdp_flow *stored = bpf_map_lookup_elem(&sl_flows, &id);
          if (stored) {
            stored->ins.header_len = (__u16)len;
            stored->ins.header_state = SL_HDR_PENDING;
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

#endif /* SLUICE_BPF_XDP_FLOW_H */
