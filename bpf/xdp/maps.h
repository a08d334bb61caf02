/* SPDX-License-Identifier: Apache-2.0 */
/* The maps of the XDP datapath. Layouts: dataplane/shared/xdp_maps.h; roles: docs/xdp.md. */
#ifndef SLUICE_BPF_XDP_MAPS_H
#define SLUICE_BPF_XDP_MAPS_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#include "dataplane/shared/xdp_maps.h"

/* Written by the control thread. */
struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, 1);
  __type(key, __u32);
  __type(value, struct sl_xdp_config);
} sl_config SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, SL_XDP_MAX_PORTS);
  __type(key, __u32);
  __type(value, struct sl_xdp_port);
} sl_ports SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_HASH);
  __uint(max_entries, 64);
  __type(key, __u32);
  __type(value, struct sl_xdp_ifport);
} sl_ifports SEC(".maps");

/* PortId -> ifindex, for bpf_redirect_map. */
struct {
  __uint(type, BPF_MAP_TYPE_DEVMAP);
  __uint(max_entries, SL_XDP_MAX_PORTS);
  __type(key, __u32);
  __type(value, __u32);
} sl_tx_ports SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_HASH);
  __uint(max_entries, SL_XDP_MAX_OWN);
  __type(key, struct sl_xdp_addr_key);
  __type(value, struct sl_xdp_own);
} sl_own SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_LPM_TRIE);
  __uint(max_entries, SL_XDP_MAX_PREFIXES);
  __uint(map_flags, BPF_F_NO_PREALLOC);
  __type(key, struct sl_xdp_prefix_key);
  __type(value, struct sl_xdp_nexthop);
} sl_nexthops SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_HASH);
  __uint(max_entries, SL_XDP_MAX_NEIGHBORS);
  __type(key, struct sl_xdp_addr_key);
  __type(value, struct sl_xdp_neighbor);
} sl_neighbors SEC(".maps");

/* Per backend slot (service id x slot): flows ever assigned and alive (struct
 * sl_xdp_backend_flows). Shared: atomic adds at flow creation and removal, never per packet. */
struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, SL_XDP_MAX_SERVICES * SL_XDP_MAX_BACKENDS);
  __type(key, __u32);
  __type(value, struct sl_xdp_backend_flows);
} sl_backend_flows SEC(".maps");

/* Neighbours learnt by the program from ARP and NDP (sender of requests, target of replies),
 * like the C++ NeighborTable: the kernel never sees those frames when XDP answers them. */
struct {
  __uint(type, BPF_MAP_TYPE_LRU_HASH);
  __uint(max_entries, SL_XDP_MAX_NEIGHBORS);
  __type(key, struct sl_xdp_addr_key);
  __type(value, struct sl_xdp_neighbor);
} sl_learned SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_HASH);
  __uint(max_entries, SL_XDP_MAX_SERVICES);
  __type(key, struct sl_xdp_service_key);
  __type(value, struct sl_xdp_service);
} sl_services SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, SL_XDP_MAX_SERVICES);
  __type(key, __u32);
  __type(value, struct pp2_template);
} sl_templates SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, SL_XDP_MAX_SERVICES * SL_XDP_MAX_BACKENDS);
  __type(key, __u32);
  __type(value, struct sl_xdp_backend);
} sl_backends SEC(".maps");

/* Maglev tables: sl_maglev[slot * SL_XDP_MAGLEV_SIZE + hash % SL_XDP_MAGLEV_SIZE] = position in
 * the service's sl_backends block. */
struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, SL_XDP_MAX_MAGLEV_SERVICES * SL_XDP_MAGLEV_SIZE);
  __type(key, __u32);
  __type(value, __u16);
} sl_maglev SEC(".maps");

/* Written by the program (and swept by the control thread). max_entries set by the loader. */
struct {
  __uint(type, BPF_MAP_TYPE_HASH);
  __uint(max_entries, 2 * 1024);
  __type(key, struct sl_xdp_ct_key);
  __type(value, struct sl_xdp_ct_ref);
} sl_ct SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_HASH);
  __uint(max_entries, 1024);
  __type(key, __u64);
  __type(value, struct sl_xdp_flow);
} sl_flows SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_HASH);
  __uint(max_entries, 1024);
  __uint(map_flags, BPF_F_NO_PREALLOC);
  __type(key, __u64);
  __type(value, struct sl_xdp_header);
} sl_headers SEC(".maps");

/* The header timer's work list (docs/xdp.md, "Header timer"): the ids of flows whose timer the
 * program armed (header sent, not yet acknowledged). The control side walks this instead of
 * every flow, and removes the ids it finds acknowledged, stopped or gone; the program only
 * adds. Full: the flow is still served, its header just has no timer (as before the list). */
struct {
  __uint(type, BPF_MAP_TYPE_HASH);
  __uint(max_entries, 1024);
  __uint(map_flags, BPF_F_NO_PREALLOC);
  __type(key, __u64);
  __type(value, __u8);
} sl_armed SEC(".maps");

/* Bounded embryonic state (dataplane/shared/embryonic.h): each CPU's ring of its last
 * cfg->embryonic_ring TCP flow ids, at [cpu * embryonic_ring + slot] (sized at load time);
 * 0 = empty. Only the program writes it, each CPU its own block. */
struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, 1);
  __type(key, __u32);
  __type(value, __u64);
} sl_embryonic SEC(".maps");

/* Per CPU: is it under embryonic pressure (the control thread's sweep writes it). */
struct {
  __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
  __uint(max_entries, 1);
  __type(key, __u32);
  __type(value, struct sl_xdp_pressure);
} sl_pressure SEC(".maps");

/* Once for all CPUs: the tick of the last SYN cookie any CPU sent + 1, 0 before the first
 * (sl_sp_note_cookie, written only when the tick changes). "auto" checks an ACK without a flow
 * as a cookie only while one could be valid (sl_sp_checks_ack); a SYN and its ACK may reach
 * different CPUs, so it is not per CPU (docs/syn-proxy.md). */
struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, 1);
  __type(key, __u32);
  __type(value, __u32);
} sl_sp_recent SEC(".maps");

/* Per CPU: counters, last verdict, flow serial, SNAT cursor, round-robin cursors. */
struct {
  __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
  __uint(max_entries, 1);
  __type(key, __u32);
  __type(value, struct sl_xdp_counters);
} sl_counters SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
  __uint(max_entries, 1);
  __type(key, __u32);
  __type(value, struct sl_xdp_last_verdict);
} sl_verdict SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
  __uint(max_entries, 1);
  __type(key, __u32);
  __type(value, struct sl_xdp_cpu_state);
} sl_cpu SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
  __uint(max_entries, SL_XDP_MAX_SERVICES);
  __type(key, __u32);
  __type(value, __u32);
} sl_rr SEC(".maps");

#endif /* SLUICE_BPF_XDP_MAPS_H */
