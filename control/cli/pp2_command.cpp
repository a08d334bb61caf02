// `sluice pp2 encode OPTIONS` and `sluice pp2 decode [HEX]` (spec cli-console.md): an operator's
// window on the codec the datapaths use. Encoding goes through dataplane/shared/pp2.h (the
// bytes BPF and DPDK put on the wire), decoding through the strict decoder.
#include <charconv>
#include <cstdio>
#include <iostream>
#include <iterator>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "control/cli/commands.hpp"
#include "dataplane/net/address.hpp"
#include "dataplane/proxy/pp2_decoder.hpp"
#include "dataplane/proxy/pp2_encoder.hpp"
#include "dataplane/proxy/pp2_text.hpp"

namespace sluice::cli {
namespace {

using proxy::Pp2Request;
using proxy::Pp2Tlv;

struct EncodeOptions {
  bool v1 = false;
  bool local = false;
  std::string proto = "tcp";
  std::string src;
  std::string dst;
  std::vector<std::string> tlvs;  // TYPE=HEX
  std::string authority;
  std::string alpn;
  std::string unique_id;          // hex
  bool crc32c = false;
  int noop = -1;                  // -1: no NOOP TLV
  CLI::App* command = nullptr;    // to ask which options were given
};

bool given(const EncodeOptions& options, const char* name) { return options.command->count(name) > 0; }

void usage_error(const std::string& message) { std::cerr << "error: " << message << '\n'; }

// "224" or "0xE0" -> 0..255.
std::optional<std::uint8_t> parse_tlv_type(std::string_view text) {
  int base = 10;
  if (text.size() > 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X')) {
    text.remove_prefix(2);
    base = 16;
  }
  unsigned value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value, base);
  if (text.empty() || ec != std::errc{} || end != text.data() + text.size() || value > 255) return std::nullopt;
  return static_cast<std::uint8_t>(value);
}

std::vector<std::uint8_t> bytes_of(std::string_view text) { return {text.begin(), text.end()}; }

// Turns the options into a request; prints the problem and returns nullopt on bad options.
// TLV order on the wire: ALPN, AUTHORITY, --tlv in the order given, NOOP, UNIQUE_ID, CRC32C.
std::optional<Pp2Request> request_from(const EncodeOptions& options) {
  Pp2Request request;
  request.version = options.v1 ? 1 : 2;
  request.command = options.local ? proxy::Pp2Command::kLocal : proxy::Pp2Command::kProxy;
  request.transport = options.proto == "udp" ? proxy::Pp2Transport::kDgram : proxy::Pp2Transport::kStream;

  const bool has_src = given(options, "--src");
  const bool has_dst = given(options, "--dst");
  if (!has_src && !has_dst && !options.local) {
    usage_error("--src and --dst are required (or --local)");
    return std::nullopt;
  }
  if (has_src != has_dst) {
    usage_error(has_src ? "--dst is required with --src" : "--src is required with --dst");
    return std::nullopt;
  }
  if (has_src) {
    request.source = net::Endpoint::parse(options.src);
    request.destination = net::Endpoint::parse(options.dst);
    if (!request.source) {
      usage_error("--src: expected ADDR:PORT or [IPV6]:PORT, got \"" + options.src + "\"");
      return std::nullopt;
    }
    if (!request.destination) {
      usage_error("--dst: expected ADDR:PORT or [IPV6]:PORT, got \"" + options.dst + "\"");
      return std::nullopt;
    }
    if (request.source->address.family() != request.destination->address.family()) {
      usage_error("--src and --dst must be of the same address family");
      return std::nullopt;
    }
  }

  if (options.v1) {
    if (request.transport != proxy::Pp2Transport::kStream) {
      usage_error("--v1 is TCP only (no --proto udp)");
      return std::nullopt;
    }
    for (const char* tlv_option : {"--tlv", "--authority", "--alpn", "--unique-id", "--crc32c", "--noop"}) {
      if (given(options, tlv_option)) {
        usage_error(std::string("--v1 carries no TLVs (") + tlv_option + ")");
        return std::nullopt;
      }
    }
    return request;
  }

  if (given(options, "--alpn")) request.tlvs.push_back(Pp2Tlv{PP2_TYPE_ALPN, bytes_of(options.alpn)});
  if (given(options, "--authority")) request.tlvs.push_back(Pp2Tlv{PP2_TYPE_AUTHORITY, bytes_of(options.authority)});
  for (const std::string& spec : options.tlvs) {
    const auto equals = spec.find('=');
    const auto type = equals == std::string::npos ? std::nullopt : parse_tlv_type(std::string_view(spec).substr(0, equals));
    const auto value = equals == std::string::npos ? std::nullopt : proxy::parse_hex(std::string_view(spec).substr(equals + 1));
    if (!type || !value) {
      usage_error("--tlv: expected TYPE=HEX with TYPE 0-255 (decimal or 0x..), got \"" + spec + "\"");
      return std::nullopt;
    }
    request.tlvs.push_back(Pp2Tlv{*type, *value});
  }
  if (given(options, "--noop")) request.tlvs.push_back(Pp2Tlv{PP2_TYPE_NOOP, std::vector<std::uint8_t>(static_cast<std::size_t>(options.noop), 0)});
  if (given(options, "--unique-id")) {
    request.unique_id = proxy::parse_hex(options.unique_id);
    if (!request.unique_id) {
      usage_error("--unique-id: expected hex bytes, got \"" + options.unique_id + "\"");
      return std::nullopt;
    }
  }
  request.crc32c = options.crc32c;
  return request;
}

void add_encode(CLI::App& pp2, int& exit_code) {
  auto options = std::make_shared<EncodeOptions>();
  CLI::App* encode = pp2.add_subcommand("encode", "print one PROXY header as lowercase hex");
  options->command = encode;
  encode->add_flag("--v1", options->v1, "text header (v1) instead of binary (v2)");
  encode->add_flag("--local", options->local, "command LOCAL (v1: PROXY UNKNOWN)");
  encode->add_option("--proto", options->proto, "transport (default tcp)")->check(CLI::IsMember({"tcp", "udp"}));
  encode->add_option("--src", options->src, "source ADDR:PORT ([IPV6]:PORT)");
  encode->add_option("--dst", options->dst, "destination ADDR:PORT ([IPV6]:PORT)");
  encode->add_option("--tlv", options->tlvs, "TYPE=HEX, repeatable (TYPE decimal or 0x..)");
  encode->add_option("--authority", options->authority, "AUTHORITY TLV (0x02)");
  encode->add_option("--alpn", options->alpn, "ALPN TLV (0x01)");
  encode->add_option("--unique-id", options->unique_id, "UNIQUE_ID TLV (0x05) value, hex, at most 128 bytes");
  encode->add_flag("--crc32c", options->crc32c, "append a CRC32C TLV (0x03), last");
  encode->add_option("--noop", options->noop, "NOOP TLV (0x04) of N zero bytes")->check(CLI::Range(0, 381));
  encode->callback([options, &exit_code] {
    const auto request = request_from(*options);
    if (!request) {
      exit_code = kExitUsage;
      return;
    }
    const proxy::Pp2Encoded encoded = proxy::encode(*request);
    if (!encoded.ok()) {
      usage_error(encoded.error);
      exit_code = kExitUsage;
      return;
    }
    std::cout << proxy::to_hex(encoded.bytes) << '\n';
    exit_code = kExitOk;
  });
}

bool is_hex_or_space(unsigned char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') || c == ' ' || c == '\t' ||
         c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

// Hex text (whitespace allowed anywhere) or the raw header: any byte that cannot be hex text
// (the v2 signature has NUL and "QUIT", v1 starts with "PROXY") means raw bytes.
std::optional<std::vector<std::uint8_t>> input_bytes(std::string_view text) {
  for (const char c : text) {
    if (!is_hex_or_space(static_cast<unsigned char>(c))) return bytes_of(text);
  }
  return proxy::parse_hex(text, true);
}

void add_decode(CLI::App& pp2, int& exit_code) {
  auto hex = std::make_shared<std::string>();
  CLI::App* decode = pp2.add_subcommand("decode", "decode a PROXY header (argument or stdin: hex or raw) to JSON");
  decode->add_option("HEX", *hex, "the header as hex; read from stdin when absent");
  decode->callback([hex, decode, &exit_code] {
    std::string text = *hex;
    if (decode->count("HEX") == 0) {
      text.assign(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
    }
    const auto bytes = input_bytes(text);
    if (!bytes) {
      std::size_t digits = 0;
      for (const char c : text) digits += (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
      std::cerr << "error: hex input has an odd number of digits at byte " << digits / 2 << '\n';
      exit_code = kExitFailure;
      return;
    }
    const proxy::Pp2DecodeResult result = proxy::decode_pp2(*bytes);
    // A header whose structure parsed is printed even when a value is wrong (bad CRC32C).
    if (result.header) std::cout << proxy::to_json(*result.header) << '\n';
    if (result.error) {
      std::cerr << "error: " << result.error->message << " at byte " << result.error->offset << '\n';
      exit_code = kExitFailure;
      return;
    }
    exit_code = kExitOk;
  });
}

}  // namespace

void add_pp2_commands(CLI::App& app, int& exit_code) {
  CLI::App* pp2 = app.add_subcommand("pp2", "encode or decode PROXY protocol headers");
  pp2->require_subcommand(1);
  add_encode(*pp2, exit_code);
  add_decode(*pp2, exit_code);
}

}  // namespace sluice::cli
