// sort_by_submit: jobs in order of submission, and jobs submitted at the same second in the
// order they came (listed, then synthetic generators, then traces: job ids are deterministic).
#include <catch2/catch.hpp>

#include <random>
#include <string>
#include <vector>

#include "workload/job.hpp"

using namespace fleetsim;

TEST_CASE("sort_by_submit orders by submission and keeps the order of ties", "[workload]") {
  std::mt19937_64 rng(3);
  std::vector<workload::TrainingJob> jobs(5000);
  for (size_t i = 0; i < jobs.size(); ++i) {
    jobs[i].name = std::to_string(i);
    jobs[i].submit_s = static_cast<core::Seconds>(rng() % 400);  // many ties
    jobs[i].allowed_regions = {std::to_string(i % 7)};
  }
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

TEST_CASE("sort_by_submit leaves jobs already in order as they are", "[workload]") {
  std::vector<workload::TrainingJob> jobs(3);
  for (size_t k = 0; k < jobs.size(); ++k) jobs[k].name = std::to_string(k);
  jobs[2].submit_s = 5;
  workload::sort_by_submit(jobs);
  CHECK(jobs[0].name == "0");
  CHECK(jobs[1].name == "1");
  CHECK(jobs[2].name == "2");
}
