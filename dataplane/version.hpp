#pragma once
#include <string_view>

namespace sluice {

// The release version (meson project version) and a one-line description of the build.
std::string_view version() noexcept;
std::string_view build_description() noexcept;

}  // namespace sluice
