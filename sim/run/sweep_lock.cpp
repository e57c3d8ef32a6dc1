#include "run/sweep_lock.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <thread>
#include <utility>

#include "core/error.hpp"
#include "core/time.hpp"
#include "run/sweep.hpp"

namespace fleetsim::run {

namespace {

constexpr const char* kFolderLock = ".fleetsim-sweep.lock";
// Shards take the folder lock exclusively for a moment (to write their shard count) before
// holding it shared: a shard that meets another in that moment tries again for this long.
constexpr auto kShardPatience = std::chrono::seconds(2);
constexpr auto kRetryPause = std::chrono::milliseconds(20);
constexpr size_t kMaxLockText = 4096;

bool unsupported(int error) {
  return error == ENOSYS || error == EOPNOTSUPP || error == ENOLCK;
}

// The lock file's text: "<role>\n<holder>\n", the role "whole sweep", "merge" or "shards of N".
std::string lock_text(const std::string& role) {
  char host[256] = "?";
  if (::gethostname(host, sizeof host - 1) != 0) std::strcpy(host, "?");
  host[sizeof host - 1] = '\0';
  return role + "\npid " + std::to_string(::getpid()) + " on host " + host + ", since " +
         core::format_utc(static_cast<core::Seconds>(std::time(nullptr))) + "\n";
}

void write_text(int fd, const std::string& text) {
  // best effort: the text only informs a refused sweep's message
  if (::ftruncate(fd, 0) != 0) return;
  [[maybe_unused]] const ssize_t written = ::pwrite(fd, text.data(), text.size(), 0);
}

// The role and the holder written in a lock file ("", "" if unreadable).
std::pair<std::string, std::string> read_text(int fd) {
  std::string text(kMaxLockText, '\0');
  const ssize_t n = ::pread(fd, text.data(), text.size(), 0);
  text.resize(n > 0 ? static_cast<size_t>(n) : 0);
  const size_t first = text.find('\n');
  if (first == std::string::npos) return {text, ""};
  std::string holder = text.substr(first + 1);
  while (!holder.empty() && (holder.back() == '\n' || holder.back() == '\0')) holder.pop_back();
  return {text.substr(0, first), holder};
}

int open_lock_file(const std::filesystem::path& path, const std::string& dir) {
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) {
    throw core::InputError(
        core::SourceLocation{dir, 0, ""},
        "cannot open the sweep folder's lock file '" + path.filename().string() + "': " + std::strerror(errno));
  }
  return fd;
}

[[noreturn]] void busy(const std::string& dir, const std::string& what, const std::string& holder) {
  throw core::InputError(core::SourceLocation{dir, 0, ""},
                         "is in use by " + what + (holder.empty() ? "" : " (" + holder + ")") +
                             ": two sweeps in one folder would delete each other's temporary files; wait for it "
                             "to end, or use another folder");
}

std::string describe_role(const std::string& role) {
  if (role == "whole sweep") return "another fleetsim sweep";
  if (role == "merge") return "a fleetsim sweep --merge";
  if (role.rfind("shards of ", 0) == 0) return "the " + role + " of a fleetsim sweep";
  return "another fleetsim sweep";
}

}  // namespace

SweepLock SweepLock::acquire(const SweepOptions& options) {
  const std::string& dir = options.output_dir;
  const std::filesystem::path folder(dir);
  SweepLock lock;
  lock.folder_fd_ = open_lock_file(folder / kFolderLock, dir);
  const bool shard = options.shards > 1 && !options.merge_only;
  if (!shard) {
    if (::flock(lock.folder_fd_, LOCK_EX | LOCK_NB) != 0) {
      if (unsupported(errno)) {
        lock.warning_ = "file locking is not supported in " + dir + ": a second sweep into it is not detected";
        return lock;
      }
      const auto [role, holder] = read_text(lock.folder_fd_);
      busy(dir, describe_role(role), holder);
    }
    write_text(lock.folder_fd_, lock_text(options.merge_only ? "merge" : "whole sweep"));
    return lock;
  }
  // a shard: the folder shared with the shards of the same N, then this shard alone
  const std::string role = "shards of " + std::to_string(options.shards);
  const auto deadline = std::chrono::steady_clock::now() + kShardPatience;
  const auto refuse = [&] {
    const auto [held_role, holder] = read_text(lock.folder_fd_);
    busy(dir, describe_role(held_role), holder);
  };
  // Another shard holds the folder exclusively for a moment: wait for it, a little.
  const auto wait = [&] {
    if (std::chrono::steady_clock::now() >= deadline) refuse();
    std::this_thread::sleep_for(kRetryPause);
  };
  for (;;) {
    if (::flock(lock.folder_fd_, LOCK_EX | LOCK_NB) == 0) {
      write_text(lock.folder_fd_, lock_text(role));  // the first shard in: the folder is for shards of N
      // to shared: not atomic, another may lock in between (then wait, or check its text below)
      if (::flock(lock.folder_fd_, LOCK_SH | LOCK_NB) != 0) {
        wait();
        continue;
      }
    } else if (unsupported(errno)) {
      lock.warning_ = "file locking is not supported in " + dir + ": a second sweep into it is not detected";
      return lock;
    } else if (::flock(lock.folder_fd_, LOCK_SH | LOCK_NB) != 0) {
      // held exclusively: by a whole sweep or a merge for their lives, by a shard for a moment
      const std::string held_role = read_text(lock.folder_fd_).first;
      if (held_role == "whole sweep" || held_role == "merge") refuse();
      wait();
      continue;
    }
    // held shared: every holder wrote or checked the text, so it names their shard count
    if (read_text(lock.folder_fd_).first == role) break;
    // another count, or a stale text (its shards have ended: then the folder is free)
    ::flock(lock.folder_fd_, LOCK_UN);
    if (::flock(lock.folder_fd_, LOCK_EX | LOCK_NB) != 0) refuse();
    ::flock(lock.folder_fd_, LOCK_UN);
  }
  const std::string shard_file =
      ".fleetsim-sweep.shard-" + std::to_string(options.shard) + "-of-" + std::to_string(options.shards) + ".lock";
  lock.shard_fd_ = open_lock_file(folder / shard_file, dir);
  if (::flock(lock.shard_fd_, LOCK_EX | LOCK_NB) != 0) {
    const auto [held_role, holder] = read_text(lock.shard_fd_);
    busy(dir, "another copy of shard " + std::to_string(options.shard) + "/" + std::to_string(options.shards), holder);
  }
  write_text(lock.shard_fd_,
             lock_text("shard " + std::to_string(options.shard) + " of " + std::to_string(options.shards)));
  return lock;
}

SweepLock::SweepLock(SweepLock&& other) noexcept
    : folder_fd_(std::exchange(other.folder_fd_, -1)),
      shard_fd_(std::exchange(other.shard_fd_, -1)),
      warning_(std::move(other.warning_)) {}

SweepLock& SweepLock::operator=(SweepLock&& other) noexcept {
  if (this != &other) {
    release();
    folder_fd_ = std::exchange(other.folder_fd_, -1);
    shard_fd_ = std::exchange(other.shard_fd_, -1);
    warning_ = std::move(other.warning_);
  }
  return *this;
}

SweepLock::~SweepLock() {
  release();
}

void SweepLock::release() noexcept {
  // closing the descriptors releases the locks
  if (shard_fd_ >= 0) ::close(shard_fd_);
  if (folder_fd_ >= 0) ::close(folder_fd_);
  shard_fd_ = folder_fd_ = -1;
}

}  // namespace fleetsim::run
