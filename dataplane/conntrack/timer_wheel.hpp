#pragma once
// Hierarchical timing wheel for conntrack expiry (Varghese & Lauck, "Hashed and Hierarchical
// Timing Wheels", SOSP 1987, scheme 7), one per worker.
//
//  - Time is the caller's: a monotonic tick count passed to advance() (a worker converts its
//    TSC to, say, milliseconds). Tests drive it by hand. The counter may wrap around 2^64:
//    all comparisons are modular, so a timer may lie up to 2^63 - 1 ticks ahead.
//  - Timers are intrusive: a TimerNode lives inside the flow entry it expires, so scheduling
//    never allocates. schedule(), cancel() and rescheduling are O(1).
//  - advance(now, fn) calls fn once for every timer whose due tick is <= now and never for one
//    that is not yet due. Timers due at the same tick fire in scheduling order; timers due
//    earlier fire before timers due later.
//
// Layout: 11 levels of 64 slots. A timer sits at the level of the highest 6-bit digit in which
// its due tick differs from the wheel's time, in the slot of that digit; 11 x 6 bits cover the
// whole 64-bit range, so no timer is ever too far away. Each slot at level k spans 64^k ticks.
// When time reaches the start of an occupied slot at level k > 0 its timers move down
// (cascade) to lower levels; a timer therefore moves at most 10 times in its life, whatever
// its timeout. A 64-bit occupancy map per level lets advance() jump straight to the next
// occupied slot, so a worker that calls advance() every poll round, or after a long stall,
// does work proportional to the timers handled, not to the ticks elapsed.
//
// Work bound: advance() takes an optional budget, the most timers it fires per call. When it
// stops early the rest stay due (the wheel remembers where it stopped) and fire on the next
// calls, in order: a burst of a million simultaneous expiries cannot stall the poll loop.
//
// Timers scheduled in the past (due <= the wheel's time) fire at the next advance() call, even
// one with the same `now`. Those scheduled from inside a callback wait for the next call, so a
// callback that re-arms its own timer "now" cannot loop forever.
#include <array>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>

namespace sluice::conntrack {

using Tick = std::uint64_t;

namespace detail {
struct TimerLink {
  TimerLink* prev = nullptr;
  TimerLink* next = nullptr;
};
}  // namespace detail

// Embed in the object that expires (a flow entry derives from it or holds it as a member).
// Not copyable or movable: the wheel points at it while it is armed. Cancel before destroying.
class TimerNode : private detail::TimerLink {
 public:
  TimerNode() = default;
  TimerNode(const TimerNode&) = delete;
  TimerNode& operator=(const TimerNode&) = delete;

  bool armed() const noexcept { return bucket_ != kUnarmed; }
  // The tick it was scheduled for; still valid inside the expiry callback.
  Tick due() const noexcept { return due_; }

 private:
  friend class TimerWheel;
  static constexpr std::uint16_t kUnarmed = 0xFFFF;

  Tick due_ = 0;
  std::uint16_t bucket_ = kUnarmed;  // which list holds it: a wheel slot or the pending list
};

class TimerWheel {
 public:
  static constexpr unsigned kSlotBits = 6;
  static constexpr unsigned kSlotsPerLevel = 1U << kSlotBits;                     // 64
  static constexpr unsigned kLevels = (64 + kSlotBits - 1) / kSlotBits;            // 11
  static constexpr std::size_t kUnlimited = std::numeric_limits<std::size_t>::max();

  // `start` is the current time: everything due at or before it is overdue.
  explicit TimerWheel(Tick start = 0) noexcept;
  TimerWheel(const TimerWheel&) = delete;
  TimerWheel& operator=(const TimerWheel&) = delete;

  // Arms `node` to fire at `due`; re-arms it if already armed (the common "flow saw a packet,
  // push its expiry" case). O(1).
  void schedule(TimerNode& node, Tick due) noexcept;
  // Disarms `node`; false when it was not armed. O(1).
  bool cancel(TimerNode& node) noexcept;

  // Fires, in due order, the timers due at or before `now`, at most `budget` of them, calling
  // on_expired(TimerNode&) for each after disarming it: the callback may re-arm it, free the
  // object that holds it, or schedule and cancel other timers. Returns the number fired; equal
  // to `budget` means more may be due. A `now` behind the wheel's time moves nothing.
  template <typename OnExpired>
  std::size_t advance(Tick now, OnExpired&& on_expired, std::size_t budget = kUnlimited) {
    take_overdue();
    std::size_t fired = 0;
    while (fired < budget) {
      TimerNode* node = pop_due(now);
      if (node == nullptr) break;
      ++fired;
      on_expired(*node);
    }
    return fired;
  }

  // The wheel's time: every timer due at or before it has fired (budget permitting).
  Tick now() const noexcept { return origin_ + elapsed_; }
  std::size_t armed_count() const noexcept { return armed_count_; }
  // No timer fires before this tick (a lower bound, exact at level 0); nullopt when nothing is
  // armed. Lets an idle worker sleep until then.
  std::optional<Tick> next_expiry_bound() const noexcept;

 private:
  static constexpr std::uint16_t kPendingBucket = kLevels * kSlotsPerLevel;

  struct SlotRef {
    Tick start;  // internal tick at which the slot's timers are due (level 0) or cascade
    unsigned level;
    unsigned slot;
  };

  static TimerNode& node_of(detail::TimerLink& link) noexcept { return static_cast<TimerNode&>(link); }
  static bool empty(const detail::TimerLink& head) noexcept { return head.next == &head; }
  static void link_tail(detail::TimerLink& head, TimerNode& node) noexcept;
  static void splice_tail(detail::TimerLink& into, detail::TimerLink& from) noexcept;

  Tick internal(Tick external) const noexcept { return external - origin_; }
  void place(TimerNode& node) noexcept;   // into the wheel; internal due > elapsed_
  void unlink(TimerNode& node) noexcept;  // from whatever list holds it
  std::optional<SlotRef> next_occupied_slot() const noexcept;
  void expire_slot(const SlotRef& slot) noexcept;
  void take_overdue() noexcept;
  TimerNode* pop_due(Tick now) noexcept;

  Tick origin_;       // external tick that is internal 0, so internal time never wraps
  Tick elapsed_ = 0;  // internal; every timer due at or before it has been moved to pending
  std::size_t armed_count_ = 0;
  std::array<std::uint64_t, kLevels> occupied_{};  // bit s of level k: slot s non-empty
  std::array<detail::TimerLink, kLevels * kSlotsPerLevel> slots_;
  detail::TimerLink pending_;  // due now, in firing order
  detail::TimerLink overdue_;  // scheduled in the past; joins pending_ at the next advance()
};

}  // namespace sluice::conntrack
