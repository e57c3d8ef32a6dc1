// The footprint a run books (docs/models.md, "Footprint"), against values computed by hand.
#include <catch2/catch.hpp>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <string>

#include "core/error.hpp"
#include "core/time.hpp"
#include "run/simulation.hpp"
#include "scenario/scenario.hpp"

using namespace fleetsim;
using Catch::Matchers::WithinRel;

namespace {

// A folder of CSV files for one test, removed at the end.
struct Folder {
  std::filesystem::path path;
  explicit Folder(const std::string& name)
      : path(std::filesystem::temp_directory_path() / ("fleetsim-footprint-" + name)) {
    std::filesystem::remove_all(path);
    std::filesystem::create_directories(path);
  }
  ~Folder() { std::filesystem::remove_all(path); }
  void write(const std::string& file, const std::string& text) const { std::ofstream(path / file) << text; }
};

// 24 hours from 2024-01-01: CI 100 + h, CFE share 0.5, marginal CI 600; price -10 USD/MWh before
// hour 12, then 50; ambient 10 degrees C (WUE 1 L/kWh on the curve 0 -> 0, 30 -> 3).
void write_inputs(const Folder& f) {
  std::string grid = "datetime_utc,ci,cfe,mci\n";
  std::string price = "datetime_utc,usd\n";
  std::string temperature = "datetime_utc,t\n";
  for (int h = 0; h < 24; ++h) {
    const std::string time = core::format_utc(*core::parse_utc("2024-01-01T00:00:00Z") + h * 3600);
    grid += time + "," + std::to_string(100 + h) + ",0.5,600\n";
    price += time + "," + (h < 12 ? "-10" : "50") + "\n";
    temperature += time + ",10\n";
  }
  f.write("grid.csv", grid);
  f.write("price.csv", price);
  f.write("temperature.csv", temperature);
}

const char* const kScenario = R"(name: footprint
start: 2024-01-01T00:00:00Z
hours: 24
regions:
  - name: r
    grid: {source: csv, file: grid.csv, carbon_intensity_column: ci, cfe_share_column: cfe,
           marginal_carbon_intensity_column: mci}
    price: {file: price.csv, column: usd}
    water_l_per_kwh: 2.0
sites:
  - name: s
    region: r
    pue: 1.2
    grid_limit_mw: 1
    clusters: [{gpu_type: A100, gpus: 8}]
    water: {file: temperature.csv, column: t, wue_curve_c: [0, 30], wue_curve_l_per_kwh: [0, 3]}
workload:
  jobs: [{name: j, gpus: 8, gpu_type: A100, duration_h: 10, submit_h: 2}]
)";

}  // namespace

TEST_CASE("a job's footprint: embodied share, cost at the hourly price, marginal emissions", "[run][footprint]") {
  const Folder f("job");
  write_inputs(f);
  const auto sc = scenario::parse_scenario(kScenario, (f.path / "fp.yaml").string());
  const run::RunResult r = run::simulate(sc);
  REQUIRE(r.jobs.size() == 1);
  const run::JobRecord& j = r.jobs[0];
  REQUIRE(j.start_s == 2 * 3600);
  REQUIRE(j.end_s == 12 * 3600);
  // 8 A100 at full power: 8 x (400 + 412.5) W x PUE 1.2 x 10 h = 78 kWh
  CHECK_THAT(j.energy_mwh, WithinRel(0.078, 1e-9));
  CHECK_THAT(j.gpu_hours, WithinRel(80.0, 1e-12));
  // 80 GPU-h x 462.5 kg / (5 yr x 8,760 h) = 0.84474886 kg
  CHECK_THAT(j.embodied_it_t, WithinRel(0.84474886e-3, 1e-7));
  // energy: 0.078 MWh x -10 USD/MWh (hours 2-11) = -0.78 USD; capital: 80 GPU-h x 0.7801054 USD = 62.40843
  CHECK_THAT(j.cost_usd, WithinRel(-0.78 + 80.0 * 0.7801054, 1e-6));
  // 0.078 MWh x 600 g/kWh = 46.8 kg
  CHECK_THAT(j.emissions_marginal_t, WithinRel(0.0468, 1e-9));
}

TEST_CASE("hourly footprint series follow their equations in every hour", "[run][footprint]") {
  const Folder f("series");
  write_inputs(f);
  const auto sc = scenario::parse_scenario(kScenario, (f.path / "fp.yaml").string());
  const run::RunResult r = run::simulate(sc);
  REQUIRE(r.region_marginal_carbon_intensity_g_per_kwh.size() == 24);
  double embodied = 0.0;
  double capital = 0.0;
  for (size_t h = 0; h < 24; ++h) {
    INFO("hour " << h);
    const double price = h < 12 ? -10.0 : 50.0;
    // 8 GPUs x 0.0105593607 kg per GPU-hour
    CHECK_THAT(r.site_embodied_it_t[h], WithinRel(8 * 0.0105593607e-3, 1e-7));
    CHECK_THAT(r.site_capital_usd[h], WithinRel(8 * 0.7801054, 1e-6));
    CHECK_THAT(r.site_water_onsite_l[h], WithinRel(r.site_it_energy_mwh[h] * 1000.0 * 1.0, 1e-12));  // WUE(10 C) = 1
    CHECK(r.region_energy_price_usd_per_mwh[h] == price);
    CHECK_THAT(r.region_energy_cost_usd[h], WithinRel(r.region_grid_draw_mwh[h] * price, 1e-12));
    CHECK_THAT(r.region_water_offsite_l[h], WithinRel(r.region_grid_draw_mwh[h] * 1000.0 * 2.0, 1e-12));
    CHECK(r.region_embodied_supply_t[h] == 0.0);
    CHECK_THAT(r.region_emissions_marginal_t[h], WithinRel(r.region_load_mwh[h] * 0.6, 1e-12));
    embodied += r.site_embodied_it_t[h];
    capital += r.site_capital_usd[h];
  }
  CHECK_THAT(r.summary_value("embodied_it_t"), WithinRel(embodied, 1e-12));
  CHECK_THAT(r.summary_value("capital_cost_usd"), WithinRel(capital, 1e-12));
  CHECK_THAT(r.summary_value("emissions_total_t"),
             WithinRel(r.summary_value("emissions_location_t") + embodied, 1e-12));
  CHECK_THAT(r.summary_value("emissions_marginal_t"), WithinRel(r.summary_value("facility_energy_mwh") * 0.6, 1e-9));
  REQUIRE(r.years.size() == 1);
  CHECK_THAT(r.years[0].embodied_it_t, WithinRel(embodied, 1e-12));
  CHECK_THAT(r.regions[0].water_offsite_l, WithinRel(r.summary_value("water_offsite_l"), 1e-12));
}

TEST_CASE("without marginal data nothing marginal is reported", "[run][footprint]") {
  const auto sc = scenario::parse_scenario(R"(name: plain
start: 2024-01-01T00:00:00Z
hours: 24
regions: [{name: r}]
sites: [{name: s, region: r, grid_limit_mw: 1, clusters: [{gpu_type: H100, gpus: 8}]}]
)",
                                           "plain.yaml");
  const run::RunResult r = run::simulate(sc);
  CHECK(r.region_marginal_carbon_intensity_g_per_kwh.empty());
  CHECK(r.region_emissions_marginal_t.empty());
  CHECK_THROWS(r.summary_value("emissions_marginal_t"));
  CHECK(std::isnan(r.regions[0].emissions_marginal_t));
  // default water factors: WUE 0.55 L/kWh on site, 3.142 L/kWh off site (synthetic grid: no mix)
  double it = 0.0;
  for (double x : r.site_it_energy_mwh) it += x;
  CHECK_THAT(r.summary_value("water_onsite_l"), WithinRel(it * 1000.0 * 0.55, 1e-12));
  CHECK_THAT(r.summary_value("water_offsite_l"), WithinRel(r.summary_value("grid_draw_mwh") * 1000.0 * 3.142, 1e-12));
}

TEST_CASE("contracts and batteries carry embodied carbon and their price", "[run][footprint]") {
  const auto sc = scenario::parse_scenario(R"(name: supply
start: 2024-01-01T00:00:00Z
hours: 48
regions:
  - name: r
    contracts:
      - {type: solar, capacity_mw: 2}
      - {type: wind, capacity_mw: 1, price_usd_per_mwh: 45}
    battery: {energy_mwh: 4, power_mw: 1}
sites: [{name: s, region: r, grid_limit_mw: 1, clusters: [{gpu_type: H100, gpus: 64}]}]
)",
                                           "supply.yaml");
  const run::RunResult r = run::simulate(sc);
  // 2 MW x 1,800 t / (30 yr x 8,760 h) + 1 MW x 580 / (20 x 8,760) + 4 MWh x 74 / (8.2 x 8,760) = 0.0211299 t/h
  const double per_hour = 2 * 1800.0 / (30 * 8760.0) + 580.0 / (20 * 8760.0) + 4 * 74.0 / (8.2 * 8760.0);
  CHECK_THAT(per_hour, WithinRel(0.0211299, 1e-5));
  CHECK_THAT(r.summary_value("embodied_supply_t"), WithinRel(48 * per_hour, 1e-9));
  // energy cost: grid x 80 + contracted x the energy-weighted contract price + battery capacity cost
  const double solar_mwh = sc.region_supply[0].contract_energy_mwh[0];
  const double wind_mwh = sc.region_supply[0].contract_energy_mwh[1];
  const double battery_per_h = (4 * 38000.0 + 1 * 27000.0) / 8760.0;
  CHECK_THAT(r.summary_value("energy_cost_usd"), WithinRel(r.summary_value("grid_draw_mwh") * 80.0 + solar_mwh * 35.0 +
                                                               wind_mwh * 45.0 + 48 * battery_per_h,
                                                           1e-9));
}

TEST_CASE("imports correct a production-based grid mix", "[run][footprint]") {
  const std::string base = R"(name: imports
start: 2024-01-01T00:00:00Z
hours: 24
regions:
  - name: r
)";
  const std::string rest = R"(sites: [{name: s, region: r, grid_limit_mw: 1, clusters: [{gpu_type: H100, gpus: 8}]}]
)";
  const auto plain = scenario::parse_scenario(base + rest, "plain.yaml");
  const auto corrected = scenario::parse_scenario(
      base + "    imports: {share: 0.25, cfe_share: 0.1, carbon_intensity_g_per_kwh: 700}\n" + rest, "corrected.yaml");
  for (size_t h = 0; h < 24; ++h) {
    const double g = plain.region_supply[0].grid.cfe_share[h];
    const double ci = plain.region_supply[0].grid.carbon_intensity_g_per_kwh[h];
    CHECK_THAT(corrected.region_supply[0].grid.cfe_share[h], WithinRel(0.75 * g + 0.25 * 0.1, 1e-12));
    CHECK_THAT(corrected.region_supply[0].grid.carbon_intensity_g_per_kwh[h], WithinRel(0.75 * ci + 0.25 * 700, 1e-12));
  }
}

TEST_CASE("the footprint is the same for any thread count", "[run][footprint][determinism]") {
  const Folder f("threads");
  write_inputs(f);
  const auto sc = scenario::parse_scenario(kScenario, (f.path / "fp.yaml").string());
  const run::RunResult one = run::simulate(sc, {1, {}});
  run::RunOptions shared{2, {}};
  shared.sharing = engine::LoopSharing::kAlways;  // every loop on both threads
  const run::RunResult two = run::simulate(sc, shared);
  CHECK(one.site_embodied_it_t == two.site_embodied_it_t);
  CHECK(one.region_energy_cost_usd == two.region_energy_cost_usd);
  CHECK(one.region_water_offsite_l == two.region_water_offsite_l);
  CHECK(one.jobs[0].cost_usd == two.jobs[0].cost_usd);
}
