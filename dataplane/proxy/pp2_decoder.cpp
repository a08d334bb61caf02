#include "dataplane/proxy/pp2_decoder.hpp"

#include <algorithm>
#include <array>
#include <cstdio>
#include <string_view>

#include "dataplane/shared/crc32c.h"

namespace sluice::proxy {

std::string_view to_string(Crc32cStatus status) noexcept {
  switch (status) {
    case Crc32cStatus::kAbsent: return "absent";
    case Crc32cStatus::kOk: return "ok";
    case Crc32cStatus::kBad: return "bad";
  }
  return "absent";
}

namespace {

using Bytes = std::span<const std::uint8_t>;

constexpr std::array<std::uint8_t, PP2_SIGNATURE_LEN> kSignature{0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D,
                                                                 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A};

std::string hex8(unsigned value) {
  char text[8];
  std::snprintf(text, sizeof text, "0x%02x", value & 0xFFu);
  return text;
}

std::string hex32(std::uint32_t value) {
  char text[16];
  std::snprintf(text, sizeof text, "0x%08x", value);
  return text;
}

std::uint16_t read_be16(Bytes input, std::size_t at) {
  return static_cast<std::uint16_t>(input[at] << 8 | input[at + 1]);
}

std::string_view family_name(unsigned family) {
  return to_string(static_cast<Pp2Family>(family));
}

Pp2DecodeResult failure(std::string message, std::size_t offset) {
  Pp2DecodeResult result;
  result.error = Pp2DecodeError{std::move(message), offset};
  return result;
}

// Section 2.2, byte 14: only these protocol bytes are defined; "other values are unspecified and
// must not be emitted by senders. Receivers must drop connections presenting unexpected values".
bool defined_protocol_byte(std::uint8_t byte) {
  switch (byte) {
    case 0x00: case 0x11: case 0x12: case 0x21: case 0x22: case 0x31: case 0x32: return true;
    default: return false;
  }
}

// A UNIX sun_path as sent: 108 bytes, NUL padded. Trailing NULs are padding; an abstract socket
// keeps its leading NUL.
std::string unix_path(Bytes input, std::size_t at) {
  std::size_t end = PP2_UNIX_PATH_LEN;
  while (end > 0 && input[at + end - 1] == 0) --end;
  return std::string(reinterpret_cast<const char*>(input.data() + at), end);
}

void decode_addresses(Bytes input, unsigned family, Pp2Header& header) {
  constexpr std::size_t kAt = PP2_FIXED_LEN;
  switch (family) {
    case PP2_FAM_INET:
      header.source = net::Endpoint{net::IpAddress::from_bytes(net::Family::kIpv4, &input[kAt]),
                                    read_be16(input, kAt + 8)};
      header.destination = net::Endpoint{net::IpAddress::from_bytes(net::Family::kIpv4, &input[kAt + 4]),
                                         read_be16(input, kAt + 10)};
      break;
    case PP2_FAM_INET6:
      header.source = net::Endpoint{net::IpAddress::from_bytes(net::Family::kIpv6, &input[kAt]),
                                    read_be16(input, kAt + 32)};
      header.destination = net::Endpoint{net::IpAddress::from_bytes(net::Family::kIpv6, &input[kAt + 16]),
                                         read_be16(input, kAt + 34)};
      break;
    case PP2_FAM_UNIX:
      header.unix_paths = UnixPaths{unix_path(input, kAt), unix_path(input, kAt + PP2_UNIX_PATH_LEN)};
      break;
    default:
      break;
  }
}

Pp2DecodeResult decode_v2(Bytes input) {
  const std::size_t available = input.size();
  for (std::size_t i = 0; i < PP2_SIGNATURE_LEN; ++i) {
    if (i == available) return failure("truncated: the v2 signature is 12 bytes, input has " + std::to_string(available), i);
    if (input[i] != kSignature[i]) return failure("bad v2 signature byte " + hex8(input[i]) + " (expected " + hex8(kSignature[i]) + ")", i);
  }
  if (available < PP2_FIXED_LEN)
    return failure("truncated: the v2 fixed header is 16 bytes, input has " + std::to_string(available), available);

  const std::uint8_t version_command = input[12];
  const unsigned version = version_command >> 4;
  const unsigned command = version_command & 0x0Fu;
  if (version != PP2_VERSION) return failure("unsupported version " + std::to_string(version) + " (expected 2)", 12);
  if (command > PP2_CMD_PROXY)
    return failure("unknown command " + std::to_string(command) + " (expected 0 LOCAL or 1 PROXY)", 12);

  const std::uint8_t protocol = input[13];
  const unsigned family = protocol >> 4;
  const unsigned transport = protocol & 0x0Fu;
  if (family > PP2_FAM_UNIX) return failure("unknown address family " + std::to_string(family) + " (expected 0-3)", 13);
  if (transport > PP2_TRANSPORT_DGRAM) return failure("unknown transport " + std::to_string(transport) + " (expected 0-2)", 13);
  // LOCAL headers' family "is ignored" (section 2.2), so only PROXY must use a defined pair.
  if (command == PP2_CMD_PROXY && !defined_protocol_byte(protocol))
    return failure("undefined family/transport byte " + hex8(protocol) + " for a PROXY command", 13);

  const std::size_t body = read_be16(input, PP2_LENGTH_OFFSET);
  const std::size_t total = PP2_FIXED_LEN + body;
  if (available < total)
    return failure("truncated: the header declares " + std::to_string(total) + " bytes, input has " +
                       std::to_string(available), available);

  Pp2Header header;
  header.version = 2;
  header.command = static_cast<Pp2Command>(command);
  header.family = static_cast<Pp2Family>(family);
  header.transport = static_cast<Pp2Transport>(transport);
  header.length = total;

  const auto address_len = static_cast<std::size_t>(pp2_address_block_len(family));
  std::size_t at = PP2_FIXED_LEN;
  bool parse_tlvs = true;
  if (body < address_len) {
    if (command == PP2_CMD_PROXY)
      return failure("length " + std::to_string(body) + " is too short for the " + std::string(family_name(family)) +
                         " address block (" + std::to_string(address_len) + " bytes)", PP2_LENGTH_OFFSET);
    // LOCAL: the receiver discards the address block; what there is of it is opaque.
    parse_tlvs = false;
  } else {
    decode_addresses(input, family, header);
    at += address_len;
  }

  std::optional<Pp2DecodeError> content_error;  // rules about values: keep decoding, report the first
  auto note = [&content_error](std::string message, std::size_t offset) {
    if (!content_error) content_error = Pp2DecodeError{std::move(message), offset};
  };
  std::optional<std::size_t> crc_value_at;
  bool crc_seen = false;

  while (parse_tlvs && at < total) {
    const std::size_t left = total - at;
    if (left < PP2_TLV_HEADER_LEN)
      return failure("truncated TLV header: 3 bytes needed, " + std::to_string(left) + " left in the header", at);
    const std::uint8_t type = input[at];
    const std::size_t value_len = read_be16(input, at + 1);
    if (value_len > left - PP2_TLV_HEADER_LEN)
      return failure("TLV " + hex8(type) + " declares " + std::to_string(value_len) + " bytes but only " +
                         std::to_string(left - PP2_TLV_HEADER_LEN) + " remain in the header", at + 1);
    const std::size_t value_at = at + PP2_TLV_HEADER_LEN;
    if (type == PP2_TYPE_CRC32C) {
      if (crc_seen) {
        note("duplicate CRC32C TLV", at);
        header.crc32c = Crc32cStatus::kBad;
      } else if (value_len != PP2_CRC32C_VALUE_LEN) {
        note("CRC32C TLV has length " + std::to_string(value_len) + " (must be 4)", at + 1);
        header.crc32c = Crc32cStatus::kBad;
      } else {
        crc_value_at = value_at;
      }
      crc_seen = true;
    } else if (type == PP2_TYPE_UNIQUE_ID && value_len > PP2_UNIQUE_ID_MAX) {
      note("UNIQUE_ID TLV is " + std::to_string(value_len) + " bytes (at most 128)", at + 1);
    }
    header.tlvs.push_back(Pp2Tlv{type, std::vector<std::uint8_t>(input.begin() + static_cast<std::ptrdiff_t>(value_at),
                                                                 input.begin() + static_cast<std::ptrdiff_t>(value_at + value_len))});
    at = value_at + value_len;
  }

  if (crc_value_at && header.crc32c != Crc32cStatus::kBad) {
    // Section 2.2.5: over the whole header with the checksum field replaced by zeros.
    const std::size_t value_at = *crc_value_at;
    std::uint32_t crc = sluice_crc32c_update(SLUICE_CRC32C_INIT, input.data(), static_cast<std::uint32_t>(value_at));
    for (std::size_t i = 0; i < PP2_CRC32C_VALUE_LEN; ++i) crc = sluice_crc32c_step(crc, 0);
    const std::size_t after = value_at + PP2_CRC32C_VALUE_LEN;
    crc = sluice_crc32c_final(
        sluice_crc32c_update(crc, input.data() + after, static_cast<std::uint32_t>(total - after)));
    const std::uint32_t carried = static_cast<std::uint32_t>(input[value_at]) << 24 |
                                  static_cast<std::uint32_t>(input[value_at + 1]) << 16 |
                                  static_cast<std::uint32_t>(input[value_at + 2]) << 8 | input[value_at + 3];
    if (carried == crc) {
      header.crc32c = Crc32cStatus::kOk;
    } else {
      header.crc32c = Crc32cStatus::kBad;
      note("CRC32C mismatch: header carries " + hex32(carried) + ", computed " + hex32(crc), value_at);
    }
  }

  Pp2DecodeResult result;
  result.header = std::move(header);
  result.error = std::move(content_error);
  return result;
}

// ---- v1 (section 2.1): "PROXY" SP proto SP src SP dst SP sport SP dport CRLF, <= 107 bytes ----

class V1Parser {
 public:
  explicit V1Parser(Bytes input) : input_(input), limit_(std::min<std::size_t>(input.size(), PP2_V1_MAX_LEN)) {}

  Pp2DecodeResult parse() {
    static constexpr std::string_view kPrefix = "PROXY ";
    for (std::size_t i = 0; i < kPrefix.size(); ++i) {
      if (i == limit_) return end_of_input();
      if (input_[i] != static_cast<std::uint8_t>(kPrefix[i]))
        return failure("v1 header must start with \"PROXY \"", i);
    }
    pos_ = kPrefix.size();

    const std::size_t proto_at = pos_;
    const std::string_view proto = token();
    Pp2Header header;
    header.version = 1;
    header.command = Pp2Command::kProxy;
    if (proto == "UNKNOWN") {
      // "the receiver must ignore anything presented before the CRLF is found".
      while (pos_ < limit_ && input_[pos_] != '\r' && input_[pos_] != '\n') ++pos_;
      header.family = Pp2Family::kUnspec;
      header.transport = Pp2Transport::kUnspec;
      return finish(std::move(header));
    }
    net::Family family;
    if (proto == "TCP4") {
      family = net::Family::kIpv4;
      header.family = Pp2Family::kInet;
    } else if (proto == "TCP6") {
      family = net::Family::kIpv6;
      header.family = Pp2Family::kInet6;
    } else {
      if (pos_ == limit_) return end_of_input();
      return failure("unknown v1 protocol \"" + printable(proto) + "\" (expected TCP4, TCP6 or UNKNOWN)", proto_at);
    }
    header.transport = Pp2Transport::kStream;

    net::IpAddress addresses[2];
    for (int i = 0; i < 2; ++i) {
      const char* what = i == 0 ? "source address" : "destination address";
      if (auto error = space_then_field(what)) return *std::move(error);
      const std::size_t field_at = pos_;
      const std::string_view text = token();
      if (pos_ == limit_) return end_of_input();
      const auto address = net::IpAddress::parse(text);
      if (!address) return failure(std::string("invalid ") + what + " \"" + printable(text) + "\"", field_at);
      if (address->family() != family)
        return failure(std::string(what) + " \"" + printable(text) + "\" is not an " +
                           (family == net::Family::kIpv4 ? "IPv4" : "IPv6") + " address as " + std::string(proto) +
                           " requires", field_at);
      addresses[i] = *address;
    }
    std::uint16_t ports[2] = {0, 0};
    for (int i = 0; i < 2; ++i) {
      const char* what = i == 0 ? "source port" : "destination port";
      if (auto error = space_then_field(what)) return *std::move(error);
      const std::size_t field_at = pos_;
      const std::string_view text = token();
      if (pos_ == limit_) return end_of_input();
      const auto port = parse_port(text);
      if (!port)
        return failure(std::string("invalid ") + what + " \"" + printable(text) +
                           "\" (decimal 0-65535, no sign or leading zero)", field_at);
      ports[i] = *port;
    }
    header.source = net::Endpoint{addresses[0], ports[0]};
    header.destination = net::Endpoint{addresses[1], ports[1]};
    return finish(std::move(header));
  }

 private:
  // A field ends at SP, CR, LF or the 107-byte limit.
  std::string_view token() {
    const std::size_t start = pos_;
    while (pos_ < limit_ && input_[pos_] != ' ' && input_[pos_] != '\r' && input_[pos_] != '\n') ++pos_;
    return std::string_view(reinterpret_cast<const char*>(input_.data() + start), pos_ - start);
  }

  // Exactly one SP, then a non-empty field.
  std::optional<Pp2DecodeResult> space_then_field(const char* what) {
    if (pos_ == limit_) return end_of_input();
    if (input_[pos_] != ' ') return failure(std::string("expected a space before the ") + what, pos_);
    ++pos_;
    if (pos_ == limit_) return end_of_input();
    if (input_[pos_] == ' ') return failure(std::string("double space before the ") + what, pos_);
    if (input_[pos_] == '\r' || input_[pos_] == '\n') return failure(std::string("missing ") + what, pos_);
    return std::nullopt;
  }

  Pp2DecodeResult finish(Pp2Header header) {
    if (pos_ == limit_) return end_of_input();
    if (input_[pos_] == '\n') return failure("bare LF: the v1 line must end with CRLF", pos_);
    if (input_[pos_] != '\r') return failure("expected CRLF after the last field", pos_);
    ++pos_;
    if (pos_ == limit_) return end_of_input();
    if (input_[pos_] != '\n') return failure("CR not followed by LF", pos_);
    header.length = pos_ + 1;
    Pp2DecodeResult result;
    result.header = std::move(header);
    return result;
  }

  // Running into the limit means a short input, or a line longer than the protocol allows.
  Pp2DecodeResult end_of_input() const {
    if (limit_ == PP2_V1_MAX_LEN)
      return failure("v1 header has no CRLF within 107 bytes", PP2_V1_MAX_LEN);
    return failure("truncated v1 header: input ends after " + std::to_string(limit_) + " bytes without CRLF", limit_);
  }

  static std::optional<std::uint16_t> parse_port(std::string_view text) {
    if (text.empty() || text.size() > 5) return std::nullopt;
    if (text.size() > 1 && text.front() == '0') return std::nullopt;
    std::uint32_t value = 0;
    for (const char c : text) {
      if (c < '0' || c > '9') return std::nullopt;
      value = value * 10 + static_cast<std::uint32_t>(c - '0');
    }
    if (value > 65535) return std::nullopt;
    return static_cast<std::uint16_t>(value);
  }

  // Error messages quote fields; keep them one printable line.
  static std::string printable(std::string_view text) {
    std::string out;
    for (const char c : text) {
      const auto byte = static_cast<unsigned char>(c);
      if (byte >= 0x20 && byte < 0x7F && c != '"' && c != '\\') {
        out.push_back(c);
      } else {
        out += "\\x";
        static constexpr char kHex[] = "0123456789abcdef";
        out.push_back(kHex[byte >> 4]);
        out.push_back(kHex[byte & 0xF]);
      }
    }
    return out;
  }

  Bytes input_;
  std::size_t limit_;
  std::size_t pos_ = 0;
};

}  // namespace

Pp2DecodeResult decode_pp2(std::span<const std::uint8_t> input) {
  if (input.empty()) return failure("empty input: expected a PROXY header", 0);
  if (input[0] == kSignature[0]) return decode_v2(input);
  if (input[0] == 'P') return V1Parser(input).parse();
  return failure("not a PROXY header: expected the v2 signature or \"PROXY \"", 0);
}

}  // namespace sluice::proxy
