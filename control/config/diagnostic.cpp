#include "control/config/diagnostic.hpp"

#include <fmt/format.h>

namespace sluice::config {

std::string Diagnostic::to_string() const {
  if (line == 0) return fmt::format("{}: error: {}", file, message);
  return fmt::format("{}:{}:{}: error: {}", file, line, column, message);
}

}  // namespace sluice::config
