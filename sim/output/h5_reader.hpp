#pragma once
// RunFileReader: read-only access to an HDF5 file (a fleetsim run file or any other), for
// `fleetsim inspect` and tests. Paths are absolute HDF5 paths ("/site/it_energy_mwh");
// a missing leading '/' is tolerated. Reads are bounded by what the file can hold: a dataset
// or string that would take more than 1,100 x the file's size (deflate expands at most
// 1032:1) plus 16 MiB, or more than the machine's memory, is an H5Error, never an allocation.
// Every error is an H5Error with a one-line what().

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "output/h5_error.hpp"

namespace fleetsim::output {

class RunFileReader {
 public:
  // Throws H5Error if the file does not exist, is not an HDF5 file or cannot be opened.
  explicit RunFileReader(const std::string& path);
  ~RunFileReader();
  RunFileReader(const RunFileReader&) = delete;
  RunFileReader& operator=(const RunFileReader&) = delete;
  RunFileReader(RunFileReader&&) noexcept;
  RunFileReader& operator=(RunFileReader&&) noexcept;

  const std::string& path() const;

  // Whether a group or dataset exists at object_path ("/" always does).
  bool exists(const std::string& object_path) const;

  // A scalar (or single-element) attribute: any integer type as int64_t, any float type as
  // double, a fixed or variable-length string as std::string. nullopt if the object or the
  // attribute does not exist or has another type or shape (e.g. HDF5's REFERENCE_LIST).
  std::optional<Attribute> attribute(const std::string& object_path, const std::string& name) const;

  // Attribute names in creation order when the object tracks it, else in name order.
  std::vector<std::string> attribute_names(const std::string& object_path) const;

  // Link names in a group, in creation order when the group tracks it, else in name order.
  std::vector<std::string> member_names(const std::string& group_path) const;

  // Whether object_path is a group (false for a dataset; throws if it does not exist).
  bool is_group(const std::string& object_path) const;

  // Extent of a dataset ({} for a scalar dataset).
  std::vector<size_t> shape(const std::string& dataset_path) const;

  // Chunk extent of a dataset, {} if it is not chunked.
  std::vector<size_t> chunk_shape(const std::string& dataset_path) const;

  // All values, row-major. read_doubles converts integer datasets too; read_int64 accepts
  // only integer datasets; read_strings accepts fixed and variable-length strings.
  std::vector<double> read_doubles(const std::string& dataset_path) const;
  std::vector<int64_t> read_int64(const std::string& dataset_path) const;
  std::vector<std::string> read_strings(const std::string& dataset_path) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace fleetsim::output
