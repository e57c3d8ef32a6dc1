// The runner's measured choice of sharing an hour's loops (engine/loop_sharing.hpp).
#include <catch2/catch.hpp>

#include <vector>

#include "engine/loop_sharing.hpp"

using fleetsim::engine::SharingChooser;

namespace {

// The ways the chooser takes for `blocks` blocks when a block takes `inline_s` per hour on the
// calling thread and `shared_s` shared (each a function of the block's index).
template <class Inline, class Shared>
std::vector<bool> ways(int64_t blocks, Inline inline_s, Shared shared_s) {
  SharingChooser chooser;
  std::vector<bool> out;
  for (int64_t b = 0; b < blocks; ++b) {
    const bool shares = chooser.next_block_shares();
    out.push_back(shares);
    chooser.block_done(shares ? shared_s(b) : inline_s(b));
  }
  return out;
}

int64_t shared_blocks(const std::vector<bool>& w, size_t from, size_t to) {
  int64_t n = 0;
  for (size_t b = from; b < to; ++b) n += w[b] ? 1 : 0;
  return n;
}

}  // namespace

TEST_CASE("the runner tries both ways, then keeps the faster and checks the other now and then", "[engine]") {
  constexpr auto kTrials = static_cast<size_t>(SharingChooser::kTrialBlocks);
  constexpr auto kEvery = static_cast<size_t>(SharingChooser::kRecheckEvery);
  // sharing 20% faster
  const auto faster = ways(
      8 + 64, [](int64_t) { return 1.0; }, [](int64_t) { return 0.8; });
  for (size_t b = 0; b < kTrials; ++b) CHECK(faster[b] == (b % 2 == 0));  // alternating, shared first
  for (size_t b = kTrials; b < faster.size(); ++b) {
    INFO("block " << b);
    CHECK(faster[b] == ((b - kTrials) % kEvery != kEvery - 1));  // one block in 16 the other way
  }
  // sharing 10% slower: the calling thread, with a shared block in 16
  const auto slower = ways(
      8 + 64, [](int64_t) { return 1.0; }, [](int64_t) { return 1.1; });
  CHECK(shared_blocks(slower, kTrials, slower.size()) == 4);
  // sharing 1% faster is not worth a core: within the margin, the calling thread
  const auto marginal = ways(
      8 + 64, [](int64_t) { return 1.0; }, [](int64_t) { return 0.99; });
  CHECK(shared_blocks(marginal, kTrials, marginal.size()) == 4);
}

TEST_CASE("the runner follows a machine whose load changes", "[engine]") {
  // sharing pays for the first 40 blocks (a free core), then costs 30% (another process took it)
  const auto w = ways(
      200, [](int64_t) { return 1.0; }, [](int64_t b) { return b < 40 ? 0.7 : 1.3; });
  CHECK(shared_blocks(w, 8, 40) >= 28);
  CHECK(shared_blocks(w, 60, 200) <= 140 / 16 + 1);  // back on the calling thread, checking
  // and the other way round: the second core comes free later
  const auto v = ways(
      200, [](int64_t) { return 1.0; }, [](int64_t b) { return b < 40 ? 1.3 : 0.7; });
  CHECK(shared_blocks(v, 8, 40) <= 3);
  CHECK(shared_blocks(v, 100, 200) >= 100 - 100 / 16 - 1);
}

TEST_CASE("a block that lost a time slice does not decide", "[engine]") {
  // sharing 10% slower; one block in 7 of either way five times longer (the calling thread
  // preempted by another thread of the process)
  auto slow = [](double base) { return [base](int64_t b) { return b % 7 == 3 ? 5.0 * base : base; }; };
  const auto w = ways(8 + 160, slow(1.0), slow(1.1));
  CHECK(shared_blocks(w, 8, w.size()) == 10);  // the rechecks only
}

TEST_CASE("a run shorter than the trials alternates", "[engine]") {
  const auto w = ways(
      3, [](int64_t) { return 1.0; }, [](int64_t) { return 2.0; });
  CHECK(w == std::vector<bool>{true, false, true});
}
