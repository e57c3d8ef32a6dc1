#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <mutex>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "engine/worker_pool.hpp"

using fleetsim::engine::WorkerPool;

TEST_CASE("the worker pool runs every index exactly once", "[engine]") {
  for (const int threads : {1, 2, 3, 7}) {
    WorkerPool pool(threads);
    for (const size_t n : {size_t{0}, size_t{1}, size_t{5}, size_t{1000}, size_t{100003}}) {
      std::vector<std::atomic<int>> runs(n);
      pool.for_each(n, [&](size_t i) { runs[i].fetch_add(1); });
      INFO("threads " << threads << ", n " << n);
      size_t once = 0;
      for (size_t i = 0; i < n; ++i) once += runs[i].load() == 1 ? 1U : 0U;
      CHECK(once == n);
    }
  }
}

TEST_CASE("the worker pool shares a long loop between its threads", "[engine]") {
  WorkerPool pool(2);
  std::mutex mutex;
  std::set<std::thread::id> ids;
  // enough work per index that the worker wakes before the caller is done
  pool.for_each(64, [&](size_t) {
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
    const std::lock_guard lock(mutex);
    ids.insert(std::this_thread::get_id());
  });
  CHECK(ids.size() == 2);
}

TEST_CASE("the worker pool rethrows the failure of the lowest index, after the other chunks ran", "[engine]") {
  for (const int threads : {1, 3}) {
    WorkerPool pool(threads);
    std::atomic<int> ran{0};
    CHECK_THROWS_WITH(pool.for_each(90,
                                    [&](size_t i) {
                                      ++ran;
                                      if (i == 40 || i == 80) throw std::runtime_error("index " + std::to_string(i));
                                    }),
                      "index 40");
    CHECK(ran >= 41);
    // the pool is usable afterwards
    std::atomic<int> after{0};
    pool.for_each(100, [&](size_t) { ++after; });
    CHECK(after == 100);
  }
}

TEST_CASE("many short loops in a row neither lose work nor hang", "[engine]") {
  WorkerPool pool(2);
  std::vector<long> sums(2, 0);
  for (int loop = 0; loop < 20000; ++loop) {
    pool.for_each(2, [&](size_t i) { sums[i] += loop; });
  }
  CHECK(sums[0] == 19999L * 20000L / 2);
  CHECK(sums[1] == sums[0]);
}
