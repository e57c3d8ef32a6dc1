#pragma once
// How the process takes memory from the kernel (docs/performance.md, "Fresh pages").

namespace fleetsim::core {

// Asks the C library to keep the memory a run frees for the next allocation instead of
// handing it back to the kernel: large blocks are served from the heap, not from a mapping of
// their own, and the heap is never trimmed. A page the kernel hands out costs a fault and a
// clear (0.75-0.9 s per GiB on the reference VM, `bench_memory`, 16x the cost of writing a
// page already held), and a run frees and retakes hundreds of MB (the job table, the output
// buffers; a sweep, each run's series). In glibc this holds for the main thread's heap only: a
// block over 64 MiB taken by another thread still gets a mapping (glibc's per-thread arenas),
// and a thread's emptied heap may be unmapped, so large buffers meant to be reused are best
// allocated on the main thread (run::simulate reserves its series there).
// The resident size stays at the run's peak until the process ends, so it is for programs
// that run simulations and exit (the CLI), not for a host process such as Python.
// Call it before the first large allocation. Returns whether the C library took the settings
// (false outside glibc, and under a sanitizer, whose allocator ignores them).
bool keep_freed_memory();

}  // namespace fleetsim::core
