#include "engine/event_queue.hpp"

#include <algorithm>
#include <cassert>
#include <climits>
#include <stdexcept>
#include <string>

namespace fleetsim::engine {

EventId EventQueue::schedule_at(core::Seconds at, Callback fn) {
  if (at < now_) {
    throw std::logic_error("EventQueue: event scheduled in the past (at " + std::to_string(at) + " s, now " +
                           std::to_string(now_) + " s)");
  }
  uint32_t slot = 0;
  if (free_slots_.empty()) {
    slot = static_cast<uint32_t>(slots_.size());
    slots_.emplace_back();
  } else {
    slot = free_slots_.back();
    free_slots_.pop_back();
  }
  slots_[slot].fn = std::move(fn);
  heap_.push_back(Entry{at, next_sequence_++, slot, slots_[slot].generation});
  std::push_heap(heap_.begin(), heap_.end(), Later{});
  ++live_;
  return EventId{slot, slots_[slot].generation};
}

bool EventQueue::cancel(EventId id) {
  if (!id.valid() || id.slot >= slots_.size()) return false;
  Slot& s = slots_[id.slot];
  if (s.generation != id.generation || !s.fn) return false;
  s.fn = nullptr;
  ++s.generation;  // the heap entry is now stale and is skipped when it reaches the top
  free_slots_.push_back(id.slot);
  --live_;
  return true;
}

void EventQueue::drop_stale_top() {
  while (!heap_.empty() && slots_[heap_.front().slot].generation != heap_.front().generation) {
    std::pop_heap(heap_.begin(), heap_.end(), Later{});
    heap_.pop_back();
  }
}

core::Seconds EventQueue::next_time() {
  drop_stale_top();
  return heap_.empty() ? INT64_MAX : heap_.front().time;
}

void EventQueue::run_until(core::Seconds end) {
  for (;;) {
    drop_stale_top();
    if (heap_.empty() || heap_.front().time >= end) break;
    const Entry top = heap_.front();
    std::pop_heap(heap_.begin(), heap_.end(), Later{});
    heap_.pop_back();
    Slot& s = slots_[top.slot];
    Callback fn = std::move(s.fn);
    s.fn = nullptr;
    ++s.generation;
    free_slots_.push_back(top.slot);
    --live_;
    now_ = top.time;
    fn();
  }
  if (end > now_) now_ = end;
}

}  // namespace fleetsim::engine
