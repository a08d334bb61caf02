#pragma once
// C++ front end of the shared builder (dataplane/shared/pp2.h): turns a description of one
// header into the per-service pp2_template and per-connection pp2_conn the datapaths use, and
// encodes a whole header for the CLI, tests and health probes. The bytes always come from
// pp2_build(), the code the BPF programs run too.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "dataplane/net/address.hpp"
#include "dataplane/proxy/pp2_types.hpp"
#include "dataplane/shared/pp2.h"

namespace sluice::proxy {

// Everything one header says. TLVs are sent in `tlvs` order, then UNIQUE_ID, then CRC32C.
struct Pp2Request {
  int version = 2;                                 // 1 or 2
  Pp2Command command = Pp2Command::kProxy;
  Pp2Transport transport = Pp2Transport::kStream;  // STREAM or DGRAM
  // Both set and of one IP family => INET/INET6; unix_paths set => UNIX; neither => UNSPEC.
  std::optional<net::Endpoint> source;
  std::optional<net::Endpoint> destination;
  std::optional<UnixPaths> unix_paths;
  std::vector<Pp2Tlv> tlvs;                        // ALPN, AUTHORITY, NOOP, NETNS, custom...
  std::optional<std::vector<std::uint8_t>> unique_id;
  bool crc32c = false;
};

// The header bytes, or why there are none.
struct Pp2Encoded {
  std::vector<std::uint8_t> bytes;
  std::string error;  // empty on success
  bool ok() const noexcept { return error.empty(); }
};

// Per-service half: version, command, transport, TLVs, UNIQUE_ID length and CRC32C flag.
// Returns an empty string or the reason the request cannot be encoded.
std::string make_template(const Pp2Request& request, pp2_template& out);

// Per-connection half: family, addresses, ports, unique id bytes.
std::string make_conn(const Pp2Request& request, pp2_conn& out);

// Both halves and pp2_build().
Pp2Encoded encode(const Pp2Request& request);

}  // namespace sluice::proxy
