#pragma once
// Protocol numbers and fixed sizes the packet core recognises. Values are from the IANA
// registries (ethertypes, IP protocol numbers, TCP option kinds) and the cited RFCs.
#include <cstddef>
#include <cstdint>

namespace sluice::packet {

namespace ethertype {
inline constexpr std::uint16_t kIpv4 = 0x0800;
inline constexpr std::uint16_t kArp = 0x0806;
inline constexpr std::uint16_t kVlan = 0x8100;     // IEEE 802.1Q customer tag
inline constexpr std::uint16_t kQinQ = 0x88A8;     // IEEE 802.1ad service tag
inline constexpr std::uint16_t kIpv6 = 0x86DD;
}  // namespace ethertype

namespace ip_proto {
inline constexpr std::uint8_t kHopByHop = 0;       // RFC 8200 section 4.3
inline constexpr std::uint8_t kIcmp = 1;
inline constexpr std::uint8_t kTcp = 6;
inline constexpr std::uint8_t kUdp = 17;
inline constexpr std::uint8_t kRouting = 43;       // RFC 8200 section 4.4
inline constexpr std::uint8_t kFragment = 44;      // RFC 8200 section 4.5
inline constexpr std::uint8_t kEsp = 50;           // RFC 4303: opaque, ends the walk
inline constexpr std::uint8_t kAh = 51;            // RFC 4302: length in 32-bit words
inline constexpr std::uint8_t kIcmpv6 = 58;
inline constexpr std::uint8_t kNoNextHeader = 59;
inline constexpr std::uint8_t kDestinationOptions = 60;
}  // namespace ip_proto

// TCP option kinds (IANA "TCP Option Kind Numbers").
namespace tcp_option {
inline constexpr std::uint8_t kEndOfList = 0;
inline constexpr std::uint8_t kNop = 1;
inline constexpr std::uint8_t kMss = 2;               // RFC 9293 section 3.2, length 4
inline constexpr std::uint8_t kWindowScale = 3;       // RFC 7323 section 2.2, length 3
inline constexpr std::uint8_t kSackPermitted = 4;     // RFC 2018 section 2, length 2
inline constexpr std::uint8_t kSack = 5;              // RFC 2018 section 3, length 2 + 8n
inline constexpr std::uint8_t kTimestamps = 8;        // RFC 7323 section 3.2, length 10
inline constexpr std::uint8_t kFastOpen = 34;         // RFC 7413 section 4.1.1
inline constexpr std::uint8_t kExperimental = 254;    // RFC 6994 shared experimental kind
inline constexpr std::uint16_t kFastOpenExperimentId = 0xF989;  // pre-RFC 7413 TFO ExID

inline constexpr std::size_t kMssLength = 4;
inline constexpr std::size_t kWindowScaleLength = 3;
inline constexpr std::size_t kSackPermittedLength = 2;
inline constexpr std::size_t kSackBlockSize = 8;
inline constexpr std::size_t kTimestampsLength = 10;
}  // namespace tcp_option

// TCP header flag bits (RFC 9293 section 3.1, RFC 3168 section 6.1 for ECE/CWR).
namespace tcp_flag {
inline constexpr std::uint8_t kFin = 0x01;
inline constexpr std::uint8_t kSyn = 0x02;
inline constexpr std::uint8_t kRst = 0x04;
inline constexpr std::uint8_t kPsh = 0x08;
inline constexpr std::uint8_t kAck = 0x10;
inline constexpr std::uint8_t kUrg = 0x20;
inline constexpr std::uint8_t kEce = 0x40;
inline constexpr std::uint8_t kCwr = 0x80;
}  // namespace tcp_flag

namespace header_size {
inline constexpr std::size_t kEthernet = 14;
inline constexpr std::size_t kVlanTag = 4;
inline constexpr std::size_t kArpIpv4 = 28;          // RFC 826 for Ethernet/IPv4
inline constexpr std::size_t kIpv4Min = 20;
inline constexpr std::size_t kIpv4Max = 60;
inline constexpr std::size_t kIpv6 = 40;
inline constexpr std::size_t kIpv6FragmentHeader = 8;
inline constexpr std::size_t kTcpMin = 20;
inline constexpr std::size_t kTcpMax = 60;
inline constexpr std::size_t kUdp = 8;
inline constexpr std::size_t kIcmp = 8;              // type, code, checksum, 4 bytes of "rest"
}  // namespace header_size

}  // namespace sluice::packet
