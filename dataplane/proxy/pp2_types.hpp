#pragma once
// C++ names for the PROXY protocol vocabulary of dataplane/shared/pp2.h, shared by the encoder,
// the decoder and their JSON/CLI renderings.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "dataplane/shared/pp2.h"

namespace sluice::proxy {

enum class Pp2Command : std::uint8_t { kLocal = PP2_CMD_LOCAL, kProxy = PP2_CMD_PROXY };
enum class Pp2Family : std::uint8_t {
  kUnspec = PP2_FAM_UNSPEC,
  kInet = PP2_FAM_INET,
  kInet6 = PP2_FAM_INET6,
  kUnix = PP2_FAM_UNIX,
};
enum class Pp2Transport : std::uint8_t {
  kUnspec = PP2_TRANSPORT_UNSPEC,
  kStream = PP2_TRANSPORT_STREAM,
  kDgram = PP2_TRANSPORT_DGRAM,
};

// One TLV as the encoder takes it and the decoder reports it.
struct Pp2Tlv {
  std::uint8_t type = 0;
  std::vector<std::uint8_t> value;
  friend bool operator==(const Pp2Tlv&, const Pp2Tlv&) = default;
};

// UNIX socket endpoints (family UNIX): sun_path bytes, at most 108 each.
struct UnixPaths {
  std::string source;
  std::string destination;
  friend bool operator==(const UnixPaths&, const UnixPaths&) = default;
};

// Upper-case names used by `sluice pp2 decode` (spec cli-console.md).
std::string_view to_string(Pp2Command command) noexcept;
std::string_view to_string(Pp2Family family) noexcept;
std::string_view to_string(Pp2Transport transport) noexcept;

// Human text for a PP2_ERR_* code of the shared builder.
std::string_view describe_pp2_error(std::int32_t code) noexcept;

}  // namespace sluice::proxy
