#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "engine/event_queue.hpp"

using fleetsim::engine::EventQueue;

TEST_CASE("events run in time order, ties in scheduling order", "[engine]") {
  EventQueue q;
  std::string order;
  q.schedule_at(20, [&] { order += "c"; });
  q.schedule_at(10, [&] { order += "a"; });
  q.schedule_at(10, [&] { order += "b"; });
  q.schedule_at(30, [&] { order += "d"; });
  q.run_until(100);
  CHECK(order == "abcd");
  CHECK(q.now() == 100);
}

TEST_CASE("run_until stops before the end time and sets now", "[engine]") {
  EventQueue q;
  std::vector<int64_t> seen;
  for (int64_t t : {5, 3600, 3599, 7200}) q.schedule_at(t, [&seen, &q] { seen.push_back(q.now()); });
  q.run_until(3600);
  CHECK(seen == std::vector<int64_t>{5, 3599});
  CHECK(q.now() == 3600);
  CHECK(q.pending() == 2);
  q.run_until(7201);
  CHECK(seen == std::vector<int64_t>{5, 3599, 3600, 7200});
}

TEST_CASE("events scheduled by events run in the same window", "[engine]") {
  EventQueue q;
  std::vector<int64_t> seen;
  q.schedule_at(10, [&] {
    seen.push_back(q.now());
    q.schedule(5, [&] { seen.push_back(q.now()); });
    q.schedule(0, [&] { seen.push_back(-q.now()); });
  });
  q.run_until(100);
  CHECK(seen == std::vector<int64_t>{10, -10, 15});
}

TEST_CASE("cancelled events never run; cancel is idempotent", "[engine]") {
  EventQueue q;
  int ran = 0;
  auto a = q.schedule_at(10, [&] { ran += 1; });
  auto b = q.schedule_at(20, [&] { ran += 10; });
  q.schedule_at(30, [&] { ran += 100; });
  CHECK(q.cancel(b));
  CHECK_FALSE(q.cancel(b));
  CHECK(q.pending() == 2);
  q.run_until(100);
  CHECK(ran == 101);
  CHECK_FALSE(q.cancel(a));  // already ran
  // A reused slot does not make an old id valid again.
  auto c = q.schedule_at(200, [&] { ran += 1000; });
  CHECK_FALSE(q.cancel(b));
  CHECK(q.next_time() == 200);
  CHECK(q.cancel(c));
  CHECK(q.next_time() == INT64_MAX);
}

TEST_CASE("scheduling in the past is a programming error", "[engine]") {
  EventQueue q;
  q.run_until(50);
  CHECK_THROWS_AS(q.schedule_at(49, [] {}), std::logic_error);
}
