#include "dataplane/version.hpp"

#include "sluice_version.h"

namespace sluice {

std::string_view version() noexcept { return SLUICE_VERSION; }
std::string_view build_description() noexcept { return SLUICE_BUILD; }

}  // namespace sluice
