#include "core/text.hpp"

#include <algorithm>
#include <array>
#include <fstream>
#include <vector>

#include "core/error.hpp"

namespace fleetsim::core {
namespace {

constexpr std::string_view kEllipsis = "\u2026";  // "…"
constexpr size_t kMaxHeaderBytes = size_t{1} << 20;

// Length of the well-formed UTF-8 sequence at text[i] (1..4), or 0 if the byte there does not
// start one (RFC 3629, table 3-7 of the Unicode standard).
size_t utf8_length(std::string_view text, size_t i) {
  const auto byte = [&](size_t k) { return static_cast<unsigned char>(text[k]); };
  const unsigned char b0 = byte(i);
  if (b0 < 0x80) return 1;
  size_t length = 0;
  unsigned char low = 0x80;  // the allowed range of the second byte
  unsigned char high = 0xBF;
  if (b0 >= 0xC2 && b0 <= 0xDF) {
    length = 2;
  } else if (b0 >= 0xE0 && b0 <= 0xEF) {
    length = 3;
    if (b0 == 0xE0) low = 0xA0;   // overlong
    if (b0 == 0xED) high = 0x9F;  // surrogates
  } else if (b0 >= 0xF0 && b0 <= 0xF4) {
    length = 4;
    if (b0 == 0xF0) low = 0x90;   // overlong
    if (b0 == 0xF4) high = 0x8F;  // above U+10FFFF
  } else {
    return 0;
  }
  if (i + length > text.size()) return 0;
  if (byte(i + 1) < low || byte(i + 1) > high) return 0;
  for (size_t k = 2; k < length; ++k) {
    if (byte(i + k) < 0x80 || byte(i + k) > 0xBF) return 0;
  }
  return length;
}

std::string hex_escape(unsigned char c) {
  static constexpr std::array<char, 16> kDigits{'0', '1', '2', '3', '4', '5', '6', '7',
                                                '8', '9', 'a', 'b', 'c', 'd', 'e', 'f'};
  return std::string{'\\', 'x', kDigits[c >> 4], kDigits[c & 0xF]};
}

// The printable form of the character or byte at text[i]; `used` is how many bytes it took.
std::string piece_at(std::string_view text, size_t i, size_t& used) {
  const auto c = static_cast<unsigned char>(text[i]);
  used = 1;
  switch (c) {
    case '\n':
      return "\\n";
    case '\r':
      return "\\r";
    case '\t':
      return "\\t";
    case '\0':
      return "\\0";
    default:
      break;
  }
  if (c < 0x20 || c == 0x7F) return hex_escape(c);
  const size_t length = utf8_length(text, i);
  if (length == 0) return hex_escape(c);
  used = length;
  const std::string_view ch = text.substr(i, length);
  // C1 controls (U+0080..U+009F) and the line and paragraph separators U+2028, U+2029
  if (length == 2 && c == 0xC2 && static_cast<unsigned char>(ch[1]) <= 0x9F) {
    return "\\u00" + hex_escape(static_cast<unsigned char>(ch[1])).substr(2);
  }
  if (ch == "\u2028") return "\\u2028";
  if (ch == "\u2029") return "\\u2029";
  return std::string(ch);
}

}  // namespace

std::optional<size_t> invalid_utf8_at(std::string_view text) {
  for (size_t i = 0; i < text.size();) {
    if (static_cast<unsigned char>(text[i]) < 0x80) {
      ++i;
      continue;
    }
    const size_t length = utf8_length(text, i);
    if (length == 0) return i;
    i += length;
  }
  return std::nullopt;
}

std::string printable(std::string_view text, size_t max_chars) {
  std::string out;
  const size_t room = max_chars > kEllipsis.size() ? max_chars - kEllipsis.size() : 0;
  size_t fits = 0;  // out.size() at the last piece that leaves room for the ellipsis
  for (size_t i = 0; i < text.size();) {
    size_t used = 0;
    const std::string piece = piece_at(text, i, used);
    if (out.size() + piece.size() > max_chars) {
      out.resize(fits);
      out += kEllipsis;
      return out;
    }
    out += piece;
    if (out.size() <= room) fits = out.size();
    i += used;
  }
  return out;
}

std::string printable_tail(std::string_view text, size_t max_chars) {
  std::vector<std::string> pieces;
  size_t total = 0;
  for (size_t i = 0; i < text.size();) {
    size_t used = 0;
    pieces.push_back(piece_at(text, i, used));
    total += pieces.back().size();
    i += used;
  }
  if (total <= max_chars) {
    std::string out;
    for (const auto& p : pieces) out += p;
    return out;
  }
  const size_t room = max_chars > kEllipsis.size() ? max_chars - kEllipsis.size() : 0;
  size_t kept = 0;
  size_t first = pieces.size();
  while (first > 0 && kept + pieces[first - 1].size() <= room) kept += pieces[--first].size();
  std::string out(kEllipsis);
  for (size_t k = first; k < pieces.size(); ++k) out += pieces[k];
  return out;
}

std::string quote(std::string_view value) {
  std::string out(1, '\'');
  out += printable(value, kMaxValueChars);
  out += '\'';
  return out;
}

bool has_control_character(std::string_view text) {
  for (const char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    if (c < 0x20 || c == 0x7F) return true;
  }
  return false;
}

void check_csv_header_utf8(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return;
  std::string header;
  for (char c = 0; header.size() < kMaxHeaderBytes && in.get(c) && c != '\n';) header += c;
  const auto bad = invalid_utf8_at(header);
  if (!bad) return;
  size_t column = 1;
  size_t begin = 0;
  for (size_t i = 0; i < *bad; ++i) {
    if (header[i] == ',') {
      ++column;
      begin = i + 1;
    }
  }
  const size_t end = std::min(header.find(',', *bad), header.size());
  throw InputError(SourceLocation{path, 1, "column " + std::to_string(column)},
                   "the header name " + quote(std::string_view(header).substr(begin, end - begin)) +
                       " is not valid UTF-8 (save the file as UTF-8)");
}

}  // namespace fleetsim::core
