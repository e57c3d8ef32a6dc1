#include "scenario/yaml_input.hpp"

#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/parser.h>

#include <algorithm>
#include <cstdint>
#include <optional>
#include <set>
#include <sstream>
#include <unordered_map>
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
// message. A map or list reached again through an alias was checked whole the first time:
// its nodes are counted again and its height checked at the new place, without walking it,
// so that an alias bomb costs the length of its text, not the 2,000,000 nodes of the limit
// (seconds under the sanitizers). It cannot lead back to a node being walked: that node would
// then be inside itself, and the first walk would have found the cycle.
class TreeCheck {
 public:
  TreeCheck(std::string source, bool has_lines, std::string top_path, const YamlLimits& limits)
      : source_(std::move(source)), has_lines_(has_lines), top_path_(std::move(top_path)), limits_(limits) {}

  // Returns the height of the node's tree (1 for a scalar).
  int walk(const YAML::Node& node) {
    const bool branch = node.IsSequence() || node.IsMap();
    if (branch) {
      if (const Checked* seen = checked(node)) return count_again(node, *seen);
    }
    ancestors_.push_back(node);
    const int64_t nodes_before = nodes_;
    if (++nodes_ > limits_.max_nodes) fail_large();
    if (static_cast<int>(ancestors_.size()) > limits_.max_depth) fail_deep(node);
    int height = 1;
    if (node.IsScalar()) {
      check_utf8(node, node.Scalar(), "value");
    } else if (node.IsSequence()) {
      for (size_t i = 0; i < node.size(); ++i) {
        std::string index(1, '[');
        index += std::to_string(i);
        index += ']';
        segments_.push_back(std::move(index));
        height = std::max(height, 1 + walk(node[i]));
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
        height = std::max(height, 1 + walk(kv.second));
        segments_.pop_back();
      }
    }
    ancestors_.pop_back();
    if (branch) checked_.emplace(node.Mark().pos, Checked{node, nodes_ - nodes_before, height});
    return height;
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

  // A map or list walked whole: how many nodes its tree has and how high it is.
  struct Checked {
    YAML::Node node;
    int64_t nodes = 0;
    int height = 0;
  };

  // The record of `node` if it was walked whole before (found by its position in the text,
  // then by identity).
  const Checked* checked(const YAML::Node& node) const {
    const auto [first, last] = checked_.equal_range(node.Mark().pos);
    for (auto it = first; it != last; ++it) {
      if (it->second.node.is(node)) return &it->second;
    }
    return nullptr;
  }

  // `node` again, through an alias: its nodes count again, and its height must fit here.
  int count_again(const YAML::Node& node, const Checked& seen) {
    ancestors_.push_back(node);
    nodes_ += seen.nodes;
    if (nodes_ > limits_.max_nodes) fail_large();
    if (static_cast<int>(ancestors_.size()) + seen.height - 1 > limits_.max_depth) fail_deep(node);
    ancestors_.pop_back();
    return seen.height;
  }

  std::string source_;
  bool has_lines_;
  std::string top_path_;
  const YamlLimits& limits_;
  int64_t nodes_ = 0;
  std::vector<std::string> segments_;
  std::vector<YAML::Node> ancestors_;
  std::unordered_multimap<int, Checked> checked_;  // by the node's position in the text
};

// Records where each document of a YAML stream starts (its first token, and its root node as
// YAML::Node::Mark() would give it), and nothing else.
class DocumentStarts : public YAML::EventHandler {
 public:
  std::vector<YAML::Mark> starts;
  std::vector<YAML::Mark> roots;

  void OnDocumentStart(const YAML::Mark& mark) override { starts.push_back(mark); }
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark& mark, YAML::anchor_t) override { node(mark); }
  void OnAlias(const YAML::Mark& mark, YAML::anchor_t) override { node(mark); }
  void OnScalar(const YAML::Mark& mark, const std::string&, YAML::anchor_t, const std::string&) override { node(mark); }
  void OnSequenceStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t, YAML::EmitterStyle::value) override {
    node(mark);
  }
  void OnSequenceEnd() override {}
  void OnMapStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t, YAML::EmitterStyle::value) override {
    node(mark);
  }
  void OnMapEnd() override {}

 private:
  void node(const YAML::Mark& mark) {
    if (roots.size() < starts.size()) roots.push_back(mark);
  }
};

// The first document of a YAML text, and where a second one starts if there is one.
struct Documents {
  bool none = true;  // the text holds no document (only comments and space)
  YAML::Node first;
  std::optional<YAML::Mark> second;  // the start of a second document
};

// Reads the text's first document, and looks for a second one without reading it.
// yaml-cpp 0.7's YAML::LoadAll loops for ever, growing a vector of empty documents until
// memory runs out, when a document starts with a token that starts no node (a ',' at the top
// of a file or a --set value: yaml-cpp issue 1040, fixed upstream in 0.8 by pull request
// 1319): its parser reports an empty document there without consuming the token, again and
// again. So the documents are counted with the parser directly, never more than two, and a
// second document that starts where the first one did is that token: a syntax error.
// YAML errors are InputError at `where` (its line replaced by the error's when the text has
// lines).
Documents parse_documents(std::string_view text, const SourceLocation& where, bool has_lines) {
  const std::string copy(text);
  const auto at = [&](const YAML::Mark& mark) {
    return SourceLocation{where.file, has_lines ? line_of(mark) : 0, where.key};
  };
  try {
    std::istringstream stream(copy);
    YAML::Parser parser(stream);
    DocumentStarts documents;
    while (documents.starts.size() < 2 && parser.HandleNextDocument(documents)) {
    }
    Documents out;
    if (documents.starts.size() == 2) {
      const YAML::Mark& second = documents.starts[1];
      if (second.pos == documents.starts[0].pos) {  // the parser did not move: a token it cannot read
        const auto pos = static_cast<size_t>(std::max(0, second.pos));
        throw InputError(at(second), "YAML syntax error: unexpected " +
                                         core::quote(pos < copy.size() ? copy.substr(pos, 1) : std::string()));
      }
      out.second = documents.roots.size() == 2 ? documents.roots[1] : second;
    }
    out.none = documents.starts.empty();
    if (!out.none) out.first = YAML::Load(copy);
    return out;
  } catch (const YAML::DeepRecursion& e) {
    throw InputError(at(e.mark), "the YAML text is nested too deeply for the parser");
  } catch (const YAML::Exception& e) {
    throw InputError(at(e.mark), "YAML syntax error: " + e.msg);
  }
}

}  // namespace

void check_yaml_tree(const YAML::Node& node, const std::string& source_name, const std::string& path,
                     const YamlLimits& limits) {
  TreeCheck(source_name, true, path, limits).walk(node);
}

YAML::Node load_yaml_document(std::string_view text, const std::string& source_name, const std::string& what,
                              const YamlLimits& limits) {
  const Documents documents = parse_documents(text, SourceLocation{source_name, 0, ""}, true);
  if (documents.second) {
    throw InputError(SourceLocation{source_name, line_of(*documents.second), ""},
                     "a second YAML document ('---'): " + what + " holds one document");
  }
  if (documents.none) return YAML::Node();
  TreeCheck(source_name, true, "", limits).walk(documents.first);
  // Comments are not in the tree, but the text is stored as it is (a run file's scenario).
  if (const auto bad = core::invalid_utf8_at(text)) {
    const auto line = 1 + std::count(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(*bad), '\n');
    throw InputError(SourceLocation{source_name, static_cast<int64_t>(line), ""},
                     "byte " + std::to_string(*bad + 1) + " of the file is not valid UTF-8 (save the file as UTF-8)");
  }
  return documents.first;
}

YAML::Node load_yaml_value(std::string_view text, const SourceLocation& where, const YamlLimits& limits) {
  if (const auto bad = core::invalid_utf8_at(text)) {
    throw InputError(where, "the value is not valid UTF-8 (byte " + std::to_string(*bad + 1) + ")");
  }
  const Documents documents = parse_documents(text, where, false);
  if (documents.second) throw InputError(where, "the value holds more than one YAML document");
  if (documents.none) return YAML::Node(YAML::NodeType::Null);
  TreeCheck(where.file, false, where.key, limits).walk(documents.first);
  return documents.first;
}

}  // namespace fleetsim::scenario
