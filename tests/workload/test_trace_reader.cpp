#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
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
  // 8,152 tasks: 1,088 ask for no GPU (num_gpu = 0); 861 others were never scheduled
  // (Pending, empty scheduled_time).
  CHECK(r.rows == 8152);
  CHECK(r.skipped_no_gpu == 1088);
  CHECK(r.skipped_never_ran == 861);
  CHECK(r.skipped_after_horizon == 0);
  CHECK(r.jobs.size() == 8152 - 1088 - 861);
  int64_t gpus = 0;
  for (const auto& j : r.jobs) {
    gpus += j.gpus;
    CHECK(j.duration_s >= 1);
    CHECK(j.utilization > 0.0);
    CHECK(j.utilization <= 1.0);
  }
  // num_gpu of the tasks that ran: 6,129 x 1 + 15 x 2 + 15 x 4 + 44 x 8.
  CHECK(gpus == 6129 + 30 + 60 + 352);
  CHECK(r.jobs.front().name == "openb-pod-0000");
  CHECK(r.jobs.front().duration_s == 12537496);
}

namespace {

// Writes a fleetsim-format trace with one data row and returns the error reading it gives.
std::string error_for_row(const std::string& row) {
  const auto path = std::filesystem::temp_directory_path() / "fleetsim_trace_row.csv";
  {
    std::ofstream out(path);
    out << "name,submit_s,gpus,duration_s,gpu_type,deadline_s,utilization\n" << row << "\n";
  }
  TraceSpec spec;
  spec.path = path.string();
  spec.known_gpu_types = {"A100", "H100"};
  try {
    read_trace(spec, 1000000000);
  } catch (const fleetsim::core::InputError& e) {
    return e.what();
  }
  return "no error";
}

}  // namespace

TEST_CASE("bad trace values are refused with file, line and column", "[workload]") {
  CHECK_THAT(error_for_row("a,0,8,3600,H900,,"),
             Catch::Contains("fleetsim_trace_row.csv:2: gpu_type: unknown GPU type 'H900'"));
  CHECK_THAT(error_for_row("a,100,8,3600,,50,"), Catch::Contains(":2: deadline_s: before submit_s"));
  CHECK_THAT(error_for_row("a,9223372036854775000,8,3600,,,"), Catch::Contains(":2: submit_s: larger than"));
  CHECK_THAT(error_for_row("a,0,8,9223372036854775000,,,"), Catch::Contains(":2: duration_s: larger than"));
  CHECK_THAT(error_for_row("a,0,-8,3600,,,"), Catch::Contains(":2: gpus: negative GPU count"));
  CHECK_THAT(error_for_row("a,0,8,3600,,,1.5"), Catch::Contains(":2: utilization: must be in (0, 1]"));
  CHECK_THAT(error_for_row("a,0,8,3600,,,nan"), Catch::Contains(":2: utilization: 'nan' is not a finite number"));
  CHECK_THAT(error_for_row("a,zero,8,3600,,,"), Catch::Contains(":2: submit_s: 'zero' is not an integer"));
  CHECK(error_for_row("a,0,8,3600,A100,7200,0.5") == "no error");
}

TEST_CASE("trace names, GPU types and headers that are not UTF-8 are refused", "[workload]") {
  auto error_of = [](const std::string& file) {
    TraceSpec spec;
    spec.path = kFixtures + file;
    try {
      read_trace(spec, 1000000);
    } catch (const fleetsim::core::InputError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  CHECK_THAT(error_of("trace_name_latin1.csv"),
             Catch::Contains("trace_name_latin1.csv:3: name: 'caf\\xe9-job' is not valid UTF-8"));
  CHECK_THAT(error_of("trace_gpu_type_latin1.csv"),
             Catch::Contains("trace_gpu_type_latin1.csv:2: gpu_type: 'A100\\xa0' is not valid UTF-8"));
  CHECK_THAT(error_of("trace_header_latin1.csv"),
             Catch::Contains("trace_header_latin1.csv:1: column 5: the header name 'gpu_typ\\xe9' is not valid UTF-8"));
}

TEST_CASE("trace names with control characters and huge fields give one short line", "[workload]") {
  const auto dir = std::filesystem::temp_directory_path() / "fleetsim_test_trace_text";
  std::filesystem::create_directories(dir);
  const std::string path = (dir / "trace.csv").string();
  TraceSpec spec;
  spec.path = path;
  auto message = [&] {
    try {
      read_trace(spec, 1000000);
    } catch (const fleetsim::core::InputError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  std::ofstream(path) << "name,submit_s,gpus,duration_s\n\"a\x1b[2Jb\",0,8,3600\n";
  CHECK_THAT(message(), Catch::Contains("trace.csv:2: name: 'a\\x1b[2Jb' holds a control character"));
  std::ofstream(path) << "name,submit_s,gpus,duration_s\nj," << std::string(10'000'000, '5') << "x,8,3600\n";
  const std::string big = message();
  CHECK(big.size() < 1000);
  CHECK_THAT(big, Catch::Contains("trace.csv:2"));
  std::filesystem::remove_all(dir);
}
