// Runs one health probe (control/health/probe.hpp) and prints its outcome, for
// real_backends_test.py, which points it at nginx and HAProxy listeners that require a PROXY
// header. Usage: health_probe_once tcp|http HOST PORT PATH proxy|plain
// Prints "up REASON" or "down REASON"; exit code 0 either way, 2 on bad arguments.
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <iostream>
#include <string_view>

#include "control/health/probe.hpp"

int main(int argc, char** argv) {
  using sluice::health::ProbeOutcome;
  if (argc != 6) {
    std::cerr << "usage: health_probe_once tcp|http HOST PORT PATH proxy|plain\n";
    return 2;
  }
  const auto address = sluice::net::IpAddress::parse(argv[2]);
  const int port = std::atoi(argv[3]);
  if (!address || port <= 0 || port > 65535) {
    std::cerr << "bad address or port\n";
    return 2;
  }
  sluice::health::ProbeSpec spec;
  spec.backend = {*address, static_cast<std::uint16_t>(port)};
  spec.kind = std::string_view(argv[1]) == "http" ? sluice::config::HealthKind::kHttp
                                                  : sluice::config::HealthKind::kTcp;
  spec.path = argv[4];
  spec.timeout = std::chrono::milliseconds(2000);
  spec.send_proxy_header = std::string_view(argv[5]) == "proxy";

  boost::asio::io_context io;
  sluice::health::Probe::start(io, spec, [](ProbeOutcome outcome) {
    std::cout << (outcome.success ? "up " : "down ") << outcome.reason << std::endl;
  });
  io.run();
  return 0;
}
