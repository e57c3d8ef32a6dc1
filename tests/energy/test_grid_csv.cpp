#include <catch2/catch.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "core/time.hpp"
#include "energy/grid_csv.hpp"

using namespace fleetsim::energy;
using fleetsim::core::InputError;

namespace {

const std::string kFixtures = std::string(FLEETSIM_SOURCE_DIR) + "/tests/fixtures/grid/";
const std::string kBadCsv = std::string(FLEETSIM_SOURCE_DIR) + "/tests/bad_csv/";
const std::string kGridData = std::string(FLEETSIM_SHARED_DATA) + "/grid/";

fleetsim::core::Seconds utc(const char* text) {
  const auto t = fleetsim::core::parse_utc(text);
  REQUIRE(t);
  return *t;
}

TimeAxis axis(const char* start, int64_t hours) {
  return TimeAxis{utc(start), hours};
}

// The InputError message of `read`, or "" if it does not throw.
template <class Read>
std::string error_of(Read&& read) {
  try {
    read();
  } catch (const InputError& e) {
    return e.what();
  }
  return "";
}

std::vector<std::string> split(const std::string& line, char separator) {
  std::vector<std::string> fields;
  std::string field;
  std::istringstream in(line);
  while (std::getline(in, field, separator)) fields.push_back(field);
  if (!line.empty() && line.back() == separator) fields.emplace_back();
  return fields;
}

// A plain CSV table read independently of the reader under test: header names and the
// numeric value of every cell (NaN for an empty or non-numeric cell). Enough for the shared
// grid files, whose quoted fields (if any) come after the numeric columns.
struct Table {
  std::vector<std::string> header;
  std::vector<std::vector<double>> rows;
  size_t column(const std::string& name) const {
    const auto it = std::find(header.begin(), header.end(), name);
    REQUIRE(it != header.end());
    return static_cast<size_t>(it - header.begin());
  }
};

Table read_table(const std::string& path) {
  std::ifstream in(path);
  REQUIRE(in);
  Table t;
  std::string line;
  std::getline(in, line);
  t.header = split(line, ',');
  while (std::getline(in, line)) {
    std::vector<double> row;
    for (const std::string& cell : split(line, ',')) {
      char* end = nullptr;
      const double v = std::strtod(cell.c_str(), &end);
      row.push_back(cell.empty() || *end != '\0' ? std::nan("") : v);
    }
    row.resize(t.header.size(), std::nan(""));
    t.rows.push_back(row);
  }
  return t;
}

double mean(const std::vector<double>& v) {
  double sum = 0.0;
  for (double x : v) sum += x;
  return v.empty() ? 0.0 : sum / static_cast<double>(v.size());
}

std::vector<std::string> shared_files(const std::string& prefix) {
  std::vector<std::string> files;
  for (const auto& entry : std::filesystem::directory_iterator(kGridData)) {
    const std::string name = entry.path().filename().string();
    if (name.rfind(prefix, 0) == 0 && entry.path().extension() == ".csv") files.push_back(entry.path().string());
  }
  std::sort(files.begin(), files.end());
  return files;
}

bool shared_data_present() {
  return std::filesystem::is_directory(kGridData);
}

// Emission factors that turn the reader's intensity into 1000 x the share of the given fuels:
//   CI(h) = sum_f gen_f * EF_f / sum_f gen_f = 1000 * gen_fuels / gen_total.
EmissionFactors share_probe(std::initializer_list<const char*> fuels) {
  EmissionFactors f = EmissionFactors::ipcc_ar5_lifecycle();
  for (auto& [fuel, value] : f.g_per_kwh) value = 0.0;
  for (const char* fuel : fuels) f.g_per_kwh[fuel] = 1000.0;
  return f;
}

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace

// ---------------------------------------------------------------------------------------
// Emission factors

TEST_CASE("the default emission factors are the IPCC AR5 life-cycle medians", "[energy]") {
  const EmissionFactors f = EmissionFactors::ipcc_ar5_lifecycle();
  const std::map<std::string, double> expected = {{"wind", 11},
                                                  {"solar", 41},
                                                  {"hydro", 24},
                                                  {"oil", 650},
                                                  {"gas", 490},
                                                  {"coal", 820},
                                                  {"nuclear", 12},
                                                  {"other", 230},
                                                  {"biomass", 230},
                                                  {"waste", 230},
                                                  {"wind_offshore", 12},
                                                  {"geothermal", 38},
                                                  // stand-ins for ENTSO-E types with no AR5 median
                                                  {"peat", 820},
                                                  {"oil_shale", 820},
                                                  {"coal_derived_gas", 820},
                                                  {"other_renewable", 230},
                                                  {"marine", 12}};
  CHECK(f.g_per_kwh == expected);
  CHECK(f.at("gas") == 490.0);
  try {
    (void)f.at("tidal");
    FAIL("expected std::out_of_range");
  } catch (const std::out_of_range& e) {
    CHECK_THAT(e.what(), Catch::Contains("tidal"));
  }
}

// ---------------------------------------------------------------------------------------
// Small fixtures, values by hand

TEST_CASE("EIA-930 generation by fuel gives intensity and CFE share by hand", "[energy]") {
  GridCsvSpec spec;
  spec.path = kFixtures + "eia930_small.csv";
  spec.format = GridFormat::kEia930;
  const TimeAxis run = axis("2022-01-01T00:00:00Z", 4);

  // Row 3 is empty: without a fill policy that is an error naming the line.
  CHECK_THAT(error_of([&] { read_grid_csv(spec, run); }), Catch::Contains("eia930_small.csv:4: wind_mw: empty value"));

  // h0: 100 MW wind + 100 MW gas: CI = (100 * 11 + 100 * 490) / 200 = 250.5, CFE 0.5.
  // h1: 50 solar + 50 hydro + 100 coal: CI = (50 * 41 + 50 * 24 + 100 * 820) / 200 = 426.25,
  //     CFE = 100 / 200 = 0.5.
  // h3: 10 oil + 90 nuclear + 100 other: CI = (6500 + 1080 + 23000) / 200 = 152.9, CFE 0.45
  //     (other is not carbon-free).
  spec.fill = FillPolicy::kPrevious;
  GridSeries g = read_grid_csv(spec, run);
  REQUIRE(g.carbon_intensity_g_per_kwh.size() == 4);
  REQUIRE(g.cfe_share.size() == 4);
  CHECK(g.filled_hours == 1);
  CHECK(g.carbon_intensity_g_per_kwh[0] == Approx(250.5));
  CHECK(g.cfe_share[0] == Approx(0.5));
  CHECK(g.carbon_intensity_g_per_kwh[1] == Approx(426.25));
  CHECK(g.cfe_share[1] == Approx(0.5));
  CHECK(g.carbon_intensity_g_per_kwh[2] == Approx(426.25));  // the previous hour
  CHECK(g.cfe_share[2] == Approx(0.5));
  CHECK(g.carbon_intensity_g_per_kwh[3] == Approx(152.9));
  CHECK(g.cfe_share[3] == Approx(0.45));

  // kLinear interpolates each fuel: h2 = 25 solar, 25 hydro, 5 oil, 50 coal, 45 nuclear,
  // 50 other (200 MW): CI = (1025 + 600 + 3250 + 41000 + 540 + 11500) / 200 = 289.575.
  spec.fill = FillPolicy::kLinear;
  g = read_grid_csv(spec, run);
  CHECK(g.filled_hours == 1);
  CHECK(g.carbon_intensity_g_per_kwh[2] == Approx(289.575));
  CHECK(g.cfe_share[2] == Approx((25.0 + 25.0 + 45.0) / 200.0));

  // shift_s: run hour h reads the row at h + 1 hour.
  spec.shift_s = 3600;
  g = read_grid_csv(spec, axis("2022-01-01T00:00:00Z", 3));
  CHECK(g.carbon_intensity_g_per_kwh[0] == Approx(426.25));
  CHECK(g.carbon_intensity_g_per_kwh[2] == Approx(152.9));
}

TEST_CASE("EIA-930 emission factors can be overridden", "[energy]") {
  GridCsvSpec spec;
  spec.path = kFixtures + "eia930_small.csv";
  spec.format = GridFormat::kEia930;
  spec.factors.g_per_kwh["gas"] = 400.0;  // a different gas factor
  const TimeAxis run = axis("2022-01-01T00:00:00Z", 2);
  const GridSeries g = read_grid_csv(spec, run);
  CHECK(g.carbon_intensity_g_per_kwh[0] == Approx((100.0 * 11 + 100.0 * 400) / 200.0));
  CHECK(g.carbon_intensity_g_per_kwh[1] == Approx(426.25));

  spec.factors.g_per_kwh.erase("coal");
  CHECK_THAT(error_of([&] { read_grid_csv(spec, run); }),
             Catch::Contains("eia930_small.csv:1: coal_mw: no emission factor for fuel 'coal'"));
}

TEST_CASE("EIA-930 generation by fuel gives the water of the mix by hand (Macknick et al. 2012)", "[energy]") {
  GridCsvSpec spec;
  spec.path = kFixtures + "eia930_small.csv";
  spec.format = GridFormat::kEia930;
  const TimeAxis run = axis("2022-01-01T00:00:00Z", 2);
  const GridSeries g = read_grid_csv(spec, run);
  REQUIRE(g.water_l_per_kwh.size() == 2);
  constexpr double kGal = 3.785411784 / 1000.0;  // gal/MWh -> L/kWh
  // h0: 100 MW wind (0) + 100 MW gas (198 gal/MWh): (0 + 100 x 0.74951) / 200 = 0.37476 L/kWh
  CHECK(g.water_l_per_kwh[0] == Approx(100.0 * 198 * kGal / 200.0));
  CHECK(g.water_l_per_kwh[0] == Approx(0.37476).epsilon(1e-4));
  // h1: 50 solar (1) + 50 hydro (4,491) + 100 coal (687): (50 + 224,550 + 68,700) x kGal / 200 = 5.5513 L/kWh
  CHECK(g.water_l_per_kwh[1] == Approx((50.0 * 1 + 50.0 * 4491 + 100.0 * 687) * kGal / 200.0));
  CHECK(g.water_l_per_kwh[1] == Approx(5.5513).epsilon(1e-4));
  // an override: hydro's reservoir evaporation left out
  spec.water.l_per_kwh["hydro"] = 0.0;
  CHECK(read_grid_csv(spec, run).water_l_per_kwh[1] == Approx((50.0 * 1 + 100.0 * 687) * kGal / 200.0));
  // no marginal column named: none is read (nothing is invented)
  CHECK(g.marginal_carbon_intensity_g_per_kwh.empty());
}

TEST_CASE("a marginal intensity column is read beside the average one", "[energy]") {
  GridCsvSpec spec;
  spec.path = kFixtures + "eia930_small.csv";
  spec.format = GridFormat::kEia930;
  spec.marginal_carbon_intensity_column = "gas_mw";  // any numeric column of the file, read as it is
  const GridSeries g = read_grid_csv(spec, axis("2022-01-01T00:00:00Z", 2));
  REQUIRE(g.marginal_carbon_intensity_g_per_kwh.size() == 2);
  CHECK(g.marginal_carbon_intensity_g_per_kwh[0] == 100.0);
  CHECK(g.marginal_carbon_intensity_g_per_kwh[1] == 0.0);
  spec.marginal_carbon_intensity_column = "mci";
  CHECK_THAT(error_of([&] { read_grid_csv(spec, axis("2022-01-01T00:00:00Z", 2)); }), Catch::Contains("mci"));
}

TEST_CASE("ENTSO-E generation excludes imports and pumped storage, by hand", "[energy]") {
  GridCsvSpec spec;
  spec.format = GridFormat::kEntsoe;

  // GB columns, across the 2020 leap day. Pumped storage (-500, 300) and imports are left out.
  // h0: 100 biomass, 200 gas, 100 run-of-river, 200 nuclear, 200 offshore, 200 onshore wind:
  //     CI = (23000 + 98000 + 2400 + 2400 + 2400 + 2200) / 1000 = 130.4, CFE = 700 / 1000.
  // h1: 505 gas, -5 hard coal (net generation of an idle unit), 500 nuclear:
  //     CI = (247450 - 4100 + 6000) / 1000 = 249.35, CFE = 0.5.
  // h2: 100 other + 100 solar: CI = (23000 + 4100) / 200 = 135.5, CFE 0.5.
  spec.path = kFixtures + "entsoe_small_gb.csv";
  GridSeries g = read_grid_csv(spec, axis("2020-02-29T22:00:00Z", 3));
  CHECK(g.filled_hours == 0);
  CHECK(g.carbon_intensity_g_per_kwh[0] == Approx(130.4));
  CHECK(g.cfe_share[0] == Approx(0.7));
  CHECK(g.carbon_intensity_g_per_kwh[1] == Approx(249.35));
  CHECK(g.cfe_share[1] == Approx(0.5));
  CHECK(g.carbon_intensity_g_per_kwh[2] == Approx(135.5));
  CHECK(g.cfe_share[2] == Approx(0.5));

  // FR columns. h0: 100 gas, 100 run-of-river, 100 reservoir, 600 nuclear, 100 waste:
  //     CI = (49000 + 2400 + 2400 + 7200 + 23000) / 1000 = 84, CFE = 800 / 1000 (waste is not
  //     carbon-free).
  // h1: 50 biomass, 50 oil, 100 solar, 800 onshore wind:
  //     CI = (11500 + 32500 + 4100 + 8800) / 1000 = 56.9, CFE = 0.9.
  spec.path = kFixtures + "entsoe_small_fr.csv";
  g = read_grid_csv(spec, axis("2020-01-01T00:00:00Z", 2));
  CHECK(g.carbon_intensity_g_per_kwh[0] == Approx(84.0));
  CHECK(g.cfe_share[0] == Approx(0.8));
  CHECK(g.carbon_intensity_g_per_kwh[1] == Approx(56.9));
  CHECK(g.cfe_share[1] == Approx(0.9));
}

TEST_CASE("Electricity Maps: the chosen intensity column and low_carbon_pct / 100", "[energy]") {
  GridCsvSpec spec;
  spec.path = kFixtures + "electricitymaps_small.csv";
  spec.format = GridFormat::kElectricityMaps;
  const TimeAxis run = axis("2022-01-01T00:00:00Z", 3);
  GridSeries g = read_grid_csv(spec, run);  // default: ci_lifecycle_gco2eq_per_kwh
  CHECK(g.carbon_intensity_g_per_kwh == std::vector<double>{89.98, 91.58, 350.5});
  CHECK(g.cfe_share[0] == Approx(0.869));
  CHECK(g.cfe_share[1] == Approx(0.8663));
  CHECK(g.cfe_share[2] == 0.0);
  spec.carbon_intensity_column = "ci_direct_gco2eq_per_kwh";
  g = read_grid_csv(spec, run);
  CHECK(g.carbon_intensity_g_per_kwh == std::vector<double>{52.2, 53.12, 300.0});
}

// Raw exports, headers exactly as the platforms write them (tests/fixtures/grid/*_export_*.csv).

TEST_CASE("Electricity Maps exports are read as they come, both header generations", "[energy]") {
  GridCsvSpec spec;
  spec.format = GridFormat::kElectricityMaps;
  // 2022-2024 datasets: "Datetime (UTC)" as "YYYY-MM-DD HH:MM:SS", "(LCA)", "Low Carbon Percentage".
  spec.path = kFixtures + "electricitymaps_export_2022.csv";
  const TimeAxis run = axis("2022-01-01T00:00:00Z", 3);
  GridSeries g = read_grid_csv(spec, run);
  CHECK(g.carbon_intensity_g_per_kwh == std::vector<double>{89.98, 91.58, 350.5});
  CHECK(g.cfe_share[0] == Approx(0.869));
  CHECK(g.cfe_share[1] == Approx(0.8663));
  CHECK(g.cfe_share[2] == 0.0);
  // The same values as the shared-data convention's file.
  GridCsvSpec converted = spec;
  converted.path = kFixtures + "electricitymaps_small.csv";
  const GridSeries c = read_grid_csv(converted, run);
  CHECK(c.carbon_intensity_g_per_kwh == g.carbon_intensity_g_per_kwh);
  CHECK(c.cfe_share == g.cfe_share);
  // The direct intensity, named either way.
  for (const char* name : {"ci_direct_gco2eq_per_kwh", "Carbon Intensity gCO\u2082eq/kWh (direct)"}) {
    spec.carbon_intensity_column = name;
    CHECK(read_grid_csv(spec, run).carbon_intensity_g_per_kwh == std::vector<double>{52.2, 53.12, 300.0});
  }

  // Later datasets (with a UTF-8 byte-order mark here): "(Life cycle)", "Carbon-free energy
  // percentage (CFE%)".
  spec.path = kFixtures + "electricitymaps_export_2024.csv";
  spec.carbon_intensity_column.clear();
  g = read_grid_csv(spec, axis("2024-01-01T00:00:00Z", 2));
  CHECK(g.carbon_intensity_g_per_kwh == std::vector<double>{170.25, 180.0});
  CHECK(g.cfe_share[0] == Approx(0.805));
  CHECK(g.cfe_share[1] == Approx(0.79));
  spec.carbon_intensity_column = "ci_direct_gco2eq_per_kwh";
  CHECK(read_grid_csv(spec, axis("2024-01-01T00:00:00Z", 2)).carbon_intensity_g_per_kwh ==
        std::vector<double>{120.5, 130.0});
}

TEST_CASE("ENTSO-E Transparency Platform exports are read as they come", "[energy]") {
  GridCsvSpec spec;
  spec.format = GridFormat::kEntsoe;
  // "Area", "MTU (UTC)" intervals "DD.MM.YYYY HH:MM - ...", every production type as
  // "<type>  - Actual Aggregated [MW]" with "n/e" where the area has none; pumped-storage
  // consumption left out. The values of entsoe_small_fr.csv: the same results.
  spec.path = kFixtures + "entsoe_export_fr.csv";
  GridSeries g = read_grid_csv(spec, axis("2020-01-01T00:00:00Z", 2));
  CHECK(g.carbon_intensity_g_per_kwh[0] == Approx(84.0));
  CHECK(g.cfe_share[0] == Approx(0.8));
  CHECK(g.carbon_intensity_g_per_kwh[1] == Approx(56.9));
  CHECK(g.cfe_share[1] == Approx(0.9));

  // Newer exports: "MTU (UTC)" first, "DD/MM/YYYY HH:MM:SS - ..." across the leap day, one space
  // before the dash, energy storage (excluded like pumped storage, "N/A" there unread). The values
  // of entsoe_small_gb.csv.
  spec.path = kFixtures + "entsoe_export_gb.csv";
  g = read_grid_csv(spec, axis("2020-02-29T22:00:00Z", 3));
  CHECK(g.filled_hours == 0);
  CHECK(g.carbon_intensity_g_per_kwh[0] == Approx(130.4));
  CHECK(g.cfe_share[0] == Approx(0.7));
  CHECK(g.carbon_intensity_g_per_kwh[1] == Approx(249.35));
  CHECK(g.cfe_share[1] == Approx(0.5));
  CHECK(g.carbon_intensity_g_per_kwh[2] == Approx(135.5));
  CHECK(g.cfe_share[2] == Approx(0.5));

  // Types with stand-in factors (peat 820, marine 12) are read and can be overridden.
  spec.path = kFixtures + "entsoe_export_fr.csv";
  spec.factors.g_per_kwh["waste"] = 0.0;
  g = read_grid_csv(spec, axis("2020-01-01T00:00:00Z", 1));
  CHECK(g.carbon_intensity_g_per_kwh[0] == Approx(84.0 - 23.0));
}

TEST_CASE("time_column names the UTC time column of any file", "[energy]") {
  // A profile whose time column is "MTU (UTC)" is found by itself; another name needs time_column.
  ProfileCsvSpec profile;
  profile.path = kFixtures + "entsoe_export_fr.csv";
  profile.column = "Wind Onshore  - Actual Aggregated [MW]";
  profile.scale = ProfileCsvSpec::Scale::kDivideByMax;
  CHECK(read_profile_csv(profile, axis("2020-01-01T00:00:00Z", 2)) == HourlySeries{0.0, 1.0});
  profile.time_column = "Area";
  CHECK_THAT(error_of([&] { read_profile_csv(profile, axis("2020-01-01T00:00:00Z", 2)); }),
             Catch::Contains("entsoe_export_fr.csv:2: Area: 'BZN|FR' is not an ISO-8601 UTC timestamp"));
  profile.time_column = "MTU (UTC)";
  profile.column = "MTU (UTC)";
  CHECK_THAT(error_of([&] { read_profile_csv(profile, axis("2020-01-01T00:00:00Z", 2)); }),
             Catch::Contains("MTU (UTC): the time column cannot also be a value column"));
}

TEST_CASE("the columns format reads named columns with a CFE scale and a time shift", "[energy]") {
  GridCsvSpec spec;
  spec.path = kFixtures + "columns_small.csv";
  spec.format = GridFormat::kColumns;
  spec.carbon_intensity_column = "ci_g_per_kwh";
  spec.cfe_share_column = "cfe_pct";
  spec.cfe_share_scale = 0.01;
  spec.shift_s = -2 * 3600;  // the run starts on 1 July; the data two hours earlier
  const GridSeries g = read_grid_csv(spec, axis("2022-07-01T00:00:00Z", 3));
  CHECK(g.carbon_intensity_g_per_kwh == std::vector<double>{120.0, 80.0, 0.0});
  CHECK(g.cfe_share[0] == Approx(0.4));
  CHECK(g.cfe_share[1] == Approx(0.605));
  CHECK(g.cfe_share[2] == 1.0);

  spec.cfe_share_column.clear();
  CHECK_THAT(error_of([&] { read_grid_csv(spec, axis("2022-07-01T00:00:00Z", 3)); }),
             Catch::Contains("cfe_share_column"));
}

TEST_CASE("a missing grid file is an input error", "[energy]") {
  GridCsvSpec spec;
  spec.path = kFixtures + "no_such_file.csv";
  spec.format = GridFormat::kEia930;
  CHECK_THAT(error_of([&] { read_grid_csv(spec, axis("2022-01-01T00:00:00Z", 1)); }),
             Catch::Contains("no_such_file.csv: grid or profile CSV file not found"));
}

TEST_CASE("capacity-factor profiles: as given, divided by the maximum or by a capacity", "[energy]") {
  ProfileCsvSpec spec;
  spec.path = kFixtures + "profile_small.csv";
  const TimeAxis run = axis("2022-01-01T00:00:00Z", 4);
  spec.column = "cf";
  int64_t filled = -1;
  CHECK(read_profile_csv(spec, run, &filled) == HourlySeries{0.0, 0.5, 1.0, 0.25});
  CHECK(filled == 0);

  spec.column = "mw";
  spec.scale = ProfileCsvSpec::Scale::kDivideByMax;  // max over the run's rows: 100 MW
  CHECK(read_profile_csv(spec, run) == HourlySeries{0.0, 0.5, 1.0, 0.25});
  // Over hours 0..1 only, the maximum is 50 MW.
  CHECK(read_profile_csv(spec, axis("2022-01-01T00:00:00Z", 2)) == HourlySeries{0.0, 1.0});

  spec.scale = ProfileCsvSpec::Scale::kDivideBy;
  spec.divisor_mw = 200.0;
  CHECK(read_profile_csv(spec, run) == HourlySeries{0.0, 0.25, 0.5, 0.125});
  spec.divisor_mw = 100.0;  // exactly 1 at the peak
  CHECK(read_profile_csv(spec, run) == HourlySeries{0.0, 0.5, 1.0, 0.25});
  spec.divisor_mw = 99.9999;  // slightly above 1: an error naming the line
  CHECK_THAT(error_of([&] { read_profile_csv(spec, run); }),
             Catch::Contains("profile_small.csv:4: mw: 100 MW / 99.9999 MW = 1.000001") &&
                 Catch::Contains("above a capacity factor of 1"));
  spec.divisor_mw = 0.0;
  CHECK_THAT(error_of([&] { read_profile_csv(spec, run); }), Catch::Contains("divisor_mw"));
}

TEST_CASE("a fill policy extends a file by at most 24 hours at either end", "[energy]") {
  ProfileCsvSpec spec;
  spec.path = kFixtures + "profile_late.csv";  // 2022-01-01T02:00 .. 05:00
  spec.column = "cf";

  const TimeAxis run = axis("2022-01-01T00:00:00Z", 6);
  CHECK_THAT(error_of([&] { read_profile_csv(spec, run); }),
             Catch::Contains("profile_late.csv:2: datetime_utc: covers 2022-01-01T02:00:00Z..2022-01-01T05:00:00Z, "
                             "the run needs 2022-01-01T00:00:00Z..2022-01-01T05:00:00Z"));
  int64_t filled = 0;
  spec.fill = FillPolicy::kPrevious;
  const HourlySeries p = read_profile_csv(spec, run, &filled);
  CHECK(filled == 2);
  CHECK(p == HourlySeries{0.2, 0.2, 0.2, 0.4, 0.6, 0.8});
  spec.fill = FillPolicy::kLinear;
  CHECK(read_profile_csv(spec, run, &filled) == HourlySeries{0.2, 0.2, 0.2, 0.4, 0.6, 0.8});

  // 24 hours missing at the end is the most a fill policy extends; 25 is an error.
  const HourlySeries extended = read_profile_csv(spec, axis("2022-01-01T02:00:00Z", 4 + 24), &filled);
  CHECK(filled == 24);
  CHECK(extended.back() == 0.8);
  CHECK_THAT(error_of([&] { read_profile_csv(spec, axis("2022-01-01T02:00:00Z", 4 + 25)); }),
             Catch::Contains("profile_late.csv:5: datetime_utc: covers") &&
                 Catch::Contains("25 hours missing at the end") && Catch::Contains("at most 24 hours"));
  // The same at the start: 24 hours before the first row, but not 25.
  CHECK(read_profile_csv(spec, axis("2021-12-31T02:00:00Z", 28), &filled).front() == 0.2);
  CHECK(filled == 24);
  CHECK_THAT(
      error_of([&] { read_profile_csv(spec, axis("2021-12-31T01:00:00Z", 29)); }),
      Catch::Contains("profile_late.csv:2: datetime_utc: covers") && Catch::Contains("25 hours missing at the start"));
}

// ---------------------------------------------------------------------------------------
// The bad-CSV corpus: tests/bad_csv/cases.txt

TEST_CASE("the bad-CSV corpus", "[energy]") {
  std::ifstream manifest(kBadCsv + "cases.txt");
  REQUIRE(manifest);
  const TimeAxis run = axis("2022-01-01T00:00:00Z", 6);
  std::string line;
  int cases = 0;
  int errors = 0;
  while (std::getline(manifest, line)) {
    if (line.empty() || line[0] == '#') continue;
    const std::vector<std::string> f = split(line, '|');
    REQUIRE(f.size() == 4);
    const std::string& file = f[0];
    const std::string& format = f[1];
    const std::string& fill_name = f[2];
    const std::string& expected = f[3];
    INFO("case: " << line);
    ++cases;
    REQUIRE((fill_name == "none" || fill_name == "previous" || fill_name == "linear"));
    const FillPolicy fill = fill_name == "none"       ? FillPolicy::kNone
                            : fill_name == "previous" ? FillPolicy::kPrevious
                                                      : FillPolicy::kLinear;
    const bool profile = format.rfind("profile_", 0) == 0;
    GridSeries grid;
    HourlySeries cf;
    int64_t filled = -1;
    const std::string message = error_of([&] {
      if (profile) {
        ProfileCsvSpec spec;
        spec.path = kBadCsv + file;
        spec.fill = fill;
        if (format == "profile_cf") {
          spec.column = "cf";
        } else {
          REQUIRE(format == "profile_div100");
          spec.column = "mw";
          spec.scale = ProfileCsvSpec::Scale::kDivideBy;
          spec.divisor_mw = 100.0;
        }
        cf = read_profile_csv(spec, run, &filled);
        return;
      }
      GridCsvSpec spec;
      spec.path = kBadCsv + file;
      spec.fill = fill;
      if (format == "eia930") {
        spec.format = GridFormat::kEia930;
      } else if (format == "electricitymaps") {
        spec.format = GridFormat::kElectricityMaps;
      } else if (format == "entsoe") {
        spec.format = GridFormat::kEntsoe;
      } else {
        REQUIRE((format == "columns" || format == "columns_time"));
        spec.format = GridFormat::kColumns;
        spec.carbon_intensity_column = "ci";
        spec.cfe_share_column = "cfe";
        if (format == "columns_time") spec.time_column = "time";
      }
      grid = read_grid_csv(spec, run);
      filled = grid.filled_hours;
    });

    if (expected.rfind("filled=", 0) != 0) {
      // An error case: the message names the file and line.
      ++errors;
      REQUIRE(expected.find(file + ":") != std::string::npos);
      CHECK_THAT(message, Catch::Contains(expected));
      continue;
    }
    // An accepted file: "filled=N key=v0,...,v5 ...".
    REQUIRE(message.empty());
    for (const std::string& item : split(expected, ' ')) {
      const size_t eq = item.find('=');
      REQUIRE(eq != std::string::npos);
      const std::string key = item.substr(0, eq);
      const std::string value = item.substr(eq + 1);
      if (key == "filled") {
        CHECK(filled == std::stoll(value));
        continue;
      }
      const HourlySeries& got = key == "ci" ? grid.carbon_intensity_g_per_kwh : key == "cfe" ? grid.cfe_share : cf;
      REQUIRE((key == "ci" || key == "cfe" || key == "cf"));
      const std::vector<std::string> want = split(value, ',');
      REQUIRE(got.size() == want.size());
      for (size_t h = 0; h < want.size(); ++h) {
        INFO(key << "[" << h << "]");
        CHECK(got[h] == Approx(std::stod(want[h])).margin(1e-9));
      }
    }
  }
  CHECK(cases >= 40);
  CHECK(errors >= 25);
}

// ---------------------------------------------------------------------------------------
// The real files of ../shared/data/grid

TEST_CASE("EIA-930 files: our intensity from fuels matches the file's own column", "[energy][data]") {
  if (!shared_data_present()) {
    WARN("skipped: " << kGridData << " is absent (the shared data folder is not next to the checkout)");
    return;
  }
  const std::vector<std::string> files = shared_files("eia930_2022_");
  REQUIRE(files.size() == 8);
  // The files run 2021-12-31T23:00Z .. 2022-12-31T22:00Z (EIA stamps hour ends; the shared
  // data shifted them by -1 h): run hours of 2022 read the row one hour earlier.
  const TimeAxis run = axis("2022-01-01T00:00:00Z", 8760);
  const std::map<std::string, int64_t> empty_rows = {{"CISO", 3}, {"MISO", 3}, {"PJM", 23}};
  const char* fuels[] = {"wind_mw", "solar_mw", "hydro_mw", "oil_mw", "gas_mw", "coal_mw", "nuclear_mw", "other_mw"};
  for (const std::string& path : files) {
    const std::string ba = path.substr(path.rfind('_') + 1, path.size() - path.rfind('_') - 5);
    INFO(path);
    GridCsvSpec spec;
    spec.path = path;
    spec.format = GridFormat::kEia930;
    spec.shift_s = -3600;
    if (empty_rows.count(ba)) {
      CHECK_THROWS_AS(read_grid_csv(spec, run), InputError);  // empty rows and no fill policy
    }
    spec.fill = FillPolicy::kPrevious;
    const auto start = std::chrono::steady_clock::now();
    const GridSeries g = read_grid_csv(spec, run);
    INFO("read in " << seconds_since(start) << " s (speed is measured in docs/performance.md, not tested)");
    REQUIRE(g.carbon_intensity_g_per_kwh.size() == 8760);
    CHECK(g.filled_hours == (empty_rows.count(ba) ? empty_rows.at(ba) : 0));

    const Table t = read_table(path);
    REQUIRE(t.rows.size() == 8760);
    const size_t ci_column = t.column("ci_ipcc_ar5_lifecycle_gco2eq_per_kwh");
    // Hourly: the file rounds to 2 decimals, so |ours - file| <= 0.01 + 0.005 g/kWh.
    double worst = 0.0;
    std::vector<double> ours_where_file;
    std::vector<double> file_ci;
    for (size_t h = 0; h < t.rows.size(); ++h) {
      const double file_value = t.rows[h][ci_column];
      if (std::isnan(file_value)) continue;
      worst = std::max(worst, std::abs(g.carbon_intensity_g_per_kwh[h] - file_value));
      ours_where_file.push_back(g.carbon_intensity_g_per_kwh[h]);
      file_ci.push_back(file_value);
    }
    CHECK(worst <= 0.015);
    // Annual mean: ours over every run hour (filled ones included) and the file's over its
    // non-empty rows, within 0.5%; over the same rows, within the rounding.
    CHECK(mean(g.carbon_intensity_g_per_kwh) == Approx(mean(file_ci)).epsilon(0.005));
    CHECK(mean(ours_where_file) == Approx(mean(file_ci)).margin(0.005));

    // Solar, wind and CFE annual shares: sum of the columns / sum of all generation, computed
    // here from the file, against what the reader implies. With factors of 1000 g/kWh for the
    // probed fuels and 0 for the others the reader's intensity is 1000 x the hourly share; the
    // generation-weighted mean over the complete rows is the annual share.
    double total = 0.0;
    double solar = 0.0;
    double wind = 0.0;
    double cfe = 0.0;
    std::vector<size_t> fuel_columns;
    for (const char* fuel : fuels) fuel_columns.push_back(t.column(fuel));
    const size_t solar_column = t.column("solar_mw");
    const size_t wind_column = t.column("wind_mw");
    const size_t hydro_column = t.column("hydro_mw");
    const size_t nuclear_column = t.column("nuclear_mw");
    std::vector<double> row_total(t.rows.size(), std::nan(""));
    for (size_t h = 0; h < t.rows.size(); ++h) {
      const std::vector<double>& row = t.rows[h];
      double sum = 0.0;
      for (size_t c : fuel_columns) sum += row[c];
      if (std::isnan(sum)) continue;
      row_total[h] = sum;
      total += sum;
      solar += row[solar_column];
      wind += row[wind_column];
      cfe += row[wind_column] + row[solar_column] + row[hydro_column] + row[nuclear_column];
    }
    auto implied = [&](const HourlySeries& share, double scale) {
      double weighted = 0.0;
      for (size_t h = 0; h < share.size(); ++h) {
        if (!std::isnan(row_total[h])) weighted += share[h] / scale * row_total[h];
      }
      return weighted / total;
    };
    spec.factors = share_probe({"solar"});
    const double solar_share = implied(read_grid_csv(spec, run).carbon_intensity_g_per_kwh, 1000.0);
    spec.factors = share_probe({"wind"});
    const double wind_share = implied(read_grid_csv(spec, run).carbon_intensity_g_per_kwh, 1000.0);
    CHECK(solar_share == Approx(solar / total).epsilon(0.005).margin(1e-9));
    CHECK(wind_share == Approx(wind / total).epsilon(0.005).margin(1e-9));
    CHECK(implied(g.cfe_share, 1.0) == Approx(cfe / total).epsilon(0.005));
  }
}

TEST_CASE("ENTSO-E 2020 files: 8784 hours matching the derived intensity column", "[energy][data]") {
  if (!shared_data_present()) {
    WARN("skipped: " << kGridData << " is absent (the shared data folder is not next to the checkout)");
    return;
  }
  const TimeAxis run = axis("2020-01-01T00:00:00Z", fleetsim::core::hours_in_year(2020));
  REQUIRE(run.hours == 8784);
  for (const char* country : {"FR", "GB"}) {
    const std::string path = kGridData + "entsoe_2020_" + country + ".csv";
    INFO(path);
    GridCsvSpec spec;
    spec.path = path;
    spec.format = GridFormat::kEntsoe;
    const auto start = std::chrono::steady_clock::now();
    const GridSeries g = read_grid_csv(spec, run);
    INFO("read in " << seconds_since(start) << " s");
    REQUIRE(g.carbon_intensity_g_per_kwh.size() == 8784);
    CHECK(g.filled_hours == 0);

    const Table t = read_table(path);
    REQUIRE(t.rows.size() == 8784);
    const size_t ci_column = t.column("ci_ipcc_ar5_lifecycle_gco2eq_per_kwh_derived");
    double worst = 0.0;
    std::vector<double> file_ci;
    for (size_t h = 0; h < t.rows.size(); ++h) {
      worst = std::max(worst, std::abs(g.carbon_intensity_g_per_kwh[h] - t.rows[h][ci_column]));
      file_ci.push_back(t.rows[h][ci_column]);
    }
    CHECK(worst <= 0.015);
    CHECK(mean(g.carbon_intensity_g_per_kwh) == Approx(mean(file_ci)).epsilon(0.005));
    CHECK(mean(g.carbon_intensity_g_per_kwh) == Approx(mean(file_ci)).margin(0.005));

    // Shares from the README's generation columns (imports and pumped storage excluded).
    std::vector<std::string> generation;
    for (const std::string& name : t.header) {
      const bool mw = name.size() > 3 && name.compare(name.size() - 3, 3, "_mw") == 0;
      if (mw && name.rfind("import_", 0) != 0 && name != "hydro_pumped_storage_mw") generation.push_back(name);
    }
    CHECK(generation.size() == 10u);  // FR and GB have 10 generation columns each
    double total = 0.0;
    double solar = 0.0;
    double wind = 0.0;
    double cfe = 0.0;
    std::vector<double> row_total(t.rows.size(), 0.0);
    std::vector<size_t> generation_columns;
    for (const std::string& name : generation) generation_columns.push_back(t.column(name));
    for (size_t h = 0; h < t.rows.size(); ++h) {
      for (size_t i = 0; i < generation.size(); ++i) {
        const std::string& name = generation[i];
        const double v = t.rows[h][generation_columns[i]];
        row_total[h] += v;
        if (name == "solar_mw") solar += v;
        if (name.rfind("wind_", 0) == 0) wind += v;
        if (name.rfind("wind_", 0) == 0 || name == "solar_mw" || name == "nuclear_mw" || name.rfind("hydro_", 0) == 0) {
          cfe += v;
        }
      }
      total += row_total[h];
    }
    auto implied = [&](const HourlySeries& share, double scale) {
      double weighted = 0.0;
      for (size_t h = 0; h < share.size(); ++h) weighted += share[h] / scale * row_total[h];
      return weighted / total;
    };
    spec.factors = share_probe({"solar"});
    CHECK(implied(read_grid_csv(spec, run).carbon_intensity_g_per_kwh, 1000.0) == Approx(solar / total).epsilon(0.005));
    spec.factors = share_probe({"wind", "wind_offshore"});
    CHECK(implied(read_grid_csv(spec, run).carbon_intensity_g_per_kwh, 1000.0) == Approx(wind / total).epsilon(0.005));
    CHECK(implied(g.cfe_share, 1.0) == Approx(cfe / total).epsilon(0.005));
  }
}

TEST_CASE("Electricity Maps files: annual means equal the files' columns", "[energy][data]") {
  if (!shared_data_present()) {
    WARN("skipped: " << kGridData << " is absent (the shared data folder is not next to the checkout)");
    return;
  }
  const std::vector<std::string> files = shared_files("electricitymaps_2022_");
  REQUIRE(files.size() == 15);
  const TimeAxis run = axis("2022-01-01T00:00:00Z", 8760);
  for (const std::string& path : files) {
    INFO(path);
    const Table t = read_table(path);
    REQUIRE(t.rows.size() == 8760);
    for (const char* column : {"ci_lifecycle_gco2eq_per_kwh", "ci_direct_gco2eq_per_kwh"}) {
      GridCsvSpec spec;
      spec.path = path;
      spec.format = GridFormat::kElectricityMaps;
      if (std::string(column) != "ci_lifecycle_gco2eq_per_kwh") spec.carbon_intensity_column = column;
      const auto start = std::chrono::steady_clock::now();
      const GridSeries g = read_grid_csv(spec, run);
      INFO("read in " << seconds_since(start) << " s");
      REQUIRE(g.carbon_intensity_g_per_kwh.size() == 8760);
      CHECK(g.filled_hours == 0);
      const size_t ci_column = t.column(column);
      const size_t pct_column = t.column("low_carbon_pct");
      std::vector<double> file_ci;
      std::vector<double> file_share;
      for (const auto& row : t.rows) {
        file_ci.push_back(row[ci_column]);
        file_share.push_back(row[pct_column] / 100.0);
      }
      CHECK(mean(g.carbon_intensity_g_per_kwh) == Approx(mean(file_ci)).epsilon(1e-12));
      CHECK(mean(g.cfe_share) == Approx(mean(file_share)).epsilon(1e-12));
      CHECK(g.carbon_intensity_g_per_kwh == file_ci);
    }
  }
}

namespace {

// The shared files are the raw exports with their columns renamed and timestamps rewritten
// (../shared/data/README.md, "Transformations"). Undoing that gives files laid out as the
// platforms export them; the reader must give the same series from both.
std::string export_time_entsoe(fleetsim::core::Seconds t) {
  auto day_first = [](fleetsim::core::Seconds s) {
    const std::string iso = fleetsim::core::format_utc(s);  // YYYY-MM-DDTHH:MM:SSZ
    return iso.substr(8, 2) + "." + iso.substr(5, 2) + "." + iso.substr(0, 4) + " " + iso.substr(11, 5);
  };
  return day_first(t) + " - " + day_first(t + 3600);
}

std::string write_as_export(const std::string& shared_path, const std::string& name, bool entsoe) {
  const std::map<std::string, std::string> em_names = {
      {"datetime_utc", "Datetime (UTC)"},
      {"zone_id", "Zone Id"},
      {"ci_direct_gco2eq_per_kwh", "Carbon Intensity gCO\u2082eq/kWh (direct)"},
      {"ci_lifecycle_gco2eq_per_kwh", "Carbon Intensity gCO\u2082eq/kWh (LCA)"},
      {"low_carbon_pct", "Low Carbon Percentage"},
      {"renewable_pct", "Renewable Percentage"},
      {"data_source", "Data Source"},
      {"data_estimated", "Data Estimated"},
      {"data_estimation_method", "Data Estimation Method"}};
  const std::map<std::string, std::string> entsoe_types = {{"biomass_mw", "Biomass"},
                                                           {"gas_mw", "Fossil Gas"},
                                                           {"hard_coal_mw", "Fossil Hard coal"},
                                                           {"oil_mw", "Fossil Oil"},
                                                           {"hydro_pumped_storage_mw", "Hydro Pumped Storage"},
                                                           {"hydro_run_of_river_mw", "Hydro Run-of-river and poundage"},
                                                           {"hydro_reservoir_mw", "Hydro Water Reservoir"},
                                                           {"nuclear_mw", "Nuclear"},
                                                           {"solar_mw", "Solar"},
                                                           {"waste_mw", "Waste"},
                                                           {"other_mw", "Other"},
                                                           {"wind_onshore_mw", "Wind Onshore"},
                                                           {"wind_offshore_mw", "Wind Offshore"}};
  const std::string out_path = (std::filesystem::temp_directory_path() / name).string();
  std::ifstream in(shared_path);
  std::ofstream out(out_path, std::ios::binary);
  REQUIRE(in);
  REQUIRE(out);
  std::string line;
  std::getline(in, line);
  std::string header = entsoe ? "\"Area\"" : "";
  for (const std::string& column : split(line, ',')) {
    std::string exported = column;
    if (entsoe) {
      if (column == "datetime_utc") exported = "MTU (UTC)";
      if (entsoe_types.count(column) != 0) exported = entsoe_types.at(column) + "  - Actual Aggregated [MW]";
      header += ",\"" + exported + "\"";
    } else {
      exported = em_names.at(column);
      header += (header.empty() ? "" : ",") + exported;
      if (column == "datetime_utc") header += ",Country,Zone Name";
    }
  }
  // Every type the area lacks, as the platform writes it: "n/e" in every row.
  if (entsoe) header += ",\"Fossil Peat  - Actual Aggregated [MW]\",\"Marine  - Actual Aggregated [MW]\"";
  out << header << "\n";
  while (std::getline(in, line)) {
    const size_t comma = line.find(',');
    const std::string time = line.substr(0, comma);
    const std::string rest = line.substr(comma);
    if (entsoe) {
      out << "\"BZN|XX\",\"" << export_time_entsoe(utc(time.c_str())) << "\"" << rest << ",n/e,n/e\n";
    } else {
      out << time.substr(0, 10) << " " << time.substr(11, 8) << ",Country,Zone" << rest << "\n";
    }
  }
  return out_path;
}

}  // namespace

TEST_CASE("shared files laid out as raw exports give the same series", "[energy][data]") {
  if (!shared_data_present()) {
    WARN("skipped: " << kGridData << " is absent (the shared data folder is not next to the checkout)");
    return;
  }
  for (const char* zone : {"DE", "GB", "US-CAL-CISO"}) {
    const std::string shared = kGridData + "electricitymaps_2022_" + zone + ".csv";
    INFO(shared);
    GridCsvSpec spec;
    spec.path = shared;
    spec.format = GridFormat::kElectricityMaps;
    const TimeAxis run = axis("2022-01-01T00:00:00Z", 8760);
    const GridSeries want = read_grid_csv(spec, run);
    spec.path = write_as_export(shared, std::string("fleetsim_em_export_") + zone + ".csv", false);
    const GridSeries got = read_grid_csv(spec, run);
    CHECK(got.carbon_intensity_g_per_kwh == want.carbon_intensity_g_per_kwh);
    CHECK(got.cfe_share == want.cfe_share);
    std::filesystem::remove(spec.path);
  }
  for (const char* country : {"FR", "GB"}) {
    const std::string shared = kGridData + "entsoe_2020_" + country + ".csv";
    INFO(shared);
    GridCsvSpec spec;
    spec.path = shared;
    spec.format = GridFormat::kEntsoe;
    const TimeAxis run = axis("2020-01-01T00:00:00Z", 8784);
    const GridSeries want = read_grid_csv(spec, run);
    spec.path = write_as_export(shared, std::string("fleetsim_entsoe_export_") + country + ".csv", true);
    const GridSeries got = read_grid_csv(spec, run);
    CHECK(got.carbon_intensity_g_per_kwh == want.carbon_intensity_g_per_kwh);
    CHECK(got.cfe_share == want.cfe_share);
    std::filesystem::remove(spec.path);
  }
}

TEST_CASE("profiles from real files: NESO capacity factors and EIA solar", "[energy][data]") {
  if (!shared_data_present()) {
    WARN("skipped: " << kGridData << " is absent (the shared data folder is not next to the checkout)");
    return;
  }
  // NESO 2021: the file's capacity factor (4 decimals) and generation / 6527 MW agree.
  const TimeAxis run = axis("2021-01-01T00:00:00Z", 8760);
  ProfileCsvSpec spec;
  spec.path = kGridData + "neso_gb_demand_embedded_renewables_2021.csv";
  spec.column = "embedded_wind_cf";
  const auto start = std::chrono::steady_clock::now();
  const HourlySeries cf = read_profile_csv(spec, run);
  INFO("read in " << seconds_since(start) << " s");
  spec.column = "embedded_wind_generation_mw";
  spec.scale = ProfileCsvSpec::Scale::kDivideBy;
  spec.divisor_mw = 6527.0;
  const HourlySeries divided = read_profile_csv(spec, run);
  REQUIRE(cf.size() == 8760);
  REQUIRE(divided.size() == 8760);
  double worst = 0.0;
  for (size_t h = 0; h < cf.size(); ++h) worst = std::max(worst, std::abs(cf[h] - divided[h]));
  CHECK(worst <= 0.5e-4 + 1e-12);
  CHECK(mean(cf) == Approx(mean(divided)).epsilon(0.001));
  // The same year used for a 2022 run: shift by -365 days.
  spec.shift_s = -365 * fleetsim::core::kSecondsPerDay;
  CHECK(read_profile_csv(spec, axis("2022-01-01T00:00:00Z", 8760)) == divided);

  // EIA CISO solar divided by its maximum; the filled empty rows are counted.
  ProfileCsvSpec solar;
  solar.path = kGridData + "eia930_2022_CISO.csv";
  solar.column = "solar_mw";
  solar.scale = ProfileCsvSpec::Scale::kDivideByMax;
  solar.shift_s = -3600;
  const TimeAxis year = axis("2022-01-01T00:00:00Z", 8760);
  CHECK_THROWS_AS(read_profile_csv(solar, year), InputError);
  solar.fill = FillPolicy::kLinear;
  int64_t filled = 0;
  const HourlySeries s = read_profile_csv(solar, year, &filled);
  CHECK(filled == 3);
  CHECK(*std::max_element(s.begin(), s.end()) == 1.0);
  CHECK(*std::min_element(s.begin(), s.end()) >= 0.0);
}

TEST_CASE("EIA-930 hours whose generation sums to more than a double holds are refused", "[energy]") {
  // Factors of 0: the emissions stay finite, so only the sum of generation overflows; its
  // carbon intensity was inf / inf = NaN, stored as 0 g/kWh.
  GridCsvSpec spec;
  spec.path = kBadCsv + "eia_sum_overflow.csv";
  spec.format = GridFormat::kEia930;
  for (auto& [fuel, factor] : spec.factors.g_per_kwh) factor = 0.0;
  CHECK_THAT(error_of([&] { read_grid_csv(spec, axis("2022-01-01T00:00:00Z", 6)); }),
             Catch::Contains("eia_sum_overflow.csv:3: coal_mw: value 1e+308: the hour's total generation"));
  // large values whose sums are finite are read
  const auto dir = std::filesystem::temp_directory_path() / "fleetsim_test_grid_large";
  std::filesystem::create_directories(dir);
  const std::string path = (dir / "large.csv").string();
  {
    std::ofstream out(path);
    out << "datetime_utc,wind_mw,solar_mw,hydro_mw,oil_mw,gas_mw,coal_mw,nuclear_mw,other_mw\n";
    out << "2022-01-01T00:00:00Z,1e300,0,0,0,1e300,0,0,0\n";
  }
  GridCsvSpec large;
  large.path = path;
  large.format = GridFormat::kEia930;
  const GridSeries g = read_grid_csv(large, axis("2022-01-01T00:00:00Z", 1));
  CHECK(g.carbon_intensity_g_per_kwh[0] == Approx((11.0 + 490.0) / 2.0));
  std::filesystem::remove_all(dir);
}

TEST_CASE("a 10 MB CSV field gives a short one-line message", "[energy]") {
  const auto dir = std::filesystem::temp_directory_path() / "fleetsim_test_grid_big_field";
  std::filesystem::create_directories(dir);
  for (const size_t size : {size_t{900'000}, size_t{10'000'000}}) {
    INFO(size);
    const std::string path = (dir / "big.csv").string();
    {
      std::ofstream out(path);
      out << "datetime_utc,ci,cfe\n2022-01-01T00:00:00Z,100,0.1\n2022-01-01T01:00:00Z," << std::string(size / 2, '7')
          << "\r\x1b" << std::string(size / 2, '7') << ",0.2\n";
    }
    GridCsvSpec spec;
    spec.path = path;
    spec.carbon_intensity_column = "ci";
    spec.cfe_share_column = "cfe";
    const std::string message = error_of([&] { read_grid_csv(spec, axis("2022-01-01T00:00:00Z", 2)); });
    CHECK_FALSE(message.empty());
    CHECK(message.size() < 1000);
    CHECK(message.find('\n') == std::string::npos);
    CHECK(message.find('\r') == std::string::npos);
    INFO(message);
    CHECK(message.find('\x1b') == std::string::npos);
    CHECK_THAT(message, Catch::Contains("big.csv:"));
  }
  std::filesystem::remove_all(dir);
}
