#pragma once
// How the control thread gets work done on a worker's own thread (docs/reload.md): a single
// job slot per worker. The control thread posts a job; the worker polls the slot once per
// poll round (one relaxed-cost acquire load when empty), runs the job between bursts, and
// clears the slot when the job says it is done; the control thread sees the slot empty again
// and reads the job's results. Nothing is locked and a worker is never stopped: a long job
// (listing or flushing a million flows) does a bounded slice per round and resumes next round.
//
// Ownership: the job object belongs to the control thread, which must keep it alive until
// idle() is true again. Whatever the job swaps out of the worker (an old Tables snapshot)
// goes into the job, so it is freed on the control thread, never on the worker.
#include <atomic>
#include <functional>

namespace sluice::pipeline {

// A job returns true when it has finished; false to be called again next round.
using WorkerJob = std::function<bool()>;

class alignas(64) WorkerMailbox {
 public:
  // Control thread. False when a job is still pending (one at a time per worker).
  bool post(WorkerJob* job) noexcept {
    WorkerJob* expected = nullptr;
    return slot_.compare_exchange_strong(expected, job, std::memory_order_acq_rel);
  }
  // Control thread: true once the posted job has finished (its results are visible).
  bool idle() const noexcept { return slot_.load(std::memory_order_acquire) == nullptr; }

  // Worker thread, between bursts.
  void poll() noexcept {
    WorkerJob* job = slot_.load(std::memory_order_acquire);
    if (job != nullptr && (*job)()) slot_.store(nullptr, std::memory_order_release);
  }

 private:
  std::atomic<WorkerJob*> slot_{nullptr};
};

}  // namespace sluice::pipeline
