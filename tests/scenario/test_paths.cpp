// Where relative file paths resolve (docs/scenario-reference.md, "File paths"): against base_dir
// (default: the scenario file's folder), a --set's against the current directory.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "scenario/effective.hpp"
#include "scenario/scenario.hpp"

using namespace fleetsim;
namespace fs = std::filesystem;

namespace {

// A folder tree under the system's temporary folder, removed at the end:
//   scenarios/s.yaml      the scenario (grid file g.csv, relative)
//   scenarios/g.csv       carbon intensity 100 g/kWh
//   data/g.csv            200 g/kWh
//   elsewhere/g.csv       300 g/kWh (the current directory of some tests)
struct Tree {
  fs::path root;
  explicit Tree(const std::string& name) : root(fs::canonical(fs::temp_directory_path()) / ("fleetsim_paths_" + name)) {
    fs::remove_all(root);
    for (const char* dir : {"scenarios", "data", "elsewhere"}) fs::create_directories(root / dir);
    grid(root / "scenarios" / "g.csv", 100);
    grid(root / "data" / "g.csv", 200);
    grid(root / "elsewhere" / "g.csv", 300);
  }
  ~Tree() {
    std::error_code error;
    fs::remove_all(root, error);
  }
  Tree(const Tree&) = delete;
  Tree& operator=(const Tree&) = delete;

  static void grid(const fs::path& path, int ci) {
    std::ofstream out(path);
    out << "datetime_utc,ci,cfe\n";
    for (int h = 0; h < 2; ++h) out << "2024-01-01T0" << h << ":00:00Z," << ci << ",0.5\n";
  }

  std::string scenario(const std::string& extra = "") const {
    const fs::path path = root / "scenarios" / "s.yaml";
    std::ofstream out(path);
    out << "name: paths\nstart: 2024-01-01T00:00:00Z\nhours: 2\n"
        << extra
        << "regions:\n  - name: r\n    grid: {source: csv, file: g.csv, format: columns, "
           "carbon_intensity_column: ci, cfe_share_column: cfe}\n"
           "sites:\n  - name: s\n    region: r\n    grid_limit_mw: 5\n    clusters:\n"
           "      - {gpu_type: A100, gpus: 8}\n";
    return path.string();
  }
};

// Changes the current directory for the life of the object.
struct InFolder {
  fs::path before = fs::current_path();
  explicit InFolder(const fs::path& dir) { fs::current_path(dir); }
  ~InFolder() { fs::current_path(before); }
  InFolder(const InFolder&) = delete;
  InFolder& operator=(const InFolder&) = delete;
};

double ci_of(const scenario::Scenario& sc) {
  return sc.region_supply.at(0).grid.carbon_intensity_g_per_kwh.at(0);
}

}  // namespace

TEST_CASE("relative paths resolve against the scenario file's folder by default", "[scenario][paths]") {
  const Tree tree("default");
  const InFolder cwd(tree.root / "elsewhere");
  const auto sc = scenario::load_scenario(tree.scenario());
  CHECK(ci_of(sc) == 100.0);
  CHECK(sc.base_dir == (tree.root / "scenarios").string());
  CHECK(sc.region_supply_specs.at(0).grid.csv.path == (tree.root / "scenarios" / "g.csv").string());
}

TEST_CASE("base_dir: relative to the scenario file's folder, or absolute", "[scenario][paths]") {
  const Tree tree("base_dir");
  const InFolder cwd(tree.root / "elsewhere");
  auto sc = scenario::load_scenario(tree.scenario("base_dir: ../data\n"));
  CHECK(ci_of(sc) == 200.0);
  CHECK(sc.base_dir == (tree.root / "data").string());
  // the files the scenario names are found there too (sweeps check their output folder against them)
  const auto files = scenario::referenced_files(sc);
  REQUIRE(files.size() == 2);
  CHECK(files[1].key == "regions.0.grid.file");
  CHECK(files[1].path == (tree.root / "data" / "g.csv").string());

  sc = scenario::load_scenario(tree.scenario("base_dir: " + (tree.root / "elsewhere").string() + "\n"));
  CHECK(ci_of(sc) == 300.0);

  try {
    (void)scenario::load_scenario(tree.scenario("base_dir: ../no_such_folder\n"));
    FAIL("expected an InputError");
  } catch (const core::InputError& e) {
    CHECK(e.where().key == "base_dir");
    CHECK_THAT(e.what(), Catch::Contains("no such folder: " + (tree.root / "no_such_folder").string()));
  }
}

TEST_CASE("a relative path typed in a --set resolves against the current directory", "[scenario][paths]") {
  const Tree tree("set");
  const std::string path = tree.scenario();
  {
    const InFolder cwd(tree.root / "elsewhere");
    const auto sc = scenario::load_scenario(path, {"regions.0.grid.file=g.csv"});
    CHECK(ci_of(sc) == 300.0);
    // stored absolute: the run file records the file that was read
    CHECK_THAT(sc.effective_yaml, Catch::Contains("file: " + (tree.root / "elsewhere" / "g.csv").string()));
  }
  {
    const InFolder cwd(tree.root);
    // base_dir from a --set: against the current directory too; the scenario's own g.csv follows it
    auto sc = scenario::load_scenario(path, {"base_dir=data"});
    CHECK(ci_of(sc) == 200.0);
    CHECK_THAT(sc.effective_yaml, Catch::Contains("base_dir: " + (tree.root / "data").string()));
    // a whole map set on the command line: its file is the command line's
    sc = scenario::load_scenario(path, {"regions.0.grid={source: csv, file: elsewhere/g.csv, format: columns, "
                                        "carbon_intensity_column: ci, cfe_share_column: cfe}"});
    CHECK(ci_of(sc) == 300.0);
    // an absolute path is taken as it is
    sc = scenario::load_scenario(path, {"regions.0.grid.file=" + (tree.root / "data" / "g.csv").string()});
    CHECK(ci_of(sc) == 200.0);
  }
}

TEST_CASE("a sweep file's paths resolve like the scenario file's", "[scenario][paths]") {
  const Tree tree("sweep");
  const InFolder cwd(tree.root / "elsewhere");
  // one override from the command line (base_dir), one from a sweep file (the grid file)
  const auto sc = scenario::load_scenario(tree.scenario(), {"base_dir=../data", "regions.0.grid.file=g.csv"}, 1);
  CHECK(sc.base_dir == (tree.root / "data").string());
  CHECK(ci_of(sc) == 200.0);
  const auto from_scenario_dir = scenario::load_scenario(tree.scenario(), {"regions.0.grid.file=g.csv"}, 0);
  CHECK(ci_of(from_scenario_dir) == 100.0);
}
