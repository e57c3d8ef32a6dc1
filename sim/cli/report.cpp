#include "cli/report.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <iomanip>
#include <limits>

namespace fleetsim::cli {

std::string format_number(double value) {
  if (!std::isfinite(value)) return value != value ? "nan" : (value > 0 ? "inf" : "-inf");
  const double magnitude = std::fabs(value);
  const int decimals = value == std::floor(value) && magnitude < 1e15 ? 0
                       : magnitude >= 100                             ? 1
                       : magnitude >= 1                               ? 3
                                                                      : 4;
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%.*f", decimals, magnitude);
  std::string digits = buffer;
  const size_t dot = digits.find('.');
  std::string whole = digits.substr(0, dot);
  const std::string fraction = dot == std::string::npos ? "" : digits.substr(dot);
  std::string grouped;
  for (size_t i = 0; i < whole.size(); ++i) {
    if (i > 0 && (whole.size() - i) % 3 == 0) grouped += ',';
    grouped += whole[i];
  }
  return (value < 0 ? "-" : "") + grouped + fraction;
}

std::string json_string(const std::string& s) {
  std::string out = "\"";
  for (const char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      char buffer[8];
      std::snprintf(buffer, sizeof buffer, "\\u%04x", static_cast<unsigned>(c));
      out += buffer;
    } else {
      out += c;
    }
  }
  return out + "\"";
}

std::string json_number(double v) {
  if (!std::isfinite(v)) return "null";
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.17g", v);
  return buffer;
}

void print_json(std::ostream& out, bool complete, const std::vector<std::pair<std::string, std::string>>& info,
                const std::vector<Row>& rows, const std::vector<RegionRow>& regions) {
  out << "{\n  \"kind\": \"run\",\n  \"complete\": " << (complete ? "true" : "false") << ",\n  \"info\": {";
  for (size_t i = 0; i < info.size(); ++i) {
    out << (i ? ", " : "") << json_string(info[i].first) << ": " << json_string(info[i].second);
  }
  out << "},\n  \"summary\": {";
  for (size_t i = 0; i < rows.size(); ++i) {
    out << (i ? ", " : "") << "\n    " << json_string(rows[i].name) << ": " << json_number(rows[i].value);
  }
  out << "\n  },\n  \"regions\": [";
  for (size_t i = 0; i < regions.size(); ++i) {
    const RegionRow& g = regions[i];
    out << (i ? ", " : "") << "\n    {\"region\": " << json_string(g.region)
        << ", \"facility_energy_mwh\": " << json_number(g.facility_energy_mwh)
        << ", \"peak_load_mw\": " << json_number(g.peak_load_mw) << ", \"gpus_total\": " << g.gpus
        << ", \"sites\": " << g.sites << ", \"cfe_score\": " << json_number(g.cfe_score)
        << ", \"annual_matching\": " << json_number(g.annual_matching)
        << ", \"emissions_location_t\": " << json_number(g.emissions_location_t)
        << ", \"emissions_market_hourly_t\": " << json_number(g.emissions_market_hourly_t)
        << ", \"emissions_market_annual_t\": " << json_number(g.emissions_market_annual_t)
        << ", \"emissions_marginal_t\": " << json_number(g.emissions_marginal_t)
        << ", \"embodied_it_t\": " << json_number(g.embodied_it_t)
        << ", \"embodied_supply_t\": " << json_number(g.embodied_supply_t)
        << ", \"water_onsite_l\": " << json_number(g.water_onsite_l)
        << ", \"water_offsite_l\": " << json_number(g.water_offsite_l)
        << ", \"energy_cost_usd\": " << json_number(g.energy_cost_usd)
        << ", \"capital_cost_usd\": " << json_number(g.capital_cost_usd) << "}";
  }
  out << "\n  ]\n}\n";
}

void print_summary(std::ostream& out, const std::vector<Row>& rows, const std::vector<RegionRow>& regions) {
  // shares in percent with two decimals, as the region table's (one decimal) and the reports
  auto shown = [](const Row& r) {
    if (!r.share || !std::isfinite(r.value)) return format_number(r.value);
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, "%.2f%%", 100.0 * r.value);
    return std::string(buffer);
  };
  size_t name_width = 0;
  size_t value_width = 0;
  for (const Row& r : rows) {
    if (is_footprint_row(r.name)) continue;  // in the footprint block below
    name_width = std::max(name_width, r.name.size());
    value_width = std::max(value_width, shown(r).size());
  }
  for (const Row& r : rows) {
    if (is_footprint_row(r.name)) continue;
    out << "  " << std::left << std::setw(static_cast<int>(name_width)) << r.name << "  " << std::right
        << std::setw(static_cast<int>(value_width)) << shown(r);
    if (!r.description.empty()) out << "  " << r.description;
    out << '\n';
  }
  if (regions.empty()) {
    print_footprint(out, rows, regions);
    return;
  }
  size_t region_width = 6;
  for (const RegionRow& g : regions) region_width = std::max(region_width, g.region.size());
  auto percent = [](double v) {
    if (std::isnan(v)) return std::string("—");
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, "%.1f%%", 100.0 * v);
    return std::string(buffer);
  };
  const int w = static_cast<int>(region_width);
  out << "\n  " << std::left << std::setw(w) << "region" << std::right << std::setw(7) << "sites" << std::setw(10)
      << "GPUs" << std::setw(15) << "load MWh" << std::setw(10) << "peak MW" << std::setw(9) << "CFE" << std::setw(10)
      << "annual" << std::setw(14) << "location t" << std::setw(14) << "market/h t" << std::setw(14) << "market/yr t"
      << '\n';
  for (const RegionRow& g : regions) {
    out << "  " << std::left << std::setw(w) << g.region << std::right << std::setw(7) << g.sites << std::setw(10)
        << format_number(static_cast<double>(g.gpus)) << std::setw(15) << format_number(g.facility_energy_mwh)
        << std::setw(10) << format_number(g.peak_load_mw) << std::setw(9) << percent(g.cfe_score) << std::setw(10)
        << percent(g.annual_matching) << std::setw(14) << format_number(std::round(g.emissions_location_t))
        << std::setw(14) << format_number(std::round(g.emissions_market_hourly_t)) << std::setw(14)
        << format_number(std::round(g.emissions_market_annual_t)) << '\n';
  }
  out << "\n  CFE: hourly carbon-free share of the load (24/7 method); annual: contracted / load, capped at 100%;\n"
         "  emissions in tCO2: location-based, hourly market-based, annual market-based (docs/energy.md).\n"
         "  Shares are shown in percent; the run file stores them as fractions (docs/output-format.md).\n";
  print_footprint(out, rows, regions);
}

bool is_footprint_row(const std::string& name) {
  static const char* const names[] = {
      "embodied_it_t",  "embodied_supply_t",     "emissions_total_t",         "emissions_marginal_t",
      "water_onsite_l", "water_offsite_l",       "energy_cost_usd",           "capital_cost_usd",
      "total_cost_usd", "cost_per_gpu_hour_usd", "cost_per_finished_job_usd", "cost_per_1000_queries_usd"};
  for (const char* n : names) {
    if (name == n) return true;
  }
  return false;
}

std::string dollars(double usd) {
  if (!std::isfinite(usd)) return "—";
  if (usd == 0) return "$0";
  char buffer[48];
  if (std::fabs(usd) >= 1e6) {
    std::snprintf(buffer, sizeof buffer, "$%.2fM", usd / 1e6);
    return buffer;
  }
  std::string text = usd < 0 ? "-$" : "$";
  if (std::fabs(usd) >= 1e3) {
    text += format_number(std::fabs(std::round(usd)));
  } else {
    std::snprintf(buffer, sizeof buffer, "%.2f", std::fabs(usd));
    text += buffer;
  }
  return text;
}

namespace {

// Tonnes as the region table shows them: whole tonnes from 100 up, else one decimal.
std::string tonnes(double t) {
  if (!std::isfinite(t)) return "—";
  if (std::fabs(t) >= 100 || t == 0) return format_number(std::round(t));
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.1f", t);
  return buffer;
}

// Litres in cubic metres, shown as tonnes are.
std::string cubic_metres(double litres) {
  return tonnes(litres / 1000.0);
}

}  // namespace

void print_footprint(std::ostream& out, const std::vector<Row>& rows, const std::vector<RegionRow>& regions) {
  auto find = [&](const char* name) -> const Row* {
    for (const Row& r : rows) {
      if (r.name == name) return &r;
    }
    return nullptr;
  };
  if (find("embodied_it_t") == nullptr) return;  // a file written before the footprint
  auto value = [&](const char* name) {
    const Row* r = find(name);
    return r ? r->value : std::numeric_limits<double>::quiet_NaN();
  };
  struct Line {
    std::string kind;  // carbon, water, cost: on the first line of each
    std::string label;
    std::string value;
    std::string unit;
    std::string name;  // in /summary
    std::string note;
  };
  std::vector<Line> lines;
  const double location = value("emissions_location_t");
  const double embodied_it = value("embodied_it_t");
  const double embodied_supply = value("embodied_supply_t");
  const double total = value("emissions_total_t");
  lines.push_back({"carbon", "operational, location-based", tonnes(location), "tCO2", "emissions_location_t", ""});
  lines.push_back({"", "embodied IT (GPUs, servers)", tonnes(embodied_it), "tCO2e", "embodied_it_t", ""});
  lines.push_back(
      {"", "embodied supply (contracts, batteries)", tonnes(embodied_supply), "tCO2e", "embodied_supply_t", ""});
  std::string embodied_share;
  if (std::isfinite(total) && total > 0) {
    char buffer[48];
    std::snprintf(buffer, sizeof buffer, "embodied %.1f%%", 100.0 * (embodied_it + embodied_supply) / total);
    embodied_share = buffer;
  }
  lines.push_back({"", "total", tonnes(total), "tCO2e", "emissions_total_t", embodied_share});
  if (find("emissions_marginal_t") != nullptr) {
    const double marginal = value("emissions_marginal_t");
    lines.push_back(
        {"", "marginal (consequential), operational", tonnes(marginal), "tCO2", "emissions_marginal_t",
         std::isfinite(marginal) ? "load x marginal CI" : "a region has no marginal data; per region below"});
  }
  const double onsite = value("water_onsite_l");
  const double offsite = value("water_offsite_l");
  lines.push_back({"water", "on-site (cooling)", cubic_metres(onsite), "m3", "water_onsite_l", ""});
  lines.push_back({"", "off-site (generating the electricity)", cubic_metres(offsite), "m3", "water_offsite_l", ""});
  lines.push_back({"", "total", cubic_metres(onsite + offsite), "m3", "", ""});
  lines.push_back({"cost", "energy", dollars(value("energy_cost_usd")), "", "energy_cost_usd", ""});
  lines.push_back(
      {"", "capital (annualised) + fixed O&M", dollars(value("capital_cost_usd")), "", "capital_cost_usd", ""});
  lines.push_back({"", "total", dollars(value("total_cost_usd")), "", "total_cost_usd", ""});
  lines.push_back(
      {"", "per installed GPU-hour", dollars(value("cost_per_gpu_hour_usd")), "", "cost_per_gpu_hour_usd", ""});
  if (value("jobs_submitted") > 0) {
    lines.push_back({"", "per finished training job", dollars(value("cost_per_finished_job_usd")), "",
                     "cost_per_finished_job_usd", ""});
  }
  if (find("cost_per_1000_queries_usd") != nullptr && value("queries") > 0) {
    lines.push_back({"", "per 1,000 queries served", dollars(value("cost_per_1000_queries_usd")), "",
                     "cost_per_1000_queries_usd", ""});
  }
  size_t label_width = 0;
  size_t value_width = 0;
  size_t unit_width = 0;
  // characters shown, not bytes ("—" is three)
  auto shown_width = [](const std::string& text) {
    return static_cast<size_t>(
        std::count_if(text.begin(), text.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
  };
  for (const Line& l : lines) {
    label_width = std::max(label_width, l.label.size());
    value_width = std::max(value_width, shown_width(l.value));
    unit_width = std::max(unit_width, l.unit.size());
  }
  out << "\n  footprint (docs/models.md, \"Footprint\"; names in /summary):\n";
  for (const Line& l : lines) {
    std::string row = "  " + l.kind + std::string(8 - l.kind.size(), ' ') + l.label +
                      std::string(label_width - l.label.size(), ' ') + "  " +
                      std::string(value_width - shown_width(l.value), ' ') + l.value + " " + l.unit +
                      std::string(unit_width - l.unit.size(), ' ') + "  " + l.name;
    if (!l.note.empty()) row += "  (" + l.note + ")";
    while (!row.empty() && row.back() == ' ') row.pop_back();
    out << row << '\n';
  }

  bool any_region = false;
  bool marginal = false;
  for (const RegionRow& g : regions) {
    any_region = any_region || std::isfinite(g.embodied_it_t);
    marginal = marginal || std::isfinite(g.emissions_marginal_t);
  }
  if (!any_region) return;
  size_t region_width = 6;
  for (const RegionRow& g : regions) region_width = std::max(region_width, g.region.size());
  const int w = static_cast<int>(region_width);
  out << "\n  " << std::left << std::setw(w) << "region" << std::right << std::setw(13) << "location t" << std::setw(13)
      << "emb. IT t" << std::setw(15) << "emb. supply t" << std::setw(13) << "total t";
  if (marginal) out << std::setw(13) << "marginal t";
  out << std::setw(14) << "on-site m3" << std::setw(14) << "off-site m3" << std::setw(13) << "energy $" << std::setw(13)
      << "capital $" << '\n';
  for (const RegionRow& g : regions) {
    out << "  " << std::left << std::setw(w) << g.region << std::right << std::setw(13)
        << tonnes(g.emissions_location_t) << std::setw(13) << tonnes(g.embodied_it_t) << std::setw(15)
        << tonnes(g.embodied_supply_t) << std::setw(13)
        << tonnes(g.emissions_location_t + g.embodied_it_t + g.embodied_supply_t);
    if (marginal) {
      // "—" counts three bytes and shows as one character
      const std::string m = tonnes(g.emissions_marginal_t);
      out << std::setw(std::isfinite(g.emissions_marginal_t) ? 13 : 15) << m;
    }
    out << std::setw(14) << cubic_metres(g.water_onsite_l) << std::setw(14) << cubic_metres(g.water_offsite_l)
        << std::setw(13) << dollars(g.energy_cost_usd) << std::setw(13) << dollars(g.capital_cost_usd) << '\n';
  }
  out << "\n  emb.: embodied carbon, booked over the equipment's life for the hours of the run; total: location-\n"
         "  based + embodied (tCO2e); water consumed, in m3 (the run file stores litres); energy: grid, contracts\n"
         "  and batteries; capital: annualised GPU and facility capital + fixed O&M (docs/output-format.md).\n";
}

void print_years(std::ostream& out, const std::vector<YearRow>& years) {
  if (years.size() < 2) return;
  auto percent = [](double v) {
    if (std::isnan(v)) return std::string("—");
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, "%.1f%%", 100.0 * v);
    return std::string(buffer);
  };
  const YearRow& first = years.front();
  const double first_rate = first.hours > 0 ? first.facility_energy_mwh / static_cast<double>(first.hours) : 0.0;
  out << "\n  " << std::left << std::setw(6) << "year" << std::right << std::setw(7) << "hours" << std::setw(10)
      << "GPUs" << std::setw(15) << "energy MWh" << std::setw(9) << "x first" << std::setw(10) << "peak MW"
      << std::setw(9) << "CFE" << std::setw(9) << "annual" << std::setw(14) << "location t" << std::setw(8) << "util"
      << std::setw(11) << "jobs" << '\n';
  for (const YearRow& y : years) {
    const double rate = y.hours > 0 ? y.facility_energy_mwh / static_cast<double>(y.hours) : 0.0;
    char ratio[32] = "—";
    if (first_rate > 0.0) std::snprintf(ratio, sizeof ratio, "%.2f", rate / first_rate);
    out << "  " << std::left << std::setw(6) << y.year << std::right << std::setw(7) << y.hours << std::setw(10)
        << format_number(static_cast<double>(y.gpus)) << std::setw(15) << format_number(y.facility_energy_mwh)
        << std::setw(9) << ratio << std::setw(10) << format_number(y.peak_mw) << std::setw(9) << percent(y.cfe_score)
        << std::setw(9) << percent(y.annual_matching) << std::setw(14)
        << format_number(std::round(y.emissions_location_t)) << std::setw(8) << percent(y.gpu_utilization)
        << std::setw(11) << format_number(static_cast<double>(y.jobs_submitted)) << '\n';
  }
  out << "\n  x first: the year's mean facility power over the first year's; GPUs at the year's end; util: busy\n"
         "  training GPU-hours / installed GPU-hours (docs/output-format.md, /summary/year).\n";
}

void print_comparison(std::ostream& out, const std::string& policy, const std::string& baseline,
                      const std::vector<ComparisonRow>& rows) {
  size_t name_width = 6;
  for (const ComparisonRow& r : rows) name_width = std::max(name_width, r.name.size());
  const int w = static_cast<int>(name_width);
  auto cell = [](double v) { return std::isnan(v) ? std::string("—") : format_number(v); };
  out << "  policy: " << policy << "    baseline: " << baseline << "\n\n";
  out << "  " << std::left << std::setw(w) << "figure" << std::right << std::setw(18) << "policy" << std::setw(18)
      << "baseline" << std::setw(16) << "difference" << std::setw(10) << "change" << std::setw(14) << "of attainable"
      << '\n';
  bool any_attainable = false;
  for (const ComparisonRow& r : rows) {
    char change[32] = "—";
    if (!std::isnan(r.relative)) std::snprintf(change, sizeof change, "%+.1f%%", 100.0 * r.relative);
    std::string diff = cell(r.difference);
    if (r.difference > 0) diff.insert(0, 1, '+');
    char attainable[32] = "";
    if (!std::isnan(r.attainable)) {
      std::snprintf(attainable, sizeof attainable, "%.1f%%", 100.0 * r.attainable);
      any_attainable = true;
    }
    out << "  " << std::left << std::setw(w) << r.name << std::right << std::setw(18) << cell(r.policy) << std::setw(18)
        << cell(r.baseline) << std::setw(16) << diff << std::setw(10) << change << std::setw(14) << attainable << '\n';
  }
  if (any_attainable) {
    out << "\n  of attainable: the share of the saving a clairvoyant schedule could reach (baseline - policy) /\n"
           "  (baseline - job_emissions_bound_t), the bound being each job at its cleanest time and place before its\n"
           "  deadline (docs/policies.md, \"The clairvoyant bound\").\n";
  }
}

}  // namespace fleetsim::cli
