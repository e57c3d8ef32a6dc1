// libFuzzer harness: the scenario loader with --set overrides (docs/reliability.md, "Fuzzing").
// The input is a scenario text, then up to kMaxOverrides --set texts, each after a NUL byte
// (as they would come from argv, which cannot hold NUL either). The scenario is read as if it
// were tests/bad_input/fuzz.yaml, so that the corpus' relative paths (../fixtures/*.csv) reach
// the small fixture files. Fine: a scenario, or an InputError whose message keeps the promise.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"
#include "fuzz_support.hpp"
#include "scenario/scenario.hpp"

namespace {

constexpr size_t kMaxOverrides = 4;

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace fleetsim;
  static const std::string source_name = std::string(fuzz::kSourceDir) + "/tests/bad_input/fuzz.yaml";
  std::vector<std::string> parts =
      fuzz::split_at_nul(std::string_view(reinterpret_cast<const char*>(data), size), kMaxOverrides + 1);
  const std::vector<std::string> overrides(parts.begin() + 1, parts.end());
  try {
    const scenario::Scenario loaded = scenario::parse_scenario(parts.front(), source_name, overrides);
    (void)loaded;
  } catch (const core::InputError& e) {
    fuzz::check_message("InputError", e.what());
  }
  return 0;
}
