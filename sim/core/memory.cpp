#include "core/memory.hpp"

#include <cstdlib>  // defines __GLIBC__ under glibc

#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace fleetsim::core {

bool keep_freed_memory() {
#if defined(__GLIBC__)
  // glibc serves blocks above M_MMAP_THRESHOLD (at most 32 MiB) from their own mapping and
  // unmaps them at free; M_MMAP_MAX 0 sends them to the heap. A heap top above
  // M_TRIM_THRESHOLD is returned at free; -1 turns trimming off (mallopt(3)).
  const bool heap_only = mallopt(M_MMAP_MAX, 0) == 1;  // mallopt returns 1 on success
  const bool untrimmed = mallopt(M_TRIM_THRESHOLD, -1) == 1;
  return heap_only && untrimmed;
#else
  return false;
#endif
}

}  // namespace fleetsim::core
