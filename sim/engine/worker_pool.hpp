#pragma once
// A fixed set of threads for the index loops of the hourly phases (docs/architecture.md,
// "Parallelism"). A loop over [0, n) is split into one contiguous block per thread and block t
// always runs on thread t (the caller is thread 0), so which thread does what never depends
// on timing. Between loops the workers spin for a few microseconds and then sleep in the
// kernel (C++20 atomic wait: a futex on Linux): on a machine busy with other work they take
// no CPU from it, unlike OpenMP's default active wait at its barriers.

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
  // threads >= 1: threads - 1 workers are started; the caller of for_each is thread 0.
  explicit WorkerPool(int threads);
  ~WorkerPool();
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  int threads() const { return threads_; }
  // Runs fn(i) for every i in [0, n): block t = [n t / T, n (t + 1) / T) on thread t, in
  // increasing i. Returns when every block has run; then rethrows the first exception thrown
  // (by block order), if any. Not reentrant: fn must not call for_each.
  void for_each(size_t n, const std::function<void(size_t)>& fn);

 private:
  void work(int t);
  void run_block(int t);

  int threads_ = 1;
  std::vector<std::thread> workers_;
  std::atomic<uint64_t> generation_{0};  // one more for each loop (and for the stop)
  std::atomic<int> remaining_{0};        // workers still running the current loop's blocks
  const std::function<void(size_t)>* fn_ = nullptr;
  size_t n_ = 0;
  bool stopping_ = false;
  std::vector<std::exception_ptr> errors_;  // per thread, for the current loop
};

}  // namespace fleetsim::engine
