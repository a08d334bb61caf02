#include "dataplane/proxy/pp2_encoder.hpp"

#include <algorithm>
#include <array>
#include <cstring>

namespace sluice::proxy {

std::string make_template(const Pp2Request& request, pp2_template& out) {
  const auto version = static_cast<std::uint32_t>(request.version);
  if (const auto rc = pp2_template_init(&out, version, static_cast<std::uint32_t>(request.command),
                                        static_cast<std::uint32_t>(request.transport));
      rc != 0) {
    return std::string(describe_pp2_error(rc));
  }
  for (const Pp2Tlv& tlv : request.tlvs) {
    const auto rc = pp2_template_add_tlv(&out, tlv.type, tlv.value.data(),
                                         static_cast<std::uint32_t>(std::min<std::size_t>(
                                             tlv.value.size(), PP2_STATIC_TLVS_MAX + 1)));
    if (rc != 0) return std::string(describe_pp2_error(rc));
  }
  if (request.unique_id) {
    const auto size = std::min<std::size_t>(request.unique_id->size(), PP2_UNIQUE_ID_MAX + 1);
    if (const auto rc = pp2_template_set_unique_id(&out, static_cast<std::uint32_t>(size)); rc != 0)
      return std::string(describe_pp2_error(rc));
  }
  if (request.crc32c) {
    if (const auto rc = pp2_template_set_crc32c(&out); rc != 0) return std::string(describe_pp2_error(rc));
  }
  return {};
}

namespace {
void copy_path(const std::string& path, std::uint8_t* out) {
  std::memset(out, 0, PP2_UNIX_PATH_LEN);
  std::memcpy(out, path.data(), path.size());
}
}  // namespace

std::string make_conn(const Pp2Request& request, pp2_conn& out) {
  out = pp2_conn{};
  const bool has_inet = request.source.has_value() || request.destination.has_value();
  if (has_inet && request.unix_paths) return "both IP endpoints and UNIX paths given";
  if (has_inet) {
    if (!request.source || !request.destination) return "source and destination must both be given";
    const net::IpAddress& src = request.source->address;
    const net::IpAddress& dst = request.destination->address;
    if (src.family() != dst.family()) return "source and destination are of different address families";
    out.src_port = request.source->port;
    out.dst_port = request.destination->port;
    if (src.is_v4()) {
      out.family = PP2_FAM_INET;
      std::memcpy(out.addr.inet.src, src.data(), net::IpAddress::kV4Size);
      std::memcpy(out.addr.inet.dst, dst.data(), net::IpAddress::kV4Size);
    } else {
      out.family = PP2_FAM_INET6;
      std::memcpy(out.addr.inet6.src, src.data(), net::IpAddress::kV6Size);
      std::memcpy(out.addr.inet6.dst, dst.data(), net::IpAddress::kV6Size);
    }
  } else if (request.unix_paths) {
    if (request.unix_paths->source.size() > PP2_UNIX_PATH_LEN ||
        request.unix_paths->destination.size() > PP2_UNIX_PATH_LEN)
      return "UNIX socket path longer than 108 bytes";
    out.family = PP2_FAM_UNIX;
    copy_path(request.unix_paths->source, out.addr.path.src);
    copy_path(request.unix_paths->destination, out.addr.path.dst);
  } else {
    out.family = PP2_FAM_UNSPEC;
  }
  if (request.unique_id) {
    if (request.unique_id->size() > PP2_UNIQUE_ID_MAX) return std::string(describe_pp2_error(PP2_ERR_UNIQUE_ID));
    std::copy(request.unique_id->begin(), request.unique_id->end(), out.unique_id);
  }
  return {};
}

Pp2Encoded encode(const Pp2Request& request) {
  Pp2Encoded result;
  pp2_template tpl;
  pp2_conn conn;
  if (result.error = make_template(request, tpl); !result.ok()) return result;
  if (result.error = make_conn(request, conn); !result.ok()) return result;
  std::array<std::uint8_t, PP2_HEADER_MAX> scratch{};
  const std::int32_t length = pp2_build(&tpl, &conn, scratch.data());
  if (length < 0) {
    result.error = std::string(describe_pp2_error(length));
    return result;
  }
  result.bytes.assign(scratch.begin(), scratch.begin() + length);
  return result;
}

}  // namespace sluice::proxy
