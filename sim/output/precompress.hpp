#pragma once
// Compressing a run's hourly series while the run fills them (docs/performance.md, "Output"):
// a series [hour x entity] is stored in chunks of whole hours (output/h5_writer.hpp), so once
// the simulation has finished the hours of a chunk, that chunk can be compressed on a
// background thread instead of on the critical path after the run. The writer then stores the
// ready chunks as they are: the file is the same, byte for byte, as one compressed at write
// time (each chunk is compressed on its own, the same way).
//
// Each precompressed chunk keeps the XXH3 hash (libxxhash) of the raw bytes it was made from;
// the writer uses it only when the data it is given hash the same, so a series changed after
// the run can never be stored with stale chunks (it is compressed again instead).

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <vector>

namespace fleetsim::output {

// The first chunks of one [hour x entity] series, compressed as the run file's writer would.
struct PrecompressedSeries {
  size_t rows = 0;           // hours of the whole series
  size_t row_bytes = 0;      // entities x element_bytes
  size_t chunk_rows = 0;     // hours per chunk (series_chunk_rows)
  size_t element_bytes = 0;  // 8: float64 or int64
  int deflate_level = 0;
  // chunks 0, 1, ...: full chunks, and the shorter edge chunk once the series was complete
  // (padded with zeros to a full chunk before compression, as the writer does)
  std::vector<std::vector<unsigned char>> chunks;
  std::vector<uint64_t> hashes;  // XXH3-64 of each chunk's raw bytes (an edge chunk's: its rows only)
};

// Hours per chunk of a time series whose hours take row_bytes each (the writer's chunking:
// about 1 MiB chunks of whole hours).
size_t series_chunk_rows(size_t rows, size_t row_bytes);

// XXH3-64 of raw bytes (the hash PrecompressedSeries keeps).
uint64_t chunk_hash(std::span<const unsigned char> bytes);

// Compresses the full chunks of registered series on background threads (two where the machine
// has two cores or more; a chunk's bytes do not depend on which), as their hours
// complete. The series' storage must stay in place and rows before the hour passed to
// hours_done() must no longer change until finish().
class SeriesPrecompressor {
 public:
  explicit SeriesPrecompressor(int deflate_level);  // level 0: compresses nothing
  ~SeriesPrecompressor();
  SeriesPrecompressor(const SeriesPrecompressor&) = delete;
  SeriesPrecompressor& operator=(const SeriesPrecompressor&) = delete;

  // A series of `entities` columns, hour-major, under `key` (e.g. "/site/it_energy_mwh").
  void add(const std::string& key, std::span<const double> data, size_t entities);
  void add(const std::string& key, std::span<const int64_t> data, size_t entities);
  // Hours [0, hours) of every registered series are final: their full chunks are queued, and a
  // series' edge chunk once hours reaches its length.
  void hours_done(size_t hours);
  // Waits for the queued chunks and returns every series' chunks by key. Rethrows a failure of
  // the background thread.
  std::map<std::string, PrecompressedSeries> finish();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace fleetsim::output
