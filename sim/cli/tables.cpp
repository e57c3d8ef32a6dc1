#include "cli/tables.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <iomanip>

#include "run/sweep.hpp"

namespace fleetsim::cli {

std::vector<Row> rows_of(const std::vector<run::SummaryItem>& items) {
  auto value = [&](const std::string& name) {
    for (const auto& i : items) {
      if (i.name == name) return i.value;
    }
    return 0.0;
  };
  const bool inference = value("queries") > 0.0;
  const bool traces = value("trace_rows") > 0.0;
  std::vector<Row> rows;
  for (const auto& i : items) {
    // policy figures that did not happen (fifo never holds, pauses or caps)
    const bool policy_row = i.name == "jobs_held" || i.name == "held_job_hours" || i.name == "pauses" ||
                            i.name.rfind("checkpoint_", 0) == 0 || i.name == "power_capped_site_hours";
    if (policy_row && i.value == 0.0) continue;
    const bool inference_row = i.name.rfind("quer", 0) == 0 || i.name.find("inference") != std::string::npos ||
                               i.name == "cost_per_1000_queries_usd";
    if ((inference_row && !inference) || (i.name.rfind("trace_rows", 0) == 0 && !traces)) continue;
    const bool share = i.name == "cfe_score" || i.name.rfind("annual_matching", 0) == 0 || i.name == "gpu_utilization";
    rows.push_back({i.name, i.value, i.description, share});
  }
  return rows;
}

std::vector<ComparisonRow> comparison_rows(const std::vector<run::ComparisonRow>& compared) {
  std::vector<ComparisonRow> rows;
  for (const run::ComparisonRow& r : compared)
    rows.push_back({r.name, r.policy, r.baseline, r.difference, r.relative, r.attainable});
  return rows;
}

std::vector<RegionRow> region_rows(const std::vector<std::string>& names,
                                   const std::vector<run::RegionSummary>& regions) {
  std::vector<RegionRow> rows;
  for (size_t i = 0; i < names.size() && i < regions.size(); ++i) {
    const run::RegionSummary& g = regions[i];
    RegionRow row;
    row.region = names[i];
    row.facility_energy_mwh = g.facility_energy_mwh;
    row.peak_load_mw = g.peak_load_mw;
    row.gpus = g.gpus_total;
    row.sites = g.sites;
    row.cfe_score = g.cfe_score;
    row.annual_matching = g.annual_matching;
    row.emissions_location_t = g.emissions_location_t;
    row.emissions_market_hourly_t = g.emissions_market_hourly_t;
    row.emissions_market_annual_t = g.emissions_market_annual_t;
    row.emissions_marginal_t = g.emissions_marginal_t;
    row.embodied_it_t = g.embodied_it_t;
    row.embodied_supply_t = g.embodied_supply_t;
    row.water_onsite_l = g.water_onsite_l;
    row.water_offsite_l = g.water_offsite_l;
    row.energy_cost_usd = g.energy_cost_usd;
    row.capital_cost_usd = g.capital_cost_usd;
    rows.push_back(std::move(row));
  }
  return rows;
}

std::vector<YearRow> year_rows(const std::vector<run::YearSummary>& years) {
  std::vector<YearRow> rows;
  for (const run::YearSummary& y : years) {
    rows.push_back({y.year, y.hours, y.gpus_installed, y.facility_energy_mwh, y.peak_facility_power_mw, y.cfe_score,
                    y.annual_matching, y.emissions_location_t, y.gpu_utilization, y.jobs_submitted});
  }
  return rows;
}

std::string percent(double share) {
  if (!std::isfinite(share)) return "—";
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.1f%%", 100.0 * share);
  return buffer;
}

std::string money(double usd) {
  if (!std::isfinite(usd)) return "—";
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "$%.2fM", usd / 1e6);
  return buffer;
}

std::string describe_sweep(const scenario::SweepPlan& plan) {
  const char* mode = plan.mode == scenario::SweepMode::kGrid     ? "grid"
                     : plan.mode == scenario::SweepMode::kZip    ? "zip"
                     : plan.mode == scenario::SweepMode::kRandom ? "random"
                                                                 : "lhs";
  const size_t points = plan.runs.empty() ? 0 : static_cast<size_t>(plan.runs.back().point) + 1;
  std::string text = std::string(mode) + ", " + std::to_string(plan.parameters.size()) + " parameter" +
                     (plan.parameters.size() == 1 ? "" : "s") + ", " + std::to_string(points) + " point" +
                     (points == 1 ? "" : "s");
  if (plan.replicates > 1) text += " x " + std::to_string(plan.replicates) + " replicates (seeds)";
  return text;
}

void print_sweep_runs(std::ostream& out, const scenario::SweepPlan& plan, const std::vector<size_t>& runs,
                      const std::vector<std::string>& status) {
  std::vector<std::string> header{"#", "run file"};
  for (const scenario::SweepParameter& p : plan.parameters) header.push_back(p.path);
  const bool seeds = plan.replicates > 1;
  if (seeds) header.emplace_back("seed");
  if (!status.empty()) header.emplace_back("status");
  std::vector<std::vector<std::string>> table;
  for (size_t k = 0; k < runs.size(); ++k) {
    const scenario::SweepRun& run = plan.runs[runs[k]];
    std::vector<std::string> row{std::to_string(run.index), run::run_file_name(run)};
    for (const std::string& v : run.values) row.push_back(v);
    if (seeds) {
      const std::string& last = run.overrides.empty() ? std::string() : run.overrides.back();
      row.push_back(last.rfind("seed=", 0) == 0 ? last.substr(5) : "");
    }
    if (!status.empty()) row.push_back(k < status.size() ? status[k] : "");
    table.push_back(std::move(row));
  }
  std::vector<size_t> width(header.size(), 0);
  for (size_t c = 0; c < header.size(); ++c) width[c] = header[c].size();
  for (const auto& row : table) {
    for (size_t c = 0; c < row.size() && c < width.size(); ++c) width[c] = std::max(width[c], row[c].size());
  }
  auto print_row = [&](const std::vector<std::string>& row) {
    out << "  " << std::right << std::setw(static_cast<int>(width[0])) << row[0];
    for (size_t c = 1; c < row.size(); ++c) {
      out << "  " << std::left << (c + 1 < row.size() ? std::setw(static_cast<int>(width[c])) : std::setw(0)) << row[c];
    }
    out << std::right << '\n';
  };
  print_row(header);
  for (const auto& row : table) print_row(row);
}

}  // namespace fleetsim::cli
