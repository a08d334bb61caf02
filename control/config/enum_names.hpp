#pragma once
// The configuration spelling of every enum in config.hpp, in one table per enum, so parsing,
// error messages ("must be one of ...") and summaries can never disagree.
#include <array>
#include <optional>
#include <span>
#include <string_view>

#include "control/config/config.hpp"

namespace sluice::config {

template <typename Enum>
struct EnumName {
  Enum value;
  std::string_view name;
};

// Specialised below for each configuration enum; kNames lists every value once.
template <typename Enum>
struct EnumNames;

template <>
struct EnumNames<Mode> {
  static constexpr std::array<EnumName<Mode>, 2> kNames{
      {{Mode::kDpdk, "dpdk"}, {Mode::kXdp, "xdp"}}};
};
template <>
struct EnumNames<LogLevel> {
  static constexpr std::array<EnumName<LogLevel>, 5> kNames{{{LogLevel::kTrace, "trace"},
                                                             {LogLevel::kDebug, "debug"},
                                                             {LogLevel::kInfo, "info"},
                                                             {LogLevel::kWarn, "warn"},
                                                             {LogLevel::kError, "error"}}};
};
template <>
struct EnumNames<XdpAttach> {
  static constexpr std::array<EnumName<XdpAttach>, 2> kNames{
      {{XdpAttach::kNative, "native"}, {XdpAttach::kGeneric, "generic"}}};
};
template <>
struct EnumNames<Protocol> {
  static constexpr std::array<EnumName<Protocol>, 2> kNames{
      {{Protocol::kTcp, "tcp"}, {Protocol::kUdp, "udp"}}};
};
template <>
struct EnumNames<Scheduler> {
  static constexpr std::array<EnumName<Scheduler>, 5> kNames{
      {{Scheduler::kRoundRobin, "rr"},
       {Scheduler::kWeightedRoundRobin, "wrr"},
       {Scheduler::kMaglev, "maglev"},
       {Scheduler::kSourceHash, "source-hash"},
       {Scheduler::kLeastConn, "least-conn"}}};
};
template <>
struct EnumNames<ProxySend> {
  static constexpr std::array<EnumName<ProxySend>, 2> kNames{
      {{ProxySend::kOnConnect, "on-connect"}, {ProxySend::kWithData, "with-data"}}};
};
template <>
struct EnumNames<ProxyUdp> {
  static constexpr std::array<EnumName<ProxyUdp>, 2> kNames{
      {{ProxyUdp::kEveryDatagram, "every-datagram"}, {ProxyUdp::kFirstDatagram, "first-datagram"}}};
};
template <>
struct EnumNames<ProxyTlv> {
  static constexpr std::array<EnumName<ProxyTlv>, 4> kNames{{{ProxyTlv::kCrc32c, "crc32c"},
                                                             {ProxyTlv::kUniqueId, "unique-id"},
                                                             {ProxyTlv::kAuthority, "authority"},
                                                             {ProxyTlv::kNoop, "noop"}}};
};
template <>
struct EnumNames<HealthKind> {
  static constexpr std::array<EnumName<HealthKind>, 2> kNames{
      {{HealthKind::kTcp, "tcp"}, {HealthKind::kHttp, "http"}}};
};

template <>
struct EnumNames<SynProxy> {
  static constexpr std::array<EnumName<SynProxy>, 3> kNames{
      {{SynProxy::kAuto, "auto"}, {SynProxy::kOn, "on"}, {SynProxy::kOff, "off"}}};
};

template <typename Enum>
constexpr std::span<const EnumName<Enum>> enum_names() noexcept {
  return EnumNames<Enum>::kNames;
}

// The configuration spelling of `value` ("maglev", "on-connect", ...).
template <typename Enum>
constexpr std::string_view to_string(Enum value) noexcept {
  for (const auto& entry : EnumNames<Enum>::kNames) {
    if (entry.value == value) return entry.name;
  }
  return "?";  // unreachable for values created through this table
}

// Exact, case-sensitive match against the configuration spelling.
template <typename Enum>
constexpr std::optional<Enum> parse_enum(std::string_view text) noexcept {
  for (const auto& entry : EnumNames<Enum>::kNames) {
    if (entry.name == text) return entry.value;
  }
  return std::nullopt;
}

}  // namespace sluice::config
