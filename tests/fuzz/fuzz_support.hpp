#pragma once
// What the libFuzzer harnesses share (docs/reliability.md, "Fuzzing"). A harness feeds one
// input to a reader and treats the documented outcomes as fine: a value, or the reader's
// own error type with a message that keeps the promise of docs/reliability.md (one printable
// UTF-8 line of bounded length). Anything else (another exception, a crash, a sanitizer
// report, a hang, an allocation past libFuzzer's limit) is a finding.

#include <string>
#include <string_view>
#include <vector>

namespace fleetsim::fuzz {

// Where seeds and fixtures live (set by tests/fuzz/CMakeLists.txt).
#ifndef FLEETSIM_SOURCE_DIR
#define FLEETSIM_SOURCE_DIR "."
#endif
inline constexpr const char* kSourceDir = FLEETSIM_SOURCE_DIR;

// The readers take file names: each input is written to one file in a private temporary
// folder (under $TMPDIR, else /tmp), removed when the process ends normally.
class ScratchFile {
 public:
  explicit ScratchFile(const std::string& name);
  ~ScratchFile();
  ScratchFile(const ScratchFile&) = delete;
  ScratchFile& operator=(const ScratchFile&) = delete;

  // Replaces the file's content with `bytes`; returns its path.
  const std::string& write(std::string_view bytes);
  const std::string& path() const { return path_; }

 private:
  std::string folder_;
  std::string path_;
};

// Longest error message the promise allows: a file name and a key path of at most
// core::kMaxLocationChars each, a line number and a detail of at most core::kMaxDetailChars,
// with room for the escapes' and separators' bytes.
inline constexpr size_t kMaxMessageBytes = 1200;

// Aborts, naming `what` and quoting `message`, when the message is not one printable line
// of valid UTF-8 of at most kMaxMessageBytes.
void check_message(std::string_view what, std::string_view message);

// Prints "fleetsim fuzz: <what>" and aborts, which libFuzzer reports as a crash with the input.
[[noreturn]] void fail(std::string_view what);

// `input` split at NUL bytes into at most max_parts parts (the last one keeps any further NULs).
std::vector<std::string> split_at_nul(std::string_view input, size_t max_parts);

}  // namespace fleetsim::fuzz
