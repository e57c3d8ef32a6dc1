#include "output/output_path.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <system_error>

#include "core/error.hpp"
#include "output/atomic_file.hpp"

namespace fleetsim::output {

namespace {

namespace fs = std::filesystem;

[[noreturn]] void refuse(const std::string& path, const std::string& what) {
  throw core::InputError(core::SourceLocation{path, 0, ""}, what);
}

// Creates and removes `probe` in `folder`; throws (about `path`) if the folder takes no new file.
void probe_folder(const std::string& path, const std::string& folder, const std::string& probe) {
  const int fd = ::open(probe.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
  if (fd >= 0) {
    ::close(fd);
    ::unlink(probe.c_str());
    return;
  }
  const int error = errno;
  if (error == EEXIST) return;  // a temporary of this process id: the folder takes files
  std::error_code ignored;
  if (error == ENOENT && !fs::is_directory(folder, ignored)) {
    refuse(path, "the output folder '" + folder + "' does not exist");
  }
  if (error == ENOTDIR) refuse(path, "'" + folder + "' is not a folder");
  refuse(path, "cannot write in the output folder '" + folder + "': " + std::strerror(error));
}

}  // namespace

void check_output_file(const std::string& path) {
  if (path.empty()) refuse("fleetsim", "the output path is empty");
  const fs::path p(path);
  const std::string name = p.filename().string();
  std::error_code error;
  const fs::file_status status = fs::status(p, error);
  if (fs::is_directory(status) || name.empty() || name == "." || name == "..") {
    refuse(path, "the output path is a folder; give a file name");
  }
  if (fs::exists(status) && !fs::is_regular_file(status)) refuse(path, "the output path is not a regular file");
  const std::string folder = p.has_parent_path() ? p.parent_path().string() : ".";
  probe_folder(path, folder, temporary_path(path));
}

void prepare_output_folder(const std::string& dir) {
  if (dir.empty()) refuse("fleetsim", "the output folder is empty");
  std::error_code error;
  const fs::file_status status = fs::status(dir, error);
  if (fs::exists(status) && !fs::is_directory(status)) refuse(dir, "is a file, not a folder; give a folder");
  if (!fs::exists(status)) {
    fs::create_directories(dir, error);
    if (error) refuse(dir, "cannot create the output folder: " + error.message());
  }
  probe_folder(dir, dir, (fs::path(dir) / (".fleetsim-probe-" + std::to_string(::getpid()))).string());
}

void check_not_an_input(const std::string& output, const std::vector<InputFile>& inputs) {
  std::error_code error;
  if (!fs::exists(output, error)) return;  // an input exists: a file that does not is none
  for (const InputFile& input : inputs) {
    if (fs::equivalent(output, input.path, error)) {
      refuse(output, "the output would overwrite an input: " + input.named_by + " ('" + input.path + "')");
    }
  }
}

}  // namespace fleetsim::output
