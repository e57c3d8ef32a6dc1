#pragma once
// Deterministic random-number streams. Every stream is derived from (seed, entity id,
// purpose) with the SplitMix64 finaliser (Steele et al., "Fast splittable pseudorandom
// number generators", OOPSLA 2014), so a stream never depends on how many numbers other
// streams drew, on thread scheduling or on the order entities are processed.
// The engine is std::mt19937_64, whose output sequence the C++ standard fixes. The
// standard's distributions are not fixed across library implementations, so the few
// distributions used here are written out and give the same numbers everywhere.

#include <cstdint>
#include <random>

namespace fleetsim::core {

enum class RngPurpose : uint64_t {
  kJobArrivals = 1,
  kJobSizes = 2,
  kJobDurations = 3,
  kJobDeadlines = 4,
  kJobTypes = 5,
  kSolarClouds = 10,
  kWindSpeed = 11,
  kGridSolar = 12,
  kGridWind = 13,
  kSweepSampling = 20,
};

uint64_t splitmix64(uint64_t x);

class RngStream {
 public:
  RngStream(uint64_t seed, uint64_t entity, RngPurpose purpose);

  // Uniform on [0, 1) with 53 random bits.
  double uniform();
  // Uniform on (0, 1]: safe for log().
  double uniform_open_low();
  // Exponential with the given rate (events per unit); mean 1/rate.
  double exponential(double rate);
  // Standard normal by the Box-Muller transform (one value per call, the pair's twin kept).
  double normal();
  // Lognormal: exp(mu + sigma * N(0,1)).
  double lognormal(double mu, double sigma);
  // Index i with probability weights[i] / sum(weights).
  template <typename Range>
  size_t weighted_index(const Range& weights) {
    double total = 0.0;
    for (double w : weights) total += w;
    double target = uniform() * total;
    size_t i = 0;
    for (double w : weights) {
      if (target < w) return i;
      target -= w;
      ++i;
    }
    return i == 0 ? 0 : i - 1;
  }

 private:
  std::mt19937_64 engine_;
  double spare_normal_ = 0.0;
  bool has_spare_ = false;
};

}  // namespace fleetsim::core
