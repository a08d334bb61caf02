#pragma once
// Strict PROXY protocol decoder (v2 binary and v1 text), for `sluice pp2 decode`, tests and the
// fuzzer. It checks every rule of haproxy doc/proxy-protocol.txt and reports the first
// violation with the byte offset where it is. It never reads outside `input`.
//
// Bytes after the header (the payload that follows it on a connection) are not looked at: the
// header's own length says where it ends.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "dataplane/net/address.hpp"
#include "dataplane/proxy/pp2_types.hpp"

namespace sluice::proxy {

enum class Crc32cStatus : std::uint8_t { kAbsent, kOk, kBad };
std::string_view to_string(Crc32cStatus status) noexcept;  // "absent" | "ok" | "bad"

struct Pp2Header {
  int version = 2;  // 1 or 2
  Pp2Command command = Pp2Command::kProxy;
  Pp2Family family = Pp2Family::kUnspec;
  Pp2Transport transport = Pp2Transport::kUnspec;
  // INET/INET6 (v1 TCP4/TCP6): both set. Absent for UNSPEC, UNIX, and LOCAL headers whose length
  // does not cover the family's address block.
  std::optional<net::Endpoint> source;
  std::optional<net::Endpoint> destination;
  std::optional<UnixPaths> unix_paths;  // UNIX: paths with trailing NUL padding removed
  std::size_t length = 0;               // the whole header, fixed part (or CRLF) included
  Crc32cStatus crc32c = Crc32cStatus::kAbsent;
  std::vector<Pp2Tlv> tlvs;             // in wire order, CRC32C included
};

struct Pp2DecodeError {
  std::string message;
  std::size_t offset = 0;  // byte of the input where the problem is
};

struct Pp2DecodeResult {
  // Set when the header's structure parsed to its end; then an error, if any, is about content
  // (CRC32C mismatch or length, UNIQUE_ID too long) and the fields are still meaningful.
  std::optional<Pp2Header> header;
  std::optional<Pp2DecodeError> error;  // the first rule broken; absent when valid
  bool ok() const noexcept { return !error.has_value(); }
};

// Decodes the header at the start of `input` (v2 when it starts with the binary signature, v1
// when it starts with "PROXY").
Pp2DecodeResult decode_pp2(std::span<const std::uint8_t> input);

}  // namespace sluice::proxy
