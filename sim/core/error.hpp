#pragma once
// Errors that stop an operation. Bad input (scenario, CSV, command line) is an InputError
// and maps to exit code 2; a failure while simulating or writing is a SimulationError
// (exit code 1). Expected outcomes (a job that cannot be placed) are return values.
// Both keep their message to one printable line (core/text.hpp): control characters and
// bytes that are not UTF-8 escaped, long parts cut; values echoed in a message should be
// written with core::quote(value), which also cuts them to kMaxValueChars.

#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>

namespace fleetsim::core {

// Where a bad value came from: a file and line (1-based, 0 if unknown) and a key path
// such as "sites[2].pue" or a CSV column name.
struct SourceLocation {
  std::string file;
  int64_t line = 0;
  std::string key;
};

class InputError : public std::runtime_error {
 public:
  // what() is "file:line: key: what" made one printable line; where() keeps the raw parts.
  InputError(SourceLocation where, const std::string& what);
  const SourceLocation& where() const { return where_; }
  const std::string& detail() const { return detail_; }

 private:
  SourceLocation where_;
  std::string detail_;
};

class SimulationError : public std::runtime_error {
 public:
  explicit SimulationError(const std::string& what);
};

// "file:line: key" with empty parts left out, each part printable and cut.
std::string format_location(const SourceLocation& where);

// Any message as one printable line of at most kMaxDetailChars bytes (core/text.hpp): for
// what() of exceptions that are not fleetsim's own, before they are printed.
std::string one_line(std::string_view message);

}  // namespace fleetsim::core
