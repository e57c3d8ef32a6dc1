#include <catch2/catch.hpp>

#include <cstdlib>
#include <cstring>

#include "core/memory.hpp"

#if defined(__GLIBC__)
#include <malloc.h>
#endif

TEST_CASE("keep_freed_memory serves large blocks from the heap and keeps them after free", "[core][memory]") {
  if (!fleetsim::core::keep_freed_memory()) {
    WARN("the C library ignored the settings (not glibc, or a sanitizer's allocator): nothing to check");
    return;
  }
#if defined(__GLIBC__)
  constexpr size_t kBytes = size_t{96} << 20;  // above glibc's largest mmap threshold (32 MiB)
  const struct mallinfo2 before = mallinfo2();
  void* block = std::malloc(kBytes);
  REQUIRE(block != nullptr);
  std::memset(block, 1, kBytes);
  const struct mallinfo2 held = mallinfo2();
  CHECK(held.hblkhd == before.hblkhd);               // not a mapping of its own
  CHECK(held.uordblks >= before.uordblks + kBytes);  // but heap in use
  std::free(block);
  const struct mallinfo2 after = mallinfo2();
  CHECK(after.arena == held.arena);                 // the heap was not trimmed
  CHECK(after.fordblks >= held.fordblks + kBytes);  // the block is free for the next allocation
#endif
}
