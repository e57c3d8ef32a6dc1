// The sweep folder lock: one sweep, or the shards of one sweep, at a time. flock locks belong
// to open files, so two locks taken in this one process conflict as two processes' would.
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <optional>
#include <string>

#include "core/error.hpp"
#include "run/sweep.hpp"
#include "run/sweep_lock.hpp"

using namespace fleetsim;
namespace fs = std::filesystem;

namespace {

run::SweepOptions options_for(const fs::path& dir, int64_t shard, int64_t shards, bool merge = false) {
  run::SweepOptions o;
  o.output_dir = dir.string();
  o.shard = shard;
  o.shards = shards;
  o.merge_only = merge;
  return o;
}

std::string refusal(const run::SweepOptions& o) {
  try {
    run::SweepLock::acquire(o);
  } catch (const core::InputError& e) {
    return e.what();
  }
  return "locked";
}

}  // namespace

TEST_CASE("a sweep folder is locked by one whole sweep at a time", "[run]") {
  const fs::path dir = fs::temp_directory_path() / ("fleetsim_lock_whole_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  const std::string holder = "pid " + std::to_string(::getpid()) + " on host ";
  {
    const run::SweepLock first = run::SweepLock::acquire(options_for(dir, 1, 1));
    CHECK(first.warning().empty());
    const std::string second = refusal(options_for(dir, 1, 1));
    CHECK_THAT(second, Catch::StartsWith(dir.string() + ": is in use by another fleetsim sweep (" + holder));
    CHECK_THAT(second, Catch::EndsWith("two sweeps in one folder would delete each other's temporary files; wait "
                                       "for it to end, or use another folder"));
    CHECK_THAT(refusal(options_for(dir, 1, 1, true)), Catch::Contains("is in use by another fleetsim sweep"));
    CHECK_THAT(refusal(options_for(dir, 1, 2)), Catch::Contains("is in use by another fleetsim sweep"));
  }
  CHECK(refusal(options_for(dir, 1, 1)) == "locked");  // released with the first
  {
    const run::SweepLock merge = run::SweepLock::acquire(options_for(dir, 1, 1, true));
    CHECK_THAT(refusal(options_for(dir, 1, 1)), Catch::Contains("is in use by a fleetsim sweep --merge (" + holder));
  }
  fs::remove_all(dir);
}

TEST_CASE("the shards of one sweep share its folder; a second copy of a shard or another count does not", "[run]") {
  const fs::path dir = fs::temp_directory_path() / ("fleetsim_lock_shards_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  {
    const run::SweepLock one = run::SweepLock::acquire(options_for(dir, 1, 2));
    const run::SweepLock two = run::SweepLock::acquire(options_for(dir, 2, 2));
    CHECK_THAT(refusal(options_for(dir, 1, 2)), Catch::Contains("is in use by another copy of shard 1/2 (pid "));
    CHECK_THAT(refusal(options_for(dir, 1, 3)), Catch::Contains("is in use by the shards of 2 of a fleetsim sweep"));
    CHECK_THAT(refusal(options_for(dir, 1, 1)), Catch::Contains("is in use by the shards of 2 of a fleetsim sweep"));
    CHECK_THAT(refusal(options_for(dir, 1, 1, true)), Catch::Contains("is in use by the shards of 2"));
  }
  {
    // the shards of 2 have ended: the folder is free for shards of another count
    const run::SweepLock three = run::SweepLock::acquire(options_for(dir, 1, 3));
    CHECK_THAT(refusal(options_for(dir, 1, 2)), Catch::Contains("is in use by the shards of 3"));
  }
  CHECK(refusal(options_for(dir, 1, 1, true)) == "locked");
  fs::remove_all(dir);
}
