#pragma once
// The event core of one logical process: integer time (seconds), events ordered by
// (time, sequence number) so that ties always resolve in scheduling order. An owned object,
// one per site; no global state.

#include <cstdint>
#include <functional>
#include <vector>

#include "core/time.hpp"

namespace fleetsim::engine {

struct EventId {
  uint32_t slot = UINT32_MAX;
  uint32_t generation = 0;
  bool valid() const { return slot != UINT32_MAX; }
};

class EventQueue {
 public:
  using Callback = std::function<void()>;

  core::Seconds now() const { return now_; }

  // Schedules fn at absolute time `at` (>= now()). Returns an id for cancel().
  EventId schedule_at(core::Seconds at, Callback fn);
  EventId schedule(core::Seconds delay, Callback fn) { return schedule_at(now_ + delay, std::move(fn)); }

  // Cancels a pending event; returns false if it already ran or was cancelled.
  bool cancel(EventId id);

  // Runs every event with time < end in (time, sequence) order, then sets now() = end.
  // Events scheduled while running are run too if they fall before `end`.
  void run_until(core::Seconds end);

  // Time of the next pending event, or INT64_MAX when none is pending.
  core::Seconds next_time();
  size_t pending() const { return live_; }

 private:
  struct Entry {
    core::Seconds time;
    uint64_t sequence;
    uint32_t slot;
    uint32_t generation;
  };
  struct Later {
    bool operator()(const Entry& a, const Entry& b) const {
      return a.time != b.time ? a.time > b.time : a.sequence > b.sequence;
    }
  };
  struct Slot {
    Callback fn;
    uint32_t generation = 0;
  };

  void drop_stale_top();

  core::Seconds now_ = 0;
  uint64_t next_sequence_ = 0;
  size_t live_ = 0;
  std::vector<Entry> heap_;
  std::vector<Slot> slots_;
  std::vector<uint32_t> free_slots_;
};

}  // namespace fleetsim::engine
