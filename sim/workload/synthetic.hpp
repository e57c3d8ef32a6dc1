#pragma once
// Seeded synthetic training workload (docs/models.md, "Synthetic training jobs"):
//   arrivals   Poisson process, rate `arrivals_per_day` x (1 + annual_growth)^(t / 8,760 h), t from
//              the run start (exponential gaps; with growth, by inverting the cumulative rate)
//   size       GPUs drawn from `gpus` with probabilities `gpus_weights`
//   duration   lognormal, median `duration_median_h`, shape `duration_sigma`,
//              clipped to [duration_min_h, duration_max_h]
//   deadline   by its rule (workload/deadline.hpp: slack, after or next_workday), when one is given

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "workload/deadline.hpp"
#include "workload/job.hpp"

namespace fleetsim::workload {

struct SyntheticSpec {
  std::string name = "synthetic";
  double arrivals_per_day = 1.0;
  core::Seconds start_s = 0;  // first possible arrival, from the run start
  core::Seconds end_s = 0;    // arrivals stop before this time
  std::vector<int64_t> gpus{8};
  std::vector<double> gpus_weights;  // empty: equal weights
  double duration_median_h = 24.0;
  double duration_sigma = 1.0;
  double duration_min_h = 0.1;
  double duration_max_h = 720.0;
  std::optional<DeadlineRule> deadline;  // absent: no deadline
  std::string gpu_type;                  // empty: any
  double utilization = 1.0;
  std::vector<std::string> allowed_regions;
  Flexibility flexibility = Flexibility::kNone;
  core::Seconds checkpoint_s = 360;
  double annual_growth = 0.0;  // compound growth of the arrival rate per 8,760 h, > -1
};

// Checks ranges; throws std::invalid_argument naming the field and value.
void check_synthetic(const SyntheticSpec& spec);

// The jobs of one generator. `entity` separates the RNG streams of generators in one run.
std::vector<TrainingJob> generate_synthetic(const SyntheticSpec& spec, uint64_t seed, uint64_t entity);

// The same jobs appended to `jobs` (a run's list is built in place, without a copy of each
// generator's jobs). Checks the spec first: a spec that fails leaves `jobs` unchanged.
void append_synthetic(const SyntheticSpec& spec, uint64_t seed, uint64_t entity, std::vector<TrainingJob>& jobs);

// How many jobs a generator makes on average: the integral of its arrival rate (may be
// infinite for an extreme growth). Checks the spec first.
double synthetic_expected_count(const SyntheticSpec& spec);

// Room for a generator's jobs, for a reserve: its expected count plus four standard deviations
// and 16 (more are rare, and still fit, by a reallocation); SIZE_MAX when that is more than a
// size_t holds. Checks the spec first.
size_t synthetic_capacity(const SyntheticSpec& spec);

}  // namespace fleetsim::workload
