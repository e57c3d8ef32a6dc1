#pragma once
// A one-line progress display on stderr for `run`, `sweep` and `plan`: "what k / N, percent,
// elapsed, remaining", redrawn in place (carriage return) four times a second by its own
// thread. Shown only when stderr is a terminal and not with --quiet, and only once the
// command has taken a second. Thread-safe: sweep workers and the simulation call update().

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>

namespace fleetsim::cli {

class ProgressLine {
 public:
  // `enabled` false (--quiet), or stderr not a terminal: every call does nothing.
  explicit ProgressLine(bool enabled);
  ~ProgressLine();
  ProgressLine(const ProgressLine&) = delete;
  ProgressLine& operator=(const ProgressLine&) = delete;

  bool enabled() const { return enabled_; }
  // The current step: `label` and `done` of `total` (total 0: no count, only the elapsed
  // time). The remaining time is estimated from the rate of this step (it restarts when the
  // label changes).
  void update(const std::string& label, int64_t done, int64_t total);
  // A line that stays (a finished sweep run): printed above the progress line.
  void print_line(const std::string& line);
  // Erases the progress line and stops drawing it (before the results are printed).
  void finish();

 private:
  using Clock = std::chrono::steady_clock;
  void draw();  // with mutex_ held
  void erase();

  bool enabled_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stop_ = false;
  std::thread ticker_;
  Clock::time_point start_ = Clock::now();
  Clock::time_point step_start_ = start_;
  std::string label_;
  int64_t done_ = 0;
  int64_t total_ = 0;
  int64_t step_first_done_ = 0;  // `done` when the step started
  size_t drawn_chars_ = 0;       // of the line on the terminal now
};

// "12.3 s", "4 min 05 s", "2 h 03 min"
std::string format_duration(double seconds);

}  // namespace fleetsim::cli
