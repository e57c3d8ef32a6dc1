#include "scenario/schema.hpp"

#include <algorithm>
#include <set>
#include <sstream>

#include "policy/scheduling.hpp"

namespace fleetsim::scenario {
namespace {

constexpr double kInf = 1e300;

Key number(std::string name, std::string unit, std::string def, double min, double max, std::string description,
           bool min_exclusive = false) {
  Key k;
  k.name = std::move(name);
  k.kind = Kind::kNumber;
  k.unit = std::move(unit);
  k.default_text = std::move(def);
  k.min = min;
  k.max = max;
  k.min_exclusive = min_exclusive;
  k.description = std::move(description);
  return k;
}

Key integer(std::string name, std::string unit, std::string def, double min, double max, std::string description) {
  Key k = number(std::move(name), std::move(unit), std::move(def), min, max, std::move(description));
  k.kind = Kind::kInteger;
  return k;
}

Key string(std::string name, std::string def, std::string description, std::vector<std::string> choices = {}) {
  Key k;
  k.name = std::move(name);
  k.kind = Kind::kString;
  k.default_text = std::move(def);
  k.description = std::move(description);
  k.choices = std::move(choices);
  return k;
}

Key of_kind(Key k, Kind kind) {
  k.kind = kind;
  return k;
}

Key free_text(Key k) {
  k.free_text = true;
  return k;
}

Key empty_ok(Key k) {
  k.empty_ok = true;
  return k;
}

Key required(Key k) {
  k.required = true;
  return k;
}

Key section(std::string name, Kind kind, const Section& s, std::string description, bool is_required = false) {
  Key k;
  k.name = std::move(name);
  k.kind = kind;
  k.section = &s;
  k.description = std::move(description);
  k.required = is_required;
  return k;
}

const Section& gpu_type_section() {
  static const Section s{
      "gpu_types.<name>",
      "Overrides fields of a built-in GPU type, or adds a new type (then every field is needed). "
      "Built-in values and their sources: `fleetsim catalog`, docs/models.md.",
      {
          number("max_power_w", "W", "", 0, 5000, "board power at full load (TDP)", true),
          number("idle_power_w", "W", "", 0, 5000, "board power when on and idle; at most max_power_w"),
          number("overhead_w", "W", "", 0, 10000,
                 "per-GPU share of server power outside the GPU (CPUs, memory, NICs, fans, PSU losses)"),
          number("training_throughput", "", "", 0, 1000, "training work per GPU-hour relative to an A100 (= 1)", true),
          number("embodied_kg", "kgCO2e", "", 0, 1e6,
                 "embodied (manufacturing) carbon of one GPU with its share of the server (docs/models.md, "
                 "\"Footprint\"); a new type without it: 0"),
          number("capex_usd", "USD", "", 0, 1e8,
                 "purchase price of one GPU with its share of the server; a new type without it: 0"),
      }};
  return s;
}

const Section& grid_section() {
  static const Section s{
      "regions[].grid",
      "The region's grid: hourly carbon intensity and carbon-free share, from the built-in synthetic "
      "generator or a CSV file (docs/energy.md, \"Grid supply\"). Absent: synthetic with the defaults below "
      "(the 2022 world average, Ember Global Electricity Review 2023).",
      {
          string("source", "synthetic", "where the hourly values come from", {"synthetic", "csv"}),
          number("mean_carbon_intensity_g_per_kwh", "gCO2/kWh", "436", 0, 2000,
                 "synthetic: time-mean carbon intensity of grid electricity"),
          number("mean_cfe_share", "", "0.39", 0, 1, "synthetic: time-mean carbon-free share of grid electricity"),
          number("solar_share", "", "0.045", 0, 1, "synthetic: annual share of grid energy from solar"),
          number("wind_share", "", "0.075", 0, 1, "synthetic: annual share of grid energy from wind"),
          number("clean_ci_g_per_kwh", "gCO2/kWh", "20", 0, 200,
                 "synthetic: life-cycle intensity of the grid's carbon-free part"),
          string("file", "", "csv: path, relative to base_dir"),
          string("format", "columns", "csv: layout (docs/energy.md, \"Grid data\")",
                 {"eia930", "electricitymaps", "entsoe", "columns"}),
          string("time_column", "",
                 "csv: the UTC time column; default datetime_utc, or a raw export's own \"Datetime (UTC)\" "
                 "(Electricity Maps) or \"MTU (UTC)\" (ENTSO-E)"),
          string("carbon_intensity_column", "",
                 "csv: intensity column (columns format; electricitymaps: default ci_lifecycle_gco2eq_per_kwh, "
                 "or the export's \"Carbon Intensity gCO2eq/kWh (LCA)\")"),
          string("cfe_share_column", "", "csv, columns format: carbon-free share column"),
          number("cfe_share_scale", "", "1", 0, 1, "csv, columns format: factor to a 0..1 share (0.01 for percent)",
                 true),
          string("fill", "none", "csv: how missing hours and empty values are treated", {"none", "previous", "linear"}),
          number("shift_h", "h", "0", -1e6, 1e6, "csv: the data for run hour t is the row at t + shift_h"),
          of_kind(number("emission_factors_g_per_kwh", "gCO2/kWh", "", 0, 5000,
                         "csv, eia930/entsoe: overrides of the IPCC AR5 life-cycle factors by fuel, e.g. {gas: 450}"),
                  Kind::kNumberMap),
          of_kind(number("water_factors_l_per_kwh", "L/kWh", "", 0, 1000,
                         "csv, eia930/entsoe: overrides of the operational water consumption by fuel (Macknick et al. "
                         "2012 medians), e.g. {hydro: 0}"),
                  Kind::kNumberMap),
          string("marginal_carbon_intensity_column", "",
                 "csv, any format: a column of marginal (consequential) carbon intensity, gCO2/kWh; runs then "
                 "report marginal emissions and scheduler.signal may be marginal_carbon_intensity"),
      }};
  return s;
}

const Section& contract_section() {
  static const Section s{
      "regions[].contracts[]",
      "Procured carbon-free supply delivered on the region's grid: capacity x an hourly capacity factor "
      "(docs/energy.md, \"Contracts\").",
      {
          string("name", "", "label; default: the type and index"),
          required(string("type", "", "technology", {"solar", "wind", "hydro", "nuclear", "geothermal"})),
          required(number("capacity_mw", "MW", "", 0, 1e6, "nameplate capacity")),
          string("profile", "",
                 "hourly capacity factor: synthetic (default for solar and wind), constant "
                 "(default for the others) or csv",
                 {"synthetic", "constant", "csv"}),
          number("capacity_factor", "", "", 0, 1,
                 "synthetic: target annual mean; constant: the value. Defaults: solar 0.2, wind 0.35, hydro 0.4, "
                 "nuclear 0.92, geothermal 0.75",
                 true),
          number("latitude_deg", "deg", "", -90, 90, "synthetic solar: location; default the region's"),
          number("longitude_deg", "deg", "", -180, 180,
                 "synthetic solar: location, east positive; default the region's"),
          number("cloudiness", "", "0.4", 0, 1, "synthetic solar: mean cloud cover"),
          number("cloud_correlation_h", "h", "24", 0, 1e4, "synthetic solar: correlation time of cloud cover", true),
          number("weibull_shape", "", "2", 0, 20, "synthetic wind: Weibull shape k of wind speed", true),
          number("correlation_h", "h", "18", 0, 1e4, "synthetic wind: correlation time of wind speed", true),
          string("file", "", "csv: path, relative to base_dir"),
          string("column", "", "csv: the column to read"),
          string("time_column", "", "csv: the UTC time column; default as for regions[].grid.time_column"),
          string("scale", "capacity_factor", "csv: how the column becomes a capacity factor",
                 {"capacity_factor", "divide_by_max", "divide_by"}),
          number("divisor_mw", "MW", "", 0, 1e7, "csv, scale divide_by: the installed capacity behind the column",
                 true),
          string("fill", "none", "csv: how missing hours and empty values are treated", {"none", "previous", "linear"}),
          number("shift_h", "h", "0", -1e6, 1e6, "csv: the data for run hour t is the row at t + shift_h"),
          number("price_usd_per_mwh", "USD/MWh", "", 0, 1e5,
                 "price of the contract's energy (all of it, used or not); absent: footprint.contract_usd_per_mwh "
                 "of its type"),
      }};
  return s;
}

// An hourly series read from one CSV column (prices, temperatures): the keys shared by
// regions[].price and sites[].water.
std::vector<Key> series_csv_keys(const std::string& what) {
  return {
      string("file", "", "csv: path, relative to base_dir, of the hourly " + what),
      string("column", "", "csv: the column to read"),
      string("time_column", "", "csv: the UTC time column; default as for regions[].grid.time_column"),
      string("fill", "none", "csv: how missing hours and empty values are treated", {"none", "previous", "linear"}),
      number("shift_h", "h", "0", -1e6, 1e6, "csv: the data for run hour t is the row at t + shift_h"),
  };
}

const Section& price_section() {
  static const Section s = [] {
    Section sec{"regions[].price",
                "The price of grid energy in the region (docs/models.md, \"Cost\"): flat, or hourly from a CSV column "
                "(USD/MWh; negative prices allowed).",
                {number("usd_per_mwh", "USD/MWh", "", -1e5, 1e5, "flat price; absent: footprint.energy_usd_per_mwh")}};
    for (Key& k : series_csv_keys("price (USD/MWh)")) sec.keys.push_back(std::move(k));
    return sec;
  }();
  return s;
}

const Section& imports_section() {
  static const Section s{
      "regions[].imports",
      "Production-based grid data (EIA-930, ENTSO-E generation) count only what the area generates: an area "
      "that imports part of its electricity, or exports its hydro, is described by a mix its load does not get "
      "(docs/energy.md, \"What grid data count\"). This corrects the hourly grid mix for imports: "
      "g' = (1 - share) g + share x cfe_share, and CI' likewise when carbon_intensity_g_per_kwh is given.",
      {
          required(number("share", "", "", 0, 1, "share of the region's consumption that is imported")),
          required(number("cfe_share", "", "", 0, 1, "carbon-free share of the imported electricity")),
          number("carbon_intensity_g_per_kwh", "gCO2/kWh", "", 0, 2000,
                 "carbon intensity of the imported electricity; absent: CI is left as the data give it"),
      }};
  return s;
}

const Section& battery_section() {
  static const Section s{
      "regions[].battery",
      "A battery charged only from excess contracted CFE and discharged to cover the region's deficit.",
      {
          required(number("energy_mwh", "MWh", "", 0, 1e7, "usable energy capacity")),
          required(number("power_mw", "MW", "", 0, 1e6, "charge and discharge power limit")),
          number("round_trip_efficiency", "", "0.9", 0, 1, "energy out / energy in, losses booked on charging", true),
          number("initial_soc", "", "0", 0, 1, "state of charge at the start, fraction of energy_mwh"),
      }};
  return s;
}

const Section& region_section() {
  static const Section s{
      "regions[]",
      "A grid region: the unit of energy accounting. Surplus in one region never offsets a deficit in another.",
      {
          required(string("name", "", "unique region name")),
          number("latitude_deg", "deg", "40", -90, 90, "location for synthetic solar and grid profiles"),
          number("longitude_deg", "deg", "0", -180, 180, "location, east positive"),
          number("utc_offset_h", "h", "", -14, 14,
                 "local time = UTC + offset (fixed, no daylight saving), for calendar deadlines; absent: "
                 "longitude_deg / 15 rounded to a whole hour (0 without longitude_deg)"),
          section("grid", Kind::kSection, grid_section(), "grid supply (default: synthetic world average)"),
          section("contracts", Kind::kSectionList, contract_section(), "procured carbon-free supply"),
          section("battery", Kind::kSection, battery_section(), "storage for excess contracted CFE"),
          section("price", Kind::kSection, price_section(),
                  "grid energy price (default: footprint.energy_usd_per_mwh)"),
          number("water_l_per_kwh", "L/kWh", "", 0, 1000,
                 "off-site water consumed per kWh drawn from the grid; absent: from the grid's generation mix "
                 "(eia930, entsoe), else footprint.offsite_l_per_kwh"),
          section("imports", Kind::kSection, imports_section(), "correction of production-based grid data for imports"),
      }};
  return s;
}

const Section& replacement_section() {
  static const Section s{
      "sites[].clusters[].replace[]",
      "A new GPU generation replacing the cluster's GPUs on a date: the old ones are retired then (those still "
      "running a job leave when it ends) and the new ones commissioned (docs/models.md, \"Capacity over time\").",
      {
          required(of_kind(string("on", "", "date of the replacement, ISO-8601 UTC (rounded up to a whole hour)"),
                           Kind::kTimestamp)),
          required(string("gpu_type", "", "GPU type of the new generation")),
          integer("gpus", "GPUs", "", 1, 1e8,
                  "GPUs of the new generation; absent: as many as the generation it replaces has then"),
      }};
  return s;
}

const Section& cluster_section() {
  static const Section s{
      "sites[].clusters[]",
      "A pool of identical GPUs; a job runs inside one cluster. Its size may change over the run: commissioning, "
      "retirement, yearly growth and replacement by a new GPU generation (docs/models.md, \"Capacity over time\").",
      {
          required(string("gpu_type", "", "GPU type name from the catalog (built-in or `gpu_types`)")),
          required(integer("gpus", "GPUs", "", 1, 1e8, "number of GPUs (when commissioned)")),
          string("role", "training",
                 "training: training jobs only; inference: a dedicated inference pool; shared: both, "
                 "inference first each hour",
                 {"training", "inference", "shared"}),
          of_kind(string("commission", "",
                         "in service from this time (rounded up to a whole hour); absent: the "
                         "site's, else from the start"),
                  Kind::kTimestamp),
          of_kind(string("decommission", "",
                         "retired at this time (rounded up to a whole hour); absent: the site's, else never"),
                  Kind::kTimestamp),
          number("annual_growth", "", "", -0.99, 100,
                 "GPUs grow by this fraction each 1 January after commissioning: gpus x (1 + g)^(years since), "
                 "rounded; absent: the site's"),
          section("replace", Kind::kSectionList, replacement_section(),
                  "later GPU generations, in date order; each replaces the one before"),
      }};
  return s;
}

const Section& site_water_section() {
  static const Section s = [] {
    Section sec{"sites[].water",
                "On-site water (docs/models.md, \"Water\"): a constant water use effectiveness, or one that follows "
                "the hourly ambient temperature from a CSV column (degrees C) through a curve of points.",
                {number("wue_l_per_kwh", "L/kWh", "", 0, 100,
                        "constant WUE: water per kWh of IT energy; absent: footprint.wue_l_per_kwh"),
                 of_kind(number("wue_curve_c", "degC", "", -100, 100,
                                "with a temperature file: the curve's temperatures, ascending"),
                         Kind::kNumberList),
                 of_kind(number("wue_curve_l_per_kwh", "L/kWh", "", 0, 100,
                                "with a temperature file: the WUE at each of those temperatures"),
                         Kind::kNumberList)}};
    for (Key& k : series_csv_keys("ambient temperature (degrees C)")) sec.keys.push_back(std::move(k));
    return sec;
  }();
  return s;
}

const Section& site_section() {
  static const Section s{
      "sites[]",
      "A data-center site: a logical process of the simulation.",
      {
          required(string("name", "", "unique site name")),
          required(string("region", "", "name of the grid region the site draws from (one of `regions`)")),
          number("pue", "", "1.2", 1.0, 3.0,
                 "power usage effectiveness: facility power / IT power (constant over the run)"),
          required(number("grid_limit_mw", "MW", "", 0, 1e5,
                          "grid connection limit: facility power may never exceed it (at the run's start; it grows "
                          "with annual_growth)",
                          true)),
          section("clusters", Kind::kSectionList, cluster_section(), "the site's GPU clusters", true),
          of_kind(string("commission", "", "default commissioning time of the site's clusters"), Kind::kTimestamp),
          of_kind(string("decommission", "", "default retirement time of the site's clusters"), Kind::kTimestamp),
          number("annual_growth", "", "", -0.99, 100,
                 "yearly growth of the site's clusters (their default) and of grid_limit_mw, stepped each "
                 "1 January; absent: growth.annual when growth.capacity is true, else 0"),
          section("water", Kind::kSection, site_water_section(),
                  "on-site water use (default: footprint.wue_l_per_kwh)"),
      }};
  return s;
}

const Section& growth_section() {
  static const Section s{
      "growth",
      "Fleet-wide compound growth for capacity studies (docs/models.md, \"Capacity over time\"): one rate g "
      "for demand (synthetic arrivals and inference queries, continuously: x (1 + g)^(t / 8,760 h)) and for "
      "capacity (every cluster and grid limit, stepped each 1 January). Give `annual`, or `factor` and `by`.",
      {
          number("annual", "", "", -0.99, 100, "compound growth per year (0.15: +15% a year)"),
          number("factor", "", "", 0, 1000,
                 "year `by` relative to the run's first calendar year (2.6: 2.6x): "
                 "g = factor^(1 / (by - first year)) - 1",
                 true),
          integer("by", "", "", 1900, 3000, "the year `factor` is reached (after the run's first year)"),
          of_kind(string("demand", "true", "apply g to synthetic training arrivals and inference demand"), Kind::kBool),
          of_kind(string("capacity", "true", "apply g to clusters and grid limits"), Kind::kBool),
      }};
  return s;
}

// One section per registered policy component, its keys generated from the component's
// parameter declarations (policy/scheduling.cpp): declared once, documented here too.
const std::vector<Section>& policy_param_sections() {
  static const std::vector<Section> sections = [] {
    std::vector<Section> out;
    for (const policy::PolicyInfo& info : policy::policy_registry()) {
      if (info.params.empty()) continue;
      Section sec{"scheduler." + info.name, "Parameters of the `" + info.name + "` policy: " + info.summary + ".", {}};
      for (const policy::ParamSpec& p : info.params) {
        std::ostringstream def;
        def << p.default_value;
        sec.keys.push_back(number(p.name, p.unit, def.str(), p.min_value, p.max_value, p.description));
      }
      out.push_back(std::move(sec));
    }
    return out;
  }();
  return sections;
}

const Section& forecast_section() {
  static const Section s{
      "scheduler.forecast",
      "What policies know of the supply ahead of time (docs/policies.md, \"Forecasts\").",
      {
          string("model", "persistence",
                 "perfect: the true future (an oracle); persistence: the same hour yesterday; noisy: the true value "
                 "plus a Gaussian error (error, error_model, error_growth_per_h)",
                 {"perfect", "persistence", "noisy"}),
          number("error", "", "0.1", 0, 10,
                 "noisy: standard deviation of the error, relative to the value (multiplicative) or to the "
                 "region's mean of the quantity over the run (additive)"),
          string("error_model", "multiplicative",
                 "noisy: multiplicative, x (1 + error k z); additive, x + sigma k z with sigma = error x mean(x) "
                 "(Let's Wait Awhile's model); z ~ N(0,1) per target hour, k the lead-time factor",
                 {"multiplicative", "additive"}),
          number("error_g_per_kwh", "gCO2/kWh", "", 0, 2000,
                 "noisy, additive only: sigma of the carbon intensity's error (instead of error x its mean)"),
          number("error_growth_per_h", "1/h", "0", 0, 10,
                 "noisy: lead-time factor k = 1 + growth x (target hour - issue hour) on sigma"),
      }};
  return s;
}

const Section& scheduler_section() {
  static const Section s = [] {
    std::string names;
    for (const policy::PolicyInfo& info : policy::policy_registry()) names += (names.empty() ? "" : ", ") + info.name;
    Section sec{
        "scheduler",
        "How training jobs are placed, timed and powered (docs/policies.md).",
        {
            string("policy", "fifo",
                   "scheduling policy: one of " + names +
                       ", or one placement, one timing and one power component joined by '+' "
                       "(e.g. greenest_site+temporal_shift); `fleetsim catalog` lists them"),
            string("placement", "first_fit", "deprecated: the placement of policy `fifo`; only first_fit",
                   {"first_fit"}),
            integer("backfill_depth", "jobs", "100", 0, 1e6,
                    "how many queued jobs behind a blocked head EASY backfill examines per pass (0: plain FIFO)"),
            string("signal", "carbon_intensity",
                   "what the policies minimise: carbon_intensity (grid g/kWh), cfe (share of the region's load "
                   "that would not be carbon-free) or marginal_carbon_intensity (the grid data's marginal column, "
                   "which every region then needs)",
                   {"carbon_intensity", "cfe", "marginal_carbon_intensity"}),
            section("forecast", Kind::kSection, forecast_section(), "forecast the policies see"),
        }};
    for (const Section& p : policy_param_sections()) {
      sec.keys.push_back(section(p.path.substr(std::string("scheduler.").size()), Kind::kSection, p,
                                 "parameters of the policy of that name"));
    }
    return sec;
  }();
  return s;
}

// Shared by workload.jobs[], workload.synthetic[] and workload.traces[] (docs/models.md, "Deadlines").
const Section& deadline_section() {
  static const Section s{
      "workload.*.deadline",
      "When a job's results are needed, by one rule (docs/models.md, \"Deadlines\"): a key of "
      "`workload.jobs[]`, `workload.synthetic[]` and `workload.traces[]` (there for rows without a "
      "`deadline_s`). F = submit + the job's run time is its earliest possible finish.",
      {
          required(string("rule", "",
                          "slack: submit + slack x run time; after: submit + hours; next_workday: F if F is on "
                          "a workday between at and until (local time, inclusive), else the next workday at `at`",
                          {"slack", "after", "next_workday"})),
          number("slack", "", "", 1, 1e6, "slack: deadline = submit + slack x run time"),
          number("hours", "h", "", 0, 1e7, "after: deadline = submit + hours", true),
          string("at", "09:00", "next_workday: local time HH:MM at which results are needed on a workday"),
          string("until", "",
                 "next_workday: local time HH:MM up to which a finish on a workday is on time as it "
                 "is (>= at); absent: at"),
          of_kind(string("workdays", "[mon, tue, wed, thu, fri]", "next_workday: the working days",
                         {"mon", "tue", "wed", "thu", "fri", "sat", "sun"}),
                  Kind::kStringList),
          number("utc_offset_h", "h", "", -14, 14,
                 "next_workday: local time = UTC + offset (fixed); absent: the utc_offset_h of the job's single "
                 "allowed region, else of the scenario's single region"),
      }};
  return s;
}

const Section& job_section() {
  static const Section s{
      "workload.jobs[]",
      "A training job listed explicitly. Give exactly one of duration_h and work_gpu_h.",
      {
          required(string("name", "", "job name")),
          required(integer("gpus", "GPUs", "", 1, 1e8, "GPUs the job needs, all in one cluster")),
          empty_ok(string("gpu_type", "", "GPU type; empty or absent: any type")),
          number("duration_h", "h", "", 0, 1e6, "run time on `gpu_type` (on an A100-equivalent when no type is given)",
                 true),
          number("work_gpu_h", "GPU-h", "", 0, 1e12, "work in A100-equivalent GPU-hours", true),
          of_kind(string("submit", "", "submission time, ISO-8601 UTC (alternative to submit_h)"), Kind::kTimestamp),
          number("submit_h", "h", "0", 0, 1e7, "submission time in hours after `start`"),
          number("deadline_h", "h", "", 0, 1e7, "deadline in hours after submission (or give deadline); absent: none",
                 true),
          section("deadline", Kind::kSection, deadline_section(),
                  "deadline rule (`workload.*.deadline`), instead of deadline_h"),
          number("utilization", "", "1", 0, 1, "GPU utilisation while running", true),
          of_kind(string("allowed_regions", "", "regions the job may run in; absent: all (an empty list is an error)"),
                  Kind::kStringList),
          string("flexibility", "none",
                 "what a timing policy may do: none, deferrable (held back before it starts) or interruptible "
                 "(also paused at hour boundaries)",
                 {"none", "deferrable", "interruptible"}),
          number("checkpoint_h", "h", "0.1", 0, 1000, "run time added by each pause (checkpoint save and restore)"),
      }};
  return s;
}

const Section& synthetic_section() {
  static const Section s{
      "workload.synthetic[]",
      "A seeded synthetic generator of training jobs (docs/models.md, \"Synthetic training jobs\").",
      {
          string("name", "synthetic", "prefix of generated job names"),
          required(number("arrivals_per_day", "jobs/day", "", 0, 1e7, "mean Poisson arrival rate", true)),
          number("start_h", "h", "0", 0, 1e7, "first possible arrival, hours after `start`"),
          number("end_h", "h", "", 0, 1e7, "arrivals stop at this hour; absent: the horizon"),
          of_kind(integer("gpus", "GPUs", "[8]", 1, 1e8, "job sizes to draw from"), Kind::kIntegerList),
          of_kind(number("gpus_weights", "", "", 0, 1e12, "relative probability of each size; absent: equal"),
                  Kind::kNumberList),
          number("duration_median_h", "h", "24", 0, 1e6, "median run time (A100-equivalent)", true),
          number("duration_sigma", "", "1", 0, 10, "lognormal shape: standard deviation of ln(duration)"),
          number("duration_min_h", "h", "0.1", 0, 1e6, "shortest run time", true),
          number("duration_max_h", "h", "720", 0, 1e6, "longest run time", true),
          number("deadline_slack", "", "", 1, 1e6,
                 "deadline = submit + slack * duration (= deadline {rule: slack}); absent: no deadline"),
          section("deadline", Kind::kSection, deadline_section(),
                  "deadline rule (`workload.*.deadline`), instead of deadline_slack"),
          empty_ok(string("gpu_type", "", "GPU type of every job; empty or absent: any type")),
          number("utilization", "", "1", 0, 1, "GPU utilisation while running", true),
          of_kind(string("allowed_regions", "", "regions the jobs may run in; absent: all (an empty list is an error)"),
                  Kind::kStringList),
          string("flexibility", "none",
                 "what a timing policy may do: none, deferrable (held back before it starts) or interruptible "
                 "(also paused at hour boundaries)",
                 {"none", "deferrable", "interruptible"}),
          number("checkpoint_h", "h", "0.1", 0, 1000, "run time added by each pause (checkpoint save and restore)"),
          number("annual_growth", "", "", -0.99, 100,
                 "compound growth of the arrival rate per 8,760 h from the run's start (0.2: +20% a year); "
                 "absent: growth.annual when growth.demand is true, else 0"),
      }};
  return s;
}

const Section& trace_section() {
  static const Section s{
      "workload.traces[]",
      "A CSV trace of training jobs (columns: docs/models.md, \"Job traces\").",
      {
          required(string("file", "", "CSV path, relative to base_dir")),
          string("format", "fleetsim", "column layout", {"fleetsim", "alibaba_openb"}),
          number("offset_h", "h", "0", 0, 1e7, "trace time 0 is this many hours after `start`"),
          empty_ok(string("gpu_type", "", "GPU type for rows that give none; empty or absent: any")),
          number("deadline_slack", "", "", 1, 1e6,
                 "deadline = submit + slack * duration for rows without one (= deadline {rule: slack})"),
          section("deadline", Kind::kSection, deadline_section(),
                  "deadline rule (`workload.*.deadline`) for rows without one, instead of deadline_slack"),
          number("utilization", "", "1", 0, 1, "GPU utilisation for rows that give none (fleetsim format)", true),
          integer("max_jobs", "jobs", "0", 0, 1e9, "read at most this many jobs (0: all)"),
          of_kind(string("allowed_regions", "", "regions the jobs may run in; absent: all (an empty list is an error)"),
                  Kind::kStringList),
          string("flexibility", "none",
                 "what a timing policy may do: none, deferrable (held back before it starts) or interruptible "
                 "(also paused at hour boundaries)",
                 {"none", "deferrable", "interruptible"}),
          number("checkpoint_h", "h", "0.1", 0, 1000, "run time added by each pause (checkpoint save and restore)"),
      }};
  return s;
}

const Section& workload_section() {
  static const Section s{"workload",
                         "Training jobs from three sources, mixable; all are merged and ordered by submission time.",
                         {
                             section("jobs", Kind::kSectionList, job_section(), "jobs listed one by one"),
                             section("synthetic", Kind::kSectionList, synthetic_section(), "synthetic generators"),
                             section("traces", Kind::kSectionList, trace_section(), "CSV traces"),
                         }};
  return s;
}

const Section& link_section() {
  static const Section s{"network.links[]",
                         "An undirected network link between two nodes (demand regions, sites or hubs).",
                         {
                             required(string("from", "", "a demand region, site or hub name")),
                             required(string("to", "", "a demand region, site or hub name")),
                             required(number("latency_ms", "ms", "", 0, 1e5, "one-way latency of the link")),
                         }};
  return s;
}

const Section& network_section() {
  static const Section s{
      "network",
      "The network over which inference traffic travels; latencies are shortest paths (Dijkstra).",
      {
          of_kind(string("hubs", "", "names of pure network nodes (exchange points)"), Kind::kStringList),
          section("links", Kind::kSectionList, link_section(), "links with latencies"),
      }};
  return s;
}

const Section& demand_region_section() {
  static const Section s{
      "demand_regions[]",
      "Where inference queries come from (docs/inference.md, \"Demand\"). Give queries_per_day with a "
      "profile, or queries_file with queries_column.",
      {
          required(string("name", "", "unique name; also the region's node in `network`")),
          number("queries_per_day", "queries/day", "", 0, 1e13, "daily total at the run's start"),
          string("profile", "diurnal", "built-in 24-hour shape in local time (or give hourly_weights)",
                 {"flat", "diurnal", "business_hours"}),
          of_kind(number("hourly_weights", "", "", 0, 1e12, "24 relative weights, local hours 0..23"),
                  Kind::kNumberList),
          of_kind(number("weekly_factors", "", "[1, 1, 1, 1, 1, 1, 1]", 0, 100, "7 multipliers, Monday..Sunday"),
                  Kind::kNumberList),
          number("annual_growth", "", "", -0.99, 100,
                 "compound growth per 8,760 h from the run's start (0.5: +50% a year); absent: growth.annual when "
                 "growth.demand is true, else 0"),
          number("utc_offset_h", "h", "0", -14, 14, "local time = UTC + offset (fixed, no daylight saving)"),
          required(number("latency_slo_ms", "ms", "", 0, 1e5, "only sites within this latency may serve it", true)),
          string("queries_file", "", "CSV of hourly query counts (datetime_utc + a column), instead of a profile"),
          string("queries_column", "", "the column of queries_file"),
          string("profile_trace", "",
                 "a request-arrival trace (Azure LLM inference format) covering at least a day: its hourly "
                 "shape (by UTC hour) replaces the profile"),
      }};
  return s;
}

const Section& inference_section() {
  static const Section s{
      "inference",
      "How inference traffic is served (docs/inference.md).",
      {
          string("energy_model", "per_query", "per_query: energy = queries x wh_per_query; capacity: GPUs x power",
                 {"per_query", "capacity"}),
          number("wh_per_query", "Wh", "5", 0, 1e4, "facility energy per query, per-query model (SEED-FACTS: 5 Wh)"),
          of_kind(
              number("queries_per_gpu_hour", "queries/GPU-h", "", 0, 1e9,
                     "serving throughput by GPU type at full load, e.g. {H100: 3600}; sets capacity in both models"),
              Kind::kNumberMap),
          of_kind(number("tokens_per_gpu_hour", "tokens/GPU-h", "", 0, 1e12,
                         "alternative to queries_per_gpu_hour: throughput in tokens by GPU type, divided by "
                         "tokens_per_query"),
                  Kind::kNumberMap),
          number("tokens_per_query", "tokens", "", 0, 1e7, "tokens per query (context + generated)", true),
          string("tokens_per_query_from_trace", "",
                 "a request trace (Azure LLM inference format) whose mean tokens per request set tokens_per_query"),
          number("target_utilization", "", "0.6", 0, 1, "GPUs are sized so they are at most this busy", true),
          string("routing", "nearest", "nearest: lowest latency; greenest: cleanest site within the SLO",
                 {"nearest", "greenest"}),
          string("greenest_by", "carbon_intensity",
                 "greenest: lowest grid carbon intensity, or most spare contracted CFE",
                 {"carbon_intensity", "spare_cfe"}),
          string("solver", "greedy", "greedy (fast, near-optimal) or min_cost_flow (exact, slow)",
                 {"greedy", "min_cost_flow"}),
      }};
  return s;
}

// A planner supply profile: the keys of a contract without name, type and capacity.
Section planner_profile_section(const std::string& path, const std::string& technology) {
  Section s{path,
            "The hourly capacity factor of one MW of " + technology +
                " for the planner (`fleetsim plan`, docs/planning.md); absent: the shape of the region's first " +
                technology + " contract, else a synthetic " + technology + " profile at the region's location.",
            {}};
  for (const Key& k : contract_section().keys) {
    if (k.name == "name" || k.name == "type" || k.name == "capacity_mw") continue;
    s.keys.push_back(k);
  }
  return s;
}

const Section& planner_section() {
  static const Section solar = planner_profile_section("planner.solar", "solar");
  static const Section wind = planner_profile_section("planner.wind", "wind");
  static const Section battery{
      "planner.battery",
      "The storage technology the planner sizes.",
      {
          number("round_trip_efficiency", "", "0.88", 0, 1, "energy out / energy in, losses booked on charging", true),
          number("duration_h", "h", "4", 0, 1e4, "energy / power of a sized battery", true),
          of_kind(string("cyclic", "true",
                         "the battery ends the horizon as it starts it (no stored energy from before the "
                         "horizon); false: it starts at initial_soc"),
                  Kind::kBool),
          number("initial_soc", "", "1", 0, 1,
                 "with cyclic false: state of charge at the start, fraction of its energy"),
      }};
  static const Section costs{
      "planner.costs",
      "Annualised costs (docs/planning.md, \"Costs\": defaults derived from NREL ATB 2023 capital and fixed "
      "O&M costs at a 7% discount rate, and EIA's 2023 average industrial electricity price).",
      {
          number("solar_usd_per_mw_year", "USD/MW-yr", "146000", 0, 1e9, "utility PV, per MW(ac)"),
          number("wind_usd_per_mw_year", "USD/MW-yr", "172000", 0, 1e9, "land-based wind"),
          number("firm_usd_per_mw_year", "USD/MW-yr", "635000", 0, 1e9, "clean firm (geothermal, nuclear)"),
          number("battery_usd_per_mwh_year", "USD/MWh-yr", "38000", 0, 1e9, "battery energy capacity"),
          number("battery_usd_per_mw_year", "USD/MW-yr", "27000", 0, 1e9, "battery power capacity"),
          number("grid_usd_per_mwh", "USD/MWh", "80", 0, 1e6, "energy bought from the grid"),
          number("excess_usd_per_mwh", "USD/MWh", "0", 0, 1e6, "value of excess procured energy (0: curtailed)"),
      }};
  static const Section bounds{
      "planner.bounds",
      "Search bounds; absent: 8x (solar), 6x (wind) and 1.05x / capacity factor (firm) the peak load in MW, "
      "and 24 h of peak load (battery).",
      {
          number("max_solar_mw", "MW", "", 0, 1e7, "largest solar capacity"),
          number("max_wind_mw", "MW", "", 0, 1e7, "largest wind capacity"),
          number("max_firm_mw", "MW", "", 0, 1e7, "largest clean firm capacity"),
          number("max_battery_mwh", "MWh", "", 0, 1e8, "largest battery"),
      }};
  static const Section flexibility{
      "planner.flexibility",
      "Load flexibility in planning (docs/planning.md, \"Load flexibility\").",
      {
          number("share", "", "0", 0, 1, "share of each hour's load that may move to another hour of its day"),
          number("headroom", "", "0.2", 0, 10, "server capacity above the peak load that moved load may use"),
      }};
  static const Section s{
      "planner",
      "Settings of `fleetsim plan` (docs/planning.md): what it may buy, at what cost. The planner designs each "
      "region's procurement from scratch: it ignores the region's contracts and battery except as profile shapes.",
      {
          of_kind(string("technologies", "[solar, wind, firm, battery]", "what the planner may buy"),
                  Kind::kStringList),
          section("solar", Kind::kSection, solar, "solar profile"),
          section("wind", Kind::kSection, wind, "wind profile"),
          number("firm_capacity_factor", "", "0.92", 0, 1, "availability of clean firm supply (constant)", true),
          section("battery", Kind::kSection, battery, "storage"),
          section("costs", Kind::kSection, costs, "costs"),
          section("bounds", Kind::kSection, bounds, "search bounds"),
          section("flexibility", Kind::kSection, flexibility, "load flexibility"),
          string("objective", "cost",
                 "cost: least cost for the target CFE score; carbon: least total carbon (operational + embodied) "
                 "over horizon_years, the target a constraint when --target-cfe is given; cost_under_cap: least cost "
                 "whose total carbon is at most carbon_cap_t (docs/planning.md, \"Objectives\"); --objective "
                 "overrides it",
                 {"cost", "carbon", "cost_under_cap"}),
          number("horizon_years", "yr", "10", 0, 1000,
                 "years over which total carbon is counted: horizon x (operational + embodied per year), embodied "
                 "carbon amortised over each technology's life (footprint.embodied_t_per_mw, life_years)",
                 true),
          number("carbon_cap_t", "tCO2e", "", 0, 1e12,
                 "objective cost_under_cap: the most total carbon over horizon_years a plan may emit (required "
                 "with that objective)"),
      }};
  return s;
}

const Section& footprint_section() {
  static const Section s{
      "footprint",
      "The whole footprint beside the energy ledger (docs/models.md, \"Footprint\"): embodied carbon of the GPUs "
      "(gpu_types.*.embodied_kg) and of the procured supply, water, and cost. Every default and its source is in "
      "docs/models.md.",
      {
          number("it_life_years", "yr", "5", 0, 50,
                 "service life of GPUs and servers: their embodied carbon and price are spread over it", true),
          number("facility_life_years", "yr", "20", 0, 100, "life of the building, power and cooling plant", true),
          number("discount_rate", "", "0.07", 0, 1, "real discount rate for annualising capital costs"),
          number("facility_usd_per_mw", "USD/MW", "10000000", 0, 1e9,
                 "capital cost of the facility per MW of IT power at full load"),
          number("om_usd_per_gpu_year", "USD/GPU-yr", "0", 0, 1e7, "fixed operation and maintenance per installed GPU"),
          number("wue_l_per_kwh", "L/kWh", "0.55", 0, 100,
                 "on-site water per kWh of IT energy, for sites without their own"),
          number("offsite_l_per_kwh", "L/kWh", "3.142", 0, 1000,
                 "off-site water per kWh drawn from a grid whose data give no generation mix"),
          number("energy_usd_per_mwh", "USD/MWh", "80", -1e5, 1e5, "grid energy price, for regions without their own"),
          of_kind(number("embodied_t_per_mw", "tCO2e/MW", "", 0, 1e5,
                         "overrides of the embodied carbon per MW of contracted capacity by technology (solar, wind, "
                         "hydro, nuclear, geothermal), e.g. {solar: 1200}"),
                  Kind::kNumberMap),
          of_kind(number("life_years", "yr", "", 0, 200,
                         "overrides of the life over which that carbon is spread, by technology (and battery)", true),
                  Kind::kNumberMap),
          number("battery_t_per_mwh", "tCO2e/MWh", "", 0, 1e4,
                 "embodied carbon of battery storage per MWh of capacity"),
          of_kind(
              number("contract_usd_per_mwh", "USD/MWh", "", 0, 1e5, "overrides of contract (PPA) prices by technology"),
              Kind::kNumberMap),
      }};
  return s;
}

const Section& output_section() {
  static const Section s{"output",
                         "The HDF5 output file (docs/output-format.md).",
                         {integer("deflate_level", "", "1", 0, 9, "deflate compression level (0: none)"),
                          of_kind(string("routing_matrix", "false",
                                         "write /routing/queries [hour x demand-site pair] (large: the size is "
                                         "printed)"),
                                  Kind::kBool)}};
  return s;
}

}  // namespace

const Key* Section::find(std::string_view name) const {
  for (const Key& k : keys) {
    if (k.name == name) return &k;
  }
  return nullptr;
}

const Section& root_section() {
  static const Section s{
      "",
      "The top level of a scenario file.",
      {
          required(string("name", "", "scenario name")),
          free_text(empty_ok(string("description", "", "free text"))),
          string("base_dir", "",
                 "folder that relative file paths in this scenario resolve against; itself relative to the "
                 "scenario file's folder (default: that folder). A relative path typed in a --set resolves "
                 "against the current directory instead"),
          integer("seed", "", "1", 0, 9.2e18, "seed of every random stream in the run"),
          required(of_kind(string("start", "", "UTC time of the first simulated hour, ISO-8601"), Kind::kTimestamp)),
          integer("hours", "h", "", 1, 1e6, "horizon: number of simulated hours (give hours or end)"),
          of_kind(string("end", "",
                         "horizon: UTC end of the last simulated hour, exclusive (give hours or end); "
                         "2024-01-01 to 2031-01-01 is 61,368 h"),
                  Kind::kTimestamp),
          section("growth", Kind::kSection, growth_section(), "fleet-wide demand and capacity growth"),
          section("gpu_types", Kind::kNamedSections, gpu_type_section(), "GPU catalog overrides and additions"),
          section("regions", Kind::kSectionList, region_section(), "grid regions", true),
          section("sites", Kind::kSectionList, site_section(), "data-center sites", true),
          section("scheduler", Kind::kSection, scheduler_section(), "placement and local scheduling"),
          section("workload", Kind::kSection, workload_section(), "training jobs"),
          section("network", Kind::kSection, network_section(), "network links and latencies"),
          section("demand_regions", Kind::kSectionList, demand_region_section(), "inference demand"),
          section("inference", Kind::kSection, inference_section(), "inference serving and routing"),
          section("output", Kind::kSection, output_section(), "output file settings"),
          section("planner", Kind::kSection, planner_section(), "the 24/7 CFE planner (fleetsim plan)"),
          section("footprint", Kind::kSection, footprint_section(), "embodied carbon, water and cost"),
      }};
  return s;
}

std::string closest(std::string_view name, const std::vector<std::string>& candidates) {
  auto distance = [](std::string_view a, std::string_view b) {
    std::vector<size_t> row(b.size() + 1);
    for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
    for (size_t i = 1; i <= a.size(); ++i) {
      size_t diagonal = row[0];
      row[0] = i;
      for (size_t j = 1; j <= b.size(); ++j) {
        const size_t up = row[j];
        row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0U : 1U)});
        diagonal = up;
      }
    }
    return row[b.size()];
  };
  std::string best;
  size_t best_distance = std::max<size_t>(2, name.size() / 3) + 1;
  for (const auto& c : candidates) {
    const size_t d = distance(name, c);
    if (d < best_distance) {
      best_distance = d;
      best = c;
    }
  }
  return best;
}

std::string suggest_key(const Section& section, std::string_view name) {
  std::vector<std::string> names;
  for (const Key& k : section.keys) names.push_back(k.name);
  return closest(name, names);
}

namespace {

const char* kind_text(Kind kind) {
  switch (kind) {
    case Kind::kNumber:
      return "number";
    case Kind::kInteger:
      return "integer";
    case Kind::kString:
      return "string";
    case Kind::kTimestamp:
      return "timestamp";
    case Kind::kNumberList:
      return "list of numbers";
    case Kind::kIntegerList:
      return "list of integers";
    case Kind::kStringList:
      return "list of strings";
    case Kind::kSection:
      return "map";
    case Kind::kSectionList:
      return "list of maps";
    case Kind::kNamedSections:
      return "map of maps";
    case Kind::kNumberMap:
      return "map of numbers";
    case Kind::kBool:
      return "true/false";
  }
  return "";
}

std::string number_text(double v) {
  std::ostringstream out;
  out << v;
  return out.str();
}

std::string range_text(const Key& k) {
  if (!k.choices.empty()) {
    std::string out;
    for (const auto& c : k.choices) out += (out.empty() ? "" : ", ") + ("`" + c + "`");
    return "one of " + out;
  }
  const bool numeric = k.kind == Kind::kNumber || k.kind == Kind::kInteger || k.kind == Kind::kNumberList ||
                       k.kind == Kind::kIntegerList || k.kind == Kind::kNumberMap;
  if (!numeric) return "";
  const std::string low = k.min <= -kInf ? "" : (k.min_exclusive ? "> " : ">= ") + number_text(k.min);
  const std::string high = k.max >= kInf ? "" : "<= " + number_text(k.max);
  if (low.empty()) return high;
  if (high.empty()) return low;
  return low + ", " + high;
}

// A section reachable from several keys (workload.*.deadline) is described once.
void describe(const Section& s, std::string& out, std::set<const Section*>& described) {
  if (!described.insert(&s).second) return;
  out += "\n## `" + (s.path.empty() ? std::string("(top level)") : s.path) + "`\n\n" + s.description + "\n\n";
  out += "| key | type | unit | default | range | meaning |\n|---|---|---|---|---|---|\n";
  for (const Key& k : s.keys) {
    const std::string def = k.required ? "required" : (k.default_text.empty() ? "—" : "`" + k.default_text + "`");
    out += "| `" + k.name + "` | " + kind_text(k.kind) + " | " + (k.unit.empty() ? "—" : k.unit) + " | " + def + " | " +
           range_text(k) + " | " + k.description + " |\n";
  }
  for (const Key& k : s.keys) {
    if (k.section != nullptr) describe(*k.section, out, described);
  }
}

}  // namespace

std::string reference_markdown() {
  std::string out =
      "# Scenario reference\n\n"
      "Generated from the schema in `sim/scenario/schema.cpp` by `fleetsim validate --reference`; "
      "a test checks this file matches. Every key is checked: an unknown key, a value of the wrong "
      "type, a value out of range, NaN or infinity is an error naming the file, the line and the key "
      "path, and the run stops with exit code 2 before any output is written. Strings are valid UTF-8 "
      "without control characters (`description` may hold tabs and line breaks) and are not empty "
      "unless the key says so; the file is one YAML document with unique keys, and aliases may "
      "neither contain themselves nor expand to more than 2,000,000 nodes (docs/reliability.md).\n\n"
      "Units are in key names where they apply (`_h` hours, `_w` watts, `_mw` megawatts). Timestamps "
      "are ISO-8601 in UTC (`2024-01-01T00:00:00Z`). `--set key.path=value` on the command line "
      "overrides any key before validation; list items are addressed by index or by `name` "
      "(`--set sites.0.pue=1.3`, `--set sites.oregon.pue=1.3`).\n\n"
      "**File paths.** A relative path in a scenario file (grid and profile CSVs, traces, query files) "
      "resolves against `base_dir`: the scenario file's folder, or the folder the top-level `base_dir` "
      "key names (relative to the scenario file's folder, or absolute). A scenario written by a script "
      "into an output folder can so point at its data with one key, e.g. `base_dir: "
      "/home/me/fleetsim/scenarios`. A relative path typed in a `--set` (including `--set "
      "base_dir=...`) resolves against the current directory, as the shell completes it, and is stored "
      "absolute in the run file's effective scenario; `--set base_dir=DIR` is how to point a scenario "
      "at another data folder from the command line. Paths in a sweep file resolve like the scenario's "
      "own.\n";
  std::set<const Section*> described;
  describe(root_section(), out, described);
  return out;
}

}  // namespace fleetsim::scenario
