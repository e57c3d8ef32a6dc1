// Bad input that once crashed, hung or was silently accepted (issue 15): each case must be an
// InputError naming the file, line and key, quickly, whatever --set says.
#include <catch2/catch.hpp>

#include <chrono>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "scenario/scenario.hpp"
#include "scenario/sweep.hpp"
#include "scenario/yaml_input.hpp"

using namespace fleetsim;
using scenario::parse_scenario;

namespace {

const char* const kBase = R"(name: tiny
start: 2024-01-01T00:00:00Z
hours: 24
regions:
  - name: north
  - name: south
sites:
  - name: alpha
    region: north
    grid_limit_mw: 5
    clusters:
      - {gpu_type: A100, gpus: 64}
)";

core::InputError error_of(const std::string& text, const std::vector<std::string>& overrides = {}) {
  try {
    parse_scenario(text, "test.yaml", overrides);
  } catch (const core::InputError& e) {
    return e;
  }
  FAIL("expected an InputError");
  throw std::logic_error("unreachable");
}

core::InputError sweep_error_of(const std::string& text) {
  try {
    scenario::parse_sweep(text, "sweep.yaml", 1);
  } catch (const core::InputError& e) {
    return e;
  }
  FAIL("expected an InputError");
  throw std::logic_error("unreachable");
}

// A billion-laughs document: `levels` anchors, each a list of ten aliases of the one before
// (10^levels paths), under a key the schema knows.
std::string alias_bomb(int levels) {
  std::string text = std::string(kBase) + "x0: &a0 [lol]\n";
  for (int i = 1; i <= levels; ++i) {
    const std::string previous = std::to_string(i - 1);
    text += "x";
    text += std::to_string(i);
    text += ": &a";
    text += std::to_string(i);
    text += " [";
    for (int k = 0; k < 10; ++k) {
      if (k > 0) text += ", ";
      text += "*a";
      text += previous;
    }
    text += "]\n";
  }
  return text;
}

}  // namespace

TEST_CASE("an alias that contains itself is refused when the file is loaded, with or without --set", "[scenario]") {
  for (const std::string& cycle : {std::string("description: &x [*x]\n"), std::string("x: &x {a: [*x]}\n"),
                                   std::string("x: &x {a: &y {b: [*y, *x]}}\n")}) {
    INFO(cycle);
    for (const std::vector<std::string>& sets : {std::vector<std::string>{}, {"sites.0.pue=1.3"}}) {
      const auto e = error_of(std::string(kBase) + cycle, sets);
      CHECK(e.where().file == "test.yaml");
      CHECK(e.where().line == 13);
      CHECK_THAT(e.what(), Catch::Contains("refers to a node that contains it"));
    }
  }
  // and in a --set value itself
  const auto e = error_of(kBase, {"description=&x [*x]"});
  CHECK(e.where().file == "test.yaml (--set description=&x [*x])");
  CHECK(e.where().key == "description");
  CHECK_THAT(e.what(), Catch::Contains("refers to a node that contains it"));
}

TEST_CASE("an alias bomb is refused quickly, with or without --set", "[scenario]") {
  const std::string bomb = alias_bomb(9);  // 10^9 paths in about 600 bytes
  REQUIRE(bomb.size() < 1500);
  for (const std::vector<std::string>& sets : {std::vector<std::string>{}, {"sites.0.pue=1.3"}}) {
    const auto start = std::chrono::steady_clock::now();
    const auto e = error_of(bomb, sets);
    // a list reached again through an alias is counted, not walked again: milliseconds, also
    // under the sanitizers (it was seconds when every copy was walked)
    CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(2));
    CHECK(e.where().file == "test.yaml");
    CHECK(e.where().line > 13);
    CHECK_THAT(e.what(), Catch::Contains("more than 2,000,000 nodes with its aliases expanded"));
  }
  // a few aliases are fine (and still refused as unknown keys here)
  CHECK_THAT(error_of(alias_bomb(2)).what(), Catch::Contains("unknown key"));
}

TEST_CASE("YAML nested beyond the depth limit is refused", "[scenario]") {
  std::string deep = "description: ";
  for (int i = 0; i < 100; ++i) deep += "[";
  for (int i = 0; i < 100; ++i) deep += "]";
  CHECK_THAT(error_of(std::string(kBase) + deep + "\n").what(), Catch::Contains("nested more than 64 levels deep"));
  std::string very_deep = "description: " + std::string(5000, '[') + std::string(5000, ']') + "\n";
  const auto e = error_of(std::string(kBase) + very_deep);
  CHECK_THAT(e.what(), Catch::Contains("nested too deeply"));
  CHECK(e.where().file == "test.yaml");
}

TEST_CASE("the limits of the checked YAML reader can be set", "[scenario]") {
  scenario::YamlLimits small;
  small.max_nodes = 10;
  small.max_depth = 3;
  CHECK_NOTHROW(scenario::load_yaml_document("a: [1, 2]\nb: {c: 3}\n", "t.yaml", "a file", small));
  CHECK_THROWS_AS(scenario::load_yaml_document("a: [1, 2, 3, 4, 5, 6, 7, 8, 9]\n", "t.yaml", "a file", small),
                  core::InputError);
  CHECK_THROWS_AS(scenario::load_yaml_document("a: [[[1]]]\n", "t.yaml", "a file", small), core::InputError);
  CHECK(scenario::load_yaml_document("", "t.yaml", "a file").IsNull());
}

TEST_CASE("a tree reached again through an alias counts its nodes and its height where it is", "[scenario]") {
  scenario::YamlLimits limits;
  // root 1 + a (4) + b 1 + two copies of a (8) = 14 nodes
  const std::string copies = "a: &x [1, 2, 3]\nb: [*x, *x]\n";
  limits.max_nodes = 14;
  CHECK_NOTHROW(scenario::load_yaml_document(copies, "t.yaml", "a file", limits));
  limits.max_nodes = 13;
  const auto many = [&] {
    try {
      scenario::load_yaml_document(copies, "t.yaml", "a file", limits);
    } catch (const core::InputError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  }();
  CHECK_THAT(many, Catch::Contains("more than 13 nodes") && Catch::Contains("t.yaml:2: b"));
  // x is 4 levels high: at depth 2 it fits in 5 levels, under b.c (depth 4) it does not
  limits = scenario::YamlLimits{};
  limits.max_depth = 5;
  CHECK_NOTHROW(scenario::load_yaml_document("a: &x [[[1]]]\nb: *x\n", "t.yaml", "a file", limits));
  try {
    scenario::load_yaml_document("a: &x [[[1]]]\nb: {c: {d: *x}}\n", "t.yaml", "a file", limits);
    FAIL("expected an InputError");
  } catch (const core::InputError& e) {
    CHECK_THAT(e.what(), Catch::Contains("nested more than 5 levels deep"));
    CHECK(e.where().key == "b.c.d");
  }
  // a cycle is still a cycle when the node was seen before elsewhere
  CHECK_THAT(error_of(std::string(kBase) + "x: &x {a: 1}\ny: *x\nz: &z [*z]\n").what(),
             Catch::Contains("refers to a node that contains it"));
}

TEST_CASE("list indexes in --set that do not fit are bad input", "[scenario]") {
  for (const char* set : {"sites.99999999999999999999.pue=1.3", "sites.18446744073709551616.pue=1.3",
                          "sites[99999999999999999999999999999999999999].pue=1.3", "sites.1.pue=1.3"}) {
    INFO(set);
    const auto e = error_of(kBase, {set});
    CHECK(e.where().file == "test.yaml (--set " + std::string(set) + ")");
    CHECK_THAT(e.what(), Catch::Contains("is out of range (the list has 1 items)"));
  }
}

TEST_CASE("duplicate keys anywhere in a scenario or sweep file are refused", "[scenario][sweep]") {
  SECTION("in a list item") {
    std::string text = kBase;
    text.replace(text.find("    grid_limit_mw: 5\n"), 21, "    grid_limit_mw: 5\n    grid_limit_mw: 6\n");
    const auto e = error_of(text);
    CHECK(e.where().line == 11);
    CHECK(e.where().key == "sites[0].grid_limit_mw");
    CHECK_THAT(e.what(), Catch::Contains("duplicate key 'grid_limit_mw'"));
  }
  SECTION("in a flow map") {
    std::string text = kBase;
    text.replace(text.find("gpus: 64}"), 9, "gpus: 64, gpus: 8}");
    CHECK(error_of(text).where().key == "sites[0].clusters[0].gpus");
  }
  SECTION("in a map of names") {
    const auto e = error_of(std::string(kBase) + "inference:\n  queries_per_gpu_hour:\n    A100: 5\n    A100: 6\n");
    CHECK(e.where().line == 16);
    CHECK(e.where().key == "inference.queries_per_gpu_hour.A100");
  }
  SECTION("in a sweep file") {
    const auto e = sweep_error_of("parameters:\n  sites.0.pue: [1.1]\n  sites.0.pue: [1.2]\n");
    CHECK(e.where().line == 3);
    CHECK(e.where().key == "parameters.sites.0.pue");
    CHECK_THAT(e.what(), Catch::Contains("duplicate key"));
    CHECK_THAT(sweep_error_of("name: a\nname: b\nparameters: {p: [1]}\n").what(), Catch::Contains("duplicate key"));
  }
  SECTION("one key written two ways in a sweep file") {
    const auto e = sweep_error_of("parameters:\n  sites.0.pue: [1.1]\n  sites[0].pue: [1.2]\n");
    CHECK(e.where().line == 3);
    CHECK_THAT(e.what(), Catch::Contains("the same key as parameter 'sites.0.pue'"));
  }
  SECTION("a key that is not a name") {
    CHECK_THAT(error_of(std::string(kBase) + "? [a, b]\n: 1\n").what(), Catch::Contains("a key must be a name"));
    CHECK_THAT(sweep_error_of("parameters:\n  ? [a]\n  : [1]\n").what(), Catch::Contains("a key must be a name"));
  }
}

TEST_CASE("a second YAML document is refused, not ignored", "[scenario][sweep]") {
  const auto e = error_of(std::string(kBase) + "---\nname: other\n");
  CHECK(e.where().line == 14);
  CHECK_THAT(e.what(), Catch::Contains("a second YAML document"));
  CHECK_THAT(error_of(std::string(kBase) + "---\n").what(), Catch::Contains("a second YAML document"));
  CHECK_THAT(sweep_error_of("parameters: {p: [1]}\n---\nparameters: {q: [2]}\n").what(),
             Catch::Contains("a second YAML document"));
  CHECK_THAT(error_of(kBase, {"description=a\n---\nb"}).what(), Catch::Contains("more than one YAML document"));
  // a document end marker alone is one document
  CHECK_NOTHROW(parse_scenario(std::string(kBase) + "...\n", "test.yaml"));
}

TEST_CASE("a token that starts no value is a syntax error, not an endless loop", "[scenario][sweep]") {
  // yaml-cpp 0.7's LoadAll repeated an empty document for ever on these (found by fuzz_scenario)
  for (const std::string& start : {std::string(","), std::string(", a"), std::string(",\n")}) {
    INFO(start);
    const auto begin = std::chrono::steady_clock::now();
    const auto e = error_of("# a comment\n" + start + std::string(kBase));
    CHECK(e.where().line == 2);
    CHECK_THAT(e.what(), Catch::Contains("YAML syntax error: unexpected ','"));
    CHECK_THAT(error_of(kBase, {"name=" + start}).what(), Catch::Contains("YAML syntax error: unexpected ','"));
    CHECK_THAT(sweep_error_of(start + "parameters: {p: [1]}\n").what(),
               Catch::Contains("YAML syntax error: unexpected ','"));
    CHECK(std::chrono::steady_clock::now() - begin < std::chrono::seconds(10));
  }
  // a comma inside a value is still text
  CHECK_NOTHROW(parse_scenario(std::string(kBase) + "description: a, b\n", "test.yaml"));
  CHECK_NOTHROW(parse_scenario(kBase, "test.yaml", {"description=a, b"}));
}

TEST_CASE("text that is not UTF-8 is refused wherever it is in a scenario", "[scenario]") {
  SECTION("a site name") {
    std::string text = kBase;
    text.replace(text.find("name: alpha"), 11, "name: alph\xe9");
    const auto e = error_of(text);
    CHECK(e.where().line == 8);
    CHECK(e.where().key == "sites[0].name");
    CHECK_THAT(e.what(), Catch::Contains("'alph\\xe9' is not valid UTF-8"));
  }
  SECTION("a region name in a flow list") {
    const auto e = error_of(std::string(kBase) +
                            "workload:\n  jobs:\n    - {name: j, gpus: 8, duration_h: 1, "
                            "allowed_regions: [nor\xffth]}\n");
    CHECK(e.where().key == "workload.jobs[0].allowed_regions[0]");
    CHECK_THAT(e.what(), Catch::Contains("not valid UTF-8"));
  }
  SECTION("a key") {
    const auto e = error_of(std::string(kBase) + "gpu_types: {\"H\xc0\": {max_power_w: 1}}\n");
    CHECK(e.where().line == 13);
    CHECK_THAT(e.what(), Catch::Contains("the key 'H\\xc0' is not valid UTF-8"));
  }
  SECTION("a comment") {
    const auto e = error_of(std::string(kBase) + "# caf\xe9\n");
    CHECK(e.where().line == 13);
    CHECK_THAT(e.what(), Catch::Contains("is not valid UTF-8"));
  }
  SECTION("a --set value or path") {
    CHECK_THAT(error_of(kBase, {"sites.0.name=caf\xe9"}).what(), Catch::Contains("not valid UTF-8"));
    CHECK_THAT(error_of(kBase, {"sites.0.n\xe9=1"}).what(), Catch::Contains("not valid UTF-8"));
  }
  SECTION("valid UTF-8 names are fine") {
    std::string text = kBase;
    text.replace(text.find("name: alpha"), 11, "name: \xc3\xa9t\xc3\xa9");
    CHECK(parse_scenario(text, "test.yaml").sites[0].name == "\xc3\xa9t\xc3\xa9");
  }
}
