// libFuzzer harness: the sweep-file parser (docs/reliability.md, "Fuzzing"). The input is the
// text of a sweep file. Fine: a plan, or an InputError whose message keeps the promise.
#include <cstddef>
#include <cstdint>
#include <string>

#include "core/error.hpp"
#include "fuzz_support.hpp"
#include "scenario/sweep.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace fleetsim;
  constexpr uint64_t kBaseSeed = 7;
  const std::string text(reinterpret_cast<const char*>(data), size);
  try {
    const scenario::SweepPlan plan = scenario::parse_sweep(text, "fuzz_sweep.yaml", kBaseSeed);
    (void)plan;
  } catch (const core::InputError& e) {
    fuzz::check_message("InputError", e.what());
  }
  return 0;
}
