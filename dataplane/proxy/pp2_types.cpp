#include "dataplane/proxy/pp2_types.hpp"

namespace sluice::proxy {

std::string_view to_string(Pp2Command command) noexcept {
  return command == Pp2Command::kLocal ? "LOCAL" : "PROXY";
}

std::string_view to_string(Pp2Family family) noexcept {
  switch (family) {
    case Pp2Family::kUnspec: return "UNSPEC";
    case Pp2Family::kInet: return "INET";
    case Pp2Family::kInet6: return "INET6";
    case Pp2Family::kUnix: return "UNIX";
  }
  return "UNSPEC";
}

std::string_view to_string(Pp2Transport transport) noexcept {
  switch (transport) {
    case Pp2Transport::kUnspec: return "UNSPEC";
    case Pp2Transport::kStream: return "STREAM";
    case Pp2Transport::kDgram: return "DGRAM";
  }
  return "UNSPEC";
}

std::string_view describe_pp2_error(std::int32_t code) noexcept {
  switch (code) {
    case PP2_ERR_VERSION: return "PROXY protocol version must be 1 or 2";
    case PP2_ERR_COMMAND: return "command must be LOCAL or PROXY";
    case PP2_ERR_TRANSPORT: return "transport must be tcp or udp (v1: tcp only)";
    case PP2_ERR_FAMILY: return "address family not expressible in this version";
    case PP2_ERR_TLV_SPACE: return "TLVs exceed the per-service TLV block (384 bytes)";
    case PP2_ERR_TLV_MALFORMED: return "malformed TLV block";
    case PP2_ERR_UNIQUE_ID: return "unique id longer than 128 bytes";
    case PP2_ERR_V1_TLVS: return "PROXY v1 carries no TLVs";
    default: return "unknown PROXY codec error";
  }
}

}  // namespace sluice::proxy
