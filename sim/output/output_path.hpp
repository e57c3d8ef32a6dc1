#pragma once
// Output paths checked before any work is done, so that a run that cannot write its result
// fails at once (bad input, exit 2) and not after the whole simulation. Each check throws
// core::InputError naming the path.

#include <string>
#include <vector>

namespace fleetsim::output {

// A file that a command reads: its path and what names it ("the scenario file", "scenario key
// regions.0.grid.file", "--load-csv").
struct InputFile {
  std::string path;
  std::string named_by;
};

// `path` can be written as an output file: it does not name a folder or a special file, and
// its folder exists and takes a new file (a probe file is created and removed).
void check_output_file(const std::string& path);

// Creates `dir` (and its parents) if needed; it must be a folder that takes new files.
void prepare_output_folder(const std::string& dir);

// Throws if `output` is one of `inputs` (the same file, by device and inode: also through a
// link or another spelling of the path), which writing it would destroy.
void check_not_an_input(const std::string& output, const std::vector<InputFile>& inputs);

}  // namespace fleetsim::output
