#include <catch2/catch.hpp>

#include <cmath>
#include <filesystem>
#include <string>

#include "run/simulation.hpp"
#include "scenario/scenario.hpp"

using namespace fleetsim;

namespace {

const std::string kSource = FLEETSIM_SOURCE_DIR;

// Two demand regions, three inference sites; one site is outside one region's SLO.
std::string three_sites(const std::string& inference, const std::string& extra_demand = "") {
  return R"(name: inference-test
start: 2024-01-01T00:00:00Z
hours: 48
regions:
  - {name: clean, grid: {mean_carbon_intensity_g_per_kwh: 50, mean_cfe_share: 0.9, solar_share: 0.0, wind_share: 0.0}}
  - {name: dirty, grid: {mean_carbon_intensity_g_per_kwh: 700, mean_cfe_share: 0.1, solar_share: 0.0, wind_share: 0.0}}
sites:
  - {name: near, region: dirty, pue: 1.0, grid_limit_mw: 10, clusters: [{gpu_type: H100, gpus: 100, role: inference}]}
  - {name: far, region: clean, pue: 1.0, grid_limit_mw: 10, clusters: [{gpu_type: H100, gpus: 100, role: inference}]}
  - {name: small, region: dirty, pue: 1.0, grid_limit_mw: 10, clusters: [{gpu_type: A100, gpus: 10, role: shared}]}
demand_regions:
  - {name: a, queries_per_day: 2400000, profile: flat, latency_slo_ms: 100}
  - {name: b, queries_per_day: 480000, profile: flat, latency_slo_ms: 30}
)" + extra_demand +
         R"(network:
  links:
    - {from: a, to: near, latency_ms: 10}
    - {from: a, to: far, latency_ms: 60}
    - {from: b, to: near, latency_ms: 20}
    - {from: b, to: small, latency_ms: 5}
    - {from: near, to: far, latency_ms: 30}
inference:
)" + inference;
}

}  // namespace

TEST_CASE("served + dropped = queries every hour, and the SLO holds in every hour", "[run][inference]") {
  for (const char* routing : {"nearest", "greenest"}) {
    INFO(routing);
    const std::string text =
        three_sites(std::string("  queries_per_gpu_hour: {H100: 1000, A100: 400}\n") + "  routing: " + routing + "\n") +
        "output: {routing_matrix: true}\n";
    const auto sc = scenario::parse_scenario(text, "inference.yaml");
    const auto r = run::simulate(sc, {1, {}});
    const size_t demands = r.demand_names.size();
    REQUIRE(demands == 2);
    for (size_t i = 0; i < r.demand_queries.size(); ++i) {
      REQUIRE(r.demand_served[i] + r.demand_dropped[i] == Approx(r.demand_queries[i]).epsilon(1e-12));
      REQUIRE(r.demand_dropped[i] >= 0.0);
    }
    // The routing matrix holds only pairs within the SLO: b -> far (50 ms) is not one.
    for (const auto& pair : r.routing_pairs) CHECK(pair != "b -> far");
    REQUIRE(r.routing_pairs.size() == 5);
    // Every served query went over a pair within the SLO: per hour and demand region, the
    // matrix's flows add up to what was served.
    const size_t pairs = r.routing_pairs.size();
    for (size_t h = 0; h < static_cast<size_t>(r.hours); ++h) {
      for (size_t d = 0; d < demands; ++d) {
        double routed = 0.0;
        for (size_t p = 0; p < pairs; ++p) {
          if (r.routing_pairs[p].rfind(r.demand_names[d] + " -> ", 0) == 0) routed += r.routing_queries[h * pairs + p];
        }
        REQUIRE(routed == Approx(r.demand_served[h * demands + d]).epsilon(1e-12));
      }
    }
  }
}

TEST_CASE("nearest and greenest route as computed by hand", "[run][inference]") {
  // a: 100,000 queries/h; b: 20,000 queries/h. Capacity at 60%: near and far 60,000 each,
  // small 10 x 400 x 0.6 = 2,400.
  const auto nearest = run::simulate(
      scenario::parse_scenario(three_sites("  queries_per_gpu_hour: {H100: 1000, A100: 400}\n"), "n.yaml"), {1, {}});
  // Nearest: b takes small (2,400) then near (17,600); a takes near's remaining 42,400 then
  // far 57,600. Everything is served.
  const size_t sites = nearest.site_names.size();
  CHECK(nearest.site_inference_queries[0 * sites + 0] == Approx(60000.0));  // near full
  CHECK(nearest.site_inference_queries[0 * sites + 1] == Approx(57600.0));  // far
  CHECK(nearest.site_inference_queries[0 * sites + 2] == Approx(2400.0));   // small
  CHECK(nearest.summary_value("queries_dropped") == 0.0);
  // Greenest (by intensity): a fills the clean far site first (60,000), then near; b cannot
  // reach far (SLO) and uses small and near.
  const auto greenest = run::simulate(
      scenario::parse_scenario(three_sites("  queries_per_gpu_hour: {H100: 1000, A100: 400}\n  routing: greenest\n"),
                               "g.yaml"),
      {1, {}});
  CHECK(greenest.site_inference_queries[0 * sites + 1] == Approx(60000.0));  // far full
  CHECK(greenest.summary_value("queries_dropped") == 0.0);
  CHECK(greenest.summary_value("emissions_location_t") < nearest.summary_value("emissions_location_t"));
  CHECK(greenest.summary_value("inference_mean_latency_ms") > nearest.summary_value("inference_mean_latency_ms"));
}

TEST_CASE("capacity model: GPUs and energy of one hour by hand", "[run][inference]") {
  // One site, one demand region: 1,080,000 queries a day, flat: 45,000 an hour.
  const std::string text = R"(name: capacity
start: 2024-01-01T00:00:00Z
hours: 2
regions: [{name: r}]
sites:
  - {name: s, region: r, pue: 1.2, grid_limit_mw: 10, clusters: [{gpu_type: H100, gpus: 100, role: inference}]}
demand_regions:
  - {name: d, queries_per_day: 1080000, profile: flat, latency_slo_ms: 50}
network:
  links: [{from: d, to: s, latency_ms: 10}]
inference:
  energy_model: capacity
  queries_per_gpu_hour: {H100: 1000}
  target_utilization: 0.6
)";
  const auto r = run::simulate(scenario::parse_scenario(text, "capacity.yaml"), {1, {}});
  // 45,000 queries/h at 600 per GPU-hour (1,000 x 0.6): 75 GPUs, at utilisation
  // 45,000 / (75 x 1,000) = 0.6. H100: idle 70 W, max 700 W, overhead 575 W.
  CHECK(r.site_gpus_busy_inference[0] == 75.0);
  // IT power: all 100 GPUs idle (70 + 575 W) + 75 x (700 - 70) x 0.6 W; facility x 1.2.
  const double it_w = 100 * 645.0 + 75 * 630.0 * 0.6;
  CHECK(r.site_it_energy_mwh[0] == Approx(it_w / 1e6));
  CHECK(r.site_facility_energy_mwh[0] == Approx(1.2 * it_w / 1e6));
  // Inference energy: the dedicated pool's idle power + the busy GPUs' extra, x PUE.
  CHECK(r.site_inference_energy_mwh[0] == Approx(1.2 * it_w / 1e6));
  CHECK(r.summary_value("queries_served") == Approx(90000.0));
}

TEST_CASE("per-query model: 5 Wh per query, within the grid limit", "[run][inference]") {
  const std::string text = R"(name: per-query
start: 2024-01-01T00:00:00Z
hours: 2
regions: [{name: r}]
sites:
  - {name: s, region: r, pue: 1.2, grid_limit_mw: 0.1, clusters: [{gpu_type: H100, gpus: 100, role: inference}]}
demand_regions:
  - {name: d, queries_per_day: 1080000, profile: flat, latency_slo_ms: 50}
network:
  links: [{from: d, to: s, latency_ms: 10}]
inference:
  queries_per_gpu_hour: {H100: 1000}
)";
  const auto r = run::simulate(scenario::parse_scenario(text, "per-query.yaml"), {1, {}});
  // 45,000 queries would take 0.225 MWh in the hour; the 0.1 MW connection allows 0.1 MWh:
  // 20,000 queries at 5 Wh. The rest is dropped.
  CHECK(r.demand_served[0] == Approx(20000.0));
  CHECK(r.demand_dropped[0] == Approx(25000.0));
  CHECK(r.site_facility_energy_mwh[0] == Approx(0.1));
}

TEST_CASE("a demand region with no site within its SLO is a warning and dropped", "[run][inference]") {
  const std::string text =
      three_sites("  queries_per_gpu_hour: {H100: 1000, A100: 400}\n",
                  "  - {name: lonely, queries_per_day: 24000, profile: flat, latency_slo_ms: 10}\n");
  const auto sc = scenario::parse_scenario(text, "lonely.yaml");
  REQUIRE(sc.warnings.size() == 1);
  CHECK_THAT(sc.warnings[0], Catch::Contains("'lonely' has no inference site within its latency SLO"));
  const auto r = run::simulate(sc, {1, {}});
  CHECK(r.demand_dropped[2] == Approx(1000.0));
  CHECK(r.demand_served[2] == 0.0);
}

TEST_CASE("the chat inference scenario uses about 1 GWh a day at 5 Wh per query", "[run][inference]") {
  const auto sc = scenario::load_scenario(kSource + "/scenarios/chat_inference.yaml");
  const auto r = run::simulate(sc, {2, {}});
  const double days = static_cast<double>(r.hours) / 24.0;
  const double per_day_mwh = r.summary_value("inference_energy_mwh") / days;
  CHECK(per_day_mwh > 800.0);
  CHECK(per_day_mwh < 1100.0);
  CHECK(r.summary_value("queries_dropped") == 0.0);
  CHECK(r.summary_value("inference_wh_per_query") == Approx(5.0));
}

TEST_CASE("tokens per query from the Azure trace set the capacity in queries", "[run][inference]") {
  const std::string trace = std::string(FLEETSIM_SHARED_DATA) + "/traces/azure_llm_inference_2023_conv.csv";
  if (!std::filesystem::exists(trace)) {
    WARN("skipped: " << trace << " is absent (the shared data folder is not next to the checkout)");
    return;
  }
  const std::string text = R"(name: tokens
start: 2024-01-01T00:00:00Z
hours: 2
regions: [{name: r}]
sites:
  - {name: s, region: r, pue: 1.0, grid_limit_mw: 10, clusters: [{gpu_type: H100, gpus: 100, role: inference}]}
demand_regions:
  - {name: d, queries_per_day: 2160000, profile: flat, latency_slo_ms: 50}
network:
  links: [{from: d, to: s, latency_ms: 10}]
inference:
  tokens_per_gpu_hour: {H100: 1365823}
  tokens_per_query_from_trace: )" +
                           trace + R"(
  target_utilization: 1.0
)";
  const auto sc = scenario::parse_scenario(text, "tokens.yaml");
  // The conv trace: 1,154.697 context + 211.126 generated tokens per request on average.
  CHECK(sc.inference.tokens_per_query == Approx(1365.823).epsilon(1e-6));
  // 1,365,823 tokens per GPU-hour / 1,365.823 tokens per query = 1,000 queries per GPU-hour.
  CHECK(sc.inference.model.queries_per_gpu_hour[*sc.catalog.index_of("H100")] == Approx(1000.0).epsilon(1e-6));
  const auto r = run::simulate(sc, {1, {}});
  // 90,000 queries an hour need ceil(90,000 / Q) GPUs: 90 at exactly 1,000 queries per
  // GPU-hour, 91 if the trace's mean makes Q a hair below 1,000.
  const double q = sc.inference.model.queries_per_gpu_hour[*sc.catalog.index_of("H100")];
  CHECK(r.demand_served[0] == Approx(90000.0));
  CHECK(r.site_gpus_busy_inference[0] == std::ceil(90000.0 / q - 1e-9));
  CHECK(r.demand_dropped[0] == 0.0);
}

TEST_CASE("per-query inference power counts against the grid limit for training", "[run][inference]") {
  // A 1.3 MW connection; inference (1,000 queries/h x 100 Wh = 0.1 MW) comes first, so the
  // 990-GPU training job (1.26 MW at full load on top of the idle floor) must wait.
  const auto sc = scenario::load_scenario(kSource + "/tests/fixtures/scenarios/per_query_with_training.yaml");
  const auto r = run::simulate(sc, {1, {}});
  CHECK(r.summary_value("peak_facility_power_mw") <= 1.3 * (1 + 1e-9));
  CHECK(r.summary_value("queries_dropped") == 0.0);
  for (double e : r.site_facility_energy_mwh) CHECK(e <= 1.3 * (1 + 1e-9));
}

TEST_CASE("training is not queued behind inference on a shared cluster when a training cluster frees up",
          "[run][inference]") {
  const auto sc = scenario::load_scenario(kSource + "/tests/fixtures/scenarios/shared_cluster_held_by_inference.yaml");
  const auto r = run::simulate(sc, {1, {}});
  REQUIRE(r.jobs.size() == 2);
  CHECK(r.jobs[1].status == run::JobStatus::kCompleted);
  CHECK(r.site_names[static_cast<size_t>(r.jobs[1].site)] == "train");
  CHECK(r.jobs[1].start_s == 5 * 3600);  // when `long` ends
}
