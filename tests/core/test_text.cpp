#include <catch2/catch.hpp>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include "core/error.hpp"
#include "core/text.hpp"

using namespace fleetsim::core;
using namespace std::string_literals;

TEST_CASE("UTF-8 checks find the first byte that is not well-formed", "[core][text]") {
  CHECK_FALSE(invalid_utf8_at(""));
  CHECK_FALSE(invalid_utf8_at("plain ascii"));
  CHECK_FALSE(invalid_utf8_at("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80"));  // café € 😀
  CHECK(invalid_utf8_at("caf\xe9") == 3u);                                    // Latin-1 é
  CHECK(invalid_utf8_at("ab\xc3") == 2u);                                     // cut sequence
  CHECK(invalid_utf8_at("\xc0\xaf") == 0u);                                   // overlong '/'
  CHECK(invalid_utf8_at("\xe0\x80\xaf") == 0u);                               // overlong
  CHECK(invalid_utf8_at("x\xed\xa0\x80") == 1u);                              // surrogate U+D800
  CHECK(invalid_utf8_at("\xf4\x90\x80\x80") == 0u);                           // above U+10FFFF
  CHECK(invalid_utf8_at("\xff") == 0u);
  CHECK(invalid_utf8_at("a\x80") == 1u);  // a lone continuation byte
}

TEST_CASE("printable text is one line with control characters and bad bytes escaped", "[core][text]") {
  CHECK(printable("a\nb\rc\td") == "a\\nb\\rc\\td");
  CHECK(printable("nul\0here"s) == "nul\\0here");
  CHECK(printable("bell\x07 del\x7f") == "bell\\x07 del\\x7f");
  CHECK(printable("caf\xe9") == "caf\\xe9");
  CHECK(printable("caf\xc3\xa9") == "caf\xc3\xa9");  // valid UTF-8 stays
  CHECK(printable("c1\xc2\x85 ls\xe2\x80\xa8") == "c1\\u0085 ls\\u2028");
  CHECK(quote("x\ny") == "'x\\ny'");
}

TEST_CASE("long values are cut with an ellipsis, never inside an escape or a character", "[core][text]") {
  const std::string big(10'000'000, 'x');
  const std::string cut = printable(big);
  CHECK(cut.size() <= kMaxValueChars);
  CHECK(cut.substr(cut.size() - 3) == "\u2026");
  CHECK(quote(big).size() <= kMaxValueChars + 2);
  // escapes and multi-byte characters are whole or absent
  const std::string newlines(200, '\n');
  const std::string escaped = printable(newlines);
  CHECK(escaped.size() <= kMaxValueChars);
  CHECK(escaped.find("\\n\u2026") != std::string::npos);
  const std::string euros = printable(std::string(100, 'a') + "\xe2\x82\xac\xe2\x82\xac", 102);
  CHECK_FALSE(invalid_utf8_at(euros));
  // applying it twice changes nothing
  for (const std::string& text : {big, newlines, "caf\xe9\n"s, std::string(79, 'y') + "\xff\xff"}) {
    CHECK(printable(printable(text)) == printable(text));
  }
  // the tail form keeps a path's end
  const std::string path = "/" + std::string(500, 'd') + "/scenario.yaml";
  const std::string tail = printable_tail(path);
  CHECK(tail.size() <= kMaxLocationChars);
  CHECK(tail.rfind("\u2026", 0) == 0);
  CHECK(tail.find("/scenario.yaml") != std::string::npos);
}

TEST_CASE("error messages are one printable line whatever they echo", "[core][text]") {
  const std::string value = "line1\nline2\r\0\x1b[31m"s + std::string(5'000'000, 'v');
  const InputError e(SourceLocation{"bad\nname.yaml", 3, "sites[0].na\nme"}, "unknown value " + value);
  const std::string what = e.what();
  CHECK(what.find('\n') == std::string::npos);
  CHECK(what.find('\r') == std::string::npos);
  CHECK(what.find('\0') == std::string::npos);
  CHECK(what.find('\x1b') == std::string::npos);
  CHECK(what.size() < 1000);
  CHECK_THAT(what,
             Catch::StartsWith("bad\\nname.yaml:3: sites[0].na\\nme: unknown value line1\\nline2\\r\\0\\x1b[31m"));
  CHECK(e.detail().size() <= kMaxDetailChars);
  const SimulationError s("two\nlines");
  CHECK(std::string(s.what()) == "two\\nlines");
  CHECK(one_line("a\nb") == "a\\nb");
}

TEST_CASE("a CSV header that is not UTF-8 is refused, naming the column", "[core][text]") {
  const auto dir = std::filesystem::temp_directory_path() / "fleetsim_test_text";
  std::filesystem::create_directories(dir);
  const std::string good = (dir / "good.csv").string();
  const std::string bad = (dir / "bad.csv").string();
  std::ofstream(good) << "datetime_utc,caf\xc3\xa9\n2022-01-01T00:00:00Z,1\n";
  std::ofstream(bad) << "datetime_utc,ci,caf\xe9,x\n2022-01-01T00:00:00Z,1,2,3\n";
  CHECK_NOTHROW(check_csv_header_utf8(good));
  CHECK_NOTHROW(check_csv_header_utf8((dir / "missing.csv").string()));
  try {
    check_csv_header_utf8(bad);
    FAIL("expected an InputError");
  } catch (const InputError& e) {
    CHECK(e.where().line == 1);
    CHECK(e.where().key == "column 3");
    CHECK_THAT(e.what(), Catch::Contains("'caf\\xe9' is not valid UTF-8"));
  }
  std::filesystem::remove_all(dir);
}
