// sort_by_submit: jobs in order of submission, and jobs submitted at the same second in the
// order they came (listed, then synthetic generators, then traces: job ids are deterministic).
#include <catch2/catch.hpp>

#include <algorithm>
#include <random>
#include <string>
#include <vector>

#include "workload/job.hpp"

using namespace fleetsim;

namespace {
// Sorts `jobs` with sort_by_submit and checks the result against std::stable_sort's.
void check_sorted_as_stable_sort(std::vector<workload::TrainingJob>& jobs) {
  std::vector<workload::TrainingJob> expected = jobs;
  std::stable_sort(expected.begin(), expected.end(),
                   [](const auto& a, const auto& b) { return a.submit_s < b.submit_s; });
  workload::sort_by_submit(jobs);
  REQUIRE(jobs.size() == expected.size());
  for (size_t i = 0; i < jobs.size(); ++i) {
    INFO("position " << i);
    REQUIRE(jobs[i].name == expected[i].name);
    REQUIRE(jobs[i].submit_s == expected[i].submit_s);
    REQUIRE(jobs[i].allowed_regions == expected[i].allowed_regions);
  }
}
}  // namespace

TEST_CASE("sort_by_submit orders by submission and keeps the order of ties", "[workload]") {
  std::mt19937_64 rng(3);
  std::vector<workload::TrainingJob> jobs(5000);
  for (size_t i = 0; i < jobs.size(); ++i) {
    jobs[i].name = std::to_string(i);
    jobs[i].submit_s = static_cast<core::Seconds>(rng() % 400);  // many ties
    jobs[i].allowed_regions = {std::to_string(i % 7)};
  }
  check_sorted_as_stable_sort(jobs);
}

TEST_CASE("sort_by_submit leaves jobs already in order as they are", "[workload]") {
  std::vector<workload::TrainingJob> jobs(3);
  for (size_t k = 0; k < jobs.size(); ++k) jobs[k].name = std::to_string(k);
  jobs[2].submit_s = 5;
  workload::sort_by_submit(jobs);
  CHECK(jobs[0].name == "0");
  CHECK(jobs[1].name == "1");
  CHECK(jobs[2].name == "2");
}

TEST_CASE("sort_by_submit merges a few sources in order, and keeps the order of ties", "[workload]") {
  // A run's list: sources each in order (generators, traces), with ties within and across
  // them; 1 to 20 sources, so both the merge of runs and the sort by keys are taken.
  std::mt19937_64 rng(17);
  for (const size_t sources : {1, 2, 3, 5, 16, 17, 20}) {
    std::vector<workload::TrainingJob> jobs;
    for (size_t s = 0; s < sources; ++s) {
      const size_t count = 1 + rng() % 900;
      core::Seconds t = static_cast<core::Seconds>(rng() % 50);
      for (size_t k = 0; k < count; ++k) {
        workload::TrainingJob job;
        job.name = std::to_string(s) + "-" + std::to_string(k);
        job.submit_s = t;
        job.allowed_regions = {job.name};
        jobs.push_back(job);
        t += static_cast<core::Seconds>(rng() % 3);  // many ties
      }
    }
    INFO(sources << " sources");
    check_sorted_as_stable_sort(jobs);
  }
}
