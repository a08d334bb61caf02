// libFuzzer target for the strict PROXY decoder. Beyond "no crash, no read past the input"
// (ASan/UBSan), it checks two properties on every input:
//   - a valid v2 header re-encoded from its decoded fields through the shared builder is
//     byte-identical to the input's header bytes (TLVs are passed through in wire order);
//   - a valid v1 header re-encoded and decoded again gives the same fields (the text form of an
//     address may differ, "::0:1" vs "::1").
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>

#include "dataplane/proxy/pp2_decoder.hpp"
#include "dataplane/proxy/pp2_encoder.hpp"

namespace {

using sluice::proxy::Pp2Family;
using sluice::proxy::Pp2Header;
using sluice::proxy::Pp2Request;
using sluice::proxy::Pp2Transport;

Pp2Request request_from(const Pp2Header& header) {
  Pp2Request request;
  request.version = header.version;
  request.command = header.command;
  // UNSPEC headers go out as 0x00 whatever the template's transport.
  request.transport = header.transport == Pp2Transport::kDgram ? Pp2Transport::kDgram : Pp2Transport::kStream;
  request.source = header.source;
  request.destination = header.destination;
  request.unix_paths = header.unix_paths;
  request.tlvs = header.tlvs;
  // A trailing CRC32C goes through the builder's own CRC path instead of verbatim.
  if (!request.tlvs.empty() && request.tlvs.back().type == PP2_TYPE_CRC32C) {
    request.tlvs.pop_back();
    request.crc32c = true;
  }
  return request;
}

// The encoder writes the protocol byte as (family << 4 | transport), UNSPEC as 0x00, and the
// address block at the family's size: inputs outside that (a LOCAL header with an opaque or
// undefined family/transport pair) have no identical re-encoding.
bool re_encodable(const Pp2Header& header) {
  if (header.family == Pp2Family::kUnspec) return header.transport == Pp2Transport::kUnspec;
  if (header.transport == Pp2Transport::kUnspec) return false;
  return header.source.has_value() || header.unix_paths.has_value();
}

void check_v2(std::span<const std::uint8_t> input, const Pp2Header& header) {
  if (!re_encodable(header)) return;
  const sluice::proxy::Pp2Encoded encoded = sluice::proxy::encode(request_from(header));
  if (!encoded.ok()) return;  // e.g. more TLV bytes than a per-service template holds
  if (encoded.bytes.size() != header.length ||
      std::memcmp(encoded.bytes.data(), input.data(), header.length) != 0) {
    __builtin_trap();
  }
}

void check_v1(const Pp2Header& header) {
  const sluice::proxy::Pp2Encoded encoded = sluice::proxy::encode(request_from(header));
  if (!encoded.ok()) __builtin_trap();
  const auto again = sluice::proxy::decode_pp2(encoded.bytes);
  if (!again.ok() || !again.header) __builtin_trap();
  if (again.header->family != header.family || again.header->source != header.source ||
      again.header->destination != header.destination) {
    __builtin_trap();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::span<const std::uint8_t> input(data, size);
  const auto result = sluice::proxy::decode_pp2(input);
  if (result.error && result.error->offset > size) __builtin_trap();  // offsets point into the input
  if (!result.ok() || !result.header) return 0;
  if (result.header->length > size) __builtin_trap();
  if (result.header->version == 2) check_v2(input, *result.header);
  else check_v1(*result.header);
  return 0;
}
