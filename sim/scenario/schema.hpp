#pragma once
// The scenario schema: every key declared once, with its kind, unit, default, range and
// description. Validation, defaults, `fleetsim validate --reference` and
// docs/scenario-reference.md are all derived from these declarations.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace fleetsim::scenario {

enum class Kind {
  kNumber,   // float64
  kInteger,  // int64
  kString,
  kTimestamp,  // ISO-8601 UTC string
  kNumberList,
  kIntegerList,
  kStringList,
  kSection,        // a map with its own keys
  kSectionList,    // a list of maps with the same keys
  kNamedSections,  // a map from a user-chosen name to a map with the same keys
  kNumberMap,      // a map from a user-chosen name to a number
  kBool,
};

struct Section;

struct Key {
  std::string name;
  Kind kind = Kind::kNumber;
  std::string unit;  // "" when dimensionless or not a number
  std::string description;
  std::string default_text;  // YAML scalar text of the default; "" with required = false: no default
  bool required = false;
  double min = -1e300;  // numeric range (numbers, integers and list elements)
  double max = 1e300;
  bool min_exclusive = false;
  std::vector<std::string> choices;  // allowed values of a string
  bool empty_ok = false;             // a string (list item) may be '' (it always may be absent)
  bool free_text = false;            // a string that may hold tabs and line breaks
  const Section* section = nullptr;  // for kSection, kSectionList, kNamedSections
};

struct Section {
  std::string path;  // documentation path, e.g. "sites[]"
  std::string description;
  std::vector<Key> keys;
  const Key* find(std::string_view name) const;
};

const Section& root_section();

// "did you mean 'x'?" among the section's keys, or "" when nothing is close.
std::string suggest_key(const Section& section, std::string_view name);
// Closest of `candidates` to `name` by edit distance, or "" when none is close.
std::string closest(std::string_view name, const std::vector<std::string>& candidates);

// Markdown reference of every key (docs/scenario-reference.md is this text).
std::string reference_markdown();

}  // namespace fleetsim::scenario
