#include <catch2/catch.hpp>

#include <filesystem>
#include <iostream>

#include "core/error.hpp"
#include "workload/trace_reader.hpp"

using namespace fleetsim::workload;

namespace {
const std::string kFixtures = std::string(FLEETSIM_SOURCE_DIR) + "/tests/fixtures/";
}

TEST_CASE("the fleetsim trace format reads required and optional columns", "[workload]") {
  TraceSpec spec;
  spec.path = kFixtures + "trace_small.csv";
  spec.offset_s = 100;
  spec.gpu_type = "H100";
  const TraceReadResult r = read_trace(spec, 1000000);
  CHECK(r.rows == 4);
  CHECK(r.skipped_no_gpu == 1);
  CHECK(r.skipped_after_horizon == 1);
  REQUIRE(r.jobs.size() == 2);
  CHECK(r.jobs[0].name == "alpha");
  CHECK(r.jobs[0].gpu_type == "A100");
  CHECK(r.jobs[0].submit_s == 100);
  CHECK(r.jobs[0].utilization == 1.0);
  CHECK_FALSE(r.jobs[0].deadline_s);
  CHECK(r.jobs[1].gpu_type == "H100");  // the spec's type for rows without one
  CHECK(r.jobs[1].gpus == 16);
  CHECK(r.jobs[1].duration_s == 7200);
  CHECK(r.jobs[1].deadline_s == 36100);
  CHECK(r.jobs[1].utilization == 0.5);
}

TEST_CASE("a trace row with a missing field names file, line and column", "[workload]") {
  TraceSpec spec;
  spec.path = kFixtures + "trace_missing_field.csv";
  try {
    read_trace(spec, 1000000);
    FAIL("expected an InputError");
  } catch (const fleetsim::core::InputError& e) {
    CHECK(e.where().line == 3);
    CHECK(e.where().key == "gpus");
    CHECK_THAT(e.what(), Catch::Contains("trace_missing_field.csv:3: gpus: missing value"));
  }
}

TEST_CASE("a missing trace file is an input error", "[workload]") {
  TraceSpec spec;
  spec.path = kFixtures + "no_such_trace.csv";
  CHECK_THROWS_AS(read_trace(spec, 1000), fleetsim::core::InputError);
}

TEST_CASE("the Alibaba GPU trace 2023 reads completely", "[workload][data]") {
  const std::string path = std::string(FLEETSIM_SHARED_DATA) + "/traces/alibaba_openb_gpu_tasks_2023.csv";
  if (!std::filesystem::exists(path)) {
    WARN("skipped: " << path << " is absent (the shared data folder is not next to the checkout)");
    return;
  }
  TraceSpec spec;
  spec.path = path;
  spec.format = TraceFormat::kAlibabaOpenb;
  const TraceReadResult r = read_trace(spec, 400LL * 86400);
  // 8,152 tasks, of which 1,088 ask for no GPU (num_gpu = 0).
  CHECK(r.rows == 8152);
  CHECK(r.skipped_no_gpu == 1088);
  CHECK(r.skipped_after_horizon == 0);
  CHECK(r.jobs.size() == 8152 - 1088);
  int64_t gpus = 0;
  for (const auto& j : r.jobs) {
    gpus += j.gpus;
    CHECK(j.duration_s >= 1);
    CHECK(j.utilization > 0.0);
    CHECK(j.utilization <= 1.0);
  }
  // num_gpu counts: 6,989 x 1 + 16 x 2 + 15 x 4 + 44 x 8.
  CHECK(gpus == 6989 + 32 + 60 + 352);
  CHECK(r.jobs.front().name == "openb-pod-0000");
  CHECK(r.jobs.front().duration_s == 12537496);
}
