#pragma once
// Whether the runner shares an hour's loops with its other threads (docs/architecture.md,
// "Parallelism"). Sharing pays only when the hour's per-site work outweighs waking a sleeping
// worker and moving the sites' state between cores, and when a core is free for it: on a
// 200-site fleet (36-93 us of site work an hour) or with the output compressor on the second
// core it cost 5-7% (docs/performance.md, "Threads"). So by default the runner measures it on
// the run itself, a block of hours at a time, and keeps the faster way. Which thread runs a
// site never changes a result, so neither does the choice.

#include <array>
#include <cstddef>
#include <cstdint>

namespace fleetsim::engine {

enum class LoopSharing {
  kMeasured,  // blocks of hours each way at the start, then the faster, checked again now and then
  kAlways,    // every loop shared (as before 2026-12-04; for tests of the shared path)
  kNever,     // every loop on the calling thread
};

// The measured choice, block by block: the first kTrialBlocks blocks alternate (shared first);
// then a block shares when the shared way's estimate is below kMargin x the other's; every
// kRecheckEvery-th block after the trials runs the other way, to follow a machine whose load
// changes. A way's estimate is the median time per hour of its last kKept blocks: a block in
// which the calling thread lost a time slice to another thread (4 ms, several times a block's
// work on a small fleet) must not decide.
class SharingChooser {
 public:
  static constexpr int64_t kBlockHours = 24;
  static constexpr int64_t kTrialBlocks = 8;
  static constexpr int64_t kRecheckEvery = 16;
  static constexpr double kMargin = 0.98;  // sharing costs a core: it must save 2% to be kept
  static constexpr size_t kKept = 5;

  // Whether the next block shares its loops.
  bool next_block_shares();
  // The block just run (its way as next_block_shares said) took this many seconds per hour.
  void block_done(double seconds_per_hour);

  // The way the blocks after the trials take, from the estimates so far.
  bool prefers_sharing() const;

 private:
  // The median of a way's kept blocks (0 before its first).
  double estimate(int way) const;

  int64_t block_ = 0;
  bool shares_ = true;
  // per way ([0] on the calling thread, [1] shared): its last blocks' seconds per hour, as a
  // ring, and how many it has had
  std::array<std::array<double, kKept>, 2> kept_{};
  std::array<size_t, 2> count_{};
};

}  // namespace fleetsim::engine
