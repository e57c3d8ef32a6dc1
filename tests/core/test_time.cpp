#include <catch2/catch.hpp>

#include "core/time.hpp"

using namespace fleetsim::core;

TEST_CASE("UTC timestamps parse to epoch seconds", "[core]") {
  CHECK(parse_utc("1970-01-01T00:00:00Z") == 0);
  CHECK(parse_utc("2024-01-01T00:00:00Z") == 1704067200);
  CHECK(parse_utc("2024-01-01") == 1704067200);
  CHECK(parse_utc("2024-01-01 01:30") == 1704067200 + 5400);
  CHECK(parse_utc("2024-02-29T12:00:00+00:00") == 1709208000);
}

TEST_CASE("malformed or non-UTC timestamps are refused", "[core]") {
  CHECK_FALSE(parse_utc("2023-02-29T00:00:00Z"));  // not a leap year
  CHECK_FALSE(parse_utc("2024-13-01"));
  CHECK_FALSE(parse_utc("2024-01-01T25:00:00Z"));
  CHECK_FALSE(parse_utc("2024-01-01T00:00:00+02:00"));
  CHECK_FALSE(parse_utc("yesterday"));
  CHECK_FALSE(parse_utc(""));
}

TEST_CASE("format_utc inverts parse_utc", "[core]") {
  for (const char* text : {"2024-01-01T00:00:00Z", "1999-12-31T23:59:59Z", "2030-07-15T08:05:09Z"}) {
    CHECK(format_utc(*parse_utc(text)) == text);
  }
}

TEST_CASE("hour arithmetic and leap years", "[core]") {
  CHECK(hour_of(3599) == 0);
  CHECK(hour_of(3600) == 1);
  CHECK(hour_start(24) == 86400);
  CHECK(hours_in_year(2024) == 8784);
  CHECK(hours_in_year(2023) == 8760);
  CHECK(hours_in_year(2100) == 8760);
}
