#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "run/simulation.hpp"
#include "scenario/scenario.hpp"

using namespace fleetsim;

namespace {

bool close(double a, double b) {
  return std::fabs(a - b) <= 1e-9 * std::max(1.0, std::fabs(b));
}

// The ledger invariants of docs/energy.md, hour by hour and region by region, from a run's
// output series alone.
void check_balances(const scenario::Scenario& sc, const run::RunResult& r) {
  const size_t regions = r.region_names.size();
  for (size_t g = 0; g < regions; ++g) {
    const double capacity = sc.region_supply_specs[g].battery.energy_mwh;
    for (size_t h = 0; h < static_cast<size_t>(r.hours); ++h) {
      const size_t i = h * regions + g;
      const double load = r.region_load_mwh[i];
      const double contracted = r.region_contracted_cfe_mwh[i];
      const double grid = r.region_grid_draw_mwh[i];
      const double charge = r.region_battery_charge_mwh[i];
      const double discharge = r.region_battery_discharge_mwh[i];
      const double excess = r.region_excess_mwh[i];
      const double used = load - grid - discharge;  // grid + C_used + discharge = L
      INFO("region " << r.region_names[g] << ", hour " << h);
      REQUIRE(used >= -1e-9 * std::max(1.0, load));
      REQUIRE(used <= std::min(load, contracted) + 1e-9 * std::max(1.0, load));
      REQUIRE(close(used + charge + excess, contracted));  // C_used + charge + excess = C
      REQUIRE(grid >= 0.0);
      REQUIRE(excess >= 0.0);
      REQUIRE(r.region_battery_soc_mwh[i] >= 0.0);
      REQUIRE(r.region_battery_soc_mwh[i] <= capacity * (1 + 1e-12));
      REQUIRE(r.region_cfe_mwh[i] <= load * (1 + 1e-12) + 1e-12);
      REQUIRE(close(r.region_emissions_location_t[i], load * r.region_carbon_intensity_g_per_kwh[i] / 1000.0));
    }
  }
}

}  // namespace

TEST_CASE("energy balances every hour in every region of every scenario", "[run][energy]") {
  const std::filesystem::path dir = std::filesystem::path(FLEETSIM_SOURCE_DIR) / "scenarios";
  int checked = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.path().extension() != ".yaml") continue;
    const std::string name = entry.path().filename().string();
    scenario::Scenario sc;
    run::RunResult result;
    try {
      // the planet-scale benchmark (a minute and 1.5 GiB for its year): its first week
      const std::vector<std::string> sets =
          name == "bench_planet_year.yaml" ? std::vector<std::string>{"hours=168"} : std::vector<std::string>{};
      sc = scenario::load_scenario(entry.path().string(), sets);
      result = run::simulate(sc, {2, {}});  // traces are read at run time
    } catch (const core::InputError& e) {
      // Scenarios on real data need ../shared/data next to the checkout.
      if (std::string(e.what()).find("shared/data") != std::string::npos) {
        WARN("skipped " << name << ": " << e.what());
        continue;
      }
      throw;
    }
    INFO(name);
    check_balances(sc, result);
    ++checked;
  }
  CHECK(checked >= 4);
}
