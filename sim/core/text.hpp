#pragma once
// Text from input files in messages and checks: every error message is one printable line
// (docs/reliability.md, "Input validation"), and every name fleetsim stores is valid UTF-8.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace fleetsim::core {

// Longest value echoed in a message, in bytes of its escaped form (then cut with "…").
constexpr size_t kMaxValueChars = 80;
// Longest message detail and longest file name or key path in a message.
constexpr size_t kMaxDetailChars = 600;
constexpr size_t kMaxLocationChars = 200;

// The byte offset of the first byte of `text` that does not belong to a well-formed UTF-8
// sequence (RFC 3629: no overlong forms, no surrogates, nothing above U+10FFFF), or nullopt.
std::optional<size_t> invalid_utf8_at(std::string_view text);

// The text as one printable line: control characters written as \n, \r, \t, \0 or \xNN, each
// byte that is not UTF-8 as \xNN, and the result cut to at most `max_chars` bytes (never
// inside an escape or a UTF-8 character) followed by "…". Applying it twice changes nothing.
std::string printable(std::string_view text, size_t max_chars = kMaxValueChars);
// The same, cut at the front ("…" then the end of the text): for file paths, whose end
// names the file.
std::string printable_tail(std::string_view text, size_t max_chars = kMaxLocationChars);
// A value echoed in a message: printable(value) in single quotes.
std::string quote(std::string_view value);

// Whether the text holds a control character (U+0000..U+001F or U+007F).
bool has_control_character(std::string_view text);

// Checks the first line (the header) of a CSV file for bytes that are not UTF-8; throws
// InputError{path, 1, "column N"} naming the first bad column. A missing file passes (the
// reader reports it).
void check_csv_header_utf8(const std::string& path);

}  // namespace fleetsim::core
