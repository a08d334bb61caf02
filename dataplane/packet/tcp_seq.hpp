#pragma once
// A TCP sequence or acknowledgement number: 32-bit modular arithmetic (RFC 793 section 3.3,
// RFC 1982 serial-number comparison). Comparisons are only meaningful within 2^31 of each other,
// which TCP windows guarantee. Plain integers are never compared with < on purpose.
#include <cstdint>

namespace sluice {

class TcpSeq {
 public:
  constexpr TcpSeq() = default;
  constexpr explicit TcpSeq(std::uint32_t value) noexcept : value_(value) {}
  constexpr std::uint32_t value() const noexcept { return value_; }

  constexpr TcpSeq operator+(std::uint32_t n) const noexcept { return TcpSeq(value_ + n); }
  constexpr TcpSeq operator-(std::uint32_t n) const noexcept { return TcpSeq(value_ - n); }
  constexpr TcpSeq& operator+=(std::uint32_t n) noexcept { value_ += n; return *this; }
  constexpr TcpSeq& operator-=(std::uint32_t n) noexcept { value_ -= n; return *this; }
  // Signed distance a - b, correct across wraparound.
  friend constexpr std::int32_t operator-(TcpSeq a, TcpSeq b) noexcept {
    return static_cast<std::int32_t>(a.value_ - b.value_);
  }

  friend constexpr bool operator==(TcpSeq a, TcpSeq b) noexcept = default;
  friend constexpr bool operator<(TcpSeq a, TcpSeq b) noexcept { return (a - b) < 0; }
  friend constexpr bool operator>(TcpSeq a, TcpSeq b) noexcept { return (a - b) > 0; }
  friend constexpr bool operator<=(TcpSeq a, TcpSeq b) noexcept { return (a - b) <= 0; }
  friend constexpr bool operator>=(TcpSeq a, TcpSeq b) noexcept { return (a - b) >= 0; }

 private:
  std::uint32_t value_ = 0;
};

static_assert(TcpSeq(0xFFFFFFF0u) < TcpSeq(0x10u), "wraparound compares forward");
static_assert(TcpSeq(0x10u) - TcpSeq(0xFFFFFFF0u) == 0x20, "distance across wraparound");

}  // namespace sluice
