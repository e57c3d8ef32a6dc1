#pragma once
// The one way fleetsim reads YAML text (scenario files, sweep files, --set values): the text
// becomes a tree only after checks that bound what later walks over it can cost and that the
// tree means what it says (docs/reliability.md, "Input validation"):
//   * one document per file (a second "---" document is an error, not ignored);
//   * map keys are plain scalars and unique within their map (yaml-cpp keeps duplicates and
//     answers lookups with the first);
//   * every scalar and key is valid UTF-8, and so is the whole text (comments too: the text
//     is stored in output files);
//   * aliases: no node contains itself (a cycle makes every walk infinite), and the tree with
//     every alias expanded has at most max_nodes nodes and max_depth levels (an alias bomb of
//     1 KB expands to 10^8 paths).
// Errors are core::InputError naming the file, line and key path.

#include <yaml-cpp/depthguard.h>
#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <string>
#include <string_view>

#include "core/error.hpp"

namespace fleetsim::scenario {

struct YamlLimits {
  // The largest shipped scenario (bench_planet_year.yaml) has about 24,000 nodes, 8 levels deep.
  int64_t max_nodes = 2'000'000;  // nodes of the tree with aliases expanded
  int max_depth = 64;             // nesting levels of maps and lists
};

// Parses `text` (read from `source_name`, used in messages) and checks it as above. `what`
// names the kind of file in messages ("a scenario file", "a sweep file").
YAML::Node load_yaml_document(std::string_view text, const std::string& source_name, const std::string& what,
                              const YamlLimits& limits = {});

// A --set value or other YAML text from the command line, checked the same way; messages
// point at `where` (its line is 0: the command line has none).
YAML::Node load_yaml_value(std::string_view text, const core::SourceLocation& where, const YamlLimits& limits = {});

// Checks a tree built from YAML text (keys, UTF-8, cycles, size, depth); `path` is the key
// path of `node` in messages ("" at the top).
void check_yaml_tree(const YAML::Node& node, const std::string& source_name, const std::string& path,
                     const YamlLimits& limits = {});

}  // namespace fleetsim::scenario
