#pragma once
// systemd's service notification protocol (sd_notify(3), "the notification socket"), for
// the unit's Type=notify (packaging/debian/sluice.service, docs/packaging.md): one datagram
// of newline-separated VAR=VALUE assignments to the AF_UNIX datagram socket named by
// $NOTIFY_SOCKET (a path, or "@name" for the abstract namespace). It is a documented, stable
// protocol of a few lines, so sluice speaks it itself instead of linking libsystemd.
//
// Without NOTIFY_SOCKET (run by hand, or under a supervisor that is not systemd) every call
// does nothing. A failed send is logged once and never stops the appliance: readiness is a
// courtesy to the supervisor, the datapath works without it.
#include <chrono>
#include <string>
#include <string_view>

namespace sluice::runtime {

class ServiceNotifier {
 public:
  // From $NOTIFY_SOCKET, which it then removes from the environment (as sd_notify's
  // unset_environment does) so that the tools sluice runs (ip, nft, ethtool) cannot speak
  // for it.
  static ServiceNotifier from_environment();

  // `socket`: a filesystem path, "@name" (abstract), or "" (disabled).
  explicit ServiceNotifier(std::string socket);

  bool enabled() const noexcept { return !socket_.empty(); }
  const std::string& socket() const noexcept { return socket_; }

  // The datapath forwards and the console and metrics listen: READY=1 with a STATUS= line.
  void ready(std::string_view status);
  // Around a SIGHUP reload: RELOADING=1 (with MONOTONIC_USEC, as systemd 253's notify-reload
  // asks; older systemd ignores it), then ready() again whatever the reload's outcome.
  void reloading();
  // SIGINT/SIGTERM received: the stop has begun.
  void stopping();

  // Sends one message as is; false when there is no socket or the send failed.
  bool send(std::string_view message);

 private:
  std::string socket_;
  bool warned_ = false;
};

// "RELOADING=1\nMONOTONIC_USEC=N": N the CLOCK_MONOTONIC time in microseconds, as
// sd_notify(3) defines it for reloads.
std::string reloading_message(std::chrono::microseconds monotonic_now);

}  // namespace sluice::runtime
