#include "workload/synthetic.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>

#include "core/rng.hpp"

namespace fleetsim::workload {
namespace {

void require(bool ok, const SyntheticSpec& spec, const char* field, double value, const char* rule) {
  if (!ok) {
    throw std::invalid_argument("synthetic generator '" + spec.name + "': " + field + " = " + std::to_string(value) +
                                " must be " + rule);
  }
}

}  // namespace

void check_synthetic(const SyntheticSpec& s) {
  require(std::isfinite(s.arrivals_per_day) && s.arrivals_per_day > 0.0, s, "arrivals_per_day", s.arrivals_per_day,
          "> 0");
  require(s.end_s >= s.start_s, s, "end", static_cast<double>(s.end_s), ">= start");
  if (s.gpus.empty()) throw std::invalid_argument("synthetic generator '" + s.name + "': gpus is empty");
  for (int64_t g : s.gpus) require(g > 0, s, "gpus", static_cast<double>(g), "> 0");
  if (!s.gpus_weights.empty() && s.gpus_weights.size() != s.gpus.size()) {
    throw std::invalid_argument("synthetic generator '" + s.name + "': gpus_weights has " +
                                std::to_string(s.gpus_weights.size()) + " entries, gpus has " +
                                std::to_string(s.gpus.size()));
  }
  double total = 0.0;
  for (double w : s.gpus_weights) {
    require(std::isfinite(w) && w >= 0.0, s, "gpus_weights", w, ">= 0");
    total += w;
  }
  if (!s.gpus_weights.empty()) require(total > 0.0, s, "sum of gpus_weights", total, "> 0");
  require(std::isfinite(s.duration_median_h) && s.duration_median_h > 0.0, s, "duration_median_h", s.duration_median_h,
          "> 0");
  require(std::isfinite(s.duration_sigma) && s.duration_sigma >= 0.0, s, "duration_sigma", s.duration_sigma, ">= 0");
  require(std::isfinite(s.duration_min_h) && s.duration_min_h > 0.0, s, "duration_min_h", s.duration_min_h, "> 0");
  require(std::isfinite(s.duration_max_h) && s.duration_max_h >= s.duration_min_h, s, "duration_max_h",
          s.duration_max_h, ">= duration_min_h");
  if (s.deadline) {
    try {
      check_deadline_rule(*s.deadline);
    } catch (const std::invalid_argument& e) {
      throw std::invalid_argument("synthetic generator '" + s.name + "': " + e.what());
    }
  }
  require(std::isfinite(s.annual_growth) && s.annual_growth > -1.0, s, "annual_growth", s.annual_growth, "> -1");
  require(std::isfinite(s.utilization) && s.utilization > 0.0 && s.utilization <= 1.0, s, "utilization", s.utilization,
          "in (0, 1]");
}

double synthetic_expected_count(const SyntheticSpec& spec) {
  check_synthetic(spec);
  // The integral of the rate r0 b^(t/Y) over [start, end) (see below): with D = end - start and
  // x = ln b D / Y, it is r0 D b^(start/Y) expm1(x) / x, which tends to r0 D as b -> 1 (a
  // difference of exponentials would lose every digit for a growth near 0).
  const double rate_per_s = spec.arrivals_per_day / static_cast<double>(core::kSecondsPerDay);
  const double year_s = 8760.0 * static_cast<double>(core::kSecondsPerHour);
  const double ln_b = std::log1p(spec.annual_growth);
  const auto start = static_cast<double>(spec.start_s);
  const auto span = static_cast<double>(spec.end_s - spec.start_s);
  const double x = ln_b * span / year_s;
  const double growth = x == 0.0 ? 1.0 : std::expm1(x) / x;
  return rate_per_s * span * std::exp(ln_b * start / year_s) * growth;
}

size_t synthetic_capacity(const SyntheticSpec& spec) {
  const double expected = synthetic_expected_count(spec);
  const double room = expected + 4.0 * std::sqrt(expected) + 16.0;
  // beyond size_t (or infinite): the most there is, which no reserve can give
  return room < 0x1p63 ? static_cast<size_t>(room) : std::numeric_limits<size_t>::max();
}

std::vector<TrainingJob> generate_synthetic(const SyntheticSpec& spec, uint64_t seed, uint64_t entity) {
  std::vector<TrainingJob> jobs;
  jobs.reserve(synthetic_capacity(spec));
  append_synthetic(spec, seed, entity, jobs);
  return jobs;
}

void append_synthetic(const SyntheticSpec& spec, uint64_t seed, uint64_t entity, std::vector<TrainingJob>& jobs) {
  check_synthetic(spec);
  core::RngStream arrivals(seed, entity, core::RngPurpose::kJobArrivals);
  core::RngStream sizes(seed, entity, core::RngPurpose::kJobSizes);
  core::RngStream durations(seed, entity, core::RngPurpose::kJobDurations);
  std::vector<double> weights = spec.gpus_weights;
  if (weights.empty()) weights.assign(spec.gpus.size(), 1.0);

  const double rate_per_s = spec.arrivals_per_day / static_cast<double>(core::kSecondsPerDay);
  const double mu = std::log(spec.duration_median_h);
  double t = static_cast<double>(spec.start_s);
  // With growth, the rate is r0 b^(t/Y) (b = 1 + g, Y = 8,760 h), its integral from 0 is
  // L(t) = r0 Y / ln b (b^(t/Y) - 1), and arrivals are at L(t_n) = L(start) + E_n with E_n the
  // running sum of unit exponential gaps (time rescaling of a Poisson process).
  const double ln_b = std::log1p(spec.annual_growth);
  const double year_s = 8760.0 * static_cast<double>(core::kSecondsPerHour);
  const double scale = ln_b / (rate_per_s * year_s);                              // 1 / (r0 Y / ln b)
  double cumulative = ln_b == 0.0 ? 0.0 : std::expm1(ln_b * t / year_s) / scale;  // L(start)
  for (int64_t n = 0;; ++n) {
    if (ln_b == 0.0) {
      t += arrivals.exponential(rate_per_s);
    } else {
      cumulative += arrivals.exponential(1.0);
      const double arg = cumulative * scale;  // b^(t/Y) - 1
      if (!(arg > -1.0)) break;               // a declining rate whose total is used up
      t = std::log1p(arg) * year_s / ln_b;
    }
    const auto submit = static_cast<core::Seconds>(std::floor(t));
    if (submit >= spec.end_s) break;
    TrainingJob job;
    job.name = spec.name + "-" + std::to_string(n);
    job.gpus = spec.gpus[sizes.weighted_index(weights)];
    const double hours =
        std::clamp(durations.lognormal(mu, spec.duration_sigma), spec.duration_min_h, spec.duration_max_h);
    job.duration_s = std::max<core::Seconds>(1, std::llround(hours * static_cast<double>(core::kSecondsPerHour)));
    job.submit_s = submit;
    if (spec.deadline) job.deadline_s = job_deadline_s(*spec.deadline, submit, job.duration_s);
    job.gpu_type = spec.gpu_type;
    job.utilization = spec.utilization;
    job.allowed_regions = spec.allowed_regions;
    job.flexibility = spec.flexibility;
    job.checkpoint_s = spec.checkpoint_s;
    job.source = JobSource::kSynthetic;
    jobs.push_back(std::move(job));
  }
}

}  // namespace fleetsim::workload
