#pragma once
// A start-up or shutdown failure of the DPDK shell (EAL, ports, pools): the control thread
// logs what() and `sluice run` exits 1. Never thrown from a worker lcore.
#include <stdexcept>

namespace sluice::dpdk {

class DpdkError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace sluice::dpdk
