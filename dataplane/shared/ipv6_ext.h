/* Which IPv6 next-header values are extension headers to walk past (RFC 8200 section 4, the
 * IANA "IPv6 Extension Header Types" list; RFC 7045: treat them all so). One list for the C++
 * parser (dataplane/packet/parser.cpp) and the XDP program (bpf/xdp/parse.h): the two had
 * drifted (the C++ one ended the walk at Mobility, HIP and Shim6 as an unsupported L4; found by
 * the XDP differential test's mutated frames). ESP (50) and No Next Header (59) end the walk.
 * Fixture malformed_ipv6_mobility_header_overrun. C for g++ and clang -target bpf. */
#ifndef SLUICE_DATAPLANE_SHARED_IPV6_EXT_H
#define SLUICE_DATAPLANE_SHARED_IPV6_EXT_H

#include "dataplane/shared/c_compat.h"

static inline int sl_ipv6_is_extension(uint8_t next_header) {
  return next_header == 0 ||   /* hop-by-hop options */
         next_header == 43 ||  /* routing */
         next_header == 44 ||  /* fragment */
         next_header == 60 ||  /* destination options */
         next_header == 51 ||  /* authentication header */
         next_header == 135 || /* mobility (RFC 6275) */
         next_header == 139 || /* HIP (RFC 7401) */
         next_header == 140;   /* Shim6 (RFC 5533) */
}

#endif
