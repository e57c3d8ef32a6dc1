// libFuzzer harness: the run-file reader (docs/reliability.md, "Fuzzing"). The input is
// written to a file, which is read twice: as `fleetsim inspect` reads it
// (run::read_run_summary), and object by object through output::RunFileReader (every
// attribute, every member of every group, every dataset's shape and values), up to
// kMaxObjects objects and kMaxDepth levels (a crafted file may hold a group inside itself).
// Fine: values, an InputError (read_run_summary) or an H5Error (RunFileReader), each with a
// message that keeps the promise.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/error.hpp"
#include "fuzz_support.hpp"
#include "output/h5_error.hpp"
#include "output/h5_reader.hpp"
#include "run/run_file.hpp"

namespace {

using namespace fleetsim;

constexpr int kMaxObjects = 32;
constexpr int kMaxDepth = 8;

struct Walk {
  const output::RunFileReader& reader;
  int objects = 0;

  // Runs one reader call; its H5Error is an expected outcome.
  template <class Call>
  void attempt(Call&& call) {
    try {
      call();
    } catch (const output::H5Error& e) {
      fuzz::check_message("H5Error", e.what());
    }
  }

  void visit(const std::string& path, int depth) {
    if (++objects > kMaxObjects || depth > kMaxDepth) return;
    attempt([&] {
      for (const std::string& name : reader.attribute_names(path)) attempt([&] { (void)reader.attribute(path, name); });
    });
    bool group = false;
    attempt([&] { group = reader.is_group(path); });
    if (group) {
      attempt([&] {
        const std::string prefix = path == "/" ? "/" : path + "/";
        for (const std::string& name : reader.member_names(path)) visit(prefix + name, depth + 1);
      });
      return;
    }
    attempt([&] { (void)reader.exists(path); });
    attempt([&] { (void)reader.shape(path); });
    attempt([&] { (void)reader.chunk_shape(path); });
    attempt([&] { (void)reader.read_doubles(path); });
    attempt([&] { (void)reader.read_int64(path); });
    attempt([&] { (void)reader.read_strings(path); });
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static fuzz::ScratchFile file("input.h5");
  const std::string& path = file.write(std::string_view(reinterpret_cast<const char*>(data), size));
  try {
    (void)run::read_run_summary(path);
  } catch (const core::InputError& e) {
    fuzz::check_message("InputError", e.what());
  }
  try {
    const output::RunFileReader reader(path);
    Walk walk{reader};
    walk.visit("/", 0);
  } catch (const output::H5Error& e) {
    fuzz::check_message("H5Error", e.what());
  }
  return 0;
}
