#include "dataplane/net/address.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <charconv>
#include <cstring>

namespace sluice::net {

IpAddress IpAddress::v4(std::array<std::uint8_t, 4> bytes) noexcept {
  IpAddress a;
  a.family_ = Family::kIpv4;
  std::copy(bytes.begin(), bytes.end(), a.bytes_.begin());
  return a;
}

IpAddress IpAddress::v6(std::array<std::uint8_t, 16> bytes) noexcept {
  IpAddress a;
  a.family_ = Family::kIpv6;
  a.bytes_ = bytes;
  return a;
}

IpAddress IpAddress::from_bytes(Family family, const std::uint8_t* bytes) noexcept {
  IpAddress a;
  a.family_ = family;
  std::memcpy(a.bytes_.data(), bytes, family == Family::kIpv4 ? kV4Size : kV6Size);
  return a;
}

std::optional<IpAddress> IpAddress::parse(std::string_view text) {
  // inet_pton needs a terminated string; addresses are short, so a bounded copy suffices.
  char buf[INET6_ADDRSTRLEN + 1];
  if (text.empty() || text.size() >= sizeof buf) return std::nullopt;
  std::memcpy(buf, text.data(), text.size());
  buf[text.size()] = '\0';
  IpAddress a;
  if (text.find(':') == std::string_view::npos) {
    a.family_ = Family::kIpv4;
    if (inet_pton(AF_INET, buf, a.bytes_.data()) != 1) return std::nullopt;
  } else {
    a.family_ = Family::kIpv6;
    if (inet_pton(AF_INET6, buf, a.bytes_.data()) != 1) return std::nullopt;
  }
  return a;
}

std::string IpAddress::to_string() const {
  char buf[INET6_ADDRSTRLEN];
  inet_ntop(is_v4() ? AF_INET : AF_INET6, bytes_.data(), buf, sizeof buf);
  return buf;
}

bool IpAddress::is_loopback() const noexcept {
  if (is_v4()) return bytes_[0] == 127;
  static constexpr std::array<std::uint8_t, 16> kLoopback6{0, 0, 0, 0, 0, 0, 0, 0,
                                                           0, 0, 0, 0, 0, 0, 0, 1};
  return bytes_ == kLoopback6;
}

bool IpAddress::is_unspecified() const noexcept {
  return std::all_of(bytes_.begin(), bytes_.begin() + static_cast<std::ptrdiff_t>(size()),
                     [](std::uint8_t b) { return b == 0; });
}

namespace {
std::optional<std::uint32_t> parse_decimal(std::string_view text, std::uint32_t max) {
  std::uint32_t value = 0;
  if (text.empty() || text.size() > 10) return std::nullopt;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc{} || end != text.data() + text.size() || value > max) return std::nullopt;
  return value;
}
}  // namespace

std::optional<Endpoint> Endpoint::parse(std::string_view text) {
  std::string_view host, port;
  if (!text.empty() && text.front() == '[') {
    const auto close = text.find(']');
    if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':')
      return std::nullopt;
    host = text.substr(1, close - 1);
    port = text.substr(close + 2);
    if (host.find(':') == std::string_view::npos) return std::nullopt;  // brackets only for v6
  } else {
    const auto colon = text.rfind(':');
    if (colon == std::string_view::npos) return std::nullopt;
    host = text.substr(0, colon);
    port = text.substr(colon + 1);
    if (host.find(':') != std::string_view::npos) return std::nullopt;  // v6 needs brackets
  }
  auto address = IpAddress::parse(host);
  auto number = parse_decimal(port, 65535);
  if (!address || !number) return std::nullopt;
  return Endpoint{*address, static_cast<std::uint16_t>(*number)};
}

std::string Endpoint::to_string() const {
  // Built by appends: GCC 12 at -O3 warns (-Wrestrict, bug 105329) on chained operator+.
  std::string out;
  out.reserve(INET6_ADDRSTRLEN + 8);
  if (address.is_v6()) out.push_back('[');
  out.append(address.to_string());
  if (address.is_v6()) out.push_back(']');
  out.push_back(':');
  out.append(std::to_string(port));
  return out;
}

std::optional<Prefix> Prefix::parse(std::string_view text) {
  const auto slash = text.find('/');
  if (slash == std::string_view::npos) return std::nullopt;
  auto address = IpAddress::parse(text.substr(0, slash));
  if (!address) return std::nullopt;
  auto length = parse_decimal(text.substr(slash + 1), address->is_v4() ? 32 : 128);
  if (!length) return std::nullopt;
  return Prefix{*address, static_cast<std::uint8_t>(*length)};
}

std::string Prefix::to_string() const { return address.to_string() + "/" + std::to_string(length); }

Prefix Prefix::network() const noexcept {
  std::array<std::uint8_t, 16> bytes{};
  std::copy_n(address.data(), address.size(), bytes.begin());
  for (std::size_t bit = length; bit < address.size() * 8; ++bit) {
    bytes[bit / 8] = static_cast<std::uint8_t>(bytes[bit / 8] & ~(0x80u >> (bit % 8)));
  }
  return {IpAddress::from_bytes(address.family(), bytes.data()), length};
}

bool Prefix::contains(const IpAddress& other) const noexcept {
  if (other.family() != address.family()) return false;
  // Two big-endian 64-bit words, so that the prefix is a run of leading one bits of a mask: a
  // few instructions instead of memcmp and a byte mask (a new flow's route lookup scans every
  // prefix). IPv4 addresses occupy the first 4 bytes, the rest is zero on both sides.
  for (unsigned word = 0; word < 2; ++word) {
    const unsigned covered = length > word * 64 ? std::min(length - word * 64, 64u) : 0u;
    if (covered == 0) return true;
    std::uint64_t a;
    std::uint64_t b;
    std::memcpy(&a, address.data() + 8 * word, 8);
    std::memcpy(&b, other.data() + 8 * word, 8);
    const std::uint64_t mask = covered == 64 ? ~std::uint64_t{0} : ~(~std::uint64_t{0} >> covered);
    if (((__builtin_bswap64(a) ^ __builtin_bswap64(b)) & mask) != 0) return false;
  }
  return true;
}

std::optional<MacAddress> MacAddress::parse(std::string_view text) {
  if (text.size() != 17) return std::nullopt;
  std::array<std::uint8_t, 6> bytes{};
  for (std::size_t i = 0; i < 6; ++i) {
    if (i > 0 && text[i * 3 - 1] != ':') return std::nullopt;
    std::uint32_t value = 0;
    const char* first = text.data() + i * 3;
    auto [end, ec] = std::from_chars(first, first + 2, value, 16);
    if (ec != std::errc{} || end != first + 2) return std::nullopt;
    bytes[i] = static_cast<std::uint8_t>(value);
  }
  return MacAddress(bytes);
}

std::string MacAddress::to_string() const {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(17);
  for (std::size_t i = 0; i < 6; ++i) {
    if (i > 0) out.push_back(':');
    out.push_back(kHex[bytes_[i] >> 4]);
    out.push_back(kHex[bytes_[i] & 0xF]);
  }
  return out;
}

bool MacAddress::is_zero() const noexcept {
  return std::all_of(bytes_.begin(), bytes_.end(), [](std::uint8_t b) { return b == 0; });
}

}  // namespace sluice::net
