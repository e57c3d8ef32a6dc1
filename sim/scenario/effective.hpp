#pragma once
// What a loaded scenario says as a whole (its effective YAML: the file after every --set):
// the files it names, and how two effective scenarios differ.

#include <cstddef>
#include <string>
#include <vector>

#include "scenario/scenario.hpp"

namespace fleetsim::scenario {

// A file a scenario reads: its key path in --set syntax ("regions.0.grid.file"; "" for the
// scenario file itself) and the path as the loader resolves it (relative to the scenario's
// base_dir; a --set path is already absolute in the effective scenario).
struct ReferencedFile {
  std::string key;
  std::string path;
};

// The scenario file and every scalar of the effective scenario that names an existing
// regular file: CSVs, traces, whatever key names them (no list of file keys to keep up).
std::vector<ReferencedFile> referenced_files(const Scenario& sc);

// The key paths (--set syntax, sorted) at which two effective scenarios differ: a value
// changed, or a key present in one only. Empty when they are the same scenario, whatever
// their formatting. At most max_keys (the first in order); texts that are not YAML differ at "".
std::vector<std::string> differing_keys(const std::string& effective_a, const std::string& effective_b,
                                        size_t max_keys);

// The effective scenario as plain data (for the Python module's Scenario.to_dict): maps keep
// their keys' order; a scalar keeps its text and whether it was quoted (a quoted "24" is text).
struct PlainNode {
  enum class Kind { kNull, kScalar, kList, kMap };
  Kind kind = Kind::kNull;
  std::string scalar;
  bool quoted = false;
  std::vector<std::string> keys;  // kMap: keys[i] names items[i]
  std::vector<PlainNode> items;   // kList, kMap
};
PlainNode plain_tree(const Scenario& sc);

}  // namespace fleetsim::scenario
