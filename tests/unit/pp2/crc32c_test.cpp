// CRC32C (Castagnoli) against published check values: the CRC catalogue's check string and the
// RFC 3720 appendix B.4 vectors (the same polynomial as RFC 4960 appendix B).
#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <string_view>

#include "dataplane/shared/crc32c.h"

namespace {

std::uint32_t crc_of(std::string_view text) {
  return sluice_crc32c(reinterpret_cast<const std::uint8_t*>(text.data()), static_cast<std::uint32_t>(text.size()));
}

TEST(Crc32c, CheckString) { EXPECT_EQ(crc_of("123456789"), 0xE3069283u); }

TEST(Crc32c, EmptyInputIsZero) { EXPECT_EQ(sluice_crc32c(nullptr, 0), 0x00000000u); }

TEST(Crc32c, Rfc3720ThirtyTwoZeros) {
  std::array<std::uint8_t, 32> data{};
  EXPECT_EQ(sluice_crc32c(data.data(), 32), 0x8A9136AAu);
}

TEST(Crc32c, Rfc3720ThirtyTwoOnes) {
  std::array<std::uint8_t, 32> data{};
  data.fill(0xFF);
  EXPECT_EQ(sluice_crc32c(data.data(), 32), 0x62A8AB43u);
}

TEST(Crc32c, Rfc3720Incrementing) {
  std::array<std::uint8_t, 32> data{};
  for (std::size_t i = 0; i < data.size(); ++i) data[i] = static_cast<std::uint8_t>(i);
  EXPECT_EQ(sluice_crc32c(data.data(), 32), 0x46DD794Eu);
}

TEST(Crc32c, Rfc3720Decrementing) {
  std::array<std::uint8_t, 32> data{};
  for (std::size_t i = 0; i < data.size(); ++i) data[i] = static_cast<std::uint8_t>(31 - i);
  EXPECT_EQ(sluice_crc32c(data.data(), 32), 0x113FDB5Cu);
}

TEST(Crc32c, IncrementalEqualsOneShot) {
  const std::string_view text = "123456789";
  const auto* bytes = reinterpret_cast<const std::uint8_t*>(text.data());
  std::uint32_t crc = SLUICE_CRC32C_INIT;
  crc = sluice_crc32c_update(crc, bytes, 4);
  crc = sluice_crc32c_update(crc, bytes + 4, 5);
  EXPECT_EQ(sluice_crc32c_final(crc), 0xE3069283u);
}

TEST(Crc32c, TableMatchesBitwiseDefinition) {
  // Each entry is byte n shifted through the reflected polynomial eight times.
  for (std::uint32_t n = 0; n < 256; ++n) {
    std::uint32_t crc = n;
    for (int bit = 0; bit < 8; ++bit) crc = (crc >> 1) ^ ((crc & 1u) ? SLUICE_CRC32C_POLY_REFLECTED : 0u);
    ASSERT_EQ(sluice_crc32c_table[n], crc) << "entry " << n;
  }
}

}  // namespace
