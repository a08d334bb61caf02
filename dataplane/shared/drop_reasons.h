/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Why a frame is dropped, once for both datapaths: each list entry is (C name, C++ enumerator,
 * value, name as printed). packet::DropReason and pipeline::PipelineDrop, their names
 * (drop_reason_name, pipeline_drop_name: `show stats`, /metrics, the fixtures) and the
 * program's SL_PD_* / SL_PL_* counter indexes are generated from them. The names are stable
 * (never rename one, only add at the end); docs/packet-layer.md has the parser's conditions.
 * The insertion engine's reasons are SL_INSERTION_DROP_LIST (tcp_rules.h).
 */
#ifndef SLUICE_DATAPLANE_SHARED_DROP_REASONS_H
#define SLUICE_DATAPLANE_SHARED_DROP_REASONS_H

/* The parser's and the rewrites' reasons (packet::DropReason; 0 is "none"). */
#define SL_PARSE_DROP_LIST(X) \
  X(SL_PD_TRUNCATED_ETHERNET, kTruncatedEthernet, 1, "truncated_ethernet")                                         \
  X(SL_PD_TRUNCATED_VLAN, kTruncatedVlan, 2, "truncated_vlan")                                                     \
  X(SL_PD_STACKED_VLAN, kStackedVlan, 3, "stacked_vlan")                                                           \
  X(SL_PD_UNSUPPORTED_ETHERTYPE, kUnsupportedEthertype, 4, "unsupported_ethertype")                                \
  X(SL_PD_TRUNCATED_ARP, kTruncatedArp, 5, "truncated_arp")                                                        \
  X(SL_PD_UNSUPPORTED_ARP, kUnsupportedArp, 6, "unsupported_arp")                                                  \
  X(SL_PD_TRUNCATED_IPV4, kTruncatedIpv4, 7, "truncated_ipv4")                                                     \
  X(SL_PD_BAD_IP_VERSION, kBadIpVersion, 8, "bad_ip_version")                                                      \
  X(SL_PD_BAD_IPV4_IHL, kBadIpv4Ihl, 9, "bad_ipv4_ihl")                                                            \
  X(SL_PD_IPV4_TOTAL_LENGTH_BELOW_HEADER, kIpv4TotalLengthBelowHeader, 10, "ipv4_total_length_below_header")       \
  X(SL_PD_IPV4_TOTAL_LENGTH_BEYOND_FRAME, kIpv4TotalLengthBeyondFrame, 11, "ipv4_total_length_beyond_frame")       \
  X(SL_PD_BAD_IPV4_HEADER_CHECKSUM, kBadIpv4HeaderChecksum, 12, "bad_ipv4_header_checksum")                        \
  X(SL_PD_TRUNCATED_IPV6, kTruncatedIpv6, 13, "truncated_ipv6")                                                    \
  X(SL_PD_IPV6_PAYLOAD_LENGTH_BEYOND_FRAME, kIpv6PayloadLengthBeyondFrame, 14, "ipv6_payload_length_beyond_frame") \
  X(SL_PD_TRUNCATED_IPV6_EXTENSION_HEADER, kTruncatedIpv6ExtensionHeader, 15, "truncated_ipv6_extension_header")   \
  X(SL_PD_TOO_MANY_IPV6_EXTENSION_HEADERS, kTooManyIpv6ExtensionHeaders, 16, "too_many_ipv6_extension_headers")    \
  X(SL_PD_IPV6_HOP_BY_HOP_NOT_FIRST, kIpv6HopByHopNotFirst, 17, "ipv6_hop_by_hop_not_first")                       \
  X(SL_PD_TRUNCATED_TCP, kTruncatedTcp, 18, "truncated_tcp")                                                       \
  X(SL_PD_BAD_TCP_DATA_OFFSET, kBadTcpDataOffset, 19, "bad_tcp_data_offset")                                       \
  X(SL_PD_TCP_OPTIONS_OVERRUN, kTcpOptionsOverrun, 20, "tcp_options_overrun")                                      \
  X(SL_PD_BAD_TCP_OPTION_LENGTH, kBadTcpOptionLength, 21, "bad_tcp_option_length")                                 \
  X(SL_PD_DUPLICATE_TCP_OPTION, kDuplicateTcpOption, 22, "duplicate_tcp_option")                                   \
  X(SL_PD_TRUNCATED_UDP, kTruncatedUdp, 23, "truncated_udp")                                                       \
  X(SL_PD_UDP_LENGTH_MISMATCH, kUdpLengthMismatch, 24, "udp_length_mismatch")                                      \
  X(SL_PD_UDP_ZERO_CHECKSUM_IPV6, kUdpZeroChecksumIpv6, 25, "udp_zero_checksum_ipv6")                              \
  X(SL_PD_TRUNCATED_ICMP, kTruncatedIcmp, 26, "truncated_icmp")                                                    \
  X(SL_PD_TRUNCATED_ICMPV6, kTruncatedIcmpv6, 27, "truncated_icmpv6")                                              \
  X(SL_PD_TTL_EXPIRED, kTtlExpired, 28, "ttl_expired")                                                             \
  X(SL_PD_NO_BUFFER_ROOM, kNoBufferRoom, 29, "no_buffer_room")                                                     \
  X(SL_PD_FAMILY_MISMATCH, kFamilyMismatch, 30, "family_mismatch")                                                 \
  X(SL_PD_NOT_REWRITABLE, kNotRewritable, 31, "not_rewritable")                                                    \
  X(SL_PD_TRANSLATION_FRAGMENT, kTranslationFragment, 32, "translation_fragment")                                  \
  X(SL_PD_TRANSLATION_SOURCE_ROUTE, kTranslationSourceRoute, 33, "translation_source_route")

/* The pipeline's reasons (pipeline::PipelineDrop, from 0). */
#define SL_PIPELINE_DROP_LIST(X) \
  X(SL_PL_NOT_FOR_US, kNotForUs, 0, "not_for_us") /* destination neither a VIP nor an own address */                                     \
  X(SL_PL_NO_SERVICE, kNoService, 1, "no_service") /* a VIP or own address, but no service on that protocol/port */                      \
  X(SL_PL_UNKNOWN_TCP_FLOW, kUnknownTcpFlow, 2, "unknown_tcp_flow") /* a non-SYN TCP segment without a flow */                           \
  X(SL_PL_CONNTRACK_FULL, kConntrackFull, 3, "conntrack_full") /* max_entries reached: new flows refused, established ones unaffected */ \
  X(SL_PL_SNAT_EXHAUSTED, kSnatExhausted, 4, "snat_exhausted") /* no free SNAT port on this worker */                                    \
  X(SL_PL_NO_BACKEND, kNoBackend, 5, "no_backend") /* every backend is down, disabled or drained */                                      \
  X(SL_PL_NO_SNAT_ADDRESS, kNoSnatAddress, 6, "no_snat_address") /* the service has no SNAT address of the backend's family */           \
  X(SL_PL_TTL_EXCEEDED, kTtlExceeded, 7, "ttl_exceeded") /* TTL / hop limit would reach zero */                                          \
  X(SL_PL_UDP_TOO_BIG, kUdpTooBig, 8, "udp_too_big") /* header would push the datagram over the egress MTU (ICMP sent) */                \
  X(SL_PL_NO_ROUTE, kNoRoute, 9, "no_route") /* no connected subnet or route towards the destination */                                  \
  X(SL_PL_NEIGHBOR_QUEUE_FULL, kNeighborQueueFull, 10, "neighbor_queue_full") /* neighbour unresolved and its small queue full */        \
  X(SL_PL_NO_NEIGHBOR, kNoNeighbor, 11, "no_neighbor") /* queued for a neighbour that never answered */                                  \
  X(SL_PL_NO_BUFFER, kNoBuffer, 12, "no_buffer") /* no frame to build an emitted packet, or no room to grow one */                       \
  X(SL_PL_FRAGMENT, kFragment, 13, "fragment") /* IP fragments are not load-balanced */                                                  \
  X(SL_PL_UNSUPPORTED_L4, kUnsupportedL4, 14, "unsupported_l4") /* an L4 protocol that no service uses (ICMP errors, ESP, ...) */        \
  X(SL_PL_ICMP_IGNORED, kIcmpIgnored, 15, "icmp_ignored") /* ICMP other than echo requests to our addresses */                           \
  X(SL_PL_TCP_INSERTION, kTcpInsertion, 16, "tcp_insertion") /* the insertion engine refused the segment (its own reason counted too) */ \
  X(SL_PL_HOST_BAD_SOURCE, kHostBadSource, 17, "host_bad_source") /* the host sent a packet whose source is not an appliance address */ \
  X(SL_PL_OVERSIZED_FRAME, kOversizedFrame, 18, "oversized_frame") /* an IP packet longer than its ingress link's MTU: a GRO/LRO super-frame */ \
  X(SL_PL_STALE_ACK_TO_SYN, kStaleAckToSyn, 19, "stale_ack_to_syn") /* a backend ACK (no SYN) before its SYN-ACK: another incarnation's, reset */ \
  X(SL_PL_SYN_COOKIE_INVALID, kSynCookieInvalid, 20, "syn_cookie_invalid") /* an ACK without a flow to a SYN-proxied service whose cookie fails (syn_proxy.h) */ \
  X(SL_PL_SYN_PROXY_EARLY_DATA, kSynProxyEarlyData, 21, "syn_proxy_early_data") /* a proxied flow's client segment before the backend's SYN-ACK (the client resends it) */

#define SL_DROP_CONSTANT(c_name, cpp_name, value, text) c_name = value,
#define SL_DROP_COUNT(c_name, cpp_name, value, text) +1
enum { SL_PARSE_DROP_LIST(SL_DROP_CONSTANT) SL_PARSE_DROP_COUNT = 1 SL_PARSE_DROP_LIST(SL_DROP_COUNT) };
enum { SL_PIPELINE_DROP_LIST(SL_DROP_CONSTANT) SL_PIPELINE_DROP_COUNT = 0 SL_PIPELINE_DROP_LIST(SL_DROP_COUNT) };

#endif /* SLUICE_DATAPLANE_SHARED_DROP_REASONS_H */
