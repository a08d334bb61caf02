#pragma once
// The bytes of an HTTP health probe and the reading of its answer (spec config.md,
// [services.health]: kind = "http", "GET path, 2xx/3xx is up"). Pure functions: the socket work
// is in probe.cpp.
#include <optional>
#include <string>
#include <string_view>

#include "dataplane/net/address.hpp"

namespace sluice::health {

// "GET <path> HTTP/1.0" with Host = the backend's address:port. HTTP/1.0 and
// "Connection: close" ask the server to answer once and close; the probe reads the status line
// only, so keep-alive or a chunked body would gain nothing.
std::string http_request(std::string_view path, const net::Endpoint& backend);

// The status code of a complete status line "HTTP/1.x NNN reason" (RFC 9112 section 4), the
// line without its CR LF; nullopt when it is not one.
std::optional<int> parse_status_line(std::string_view line) noexcept;

// Up means 2xx or 3xx (spec).
constexpr bool status_is_up(int status) noexcept { return status >= 200 && status <= 399; }

}  // namespace sluice::health
