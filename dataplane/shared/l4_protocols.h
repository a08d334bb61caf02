/* SPDX-License-Identifier: Apache-2.0 */
/* Which transport protocol numbers each IP family carries as the appliance reads them, one rule
 * for the C++ parser (dataplane/packet/parser.cpp) and the XDP program (bpf/xdp/parse.h,
 * bpf/sluice_xdp.bpf.c). ICMP is 1 in IPv4 (RFC 792) and 58 in IPv6 (RFC 4443); the other
 * family's number is just an unsupported protocol there: the XDP program had taken an IPv4
 * packet of protocol 58 for ICMP (`icmp_ignored`) where the C++ parser said `unsupported_l4`
 * (found by the differential test's mutated frames). Fixture malformed_ipv4_protocol_58.
 * C for g++ and clang -target bpf. */
#ifndef SLUICE_DATAPLANE_SHARED_L4_PROTOCOLS_H
#define SLUICE_DATAPLANE_SHARED_L4_PROTOCOLS_H

#include "dataplane/shared/c_compat.h"

#define SL_PROTO_ICMP 1u
#define SL_PROTO_ICMPV6 58u

/* The family's own ICMP. */
SLUICE_INLINE int sl_is_icmp_of_family(int ipv4, uint8_t protocol) {
  return ipv4 ? protocol == SL_PROTO_ICMP : protocol == SL_PROTO_ICMPV6;
}

#endif /* SLUICE_DATAPLANE_SHARED_L4_PROTOCOLS_H */
