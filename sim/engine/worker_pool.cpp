#include "engine/worker_pool.hpp"

#include <system_error>

namespace fleetsim::engine {

namespace {

// Spins (about 10 us) before sleeping: a loop usually follows within microseconds in a busy
// run, and a futex wake-up costs more than that.
constexpr int kSpins = 256;

inline void cpu_relax() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#else
  std::this_thread::yield();
#endif
}

// Waits until `value` is no longer `old`: a short spin, then the kernel.
template <class T>
T wait_change(const std::atomic<T>& value, T old) {
  for (int i = 0; i < kSpins; ++i) {
    const T now = value.load(std::memory_order_acquire);
    if (now != old) return now;
    cpu_relax();
  }
  value.wait(old, std::memory_order_acquire);
  return value.load(std::memory_order_acquire);
}

}  // namespace

WorkerPool::WorkerPool(int threads) : threads_(threads < 1 ? 1 : threads), errors_(static_cast<size_t>(threads_)) {
  workers_.reserve(static_cast<size_t>(threads_ - 1));
  for (int t = 1; t < threads_; ++t) {
    try {
      workers_.emplace_back([this, t] { work(t); });
    } catch (const std::system_error&) {
      threads_ = t;  // no more threads to be had: the ones started share the work
      break;
    }
  }
  errors_.resize(static_cast<size_t>(threads_));
}

WorkerPool::~WorkerPool() {
  stopping_ = true;
  generation_.fetch_add(1, std::memory_order_release);
  generation_.notify_all();
  for (std::thread& w : workers_) w.join();
}

void WorkerPool::run_block(int t) {
  const size_t first = n_ * static_cast<size_t>(t) / static_cast<size_t>(threads_);
  const size_t last = n_ * static_cast<size_t>(t + 1) / static_cast<size_t>(threads_);
  try {
    for (size_t i = first; i < last; ++i) (*fn_)(i);
  } catch (...) {
    errors_[static_cast<size_t>(t)] = std::current_exception();
  }
}

void WorkerPool::work(int t) {
  uint64_t seen = 0;
  while (true) {
    seen = wait_change(generation_, seen);
    if (stopping_) return;
    run_block(t);
    if (remaining_.fetch_sub(1, std::memory_order_acq_rel) == 1) remaining_.notify_one();
  }
}

void WorkerPool::for_each(size_t n, const std::function<void(size_t)>& fn) {
  if (threads_ == 1 || n < 2) {
    for (size_t i = 0; i < n; ++i) fn(i);
    return;
  }
  fn_ = &fn;
  n_ = n;
  for (std::exception_ptr& e : errors_) e = nullptr;
  remaining_.store(threads_ - 1, std::memory_order_relaxed);
  generation_.fetch_add(1, std::memory_order_release);  // publishes fn_, n_, remaining_
  generation_.notify_all();
  run_block(0);
  for (int left = remaining_.load(std::memory_order_acquire); left != 0;) left = wait_change(remaining_, left);
  fn_ = nullptr;
  for (const std::exception_ptr& e : errors_) {
    if (e) std::rethrow_exception(e);
  }
}

}  // namespace fleetsim::engine
