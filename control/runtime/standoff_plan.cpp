#include "control/runtime/standoff_plan.hpp"

#include <algorithm>
#include <charconv>

#include <fmt/format.h>

namespace sluice::runtime::standoff {
namespace {

constexpr std::string_view kRestore = "restore";
constexpr std::string_view kDeviceKey = "device=";
constexpr std::string_view kOffloadsKey = "offloads=";
constexpr std::string_view kOwnerPrefix = "sluice pid ";

std::vector<std::string_view> split(std::string_view text, char separator) {
  std::vector<std::string_view> parts;
  while (true) {
    const std::size_t at = text.find(separator);
    parts.push_back(text.substr(0, at));
    if (at == std::string_view::npos) return parts;
    text.remove_prefix(at + 1);
  }
}

template <typename Int>
std::optional<Int> parse_int(std::string_view text) {
  Int value{};
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc{} || end != text.data() + text.size()) return std::nullopt;
  return value;
}

std::string_view trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t' || text.back() == '\r')) {
    text.remove_suffix(1);
  }
  return text;
}

// `KEY "VALUE"...` -> VALUE, when the line starts with KEY.
std::optional<std::string_view> quoted_after(std::string_view line, std::string_view key) {
  const std::size_t at = line.find(key);
  if (at == std::string_view::npos) return std::nullopt;
  std::string_view rest = line.substr(at + key.size());
  if (rest.empty() || rest.front() != '"') return std::nullopt;
  rest.remove_prefix(1);
  const std::size_t end = rest.find('"');
  if (end == std::string_view::npos) return std::nullopt;
  return rest.substr(0, end);
}

// "devargs" -> (driver name without its instance number, key=value list).
std::string_view driver_of(std::string_view devargs) {
  std::string_view name = devargs.substr(0, devargs.find(','));
  while (!name.empty() && name.back() >= '0' && name.back() <= '9') name.remove_suffix(1);
  return name;
}

}  // namespace

std::string_view offload_name(Offload offload) noexcept {
  switch (offload) {
    case Offload::kRx: return "rx";
    case Offload::kTx: return "tx";
    case Offload::kTso: return "tso";
    case Offload::kGso: return "gso";
    case Offload::kGro: return "gro";
    case Offload::kLro: return "lro";
  }
  return "?";
}

std::optional<Offload> offload_from_name(std::string_view name) noexcept {
  for (Offload offload : kOffloads) {
    if (offload_name(offload) == name) return offload;
  }
  return std::nullopt;
}

std::string OffloadSet::to_string() const {
  std::string text;
  for (Offload offload : kOffloads) {
    if (!contains(offload)) continue;
    if (!text.empty()) text += ',';
    text += offload_name(offload);
  }
  return text.empty() ? "none" : text;
}

std::string_view knob_name(Knob knob) noexcept {
  switch (knob) {
    case Knob::kDisableIpv6: return "disable_ipv6";
    case Knob::kArpIgnore: return "arp_ignore";
    case Knob::kAddrGenMode: return "addr_gen_mode";
  }
  return "?";
}

std::string knob_path(Knob knob, std::string_view device) {
  const char* family = knob == Knob::kArpIgnore ? "ipv4" : "ipv6";
  return fmt::format("/proc/sys/net/{}/conf/{}/{}", family, device, knob_name(knob));
}

namespace {
// The values the kernel accepts (ip-sysctl.rst): what a record may hold.
int knob_max(Knob knob) noexcept {
  switch (knob) {
    case Knob::kDisableIpv6: return 1;
    case Knob::kArpIgnore: return 8;
    case Knob::kAddrGenMode: return 3;
  }
  return 0;
}
}  // namespace

Stance dpdk_stance() {
  Stance stance;
  stance.drop_ingress = true;
  stance.knobs = {{Knob::kDisableIpv6, 1}};
  return stance;
}

Stance xdp_stance() {
  Stance stance;
  stance.knobs = {{Knob::kArpIgnore, 8}, {Knob::kAddrGenMode, 1}};
  stance.flush_link_local = true;
  return stance;
}

std::string encode_original(std::string_view device, const DeviceOriginal& original) {
  std::string text = fmt::format("{} {}{}", kRestore, kDeviceKey, device);
  for (Knob knob : kKnobs) {
    if (original.knob(knob)) text += fmt::format(" {}={}", knob_name(knob), *original.knob(knob));
  }
  text += fmt::format(" {}{}", kOffloadsKey, original.offloads_on.to_string());
  return text;
}

std::optional<DecodedOriginal> decode_original(std::string_view comment) {
  const std::vector<std::string_view> words = split(trim(comment), ' ');
  if (words.empty() || words.front() != kRestore) return std::nullopt;
  DecodedOriginal decoded;
  bool saw_offloads = false;
  for (std::size_t i = 1; i < words.size(); ++i) {
    const std::string_view word = words[i];
    if (word.starts_with(kDeviceKey)) {
      decoded.device = std::string(word.substr(kDeviceKey.size()));
      if (!safe_device_name(decoded.device)) return std::nullopt;
      continue;
    }
    if (word.starts_with(kOffloadsKey)) {
      const std::string_view list = word.substr(kOffloadsKey.size());
      saw_offloads = true;
      if (list == "none") continue;
      for (std::string_view name : split(list, ',')) {
        const auto offload = offload_from_name(name);
        if (!offload) return std::nullopt;
        decoded.original.offloads_on.insert(*offload);
      }
      continue;
    }
    bool known = false;
    for (Knob knob : kKnobs) {
      const std::string prefix = fmt::format("{}=", knob_name(knob));
      if (!word.starts_with(prefix)) continue;
      const auto value = parse_int<int>(word.substr(prefix.size()));
      if (!value || *value < 0 || *value > knob_max(knob)) return std::nullopt;
      decoded.original.knob(knob) = *value;
      known = true;
    }
    if (!known) return std::nullopt;  // a word this version does not know: do not guess
  }
  if (!saw_offloads || decoded.device.empty()) return std::nullopt;
  return decoded;
}

std::optional<std::string> kernel_visible_device(std::string_view devargs) {
  const std::string_view driver = driver_of(devargs);
  const bool af_packet = driver == "net_af_packet" || driver == "eth_af_packet";
  const bool pcap = driver == "net_pcap" || driver == "eth_pcap";
  if (!af_packet && !pcap) return std::nullopt;
  const std::size_t comma = devargs.find(',');
  if (comma == std::string_view::npos) return std::nullopt;
  for (std::string_view pair : split(devargs.substr(comma + 1), ',')) {
    const std::size_t equals = pair.find('=');
    if (equals == std::string_view::npos) continue;
    const std::string_view key = pair.substr(0, equals);
    const std::string_view value = pair.substr(equals + 1);
    // af_packet: iface. pcap: iface (both ways) or rx_iface / rx_iface_in (receive side; a
    // tx_iface alone only transmits, and the kernel's receive path never sees those frames).
    const bool receives = key == "iface" || (pcap && (key == "rx_iface" || key == "rx_iface_in"));
    if (receives && !value.empty()) return std::string(value);
  }
  return std::nullopt;
}

std::vector<KernelPort> xdp_ports(const config::Config& config) {
  std::vector<KernelPort> ports;
  for (const config::Interface& interface : config.interfaces) {
    ports.push_back({interface.name, interface.kernel.empty() ? interface.name : interface.kernel});
  }
  return ports;
}

std::vector<KernelPort> kernel_visible_ports(const config::Config& config) {
  std::vector<KernelPort> ports;
  for (const config::Interface& interface : config.interfaces) {
    auto device = kernel_visible_device(interface.dpdk);
    if (!device) continue;
    const bool seen = std::any_of(ports.begin(), ports.end(),
                                  [&](const KernelPort& port) { return port.device == *device; });
    if (!seen) ports.push_back({interface.name, std::move(*device)});
  }
  return ports;
}

bool safe_device_name(std::string_view name) noexcept {
  if (name.empty() || name.size() > 15 || name == "." || name == "..") return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c == '-' || c == '_' || c == '.' || c == '@';
  });
}

std::string replace_ruleset(const std::vector<ChainSpec>& chains, long owner_pid) {
  std::string rules = fmt::format("table netdev {0}\ndelete table netdev {0}\n", kTable);
  rules += fmt::format("table netdev {} {{\n", kTable);
  rules += fmt::format("  comment \"{}{}: what it asks of the kernel on its ports (docs/dpdk.md)\"\n",
                       kOwnerPrefix, owner_pid);
  for (std::size_t i = 0; i < chains.size(); ++i) {
    rules += fmt::format("  chain port{} {{\n", i);
    rules += fmt::format("    comment \"{}\"\n",
                         encode_original(chains[i].device, chains[i].original));
    if (chains[i].drop_ingress) {
      rules += fmt::format("    type filter hook ingress device \"{}\" priority {}; policy drop;\n",
                           chains[i].device, kIngressPriority);
    }
    rules += "  }\n";
  }
  rules += "}\n";
  return rules;
}

std::string delete_ruleset() { return fmt::format("delete table netdev {}\n", kTable); }

std::optional<Leftover> parse_listing(std::string_view listing) {
  const std::string header = fmt::format("table netdev {}", kTable);
  Leftover leftover;
  bool in_table = false;
  bool in_chain = false;
  std::optional<std::string_view> chain_comment;
  std::optional<std::string_view> chain_device;
  auto end_chain = [&] {
    const auto decoded = chain_comment ? decode_original(*chain_comment) : std::nullopt;
    if (decoded) {
      leftover.chains.push_back({decoded->device, decoded->original, chain_device.has_value()});
    } else if (chain_device) {
      leftover.unreadable.emplace_back(*chain_device);
    }
    in_chain = false;
    chain_comment.reset();
    chain_device.reset();
  };
  for (std::string_view raw : split(listing, '\n')) {
    const std::string_view line = trim(raw);
    if (!in_table) {
      if (line.starts_with(header)) in_table = true;
      continue;
    }
    if (line.starts_with("chain ")) {
      if (in_chain) end_chain();
      in_chain = true;
      continue;
    }
    if (line == "}") {
      if (in_chain) {
        end_chain();
        continue;
      }
      break;  // the table's end
    }
    if (auto comment = quoted_after(line, "comment ")) {
      if (in_chain) {
        chain_comment = comment;
      } else if (comment->starts_with(kOwnerPrefix)) {
        std::string_view pid = comment->substr(kOwnerPrefix.size());
        pid = pid.substr(0, pid.find(':'));
        leftover.owner_pid = parse_int<long>(pid);
      }
      continue;
    }
    if (in_chain) {
      if (auto device = quoted_after(line, "device ")) chain_device = device;
    }
  }
  if (!in_table) return std::nullopt;
  return leftover;
}

}  // namespace sluice::runtime::standoff
