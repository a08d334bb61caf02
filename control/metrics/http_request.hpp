#pragma once
// The request head of the metrics endpoint's HTTP/1.x (RFC 9112): request line and header
// fields, up to the empty line. Pure and incremental: the server appends what it reads and asks
// again. Only what a scraper needs is understood (method, target, version, Connection, Host);
// a request with a body is refused, since GET /metrics has none.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace sluice::metrics {

struct HttpRequest {
  std::string method;
  std::string target;  // as sent: "/metrics", "/metrics?x=1"
  int minor_version = 1;
  bool keep_alive = true;  // HTTP/1.1 unless "Connection: close"; HTTP/1.0 only with keep-alive
};

struct HeadParse {
  enum class Kind : std::uint8_t { kIncomplete, kComplete, kError };
  Kind kind = Kind::kIncomplete;
  HttpRequest request;       // kComplete
  std::size_t consumed = 0;  // kComplete: bytes of the head, empty line included
  int status = 0;            // kError: 400, 431 or 505
  std::string error;         // kError: what was wrong, for the response body
};

// Parses the head at the start of `buffer` (at most max_head bytes; more without the empty
// line is 431). Accepts LF as well as CR LF line ends (RFC 9112 section 2.2).
HeadParse parse_request_head(std::string_view buffer, std::size_t max_head);

}  // namespace sluice::metrics
