#pragma once
// Large zero-filled tables (flow entries, the flow index) taken straight from the kernel as
// anonymous mappings: pages cost nothing until first touched, so a table sized for a million
// flows starts instantly and uses memory as traffic fills it. (malloc/calloc would not do:
// debugging modes such as MALLOC_PERTURB_ fill every fresh allocation, touching every page.)
// Used at construction only, never per packet.
#include <sys/mman.h>

#include <cstddef>
#include <new>

namespace sluice::conntrack {

class ZeroedMemory {
 public:
  explicit ZeroedMemory(std::size_t bytes) : size_(bytes == 0 ? 1 : bytes) {
    void* p = ::mmap(nullptr, size_, PROT_READ | PROT_WRITE,
                     MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (p == MAP_FAILED) throw std::bad_alloc();
    // Transparent huge pages where the kernel offers them ("madvise" mode): a million flows
    // spread their index slots and entries over ~300 MB, and with 4 KiB pages nearly every
    // packet also missed the TLB (docs/performance.md). The cost: memory is taken in 2 MiB
    // steps as the tables fill. Advice only: a kernel without THP ignores it.
    ::madvise(p, size_, MADV_HUGEPAGE);
    data_ = p;
  }
  ~ZeroedMemory() { ::munmap(data_, size_); }
  ZeroedMemory(const ZeroedMemory&) = delete;
  ZeroedMemory& operator=(const ZeroedMemory&) = delete;

  void* data() const noexcept { return data_; }

 private:
  std::size_t size_;
  void* data_ = nullptr;
};

}  // namespace sluice::conntrack
