// The sd_notify datagrams the unit's Type=notify relies on (control/runtime/sd_notify.hpp),
// received on sockets this test binds itself: a filesystem path and an abstract name.
#include <gtest/gtest.h>

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>

#include "control/runtime/sd_notify.hpp"

namespace sluice::runtime {
namespace {

// A bound AF_UNIX datagram socket, as systemd holds for NOTIFY_SOCKET.
class Receiver {
 public:
  explicit Receiver(const std::string& name) : name_(name) {
    fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    EXPECT_GE(fd_, 0);
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    std::memcpy(address.sun_path, name.data(), name.size());
    if (name[0] == '@') address.sun_path[0] = '\0';
    const auto length = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + name.size() +
                                               (name[0] == '@' ? 0 : 1));
    EXPECT_EQ(::bind(fd_, reinterpret_cast<const sockaddr*>(&address), length), 0)
        << std::strerror(errno);
    timeval timeout{2, 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  }
  ~Receiver() {
    ::close(fd_);
    if (name_[0] == '/') std::filesystem::remove(name_);
  }
  Receiver(const Receiver&) = delete;
  Receiver& operator=(const Receiver&) = delete;

  // The next datagram, or "" after 2 s.
  std::string next() {
    char buffer[4096];
    const ssize_t size = ::recv(fd_, buffer, sizeof buffer, 0);
    return size <= 0 ? std::string() : std::string(buffer, static_cast<std::size_t>(size));
  }

 private:
  std::string name_;
  int fd_ = -1;
};

std::string temp_socket_path() {
  return (std::filesystem::temp_directory_path() /
          ("sluice-notify-test-" + std::to_string(::getpid()) + ".sock"))
      .string();
}

TEST(ServiceNotifier, SendsReadyStoppingAndReloadingToAPathSocket) {
  Receiver receiver(temp_socket_path());
  ServiceNotifier notifier(temp_socket_path());
  ASSERT_TRUE(notifier.enabled());
  notifier.ready("serving 2 service(s)");
  EXPECT_EQ(receiver.next(), "READY=1\nSTATUS=serving 2 service(s)");
  notifier.reloading();
  const std::string reloading = receiver.next();
  EXPECT_EQ(reloading.rfind("RELOADING=1\nMONOTONIC_USEC=", 0), 0U) << reloading;
  EXPECT_GT(std::stoull(reloading.substr(reloading.find('=', 12) + 1)), 0ULL);
  notifier.stopping();
  EXPECT_EQ(receiver.next(), "STOPPING=1\nSTATUS=stopping");
}

TEST(ServiceNotifier, AnAtSignNamesTheAbstractNamespace) {
  const std::string name = "@sluice-notify-test-" + std::to_string(::getpid());
  Receiver receiver(name);
  ServiceNotifier notifier(name);
  EXPECT_TRUE(notifier.send("READY=1"));
  EXPECT_EQ(receiver.next(), "READY=1");
}

TEST(ServiceNotifier, WithoutASocketNothingIsSent) {
  ServiceNotifier notifier("");
  EXPECT_FALSE(notifier.enabled());
  EXPECT_FALSE(notifier.send("READY=1"));
}

TEST(ServiceNotifier, ASocketNobodyListensOnFailsWithoutThrowing) {
  ServiceNotifier notifier("/nonexistent-dir/notify.sock");
  EXPECT_FALSE(notifier.send("READY=1"));
  EXPECT_FALSE(notifier.send("READY=1"));  // logged once, still false
  EXPECT_FALSE(ServiceNotifier("relative/path").send("READY=1"));
}

TEST(ServiceNotifier, FromEnvironmentTakesTheVariableAndRemovesIt) {
  ::setenv("NOTIFY_SOCKET", "@sluice-env-test", 1);
  const ServiceNotifier notifier = ServiceNotifier::from_environment();
  EXPECT_EQ(notifier.socket(), "@sluice-env-test");
  EXPECT_EQ(std::getenv("NOTIFY_SOCKET"), nullptr);
  EXPECT_FALSE(ServiceNotifier::from_environment().enabled());
}

TEST(ServiceNotifier, ReloadingMessageCarriesTheMonotonicTime) {
  EXPECT_EQ(reloading_message(std::chrono::microseconds(1234567)),
            "RELOADING=1\nMONOTONIC_USEC=1234567");
}

}  // namespace
}  // namespace sluice::runtime
