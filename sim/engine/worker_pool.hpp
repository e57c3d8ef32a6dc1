#pragma once
// A fixed set of threads for the index loops of the hourly phases (docs/architecture.md,
// "Parallelism"). A loop over [0, n) is cut into small chunks that the calling thread and the
// workers claim in turn; the caller never waits for a worker that has not started, so a loop
// is never slower than running it alone, whether the workers are asleep or the machine is busy.
// Which thread runs an index must not matter to the result (each index touches only its own
// state): results are then the same for any number of threads. Between loops the workers spin
// for a few microseconds and then sleep in the kernel (C++20 atomic wait: a futex on Linux), so
// they take no CPU from other work, unlike OpenMP's default active wait at its barriers.

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace fleetsim::engine {

class WorkerPool {
 public:
  // threads >= 1: threads - 1 workers are started; the caller of for_each is the first.
  explicit WorkerPool(int threads);
  ~WorkerPool();
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  int threads() const { return threads_; }
  // Runs fn(i) once for every i in [0, n), in chunks of consecutive indices (increasing within
  // a chunk) on whichever thread claims them. Returns when all have run; then rethrows the
  // exception of the lowest failing index, if any (a chunk stops at its first failure; the
  // other chunks still run). Not reentrant: fn must not call for_each.
  // A loop of fewer than 2 x min_per_thread indices runs on the caller alone (for cheap
  // indices, waking a worker costs more than it saves).
  void for_each(size_t n, const std::function<void(size_t)>& fn, size_t min_per_thread = 1);
  // Off: every loop runs on the caller alone (engine/loop_sharing.hpp); on by default.
  void set_sharing(bool share) { sharing_ = share; }
  bool sharing() const { return sharing_; }

 private:
  void work();
  void run_chunks();

  // state_: bit 62 set while a loop is open to workers; low bits: workers inside it.
  static constexpr int64_t kOpen = int64_t{1} << 62;

  int threads_ = 1;
  bool sharing_ = true;
  std::vector<std::thread> workers_;
  std::atomic<uint64_t> generation_{0};  // one more for each loop (and for the stop)
  std::atomic<int64_t> state_{0};
  std::atomic<size_t> next_chunk_{0};
  const std::function<void(size_t)>* fn_ = nullptr;
  size_t n_ = 0;
  size_t chunk_ = 1;
  size_t chunks_ = 0;
  std::atomic<bool> stopping_{false};
  std::mutex error_mutex_;
  size_t error_index_ = SIZE_MAX;  // the lowest failing index of the loop
  std::exception_ptr error_;
};

}  // namespace fleetsim::engine
