#include "dataplane/conntrack/timer_wheel.hpp"

#include <bit>

namespace sluice::conntrack {
namespace {

constexpr std::uint64_t kSlotMask = TimerWheel::kSlotsPerLevel - 1;

// Two links, the due tick and the bucket id: small enough to embed in every flow entry.
static_assert(sizeof(TimerNode) == 32, "TimerNode grew");

void make_empty(detail::TimerLink& head) noexcept {
  head.prev = &head;
  head.next = &head;
}

// Modular "a is at or before b" for ticks less than 2^63 apart.
bool not_after(Tick a, Tick b) noexcept { return static_cast<std::int64_t>(a - b) <= 0; }

}  // namespace

TimerWheel::TimerWheel(Tick start) noexcept : origin_(start) {
  for (detail::TimerLink& head : slots_) make_empty(head);
  make_empty(pending_);
  make_empty(overdue_);
}

void TimerWheel::link_tail(detail::TimerLink& head, TimerNode& node) noexcept {
  detail::TimerLink& link = node;
  link.prev = head.prev;
  link.next = &head;
  head.prev->next = &link;
  head.prev = &link;
}

void TimerWheel::splice_tail(detail::TimerLink& into, detail::TimerLink& from) noexcept {
  if (empty(from)) return;
  from.next->prev = into.prev;
  into.prev->next = from.next;
  from.prev->next = &into;
  into.prev = from.prev;
  make_empty(from);
}

void TimerWheel::schedule(TimerNode& node, Tick due) noexcept {
  if (node.armed()) {
    unlink(node);
  } else {
    ++armed_count_;
  }
  node.due_ = due;
  if (not_after(due, now())) {
    node.bucket_ = kPendingBucket;
    link_tail(overdue_, node);
    return;
  }
  place(node);
}

bool TimerWheel::cancel(TimerNode& node) noexcept {
  if (!node.armed()) return false;
  unlink(node);
  node.bucket_ = TimerNode::kUnarmed;
  --armed_count_;
  return true;
}

void TimerWheel::place(TimerNode& node) noexcept {
  const Tick due = internal(node.due_);
  // The highest differing digit decides the level: the timer shares every higher digit with
  // the wheel's time, so it belongs to the current turn of that level's wheel.
  const unsigned highest_bit = 63U - static_cast<unsigned>(std::countl_zero(due ^ elapsed_));
  const unsigned level = highest_bit / kSlotBits;
  const unsigned slot = static_cast<unsigned>((due >> (level * kSlotBits)) & kSlotMask);
  const unsigned bucket = level * kSlotsPerLevel + slot;
  node.bucket_ = static_cast<std::uint16_t>(bucket);
  link_tail(slots_[bucket], node);
  occupied_[level] |= std::uint64_t{1} << slot;
}

void TimerWheel::unlink(TimerNode& node) noexcept {
  detail::TimerLink& link = node;
  link.prev->next = link.next;
  link.next->prev = link.prev;
  link.prev = nullptr;
  link.next = nullptr;
  if (node.bucket_ < kPendingBucket && empty(slots_[node.bucket_])) {
    occupied_[node.bucket_ / kSlotsPerLevel] &= ~(std::uint64_t{1} << (node.bucket_ % kSlotsPerLevel));
  }
}

// Occupied slots of level k all lie after the wheel's current digit k (a slot is emptied when
// time reaches its start), and any of them is later than every slot of the levels below. So
// the first level with an occupied slot holds the next event.
std::optional<TimerWheel::SlotRef> TimerWheel::next_occupied_slot() const noexcept {
  for (unsigned level = 0; level < kLevels; ++level) {
    const unsigned shift = level * kSlotBits;
    const unsigned current = static_cast<unsigned>((elapsed_ >> shift) & kSlotMask);
    if (current == kSlotMask) continue;  // nothing can lie after the last slot of this turn
    const std::uint64_t later = occupied_[level] & (~std::uint64_t{0} << (current + 1));
    if (later == 0) continue;
    const unsigned slot = static_cast<unsigned>(std::countr_zero(later));
    const unsigned turn_shift = shift + kSlotBits;  // digits above this level: the current turn
    const Tick turn_start = turn_shift >= 64 ? 0 : (elapsed_ >> turn_shift) << turn_shift;
    return SlotRef{turn_start | (Tick{slot} << shift), level, slot};
  }
  return std::nullopt;
}

void TimerWheel::expire_slot(const SlotRef& ref) noexcept {
  const unsigned bucket = ref.level * kSlotsPerLevel + ref.slot;
  occupied_[ref.level] &= ~(std::uint64_t{1} << ref.slot);
  elapsed_ = ref.start;
  if (ref.level == 0) {
    // A level-0 slot holds exactly the timers due at its tick.
    splice_tail(pending_, slots_[bucket]);
    for (detail::TimerLink* link = pending_.next; link != &pending_; link = link->next) {
      node_of(*link).bucket_ = kPendingBucket;
    }
    return;
  }
  // Cascade: detach the slot, then re-file each timer relative to the new time. They share
  // digit `level` with it now, so each lands on a lower level (or is due right now).
  detail::TimerLink moving;
  make_empty(moving);
  splice_tail(moving, slots_[bucket]);
  while (!empty(moving)) {
    TimerNode& node = node_of(*moving.next);
    detail::TimerLink& link = node;
    moving.next = link.next;
    link.next->prev = &moving;
    if (internal(node.due_) == elapsed_) {
      node.bucket_ = kPendingBucket;
      link_tail(pending_, node);
    } else {
      place(node);
    }
  }
}

void TimerWheel::take_overdue() noexcept { splice_tail(pending_, overdue_); }

TimerNode* TimerWheel::pop_due(Tick now_external) noexcept {
  while (empty(pending_)) {
    if (not_after(now_external, now())) return nullptr;
    const Tick target = internal(now_external);
    const std::optional<SlotRef> next = next_occupied_slot();
    if (!next || next->start > target) {
      elapsed_ = target;
      return nullptr;
    }
    expire_slot(*next);
  }
  TimerNode& node = node_of(*pending_.next);
  unlink(node);
  node.bucket_ = TimerNode::kUnarmed;
  --armed_count_;
  return &node;
}

std::optional<Tick> TimerWheel::next_expiry_bound() const noexcept {
  if (armed_count_ == 0) return std::nullopt;
  if (!empty(pending_) || !empty(overdue_)) return now();
  const std::optional<SlotRef> next = next_occupied_slot();
  if (!next) return std::nullopt;
  return origin_ + next->start;
}

}  // namespace sluice::conntrack
