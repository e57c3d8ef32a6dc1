#include "scenario/effective.hpp"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <filesystem>
#include <set>
#include <system_error>

namespace fleetsim::scenario {

namespace {

// A scalar longer than this is no path (and is not looked up on disk).
constexpr size_t kMaxPathBytes = 4096;

std::string child_path(const std::string& path, const std::string& key) {
  return path.empty() ? key : path + "." + key;
}

void collect_files(const YAML::Node& node, const std::string& key, const std::filesystem::path& base_dir,
                   std::vector<ReferencedFile>& files) {
  if (node.IsMap()) {
    for (const auto& kv : node) {
      if (kv.first.IsScalar()) collect_files(kv.second, child_path(key, kv.first.Scalar()), base_dir, files);
    }
  } else if (node.IsSequence()) {
    for (size_t i = 0; i < node.size(); ++i)
      collect_files(node[i], child_path(key, std::to_string(i)), base_dir, files);
  } else if (node.IsScalar()) {
    const std::string& text = node.Scalar();
    if (text.empty() || text.size() > kMaxPathBytes ||
        text.find_first_of(std::string("\n\0", 2)) != std::string::npos) {
      return;
    }
    std::filesystem::path path = text;
    if (path.is_relative()) path = base_dir / path;  // as the loader resolves file keys
    std::error_code error;
    if (std::filesystem::is_regular_file(path, error)) files.push_back({key, path.lexically_normal().string()});
  }
}

void collect_differences(const YAML::Node& a, const YAML::Node& b, const std::string& key,
                         std::set<std::string>& keys) {
  if (a.Type() != b.Type()) {
    keys.insert(key);
  } else if (a.IsScalar()) {
    if (a.Scalar() != b.Scalar()) keys.insert(key);
  } else if (a.IsSequence()) {
    for (size_t i = 0; i < std::max(a.size(), b.size()); ++i) {
      const std::string item = child_path(key, std::to_string(i));
      if (i >= a.size() || i >= b.size()) {
        keys.insert(item);
      } else {
        collect_differences(a[i], b[i], item, keys);
      }
    }
  } else if (a.IsMap()) {
    std::set<std::string> names;
    for (const auto& kv : a) names.insert(kv.first.Scalar());
    for (const auto& kv : b) names.insert(kv.first.Scalar());
    for (const std::string& name : names) {
      const YAML::Node in_a = a[name];
      const YAML::Node in_b = b[name];
      if (!in_a || !in_b) {
        keys.insert(child_path(key, name));
      } else {
        collect_differences(in_a, in_b, child_path(key, name), keys);
      }
    }
  }
}

}  // namespace

std::vector<ReferencedFile> referenced_files(const Scenario& sc) {
  std::vector<ReferencedFile> files{{"", sc.source_path}};
  try {
    const YAML::Node root = YAML::Load(sc.effective_yaml);
    collect_files(root, "", std::filesystem::path(sc.base_dir), files);
  } catch (const YAML::Exception&) {
    // a loaded scenario's effective YAML always parses; nothing more to find if not
  }
  return files;
}

std::vector<std::string> differing_keys(const std::string& effective_a, const std::string& effective_b,
                                        size_t max_keys) {
  std::set<std::string> keys;
  try {
    collect_differences(YAML::Load(effective_a), YAML::Load(effective_b), "", keys);
  } catch (const YAML::Exception&) {
    keys.insert("");
  }
  std::vector<std::string> out(keys.begin(), keys.end());
  if (out.size() > max_keys) out.resize(max_keys);
  return out;
}

namespace {

PlainNode plain(const YAML::Node& node) {
  PlainNode out;
  switch (node.Type()) {
    case YAML::NodeType::Scalar:
      out.kind = PlainNode::Kind::kScalar;
      out.scalar = node.Scalar();
      out.quoted = node.Tag() == "!";  // yaml-cpp tags a quoted scalar "!", a plain one "?"
      break;
    case YAML::NodeType::Sequence:
      out.kind = PlainNode::Kind::kList;
      for (const YAML::Node& item : node) out.items.push_back(plain(item));
      break;
    case YAML::NodeType::Map:
      out.kind = PlainNode::Kind::kMap;
      for (const auto& item : node) {
        out.keys.push_back(item.first.Scalar());
        out.items.push_back(plain(item.second));
      }
      break;
    default:
      break;
  }
  return out;
}

}  // namespace

PlainNode plain_tree(const Scenario& sc) {
  return plain(YAML::Load(sc.effective_yaml));  // the loader wrote it: one document, no aliases
}

}  // namespace fleetsim::scenario
