// Sweep files: expansion (grid, zip, random, Latin hypercube, replicates), names, and errors
// that name the file, line and key.
#include <catch2/catch.hpp>

#include <set>

#include "core/error.hpp"
#include "scenario/sweep.hpp"

using namespace fleetsim;
using scenario::parse_sweep;

TEST_CASE("a grid is the cartesian product, the last parameter fastest", "[sweep]") {
  const auto plan = parse_sweep(R"(name: g
parameters:
  a.b: [1, 2]
  c: {from: 0, to: 1, step: 0.5}
  d: [x, y]
)",
                                "g.yaml", 7);
  REQUIRE(plan.runs.size() == 12);
  CHECK(plan.runs[0].overrides == std::vector<std::string>{"a.b=1", "c=0", "d=x"});
  CHECK(plan.runs[1].overrides == std::vector<std::string>{"a.b=1", "c=0", "d=y"});
  CHECK(plan.runs[2].overrides == std::vector<std::string>{"a.b=1", "c=0.5", "d=x"});
  CHECK(plan.runs[11].overrides == std::vector<std::string>{"a.b=2", "c=1", "d=y"});
  CHECK(plan.runs[5].name == "run-0005_b=1_c=1_d=y");
  std::set<std::string> names;
  for (const auto& r : plan.runs) names.insert(r.name);
  CHECK(names.size() == 12);
}

TEST_CASE("count spaces values evenly; zip pairs lists; replicates add seeds", "[sweep]") {
  const auto counted = parse_sweep("parameters: {p: {from: 1, to: 2, count: 5}}", "c.yaml", 1);
  REQUIRE(counted.runs.size() == 5);
  CHECK(counted.runs[1].values[0] == "1.25");
  const auto zipped = parse_sweep("mode: zip\nreplicates: 3\nparameters: {a: [1, 2], b: [x, y]}", "z.yaml", 40);
  REQUIRE(zipped.runs.size() == 6);
  CHECK(zipped.runs[0].overrides == std::vector<std::string>{"a=1", "b=x", "seed=40"});
  CHECK(zipped.runs[2].overrides == std::vector<std::string>{"a=1", "b=x", "seed=42"});
  CHECK(zipped.runs[3].overrides == std::vector<std::string>{"a=2", "b=y", "seed=40"});
  CHECK(zipped.runs[4].point == 1);
  CHECK(zipped.runs[4].replicate == 1);
}

TEST_CASE("range values read as written: no rounding noise, exact zero", "[sweep]") {
  const auto growth = parse_sweep("parameters: {f: {from: 1.8, to: 3.4, step: 0.4}}", "r.yaml", 1);
  std::vector<std::string> values;
  for (const auto& r : growth.runs) values.push_back(r.values[0]);
  CHECK(values == std::vector<std::string>{"1.8", "2.2", "2.6", "3", "3.4"});
  const auto around_zero = parse_sweep("parameters: {g: {from: -0.3, to: 0.3, step: 0.1}}", "r.yaml", 1);
  REQUIRE(around_zero.runs.size() == 7);
  CHECK(around_zero.runs[3].values[0] == "0");
  CHECK(around_zero.runs[4].values[0] == "0.1");
  const auto counted = parse_sweep("parameters: {g: {from: -1, to: 1, count: 3}}", "r.yaml", 1);
  CHECK(counted.runs[1].values[0] == "0");
}

TEST_CASE("a Latin hypercube puts one sample in each stratum of each range, reproducibly", "[sweep]") {
  const std::string text = "mode: lhs\nsamples: 10\nseed: 3\nparameters: {p: {from: 0, to: 10}, q: {from: -1, to: 1}}";
  const auto plan = parse_sweep(text, "l.yaml", 1);
  REQUIRE(plan.runs.size() == 10);
  for (size_t param = 0; param < 2; ++param) {
    std::set<int> strata;
    for (const auto& r : plan.runs) {
      const double v = std::stod(r.values[param]);
      const double unit = param == 0 ? v / 10.0 : (v + 1.0) / 2.0;
      strata.insert(static_cast<int>(unit * 10));
    }
    CHECK(strata.size() == 10);
  }
  CHECK(parse_sweep(text, "l.yaml", 1).runs[4].values == plan.runs[4].values);
  const auto other = parse_sweep("mode: lhs\nsamples: 10\nseed: 4\nparameters: {p: {from: 0, to: 10}}", "l.yaml", 1);
  CHECK(other.runs[0].values[0] != plan.runs[0].values[0]);
  const auto random = parse_sweep("mode: random\nsamples: 200\nparameters: {p: [a, b]}", "r.yaml", 1);
  int a = 0;
  for (const auto& r : random.runs) a += r.values[0] == "a" ? 1 : 0;
  CHECK(a > 70);
  CHECK(a < 130);
}

TEST_CASE("a bad sweep file names the file, the line and the key", "[sweep]") {
  auto error = [](const std::string& text) {
    try {
      parse_sweep(text, "bad.yaml", 1);
    } catch (const core::InputError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  CHECK(error("parameters:\n  p: {from: 2, to: 1, step: 1}") == "bad.yaml:2: parameters.p: empty range: to < from");
  CHECK(error("parameters:\n  p: []") == "bad.yaml:2: parameters.p: an empty list of values");
  CHECK(error("parameters:\n  p: {from: 0, to: 1}") ==
        "bad.yaml:2: parameters.p: grid and zip ranges need step or count");
  CHECK(error("mode: grd\nparameters: {p: [1]}") == "bad.yaml:1: mode: 'grd' is not one of: grid, zip, random, lhs");
  CHECK(error("mode: zip\nparameters:\n  a: [1, 2]\n  b: [1]")
            .find("bad.yaml:4: parameters.b: zip needs lists of the same length") == 0);
  CHECK(error("mode: lhs\nparameters: {p: {from: 0, to: 1}}").find("samples") != std::string::npos);
  CHECK(error("parameter: {p: [1]}").find("bad.yaml:1: parameter: unknown key") == 0);
  CHECK(error("parameters: {}").find("needs at least one parameter") != std::string::npos);
  CHECK(error("parameters: {p: {from: 0, to: x, count: 2}}").find("'x' is not a finite number") != std::string::npos);
}

namespace {
std::string sweep_error(const std::string& text) {
  try {
    parse_sweep(text, "bad.yaml", 1);
  } catch (const core::InputError& e) {
    return e.what();
  }
  return "no error";
}
}  // namespace

TEST_CASE("every sweep mode is held to the run limit before its plan is built", "[sweep]") {
  // grid: 1,000 x 1,000 points (10^6 runs); with 20 parameters the product overflows int64
  CHECK(sweep_error("parameters:\n  a: {from: 1, to: 1000, step: 1}\n  b: {from: 1, to: 1000, step: 1}") ==
        "bad.yaml:2: parameters: the grid's points: more than 100000 runs, the most a sweep may have "
        "(docs/sweeps.md)");
  std::string wide = "parameters:\n";
  for (int i = 0; i < 20; ++i) wide += "  p" + std::to_string(i) + ": {from: 1, to: 10, step: 1}\n";
  CHECK(sweep_error(wide).find("the grid's points: more than 100000 runs") != std::string::npos);
  // replicates multiply every mode: zip, random and lhs as well as grid
  CHECK(sweep_error("mode: zip\nreplicates: 2\nparameters: {a: {from: 1, to: 60000, step: 1}}") ==
        "bad.yaml:3: parameters: 60000 points x 2 replicates: more than 100000 runs, the most a sweep may have "
        "(docs/sweeps.md)");
  CHECK(sweep_error("mode: random\nsamples: 100000\nreplicates: 100000\nparameters: {a: {from: 0, to: 1}}")
            .find("100000 points x 100000 replicates: more than 100000 runs") != std::string::npos);
  CHECK(sweep_error("mode: lhs\nsamples: 50001\nreplicates: 2\nparameters: {a: {from: 0, to: 1}}")
            .find("50001 points x 2 replicates") != std::string::npos);
  CHECK(sweep_error("mode: random\nsamples: 10000000\nparameters: {a: {from: 0, to: 1}}") ==
        "bad.yaml:2: samples: must be a whole number in [1, 100000]");
  CHECK(sweep_error("parameters: {a: {from: 0, to: 1, step: 0.000001}}") ==
        "bad.yaml:1: parameters.a: more than 100000 values (the most runs a sweep may have)");
  // the limit itself is a legal sweep
  CHECK(parse_sweep("mode: lhs\nsamples: 50000\nreplicates: 2\nparameters: {a: {from: 0, to: 1}}", "ok.yaml", 1)
            .runs.size() == 100000);
}

// (the checked YAML reader refuses non-scalar and duplicate keys before the sweep parser sees them)
TEST_CASE("a sweep file's keys are single values, and a key is swept once", "[sweep]") {
  CHECK(sweep_error("parameters:\n  [a, b]: [1, 2]") ==
        "bad.yaml:2: parameters: a key must be a name (a plain scalar), not a list");
  CHECK(sweep_error("? {x: 1}\n: 2\nparameters: {a: [1]}") ==
        "bad.yaml:1: a key must be a name (a plain scalar), not a map");
  CHECK(sweep_error("parameters:\n  a: {[from]: 0, to: 1, step: 1}") ==
        "bad.yaml:2: parameters.a: a key must be a name (a plain scalar), not a list");
  CHECK(sweep_error("parameters:\n  sites.0.pue: [1.1]\n  policy: [fifo]\n  sites[0].pue: [1.2]") ==
        "bad.yaml:4: parameters.sites[0].pue: the same key as parameter 'sites.0.pue': a key is swept once");
  CHECK(sweep_error("parameters:\n  a: [1]\n  a: [2]") ==
        "bad.yaml:3: parameters.a: duplicate key 'a' (YAML would keep only one of its values)");
}
