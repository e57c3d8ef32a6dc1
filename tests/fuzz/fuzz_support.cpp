#include "fuzz_support.hpp"

#include <stdlib.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <system_error>

#include "core/text.hpp"

namespace fleetsim::fuzz {

ScratchFile::ScratchFile(const std::string& name) {
  const char* tmp = std::getenv("TMPDIR");
  std::string pattern = std::string(tmp != nullptr && *tmp != '\0' ? tmp : "/tmp") + "/fleetsim-fuzz-XXXXXX";
  if (::mkdtemp(pattern.data()) == nullptr) fail("cannot create a temporary folder from " + pattern);
  folder_ = pattern;
  path_ = folder_ + "/" + name;
}

ScratchFile::~ScratchFile() {
  std::error_code ignored;
  std::filesystem::remove_all(folder_, ignored);
}

const std::string& ScratchFile::write(std::string_view bytes) {
  std::ofstream out(path_, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  out.close();
  if (!out) fail("cannot write " + path_);
  return path_;
}

void check_message(std::string_view what, std::string_view message) {
  std::string problem;
  if (message.empty()) {
    problem = "is empty";
  } else if (message.size() > kMaxMessageBytes) {
    problem = "is " + std::to_string(message.size()) + " bytes long";
  } else if (core::has_control_character(message)) {
    problem = "holds a control character";
  } else if (core::invalid_utf8_at(message)) {
    problem = "is not UTF-8";
  }
  if (problem.empty()) return;
  fail(std::string(what) + " message " + problem + ": " + core::printable(message, 2000));
}

void fail(std::string_view what) {
  std::fprintf(stderr, "fleetsim fuzz: %.*s\n", static_cast<int>(what.size()), what.data());
  std::abort();
}

std::vector<std::string> split_at_nul(std::string_view input, size_t max_parts) {
  std::vector<std::string> parts;
  while (parts.size() + 1 < max_parts) {
    const size_t end = input.find('\0');
    if (end == std::string_view::npos) break;
    parts.emplace_back(input.substr(0, end));
    input.remove_prefix(end + 1);
  }
  parts.emplace_back(input);
  return parts;
}

}  // namespace fleetsim::fuzz
