#include "engine/worker_pool.hpp"

#include <system_error>

namespace fleetsim::engine {

namespace {

// Spins (some tens of microseconds) before sleeping: in a run the next loop usually comes
// within that, and waking a sleeping thread costs more.
constexpr int kSpins = 128;
// Chunks per thread and loop: small enough to balance, large enough that claiming is cheap.
constexpr size_t kChunksPerThread = 8;

inline void cpu_relax() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#else
  std::this_thread::yield();
#endif
}

}  // namespace

WorkerPool::WorkerPool(int threads) : threads_(threads < 1 ? 1 : threads) {
  const int wanted = threads_;
  threads_ = 1;
  workers_.reserve(static_cast<size_t>(wanted - 1));
  for (int t = 1; t < wanted; ++t) {
    try {
      workers_.emplace_back([this] { work(); });
      ++threads_;
    } catch (const std::system_error&) {
      break;  // no more threads to be had: the ones started share the work
    }
  }
}

WorkerPool::~WorkerPool() {
  stopping_.store(true, std::memory_order_release);
  generation_.fetch_add(1, std::memory_order_release);
  generation_.notify_all();
  for (std::thread& w : workers_) w.join();
}

void WorkerPool::run_chunks() {
  for (size_t c = next_chunk_.fetch_add(1, std::memory_order_relaxed); c < chunks_;
       c = next_chunk_.fetch_add(1, std::memory_order_relaxed)) {
    const size_t first = c * chunk_;
    const size_t last = first + chunk_ < n_ ? first + chunk_ : n_;
    size_t i = first;
    try {
      for (; i < last; ++i) (*fn_)(i);
    } catch (...) {
      const std::lock_guard lock(error_mutex_);
      if (i < error_index_) {
        error_index_ = i;
        error_ = std::current_exception();
      }
    }
  }
}

void WorkerPool::work() {
  uint64_t seen = 0;
  while (true) {
    // wait for a new loop: a short spin, then the kernel
    uint64_t now = generation_.load(std::memory_order_acquire);
    for (int i = 0; i < kSpins && now == seen; ++i) {
      cpu_relax();
      now = generation_.load(std::memory_order_acquire);
    }
    if (now == seen) {
      generation_.wait(seen, std::memory_order_acquire);
      now = generation_.load(std::memory_order_acquire);
    }
    seen = now;
    if (stopping_.load(std::memory_order_acquire)) return;
    // join the loop if it is still open (the caller may have finished it alone)
    int64_t state = state_.load(std::memory_order_acquire);
    bool joined = false;
    while ((state & kOpen) != 0) {
      if (state_.compare_exchange_weak(state, state + 1, std::memory_order_acq_rel)) {
        joined = true;
        break;
      }
    }
    if (!joined) continue;
    run_chunks();
    if (state_.fetch_sub(1, std::memory_order_acq_rel) == 1) state_.notify_one();  // the last one out, closed
  }
}

void WorkerPool::for_each(size_t n, const std::function<void(size_t)>& fn, size_t min_per_thread) {
  if (!sharing_ || threads_ == 1 || n < 2 || n < 2 * min_per_thread) {
    for (size_t i = 0; i < n; ++i) fn(i);
    return;
  }
  fn_ = &fn;
  n_ = n;
  const size_t wanted = static_cast<size_t>(threads_) * kChunksPerThread;
  chunk_ = n / wanted > 0 ? n / wanted : 1;
  chunks_ = (n + chunk_ - 1) / chunk_;
  next_chunk_.store(0, std::memory_order_relaxed);
  error_index_ = SIZE_MAX;
  error_ = nullptr;
  state_.store(kOpen, std::memory_order_release);  // publishes the loop before the wake-up
  generation_.fetch_add(1, std::memory_order_release);
  generation_.notify_all();
  run_chunks();
  // close the loop to late workers, then wait for those inside it
  int64_t state = state_.fetch_and(~kOpen, std::memory_order_acq_rel) & ~kOpen;
  while (state != 0) {
    for (int i = 0; i < kSpins && state != 0; ++i) {
      cpu_relax();
      state = state_.load(std::memory_order_acquire);
    }
    if (state != 0) {
      state_.wait(state, std::memory_order_acquire);
      state = state_.load(std::memory_order_acquire);
    }
  }
  fn_ = nullptr;
  if (error_) std::rethrow_exception(error_);
}

}  // namespace fleetsim::engine
