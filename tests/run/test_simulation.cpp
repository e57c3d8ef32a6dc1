#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>

#include "core/error.hpp"
#include "output/h5_reader.hpp"
#include "run/run_file.hpp"
#include "run/simulation.hpp"
#include "scenario/scenario.hpp"

using namespace fleetsim;

namespace {

const std::string kSource = FLEETSIM_SOURCE_DIR;

std::filesystem::path temp_dir() {
  auto dir = std::filesystem::temp_directory_path() /
             ("fleetsim_test_run_" + std::to_string(reinterpret_cast<uintptr_t>(&kSource)));
  std::filesystem::create_directories(dir);
  return dir;
}

std::string file_bytes(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// A random workload on a small fleet: sizes, durations, deadlines, types and regions vary,
// and the fleet is overloaded so that some jobs miss deadlines or are still waiting.
const char* const kRandomWorkload = R"(name: conservation
seed: 5
start: 2024-03-01T00:00:00Z
hours: 720
regions: [{name: a}, {name: b}]
sites:
  - {name: s1, region: a, pue: 1.1, grid_limit_mw: 2, clusters: [{gpu_type: A100, gpus: 512}, {gpu_type: H100, gpus: 256}]}
  - {name: s2, region: b, pue: 1.3, grid_limit_mw: 0.9, clusters: [{gpu_type: V100, gpus: 1024}]}
workload:
  jobs:
    - {name: big, gpus: 1024, duration_h: 100, submit_h: 3}
    - {name: h100-only, gpus: 256, gpu_type: H100, duration_h: 50, submit_h: 0, deadline_h: 60}
  synthetic:
    - name: mixed
      arrivals_per_day: 40
      gpus: [1, 8, 64, 256, 512]
      duration_median_h: 8
      duration_sigma: 1.5
      duration_max_h: 500
      deadline_slack: 2
    - name: regional
      arrivals_per_day: 10
      gpus: [16, 128]
      gpu_type: A100
      duration_median_h: 30
      allowed_regions: [a]
      utilization: 0.6
)";

}  // namespace

TEST_CASE("every submitted job is accounted for exactly once", "[run]") {
  const auto sc = scenario::parse_scenario(kRandomWorkload, "conservation.yaml");
  const auto r = run::simulate(sc, {2, {}});
  std::map<run::JobStatus, int64_t> counts;
  for (const auto& j : r.jobs) {
    counts[j.status] += 1;
    switch (j.status) {
      case run::JobStatus::kCompleted:
        CHECK(j.start_s >= j.submit_s);
        CHECK(j.end_s > j.start_s);
        CHECK(j.end_s <= sc.horizon_s());
        if (j.deadline_s >= 0) CHECK(j.end_s <= j.deadline_s);
        break;
      case run::JobStatus::kDeadlineMissed:
        CHECK(j.deadline_s >= 0);
        CHECK((j.end_s > j.deadline_s || j.end_s < 0));
        break;
      case run::JobStatus::kRejected:
        CHECK(!j.reason.empty());
        CHECK(j.site == -1);
        CHECK(j.energy_mwh == 0.0);
        break;
      case run::JobStatus::kRunningAtEnd:
        CHECK(j.start_s >= 0);
        CHECK(j.end_s == -1);
        break;
      case run::JobStatus::kWaitingAtEnd:
        CHECK(j.start_s == -1);
        break;
    }
  }
  const auto submitted = static_cast<int64_t>(r.jobs.size());
  CHECK(submitted > 400);
  CHECK(r.summary_value("jobs_submitted") == static_cast<double>(submitted));
  CHECK(r.summary_value("jobs_completed") == static_cast<double>(counts[run::JobStatus::kCompleted]));
  CHECK(r.summary_value("jobs_rejected") == static_cast<double>(counts[run::JobStatus::kRejected]));
  CHECK(counts[run::JobStatus::kCompleted] + counts[run::JobStatus::kDeadlineMissed] +
            counts[run::JobStatus::kRejected] + counts[run::JobStatus::kRunningAtEnd] +
            counts[run::JobStatus::kWaitingAtEnd] ==
        submitted);
  // The big job needs 1024 GPUs of any type: only the V100 cluster has that many.
  CHECK(r.jobs.size() > 0);
  // The overloaded fleet leaves work in every state but rejection.
  CHECK(counts[run::JobStatus::kCompleted] > 0);
  CHECK(counts[run::JobStatus::kDeadlineMissed] > 0);
}

TEST_CASE("jobs that cannot be placed are rejected with a reason", "[run]") {
  auto sc = scenario::parse_scenario(kRandomWorkload, "conservation.yaml");
  workload::TrainingJob huge;
  huge.name = "huge";
  huge.gpus = 4096;  // more than any cluster (listed jobs are checked at load; traces are not)
  huge.duration_s = 3600;
  huge.submit_s = 7200;
  sc.listed_jobs.push_back(huge);
  workload::TrainingJob b200 = huge;
  b200.name = "b200";
  b200.gpus = 8;
  b200.gpu_type = "B200";  // a known type no site has
  sc.listed_jobs.push_back(b200);
  const auto r = run::simulate(sc, {1, {}});
  int found = 0;
  for (const auto& j : r.jobs) {
    if (j.name == "huge") {
      CHECK(j.status == run::JobStatus::kRejected);
      CHECK(j.reason == "larger_than_any_cluster");
      ++found;
    }
    if (j.name == "b200") {
      CHECK(j.reason == "no_compatible_cluster");
      ++found;
    }
  }
  CHECK(found == 2);
}

TEST_CASE("energy balances: sites sum to regions, jobs plus idle to the fleet", "[run]") {
  const auto sc = scenario::parse_scenario(kRandomWorkload, "conservation.yaml");
  const auto r = run::simulate(sc, {2, {}});
  const size_t sites = r.site_names.size();
  const size_t regions = r.region_names.size();
  for (size_t h = 0; h < static_cast<size_t>(r.hours); ++h) {
    double site_sum = 0.0;
    double region_sum = 0.0;
    for (size_t s = 0; s < sites; ++s) site_sum += r.site_facility_energy_mwh[h * sites + s];
    for (size_t g = 0; g < regions; ++g) region_sum += r.region_load_mwh[h * regions + g];
    REQUIRE(region_sum == Approx(site_sum).epsilon(1e-12));
  }
  // Job energy is all-in (idle share included), so job energy <= facility energy.
  CHECK(r.summary_value("job_energy_mwh") <= r.summary_value("facility_energy_mwh"));
  CHECK(r.summary_value("facility_energy_mwh") ==
        Approx(r.summary_value("job_energy_mwh") + r.summary_value("idle_energy_mwh")));
}

TEST_CASE("the GPT-4-scale training run lands in 51,000-62,000 MWh", "[run]") {
  const auto sc = scenario::load_scenario(kSource + "/scenarios/gpt4_training.yaml");
  const auto r = run::simulate(sc, {1, {}});
  // 25,000 GPUs x 812.5 W x PUE 1.12 x 2,400 h = 54,600 MWh, all of it the job's.
  CHECK(r.summary_value("facility_energy_mwh") == Approx(54600.0).epsilon(1e-9));
  CHECK(r.summary_value("job_energy_mwh") == Approx(54600.0).epsilon(1e-9));
  CHECK(r.summary_value("jobs_completed") == 1.0);
  CHECK(r.summary_value("facility_energy_mwh") >= 51000.0);
  CHECK(r.summary_value("facility_energy_mwh") <= 62000.0);
}

TEST_CASE("the quickstart is bit-identical for 1 and 2 threads, in memory and on disk", "[run]") {
  const auto sc = scenario::load_scenario(kSource + "/scenarios/quickstart.yaml");
  const auto one = run::simulate(sc, {1, {}});
  const auto dir = temp_dir();
  run::write_run_file(sc, one, (dir / "one.h5").string());
  const std::string a = file_bytes(dir / "one.h5");
  CHECK(a.size() > 1000);
  // two threads: every loop shared, none, and as measured on the run (the default)
  for (const engine::LoopSharing sharing :
       {engine::LoopSharing::kAlways, engine::LoopSharing::kNever, engine::LoopSharing::kMeasured}) {
    run::RunOptions options{2, {}};
    options.sharing = sharing;
    const auto two = run::simulate(sc, options);
    INFO("sharing " << static_cast<int>(sharing));
    CHECK(one.site_facility_energy_mwh == two.site_facility_energy_mwh);
    CHECK(one.region_load_mwh == two.region_load_mwh);
    run::write_run_file(sc, two, (dir / "two.h5").string());
    CHECK(a == file_bytes(dir / "two.h5"));
  }
  std::filesystem::remove_all(dir);
}

TEST_CASE("series compressed during the run give the same file as compressed at write time", "[run]") {
  // bench_fleet_year's first 2,000 hours: 200 sites, 655-hour chunks (3 full per series and an
  // edge chunk of 35 hours)
  const auto sc = scenario::load_scenario(kSource + "/scenarios/bench_fleet_year.yaml", {"hours=2000"});
  run::RunOptions with;
  with.precompress = true;
  const auto pre = run::simulate(sc, with);
  const auto plain = run::simulate(sc, {1, {}});
  CHECK(plain.precompressed.empty());
  REQUIRE(pre.precompressed.size() == 29);  // every /site and /region series (no marginal data here)
  CHECK(pre.precompressed.at("/site/it_energy_mwh").chunks.size() == 4);
  const auto dir = temp_dir();
  run::write_run_file(sc, pre, (dir / "pre.h5").string());
  run::write_run_file(sc, plain, (dir / "plain.h5").string());
  CHECK((file_bytes(dir / "pre.h5") == file_bytes(dir / "plain.h5")));
  std::filesystem::remove_all(dir);
}

TEST_CASE("the run file reads back in C++ as written", "[run]") {
  const auto sc = scenario::parse_scenario(kRandomWorkload, "conservation.yaml");
  const auto r = run::simulate(sc, {1, {}});
  const auto dir = temp_dir();
  const std::string path = (dir / "readback.h5").string();
  run::write_run_file(sc, r, path);
  const output::RunFileReader f(path);
  CHECK(std::get<int64_t>(*f.attribute("/", "complete")) == 1);
  CHECK(std::get<int64_t>(*f.attribute("/", "seed")) == 5);
  CHECK(std::get<std::string>(*f.attribute("/", "scenario")) == kRandomWorkload);
  CHECK(f.read_doubles("/site/facility_energy_mwh") == r.site_facility_energy_mwh);
  CHECK(f.read_doubles("/region/load_mwh") == r.region_load_mwh);
  CHECK(f.read_int64("/site/gpus_total") == r.site_gpus_total);
  CHECK(f.read_strings("/site/site") == r.site_names);
  CHECK(f.read_strings("/site/site_region") == r.site_region);
  CHECK(f.shape("/site/it_energy_mwh") == std::vector<size_t>{720, 2});
  const auto status = f.read_strings("/jobs/status");
  REQUIRE(status.size() == r.jobs.size());
  for (size_t i = 0; i < status.size(); ++i) CHECK(status[i] == run::to_string(r.jobs[i].status));
  CHECK(std::get<double>(*f.attribute("/summary", "facility_energy_mwh")) == r.summary_value("facility_energy_mwh"));
  const auto stored = run::read_run_summary(path);
  CHECK(stored.complete);
  CHECK(stored.region_names == r.region_names);
  std::filesystem::remove_all(dir);
}

TEST_CASE("bad trace data fails the run before any output", "[run]") {
  std::string text = kRandomWorkload;
  text += "  traces:\n    - file: " + kSource + "/tests/fixtures/trace_missing_field.csv\n";
  const auto sc = scenario::parse_scenario(text, "conservation.yaml");
  CHECK_THROWS_AS(run::simulate(sc, {1, {}}), core::InputError);
}

TEST_CASE("a job that exactly fills the grid limit is placed and runs", "[run]") {
  // 4,096 A100 at PUE 1.1, all busy: 4,096 x 812.5 W x 1.1 = 3.6608 MW, the limit itself.
  const std::string text = R"(name: exact
start: 2024-01-01T00:00:00Z
hours: 4
regions: [{name: r}]
sites: [{name: s, region: r, pue: 1.1, grid_limit_mw: 3.6608, clusters: [{gpu_type: A100, gpus: 4096}]}]
workload:
  jobs: [{name: all, gpus: 4096, gpu_type: A100, duration_h: 2}]
)";
  const auto r = run::simulate(scenario::parse_scenario(text, "exact.yaml"), {1, {}});
  REQUIRE(r.jobs.size() == 1);
  CHECK(r.jobs[0].status == run::JobStatus::kCompleted);
  CHECK(r.jobs[0].start_s == 0);
}

TEST_CASE("a deadline exactly at the horizon that is not met counts as missed", "[run]") {
  // The cluster is busy until the horizon, so the second job never starts; its deadline is
  // the horizon itself.
  const std::string text = R"(name: edge
start: 2024-01-01T00:00:00Z
hours: 3
regions: [{name: r}]
sites: [{name: s, region: r, grid_limit_mw: 1, clusters: [{gpu_type: A100, gpus: 16}]}]
workload:
  jobs:
    - {name: first, gpus: 16, duration_h: 3}
    - {name: second, gpus: 16, duration_h: 1, submit_h: 0.5, deadline_h: 2.5}
)";
  const auto r = run::simulate(scenario::parse_scenario(text, "edge.yaml"), {1, {}});
  REQUIRE(r.jobs.size() == 2);
  CHECK(r.jobs[0].status == run::JobStatus::kCompleted);  // ends exactly at the horizon
  CHECK(r.jobs[1].status == run::JobStatus::kDeadlineMissed);
}

TEST_CASE("regional mismatch: 100% annual matching globally, far less hour by hour", "[run][energy]") {
  const auto sc = scenario::load_scenario(kSource + "/scenarios/regional_mismatch.yaml");
  const auto r = run::simulate(sc, {2, {}});
  CHECK(r.summary_value("annual_matching_global") == 1.0);
  const double score = r.summary_value("cfe_score");
  CHECK(score > 0.4);
  CHECK(score < 0.7);  // well below 100%
  CHECK(r.summary_value("emissions_market_annual_t") > 0.0);
  CHECK(r.summary_value("emissions_market_hourly_t") > r.summary_value("emissions_market_annual_t"));
  CHECK(r.summary_value("emissions_location_t") > r.summary_value("emissions_market_hourly_t"));
  // Per region: eu-west over-procured, asia-pacific under-procured.
  REQUIRE(r.region_names == std::vector<std::string>{"eu-west", "us-west", "asia-pacific"});
  CHECK(r.regions[0].contracted_cfe_mwh > 1.5 * r.regions[0].facility_energy_mwh);
  CHECK(r.regions[2].contracted_cfe_mwh < 0.5 * r.regions[2].facility_energy_mwh);
  CHECK(r.regions[0].annual_matching == 1.0);
  CHECK(r.regions[2].annual_matching < 1.0);
  CHECK(r.regions[0].emissions_market_annual_t == 0.0);
  CHECK(r.regions[1].cfe_score < 0.9);  // 100% matched annually, solar cannot cover the night
}

TEST_CASE("job emissions are the job's hourly energy times its region's hourly intensity", "[run][energy]") {
  // One job from 00:30 to 02:30 at constant power on a grid whose intensity is read from CSV.
  const std::string text = R"(name: job-emissions
start: 2024-01-01T00:00:00Z
hours: 4
regions:
  - name: r
    grid: {source: csv, file: )" +
                           kSource + R"(/tests/fixtures/grid_four_hours.csv, carbon_intensity_column: ci,
           cfe_share_column: cfe}
sites: [{name: s, region: r, pue: 1.0, grid_limit_mw: 1, clusters: [{gpu_type: A100, gpus: 8}]}]
workload:
  jobs: [{name: j, gpus: 8, gpu_type: A100, duration_h: 2, submit_h: 0.5}]
)";
  const auto r = run::simulate(scenario::parse_scenario(text, "job-emissions.yaml"), {1, {}});
  REQUIRE(r.jobs.size() == 1);
  // 8 x 812.5 W = 6.5 kW for 2 h = 0.013 MWh; half an hour at 100, an hour at 200, half at 400.
  const double mwh_per_h = 0.0065;
  CHECK(r.jobs[0].energy_mwh == Approx(2 * mwh_per_h));
  CHECK(r.jobs[0].emissions_t == Approx(mwh_per_h * (0.5 * 100 + 1.0 * 200 + 0.5 * 400) / 1000));
}

TEST_CASE("a workload of more jobs than a run can number is refused before its memory is asked for", "[run]") {
  // 1e7 arrivals a day growing 101-fold a year: some 8e10 jobs expected in the quickstart's year
  const auto sc =
      scenario::load_scenario(kSource + "/scenarios/quickstart.yaml",
                              {"workload.synthetic.0.arrivals_per_day=1e7", "workload.synthetic.0.annual_growth=100"});
  CHECK_THROWS_AS(run::simulate(sc), core::SimulationError);
  CHECK_THROWS_WITH(run::simulate(sc), Catch::Contains("too many jobs for one run") &&
                                           Catch::Contains("about 8.01e+10") && Catch::Contains("4294967294"));
  // a growth too large for a double (10 years at 1e7 a day, 101-fold a year): refused the same way
  const auto huge = scenario::load_scenario(
      kSource + "/scenarios/quickstart.yaml",
      {"workload.synthetic.0.arrivals_per_day=1e7", "workload.synthetic.0.annual_growth=100", "hours=87600"});
  CHECK_THROWS_WITH(run::simulate(huge), Catch::Contains("too many jobs for one run"));
}
