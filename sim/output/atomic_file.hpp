#pragma once
// Files that are either complete or absent at their final path: written under a temporary
// name in the same folder, every write and the close checked, then renamed over the final
// path (rename is atomic within a file system). A process killed at any moment, a full disk
// or a failed write leaves the previous file (if any) and at most a temporary file, which the
// next writer of the same path in this process removes on failure, and which a sweep's
// resume removes (docs/reliability.md).

#include <string>
#include <string_view>

namespace fleetsim::output {

// "<final_path>.tmp-<pid>": the temporary name of every file fleetsim writes.
std::string temporary_path(const std::string& final_path);

// Whether `name` (a file name, no folder) is a temporary of `final_name`: "<final_name>.tmp-"
// followed by digits only.
bool is_temporary_of(std::string_view name, std::string_view final_name);

// A text file (the sweep summary CSV) written whole or not at all. Throws
// core::SimulationError "cannot write '<final_path>': <system message>" on any failure.
class AtomicTextFile {
 public:
  explicit AtomicTextFile(std::string final_path);
  ~AtomicTextFile();  // without commit(): closes and removes the temporary file
  AtomicTextFile(const AtomicTextFile&) = delete;
  AtomicTextFile& operator=(const AtomicTextFile&) = delete;

  void write(std::string_view text);
  // Writes what is buffered, closes, and renames the file to its final path.
  void commit();

  const std::string& final_path() const { return final_path_; }

 private:
  void flush();
  [[noreturn]] void fail(int error);

  std::string final_path_;
  std::string temp_path_;
  std::string buffer_;
  int fd_ = -1;
  bool committed_ = false;
};

}  // namespace fleetsim::output
