#include <catch2/catch.hpp>

#include <atomic>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "engine/worker_pool.hpp"

using fleetsim::engine::WorkerPool;

TEST_CASE("the worker pool runs every index once, in fixed blocks, the caller taking the first", "[engine]") {
  for (const int threads : {1, 2, 3, 7}) {
    WorkerPool pool(threads);
    for (const size_t n : {size_t{0}, size_t{1}, size_t{5}, size_t{1000}}) {
      std::vector<int> runs(n, 0);
      std::vector<std::thread::id> by(n);
      pool.for_each(n, [&](size_t i) {
        ++runs[i];
        by[i] = std::this_thread::get_id();
      });
      INFO("threads " << threads << ", n " << n);
      for (size_t i = 0; i < n; ++i) CHECK(runs[i] == 1);
      if (n < 2) continue;
      // block t = [n t / T, n (t + 1) / T): one thread per block, a different one for each,
      // block 0 on the caller (blocks may be empty when n < T)
      const auto t_of = [&](size_t i) {
        for (int t = 0; t < pool.threads(); ++t) {
          if (i < n * static_cast<size_t>(t + 1) / static_cast<size_t>(pool.threads())) return t;
        }
        return -1;
      };
      for (size_t i = 0; i < n; ++i) CHECK((by[i] == std::this_thread::get_id()) == (t_of(i) == 0));
      for (size_t i = 1; i < n; ++i) {
        if (t_of(i) == t_of(i - 1)) CHECK(by[i] == by[i - 1]);
        if (t_of(i) != t_of(i - 1)) CHECK(by[i] != by[i - 1]);
      }
    }
  }
}

TEST_CASE("the worker pool rethrows the first failure by block, after every block ran", "[engine]") {
  WorkerPool pool(3);
  std::atomic<int> ran{0};
  CHECK_THROWS_WITH(pool.for_each(9,
                                  [&](size_t i) {
                                    ++ran;
                                    if (i == 4 || i == 8) throw std::runtime_error("index " + std::to_string(i));
                                  }),
                    "index 4");
  CHECK(ran == 8);  // block [6, 9) stops at its failure (8 is its last index): 9 indices, none after a throw
  // the pool is usable afterwards
  std::atomic<int> after{0};
  pool.for_each(100, [&](size_t) { ++after; });
  CHECK(after == 100);
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
