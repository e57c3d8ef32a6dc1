// What a page costs the first time (docs/performance.md, "Fresh pages"): writing 256 MiB into
// pages just mapped from the kernel (each one a fault and a clear), into pages the process
// already holds, and into a block malloc'd and freed again with the CLI's memory policy
// (core::keep_freed_memory: the block stays in the heap between iterations). Bytes per second
// are the rate at which a run can fill its series and tables.
#include <benchmark/benchmark.h>
#include <sys/mman.h>

#include <cstdlib>
#include <cstring>
#include <new>

#include "core/memory.hpp"

namespace {

constexpr size_t kBytes = size_t{256} << 20;

void* map_bytes() {
  void* p = mmap(nullptr, kBytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) throw std::bad_alloc();
  return p;
}

// Fresh pages: mapped, written once, unmapped (what glibc does by default for a block > 32 MiB);
// with `huge`, asked for as transparent huge pages (madvise): a fault per 2 MiB, if the kernel
// has huge pages free or can make them (its `defrag` setting decides whether it compacts memory
// at the fault).
void write_fresh(benchmark::State& state, bool huge) {
  for (auto _ : state) {
    void* p = map_bytes();
    if (huge) madvise(p, kBytes, MADV_HUGEPAGE);
    std::memset(p, 1, kBytes);
    benchmark::DoNotOptimize(p);
    munmap(p, kBytes);
  }
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(kBytes));
}
void bm_fresh_pages(benchmark::State& state) {
  write_fresh(state, false);
}
BENCHMARK(bm_fresh_pages)->Unit(benchmark::kMillisecond);
void bm_fresh_huge_pages(benchmark::State& state) {
  write_fresh(state, true);
}
BENCHMARK(bm_fresh_huge_pages)->Unit(benchmark::kMillisecond);

// Held pages: the same write into a mapping touched before the timing.
void bm_held_pages(benchmark::State& state) {
  void* p = map_bytes();
  std::memset(p, 0, kBytes);
  for (auto _ : state) {
    std::memset(p, 1, kBytes);
    benchmark::DoNotOptimize(p);
  }
  munmap(p, kBytes);
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(kBytes));
}
BENCHMARK(bm_held_pages)->Unit(benchmark::kMillisecond);

// malloc, write, free under the CLI's policy: from the second iteration on, the heap's pages.
void bm_kept_heap(benchmark::State& state) {
  if (!fleetsim::core::keep_freed_memory()) {
    state.SkipWithError("the C library ignores the memory policy here");
    return;
  }
  for (auto _ : state) {
    void* p = std::malloc(kBytes);
    if (p == nullptr) throw std::bad_alloc();
    std::memset(p, 1, kBytes);
    benchmark::DoNotOptimize(p);
    std::free(p);
  }
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(kBytes));
}
BENCHMARK(bm_kept_heap)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
