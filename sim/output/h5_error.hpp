#pragma once
// The one exception type of the HDF5 boundary and the scalar attribute value. Public: does not
// include hdf5.h.

#include <cstdint>
#include <string>
#include <variant>

#include "core/error.hpp"

namespace fleetsim::output {

// A failed HDF5 operation (or a misuse of the writer/reader that would corrupt the layout).
// what() is one line: what failed, on which object, and why (the innermost cause HDF5 or the
// system reported, e.g. "No space left on device"). The whole HDF5 error stack, for a bug
// report, is error_stack(); it is never printed by the library (automatic printing is off).
class H5Error : public core::SimulationError {
 public:
  explicit H5Error(const std::string& message, std::string object_path = {}, std::string error_stack = {});
  // The HDF5 object (or file) the failed operation addressed, "" if none.
  const std::string& object_path() const { return object_path_; }
  // HDF5's error stack text, outermost call first in the layout HDF5 itself prints; "" when
  // the error was detected by fleetsim itself.
  const std::string& error_stack() const { return error_stack_; }

 private:
  std::string object_path_;
  std::string error_stack_;
};

// A scalar attribute: int64, float64 or a UTF-8 string (stored variable-length).
using Attribute = std::variant<int64_t, double, std::string>;

}  // namespace fleetsim::output
