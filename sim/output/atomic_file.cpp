#include "output/atomic_file.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <system_error>

#include "core/error.hpp"

namespace fleetsim::output {

namespace {
constexpr size_t kBufferBytes = size_t{1} << 16;
constexpr std::string_view kTemporaryTag = ".tmp-";
}  // namespace

std::string temporary_path(const std::string& final_path) {
  return final_path + std::string(kTemporaryTag) + std::to_string(::getpid());
}

bool is_temporary_of(std::string_view name, std::string_view final_name) {
  if (name.size() <= final_name.size() + kTemporaryTag.size()) return false;
  if (name.substr(0, final_name.size()) != final_name) return false;
  if (name.substr(final_name.size(), kTemporaryTag.size()) != kTemporaryTag) return false;
  for (const char c : name.substr(final_name.size() + kTemporaryTag.size())) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

AtomicTextFile::AtomicTextFile(std::string final_path)
    : final_path_(std::move(final_path)), temp_path_(temporary_path(final_path_)) {
  fd_ = ::open(temp_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
  if (fd_ < 0) fail(errno);
  buffer_.reserve(kBufferBytes);
}

AtomicTextFile::~AtomicTextFile() {
  if (committed_) return;
  if (fd_ >= 0) ::close(fd_);
  std::error_code ignored;
  std::filesystem::remove(temp_path_, ignored);
}

void AtomicTextFile::write(std::string_view text) {
  if (fd_ < 0) fail(EBADF);
  buffer_.append(text);
  if (buffer_.size() >= kBufferBytes) flush();
}

void AtomicTextFile::flush() {
  size_t done = 0;
  while (done < buffer_.size()) {
    const ssize_t n = ::write(fd_, buffer_.data() + done, buffer_.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) fail(n < 0 ? errno : EIO);
    done += static_cast<size_t>(n);
  }
  buffer_.clear();
}

void AtomicTextFile::commit() {
  if (fd_ < 0) fail(EBADF);
  flush();
  const int fd = fd_;
  fd_ = -1;
  if (::close(fd) != 0) fail(errno);  // a network file system reports deferred write errors here
  if (std::rename(temp_path_.c_str(), final_path_.c_str()) != 0) fail(errno);
  committed_ = true;
}

void AtomicTextFile::fail(int error) {
  throw core::SimulationError("cannot write '" + final_path_ + "': " + std::strerror(error));
}

}  // namespace fleetsim::output
