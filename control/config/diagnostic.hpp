#pragma once
// One configuration error, printed as `FILE:LINE:COL: error: MESSAGE` (spec config.md). Lines and
// columns are 1-based, as toml++ reports them; 0 means "no position" (e.g. an unreadable file),
// printed as `FILE: error: MESSAGE`.
#include <cstdint>
#include <string>

namespace sluice::config {

struct Diagnostic {
  std::string file;
  std::uint32_t line = 0;
  std::uint32_t column = 0;
  std::string message;

  std::string to_string() const;
  friend bool operator==(const Diagnostic&, const Diagnostic&) = default;
};

}  // namespace sluice::config
