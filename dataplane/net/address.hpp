#pragma once
// Address vocabulary shared by config, console, CLI and the packet core: IP addresses of either
// family, IP:port endpoints, CIDR prefixes and MAC addresses. Stored in network byte order as
// raw bytes so the packet core copies them to and from headers without conversions.
#include <array>
#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace sluice::net {

enum class Family : std::uint8_t { kIpv4 = 4, kIpv6 = 6 };

class IpAddress {
 public:
  static constexpr std::size_t kV4Size = 4;
  static constexpr std::size_t kV6Size = 16;

  IpAddress() = default;  // 0.0.0.0
  static IpAddress v4(std::array<std::uint8_t, 4> bytes) noexcept;
  static IpAddress v6(std::array<std::uint8_t, 16> bytes) noexcept;
  // Copies 4 (IPv4) or 16 (IPv6) bytes in network order.
  static IpAddress from_bytes(Family family, const std::uint8_t* bytes) noexcept;

  // Dotted quad or RFC 4291 text (no brackets, no zone). nullopt when malformed.
  static std::optional<IpAddress> parse(std::string_view text);
  std::string to_string() const;

  Family family() const noexcept { return family_; }
  bool is_v4() const noexcept { return family_ == Family::kIpv4; }
  bool is_v6() const noexcept { return family_ == Family::kIpv6; }
  std::size_t size() const noexcept { return is_v4() ? kV4Size : kV6Size; }
  // The address bytes in network order; size() of them are meaningful, the rest are zero.
  const std::uint8_t* data() const noexcept { return bytes_.data(); }
  bool is_loopback() const noexcept;
  bool is_unspecified() const noexcept;

  friend bool operator==(const IpAddress&, const IpAddress&) = default;
  friend auto operator<=>(const IpAddress&, const IpAddress&) = default;

 private:
  Family family_ = Family::kIpv4;
  std::array<std::uint8_t, 16> bytes_{};
};

// An IP address and a port: "192.0.2.1:80" or "[2001:db8::1]:80".
struct Endpoint {
  IpAddress address;
  std::uint16_t port = 0;

  static std::optional<Endpoint> parse(std::string_view text);
  std::string to_string() const;
  friend bool operator==(const Endpoint&, const Endpoint&) = default;
  friend auto operator<=>(const Endpoint&, const Endpoint&) = default;
};

// A CIDR prefix as written on an interface: "10.10.0.1/24" keeps the host bits (the address is
// the appliance's own), contains() compares only the network bits.
struct Prefix {
  IpAddress address;
  std::uint8_t length = 0;

  static std::optional<Prefix> parse(std::string_view text);
  std::string to_string() const;
  bool contains(const IpAddress& other) const noexcept;
  // The prefix with its host bits cleared: 10.1.2.3/8 -> 10.0.0.0/8.
  Prefix network() const noexcept;
  friend bool operator==(const Prefix&, const Prefix&) = default;
};

class MacAddress {
 public:
  MacAddress() = default;
  explicit MacAddress(std::array<std::uint8_t, 6> bytes) noexcept : bytes_(bytes) {}
  // "02:00:00:00:00:09" (case-insensitive, colon-separated).
  static std::optional<MacAddress> parse(std::string_view text);
  std::string to_string() const;
  const std::array<std::uint8_t, 6>& bytes() const noexcept { return bytes_; }
  bool is_zero() const noexcept;
  friend bool operator==(const MacAddress&, const MacAddress&) = default;

 private:
  std::array<std::uint8_t, 6> bytes_{};
};

}  // namespace sluice::net
