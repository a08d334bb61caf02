#pragma once
// Helpers shared by the pp2 tests: hex in, hex out, headers written field by field.
#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "dataplane/proxy/pp2_text.hpp"

namespace sluice::proxy::test {

// The v2 signature "\r\n\r\n\0\r\nQUIT\n" as hex: headers in tests are spelled kSig + fields.
inline const std::string kSig = "0d0a0d0a000d0a515549540a";

inline std::vector<std::uint8_t> unhex(std::string_view text) {
  auto bytes = parse_hex(text, true);
  if (!bytes) throw std::invalid_argument("bad hex in test: " + std::string(text));
  return *bytes;
}

inline std::vector<std::uint8_t> bytes_of(std::string_view text) { return {text.begin(), text.end()}; }

}  // namespace sluice::proxy::test
