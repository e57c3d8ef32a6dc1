#include "core/error.hpp"

#include "core/text.hpp"

namespace fleetsim::core {

std::string format_location(const SourceLocation& where) {
  std::string out = printable_tail(where.file, kMaxLocationChars);
  if (where.line > 0) out += (out.empty() ? "line " : ":") + std::to_string(where.line);
  if (!where.key.empty()) out += (out.empty() ? "" : ": ") + printable(where.key, kMaxLocationChars);
  return out;
}

std::string one_line(std::string_view message) {
  return printable(message, kMaxDetailChars);
}

InputError::InputError(SourceLocation where, const std::string& what)
    : std::runtime_error(format_location(where).empty() ? one_line(what)
                                                        : format_location(where) + ": " + one_line(what)),
      where_(std::move(where)),
      detail_(one_line(what)) {}

SimulationError::SimulationError(const std::string& what) : std::runtime_error(one_line(what)) {}

}  // namespace fleetsim::core
