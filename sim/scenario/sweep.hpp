#pragma once
// Sweep files (docs/sweeps.md): a set of runs of one scenario, each a list of `--set`
// overrides. Parameters are scenario key paths (the `--set` syntax) with value lists or
// ranges; points are their cartesian product (grid), their element-wise pairing (zip), or a
// seeded random or Latin-hypercube sample; each point may be replicated over scenario seeds.

#include <cstdint>
#include <string>
#include <vector>

namespace fleetsim::scenario {

enum class SweepMode { kGrid, kZip, kRandom, kLatinHypercube };

// One parameter: either explicit values (YAML scalars as text) or a numeric range.
struct SweepParameter {
  std::string path;                 // scenario key path, as for --set
  std::vector<std::string> values;  // explicit values, or a range expanded for grid/zip
  bool is_range = false;            // a {from, to} range (random/lhs sample inside it)
  double from = 0.0;
  double to = 0.0;
  int64_t line = 0;  // in the sweep file
};

struct SweepRun {
  int64_t index = 0;                   // position in the whole sweep (shards keep these)
  int64_t point = 0;                   // which parameter point
  int64_t replicate = 0;               // which replicate of the point
  std::string name;                    // stable, readable file stem
  std::vector<std::string> overrides;  // key.path=value, parameters in file order, then seed
  std::vector<std::string> values;     // the parameters' values, in file order
};

struct SweepPlan {
  std::string name;
  std::string source_path;
  SweepMode mode = SweepMode::kGrid;
  std::vector<SweepParameter> parameters;
  int64_t replicates = 1;
  std::vector<SweepRun> runs;
};

// Reads and expands a sweep file. `base_seed` is the scenario's seed (replicate r runs with
// seed base_seed + r). Throws core::InputError naming the file, line and key.
SweepPlan load_sweep(const std::string& path, uint64_t base_seed);
SweepPlan parse_sweep(const std::string& text, const std::string& source_name, uint64_t base_seed);

// The text of a number as a YAML scalar: the shortest that reads back to the same double.
std::string format_value(double value);

}  // namespace fleetsim::scenario
