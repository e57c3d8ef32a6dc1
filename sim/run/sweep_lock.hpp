#pragma once
// The lock that gives a sweep folder to one sweep at a time (docs/reliability.md, "Output and
// sweeps"). Two sweeps writing one folder (a requeued Slurm job while the old one still runs)
// would each remove the other's live temporary files as stale. An advisory lock (flock) on
// files in the folder, held for the sweep's life and released by the kernel when the process
// ends however it ends, prevents it:
//
// - A whole sweep (shard 1/1) or a merge holds `.fleetsim-sweep.lock` exclusively: it is
//   alone in the folder.
// - Shard K of N (--shard, or a Slurm array task) holds `.fleetsim-sweep.lock` shared, beside
//   the other shards of the same N, whose runs are disjoint (index % N), and
//   `.fleetsim-sweep.shard-K-of-N.lock` exclusively, so a second copy of one shard is refused.
//   The first shard to lock the folder writes its N in the lock file; a shard of another N is
//   refused while any shard holds the folder (changing N would give shards overlapping runs).
// - An MPI sweep is locked by rank 0 for all its ranks: rank 0 hands out every run and
//   outlives them.
// Each lock file holds its holder's process id, host and start time, for the message that
// refuses a second sweep. Given these locks, a temporary file of a run is never another live
// process's, so each process removes the stale temporaries of the runs it runs, and only those.
// On a file system without flock (some parallel file systems), the sweep runs unlocked with a
// warning. The lock files stay in the folder (removing one could race with its next holder).

#include <cstdint>
#include <string>

namespace fleetsim::run {

struct SweepOptions;

class SweepLock {
 public:
  // Locks options.output_dir (which exists) for a whole sweep, a merge or a shard, as above.
  // Throws core::InputError naming the folder and the holder if another sweep holds it.
  static SweepLock acquire(const SweepOptions& options);
  SweepLock() = default;
  SweepLock(SweepLock&& other) noexcept;
  SweepLock& operator=(SweepLock&& other) noexcept;
  SweepLock(const SweepLock&) = delete;
  SweepLock& operator=(const SweepLock&) = delete;
  ~SweepLock();

  // Non-empty when the folder could not be locked because its file system has no flock.
  const std::string& warning() const { return warning_; }

 private:
  void release() noexcept;
  int folder_fd_ = -1;
  int shard_fd_ = -1;
  std::string warning_;
};

}  // namespace fleetsim::run
