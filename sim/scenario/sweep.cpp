#include "scenario/sweep.hpp"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <set>
#include <sstream>

#include "core/error.hpp"
#include "core/rng.hpp"
#include "core/text.hpp"
#include "scenario/yaml_input.hpp"

namespace fleetsim::scenario {
namespace {

// A range's arithmetic leaves rounding noise (1.8 + 4 x 0.4 = 3.4000000000000004; -0.3 + 3 x 0.1
// = 5.6e-17): values are rounded to 12 significant digits, and to 0 when far below the step,
// so they read as written.
double tidy(double value, double step) {
  if (std::fabs(value) < 1e-9 * std::fabs(step)) return 0.0;
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%.12g", value);
  return std::strtod(buffer, nullptr);
}

// The most runs a sweep may have, in every mode, checked from the counts before the plan is
// built. A plan takes some 400 bytes per run in every process of the sweep (each MPI rank
// holds one), so 100,000 runs is some 40 MB; bigger studies are several sweeps.
constexpr int64_t kMaxRuns = 100'000;

class Reader {
 public:
  explicit Reader(std::string file) : file_(std::move(file)) {}

  [[noreturn]] void fail(const YAML::Node& node, const std::string& key, const std::string& what) const {
    const int64_t line = node.IsDefined() && node.Mark().line >= 0 ? node.Mark().line + 1 : 0;
    throw core::InputError(core::SourceLocation{file_, line, key}, what);
  }

  // A value becomes the text of a --set: one line of printable text.
  std::string scalar(const YAML::Node& node, const std::string& key) const {
    if (!node.IsScalar()) fail(node, key, "must be a single value");
    if (core::has_control_character(node.Scalar())) {
      fail(node, key, core::quote(node.Scalar()) + " holds a control character; values are one line of text");
    }
    return node.Scalar();
  }

  // A map's key: a single value, not a list or map (yaml-cpp's as<std::string> would throw).
  std::string key(const YAML::Node& node, const std::string& within) const {
    if (!node.IsScalar()) fail(node, within, "a key must be a single value, not a list or map");
    return node.Scalar();
  }

  double number(const YAML::Node& node, const std::string& key) const {
    const std::string text = scalar(node, key);
    double value = 0.0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc() || end != text.data() + text.size() || !std::isfinite(value)) {
      fail(node, key, core::quote(text) + " is not a finite number");
    }
    return value;
  }

  int64_t integer(const YAML::Node& node, const std::string& key, int64_t min, int64_t max) const {
    const double v = number(node, key);
    if (v != std::floor(v) || v < static_cast<double>(min) || v > static_cast<double>(max)) {
      fail(node, key, "must be a whole number in [" + std::to_string(min) + ", " + std::to_string(max) + "]");
    }
    return static_cast<int64_t>(v);
  }

 private:
  std::string file_;
};

SweepParameter parameter(const Reader& r, const std::string& path, const YAML::Node& node, SweepMode mode) {
  SweepParameter p;
  p.path = path;
  p.line = node.Mark().line + 1;
  const std::string key = "parameters." + path;
  if (node.IsSequence()) {
    if (node.size() == 0) r.fail(node, key, "an empty list of values");
    for (const auto& v : node) p.values.push_back(r.scalar(v, key));
    return p;
  }
  if (!node.IsMap()) r.fail(node, key, "must be a list of values or a range {from, to, step | count}");
  for (const auto& kv : node) {
    const std::string k = r.key(kv.first, key);
    if (k != "from" && k != "to" && k != "step" && k != "count") {
      r.fail(kv.first, key + "." + k, "unknown key (a range has from, to and one of step or count)");
    }
  }
  if (!node["from"] || !node["to"]) r.fail(node, key, "a range needs from and to");
  p.is_range = true;
  p.from = r.number(node["from"], key + ".from");
  p.to = r.number(node["to"], key + ".to");
  if (!(p.to >= p.from)) r.fail(node, key, "empty range: to < from");
  const bool sampled = mode == SweepMode::kRandom || mode == SweepMode::kLatinHypercube;
  if (node["step"] && node["count"]) r.fail(node, key, "give step or count, not both");
  if (sampled) {
    if (node["step"] || node["count"]) r.fail(node, key, "random and lhs sample a range: no step or count");
    if (p.to == p.from) r.fail(node, key, "empty range: from = to");
    return p;
  }
  if (node["step"]) {
    const double step = r.number(node["step"], key + ".step");
    if (!(step > 0.0)) r.fail(node["step"], key + ".step", "must be > 0");
    const double n = std::floor((p.to - p.from) / step * (1.0 + 1e-12) + 1e-9);
    if (n + 1 > static_cast<double>(kMaxRuns)) {
      r.fail(node, key, "more than " + std::to_string(kMaxRuns) + " values (the most runs a sweep may have)");
    }
    for (int64_t i = 0; i <= static_cast<int64_t>(n); ++i)
      p.values.push_back(format_value(tidy(p.from + static_cast<double>(i) * step, step)));
  } else if (node["count"]) {
    const int64_t count = r.integer(node["count"], key + ".count", 1, kMaxRuns);
    for (int64_t i = 0; i < count; ++i) {
      const double v =
          count == 1 ? p.from : p.from + (p.to - p.from) * static_cast<double>(i) / static_cast<double>(count - 1);
      p.values.push_back(format_value(tidy(v, (p.to - p.from) / static_cast<double>(std::max<int64_t>(1, count - 1)))));
    }
  } else {
    r.fail(node, key, "grid and zip ranges need step or count");
  }
  return p;
}

// A short label for a run name: the path's last component (and its index) and the value,
// with characters that are awkward in file names replaced.
std::string label(const std::string& path, const std::string& value) {
  std::string leaf = path.substr(path.rfind('.') == std::string::npos ? 0 : path.rfind('.') + 1);
  std::string text = leaf + "=" + value;
  for (char& c : text) {
    const bool ok = std::isalnum(static_cast<unsigned char>(c)) || c == '=' || c == '.' || c == '-' || c == '_';
    if (!ok) c = '-';
  }
  if (text.size() > 40) text.resize(40);
  return text;
}

}  // namespace

std::string format_value(double value) {
  char buffer[64];
  const auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, value);
  return ec == std::errc() ? std::string(buffer, end) : std::to_string(value);
}

SweepPlan parse_sweep(const std::string& text, const std::string& source_name, uint64_t base_seed) {
  const Reader r(source_name);
  const YAML::Node root = load_yaml_document(text, source_name, "a sweep file");
  if (!root.IsMap()) r.fail(root, "", "a sweep file is a map with parameters (docs/sweeps.md)");
  static const std::set<std::string> kKeys{"name", "mode", "samples", "seed", "replicates", "parameters"};
  for (const auto& kv : root) {
    const std::string k = r.key(kv.first, "");
    if (!kKeys.count(k)) r.fail(kv.first, k, "unknown key (known: name, mode, samples, seed, replicates, parameters)");
  }
  SweepPlan plan;
  plan.source_path = source_name;
  plan.name = root["name"] ? r.scalar(root["name"], "name") : std::filesystem::path(source_name).stem().string();
  const std::string mode = root["mode"] ? r.scalar(root["mode"], "mode") : "grid";
  if (mode == "grid") {
    plan.mode = SweepMode::kGrid;
  } else if (mode == "zip") {
    plan.mode = SweepMode::kZip;
  } else if (mode == "random") {
    plan.mode = SweepMode::kRandom;
  } else if (mode == "lhs") {
    plan.mode = SweepMode::kLatinHypercube;
  } else {
    r.fail(root["mode"], "mode", core::quote(mode) + " is not one of: grid, zip, random, lhs");
  }
  const bool sampled = plan.mode == SweepMode::kRandom || plan.mode == SweepMode::kLatinHypercube;
  int64_t samples = 0;
  if (sampled) {
    if (!root["samples"]) r.fail(root, "samples", "random and lhs need samples (the number of points)");
    samples = r.integer(root["samples"], "samples", 1, kMaxRuns);
  } else if (root["samples"]) {
    r.fail(root["samples"], "samples", "only random and lhs take samples");
  }
  const uint64_t sample_seed = root["seed"] ? static_cast<uint64_t>(r.integer(root["seed"], "seed", 0, INT64_MAX)) : 1;
  plan.replicates = root["replicates"] ? r.integer(root["replicates"], "replicates", 1, 100000) : 1;
  const YAML::Node params = root["parameters"];
  if (!params || !params.IsMap() || params.size() == 0) {
    r.fail(params ? params : root, "parameters", "needs at least one parameter: key.path: [values]");
  }
  std::vector<std::string> normal_paths;  // "sites[0].pue" and "sites.0.pue" are one parameter
  for (const auto& kv : params) {
    const std::string path = r.scalar(kv.first, "parameters");
    if (path == "seed" && plan.replicates > 1)
      r.fail(kv.first, "parameters.seed", "use replicates or a seed parameter, not both");
    std::string normal = path;
    std::replace(normal.begin(), normal.end(), '[', '.');
    normal.erase(std::remove(normal.begin(), normal.end(), ']'), normal.end());
    const auto same = std::find(normal_paths.begin(), normal_paths.end(), normal);
    if (same != normal_paths.end()) {
      r.fail(kv.first, "parameters." + path,
             "the same key as parameter " +
                 core::quote(plan.parameters[static_cast<size_t>(same - normal_paths.begin())].path) +
                 ": a key is swept once");
    }
    normal_paths.push_back(std::move(normal));
    plan.parameters.push_back(parameter(r, path, kv.second, plan.mode));
  }
  // the number of runs, from the counts alone (overflow-checked), before any run is made
  const auto too_many = [&](const std::string& what) {
    r.fail(params, "parameters",
           what + ": more than " + std::to_string(kMaxRuns) + " runs, the most a sweep may have (docs/sweeps.md)");
  };
  int64_t points_count = 1;
  if (plan.mode == SweepMode::kGrid) {
    for (const auto& p : plan.parameters) {
      const auto values = static_cast<int64_t>(p.values.size());
      if (values > kMaxRuns / points_count) too_many("the grid's points");
      points_count *= values;
    }
  } else if (plan.mode == SweepMode::kZip) {
    points_count = static_cast<int64_t>(plan.parameters.front().values.size());
  } else {
    points_count = samples;
  }
  if (points_count > kMaxRuns / plan.replicates) {
    too_many(std::to_string(points_count) + " points x " + std::to_string(plan.replicates) + " replicates");
  }
  // points: for each, the index of each parameter's value (grid/zip) or the value itself
  std::vector<std::vector<std::string>> points;
  const size_t n = plan.parameters.size();
  if (plan.mode == SweepMode::kGrid) {
    std::vector<size_t> at(n, 0);  // an odometer: the last parameter varies fastest
    for (bool more = true; more;) {
      std::vector<std::string> point;
      for (size_t i = 0; i < n; ++i) point.push_back(plan.parameters[i].values[at[i]]);
      points.push_back(std::move(point));
      more = false;
      for (size_t i = n; i-- > 0;) {
        if (++at[i] < plan.parameters[i].values.size()) {
          more = true;
          break;
        }
        at[i] = 0;
      }
    }
  } else if (plan.mode == SweepMode::kZip) {
    const size_t length = plan.parameters.front().values.size();
    for (const auto& p : plan.parameters) {
      if (p.values.size() != length) {
        throw core::InputError(core::SourceLocation{source_name, p.line, "parameters." + p.path},
                               "zip needs lists of the same length: " + std::to_string(p.values.size()) +
                                   " values, the first parameter has " + std::to_string(length));
      }
    }
    for (size_t k = 0; k < length; ++k) {
      std::vector<std::string> point;
      for (const auto& p : plan.parameters) point.push_back(p.values[k]);
      points.push_back(std::move(point));
    }
  } else {
    // random: independent uniform draws; lhs: each parameter's n strata in a random order,
    // one draw inside each stratum (McKay, Beckman, Conover, Technometrics 1979)
    const auto count = static_cast<size_t>(samples);
    points.assign(count, std::vector<std::string>(n));
    for (size_t i = 0; i < n; ++i) {
      const SweepParameter& p = plan.parameters[i];
      core::RngStream rng(sample_seed, i, core::RngPurpose::kSweepSampling);
      std::vector<size_t> strata(count);
      for (size_t k = 0; k < count; ++k) strata[k] = k;
      if (plan.mode == SweepMode::kLatinHypercube) {
        for (size_t k = count; k > 1; --k) {  // Fisher-Yates with the stream's own uniforms
          const auto j = static_cast<size_t>(rng.uniform() * static_cast<double>(k));
          std::swap(strata[k - 1], strata[std::min(j, k - 1)]);
        }
      }
      for (size_t k = 0; k < count; ++k) {
        const double u = plan.mode == SweepMode::kLatinHypercube
                             ? (static_cast<double>(strata[k]) + rng.uniform()) / static_cast<double>(count)
                             : rng.uniform();
        if (p.is_range) {
          points[k][i] = format_value(p.from + u * (p.to - p.from));
        } else {
          const auto pick =
              std::min(p.values.size() - 1, static_cast<size_t>(u * static_cast<double>(p.values.size())));
          points[k][i] = p.values[pick];
        }
      }
    }
  }
  const int width =
      std::max<int>(4, static_cast<int>(std::to_string(points.size() * static_cast<size_t>(plan.replicates)).size()));
  int64_t index = 0;
  for (size_t k = 0; k < points.size(); ++k) {
    for (int64_t rep = 0; rep < plan.replicates; ++rep, ++index) {
      SweepRun run;
      run.index = index;
      run.point = static_cast<int64_t>(k);
      run.replicate = rep;
      run.values = points[k];
      std::ostringstream name;
      name << "run-" << std::setw(width) << std::setfill('0') << index;
      for (size_t i = 0; i < n; ++i) {
        run.overrides.push_back(plan.parameters[i].path + "=" + points[k][i]);
        name << "_" << label(plan.parameters[i].path, points[k][i]);
      }
      if (plan.replicates > 1) {
        const uint64_t seed = base_seed + static_cast<uint64_t>(rep);
        run.overrides.push_back("seed=" + std::to_string(seed));
        name << "_seed=" << seed;
      }
      run.name = name.str();
      plan.runs.push_back(std::move(run));
    }
  }
  return plan;
}

SweepPlan load_sweep(const std::string& path, uint64_t base_seed) {
  std::ifstream in(path);
  if (!in) throw core::InputError(core::SourceLocation{path, 0, ""}, "cannot read the sweep file");
  std::stringstream text;
  text << in.rdbuf();
  return parse_sweep(text.str(), path, base_seed);
}

}  // namespace fleetsim::scenario
