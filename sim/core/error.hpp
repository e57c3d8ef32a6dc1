#pragma once
// Errors that stop an operation. Bad input (scenario, CSV, command line) is an InputError
// and maps to exit code 2; a failure while simulating or writing is a SimulationError
// (exit code 1). Expected outcomes (a job that cannot be placed) are return values.

#include <cstdint>
#include <stdexcept>
#include <string>

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
  InputError(SourceLocation where, const std::string& what);
  const SourceLocation& where() const { return where_; }
  const std::string& detail() const { return detail_; }

 private:
  SourceLocation where_;
  std::string detail_;
};

class SimulationError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// "file:line: key: what" with empty parts left out.
std::string format_location(const SourceLocation& where);

}  // namespace fleetsim::core
