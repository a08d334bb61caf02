#include "dataplane/proxy/pp2_text.hpp"

namespace sluice::proxy {

namespace {
constexpr char kHexDigits[] = "0123456789abcdef";

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }
}  // namespace

std::string to_hex(std::span<const std::uint8_t> bytes) {
  std::string out;
  out.reserve(bytes.size() * 2);
  for (const std::uint8_t byte : bytes) {
    out.push_back(kHexDigits[byte >> 4]);
    out.push_back(kHexDigits[byte & 0xF]);
  }
  return out;
}

std::optional<std::vector<std::uint8_t>> parse_hex(std::string_view text, bool skip_whitespace) {
  std::vector<std::uint8_t> out;
  out.reserve(text.size() / 2);
  int high = -1;
  for (const char c : text) {
    if (skip_whitespace && is_space(c)) continue;
    const int value = hex_value(c);
    if (value < 0) return std::nullopt;
    if (high < 0) {
      high = value;
    } else {
      out.push_back(static_cast<std::uint8_t>(high << 4 | value));
      high = -1;
    }
  }
  if (high >= 0) return std::nullopt;
  return out;
}

std::string json_string(std::string_view text) {
  std::string out = "\"";
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (byte < 0x20 || byte >= 0x7F) {
          out += "\\u00";
          out.push_back(kHexDigits[byte >> 4]);
          out.push_back(kHexDigits[byte & 0xF]);
        } else {
          out.push_back(c);
        }
    }
  }
  out.push_back('"');
  return out;
}

std::string to_json(const Pp2Header& header) {
  std::string src = "null", src_port = "null", dst = "null", dst_port = "null";
  if (header.source && header.destination) {
    src = json_string(header.source->address.to_string());
    src_port = std::to_string(header.source->port);
    dst = json_string(header.destination->address.to_string());
    dst_port = std::to_string(header.destination->port);
  } else if (header.unix_paths) {
    src = json_string(header.unix_paths->source);
    dst = json_string(header.unix_paths->destination);
  }
  std::string out = "{\"version\":" + std::to_string(header.version);
  out += ",\"command\":" + json_string(to_string(header.command));
  out += ",\"family\":" + json_string(to_string(header.family));
  out += ",\"transport\":" + json_string(to_string(header.transport));
  out += ",\"src\":" + src + ",\"src_port\":" + src_port;
  out += ",\"dst\":" + dst + ",\"dst_port\":" + dst_port;
  out += ",\"length\":" + std::to_string(header.length);
  out += ",\"crc32c\":" + json_string(to_string(header.crc32c));
  out += ",\"tlvs\":[";
  for (std::size_t i = 0; i < header.tlvs.size(); ++i) {
    const Pp2Tlv& tlv = header.tlvs[i];
    if (i != 0) out.push_back(',');
    out += "{\"type\":" + std::to_string(tlv.type) + ",\"length\":" + std::to_string(tlv.value.size()) +
           ",\"value\":\"" + to_hex(tlv.value) + "\"}";
  }
  out += "]}";
  return out;
}

}  // namespace sluice::proxy
