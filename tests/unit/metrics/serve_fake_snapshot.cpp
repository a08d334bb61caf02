// Serves the metrics of the tests' fake snapshot and one health-check target on 127.0.0.1 (a
// kernel-chosen port), for prometheus_parse_test.py: prints "port N" once listening and exits when
// stdin closes.
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/read.hpp>
#include <cstdio>
#include <functional>
#include <iostream>

#include "control/metrics/render.hpp"
#include "control/metrics/render_health.hpp"
#include "control/metrics/server.hpp"
#include "tests/unit/metrics/fake_snapshot.hpp"

int main() {
  namespace asio = boost::asio;
  // Log lines to stderr: stdout carries the port line the test reads.
  spdlog::set_default_logger(spdlog::stderr_logger_st("metrics"));
  asio::io_context io;
  const sluice::metrics::MetricsSnapshot snapshot = sluice::metrics::testing::fake_snapshot();
  sluice::metrics::MetricsSettings settings;
  settings.listen = {sluice::net::IpAddress::v4({127, 0, 0, 1}), 0};
  sluice::health::TargetStatus checked;
  checked.service = "web";
  checked.backend = {sluice::net::IpAddress::v4({10, 1, 0, 2}), 8080};
  checked.up = false;
  checked.checks = 9;
  checked.failures = 3;
  // The page as `sluice run` composes it when health checks run.
  sluice::metrics::MetricsServer server(io, settings, [&] {
    return sluice::metrics::render_metrics(snapshot) +
           sluice::metrics::render_health_metrics({checked});
  });
  server.start();
  std::cout << "port " << server.local_endpoint().port << std::endl;

  asio::posix::stream_descriptor input(io, ::dup(STDIN_FILENO));
  char byte = 0;
  std::function<void()> watch = [&] {
    input.async_read_some(asio::buffer(&byte, 1),
                          [&](const boost::system::error_code& error, std::size_t) {
                            if (error) {  // EOF: the test is done
                              server.stop();
                              input.close();
                              return;
                            }
                            watch();
                          });
  };
  watch();
  io.run();
  return 0;
}
