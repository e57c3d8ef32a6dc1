#include "engine/loop_sharing.hpp"

#include <algorithm>

namespace fleetsim::engine {

double SharingChooser::estimate(int way) const {
  const auto w = static_cast<size_t>(way);
  const size_t n = std::min(count_[w], kKept);
  if (n == 0) return 0.0;
  std::array<double, kKept> v = kept_[w];
  std::sort(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(n));
  return n % 2 == 1 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

bool SharingChooser::prefers_sharing() const {
  return estimate(1) < kMargin * estimate(0);
}

bool SharingChooser::next_block_shares() {
  if (block_ < kTrialBlocks) {
    shares_ = block_ % 2 == 0;
  } else {
    const bool recheck = (block_ - kTrialBlocks) % kRecheckEvery == kRecheckEvery - 1;
    shares_ = prefers_sharing() != recheck;
  }
  return shares_;
}

void SharingChooser::block_done(double seconds_per_hour) {
  const size_t way = shares_ ? 1 : 0;
  kept_[way][count_[way] % kKept] = seconds_per_hour;
  ++count_[way];
  ++block_;
}

}  // namespace fleetsim::engine
