// What a loaded scenario says as a whole: the files it names, how two effective scenarios differ.
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "scenario/effective.hpp"
#include "scenario/scenario.hpp"

using namespace fleetsim;
using scenario::differing_keys;

TEST_CASE("differing_keys names every key where two effective scenarios differ, whatever the layout", "[scenario]") {
  const std::string a = "name: x\nhours: 24\nsites:\n  - {name: s1, pue: 1.2}\n  - {name: s2, pue: 1.3}\n";
  CHECK(differing_keys(a, a, 10).empty());
  CHECK(differing_keys(a, "hours: 24\nname: x\nsites: [{pue: 1.2, name: s1}, {name: s2, pue: 1.3}]", 10).empty());
  CHECK(differing_keys(a, "name: x\nhours: 48\nsites:\n  - {name: s1, pue: 1.2}\n  - {name: s2, pue: 1.4}\n", 10) ==
        std::vector<std::string>{"hours", "sites.1.pue"});
  CHECK(differing_keys(a, "name: x\nhours: 24\nseed: 3\nsites:\n  - {name: s1, pue: 1.2}\n", 10) ==
        std::vector<std::string>{"seed", "sites.1"});
  CHECK(differing_keys(a, "name: x\nhours: {a: 1}\nsites: []\n", 1) == std::vector<std::string>{"hours"});
  CHECK(differing_keys(a, "name: [unclosed", 10) == std::vector<std::string>{""});
}

TEST_CASE("referenced_files lists the scenario file and every value that names a file", "[scenario]") {
  namespace fs = std::filesystem;
  const fs::path dir = fs::temp_directory_path() / ("fleetsim_effective_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir / "data");
  fs::copy_file(fs::path(FLEETSIM_SOURCE_DIR) / "tests/fixtures/trace_small.csv", dir / "data" / "trace.csv");
  std::ofstream(dir / "s.yaml") << "name: s\nseed: 1\nstart: 2024-01-01T00:00:00Z\nhours: 24\n"
                                   "regions: [{name: r1}]\n"
                                   "sites: [{name: s1, region: r1, pue: 1.2, grid_limit_mw: 10, "
                                   "clusters: [{gpu_type: A100, gpus: 64}]}]\n"
                                   "workload: {traces: [{file: data/trace.csv}]}\n";
  const scenario::Scenario sc = scenario::load_scenario((dir / "s.yaml").string());
  const auto files = scenario::referenced_files(sc);
  REQUIRE(files.size() == 2);
  CHECK(files[0].key.empty());
  CHECK(files[0].path == (dir / "s.yaml").string());
  CHECK(files[1].key == "workload.traces.0.file");
  CHECK(fs::equivalent(files[1].path, dir / "data" / "trace.csv"));
  fs::remove_all(dir);
}
