#include "control/health/http_probe.hpp"

#include <fmt/format.h>

namespace sluice::health {

std::string http_request(std::string_view path, const net::Endpoint& backend) {
  return fmt::format(
      "GET {} HTTP/1.0\r\nHost: {}\r\nUser-Agent: sluice-health\r\nConnection: close\r\n\r\n", path,
      backend.to_string());
}

std::optional<int> parse_status_line(std::string_view line) noexcept {
  // "HTTP/" DIGIT "." DIGIT SP 3DIGIT [SP reason]
  constexpr std::string_view kPrefix = "HTTP/1.";
  if (line.size() < 12 || line.substr(0, kPrefix.size()) != kPrefix) return std::nullopt;
  const auto digit = [](char c) { return c >= '0' && c <= '9'; };
  if (!digit(line[7]) || line[8] != ' ') return std::nullopt;
  if (!digit(line[9]) || !digit(line[10]) || !digit(line[11])) return std::nullopt;
  if (line.size() > 12 && line[12] != ' ') return std::nullopt;
  const int status = (line[9] - '0') * 100 + (line[10] - '0') * 10 + (line[11] - '0');
  if (status < 100) return std::nullopt;
  return status;
}

}  // namespace sluice::health
