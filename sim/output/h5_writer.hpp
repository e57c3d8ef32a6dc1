#pragma once
// RunFileWriter: writes one run's HDF5 file in the layout of docs/output-format.md
// (DESIGN.md "Output"). Series groups are self-contained in the netCDF-4 way, so h5py,
// pandas and xarray (engine="h5netcdf") read them without fleetsim:
//
//   /<group>/hour            int64 [hour], epoch seconds, CF units/calendar, dimension scale
//   /<group>/<entity_dim>    vlen UTF-8 [entity], entity names, dimension scale
//   /<group>/<series>        float64 or int64 [hour x entity], both scales attached
//   /<group>/<column>        [entity], the entity scale attached (e.g. /site/site_region)
//   /<table>/<row_dim>       int64 or string [row], row keys, dimension scale
//   /<table>/<column>        [row], the row scale attached (e.g. /jobs/energy_mwh); text
//                            columns are fixed-width null-padded UTF-8 with _Encoding="utf-8"
//
// Every dataset has `units` and `description` attributes (vlen UTF-8 strings). Numeric
// series are chunked along time (~1 MiB chunks) with the built-in shuffle + deflate filters
// only; the chunks are compressed in parallel by fleetsim (chunk_deflate.hpp) and stored
// with H5Dwrite_chunk. The same calls in the same order give a bit-identical file: no
// object timestamps, and chunk bytes independent of the thread count.
//
// The file is written to "<final_path>.tmp-<pid>" and renamed to final_path by commit(),
// after the root attribute `complete` = 1 has been written last; a writer destroyed
// without commit() removes its temporary file, so nothing incomplete is left at final_path.
// Every error is an H5Error whose what() is one line naming final_path and the cause ("No
// space left on device"). After a failed HDF5 call (a full disk, a file-size limit) the
// writer refuses further calls; destroying it closes the file cleanly (its unwritten data
// are discarded, h5_file_driver.hpp) and removes the temporary file.

#include <cstdint>
#include <memory>
#include <span>
#include <string>

#include "output/h5_error.hpp"
#include "output/run_sink.hpp"

namespace fleetsim::output {

struct PrecompressedSeries;

class RunFileWriter final : public RunSink {
 public:
  // deflate_level: 0 (no compression) to 9. Throws H5Error if the temporary file cannot be
  // created (e.g. the directory does not exist).
  explicit RunFileWriter(std::string final_path, int deflate_level = 1);
  ~RunFileWriter() override;
  RunFileWriter(const RunFileWriter&) = delete;
  RunFileWriter& operator=(const RunFileWriter&) = delete;
  RunFileWriter(RunFileWriter&&) noexcept;
  RunFileWriter& operator=(RunFileWriter&&) noexcept;

  // Sets (or replaces) a scalar attribute. object_path "/" is the root; a path that does not
  // exist yet is created as a group (with its parents), e.g. "/summary".
  void set_attribute(const std::string& object_path, const std::string& name, const Attribute& value) override;

  // Creates a series group with its coordinates `hour` (the start of each hour, int64
  // seconds since the Unix epoch) and `<entity_dim>` (the entity names), both dimension
  // scales. Series and entity columns of the group must match these lengths.
  void add_series_group(const std::string& group, std::span<const int64_t> hour_epoch_s, const std::string& entity_dim,
                        std::span<const std::string> entity_names) override;

  // A [hour x entity] series, data hour-major (data[h * n_entities + e]). `precompressed`: its
  // chunks compressed during the run (precompress.hpp), used where they still match the data.
  void write_series(const std::string& group, const std::string& name, std::span<const double> data,
                    const std::string& units, const std::string& description,
                    const PrecompressedSeries* precompressed = nullptr) override;
  void write_series(const std::string& group, const std::string& name, std::span<const int64_t> data,
                    const std::string& units, const std::string& description,
                    const PrecompressedSeries* precompressed = nullptr) override;

  // A 1-D dataset along the entity dimension of a series group (e.g. /site/site_region).
  void write_entity_column(const std::string& group, const std::string& name, std::span<const std::string> values,
                           const std::string& units, const std::string& description) override;
  void write_entity_column(const std::string& group, const std::string& name, std::span<const double> values,
                           const std::string& units, const std::string& description);
  void write_entity_column(const std::string& group, const std::string& name, std::span<const int64_t> values,
                           const std::string& units, const std::string& description);

  // Creates a table group: a 1-D coordinate `<row_dim>` holding the row keys (a dimension
  // scale); columns written with write_column have one value per key.
  void add_table(const std::string& group, const std::string& row_dim, std::span<const int64_t> keys,
                 const std::string& units = "", const std::string& description = "") override;
  void add_table(const std::string& group, const std::string& row_dim, std::span<const std::string> keys,
                 const std::string& units = "", const std::string& description = "") override;

  void write_column(const std::string& group, const std::string& name, std::span<const int64_t> values,
                    const std::string& units, const std::string& description) override;
  void write_column(const std::string& group, const std::string& name, std::span<const double> values,
                    const std::string& units, const std::string& description) override;
  void write_column(const std::string& group, const std::string& name, std::span<const std::string> values,
                    const std::string& units, const std::string& description) override;

  // Threads that compress the chunks of one dataset; 0 (the default) uses one per hardware
  // thread. The file's bytes do not depend on it.
  void set_compression_threads(unsigned threads);

  // Writes the root attribute `complete` = int64 1, flushes and closes the file and renames
  // it to final_path (replacing an existing file). Any later call except destruction throws.
  void commit();

  const std::string& final_path() const;
  const std::string& temp_path() const;
  bool committed() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// HDF5 files open in this process (0 once every writer and reader is gone: a failed write
// leaves nothing open; for tests).
int64_t open_hdf5_file_count();

// Whether the HDF5 library was built thread-safe (Debian's is): if not, callers must not
// write or read files from two threads at once.
bool hdf5_is_threadsafe();

}  // namespace fleetsim::output
