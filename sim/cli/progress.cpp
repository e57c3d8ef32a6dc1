#include "cli/progress.hpp"

#include <unistd.h>

#include <cmath>
#include <cstdio>

namespace fleetsim::cli {

namespace {

// The line waits this long before it first shows (short commands print nothing), and is
// redrawn this often.
constexpr std::chrono::milliseconds kFirstShown{1000};
constexpr std::chrono::milliseconds kRedraw{250};
// The remaining time is shown once a step is this far along (earlier estimates jump about).
constexpr double kEstimateFrom = 0.02;

double seconds_between(std::chrono::steady_clock::time_point a, std::chrono::steady_clock::time_point b) {
  return std::chrono::duration<double>(b - a).count();
}

}  // namespace

std::string format_duration(double seconds) {
  char buffer[48];
  if (!std::isfinite(seconds) || seconds < 0) return "?";
  if (seconds < 60) {
    std::snprintf(buffer, sizeof buffer, "%.1f s", seconds);
  } else if (seconds < 3600) {
    const auto s = static_cast<int64_t>(std::lround(seconds));
    std::snprintf(buffer, sizeof buffer, "%lld min %02lld s", static_cast<long long>(s / 60),
                  static_cast<long long>(s % 60));
  } else {
    const auto m = static_cast<int64_t>(std::lround(seconds / 60));
    std::snprintf(buffer, sizeof buffer, "%lld h %02lld min", static_cast<long long>(m / 60),
                  static_cast<long long>(m % 60));
  }
  return buffer;
}

ProgressLine::ProgressLine(bool enabled) : enabled_(enabled && isatty(STDERR_FILENO) == 1) {
  if (!enabled_) return;
  ticker_ = std::thread([this] {
    std::unique_lock<std::mutex> lock(mutex_);
    wake_.wait_for(lock, kFirstShown, [this] { return stop_; });
    while (!stop_) {
      draw();
      wake_.wait_for(lock, kRedraw, [this] { return stop_; });
    }
  });
}

ProgressLine::~ProgressLine() {
  finish();
}

void ProgressLine::update(const std::string& label, int64_t done, int64_t total) {
  if (!enabled_) return;
  const std::lock_guard<std::mutex> lock(mutex_);
  if (label != label_ || done < done_) {
    label_ = label;
    step_start_ = Clock::now();
    step_first_done_ = done;
  }
  done_ = done;
  total_ = total;
}

void ProgressLine::print_line(const std::string& line) {
  if (!enabled_) {
    std::fprintf(stderr, "%s\n", line.c_str());
    return;
  }
  const std::lock_guard<std::mutex> lock(mutex_);
  erase();
  std::fprintf(stderr, "%s\n", line.c_str());
  if (!stop_ && Clock::now() - start_ >= kFirstShown) draw();
  std::fflush(stderr);
}

void ProgressLine::finish() {
  if (!enabled_) return;
  {
    const std::lock_guard<std::mutex> lock(mutex_);
    if (stop_) return;
    stop_ = true;
    erase();
    std::fflush(stderr);
  }
  wake_.notify_all();
  if (ticker_.joinable()) ticker_.join();
}

void ProgressLine::erase() {
  if (drawn_chars_ == 0) return;
  std::fprintf(stderr, "\r%*s\r", static_cast<int>(drawn_chars_), "");
  drawn_chars_ = 0;
}

void ProgressLine::draw() {
  if (label_.empty()) return;
  const Clock::time_point now = Clock::now();
  std::string text = "  " + label_;
  char buffer[96];
  if (total_ > 0) {
    const double fraction = static_cast<double>(done_) / static_cast<double>(total_);
    std::snprintf(buffer, sizeof buffer, " %lld/%lld  %3.0f%%", static_cast<long long>(done_),
                  static_cast<long long>(total_), 100.0 * fraction);
    text += buffer;
  }
  text += "  elapsed " + format_duration(seconds_between(start_, now));
  const int64_t step_done = done_ - step_first_done_;
  const int64_t step_total = total_ - step_first_done_;
  if (total_ > 0 && step_done > 0 &&
      static_cast<double>(step_done) >= kEstimateFrom * static_cast<double>(step_total)) {
    const double rate = static_cast<double>(step_done) / std::max(1e-9, seconds_between(step_start_, now));
    text += "  remaining ~" + format_duration(static_cast<double>(total_ - done_) / rate);
  }
  const size_t chars = text.size();
  if (chars < drawn_chars_) text += std::string(drawn_chars_ - chars, ' ');
  std::fprintf(stderr, "\r%s", text.c_str());
  std::fflush(stderr);
  drawn_chars_ = std::max(chars, drawn_chars_);
}

}  // namespace fleetsim::cli
