#pragma once
// The one-line description of a service printed by `sluice check` (docs/configuration.md):
//
//   web  tcp 10.10.0.100:80  maglev  2 backends  proxy v2 on-connect tlvs=crc32c,unique-id  health
//   none  snat 10.20.0.1
//
// Fields are separated by two spaces and always appear in this order, so scripts may split on
// runs of two spaces.
#include <string>

#include "control/config/config.hpp"

namespace sluice::config {

std::string summarize(const Service& service);

}  // namespace sluice::config
