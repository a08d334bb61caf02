#pragma once
// Text renderings of PROXY headers for `sluice pp2 encode|decode`: lowercase hex and the
// one-line JSON object of spec cli-console.md.
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "dataplane/proxy/pp2_decoder.hpp"

namespace sluice::proxy {

// Lowercase hex, two digits per byte, no separators.
std::string to_hex(std::span<const std::uint8_t> bytes);

// Hex digits of either case; ASCII whitespace anywhere is ignored when skip_whitespace. nullopt
// on any other character or an odd number of digits.
std::optional<std::vector<std::uint8_t>> parse_hex(std::string_view text, bool skip_whitespace = false);

// JSON string literal (quotes included), RFC 8259 escaping; bytes >= 0x80 become \u00XX so the
// output is ASCII whatever a UNIX path holds.
std::string json_string(std::string_view text);

// The decode JSON, keys always present and in the spec's order:
// version, command, family, transport, src, src_port, dst, dst_port, length, crc32c, tlvs.
// src/dst/ports are null where the family carries no address; for UNIX, src/dst are the paths
// and the ports null.
std::string to_json(const Pp2Header& header);

}  // namespace sluice::proxy
