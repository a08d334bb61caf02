#include "control/metrics/http_request.hpp"

#include <algorithm>
#include <cctype>

namespace sluice::metrics {
namespace {

HeadParse error(int status, std::string message) {
  HeadParse result;
  result.kind = HeadParse::Kind::kError;
  result.status = status;
  result.error = std::move(message);
  return result;
}

// RFC 9110 section 5.6.2: tchar.
bool is_token_char(char c) {
  if (std::isalnum(static_cast<unsigned char>(c))) return true;
  return std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

bool is_token(std::string_view text) {
  return !text.empty() && std::all_of(text.begin(), text.end(), is_token_char);
}

bool equals_ignoring_case(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

std::string_view trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

// Does a comma-separated Connection value list `option`?
bool lists_option(std::string_view value, std::string_view option) {
  while (!value.empty()) {
    const std::size_t comma = value.find(',');
    if (equals_ignoring_case(trim(value.substr(0, comma)), option)) return true;
    if (comma == std::string_view::npos) break;
    value.remove_prefix(comma + 1);
  }
  return false;
}

}  // namespace

HeadParse parse_request_head(std::string_view buffer, std::size_t max_head) {
  // The head ends at the first empty line: "\n\n" or "\n\r\n".
  std::size_t end = std::string_view::npos;
  for (std::size_t at = buffer.find('\n'); at != std::string_view::npos;
       at = buffer.find('\n', at + 1)) {
    if (at + 1 < buffer.size() && buffer[at + 1] == '\n') {
      end = at + 2;
      break;
    }
    if (at + 2 < buffer.size() && buffer[at + 1] == '\r' && buffer[at + 2] == '\n') {
      end = at + 3;
      break;
    }
  }
  if (end == std::string_view::npos || end > max_head) {
    if (buffer.size() >= max_head || end != std::string_view::npos) {
      return error(431, "request header too large");
    }
    return {};
  }

  std::string_view head = buffer.substr(0, end);
  const auto next_line = [&head]() {
    const std::size_t newline = head.find('\n');
    std::string_view line = head.substr(0, newline);
    head.remove_prefix(newline + 1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    return line;
  };

  // request-line = method SP request-target SP HTTP-version
  const std::string_view request_line = next_line();
  const std::size_t first_space = request_line.find(' ');
  const std::size_t second_space =
      first_space == std::string_view::npos ? first_space : request_line.find(' ', first_space + 1);
  if (second_space == std::string_view::npos) return error(400, "malformed request line");
  const std::string_view method = request_line.substr(0, first_space);
  const std::string_view target =
      request_line.substr(first_space + 1, second_space - first_space - 1);
  const std::string_view version = request_line.substr(second_space + 1);
  if (!is_token(method) || target.empty() || std::any_of(target.begin(), target.end(), [](char c) {
        return static_cast<unsigned char>(c) <= 0x20 || c == 0x7F;
      })) {
    return error(400, "malformed request line");
  }
  if (version.size() != 8 || version.substr(0, 5) != "HTTP/" ||
      !std::isdigit(static_cast<unsigned char>(version[5])) || version[6] != '.' ||
      !std::isdigit(static_cast<unsigned char>(version[7]))) {
    return error(400, "malformed HTTP version");
  }
  if (version[5] != '1') return error(505, "only HTTP/1.0 and HTTP/1.1 are served");

  HeadParse result;
  result.kind = HeadParse::Kind::kComplete;
  result.consumed = end;
  result.request.method = method;
  result.request.target = target;
  result.request.minor_version = version[7] - '0';
  bool close = false;
  bool keep_alive = false;
  bool host = false;
  for (std::string_view line = next_line(); !line.empty(); line = next_line()) {
    const std::size_t colon = line.find(':');
    // field-line = field-name ":" OWS field-value OWS; no whitespace before the colon
    // (RFC 9112 section 5.1), and no obsolete line folding (section 5.2).
    if (colon == std::string_view::npos || !is_token(line.substr(0, colon))) {
      return error(400, "malformed header field");
    }
    const std::string_view name = line.substr(0, colon);
    const std::string_view value = trim(line.substr(colon + 1));
    if (equals_ignoring_case(name, "connection")) {
      close = close || lists_option(value, "close");
      keep_alive = keep_alive || lists_option(value, "keep-alive");
    } else if (equals_ignoring_case(name, "host")) {
      if (host) return error(400, "more than one Host field");
      host = true;
    } else if (equals_ignoring_case(name, "transfer-encoding") ||
               (equals_ignoring_case(name, "content-length") && value != "0")) {
      return error(400, "request bodies are not accepted");
    }
  }
  // RFC 9112 section 3.2: an HTTP/1.1 request without Host gets 400.
  if (result.request.minor_version >= 1 && !host) return error(400, "missing Host field");
  result.request.keep_alive = result.request.minor_version >= 1 ? !close : keep_alive && !close;
  return result;
}

}  // namespace sluice::metrics
