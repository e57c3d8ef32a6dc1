#pragma once
// RunSink: where the contents of a run file go, call by call. RunFileWriter (h5_writer.hpp)
// writes them to HDF5; the Python module (sim/python/) keeps them in memory as numpy arrays.
// run::emit_run makes the same calls in the same order for both, so an in-memory result holds
// exactly the groups, datasets and attributes the file holds (docs/python.md).

#include <cstdint>
#include <span>
#include <string>

#include "output/h5_error.hpp"

namespace fleetsim::output {

struct PrecompressedSeries;

class RunSink {
 public:
  virtual ~RunSink() = default;

  // A scalar attribute; object_path "/" is the root; a missing group is created.
  virtual void set_attribute(const std::string& object_path, const std::string& name, const Attribute& value) = 0;
  // A series group: its hour coordinate (epoch seconds) and its entity names.
  virtual void add_series_group(const std::string& group, std::span<const int64_t> hour_epoch_s,
                                const std::string& entity_dim, std::span<const std::string> entity_names) = 0;
  // A [hour x entity] series, hour-major. `precompressed` is a hint a file writer may use.
  virtual void write_series(const std::string& group, const std::string& name, std::span<const double> data,
                            const std::string& units, const std::string& description,
                            const PrecompressedSeries* precompressed) = 0;
  virtual void write_series(const std::string& group, const std::string& name, std::span<const int64_t> data,
                            const std::string& units, const std::string& description,
                            const PrecompressedSeries* precompressed) = 0;
  // A 1-D column along a series group's entity dimension.
  virtual void write_entity_column(const std::string& group, const std::string& name,
                                   std::span<const std::string> values, const std::string& units,
                                   const std::string& description) = 0;
  // A table: its row keys, then its columns.
  virtual void add_table(const std::string& group, const std::string& row_dim, std::span<const int64_t> keys,
                         const std::string& units, const std::string& description) = 0;
  virtual void add_table(const std::string& group, const std::string& row_dim, std::span<const std::string> keys,
                         const std::string& units, const std::string& description) = 0;
  virtual void write_column(const std::string& group, const std::string& name, std::span<const int64_t> values,
                            const std::string& units, const std::string& description) = 0;
  virtual void write_column(const std::string& group, const std::string& name, std::span<const double> values,
                            const std::string& units, const std::string& description) = 0;
  virtual void write_column(const std::string& group, const std::string& name, std::span<const std::string> values,
                            const std::string& units, const std::string& description) = 0;
};

}  // namespace fleetsim::output
