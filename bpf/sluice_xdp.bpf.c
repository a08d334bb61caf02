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

#include "bpf/xdp/verdict.h"
#include "bpf/xdp/nexthop.h"
#include "bpf/xdp/local.h"
#include "bpf/xdp/flow.h"
#include "bpf/xdp/forward.h"
#include "bpf/xdp/tcp.h"
#include "bpf/xdp/syn_proxy.h"
#include "bpf/xdp/timer_step.h"

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
    if (f && sl_idle_expired(now, sl_flow_idle_since(f->state, f->created_ns, f->last_seen_ns), sl_timeout(cfg, f))) {
      sl_forget(s, id, f);
      f = 0;
    }
    if (!f) bpf_map_delete_elem(&sl_ct, k);
  }
  __u8 flags = p->tcp_flags;
  int proxied_syn = 0; /* the frame is a valid cookie ACK become the SYN to the backend */
  const int opening_syn = p->protocol == IPPROTO_TCP && (flags & (SL_TCP_SYN | SL_TCP_ACK | SL_TCP_RST)) == SL_TCP_SYN;
  if (f && opening_syn && side == SL_SIDE_CLIENT && sl_tcp_closing(f->state)) {
    sl_forget(s, id, f); /* a new connection on a closing 4-tuple */
    f = 0;
  }
  /* TTL / hop limit first for a known flow or one of our addresses, as the C++ worker
   * (Worker::hop_limit_reached): a segment that never reaches the other side changes nothing
   * of the flow; a packet to an address not ours is not for us whatever its TTL. */
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
    /* Only an opening SYN makes a flow, or, to a service with the SYN proxy, an ACK that may
     * complete a cookie handshake (syn_proxy.h). */
    const int cookie_ack = p->protocol == IPPROTO_TCP && (flags & (SL_TCP_SYN | SL_TCP_ACK | SL_TCP_RST)) == SL_TCP_ACK;
    if (p->protocol == IPPROTO_TCP && !opening_syn && !cookie_ack) return sl_drop(c, SL_VERDICT_DROP_PIPELINE, SL_PL_UNKNOWN_TCP_FLOW);
    struct sl_xdp_service_key sk = {};
    __builtin_memcpy(sk.addr, k->dst, 16);
    sk.port = k->dport;
    sk.protocol = k->protocol;
    sk.family = k->family;
    struct sl_xdp_service *svc = bpf_map_lookup_elem(&sl_services, &sk);
    int mss_index = 0;
    if (cookie_ack) {
      if (!svc || svc->syn_proxy == SL_SP_MODE_OFF) return sl_drop(c, SL_VERDICT_DROP_PIPELINE, SL_PL_UNKNOWN_TCP_FLOW);
      mss_index = sl_sp_check_ack(s, now, svc->syn_proxy);
      if (mss_index < 0) return sl_drop(c, SL_VERDICT_DROP_PIPELINE, s->w.reason);
      proxied_syn = 1;
    }
    if (!svc) return sl_drop(c, SL_VERDICT_DROP_PIPELINE, SL_PL_NO_SERVICE);
    if (opening_syn && sl_sp_is_engaged(cfg, svc)) return sl_sp_answer(ctx, s, svc, in_port, now);
    s->w.reason = SL_PL_NO_BUFFER;
    id = sl_create_flow(s, cfg, svc, in_port, now);
    if (!id) return sl_drop(c, SL_VERDICT_DROP_PIPELINE, s->w.reason);
    if (proxied_syn) {
      const int rc = sl_sp_make_syn(ctx, s, id, (__u32)mss_index & 7);
      if (rc) return sl_drop(c, SL_VERDICT_DROP_PIPELINE, (__u32)rc);
    }
    f = bpf_map_lookup_elem(&sl_flows, &id);
    if (!f) return sl_drop(c, SL_VERDICT_DROP_PIPELINE, SL_PL_NO_BUFFER);
    side = SL_SIDE_CLIENT;
  }

  sl_capture_old(s);
  struct sl_fwd *w = &s->w;
  __builtin_memset(w, 0, sizeof(*w));
  w->id = id;
  w->to_backend = side == SL_SIDE_CLIENT;
  w->strip_payload = proxied_syn; /* rebuilt TCP header: summed in full */
  if (p->protocol == IPPROTO_UDP) {
    if (side == SL_SIDE_CLIENT && f->ins.header_len > 0 && f->ins.header_state != SL_HDR_ACKED) {
      /* The header must not be split or fragmented (spec): a datagram it would push over the
       * backend link's MTU becomes an ICMP error telling the client the size that fits. */
      const __u32 backend_ip = f->backend_family == SL_FAMILY_V4 ? 20 : 40;
      const __u32 grown = backend_ip + (p->l3_end - p->l4) + f->ins.header_len;
      if (grown > f->backend_mtu) {
        const __u32 overhead = f->ins.header_len + backend_ip;
        const __u32 reduced = f->backend_mtu > overhead ? f->backend_mtu - overhead + (p->l4 - p->l3) : 0;
        return sl_udp_too_big(ctx, s, f, in_port, reduced);
      }
      w->grow = SL_GROW_KEEP;
      w->header_len = f->ins.header_len;
      if (!f->udp_every) f->ins.header_state = SL_HDR_ACKED; /* first datagram only */
      if (c) c->pp_inserted++;
    }
    f->last_seen_ns = now;
    return sl_forward(ctx, s, f);
  }
  /* SYN_SENT and a bare backend ACK: never forwarded; a TIME_WAIT's answer (unacceptable ack)
   * is reset (sl_stale_ack_reset), an acceptable one dropped (the shared rule, tcp_rules.h). */
  if (side == SL_SIDE_BACKEND && f->state == SL_TCP_SYN_SENT) {
    const int answer = sl_syn_sent_backend_ack(f->ins.client_isn, flags, sl_rd32(in, p->l4 + SL_TCPH_ACK));
    if (answer == SL_SYN_SENT_RESET) return sl_stale_ack_reset(ctx, s, f);
    if (answer == SL_SYN_SENT_DROP) return sl_drop(c, SL_VERDICT_DROP_PIPELINE, SL_PL_STALE_ACK_TO_SYN);
  }
  /* The SYN proxy (syn_proxy.h): a proxied flow's client waits for the backend's SYN-ACK; once
   * synchronised, the client's numbers move into the backend's space before the insertion
   * rules, the backend's out of it after them. */
  const __u8 sp_flags = f->syn_proxy.flags;
  if (proxied_syn) flags = p->tcp_flags;
  if (side == SL_SIDE_CLIENT && !proxied_syn && (sp_flags & SL_SP_PROXIED) && !(sp_flags & SL_SP_SYNCED))
    return sl_drop(c, SL_VERDICT_DROP_PIPELINE, SL_PL_SYN_PROXY_EARLY_DATA);
  if (side == SL_SIDE_CLIENT && sl_sp_translating(&f->syn_proxy)) sl_sp_translate(s, f, 1);
  const __u8 armed_before = f->ins.flags & SL_INS_TIMER_ARMED;
  const int reason = side == SL_SIDE_CLIENT ? sl_tcp_client(s, f, now) : sl_tcp_backend(s, f);
  if (reason) return sl_drop(c, SL_VERDICT_DROP_INSERTION, (__u32)reason);
  if (side == SL_SIDE_BACKEND && (sp_flags & SL_SP_PROXIED) && (flags & (SL_TCP_SYN | SL_TCP_ACK)) == (SL_TCP_SYN | SL_TCP_ACK))
  {
    const int todo = sl_sp_synack(ctx, s, f, now);
    if (todo == SL_SP_SEND_HEADER) return sl_header_segment(ctx, s, f);
    if (todo > 0) return sl_drop(c, (__u32)todo >> 8, (__u32)todo & 0xff);
    /* On-connect, the header's first send: built whole as a standalone header segment (one
     * resize of the held frame), never as this SYN-ACK's frame cut at the tail and grown at
     * the head and sent back out of its own port (generic XDP's XDP_TX left old option bytes
     * behind the header that way: docs/xdp.md "SYN proxy"). */
    if (s->w.grow != SL_GROW_NONE) {
      const int sent = sl_header_segment(ctx, s, f);
      if (c && sent != XDP_DROP && sent != XDP_ABORTED) {
        c->pp_resent--;
        c->pp_inserted++;
      }
      return sent;
    }
    const int action = sl_forward(ctx, s, f);
    const __u32 zero = 0;
    struct sl_xdp_last_verdict *v = bpf_map_lookup_elem(&sl_verdict, &zero);
    if (v && v->kind == SL_VERDICT_FORWARD) v->kind = SL_VERDICT_CONSUMED; /* absorbed: answered */
    return action;
  }
  if (side == SL_SIDE_BACKEND && sl_sp_translating(&f->syn_proxy)) sl_sp_translate(s, f, 0);
  if (!armed_before && (f->ins.flags & SL_INS_TIMER_ARMED)) {
    const __u8 armed = 1; /* once per flow: the header timer's work list */
    bpf_map_update_elem(&sl_armed, &id, &armed, BPF_ANY);
  }
  /* A backend signal that the header was lost, on a segment that carries nothing for the
   * client: that segment becomes the header resend (XDP holds one frame). */
  if (side == SL_SIDE_BACKEND && (f->ins.flags & SL_INS_RESEND_WANTED) && p->l3_end == p->payload &&
      !(flags & (SL_TCP_FIN | SL_TCP_RST))) {
    f->ins.flags &= ~SL_INS_RESEND_WANTED;
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
  __u32 in_mtu;
  if (ifindex != 0 && s->port_memo_ifindex[memo] == ifindex) {
    in_port = s->port_memo_port[memo];
    in_mtu = s->port_memo_mtu[memo];
  } else {
    struct sl_xdp_ifport *ip = bpf_map_lookup_elem(&sl_ifports, &ifindex);
    if (!ip) return sl_pass(c, SL_PL_NOT_FOR_US);
    in_port = ip->port;
    const struct sl_xdp_port *port = bpf_map_lookup_elem(&sl_ports, &in_port);
    in_mtu = port && port->mtu ? port->mtu : 0xffff;
    s->port_memo_ifindex[memo] = ifindex;
    s->port_memo_port[memo] = in_port;
    s->port_memo_mtu[memo] = in_mtu;
  }

  if (s->p.ethertype == SL_ETH_P_ARP) return sl_arp(ctx, s, c, in_port);
  /* Longer than the link allows: a frame the kernel coalesced (GRO/LRO) before the program
   * saw it (generic attach). It can be neither grown nor sent on an MTU-sized link; as the
   * C++ pipeline (Worker::dispatch), it is dropped so the sender retransmits at wire size. */
  if (s->p.l3_end - s->p.l3 > in_mtu) return sl_drop(c, SL_VERDICT_DROP_PIPELINE, SL_PL_OVERSIZED_FRAME);
  if (s->p.fragment) return sl_drop(c, SL_VERDICT_DROP_PIPELINE, SL_PL_FRAGMENT);
  if (s->p.protocol == IPPROTO_TCP || s->p.protocol == IPPROTO_UDP) return sl_l4(ctx, s, cfg, c, in_port, now);
  if (sl_is_icmp_of_family(s->p.family == SL_FAMILY_V4, s->p.protocol)) {
    const __u8 type = SL_B(s->in, s->p.l4);
    if (s->p.protocol == IPPROTO_ICMPV6 && (type == 135 || type == 136) && s->p.l3_end - s->p.l4 >= 32 &&
        SL_B(s->in, s->p.l4 + 24) == (type == 135 ? 1 : 2) && SL_B(s->in, s->p.l4 + 25) == 1) {
      /* NS: the solicitor's source and link-layer option; NA: the target and its option. */
      const __u32 addr_at = type == 135 ? s->p.l3 + 8 : s->p.l4 + 8;
      __u8 addr[16];
      __builtin_memcpy(addr, s->in + (addr_at & SL_IN_MASK), 16);
      __u8 mac[6];
      __builtin_memcpy(mac, s->in + ((s->p.l4 + 26) & SL_IN_MASK), 6);
      if (addr[0] | addr[1] | addr[15]) sl_learn(SL_FAMILY_V6, addr, 16, mac, in_port);
    }
    if (s->p.protocol == IPPROTO_ICMPV6 && type == 135) return sl_ndp_advertise(ctx, s, in_port);
  }
  /* What is left is counted as the C++ worker counts it (Worker::dispatch, handle_icmp): not
   * for us unless addressed to a VIP or an own address; there, an echo request (code 0, RFC 792
   * and RFC 4443 section 4.1 define no other) is answered, other ICMP is the kernel's (it learns
   * neighbours from advertisements) and other protocols are an unsupported L4. */
  struct sl_xdp_addr_key dst = {};
  const __u32 at = s->p.l3 + (s->p.family == SL_FAMILY_V4 ? 16 : 24);
  if (s->p.family == SL_FAMILY_V4)
    __builtin_memcpy(dst.addr, s->in + (at & SL_IN_MASK), 4);
  else
    __builtin_memcpy(dst.addr, s->in + (at & SL_IN_MASK), 16);
  dst.family = s->p.family;
  if (!bpf_map_lookup_elem(&sl_own, &dst)) return sl_pass(c, SL_PL_NOT_FOR_US);
  if (!sl_is_icmp_of_family(s->p.family == SL_FAMILY_V4, s->p.protocol)) return sl_pass(c, SL_PL_UNSUPPORTED_L4);
  const __u8 type = SL_B(s->in, s->p.l4);
  const __u8 code = SL_B(s->in, s->p.l4 + 1);
  const int echo_request = s->p.protocol == IPPROTO_ICMP ? type == 8 : type == 128;
  if (echo_request && code == 0) return sl_echo_reply(ctx, s, in_port);
  return sl_pass(c, SL_PL_ICMP_IGNORED);
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
