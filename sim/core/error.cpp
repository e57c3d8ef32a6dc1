#include "core/error.hpp"

namespace fleetsim::core {

std::string format_location(const SourceLocation& where) {
  std::string out = where.file;
  if (where.line > 0) out += (out.empty() ? "line " : ":") + std::to_string(where.line);
  if (!where.key.empty()) out += (out.empty() ? "" : ": ") + where.key;
  return out;
}

InputError::InputError(SourceLocation where, const std::string& what)
    : std::runtime_error(format_location(where).empty() ? what : format_location(where) + ": " + what),
      where_(std::move(where)),
      detail_(what) {}

}  // namespace fleetsim::core
