/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The maps of the XDP datapath (bpf/sluice_xdp.bpf.c): key and value layouts shared by the BPF
 * program (clang -target bpf) and the loader that fills them from a pipeline::Tables
 * (dataplane/xdp/, g++). One definition, static-asserted on both sides; docs/xdp.md explains
 * each map and who writes it.
 *
 * Conventions: addresses are 16 bytes, IPv4 in the first 4 (the rest zero) with the family
 * beside them; ports, sequence numbers and addresses are network order as on the wire unless a
 * field says "host"; every struct is padded explicitly so the two compilers agree byte for byte.
 */
#ifndef SLUICE_DATAPLANE_SHARED_XDP_MAPS_H
#define SLUICE_DATAPLANE_SHARED_XDP_MAPS_H

#include "dataplane/shared/c_compat.h"
#include "dataplane/shared/pp2.h"
#include "dataplane/shared/drop_reasons.h"
#include "dataplane/shared/embryonic.h"
#include "dataplane/shared/syn_cookie.h"
#include "dataplane/shared/syn_proxy.h"
#include "dataplane/shared/tcp_insertion.h"
#include "dataplane/shared/tcp_rules.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Bounds of the fixed-size maps (sized at load time where noted). */
#define SL_XDP_MAX_PORTS 16u         /* [[interfaces]] entries */
#define SL_XDP_MAX_SERVICES 256u     /* services of one configuration */
#define SL_XDP_MAX_BACKENDS 1024u    /* per service: sched::BackendSet::kMaxBackends */
#define SL_XDP_MAGLEV_SIZE 65537u    /* sched::kMaglevTableSize */
#define SL_XDP_MAX_MAGLEV_SERVICES 16u /* services with a maglev/source-hash table */
#define SL_XDP_MAX_NEIGHBORS 4096u
#define SL_XDP_MAX_PREFIXES 1024u    /* connected subnets + routes */
#define SL_XDP_MAX_OWN 4096u         /* own, VIP and SNAT addresses */
#define SL_XDP_SNAT_BLOCK 64u        /* SNAT ports a CPU probes per new flow */

#define SL_FAMILY_V4 4u
#define SL_FAMILY_V6 6u

/* ---------------------------------------------------------------- configuration (array[1]) */
struct sl_xdp_config {
  uint64_t tcp_syn_timeout_ns;
  uint64_t tcp_established_timeout_ns;
  uint64_t tcp_closing_timeout_ns;
  uint64_t udp_timeout_ns;
  uint64_t test_now_ns;        /* non-zero: the clock (fixture replay); 0: bpf_ktime_get_ns */
  uint8_t instance_id[8];      /* first half of UNIQUE_ID (docs/pipeline.md) */
  uint32_t max_entries;        /* flows (each indexed twice in sl_ct) */
  uint16_t snat_port_first;    /* host order */
  uint16_t snat_port_last;     /* host order */
  uint16_t nr_cpus;            /* SNAT ports are shared out between CPUs like between workers */
  uint16_t flags;              /* SL_CFG_* */
  uint16_t host_port_first;    /* host order: the kernel's own connections (health probes) use */
  uint16_t host_port_last;     /* this range; no-flow frames to it go up (XDP_PASS), docs/xdp.md */
  /* Bounded embryonic state (dataplane/shared/embryonic.h): */
  uint64_t tcp_syn_pressure_timeout_ns; /* the SYN timeout of a flow created under pressure */
  uint32_t embryonic_ring;     /* slots of each CPU's ring in sl_embryonic (0: none) */
  uint32_t max_embryonic;      /* the cap per CPU: pressure at half of it */
  /* The SYN proxy (dataplane/shared/syn_proxy.h, docs/syn-proxy.md): the cookie secret,
   * `[conntrack] syn_cookie_secret` or random at start, the same on every CPU. */
  struct sl_syn_cookie_key syn_cookie_key;
};
SLUICE_STATIC_ASSERT(sizeof(struct sl_xdp_config) == 96, "sl_xdp_config size");
SLUICE_STATIC_ASSERT(SLUICE_OFFSETOF(struct sl_xdp_config, syn_cookie_key) == 80, "sl_xdp_config.syn_cookie_key");
SLUICE_STATIC_ASSERT(SLUICE_OFFSETOF(struct sl_xdp_config, tcp_syn_pressure_timeout_ns) == 64, "sl_xdp_config.tcp_syn_pressure_timeout_ns");
SLUICE_STATIC_ASSERT(SLUICE_OFFSETOF(struct sl_xdp_config, max_entries) == 48, "sl_xdp_config.max_entries");

/* Attached in generic (skb) mode. Generic XDP sets an skb's tail 14 bytes (the MAC header)
 * past its end when a program moves the tail (net/core/dev.c bpf_prog_run_generic_xdp, seen
 * on 6.18); a receiver that reads up to the tail pointer (NDP option parsing) then rejects the
 * frame. Frames the program resizes are then built a little longer than their IP length, so
 * the receiver's IP layer trims them and resets the tail (docs/xdp.md). */
#define SL_CFG_GENERIC_TAIL_PAD 0x0001u
#define SL_GENERIC_TAIL_PAD 8u

/* ------------------------------------------------------------ ports (array, key = PortId) */
struct sl_xdp_port {
  uint32_t ifindex;            /* 0: slot unused */
  uint16_t mtu;                /* host order: largest IP packet on the link */
  uint8_t mac[6];
  uint8_t v4[4];               /* the port's own IPv4 address (ICMP errors); zero if none */
  uint8_t v6[16];              /* the port's own IPv6 address; zero if none */
  uint8_t has_v4;
  uint8_t has_v6;
  uint8_t reserved[2];
};
SLUICE_STATIC_ASSERT(sizeof(struct sl_xdp_port) == 36, "sl_xdp_port size");

/* ifindex -> PortId (hash): which port a frame came in on. */
struct sl_xdp_ifport {
  uint32_t port;
};

/* ------------------------------------------------------ addresses the appliance answers for */
struct sl_xdp_addr_key {
  uint8_t addr[16];
  uint8_t family;
  uint8_t reserved[3];
};
SLUICE_STATIC_ASSERT(sizeof(struct sl_xdp_addr_key) == 20, "sl_xdp_addr_key size");

#define SL_OWN_INTERFACE 0x01u
#define SL_OWN_VIP 0x02u
#define SL_OWN_SNAT 0x04u
struct sl_xdp_own {
  uint8_t kinds;               /* SL_OWN_* */
  uint8_t reserved;
  uint16_t answering_port;     /* Tables::answering_port, 0xFFFF: none */
};

/* ------------------------------------------ next hops: LPM on the destination (connected first) */
struct sl_xdp_prefix_key {
  uint32_t prefixlen;          /* LPM trie: bits of family byte (8) + address */
  uint8_t family;
  uint8_t addr[16];
  uint8_t reserved[3];
};
SLUICE_STATIC_ASSERT(sizeof(struct sl_xdp_prefix_key) == 24, "sl_xdp_prefix_key size");
struct sl_xdp_nexthop {
  uint16_t port;
  uint8_t via_gateway;         /* 0: the destination is on-link */
  uint8_t priority;            /* 1 connected, 0 route: the loader keeps connected on ties */
  uint8_t gateway[16];
};
SLUICE_STATIC_ASSERT(sizeof(struct sl_xdp_nexthop) == 20, "sl_xdp_nexthop size");

/* Static [[neighbors]] (hash, key sl_xdp_addr_key): tried before bpf_fib_lookup's kernel table. */
struct sl_xdp_neighbor {
  uint8_t mac[6];
  uint16_t port;
  uint64_t learned_ns;         /* sl_learned: when last heard (CLOCK_MONOTONIC); static: 0 */
};
SLUICE_STATIC_ASSERT(sizeof(struct sl_xdp_neighbor) == 16, "sl_xdp_neighbor size");

/* ------------------------------------------------------------------ services and backends */
struct sl_xdp_service_key {
  uint8_t addr[16];
  uint16_t port;               /* network order */
  uint8_t protocol;
  uint8_t family;
};
SLUICE_STATIC_ASSERT(sizeof(struct sl_xdp_service_key) == 20, "sl_xdp_service_key size");

#define SL_SCHED_RR 0u
#define SL_SCHED_WRR 1u
#define SL_SCHED_MAGLEV 2u
#define SL_SCHED_SOURCE_HASH 3u
#define SL_SCHED_LEAST_CONN 4u

#define SL_SVC_PROXY 0x01u           /* the service sends a PROXY header */
#define SL_SVC_WITH_DATA 0x02u       /* TCP send = with-data (else on-connect) */
#define SL_SVC_UDP_EVERY 0x04u       /* UDP: every datagram (else the first) */
#define SL_SVC_HAS_SNAT_V4 0x08u
#define SL_SVC_HAS_SNAT_V6 0x10u

struct sl_xdp_service {
  uint16_t id;                 /* index into sl_templates, sl_backends, sl_rr */
  uint8_t flags;               /* SL_SVC_* */
  uint8_t scheduler;           /* SL_SCHED_* */
  uint16_t eligible;           /* entries 0..eligible-1 of the service's sl_backends block */
  uint16_t maglev_slot;        /* index into sl_maglev when the scheduler uses it */
  uint8_t snat_v4[4];
  uint8_t snat_v6[16];
  uint8_t syn_proxy;           /* SL_SP_MODE_* (`[services] syn_proxy`, syn_proxy.h) */
  uint8_t reserved[3];
};
SLUICE_STATIC_ASSERT(sizeof(struct sl_xdp_service) == 32, "sl_xdp_service size");
SLUICE_STATIC_ASSERT(SLUICE_OFFSETOF(struct sl_xdp_service, syn_proxy) == 28, "sl_xdp_service.syn_proxy");

/* sl_backends[service * SL_XDP_MAX_BACKENDS + i]: the eligible backends in spec order (wrr
 * repeats a backend by its reduced weight in a longer list: see docs/xdp.md). */
struct sl_xdp_backend {
  uint8_t addr[16];
  uint16_t port;               /* network order */
  uint8_t family;
  uint8_t reserved;
  uint16_t slot;               /* the BackendSet slot: stable across reloads and eligibility
                                  changes; keys the per-backend counters (sl_backend_flows) */
  uint16_t weight;             /* least-conn: load is compared as (active + 1) / weight */
};
SLUICE_STATIC_ASSERT(sizeof(struct sl_xdp_backend) == 24, "sl_xdp_backend size");
SLUICE_STATIC_ASSERT(SLUICE_OFFSETOF(struct sl_xdp_backend, slot) == 20, "sl_xdp_backend.slot");

/* Per backend slot (service id x slot, as sl_backends' blocks): flows ever assigned (`total`
 * of show backends) and flows alive (least-conn's load, `active`). Shared, atomically added. */
struct sl_xdp_backend_flows {
  uint64_t total;
  uint64_t active;             /* read as signed: a racing add/take-back may dip below 0 */
};

/* --------------------------------------------------------------------------- conntrack */
/* Key of sl_ct: the 5-tuple as received (client->VIP, or backend->SNAT). */
struct sl_xdp_ct_key {
  uint8_t src[16];
  uint8_t dst[16];
  uint16_t sport;              /* network order */
  uint16_t dport;
  uint8_t protocol;
  uint8_t family;
  uint8_t reserved[2];
};
SLUICE_STATIC_ASSERT(sizeof(struct sl_xdp_ct_key) == 40, "sl_xdp_ct_key size");

#define SL_SIDE_CLIENT 0u
#define SL_SIDE_BACKEND 1u
struct sl_xdp_ct_ref {
  uint64_t flow;               /* key of sl_flows */
  uint8_t side;                /* SL_SIDE_* */
  uint8_t reserved[7];
};

/* TCP conntrack states SL_TCP_* and SL_UDP_ACTIVE: dataplane/shared/tcp_rules.h. */

/* The insertion state (sl_xdp_flow.ins, its flags SL_INS_* and header states SL_HDR_*):
 * dataplane/shared/tcp_insertion.h, the same struct the C++ engine wraps. */

/* One flow (hash, key = flow id: (cpu << 48) | n, also the UNIQUE_ID serial). */
struct sl_xdp_flow {
  uint8_t client[16];          /* client address (its family: client_family) */
  uint8_t vip[16];
  uint8_t backend[16];
  uint8_t snat[16];
  uint16_t client_port;        /* network order, all four */
  uint16_t vip_port;
  uint16_t backend_port;
  uint16_t snat_port;
  uint8_t client_family;
  uint8_t backend_family;
  uint8_t protocol;
  uint8_t state;               /* SL_TCP_* / SL_UDP_ACTIVE */
  uint16_t service;            /* id at creation (informational: maps may be reloaded) */
  uint16_t client_port_id;     /* where the client side leaves (PortId) */
  uint64_t created_ns;
  uint64_t last_seen_ns;
  /* PROXY header insertion (TCP: the shared state machine; UDP flows use header_len and
   * header_state only). The header timer thread scans ins.deadline_ns. */
  struct sl_tcp_insertion ins;
  uint16_t last_client_window; /* raw, network order: copied into header resends */
  uint8_t last_client_ts_len;  /* 0 or 10 */
  uint8_t track_flags;         /* SL_TRACK_* (tcp_rules.h) */
  uint8_t last_client_ts[12];  /* the TS option (kind 8, len 10), padded */
  uint16_t client_mtu;         /* host order: the client side's link MTU (MSS clamp) */
  uint16_t backend_mtu;        /* host order: the backend side's (MSS clamp, growing) */
  uint16_t backend_slot;       /* sl_xdp_backend.slot of `backend` (per-backend counters) */
  uint8_t udp_every;           /* UDP: header on every datagram */
  uint8_t conntrack_flags;     /* SL_FLOW_* (embryonic.h): created under pressure */
  /* The SYN proxy's state (syn_proxy.h): flags 0 unless the flow was created from a cookie. */
  struct sl_syn_proxy syn_proxy;
};
SLUICE_STATIC_ASSERT(SLUICE_OFFSETOF(struct sl_xdp_flow, client_port) == 64, "sl_xdp_flow.client_port");
SLUICE_STATIC_ASSERT(SLUICE_OFFSETOF(struct sl_xdp_flow, created_ns) == 80, "sl_xdp_flow.created_ns");
SLUICE_STATIC_ASSERT(SLUICE_OFFSETOF(struct sl_xdp_flow, ins) == 96, "sl_xdp_flow.ins");
SLUICE_STATIC_ASSERT(SLUICE_OFFSETOF(struct sl_xdp_flow, last_client_window) == 136, "sl_xdp_flow.last_client_window");
SLUICE_STATIC_ASSERT(SLUICE_OFFSETOF(struct sl_xdp_flow, syn_proxy) == 160, "sl_xdp_flow.syn_proxy");
SLUICE_STATIC_ASSERT(sizeof(struct sl_xdp_flow) == 176, "sl_xdp_flow size");

/* The context of sl_header_timer_step, the program the header timer thread runs with
 * BPF_PROG_RUN (SEC("syscall"), bpf/xdp/timer_step.h): one step of the header timer over a flow,
 * in place in the map value, so that the thread never writes a whole flow back over the XDP
 * program's concurrent updates (it did: a lowered backend SND.NXT refused the client's ACKs and
 * stalled a download, docs/reliability.md). The kernel copies the context back to the caller. */
struct sl_xdp_timer_step {
  uint64_t flow_id;        /* in */
  uint64_t now_ns;         /* in: CLOCK_MONOTONIC or the fixture clock */
  uint8_t found;           /* out: the flow exists */
  uint8_t action;          /* out: SL_TIMER_* of sl_ins_timer_step */
  uint8_t reserved[6];
  struct sl_xdp_flow flow; /* out: the flow just after the step */
};
SLUICE_STATIC_ASSERT(SLUICE_OFFSETOF(struct sl_xdp_timer_step, flow) == 24, "sl_xdp_timer_step.flow");
SLUICE_STATIC_ASSERT(sizeof(struct sl_xdp_timer_step) == 200, "sl_xdp_timer_step size");

/* The flow's PROXY header, built once at the SYN (the shared codec, pp2.h) and kept for
 * growing, resends and UDP datagrams (hash, key = flow id, no preallocation). */
struct sl_xdp_header {
  uint16_t len;
  uint8_t reserved[6];
  uint8_t bytes[PP2_HEADER_MAX];
};

/* Per-CPU embryonic pressure (sl_pressure, per-CPU array[1]), written by the control thread's
 * sweep (XdpDatapath::expire_flows) from its count of the CPU's embryonic flows: the program
 * cannot count flows that another CPU moves out of SYN_RECV (docs/xdp.md). */
struct sl_xdp_pressure {
  uint32_t under_pressure;     /* sl_embryonic_pressure() of the last sweep */
  uint32_t embryonic;          /* the CPU's embryonic flows at the last sweep */
};

/* Per-CPU flow serial and SNAT cursor (sl_cpu, per-CPU array[1]); the loader resets it. */
struct sl_xdp_cpu_state {
  uint64_t serial;             /* flows created on this CPU (UNIQUE_ID's low 48 bits) */
  uint32_t snat_cursor;        /* offset into this CPU's SNAT share */
  uint32_t embryonic_created;  /* TCP flows recorded in this CPU's sl_embryonic ring (wraps
                                  after 2^32: the slot sequence jumps once, harmless) */
};
SLUICE_STATIC_ASSERT(sizeof(struct sl_xdp_cpu_state) == 16, "sl_xdp_cpu_state size");

/* ------------------------------------------------ helpers shared by the program and loader */
/* The index of (service, backend position or slot) in the service-blocked arrays
 * (sl_backends, sl_backend_flows): one block of SL_XDP_MAX_BACKENDS per service id. */
SLUICE_INLINE uint32_t sl_backend_index(uint32_t service, uint32_t position) {
  return (service % SL_XDP_MAX_SERVICES) * SL_XDP_MAX_BACKENDS + (position % SL_XDP_MAX_BACKENDS);
}

/* The two sl_ct keys of a flow: client -> VIP and backend -> SNAT, as received. */
SLUICE_INLINE void sl_flow_client_key(const struct sl_xdp_flow *f, struct sl_xdp_ct_key *k) {
  __builtin_memcpy(k->src, f->client, 16);
  __builtin_memcpy(k->dst, f->vip, 16);
  k->sport = f->client_port;
  k->dport = f->vip_port;
  k->protocol = f->protocol;
  k->family = f->client_family;
  k->reserved[0] = k->reserved[1] = 0;
}
SLUICE_INLINE void sl_flow_backend_key(const struct sl_xdp_flow *f, struct sl_xdp_ct_key *k) {
  __builtin_memcpy(k->src, f->backend, 16);
  __builtin_memcpy(k->dst, f->snat, 16);
  k->sport = f->backend_port;
  k->dport = f->snat_port;
  k->protocol = f->protocol;
  k->family = f->backend_family;
  k->reserved[0] = k->reserved[1] = 0;
}

/* ------------------------------------------------------------------------------ counters */
/* Per-CPU array (1 entry). Names match pipeline::WorkerCounters where the meaning is the same;
 * drop reasons index the same enums (packet::DropReason, pipeline::PipelineDrop,
 * insertion::InsertionDrop), sized generously and checked by the loader. */
#define SL_XDP_PARSE_DROPS 48u
#define SL_XDP_PIPELINE_DROPS 32u
#define SL_XDP_INSERTION_DROPS 16u
struct sl_xdp_counters {
  uint64_t rx_packets;
  uint64_t rx_bytes;
  uint64_t tx_packets;
  uint64_t tx_bytes;
  uint64_t dropped;
  uint64_t flows_created;
  uint64_t pp_inserted;
  uint64_t pp_resent;
  uint64_t snat_exhausted;
  uint64_t arp_replies;
  uint64_t passed;             /* handed to the kernel stack (not ours) */
  uint64_t icmp_errors_sent;
  uint64_t icmp_echo_replies;
  uint64_t nd_replies;
  uint64_t host_rx;            /* no-flow frames to an own address's host port range, passed up */
  uint64_t embryonic_reclaimed; /* embryonic flows removed for a new one (embryonic.h) */
  /* The SYN proxy (docs/syn-proxy.md "Counters"). */
  uint64_t syn_cookies_sent;
  uint64_t syn_cookies_validated;
  uint64_t syn_cookies_failed;
  uint64_t syn_proxy_data_stripped;
  uint64_t parse_drops[SL_XDP_PARSE_DROPS];
  uint64_t pipeline_drops[SL_XDP_PIPELINE_DROPS];
  uint64_t insertion_drops[SL_XDP_INSERTION_DROPS];
};
SLUICE_STATIC_ASSERT(sizeof(struct sl_xdp_counters) == 8u * (20u + 48u + 32u + 16u), "sl_xdp_counters size");

/* The verdict of the last frame (per-CPU array[1]): written by every run of the program so the
 * fixture replay can read the drop reason of BPF_PROG_TEST_RUN; cheap (one store). */
/* (C name, C++ enumerator, value, name): the drop kinds name their reason from its own list. */
#define SL_VERDICT_LIST(X)                                                              \
  X(SL_VERDICT_FORWARD, kForward, 0, "forward")                                          \
  X(SL_VERDICT_CONSUMED, kConsumed, 1, "consumed")  /* answered in place: ARP, echo, ... */ \
  X(SL_VERDICT_DROP_PARSE, kDropParse, 2, "drop")        /* reason: SL_PD_* */            \
  X(SL_VERDICT_DROP_PIPELINE, kDropPipeline, 3, "drop")  /* reason: SL_PL_* */            \
  X(SL_VERDICT_DROP_INSERTION, kDropInsertion, 4, "drop") /* reason: SL_ID_* */           \
  X(SL_VERDICT_PASS, kPass, 5, "pass")                   /* to the kernel; reason: SL_PL_* */
enum { SL_VERDICT_LIST(SL_ABI_CONSTANT) SL_VERDICT_COUNT = 0 SL_VERDICT_LIST(SL_ABI_COUNT) };
struct sl_xdp_last_verdict {
  uint32_t kind;               /* SL_VERDICT_* */
  uint32_t reason;             /* index into the enum of that kind */
  uint32_t egress_port;        /* forward: PortId */
  uint32_t reserved;
};

/* ------------------------------------------------------------------ reasons (numbers) */
/* The BPF program counts drops by the C++ enums' values; dataplane/xdp/ static-asserts that
 * each number below equals its enumerator (packet::DropReason, pipeline::PipelineDrop,
 * insertion::InsertionDrop), so the names in `show stats` are the same in both datapaths. */
/* SL_PD_* and SL_PL_*: dataplane/shared/drop_reasons.h (the C++ enums come from the same lists). */

/* SL_ID_* (insertion::InsertionDrop): dataplane/shared/tcp_rules.h. */

#ifdef __cplusplus
}
#endif

#endif /* SLUICE_DATAPLANE_SHARED_XDP_MAPS_H */
