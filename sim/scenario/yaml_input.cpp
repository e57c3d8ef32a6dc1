#include "scenario/yaml_input.hpp"

#include <algorithm>
#include <cstdint>
#include <set>
#include <vector>

#include "core/text.hpp"

namespace fleetsim::scenario {
namespace {

using core::InputError;
using core::SourceLocation;

std::string with_commas(int64_t n) {
  const std::string digits = std::to_string(n);
  std::string out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

int64_t line_of(const YAML::Mark& mark) {
  return mark.is_null() || mark.line < 0 ? 0 : mark.line + 1;
}

// One walk over the tree with aliases expanded: counts nodes, bounds depth, finds cycles,
// checks keys and UTF-8. The key path is kept as a stack of segments and joined only for a
// message.
class TreeCheck {
 public:
  TreeCheck(std::string source, bool has_lines, std::string top_path, const YamlLimits& limits)
      : source_(std::move(source)), has_lines_(has_lines), top_path_(std::move(top_path)), limits_(limits) {}

  void walk(const YAML::Node& node) {
    ancestors_.push_back(node);
    if (++nodes_ > limits_.max_nodes) fail_large();
    if (static_cast<int>(ancestors_.size()) > limits_.max_depth) fail_deep(node);
    if (node.IsScalar()) {
      check_utf8(node, node.Scalar(), "value");
    } else if (node.IsSequence()) {
      for (size_t i = 0; i < node.size(); ++i) {
        std::string index(1, '[');
        index += std::to_string(i);
        index += ']';
        segments_.push_back(std::move(index));
        walk(node[i]);
        segments_.pop_back();
      }
    } else if (node.IsMap()) {
      std::set<std::string> keys;
      for (const auto& kv : node) {
        if (!kv.first.IsScalar()) {
          fail(kv.first,
               "a key must be a name (a plain scalar), not " + std::string(kv.first.IsNull()       ? "null"
                                                                           : kv.first.IsSequence() ? "a list"
                                                                                                   : "a map"));
        }
        const std::string& key = kv.first.Scalar();
        segments_.push_back(key);
        check_utf8(kv.first, key, "key");
        if (!keys.insert(key).second) {
          fail(kv.first, "duplicate key " + core::quote(key) + " (YAML would keep only one of its values)");
        }
        walk(kv.second);
        segments_.pop_back();
      }
    }
    ancestors_.pop_back();
  }

 private:
  // The key path of ancestors_[level] (all of segments_ by default: the node being walked).
  std::string path(size_t level = SIZE_MAX) const {
    std::string out = top_path_;
    for (size_t i = 0; i < segments_.size() && i < level; ++i) {
      const std::string& s = segments_[i];
      if ((s.empty() || s.front() != '[') && !out.empty()) out += '.';
      out += s;
    }
    return out;
  }

  [[noreturn]] void fail(const YAML::Node& node, const std::string& what, size_t level = SIZE_MAX) const {
    throw InputError(SourceLocation{source_, has_lines_ ? line_of(node.Mark()) : 0, path(level)}, what);
  }

  // Too many nodes: an alias bomb, most likely. A node reached through an alias carries the
  // line of its anchor, and aliases follow their anchors, so the ancestor on the latest line
  // is where the expansion is written.
  [[noreturn]] void fail_large() const {
    size_t level = 0;
    for (size_t i = 1; i < ancestors_.size(); ++i) {
      if (line_of(ancestors_[i].Mark()) > line_of(ancestors_[level].Mark())) level = i;
    }
    fail(ancestors_[level],
         "the YAML tree has more than " + with_commas(limits_.max_nodes) +
             " nodes with its aliases expanded (aliases of aliases multiply: write the repeated part out)",
         level);
  }

  void check_utf8(const YAML::Node& node, const std::string& text, const char* kind) const {
    if (const auto bad = core::invalid_utf8_at(text)) {
      fail(node, std::string("the ") + kind + " " + core::quote(text) + " is not valid UTF-8 (byte " +
                     std::to_string(*bad + 1) + "; save the file as UTF-8)");
    }
  }

  // Too deep: a node that contains itself through an alias (every walk would be infinite), or
  // a tree nested too deeply.
  [[noreturn]] void fail_deep(const YAML::Node& node) const {
    for (size_t i = 0; i < ancestors_.size(); ++i) {
      for (size_t j = i + 1; j < ancestors_.size(); ++j) {
        if (ancestors_[i].is(ancestors_[j])) {
          const int64_t line = line_of(ancestors_[i].Mark());
          fail(ancestors_[i],
               "a YAML alias refers to a node that contains it" +
                   (has_lines_ && line > 0 ? " (the anchor's node at line " + std::to_string(line) + ")"
                                           : std::string()) +
                   ": the tree would be infinite",
               i);
        }
      }
    }
    fail(node, "the YAML tree is nested more than " + std::to_string(limits_.max_depth) + " levels deep");
  }

  std::string source_;
  bool has_lines_;
  std::string top_path_;
  const YamlLimits& limits_;
  int64_t nodes_ = 0;
  std::vector<std::string> segments_;
  std::vector<YAML::Node> ancestors_;
};

// All documents of the text; YAML errors as InputError at `where` (its line replaced by the
// error's when the text has lines).
std::vector<YAML::Node> parse_all(std::string_view text, const SourceLocation& where, bool has_lines) {
  const std::string copy(text);
  try {
    return YAML::LoadAll(copy);
  } catch (const YAML::DeepRecursion& e) {
    throw InputError(SourceLocation{where.file, has_lines ? line_of(e.mark) : 0, where.key},
                     "the YAML text is nested too deeply for the parser");
  } catch (const YAML::Exception& e) {
    throw InputError(SourceLocation{where.file, has_lines ? line_of(e.mark) : 0, where.key},
                     "YAML syntax error: " + e.msg);
  }
}

}  // namespace

void check_yaml_tree(const YAML::Node& node, const std::string& source_name, const std::string& path,
                     const YamlLimits& limits) {
  TreeCheck(source_name, true, path, limits).walk(node);
}

YAML::Node load_yaml_document(std::string_view text, const std::string& source_name, const std::string& what,
                              const YamlLimits& limits) {
  const std::vector<YAML::Node> documents = parse_all(text, SourceLocation{source_name, 0, ""}, true);
  if (documents.size() > 1) {
    throw InputError(SourceLocation{source_name, line_of(documents[1].Mark()), ""},
                     "a second YAML document ('---'): " + what + " holds one document");
  }
  if (documents.empty()) return YAML::Node();
  TreeCheck(source_name, true, "", limits).walk(documents.front());
  // Comments are not in the tree, but the text is stored as it is (a run file's scenario).
  if (const auto bad = core::invalid_utf8_at(text)) {
    const auto line = 1 + std::count(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(*bad), '\n');
    throw InputError(SourceLocation{source_name, static_cast<int64_t>(line), ""},
                     "byte " + std::to_string(*bad + 1) + " of the file is not valid UTF-8 (save the file as UTF-8)");
  }
  return documents.front();
}

YAML::Node load_yaml_value(std::string_view text, const SourceLocation& where, const YamlLimits& limits) {
  if (const auto bad = core::invalid_utf8_at(text)) {
    throw InputError(where, "the value is not valid UTF-8 (byte " + std::to_string(*bad + 1) + ")");
  }
  const std::vector<YAML::Node> documents = parse_all(text, where, false);
  if (documents.size() > 1) throw InputError(where, "the value holds more than one YAML document");
  if (documents.empty()) return YAML::Node(YAML::NodeType::Null);
  TreeCheck(where.file, false, where.key, limits).walk(documents.front());
  return documents.front();
}

}  // namespace fleetsim::scenario
