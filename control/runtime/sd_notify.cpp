#include "control/runtime/sd_notify.hpp"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <ctime>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

namespace sluice::runtime {
namespace {

std::chrono::microseconds monotonic_now() {
  timespec now{};
  clock_gettime(CLOCK_MONOTONIC, &now);
  return std::chrono::seconds(now.tv_sec) +
         std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::nanoseconds(now.tv_nsec));
}

// A closed-on-scope descriptor: the socket lives only for one send, as in sd_notify itself
// (a handful of messages per run; no descriptor to keep across fork or reload).
class Descriptor {
 public:
  explicit Descriptor(int fd) : fd_(fd) {}
  ~Descriptor() {
    if (fd_ >= 0) ::close(fd_);
  }
  Descriptor(const Descriptor&) = delete;
  Descriptor& operator=(const Descriptor&) = delete;
  int get() const noexcept { return fd_; }

 private:
  int fd_;
};

}  // namespace

ServiceNotifier ServiceNotifier::from_environment() {
  const char* value = std::getenv("NOTIFY_SOCKET");
  std::string socket = value == nullptr ? std::string() : std::string(value);
  ::unsetenv("NOTIFY_SOCKET");
  return ServiceNotifier(std::move(socket));
}

ServiceNotifier::ServiceNotifier(std::string socket) : socket_(std::move(socket)) {}

std::string reloading_message(std::chrono::microseconds monotonic) {
  return fmt::format("RELOADING=1\nMONOTONIC_USEC={}", monotonic.count());
}

void ServiceNotifier::ready(std::string_view status) {
  send(fmt::format("READY=1\nSTATUS={}", status));
}

void ServiceNotifier::reloading() { send(reloading_message(monotonic_now())); }

void ServiceNotifier::stopping() { send("STOPPING=1\nSTATUS=stopping"); }

bool ServiceNotifier::send(std::string_view message) {
  if (socket_.empty()) return false;
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  // sd_notify(3): a leading '@' names a socket in the abstract namespace (sun_path[0] = 0).
  if (socket_.size() >= sizeof(address.sun_path) || (socket_[0] != '/' && socket_[0] != '@')) {
    if (!warned_) spdlog::warn("NOTIFY_SOCKET '{}' is not a socket path: not notifying", socket_);
    warned_ = true;
    return false;
  }
  std::memcpy(address.sun_path, socket_.data(), socket_.size());
  if (socket_[0] == '@') address.sun_path[0] = '\0';
  const auto length =
      static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + socket_.size() +
                             (socket_[0] == '@' ? 0 : 1));
  const Descriptor fd(::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  const bool sent =
      fd.get() >= 0 && ::sendto(fd.get(), message.data(), message.size(), MSG_NOSIGNAL,
                                reinterpret_cast<const sockaddr*>(&address), length) ==
                           static_cast<ssize_t>(message.size());
  if (!sent && !warned_) {
    spdlog::warn("cannot notify the service manager on {}: {}", socket_, std::strerror(errno));
    warned_ = true;
  }
  return sent;
}

}  // namespace sluice::runtime
