#include <catch2/catch.hpp>

#include <vector>

#include "engine/hour_window.hpp"

using namespace fleetsim::engine;

namespace {

// Each site adds its index to a per-site accumulator each hour; the region phase sums
// sites in index order; the global phase records that it saw the previous hour complete.
class CountingModel final : public WindowedModel {
 public:
  explicit CountingModel(size_t sites) : site_totals(sites, 0.0) {}
  void global_phase(int64_t hour) override { global_hours.push_back(hour); }
  void site_phase(size_t site, int64_t hour) override {
    site_totals[site] += 0.1 * static_cast<double>(site + 1) + static_cast<double>(hour) * 1e-3;
  }
  void ledger_phase(size_t region, int64_t hour) override {
    double sum = 0.0;
    for (double v : site_totals) sum += v;
    if (region == 0) region_sums.push_back(sum + static_cast<double>(hour));
  }
  std::vector<double> site_totals;
  std::vector<int64_t> global_hours;
  std::vector<double> region_sums;
};

}  // namespace

TEST_CASE("the window runner runs every phase every hour, the same for any thread count", "[engine]") {
  CountingModel one(13);
  run_hour_windows(one, {48, 13, 3, 1, fleetsim::engine::LoopSharing::kMeasured, {}});
  CHECK(one.global_hours.size() == 48);
  CHECK(one.global_hours.back() == 47);
  for (const auto sharing : {fleetsim::engine::LoopSharing::kAlways, fleetsim::engine::LoopSharing::kNever,
                             fleetsim::engine::LoopSharing::kMeasured}) {
    CountingModel two(13);
    run_hour_windows(two, {48, 13, 3, 2, sharing, {}});
    CHECK(two.global_hours.size() == 48);
    CHECK(one.site_totals == two.site_totals);  // bit-identical
    CHECK(one.region_sums == two.region_sums);
  }
}

TEST_CASE("an exception in a phase stops the run and reaches the caller", "[engine]") {
  class Failing final : public WindowedModel {
   public:
    void global_phase(int64_t) override {}
    void site_phase(size_t site, int64_t hour) override {
      if (hour == 3 && site == 1) throw std::runtime_error("site failed");
    }
    void ledger_phase(size_t, int64_t) override {}
  } model;
  CHECK_THROWS_WITH(run_hour_windows(model, {10, 4, 1, 2, fleetsim::engine::LoopSharing::kAlways, {}}), "site failed");
}
