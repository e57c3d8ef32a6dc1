#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <map>
#include <set>
#include <sstream>

#include "core/error.hpp"
#include "core/text.hpp"
#include "policy/routing.hpp"
#include "policy/scheduling.hpp"
#include "scenario/scenario.hpp"
#include "scenario/schema.hpp"
#include "scenario/yaml_input.hpp"
#include "workload/deadline.hpp"
#include "workload/inference_demand.hpp"

namespace fleetsim::scenario {
namespace {

using core::InputError;
using core::SourceLocation;

// Where messages point: the scenario file, and the key paths that --set replaced.
struct Override {
  std::string key;   // key path
  std::string text;  // "key.path=value" as given
  bool command_line = true;
};

struct Context {
  std::string file;
  std::vector<Override> overridden;

  // The last override that set this key or one above it.
  const Override* override_at(const std::string& path) const {
    const Override* found = nullptr;
    for (const Override& o : overridden) {
      const std::string& key = o.key;
      if (path == key || (path.size() > key.size() && path.compare(0, key.size(), key) == 0 &&
                          (path[key.size()] == '.' || path[key.size()] == '['))) {
        found = &o;
      }
    }
    return found;
  }
  const std::string* override_of(const std::string& path) const {
    const Override* o = override_at(path);
    return o == nullptr ? nullptr : &o->text;
  }
  bool from_command_line(const std::string& path) const {
    const Override* o = override_at(path);
    return o != nullptr && o->command_line;
  }
};

// A YAML node with the key path that reached it, for messages.
struct At {
  YAML::Node node;
  std::string path;
  const Context* context;
  int64_t parent_line = 0;  // where to point when this node is absent

  int64_t line() const {
    if (!node.IsDefined()) return parent_line;
    const YAML::Mark mark = node.Mark();
    return mark.is_null() ? 0 : mark.line + 1;
  }
  SourceLocation where() const {
    if (const std::string* text = context->override_of(path)) {
      return SourceLocation{context->file + " (--set " + core::printable(*text) + ")", 0, path};
    }
    return SourceLocation{context->file, line(), path};
  }
  [[noreturn]] void fail(const std::string& what) const { throw InputError(where(), what); }

  At child(const std::string& key) const {
    const YAML::Node c = node.IsDefined() && node.IsMap() ? node[key] : YAML::Node(YAML::NodeType::Undefined);
    return At{c, path.empty() ? key : path + "." + key, context, line()};
  }
  At item(size_t i) const { return At{node[i], path + "[" + std::to_string(i) + "]", context, line()}; }
  bool has(const std::string& key) const {
    return node.IsDefined() && node.IsMap() && node[key].IsDefined() && !node[key].IsNull();
  }
};

// ---------------------------------------------------------------- schema validation

std::string scalar_text(const YAML::Node& n) {
  return n.IsScalar() ? n.Scalar() : std::string("(not a scalar)");
}

double check_number(const At& at, const Key& key, bool integer) {
  if (!at.node.IsScalar()) at.fail("expected a " + std::string(integer ? "integer" : "number"));
  double value = 0.0;
  if (integer) {
    int64_t i = 0;
    if (!YAML::convert<int64_t>::decode(at.node, i)) {
      // Large seeds do not fit int64 but are valid uint64.
      uint64_t u = 0;
      if (!YAML::convert<uint64_t>::decode(at.node, u))
        at.fail(core::quote(scalar_text(at.node)) + " is not an integer");
      value = static_cast<double>(u);
    } else {
      value = static_cast<double>(i);
    }
  } else if (!YAML::convert<double>::decode(at.node, value)) {
    at.fail(core::quote(scalar_text(at.node)) + " is not a number");
  }
  if (!std::isfinite(value)) at.fail(core::quote(scalar_text(at.node)) + " is not a finite number");
  const bool low_ok = key.min_exclusive ? value > key.min : value >= key.min;
  if (!low_ok || value > key.max) {
    std::ostringstream rule;
    rule << "must be " << (key.min_exclusive ? "> " : ">= ") << key.min;
    if (key.max < 1e300) rule << " and <= " << key.max;
    at.fail(core::printable(scalar_text(at.node)) + " is out of range: " + rule.str() +
            (key.unit.empty() ? "" : " " + key.unit));
  }
  return value;
}

void validate_section(const At& at, const Section& section);

// A string value: not '' unless the key allows it, and no control character (a free-text key
// may hold tabs and line breaks). That it is UTF-8 was checked when the text was loaded.
void check_text(const At& at, const Key& key, const std::string& text) {
  if (text.empty() && !key.empty_ok) {
    at.fail(std::string("is an empty string") + (key.required ? "" : " (leave the key out for its default)"));
  }
  for (const char ch : text) {
    if (key.free_text && (ch == '\n' || ch == '\t' || ch == '\r')) continue;
    if (core::has_control_character(std::string_view(&ch, 1))) {
      at.fail(core::quote(text) + " holds a control character; names and values are one line of printable text");
    }
  }
}

// A name chosen by the user as a map key (a GPU type, a fuel): not '', no control character.
void check_name(const At& at, const std::string& name) {
  if (name.empty()) at.fail("an empty name");
  if (core::has_control_character(name)) {
    at.fail(core::quote(name) + " holds a control character; names are one line of printable text");
  }
}

std::string choice_error(const std::string& value, const std::vector<std::string>& choices) {
  std::string all;
  for (const auto& c : choices) all += (all.empty() ? "" : ", ") + c;
  const std::string hint = closest(value, choices);
  return core::quote(value) + " is not one of: " + all +
         (hint.empty() ? "" : " (did you mean " + core::quote(hint) + "?)");
}

void validate_value(const At& at, const Key& key) {
  switch (key.kind) {
    case Kind::kNumber:
    case Kind::kInteger:
      check_number(at, key, key.kind == Kind::kInteger);
      return;
    case Kind::kString:
      if (!at.node.IsScalar()) at.fail("expected a string");
      if (!key.choices.empty() &&
          std::find(key.choices.begin(), key.choices.end(), at.node.Scalar()) == key.choices.end()) {
        at.fail(choice_error(at.node.Scalar(), key.choices));
      }
      check_text(at, key, at.node.Scalar());
      return;
    case Kind::kTimestamp:
      if (!at.node.IsScalar() || !core::parse_utc(at.node.Scalar())) {
        at.fail(core::quote(scalar_text(at.node)) + " is not an ISO-8601 UTC time such as 2024-01-01T00:00:00Z");
      }
      return;
    case Kind::kNumberList:
    case Kind::kIntegerList:
    case Kind::kStringList:
      if (!at.node.IsSequence()) at.fail("expected a list");
      for (size_t i = 0; i < at.node.size(); ++i) {
        const At item = at.item(i);
        if (key.kind == Kind::kStringList) {
          if (!item.node.IsScalar()) item.fail("expected a string");
          if (!key.choices.empty() &&
              std::find(key.choices.begin(), key.choices.end(), item.node.Scalar()) == key.choices.end()) {
            item.fail(choice_error(item.node.Scalar(), key.choices));
          }
          check_text(item, key, item.node.Scalar());
        } else {
          check_number(item, key, key.kind == Kind::kIntegerList);
        }
      }
      return;
    case Kind::kSection:
      validate_section(at, *key.section);
      return;
    case Kind::kSectionList:
      if (!at.node.IsSequence()) at.fail("expected a list");
      for (size_t i = 0; i < at.node.size(); ++i) validate_section(at.item(i), *key.section);
      return;
    case Kind::kNamedSections:
      if (!at.node.IsMap()) at.fail("expected a map from names to settings");
      for (const auto& kv : at.node) {
        check_name(at.child(kv.first.Scalar()), kv.first.Scalar());
        validate_section(at.child(kv.first.Scalar()), *key.section);
      }
      return;
    case Kind::kBool: {
      bool value = false;
      if (!at.node.IsScalar() || !YAML::convert<bool>::decode(at.node, value)) at.fail("expected true or false");
      return;
    }
    case Kind::kNumberMap:
      if (!at.node.IsMap()) at.fail("expected a map from names to numbers");
      for (const auto& kv : at.node) {
        check_name(at.child(kv.first.Scalar()), kv.first.Scalar());
        check_number(at.child(kv.first.Scalar()), key, false);
      }
      return;
  }
}

void validate_section(const At& at, const Section& section) {
  if (!at.node.IsMap()) at.fail("expected a map of keys");
  std::set<std::string> seen;
  for (const auto& kv : at.node) {
    const std::string name = kv.first.Scalar();
    const At key_at{kv.first, at.path.empty() ? name : at.path + "." + name, at.context, at.line()};
    if (!seen.insert(name).second) key_at.fail("duplicate key");
    const Key* key = section.find(name);
    if (key == nullptr) {
      const std::string hint = suggest_key(section, name);
      key_at.fail("unknown key" + (hint.empty() ? std::string() : " (did you mean " + core::quote(hint) + "?)"));
    }
    if (kv.second.IsNull()) {
      if (key->required) key_at.fail("a value is required");
      continue;
    }
    validate_value(At{kv.second, key_at.path, at.context, key_at.line()}, *key);
  }
  for (const Key& key : section.keys) {
    if (key.required && !at.has(key.name)) at.fail("required key " + core::quote(key.name) + " is missing");
  }
}

// ---------------------------------------------------------------- typed reads with defaults

const Key& key_of(const Section& section, const std::string& name) {
  const Key* key = section.find(name);
  if (key == nullptr) throw std::logic_error("scenario schema has no key " + section.path + "." + name);
  return *key;
}

YAML::Node value_or_default(const At& at, const Section& section, const std::string& name) {
  if (at.has(name)) return at.node[name];
  const Key& key = key_of(section, name);
  if (key.default_text.empty()) return YAML::Node();
  return YAML::Load(key.default_text);
}

double get_number(const At& at, const Section& s, const std::string& name) {
  return value_or_default(at, s, name).as<double>();
}
int64_t get_integer(const At& at, const Section& s, const std::string& name) {
  return value_or_default(at, s, name).as<int64_t>();
}
std::string get_string(const At& at, const Section& s, const std::string& name) {
  const YAML::Node n = value_or_default(at, s, name);
  return n.IsDefined() && !n.IsNull() ? n.Scalar() : std::string();
}
std::optional<double> get_optional(const At& at, const Section& s, const std::string& name) {
  const YAML::Node n = value_or_default(at, s, name);
  if (!n.IsDefined() || n.IsNull()) return std::nullopt;
  return n.as<double>();
}
template <typename T>
std::vector<T> get_list(const At& at, const Section& s, const std::string& name) {
  const YAML::Node n = value_or_default(at, s, name);
  if (!n.IsDefined() || n.IsNull()) return {};
  return n.as<std::vector<T>>();
}

std::map<std::string, double> get_number_map(const At& at, const std::string& name) {
  std::map<std::string, double> out;
  if (!at.has(name)) return out;
  for (const auto& kv : at.node[name]) out[kv.first.Scalar()] = kv.second.as<double>();
  return out;
}

energy::FillPolicy fill_policy(const std::string& text) {
  if (text == "previous") return energy::FillPolicy::kPrevious;
  if (text == "linear") return energy::FillPolicy::kLinear;
  return energy::FillPolicy::kNone;
}

core::Seconds hours_to_s(double hours) {
  return static_cast<core::Seconds>(std::llround(hours * static_cast<double>(core::kSecondsPerHour)));
}

// ---------------------------------------------------------------- overrides

// How many times `target` is reachable in the tree: more than once means it sits behind a
// YAML alias, where assigning to it would change every place the anchor is used.
size_t occurrences(const YAML::Node& node, const YAML::Node& target) {
  size_t count = node.is(target) ? 1 : 0;
  if (node.IsMap()) {
    for (const auto& kv : node) count += occurrences(kv.second, target);
  } else if (node.IsSequence()) {
    for (const auto& item : node) count += occurrences(item, target);
  }
  return count;
}

// A list index written in a --set path (all digits), or nullopt when it does not fit size_t.
std::optional<size_t> parse_index(const std::string& digits) {
  size_t value = 0;
  const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
  if (ec != std::errc() || end != digits.data() + digits.size()) return std::nullopt;
  return value;
}

// Applies one --set to the scenario read from `file` and returns the key path it replaced, in
// message form ("sites[0].pue"). Its errors name the file and the --set, and the key path as
// written.
std::string apply_override(YAML::Node& root, const std::string& file, const std::string& text) {
  const size_t eq = text.find('=');
  const SourceLocation where{file + " (--set " + core::printable(text) + ")", 0,
                             eq == std::string::npos ? text : text.substr(0, eq)};
  if (const auto bad = core::invalid_utf8_at(text)) {
    throw InputError(where, "the --set text is not valid UTF-8 (byte " + std::to_string(*bad + 1) + ")");
  }
  if (eq == std::string::npos || eq == 0) throw InputError(where, "expected key.path=value");
  std::string path = text.substr(0, eq);
  const std::string value = text.substr(eq + 1);
  std::replace(path.begin(), path.end(), '[', '.');
  path.erase(std::remove(path.begin(), path.end(), ']'), path.end());
  std::vector<std::string> parts;
  std::stringstream ss(path);
  for (std::string part; std::getline(ss, part, '.');) {
    if (part.empty()) throw InputError(where, "empty segment in key path");
    parts.push_back(part);
  }
  const YAML::Node parsed = load_yaml_value(value, where);
  YAML::Node cur = root;
  std::string resolved;
  for (size_t i = 0; i < parts.size(); ++i) {
    const std::string& part = parts[i];
    const bool last = i + 1 == parts.size();
    if (i > 0 && (cur.IsMap() || cur.IsSequence()) && occurrences(root, cur) > 1) {
      throw InputError(where, core::quote(resolved) +
                                  " is a YAML alias shared with another part of the scenario; write it out in full "
                                  "to override one copy");
    }
    if (cur.IsSequence()) {
      std::optional<size_t> index;
      if (std::all_of(part.begin(), part.end(), [](char c) { return c >= '0' && c <= '9'; })) {
        index = parse_index(part);
        if (!index || *index >= cur.size()) {
          throw InputError(where, "index " + core::printable(part) + " is out of range (the list has " +
                                      std::to_string(cur.size()) + " items)");
        }
      } else {
        for (size_t j = 0; j < cur.size(); ++j) {
          if (cur[j].IsMap() && cur[j]["name"].IsScalar() && cur[j]["name"].Scalar() == part) index = j;
        }
        if (!index) throw InputError(where, "no list item named " + core::quote(part));
      }
      resolved += "[" + std::to_string(*index) + "]";
      if (last) {
        cur[*index] = parsed;
      } else {
        YAML::Node next = cur[*index];
        cur.reset(next);
      }
    } else {
      if (cur.IsDefined() && !cur.IsNull() && !cur.IsMap()) {
        throw InputError(where, core::quote(part) + " is below a value that is not a map or list");
      }
      resolved += (resolved.empty() ? "" : ".") + part;
      if (last) {
        cur[part] = parsed;
      } else {
        if (!cur[part].IsDefined() || cur[part].IsNull()) cur[part] = YAML::Node(YAML::NodeType::Map);
        YAML::Node next = cur[part];
        cur.reset(next);
      }
    }
  }
  return resolved;
}

// ---------------------------------------------------------------- building

struct Builder {
  Scenario& sc;
  const std::string& file;
  std::filesystem::path base_dir;

  // A GPU type name where '' means "any type" (jobs, generators, traces): '' or a known type.
  void check_gpu_type_name(const At& at, const std::string& name) const {
    if (name.empty() || sc.catalog.find(name) != nullptr) return;
    std::vector<std::string> names;
    for (const auto& t : sc.catalog.types()) names.push_back(t.name);
    const std::string hint = closest(name, names);
    at.fail("unknown GPU type " + core::quote(name) +
            (hint.empty() ? "" : " (did you mean " + core::quote(hint) + "?)") +
            "; known types: " + sc.catalog.names());
  }

  // A GPU type that must name one type (clusters, replacements, throughputs): its index.
  size_t gpu_type_index(const At& at, const std::string& name) const {
    check_gpu_type_name(at, name);
    const auto index = sc.catalog.index_of(name);
    if (!index) at.fail("a GPU type is needed here; known types: " + sc.catalog.names());
    return *index;
  }

  // A time the schema has checked, parsed again: a failure here is a message, never a crash.
  static core::Seconds utc(const At& at, const std::string& text) {
    const auto t = core::parse_utc(text);
    if (!t) at.fail(core::quote(text) + " is not an ISO-8601 UTC time such as 2024-01-01T00:00:00Z");
    return *t;
  }

  // A job source's allowed_regions: absent means every region; a list must name known regions,
  // each once. An empty list would allow none (no job could run), so it is an error.
  std::vector<std::string> allowed_regions(const At& owner, const Section& s) const {
    if (!owner.has("allowed_regions")) return {};
    const At list = owner.child("allowed_regions");
    const auto names = get_list<std::string>(owner, s, "allowed_regions");
    if (names.empty()) list.fail("an empty list allows no region; leave allowed_regions out to allow every region");
    check_regions(list, names);
    for (size_t i = 0; i < names.size(); ++i) {
      if (std::find(names.begin(), names.begin() + static_cast<std::ptrdiff_t>(i), names[i]) !=
          names.begin() + static_cast<std::ptrdiff_t>(i)) {
        list.item(i).fail(core::quote(names[i]) + " is listed twice");
      }
    }
    return names;
  }

  void check_regions(const At& at, const std::vector<std::string>& names) const {
    for (size_t i = 0; i < names.size(); ++i) {
      if (std::find(sc.regions.begin(), sc.regions.end(), names[i]) == sc.regions.end()) {
        const std::string hint = closest(names[i], sc.regions);
        at.item(i).fail("unknown region " + core::quote(names[i]) +
                        (hint.empty() ? "" : " (did you mean " + core::quote(hint) + "?)"));
      }
    }
  }

  // Largest cluster a job of this type may use in these regions (0 if none).
  int64_t largest_cluster(const std::string& gpu_type, const std::vector<std::string>& regions) const {
    int64_t largest = 0;
    for (const auto& site : sc.sites) {
      if (!regions.empty() && std::find(regions.begin(), regions.end(), sc.regions[site.region]) == regions.end()) {
        continue;
      }
      for (const auto& c : site.clusters) {
        if (c.role == fleet::ClusterRole::kInference) continue;
        if (gpu_type.empty() || sc.catalog.at(c.gpu_type).name == gpu_type) largest = std::max(largest, max_gpus(c));
      }
    }
    return largest;
  }

  void check_fits(const At& at, int64_t gpus, const std::string& gpu_type, const std::vector<std::string>& regions) {
    const int64_t largest = largest_cluster(gpu_type, regions);
    if (gpus > largest) {
      at.fail(std::to_string(gpus) + " GPUs is more than any cluster " +
              (gpu_type.empty() ? std::string("") : "of type " + gpu_type + " ") +
              (regions.empty() ? "" : "in the allowed regions ") + "has (largest: " + std::to_string(largest) + ")");
    }
  }

  void gpu_types(const At& at) {
    const Section& s = *root_section().find("gpu_types")->section;
    if (!at.node.IsDefined() || at.node.IsNull()) return;
    for (const auto& kv : at.node) {
      const std::string name = kv.first.Scalar();
      const At t = at.child(name);
      fleet::GpuType type;
      if (const fleet::GpuType* existing = sc.catalog.find(name)) {
        type = *existing;
        type.source = "scenario override of " + existing->source;
      } else {
        for (const char* field : {"max_power_w", "idle_power_w", "overhead_w", "training_throughput"}) {
          if (!t.has(field)) t.fail("new GPU type " + core::quote(name) + " needs " + core::quote(field));
        }
        type.name = name;
        type.source = "scenario";
      }
      if (t.has("max_power_w")) type.max_power_w = get_number(t, s, "max_power_w");
      if (t.has("idle_power_w")) type.idle_power_w = get_number(t, s, "idle_power_w");
      if (t.has("overhead_w")) type.overhead_w = get_number(t, s, "overhead_w");
      if (t.has("training_throughput")) type.training_throughput = get_number(t, s, "training_throughput");
      if (t.has("embodied_kg")) type.embodied_kg = get_number(t, s, "embodied_kg");
      if (t.has("capex_usd")) type.capex_usd = get_number(t, s, "capex_usd");
      if (t.has("embodied_kg") || t.has("capex_usd")) type.footprint_source = "scenario";
      try {
        sc.catalog.upsert(type);
      } catch (const std::invalid_argument& e) {
        t.fail(e.what());
      }
    }
  }

  // A file path (docs/scenario-reference.md, "File paths"): absolute as it is; relative to the current
  // directory when typed in a --set (then stored absolute in the effective scenario, so the run
  // file records the file that was read); else relative to base_dir.
  std::string resolve_path(const At& at, const std::string& path_text) const {
    std::filesystem::path path = path_text;
    if (path.is_relative()) {
      if (at.context->from_command_line(at.path)) {
        std::error_code error;
        const std::filesystem::path cwd = std::filesystem::current_path(error);
        if (error) at.fail("the current directory is gone: cannot resolve the relative path " + core::quote(path_text));
        path = (cwd / path).lexically_normal();
        YAML::Node node = at.node;
        node = path.string();
        return path.string();
      }
      path = base_dir / path;
    }
    return path.lexically_normal().string();
  }

  // base_dir: absolute as it is; relative to the scenario file's folder, or to the current
  // directory when typed in a --set. Absent: the scenario file's folder.
  void resolve_base_dir(const At& root) {
    if (!root.has("base_dir")) return;
    const At at = root.child("base_dir");
    base_dir = std::filesystem::path(resolve_path(at, get_string(root, root_section(), "base_dir")));
    std::error_code error;
    if (!std::filesystem::is_directory(base_dir.empty() ? "." : base_dir, error)) {
      at.fail("no such folder: " + base_dir.string());
    }
  }

  // Keys that only make sense with one choice of a switch (e.g. grid source csv).
  static void only_with(const At& at, std::initializer_list<const char*> keys, const std::string& condition) {
    for (const char* key : keys) {
      if (at.has(key)) at.child(key).fail("applies only with " + condition);
    }
  }

  energy::GridSpec grid(const At& g, double latitude, double longitude) {
    const Section& s = *root_section().find("regions")->section->find("grid")->section;
    energy::GridSpec spec;
    spec.from_csv = get_string(g, s, "source") == "csv";
    const std::initializer_list<const char*> synthetic_keys{"mean_carbon_intensity_g_per_kwh", "mean_cfe_share",
                                                            "solar_share", "wind_share", "clean_ci_g_per_kwh"};
    const std::initializer_list<const char*> csv_keys{"file",
                                                      "format",
                                                      "time_column",
                                                      "carbon_intensity_column",
                                                      "cfe_share_column",
                                                      "cfe_share_scale",
                                                      "fill",
                                                      "shift_h",
                                                      "emission_factors_g_per_kwh",
                                                      "water_factors_l_per_kwh",
                                                      "marginal_carbon_intensity_column"};
    if (spec.from_csv) {
      only_with(g, synthetic_keys, "source: synthetic");
      if (!g.has("file")) g.fail("source: csv needs 'file'");
      energy::GridCsvSpec& c = spec.csv;
      c.path = resolve_path(g.child("file"), get_string(g, s, "file"));
      if (!std::filesystem::is_regular_file(c.path)) g.child("file").fail("grid file not found: " + c.path);
      const std::string format = get_string(g, s, "format");
      c.format = format == "eia930"            ? energy::GridFormat::kEia930
                 : format == "electricitymaps" ? energy::GridFormat::kElectricityMaps
                 : format == "entsoe"          ? energy::GridFormat::kEntsoe
                                               : energy::GridFormat::kColumns;
      c.time_column = get_string(g, s, "time_column");
      c.carbon_intensity_column = get_string(g, s, "carbon_intensity_column");
      c.cfe_share_column = get_string(g, s, "cfe_share_column");
      if (c.format == energy::GridFormat::kColumns) {
        if (c.carbon_intensity_column.empty()) g.fail("format: columns needs 'carbon_intensity_column'");
        if (c.cfe_share_column.empty()) g.fail("format: columns needs 'cfe_share_column'");
      } else if (g.has("cfe_share_column") || g.has("cfe_share_scale")) {
        g.child(g.has("cfe_share_column") ? "cfe_share_column" : "cfe_share_scale")
            .fail("applies only with format: columns");
      }
      c.cfe_share_scale = get_number(g, s, "cfe_share_scale");
      c.fill = fill_policy(get_string(g, s, "fill"));
      c.shift_s = hours_to_s(get_number(g, s, "shift_h"));
      const At factors = g.child("emission_factors_g_per_kwh");
      for (const auto& [fuel, value] : get_number_map(g, "emission_factors_g_per_kwh")) {
        if (c.factors.g_per_kwh.count(fuel) == 0) {
          std::vector<std::string> fuels;
          for (const auto& kv : c.factors.g_per_kwh) fuels.push_back(kv.first);
          const std::string hint = closest(fuel, fuels);
          factors.child(fuel).fail("unknown fuel" + (hint.empty() ? "" : " (did you mean " + core::quote(hint) + "?)"));
        }
        c.factors.g_per_kwh[fuel] = value;
      }
      const At water = g.child("water_factors_l_per_kwh");
      for (const auto& [fuel, value] : get_number_map(g, "water_factors_l_per_kwh")) {
        if (c.water.l_per_kwh.count(fuel) == 0) {
          std::vector<std::string> fuels;
          for (const auto& kv : c.water.l_per_kwh) fuels.push_back(kv.first);
          const std::string hint = closest(fuel, fuels);
          water.child(fuel).fail("unknown fuel" + (hint.empty() ? "" : " (did you mean " + core::quote(hint) + "?)"));
        }
        c.water.l_per_kwh[fuel] = value;
      }
      if (c.format != energy::GridFormat::kEia930 && c.format != energy::GridFormat::kEntsoe) {
        only_with(g, {"emission_factors_g_per_kwh", "water_factors_l_per_kwh"}, "format eia930 or entsoe");
      }
      c.marginal_carbon_intensity_column = get_string(g, s, "marginal_carbon_intensity_column");
    } else {
      only_with(g, csv_keys, "source: csv");
      energy::SyntheticGridSpec& y = spec.synthetic;
      y.mean_carbon_intensity_g_per_kwh = get_number(g, s, "mean_carbon_intensity_g_per_kwh");
      y.mean_cfe_share = get_number(g, s, "mean_cfe_share");
      y.solar_share = get_number(g, s, "solar_share");
      y.wind_share = get_number(g, s, "wind_share");
      y.clean_ci_g_per_kwh = get_number(g, s, "clean_ci_g_per_kwh");
      y.latitude_deg = latitude;
      y.longitude_deg = longitude;
      if (y.solar_share + y.wind_share > y.mean_cfe_share + 1e-12) {
        g.fail("solar_share + wind_share exceeds mean_cfe_share (solar and wind are part of the carbon-free share)");
      }
    }
    return spec;
  }

  energy::ContractSpec contract(const At& c, size_t index, double latitude, double longitude) {
    const Section& s = *root_section().find("regions")->section->find("contracts")->section;
    energy::ContractSpec spec;
    spec.technology = get_string(c, s, "type");
    spec.name = c.has("name") ? get_string(c, s, "name") : spec.technology + "-" + std::to_string(index);
    spec.capacity_mw = get_number(c, s, "capacity_mw");
    spec.price_usd_per_mwh = get_optional(c, s, "price_usd_per_mwh").value_or(-1.0);
    const bool variable = spec.technology == "solar" || spec.technology == "wind";
    const std::string profile = c.has("profile") ? get_string(c, s, "profile") : (variable ? "synthetic" : "constant");
    const double default_cf = spec.technology == "solar"     ? 0.2
                              : spec.technology == "wind"    ? 0.35
                              : spec.technology == "hydro"   ? 0.4
                              : spec.technology == "nuclear" ? 0.92
                                                             : 0.75;
    spec.capacity_factor = c.has("capacity_factor") ? get_number(c, s, "capacity_factor") : default_cf;
    const std::initializer_list<const char*> csv_keys{"file",       "column", "time_column", "scale",
                                                      "divisor_mw", "fill",   "shift_h"};
    const std::initializer_list<const char*> solar_keys{"latitude_deg", "longitude_deg", "cloudiness",
                                                        "cloud_correlation_h"};
    const std::initializer_list<const char*> wind_keys{"weibull_shape", "correlation_h"};
    if (profile == "csv") {
      spec.profile = energy::ContractProfile::kCsv;
      only_with(c, solar_keys, "profile: synthetic");
      only_with(c, wind_keys, "profile: synthetic");
      if (c.has("capacity_factor")) c.child("capacity_factor").fail("applies only with profile synthetic or constant");
      if (!c.has("file")) c.fail("profile: csv needs 'file'");
      if (!c.has("column")) c.fail("profile: csv needs 'column'");
      energy::ProfileCsvSpec& p = spec.csv;
      p.path = resolve_path(c.child("file"), get_string(c, s, "file"));
      if (!std::filesystem::is_regular_file(p.path)) c.child("file").fail("profile file not found: " + p.path);
      p.column = get_string(c, s, "column");
      p.time_column = get_string(c, s, "time_column");
      const std::string scale = get_string(c, s, "scale");
      p.scale = scale == "divide_by_max" ? energy::ProfileCsvSpec::Scale::kDivideByMax
                : scale == "divide_by"   ? energy::ProfileCsvSpec::Scale::kDivideBy
                                         : energy::ProfileCsvSpec::Scale::kCapacityFactor;
      if (p.scale == energy::ProfileCsvSpec::Scale::kDivideBy) {
        if (!c.has("divisor_mw")) c.fail("scale: divide_by needs 'divisor_mw'");
        p.divisor_mw = get_number(c, s, "divisor_mw");
      } else if (c.has("divisor_mw")) {
        c.child("divisor_mw").fail("applies only with scale: divide_by");
      }
      p.fill = fill_policy(get_string(c, s, "fill"));
      p.shift_s = hours_to_s(get_number(c, s, "shift_h"));
    } else {
      only_with(c, csv_keys, "profile: csv");
      if (profile == "synthetic") {
        if (!variable) c.child("profile").fail("a synthetic profile exists only for solar and wind");
        spec.profile = energy::ContractProfile::kSynthetic;
        if (spec.technology == "solar") {
          only_with(c, wind_keys, "type: wind");
          spec.solar.latitude_deg = c.has("latitude_deg") ? get_number(c, s, "latitude_deg") : latitude;
          spec.solar.longitude_deg = c.has("longitude_deg") ? get_number(c, s, "longitude_deg") : longitude;
          spec.solar.target_capacity_factor = spec.capacity_factor;
          spec.solar.cloudiness = get_number(c, s, "cloudiness");
          spec.solar.cloud_correlation_h = get_number(c, s, "cloud_correlation_h");
        } else {
          only_with(c, solar_keys, "type: solar");
          spec.wind.target_capacity_factor = spec.capacity_factor;
          spec.wind.weibull_shape = get_number(c, s, "weibull_shape");
          spec.wind.correlation_h = get_number(c, s, "correlation_h");
        }
      } else {
        spec.profile = energy::ContractProfile::kConstant;
        only_with(c, solar_keys, "profile: synthetic");
        only_with(c, wind_keys, "profile: synthetic");
      }
    }
    return spec;
  }

  energy::BatterySpec battery(const At& b) {
    const Section& s = *root_section().find("regions")->section->find("battery")->section;
    energy::BatterySpec spec;
    if (!b.node.IsDefined() || b.node.IsNull()) return spec;
    spec.energy_mwh = get_number(b, s, "energy_mwh");
    spec.power_mw = get_number(b, s, "power_mw");
    spec.round_trip_efficiency = get_number(b, s, "round_trip_efficiency");
    spec.initial_soc = get_number(b, s, "initial_soc");
    return spec;
  }

  void regions(const At& at) {
    const Section& s = *root_section().find("regions")->section;
    for (size_t i = 0; i < at.node.size(); ++i) {
      const At r = at.item(i);
      const std::string name = r.node["name"].Scalar();
      if (std::find(sc.regions.begin(), sc.regions.end(), name) != sc.regions.end()) {
        r.child("name").fail("duplicate region name " + core::quote(name));
      }
      sc.regions.push_back(name);
      const double latitude = get_number(r, s, "latitude_deg");
      const double longitude = get_number(r, s, "longitude_deg");
      sc.region_location.emplace_back(latitude, longitude);
      // a fixed offset; absent: the solar time zone of the longitude, to the nearest hour
      sc.region_utc_offset_h.push_back(r.has("utc_offset_h") ? get_number(r, s, "utc_offset_h")
                                                             : static_cast<double>(std::lround(longitude / 15.0)));
      energy::RegionSupplySpec spec;
      spec.name = name;
      spec.grid = grid(r.child("grid"), latitude, longitude);
      const At contracts = r.child("contracts");
      if (r.has("contracts")) {
        for (size_t k = 0; k < contracts.node.size(); ++k) {
          spec.contracts.push_back(contract(contracts.item(k), k, latitude, longitude));
        }
      }
      spec.battery = battery(r.child("battery"));
      sc.region_supply_specs.push_back(std::move(spec));
      RegionImports imports;
      if (r.has("imports")) {
        const At im = r.child("imports");
        const Section& is = *s.find("imports")->section;
        imports.share = get_number(im, is, "share");
        imports.cfe_share = get_number(im, is, "cfe_share");
        imports.carbon_intensity_g_per_kwh = get_optional(im, is, "carbon_intensity_g_per_kwh").value_or(-1.0);
      }
      sc.region_imports.push_back(imports);
    }
    if (sc.regions.empty()) at.fail("at least one region is needed");
  }

  // ---- the whole footprint (docs/models.md, "Footprint")

  void footprint_settings(const At& at) {
    const Section& s = *root_section().find("footprint")->section;
    footprint::FootprintSpec& f = sc.footprint;
    f.it_life_years = get_number(at, s, "it_life_years");
    f.facility_life_years = get_number(at, s, "facility_life_years");
    f.discount_rate = get_number(at, s, "discount_rate");
    f.facility_usd_per_mw = get_number(at, s, "facility_usd_per_mw");
    f.om_usd_per_gpu_year = get_number(at, s, "om_usd_per_gpu_year");
    f.wue_l_per_kwh = get_number(at, s, "wue_l_per_kwh");
    f.offsite_l_per_kwh = get_number(at, s, "offsite_l_per_kwh");
    f.energy_usd_per_mwh = get_number(at, s, "energy_usd_per_mwh");
    if (at.has("battery_t_per_mwh")) f.battery_t_per_mwh = get_number(at, s, "battery_t_per_mwh");
    const std::vector<std::string> technologies{"solar", "wind", "hydro", "nuclear", "geothermal"};
    auto technology = [&](const At& map, const std::string& name, bool battery_too) {
      std::vector<std::string> known = technologies;
      if (battery_too) known.push_back("battery");
      if (std::find(known.begin(), known.end(), name) != known.end()) return;
      const std::string hint = closest(name, known);
      map.child(name).fail("unknown technology " + core::quote(name) +
                           (hint.empty() ? "" : " (did you mean " + core::quote(hint) + "?)"));
    };
    for (const auto& [name, value] : get_number_map(at, "embodied_t_per_mw")) {
      technology(at.child("embodied_t_per_mw"), name, false);
      f.supply[name].t_per_mw = value;
    }
    for (const auto& [name, value] : get_number_map(at, "life_years")) {
      technology(at.child("life_years"), name, true);
      (name == "battery" ? f.battery_life_years : f.supply[name].life_years) = value;
    }
    for (const auto& [name, value] : get_number_map(at, "contract_usd_per_mwh")) {
      technology(at.child("contract_usd_per_mwh"), name, false);
      f.contract_usd_per_mwh[name] = value;
    }
    // the battery costs are the planner's (planner.costs), so run and plan price storage alike
    f.battery_usd_per_mwh_year = sc.planner.battery_usd_per_mwh_year;
    f.battery_usd_per_mw_year = sc.planner.battery_usd_per_mw_year;
  }

  // An hourly series from one CSV column (regions[].price, sites[].water): file and column
  // both, or neither; values of either sign.
  std::optional<energy::HourlySeries> series_csv(const At& at, const Section& s, const std::string& what) {
    const std::initializer_list<const char*> keys{"column", "time_column", "fill", "shift_h"};
    if (!at.has("file")) {
      only_with(at, keys, "file");
      return std::nullopt;
    }
    if (!at.has("column")) at.fail("a " + what + " file needs 'column'");
    energy::ProfileCsvSpec p;
    p.path = resolve_path(at.child("file"), get_string(at, s, "file"));
    if (!std::filesystem::is_regular_file(p.path)) at.child("file").fail(what + " file not found: " + p.path);
    p.column = get_string(at, s, "column");
    p.time_column = get_string(at, s, "time_column");
    p.scale = energy::ProfileCsvSpec::Scale::kSigned;
    p.fill = fill_policy(get_string(at, s, "fill"));
    p.shift_s = hours_to_s(get_number(at, s, "shift_h"));
    return energy::read_profile_csv(p, sc.time_axis());
  }

  // Per region, after its supply is built: imports corrected, price, water, contract means.
  void region_footprints(const At& at) {
    const Section& s = *root_section().find("regions")->section;
    const Section& ps = *s.find("price")->section;
    const auto hours = static_cast<size_t>(sc.hours);
    for (size_t i = 0; i < sc.regions.size(); ++i) {
      const At r = at.item(i);
      energy::GridSeries& grid = sc.region_supply[i].grid;
      const RegionImports& im = sc.region_imports[i];
      if (im.share > 0.0) {
        for (size_t h = 0; h < hours; ++h) {
          grid.cfe_share[h] = (1.0 - im.share) * grid.cfe_share[h] + im.share * im.cfe_share;
          if (im.carbon_intensity_g_per_kwh >= 0.0) {
            grid.carbon_intensity_g_per_kwh[h] =
                (1.0 - im.share) * grid.carbon_intensity_g_per_kwh[h] + im.share * im.carbon_intensity_g_per_kwh;
          }
        }
      }
      footprint::RegionFootprint rf;
      const At price = r.child("price");
      if (price.has("file") && price.has("usd_per_mwh"))
        price.child("usd_per_mwh").fail("give usd_per_mwh or file, not both");
      if (auto series = series_csv(price, ps, "price")) {
        rf.price_usd_per_mwh = std::move(*series);
      } else {
        rf.price_usd_per_mwh.assign(hours,
                                    get_optional(price, ps, "usd_per_mwh").value_or(sc.footprint.energy_usd_per_mwh));
      }
      rf.water_from_mix = !r.has("water_l_per_kwh") && !grid.water_l_per_kwh.empty();
      rf.offsite_l_per_kwh = get_optional(r, s, "water_l_per_kwh").value_or(sc.footprint.offsite_l_per_kwh);
      const energy::RegionSupplySpec& spec = sc.region_supply_specs[i];
      const energy::WaterFactors water =
          spec.grid.from_csv ? spec.grid.csv.water : energy::WaterFactors::macknick_2012();
      try {
        footprint::derive_region(spec, sc.region_supply[i], sc.footprint, water, rf);
      } catch (const std::exception& e) {
        r.fail(e.what());
      }
      sc.region_footprint.push_back(std::move(rf));
    }
  }

  // sites[].water, after the sites are read.
  void site_water(const At& at) {
    const Section& ws = *root_section().find("sites")->section->find("water")->section;
    for (size_t i = 0; i < sc.sites.size(); ++i) {
      const At w = at.item(i).child("water");
      footprint::SiteWater water;
      water.wue_l_per_kwh = get_optional(w, ws, "wue_l_per_kwh").value_or(sc.footprint.wue_l_per_kwh);
      if (auto series = series_csv(w, ws, "temperature")) {
        if (w.has("wue_l_per_kwh")) w.child("wue_l_per_kwh").fail("give wue_l_per_kwh or a temperature file, not both");
        if (!w.has("wue_curve_c") || !w.has("wue_curve_l_per_kwh")) {
          w.fail("a temperature file needs wue_curve_c and wue_curve_l_per_kwh");
        }
        water.temperature_c = std::move(*series);
        water.curve.temperature_c = get_list<double>(w, ws, "wue_curve_c");
        water.curve.l_per_kwh = get_list<double>(w, ws, "wue_curve_l_per_kwh");
        if (water.curve.temperature_c.empty()) w.child("wue_curve_c").fail("needs at least one point");
        if (water.curve.temperature_c.size() != water.curve.l_per_kwh.size()) {
          w.child("wue_curve_l_per_kwh")
              .fail("needs as many values as wue_curve_c has temperatures (" +
                    std::to_string(water.curve.temperature_c.size()) + ")");
        }
        for (size_t k = 1; k < water.curve.temperature_c.size(); ++k) {
          if (!(water.curve.temperature_c[k] > water.curve.temperature_c[k - 1])) {
            w.child("wue_curve_c").item(k).fail("temperatures must be ascending");
          }
        }
      } else {
        only_with(w, {"wue_curve_c", "wue_curve_l_per_kwh"}, "a temperature file");
      }
      sc.site_water.push_back(std::move(water));
    }
  }

  // Builds every region's hourly supply; an impossible synthetic target is reported at the
  // region's grid or contract, CSV problems at the CSV's own file and line.
  void build_supply(const At& at) {
    energy::SupplyBuild build = energy::build_supplies(sc.region_supply_specs, sc.time_axis(), sc.seed);
    for (size_t i = 0; i < sc.region_supply_specs.size(); ++i) {
      const At r = at.item(i);
      const energy::RegionSupplySpec& spec = sc.region_supply_specs[i];
      if (build.errors[i]) {
        try {
          std::rethrow_exception(build.errors[i]);
        } catch (const std::invalid_argument& e) {
          locate_supply_error(r, spec, i, e.what());
        }
      }
      try {
        energy::check_battery(spec.battery);
      } catch (const std::invalid_argument& e) {
        r.child("battery").fail(e.what());
      }
    }
    sc.region_supply = std::move(build.supplies);
  }

  // An impossible synthetic target: find which part of the region failed, so the message
  // points at the grid or at the contract's line.
  void locate_supply_error(const At& r, const energy::RegionSupplySpec& spec, size_t index, const std::string& what) {
    try {
      energy::RegionSupplySpec grid_only = spec;
      grid_only.contracts.clear();
      energy::build_supply(grid_only, sc.time_axis(), sc.seed, index);
    } catch (const std::invalid_argument&) {
      r.child("grid").fail(what);
    }
    const At contracts = r.child("contracts");
    for (size_t k = 0; k < spec.contracts.size(); ++k) {
      energy::RegionSupplySpec one = spec;
      one.contracts = {spec.contracts[k]};
      try {
        energy::build_supply(one, sc.time_axis(), sc.seed, index);
      } catch (const std::invalid_argument& e) {
        contracts.item(k).fail(e.what());
      }
    }
    r.fail(what);
  }

  // ---- capacity over time (docs/models.md, "Capacity over time")

  // Run hour of an absolute time, rounded up to a whole hour (may be < 0 or >= the horizon).
  int64_t run_hour_ceil(core::Seconds epoch_s) const {
    const core::Seconds t = epoch_s - sc.start_epoch_s;
    return t >= 0 ? (t + core::kSecondsPerHour - 1) / core::kSecondsPerHour : -((-t) / core::kSecondsPerHour);
  }
  std::optional<core::Seconds> timestamp(const At& at, const Section& s, const std::string& name) const {
    if (!at.has(name)) return std::nullopt;
    return utc(at.child(name), get_string(at, s, name));
  }
  // The run hours at which each 1 January after `from_epoch_s` falls inside the horizon, with
  // the number of years since from_epoch_s's calendar year.
  std::vector<std::pair<int64_t, int>> year_starts_after(core::Seconds from_epoch_s) const {
    std::vector<std::pair<int64_t, int>> out;
    const int first = core::utc_year(from_epoch_s);
    for (int y = first + 1;; ++y) {
      const int64_t h = run_hour_ceil(core::utc_year_start(y));
      if (h >= sc.hours) break;
      if (h > 0) out.emplace_back(h, y - first);
    }
    return out;
  }
  // A cluster's GPUs from `from_epoch_s` (its count `base` then) growing at g each 1 January,
  // in service over run hours [from_h, to_h): the ClusterSpec fields gpus (at hour 0) and steps.
  static int64_t grown(int64_t base, double g, int years) {
    return std::llround(static_cast<double>(base) * std::pow(1.0 + g, years));
  }
  fleet::ClusterSpec generation(size_t type, fleet::ClusterRole role, int64_t base, double g,
                                core::Seconds from_epoch_s, int64_t from_h, int64_t to_h) const {
    fleet::ClusterSpec c{type, 0, role, {}};
    auto push = [&](int64_t h, int64_t gpus) {  // h > 0
      const int64_t last = c.steps.empty() ? c.gpus : c.steps.back().gpus;
      if (gpus != last) c.steps.push_back(fleet::CapacityStep{h, gpus});
    };
    const int64_t end_h = std::min<int64_t>(to_h, sc.hours);
    if (end_h <= 0 || from_h >= end_h) return c;  // never in service within the horizon
    // the year of commissioning, from the date rounded up to its hour (as the step itself)
    const int y0 = core::utc_year(from_h > 0 ? sc.start_epoch_s + core::hour_start(from_h) : from_epoch_s);
    if (from_h <= 0) {
      c.gpus = grown(base, g, core::utc_year(sc.start_epoch_s) - y0);  // grown since, if commissioned before
    } else {
      push(from_h, base);
    }
    if (g != 0.0) {
      for (const auto& [h, years] :
           year_starts_after(from_h > 0 ? sc.start_epoch_s + core::hour_start(from_h) : from_epoch_s)) {
        if (h > from_h && h < end_h) push(h, grown(base, g, years));
      }
    }
    if (to_h < sc.hours) push(to_h, 0);
    return c;
  }

  static int64_t max_gpus(const fleet::ClusterSpec& c) {
    int64_t m = c.gpus;
    for (const auto& step : c.steps) m = std::max(m, step.gpus);
    return m;
  }

  void growth(const At& g) {
    if (!g.node.IsDefined() || g.node.IsNull()) return;
    const Section& s = *root_section().find("growth")->section;
    const bool annual = g.has("annual");
    const bool factor = g.has("factor") || g.has("by");
    if (annual == factor) g.fail("give either annual, or factor and by");
    double rate = 0.0;
    if (annual) {
      rate = get_number(g, s, "annual");
    } else {
      if (!g.has("factor")) g.child("factor").fail("factor is needed with by");
      if (!g.has("by")) g.child("by").fail("by is needed with factor");
      const int first = core::utc_year(sc.start_epoch_s);
      const int64_t by = get_integer(g, s, "by");
      if (by <= first) {
        g.child("by").fail("must be after the run's first year, " + std::to_string(first));
      }
      rate = std::pow(get_number(g, s, "factor"), 1.0 / static_cast<double>(by - first)) - 1.0;
    }
    if (value_or_default(g, s, "demand").as<bool>()) demand_growth_ = rate;
    if (value_or_default(g, s, "capacity").as<bool>()) capacity_growth_ = rate;
  }

  void sites(const At& at) {
    const Section& s = *root_section().find("sites")->section;
    const Section& cs = *s.find("clusters")->section;
    const Section& rs = *cs.find("replace")->section;
    std::set<std::string> names;
    for (size_t i = 0; i < at.node.size(); ++i) {
      const At site_at = at.item(i);
      fleet::SiteSpec site;
      site.name = get_string(site_at, s, "name");
      if (!names.insert(site.name).second) site_at.child("name").fail("duplicate site name " + core::quote(site.name));
      const std::string region = get_string(site_at, s, "region");
      const auto it = std::find(sc.regions.begin(), sc.regions.end(), region);
      if (it == sc.regions.end()) {
        const std::string hint = closest(region, sc.regions);
        site_at.child("region").fail("unknown region " + core::quote(region) +
                                     (hint.empty() ? "" : " (did you mean " + core::quote(hint) + "?)"));
      }
      site.region = static_cast<size_t>(it - sc.regions.begin());
      site.pue = get_number(site_at, s, "pue");
      site.grid_limit_mw = get_number(site_at, s, "grid_limit_mw");
      const double site_growth = get_optional(site_at, s, "annual_growth").value_or(capacity_growth_);
      const auto site_commission = timestamp(site_at, s, "commission");
      const auto site_decommission = timestamp(site_at, s, "decommission");
      if (site_commission && site_decommission && *site_decommission <= *site_commission) {
        site_at.child("decommission").fail("is not after commission");
      }
      if (site_growth != 0.0) {
        for (const auto& [h, years] : year_starts_after(sc.start_epoch_s)) {
          site.grid_limit_steps.push_back(
              fleet::GridLimitStep{h, site.grid_limit_mw * std::pow(1.0 + site_growth, years)});
        }
      }
      const At clusters = site_at.child("clusters");
      if (clusters.node.size() == 0) clusters.fail("a site needs at least one cluster");
      std::vector<size_t> yaml_index;  // per built cluster: its item in `clusters`
      for (size_t c = 0; c < clusters.node.size(); ++c) {
        const At cl = clusters.item(c);
        const size_t type = gpu_type_index(cl.child("gpu_type"), get_string(cl, cs, "gpu_type"));
        const std::string role = get_string(cl, cs, "role");
        const fleet::ClusterRole cluster_role = role == "inference" ? fleet::ClusterRole::kInference
                                                : role == "shared"  ? fleet::ClusterRole::kShared
                                                                    : fleet::ClusterRole::kTraining;
        const double g = get_optional(cl, cs, "annual_growth").value_or(site_growth);
        const core::Seconds commission =
            timestamp(cl, cs, "commission").value_or(site_commission.value_or(sc.start_epoch_s));
        const std::optional<core::Seconds> decommission =
            cl.has("decommission") ? timestamp(cl, cs, "decommission") : site_decommission;
        if (decommission && *decommission <= commission) cl.child("decommission").fail("is not after commission");
        // generations: the listed one, then each replacement from its date
        struct Gen {
          size_t type;
          int64_t base;
          core::Seconds from_s;
        };
        std::vector<Gen> gens{{type, get_integer(cl, cs, "gpus"), commission}};
        const At replace = cl.child("replace");
        for (size_t r = 0; cl.has("replace") && r < replace.node.size(); ++r) {
          const At rep = replace.item(r);
          const core::Seconds on = utc(rep.child("on"), get_string(rep, rs, "on"));
          if (on <= gens.back().from_s) {
            rep.child("on").fail("must be after the commissioning or replacement before it (" +
                                 core::format_utc(gens.back().from_s) + ")");
          }
          if (decommission && on >= *decommission) rep.child("on").fail("is not before the cluster's decommission");
          const size_t new_type = gpu_type_index(rep.child("gpu_type"), get_string(rep, rs, "gpu_type"));
          const Gen& prev = gens.back();
          const int64_t gpus = rep.has("gpus") ? get_integer(rep, rs, "gpus")
                                               : grown(prev.base, g, core::utc_year(on) - core::utc_year(prev.from_s));
          gens.push_back(Gen{new_type, gpus, on});
        }
        for (size_t k = 0; k < gens.size(); ++k) {
          const int64_t from_h = run_hour_ceil(gens[k].from_s);
          const int64_t to_h = k + 1 < gens.size() ? run_hour_ceil(gens[k + 1].from_s)
                               : decommission      ? run_hour_ceil(*decommission)
                                                   : INT64_MAX;
          if (from_h >= sc.hours || to_h <= 0 || from_h >= to_h) {
            sc.warnings.push_back(file + ": sites[" + std::to_string(i) + "].clusters[" + std::to_string(c) + "]" +
                                  (k > 0 ? ".replace[" + std::to_string(k - 1) + "]" : std::string()) +
                                  " is not in service within the horizon");
          }
          site.clusters.push_back(
              generation(gens[k].type, cluster_role, gens[k].base, g, gens[k].from_s, from_h, to_h));
          yaml_index.push_back(c);
        }
      }
      check_idle_power(site_at, site);
      cluster_yaml_index_.push_back(std::move(yaml_index));
      sc.sites.push_back(std::move(site));
    }
    if (sc.sites.empty()) at.fail("at least one site is needed");
  }

  // The site's idle facility power stays within its grid limit at every change of either.
  void check_idle_power(const At& site_at, const fleet::SiteSpec& site) const {
    std::vector<int64_t> hours{0};
    for (const auto& c : site.clusters) {
      for (const auto& step : c.steps) hours.push_back(step.hour);
    }
    for (const auto& step : site.grid_limit_steps) hours.push_back(step.hour);
    std::sort(hours.begin(), hours.end());
    hours.erase(std::unique(hours.begin(), hours.end()), hours.end());
    for (const int64_t h : hours) {
      double idle_w = 0.0;
      for (const auto& c : site.clusters) {
        int64_t gpus = c.gpus;
        for (const auto& step : c.steps) {
          if (step.hour <= h) gpus = step.gpus;
        }
        const fleet::GpuType& t = sc.catalog.at(c.gpu_type);
        idle_w += static_cast<double>(gpus) * (t.idle_power_w + t.overhead_w);
      }
      double limit_mw = site.grid_limit_mw;
      for (const auto& step : site.grid_limit_steps) {
        if (step.hour <= h) limit_mw = step.mw;
      }
      if (idle_w * site.pue > limit_mw * 1e6) {
        std::ostringstream msg;
        msg << "the site's idle facility power, " << idle_w * site.pue / 1e6
            << " MW, exceeds grid_limit_mw = " << site.grid_limit_mw;
        if (h > 0) {
          msg << " (on " << core::format_utc(sc.start_epoch_s + core::hour_start(h)) << ": " << limit_mw
              << " MW after growth)";
        }
        site_at.child("grid_limit_mw").fail(msg.str());
      }
    }
  }

  core::Seconds time_within_horizon(const At& at, core::Seconds t) const {
    if (t < 0 || t >= sc.horizon_s()) {
      at.fail("time " + core::format_utc(sc.start_epoch_s + t) + " is outside the horizon " +
              core::format_utc(sc.start_epoch_s) + " .. " + core::format_utc(sc.start_epoch_s + sc.horizon_s()));
    }
    return t;
  }

  // ---- deadlines (docs/models.md, "Deadlines")

  // A job source's deadline rule, from the `deadline` section or its older one-number key
  // (`deadline_h` of listed jobs: rule after; `deadline_slack` of generators and traces: rule
  // slack); giving both is an error. `allowed_regions` must already be checked.
  std::optional<workload::DeadlineRule> deadline_rule(const At& owner, const std::string& number_key,
                                                      const std::vector<std::string>& allowed_regions) const {
    const bool has_section = owner.has("deadline");
    const bool has_number = owner.has(number_key);
    if (has_section && has_number)
      owner.child("deadline").fail("give at most one of 'deadline' and " + core::quote(number_key));
    workload::DeadlineRule rule;
    rule.start_epoch_s = sc.start_epoch_s;
    if (has_number) {
      const double value = owner.node[number_key].as<double>();
      if (number_key == "deadline_h") {
        rule.kind = workload::DeadlineRuleKind::kAfter;
        rule.after_s = hours_to_s(value);
        if (rule.after_s <= 0) owner.child(number_key).fail("is less than a second");
      } else {
        rule.kind = workload::DeadlineRuleKind::kSlack;
        rule.slack = value;
      }
      return rule;
    }
    if (!has_section) return std::nullopt;
    const At d = owner.child("deadline");
    const Section& s = *root_section().find("workload")->section->find("jobs")->section->find("deadline")->section;
    workload::parse_deadline_rule_kind(get_string(d, s, "rule"), rule.kind);
    const std::initializer_list<const char*> calendar_keys{"at", "until", "workdays", "utc_offset_h"};
    switch (rule.kind) {
      case workload::DeadlineRuleKind::kSlack:
        only_with(d, {"hours"}, "rule: after");
        only_with(d, calendar_keys, "rule: next_workday");
        if (!d.has("slack")) d.fail("rule slack needs 'slack'");
        rule.slack = get_number(d, s, "slack");
        break;
      case workload::DeadlineRuleKind::kAfter:
        only_with(d, {"slack"}, "rule: slack");
        only_with(d, calendar_keys, "rule: next_workday");
        if (!d.has("hours")) d.fail("rule after needs 'hours'");
        rule.after_s = hours_to_s(get_number(d, s, "hours"));
        if (rule.after_s <= 0) d.child("hours").fail("is less than a second");
        break;
      case workload::DeadlineRuleKind::kNextWorkday: {
        only_with(d, {"slack"}, "rule: slack");
        only_with(d, {"hours"}, "rule: after");
        const std::string at = get_string(d, s, "at");
        rule.at_s = time_of_day(d.child("at"), at);
        const std::string until = d.has("until") ? get_string(d, s, "until") : at;
        rule.until_s = time_of_day(d.child("until"), until);
        if (rule.until_s < rule.at_s) d.child("until").fail(core::quote(until) + " is before at " + core::quote(at));
        const auto days = get_list<std::string>(d, s, "workdays");
        if (days.empty()) d.child("workdays").fail("needs at least one day");
        rule.workdays.fill(false);
        for (size_t i = 0; i < days.size(); ++i) {
          const auto day = core::parse_weekday(days[i]);  // the schema allows only day names
          if (!day) d.child("workdays").item(i).fail(core::quote(days[i]) + " is not a day name");
          if (rule.workdays[static_cast<size_t>(*day)])
            d.child("workdays").item(i).fail(core::quote(days[i]) + " is listed twice");
          rule.workdays[static_cast<size_t>(*day)] = true;
        }
        rule.utc_offset_s = hours_to_s(deadline_utc_offset_h(d, s, allowed_regions));
        break;
      }
    }
    try {
      workload::check_deadline_rule(rule);
    } catch (const std::invalid_argument& e) {
      d.fail(e.what());
    }
    return rule;
  }

  static core::Seconds time_of_day(const At& at, const std::string& text) {
    const auto t = core::parse_time_of_day(text);
    if (!t) at.fail(core::quote(text) + " is not a time of day HH:MM (00:00 .. 23:59)");
    return *t;
  }

  // The local time of a job's calendar deadline: the section's own offset, else that of the
  // job's single allowed region, else that of the scenario's single region.
  double deadline_utc_offset_h(const At& d, const Section& s, const std::vector<std::string>& allowed_regions) const {
    if (d.has("utc_offset_h")) return get_number(d, s, "utc_offset_h");
    if (allowed_regions.size() == 1) {
      const auto it = std::find(sc.regions.begin(), sc.regions.end(), allowed_regions.front());
      return sc.region_utc_offset_h[static_cast<size_t>(it - sc.regions.begin())];
    }
    if (sc.regions.size() == 1) return sc.region_utc_offset_h.front();
    d.fail("deadline rule next_workday needs a local time: give deadline.utc_offset_h or a single allowed region");
  }

  void jobs(const At& at) {
    const Section& s = *root_section().find("workload")->section->find("jobs")->section;
    for (size_t i = 0; i < at.node.size(); ++i) {
      const At j = at.item(i);
      workload::TrainingJob job;
      job.source = workload::JobSource::kListed;
      job.name = get_string(j, s, "name");
      job.gpus = get_integer(j, s, "gpus");
      job.gpu_type = get_string(j, s, "gpu_type");
      check_gpu_type_name(j.child("gpu_type"), job.gpu_type);
      job.allowed_regions = allowed_regions(j, s);
      job.utilization = get_number(j, s, "utilization");
      job.flexibility = flexibility(get_string(j, s, "flexibility"));
      job.checkpoint_s = std::llround(get_number(j, s, "checkpoint_h") * core::kSecondsPerHour);
      const bool has_duration = j.has("duration_h");
      const bool has_work = j.has("work_gpu_h");
      if (has_duration == has_work) j.fail("give exactly one of 'duration_h' and 'work_gpu_h'");
      if (has_duration) {
        job.duration_s = std::max<core::Seconds>(1, hours_to_s(get_number(j, s, "duration_h")));
      } else {
        const double throughput = job.gpu_type.empty() ? 1.0 : sc.catalog.find(job.gpu_type)->training_throughput;
        const double hours = get_number(j, s, "work_gpu_h") / (static_cast<double>(job.gpus) * throughput);
        job.duration_s = std::max<core::Seconds>(1, hours_to_s(hours));
      }
      if (j.has("submit") && j.has("submit_h")) j.fail("give at most one of 'submit' and 'submit_h'");
      if (j.has("submit")) {
        job.submit_s = time_within_horizon(j.child("submit"),
                                           utc(j.child("submit"), get_string(j, s, "submit")) - sc.start_epoch_s);
      } else {
        job.submit_s = time_within_horizon(j.child("submit_h"), hours_to_s(get_number(j, s, "submit_h")));
      }
      if (const auto rule = deadline_rule(j, "deadline_h", job.allowed_regions)) {
        job.deadline_s = workload::job_deadline_s(*rule, job.submit_s, job.duration_s);
      }
      check_fits(j.child("gpus"), job.gpus, job.gpu_type, job.allowed_regions);
      sc.listed_jobs.push_back(std::move(job));
    }
  }

  void synthetic(const At& at) {
    const Section& s = *root_section().find("workload")->section->find("synthetic")->section;
    for (size_t i = 0; i < at.node.size(); ++i) {
      const At g = at.item(i);
      workload::SyntheticSpec spec;
      spec.name = get_string(g, s, "name");
      spec.arrivals_per_day = get_number(g, s, "arrivals_per_day");
      spec.start_s = hours_to_s(get_number(g, s, "start_h"));
      if (spec.start_s >= sc.horizon_s()) g.child("start_h").fail("is at or after the end of the horizon");
      spec.end_s = sc.horizon_s();
      if (const auto end_h = get_optional(g, s, "end_h")) spec.end_s = std::min(spec.end_s, hours_to_s(*end_h));
      if (spec.end_s < spec.start_s) g.child("end_h").fail("end_h is before start_h");
      spec.gpus = get_list<int64_t>(g, s, "gpus");
      if (spec.gpus.empty()) g.child("gpus").fail("needs at least one size");
      spec.gpus_weights = get_list<double>(g, s, "gpus_weights");
      if (!spec.gpus_weights.empty() && spec.gpus_weights.size() != spec.gpus.size()) {
        g.child("gpus_weights")
            .fail("has " + std::to_string(spec.gpus_weights.size()) + " entries but gpus has " +
                  std::to_string(spec.gpus.size()));
      }
      spec.duration_median_h = get_number(g, s, "duration_median_h");
      spec.duration_sigma = get_number(g, s, "duration_sigma");
      spec.duration_min_h = get_number(g, s, "duration_min_h");
      spec.duration_max_h = get_number(g, s, "duration_max_h");
      if (spec.duration_max_h < spec.duration_min_h) g.child("duration_max_h").fail("is less than duration_min_h");
      spec.gpu_type = get_string(g, s, "gpu_type");
      check_gpu_type_name(g.child("gpu_type"), spec.gpu_type);
      spec.utilization = get_number(g, s, "utilization");
      spec.flexibility = flexibility(get_string(g, s, "flexibility"));
      spec.checkpoint_s = std::llround(get_number(g, s, "checkpoint_h") * core::kSecondsPerHour);
      spec.annual_growth = get_optional(g, s, "annual_growth").value_or(demand_growth_);
      spec.allowed_regions = allowed_regions(g, s);
      spec.deadline = deadline_rule(g, "deadline_slack", spec.allowed_regions);
      const At sizes = g.has("gpus") ? g.child("gpus") : g;
      for (size_t k = 0; k < spec.gpus.size(); ++k) {
        check_fits(g.has("gpus") ? sizes.item(k) : g, spec.gpus[k], spec.gpu_type, spec.allowed_regions);
      }
      try {
        workload::check_synthetic(spec);
      } catch (const std::invalid_argument& e) {
        g.fail(e.what());
      }
      sc.synthetic.push_back(std::move(spec));
    }
  }

  void traces(const At& at) {
    const Section& s = *root_section().find("workload")->section->find("traces")->section;
    for (size_t i = 0; i < at.node.size(); ++i) {
      const At t = at.item(i);
      workload::TraceSpec spec;
      spec.path = resolve_path(t.child("file"), get_string(t, s, "file"));
      if (!std::filesystem::is_regular_file(spec.path)) t.child("file").fail("trace file not found: " + spec.path);
      spec.format = get_string(t, s, "format") == "alibaba_openb" ? workload::TraceFormat::kAlibabaOpenb
                                                                  : workload::TraceFormat::kFleetsim;
      spec.offset_s = hours_to_s(get_number(t, s, "offset_h"));
      spec.gpu_type = get_string(t, s, "gpu_type");
      check_gpu_type_name(t.child("gpu_type"), spec.gpu_type);
      spec.utilization = get_number(t, s, "utilization");
      spec.flexibility = flexibility(get_string(t, s, "flexibility"));
      spec.checkpoint_s = std::llround(get_number(t, s, "checkpoint_h") * core::kSecondsPerHour);
      spec.max_jobs = get_integer(t, s, "max_jobs");
      spec.allowed_regions = allowed_regions(t, s);
      spec.deadline = deadline_rule(t, "deadline_slack", spec.allowed_regions);
      for (const auto& type : sc.catalog.types()) spec.known_gpu_types.push_back(type.name);
      sc.traces.push_back(std::move(spec));
    }
  }

  void inference(const At& at) {
    const Section& s = *root_section().find("inference")->section;
    InferenceOptions& o = sc.inference;
    fleet::InferenceModel& m = o.model;
    m.per_query_energy = get_string(at, s, "energy_model") == "per_query";
    m.wh_per_query = get_number(at, s, "wh_per_query");
    m.target_utilization = get_number(at, s, "target_utilization");
    o.routing = get_string(at, s, "routing");
    o.greenest_by = get_string(at, s, "greenest_by");
    o.solver = get_string(at, s, "solver");
    if (at.has("tokens_per_query") && at.has("tokens_per_query_from_trace")) {
      at.fail("give at most one of 'tokens_per_query' and 'tokens_per_query_from_trace'");
    }
    if (at.has("tokens_per_query")) o.tokens_per_query = get_number(at, s, "tokens_per_query");
    if (at.has("tokens_per_query_from_trace")) {
      const std::string path =
          resolve_path(at.child("tokens_per_query_from_trace"), get_string(at, s, "tokens_per_query_from_trace"));
      if (!std::filesystem::is_regular_file(path)) {
        at.child("tokens_per_query_from_trace").fail("trace file not found: " + path);
      }
      const workload::RequestTraceSummary trace = workload::read_request_trace(path);
      o.tokens_per_query = trace.mean_context_tokens + trace.mean_generated_tokens;
    }
    m.queries_per_gpu_hour.assign(sc.catalog.types().size(), 0.0);
    const bool by_queries = at.has("queries_per_gpu_hour");
    const bool by_tokens = at.has("tokens_per_gpu_hour");
    if (by_queries && by_tokens) at.fail("give at most one of 'queries_per_gpu_hour' and 'tokens_per_gpu_hour'");
    if (by_tokens && o.tokens_per_query <= 0.0) {
      at.child("tokens_per_gpu_hour").fail("needs tokens_per_query or tokens_per_query_from_trace");
    }
    const char* key = by_tokens ? "tokens_per_gpu_hour" : "queries_per_gpu_hour";
    const At throughput = at.child(key);
    for (const auto& [type, value] : get_number_map(at, key)) {
      const size_t index = gpu_type_index(throughput.child(type), type);
      m.queries_per_gpu_hour[index] = by_tokens ? value / o.tokens_per_query : value;
    }
    const Section& os = *root_section().find("output")->section;
    const At out = sc_root_->child("output");
    o.routing_matrix = value_or_default(out, os, "routing_matrix").as<bool>();
  }

  std::vector<double> demand_queries(const At& d, const std::string& name) {
    const Section& s = *root_section().find("demand_regions")->section;
    const bool from_file = d.has("queries_file");
    if (from_file) {
      for (const char* k :
           {"queries_per_day", "profile", "hourly_weights", "weekly_factors", "annual_growth", "profile_trace"}) {
        if (d.has(k)) d.child(k).fail("does not apply with queries_file");
      }
      if (!d.has("queries_column")) d.fail("queries_file needs 'queries_column'");
      energy::ProfileCsvSpec csv;
      csv.path = resolve_path(d.child("queries_file"), get_string(d, s, "queries_file"));
      if (!std::filesystem::is_regular_file(csv.path)) d.child("queries_file").fail("file not found: " + csv.path);
      csv.column = get_string(d, s, "queries_column");
      csv.scale = energy::ProfileCsvSpec::Scale::kRaw;
      return energy::read_profile_csv(csv, sc.time_axis());
    }
    if (d.has("queries_column")) d.child("queries_column").fail("applies only with queries_file");
    if (!d.has("queries_per_day"))
      d.fail("demand region " + core::quote(name) + " needs 'queries_per_day' or 'queries_file'");
    workload::DemandProfileSpec p;
    p.queries_per_day = get_number(d, s, "queries_per_day");
    p.annual_growth = get_optional(d, s, "annual_growth").value_or(demand_growth_);
    p.utc_offset_h = get_number(d, s, "utc_offset_h");
    const int given = (d.has("profile") ? 1 : 0) + (d.has("hourly_weights") ? 1 : 0) + (d.has("profile_trace") ? 1 : 0);
    if (given > 1) d.fail("give at most one of 'profile', 'hourly_weights' and 'profile_trace'");
    if (d.has("hourly_weights")) {
      const auto weights = get_list<double>(d, s, "hourly_weights");
      if (weights.size() != 24) {
        d.child("hourly_weights")
            .fail("has " + std::to_string(weights.size()) + " weights; 24 are needed (local hours 0..23)");
      }
      double sum = 0.0;
      for (size_t i = 0; i < 24; ++i) {
        p.hourly_weights[i] = weights[i];
        sum += weights[i];
      }
      if (!(sum > 0.0)) d.child("hourly_weights").fail("the weights must sum to a positive number");
    } else if (d.has("profile_trace")) {
      const std::string path = resolve_path(d.child("profile_trace"), get_string(d, s, "profile_trace"));
      if (!std::filesystem::is_regular_file(path)) d.child("profile_trace").fail("trace file not found: " + path);
      const workload::RequestTraceSummary trace = workload::read_request_trace(path);
      if (trace.span_h < 24.0) {
        std::ostringstream msg;
        msg << "the trace covers " << trace.span_h << " h of arrivals; a daily profile needs at least 24 h";
        d.child("profile_trace").fail(msg.str());
      }
      // The trace's shape is by UTC hour; the profile is in local hours.
      const auto shift = static_cast<int>(std::lround(p.utc_offset_h));
      for (int utc = 0; utc < 24; ++utc)
        p.hourly_weights[static_cast<size_t>(((utc + shift) % 24 + 24) % 24)] =
            trace.requests_by_utc_hour[static_cast<size_t>(utc)];
    } else {
      const std::string profile = get_string(d, s, "profile");
      const auto weights = workload::builtin_hourly_profile(profile);
      if (!weights) d.child("profile").fail("no built-in profile " + core::quote(profile));
      p.hourly_weights = *weights;
    }
    const auto weekly = get_list<double>(d, s, "weekly_factors");
    if (weekly.size() != 7) {
      d.child("weekly_factors")
          .fail("has " + std::to_string(weekly.size()) + " factors; 7 are needed (Monday..Sunday)");
    }
    for (size_t i = 0; i < 7; ++i) p.weekly_factors[i] = weekly[i];
    try {
      return workload::hourly_queries(p, sc.start_epoch_s, sc.hours);
    } catch (const std::invalid_argument& e) {
      d.fail(e.what());
    }
  }

  void demand_regions(const At& at) {
    const Section& s = *root_section().find("demand_regions")->section;
    for (size_t i = 0; i < at.node.size(); ++i) {
      const At d = at.item(i);
      DemandRegion region;
      region.name = get_string(d, s, "name");
      for (const auto& other : sc.demand_regions) {
        if (other.name == region.name) d.child("name").fail("duplicate demand region name " + core::quote(region.name));
      }
      region.latency_slo_ms = get_number(d, s, "latency_slo_ms");
      region.queries = demand_queries(d, region.name);
      sc.demand_regions.push_back(std::move(region));
    }
  }

  // Nodes: demand regions, then sites, then hubs; names unique across all three.
  void network(const At& at) {
    const Section& s = *root_section().find("network")->section;
    std::vector<std::string> nodes;
    for (const auto& d : sc.demand_regions) nodes.push_back(d.name);
    for (size_t i = 0; i < sc.sites.size(); ++i) {
      const std::string& site = sc.sites[i].name;
      if (std::find(nodes.begin(), nodes.end(), site) != nodes.end()) {
        sc_root_->child("sites").item(i).child("name").fail(
            "site " + core::quote(site) + " has the name of a demand region; network node names must be unique");
      }
      nodes.push_back(site);
    }
    const auto hubs = get_list<std::string>(at, s, "hubs");
    for (size_t i = 0; i < hubs.size(); ++i) {
      if (std::find(nodes.begin(), nodes.end(), hubs[i]) != nodes.end()) {
        at.child("hubs").item(i).fail(core::quote(hubs[i]) + " is already a demand region, site or hub name");
      }
      nodes.push_back(hubs[i]);
    }
    policy::NetworkSpec net;
    net.nodes = nodes.size();
    const Section& ls = *s.find("links")->section;
    const At links = at.child("links");
    if (at.has("links")) {
      for (size_t i = 0; i < links.node.size(); ++i) {
        const At l = links.item(i);
        policy::NetworkSpec::Link link;
        for (const char* end : {"from", "to"}) {
          const std::string name = get_string(l, ls, end);
          const auto it = std::find(nodes.begin(), nodes.end(), name);
          if (it == nodes.end()) {
            const std::string hint = closest(name, nodes);
            l.child(end).fail("unknown node " + core::quote(name) +
                              (hint.empty() ? "" : " (did you mean " + core::quote(hint) + "?)") +
                              "; nodes are demand regions, sites and hubs");
          }
          (std::string(end) == "from" ? link.a : link.b) = static_cast<size_t>(it - nodes.begin());
        }
        link.latency_ms = get_number(l, ls, "latency_ms");
        net.links.push_back(link);
      }
    }
    std::vector<size_t> sources;
    std::vector<size_t> targets;
    for (size_t d = 0; d < sc.demand_regions.size(); ++d) sources.push_back(d);
    for (size_t site = 0; site < sc.sites.size(); ++site) targets.push_back(sc.demand_regions.size() + site);
    sc.latency_ms = policy::shortest_latencies(net, sources, targets);
    // A demand region that no inference site can serve within its SLO: a warning, and its
    // traffic is counted as dropped.
    for (size_t d = 0; d < sc.demand_regions.size(); ++d) {
      bool any = false;
      for (size_t site = 0; site < sc.sites.size(); ++site) {
        bool serves = false;
        for (const auto& c : sc.sites[site].clusters) {
          serves = serves || (c.role != fleet::ClusterRole::kTraining &&
                              sc.inference.model.queries_per_gpu_hour[c.gpu_type] > 0.0);
        }
        any = any || (serves && sc.latency_ms[d][site] <= sc.demand_regions[d].latency_slo_ms);
      }
      if (!any) {
        sc.warnings.push_back(file + ": demand region '" + sc.demand_regions[d].name +
                              "' has no inference site within its latency SLO of " +
                              std::to_string(sc.demand_regions[d].latency_slo_ms) +
                              " ms: all its queries will be dropped");
      }
    }
  }

  // Every inference-capable cluster needs a throughput for its GPU type.
  void planner(const At& at) {
    if (!at.node.IsDefined() || at.node.IsNull()) return;
    const Section& s = *root_section().find("planner")->section;
    PlannerSpec& p = sc.planner;
    if (at.has("technologies")) {
      p.technologies = get_list<std::string>(at, s, "technologies");
      const At list = at.child("technologies");
      for (size_t i = 0; i < p.technologies.size(); ++i) {
        const std::vector<std::string> known{"solar", "wind", "firm", "battery"};
        if (std::find(known.begin(), known.end(), p.technologies[i]) == known.end()) {
          const std::string hint = closest(p.technologies[i], known);
          list.item(i).fail("unknown technology " + core::quote(p.technologies[i]) + " (solar, wind, firm, battery)" +
                            (hint.empty() ? "" : "; did you mean " + core::quote(hint) + "?"));
        }
      }
    }
    // a profile section is a contract of 1 MW of its technology
    auto profile = [&](const char* technology) -> std::optional<energy::ContractSpec> {
      if (!at.has(technology)) return std::nullopt;
      const At node = at.child(technology);
      YAML::Node copy = YAML::Clone(node.node);
      copy["type"] = technology;
      copy["capacity_mw"] = 1.0;
      // a synthetic solar profile without a location takes each region's (NaN here)
      const double unknown = std::numeric_limits<double>::quiet_NaN();
      std::optional<energy::ContractSpec> spec =
          contract(At{copy, node.path, node.context, node.line()}, 0, unknown, unknown);
      if (node.has("file")) {  // a --set path made absolute in the copy: into the scenario too
        YAML::Node original = node.node;
        original["file"] = copy["file"].Scalar();
      }
      return spec;
    };
    p.solar = profile("solar");
    p.wind = profile("wind");
    p.firm_capacity_factor = get_number(at, s, "firm_capacity_factor");
    const At battery = at.child("battery");
    const Section& bs = *s.find("battery")->section;
    p.round_trip_efficiency = get_number(battery, bs, "round_trip_efficiency");
    p.duration_h = get_number(battery, bs, "duration_h");
    p.initial_soc = get_number(battery, bs, "initial_soc");
    p.cyclic = value_or_default(battery, bs, "cyclic").as<bool>();
    const At costs = at.child("costs");
    const Section& cs = *s.find("costs")->section;
    p.solar_usd_per_mw_year = get_number(costs, cs, "solar_usd_per_mw_year");
    p.wind_usd_per_mw_year = get_number(costs, cs, "wind_usd_per_mw_year");
    p.firm_usd_per_mw_year = get_number(costs, cs, "firm_usd_per_mw_year");
    p.battery_usd_per_mwh_year = get_number(costs, cs, "battery_usd_per_mwh_year");
    p.battery_usd_per_mw_year = get_number(costs, cs, "battery_usd_per_mw_year");
    p.grid_usd_per_mwh = get_number(costs, cs, "grid_usd_per_mwh");
    p.excess_usd_per_mwh = get_number(costs, cs, "excess_usd_per_mwh");
    const At bounds = at.child("bounds");
    const Section& bos = *s.find("bounds")->section;
    p.max_solar_mw = get_optional(bounds, bos, "max_solar_mw").value_or(-1.0);
    p.max_wind_mw = get_optional(bounds, bos, "max_wind_mw").value_or(-1.0);
    p.max_firm_mw = get_optional(bounds, bos, "max_firm_mw").value_or(-1.0);
    p.max_battery_mwh = get_optional(bounds, bos, "max_battery_mwh").value_or(-1.0);
    const At flexibility = at.child("flexibility");
    const Section& fs = *s.find("flexibility")->section;
    p.flexible_share = get_number(flexibility, fs, "share");
    p.headroom = get_number(flexibility, fs, "headroom");
    p.objective = get_string(at, s, "objective");
    p.horizon_years = get_number(at, s, "horizon_years");
    p.carbon_cap_t = get_optional(at, s, "carbon_cap_t").value_or(-1.0);
    if (p.objective == "cost_under_cap" && p.carbon_cap_t < 0.0) {
      at.child("objective").fail("cost_under_cap needs planner.carbon_cap_t (tCO2e over planner.horizon_years)");
    }
  }

  void check_inference_clusters(const At& sites_at) {
    for (size_t i = 0; i < sc.sites.size(); ++i) {
      sc.sites[i].inference_clusters_draw_power = !sc.inference.model.per_query_energy;
      for (size_t k = 0; k < sc.sites[i].clusters.size(); ++k) {
        const auto& c = sc.sites[i].clusters[k];
        if (c.role != fleet::ClusterRole::kTraining && sc.inference.model.queries_per_gpu_hour[c.gpu_type] <= 0.0) {
          sites_at.item(i)
              .child("clusters")
              .item(cluster_yaml_index_[i][k])
              .child("role")
              .fail("an inference cluster of " + sc.catalog.at(c.gpu_type).name +
                    " needs inference.queries_per_gpu_hour (or tokens_per_gpu_hour) for " +
                    sc.catalog.at(c.gpu_type).name);
        }
      }
    }
  }

  const At* sc_root_ = nullptr;
  double demand_growth_ = 0.0;                           // growth.annual, when it applies to demand
  double capacity_growth_ = 0.0;                         // growth.annual, when it applies to capacity
  std::vector<std::vector<size_t>> cluster_yaml_index_;  // per site, per built cluster: its item in the file

  void scheduler(const At& sched, const Section& ss) {
    SchedulerOptions& o = sc.scheduler;
    o.placement = get_string(sched, ss, "placement");
    o.backfill_depth = static_cast<size_t>(get_integer(sched, ss, "backfill_depth"));
    const std::string error = policy::parse_policy_name(get_string(sched, ss, "policy"), o.policy.components);
    if (!error.empty()) sched.child("policy").fail(error);
    policy::parse_signal(get_string(sched, ss, "signal"), o.policy.signal);
    if (o.policy.signal == policy::Signal::kMarginalCarbonIntensity) {
      for (size_t r = 0; r < sc.regions.size(); ++r) {
        if (sc.region_supply[r].grid.marginal_carbon_intensity_g_per_kwh.empty()) {
          sched.child("signal").fail(
              "region " + core::quote(sc.regions[r]) +
              " has no marginal carbon intensity (regions[].grid.marginal_carbon_intensity_column)");
        }
      }
    }
    const At fc = sched.child("forecast");
    const Section& fs = *ss.find("forecast")->section;
    policy::parse_forecast_model(get_string(fc, fs, "model"), o.policy.forecast.model);
    o.policy.forecast.error = get_number(fc, fs, "error");
    policy::parse_forecast_error_model(get_string(fc, fs, "error_model"), o.policy.forecast.error_model);
    o.policy.forecast.error_g_per_kwh = get_optional(fc, fs, "error_g_per_kwh");
    if (o.policy.forecast.error_g_per_kwh && o.policy.forecast.error_model != policy::ForecastErrorModel::kAdditive) {
      fc.child("error_g_per_kwh").fail("applies only with error_model: additive");
    }
    o.policy.forecast.error_growth_per_h = get_number(fc, fs, "error_growth_per_h");
    o.policy.forecast.seed = sc.seed;
    for (const policy::PolicyInfo& info : policy::policy_registry()) {
      if (info.params.empty() || !sched.has(info.name)) continue;
      const At ps = sched.child(info.name);
      const Section& psec = *ss.find(info.name)->section;
      for (const policy::ParamSpec& p : info.params) {
        if (ps.has(p.name)) o.policy.params[info.name][p.name] = get_number(ps, psec, p.name);
      }
      if (!o.policy.has(info.name)) {
        sc.warnings.push_back("scheduler." + info.name + " is set but policy '" + o.policy.name() +
                              "' does not use it");
      }
    }
  }

  static workload::Flexibility flexibility(const std::string& name) {
    if (name == "deferrable") return workload::Flexibility::kDeferrable;
    if (name == "interruptible") return workload::Flexibility::kInterruptible;
    return workload::Flexibility::kNone;
  }

  void build(const At& root) {
    sc_root_ = &root;
    const Section& s = root_section();
    resolve_base_dir(root);
    sc.base_dir = base_dir.string();
    sc.name = get_string(root, s, "name");
    sc.description = get_string(root, s, "description");
    sc.seed = static_cast<uint64_t>(value_or_default(root, s, "seed").as<int64_t>());
    sc.start_epoch_s = utc(root.child("start"), get_string(root, s, "start"));
    if (sc.start_epoch_s % core::kSecondsPerHour != 0) root.child("start").fail("must be on a whole hour");
    if (!root.has("hours") && !root.has("end"))
      root.child("hours").fail("required key 'hours' is missing (or give end)");
    if (root.has("hours") && root.has("end")) root.child("end").fail("give either hours or end, not both");
    if (root.has("hours")) {
      sc.hours = get_integer(root, s, "hours");
    } else {
      const core::Seconds end = utc(root.child("end"), get_string(root, s, "end"));
      if (end <= sc.start_epoch_s || (end - sc.start_epoch_s) % core::kSecondsPerHour != 0) {
        root.child("end").fail("must be a whole number of hours after start");
      }
      sc.hours = (end - sc.start_epoch_s) / core::kSecondsPerHour;
      if (sc.hours > 1000000) root.child("end").fail("the horizon is longer than 1,000,000 hours");
    }
    growth(root.child("growth"));
    sc.catalog = fleet::GpuCatalog::builtin();
    gpu_types(root.child("gpu_types"));
    planner(root.child("planner"));
    footprint_settings(root.child("footprint"));
    regions(root.child("regions"));
    build_supply(root.child("regions"));
    region_footprints(root.child("regions"));
    sites(root.child("sites"));
    site_water(root.child("sites"));
    const At sched = root.child("scheduler");
    const Section& ss = *s.find("scheduler")->section;
    scheduler(sched, ss);
    inference(root.child("inference"));
    check_inference_clusters(root.child("sites"));
    if (root.has("demand_regions")) demand_regions(root.child("demand_regions"));
    network(root.child("network"));
    const At wl = root.child("workload");
    if (wl.has("jobs")) jobs(wl.child("jobs"));
    if (wl.has("synthetic")) synthetic(wl.child("synthetic"));
    if (wl.has("traces")) traces(wl.child("traces"));
    const At out = root.child("output");
    sc.deflate_level = static_cast<int>(get_integer(out, *s.find("output")->section, "deflate_level"));
  }
};

}  // namespace

Scenario parse_scenario(const std::string& text, const std::string& source_name,
                        const std::vector<std::string>& overrides, size_t command_line_overrides) {
  YAML::Node root = load_yaml_document(text, source_name, "a scenario file");
  if (!root.IsMap()) throw InputError(SourceLocation{source_name, 1, ""}, "a scenario must be a YAML map of keys");
  Context context{source_name, {}};
  for (size_t i = 0; i < overrides.size(); ++i) {
    context.overridden.push_back(
        Override{apply_override(root, source_name, overrides[i]), overrides[i], i < command_line_overrides});
  }
  const At top{root, "", &context, 1};
  validate_section(top, root_section());

  Scenario sc;
  sc.source_path = source_name;
  sc.source_text = text;
  sc.overrides = overrides;
  Builder builder{sc, source_name, std::filesystem::path(source_name).parent_path()};
  try {
    builder.build(top);
  } catch (const YAML::Exception& e) {
    throw InputError(SourceLocation{source_name, e.mark.is_null() ? 0 : e.mark.line + 1, ""}, e.msg);
  }
  YAML::Emitter emitter;
  emitter << root;
  sc.effective_yaml = emitter.c_str();
  return sc;
}

Scenario load_scenario(const std::string& path, const std::vector<std::string>& overrides,
                       size_t command_line_overrides) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError(SourceLocation{path, 0, ""}, "cannot open the scenario file");
  std::ostringstream text;
  text << in.rdbuf();
  return parse_scenario(text.str(), path, overrides, command_line_overrides);
}

}  // namespace fleetsim::scenario
