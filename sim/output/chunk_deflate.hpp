#pragma once
// Internal to sim/output: compresses dataset chunks in the format of HDF5's built-in
// shuffle + deflate filter pipeline, so that they can be written with H5Dwrite_chunk and read
// back by any HDF5 reader (no plugin), but faster than the library's own pipeline:
//
// - chunks are compressed in parallel (each chunk independently, so the bytes do not depend
//   on the number of threads);
// - the deflate is libdeflate's (docs/dependencies.md): 1.7x zlib's speed at level 1 on
//   fleetsim's series, and a little smaller; it picks each block's kind by size, so the low
//   mantissa bytes of measured float64 values (noise that deflate cannot shrink) come out as
//   stored blocks cheaply. The result is one valid zlib stream, as HDF5's deflate filter
//   expects; any HDF5 reader decodes it.

#include <cstddef>
#include <span>
#include <vector>

namespace fleetsim::output::detail {

// Layout of the row-major data to split into chunks along the first dimension.
struct RowChunking {
  size_t row_bytes = 0;      // bytes of one row (the product of the other dimensions x element)
  size_t rows = 0;           // rows in the data
  size_t chunk_rows = 0;     // rows per chunk; the last chunk is zero-padded to full size
  size_t element_bytes = 0;  // element size, the shuffle filter's parameter
};

// HDF5's shuffle filter into out (resized to raw's size): byte j of element i goes to position
// j * n + i (n: whole elements), trailing bytes of an incomplete element stay at the end. Like
// the filter, leaves data of 1-byte elements or of fewer than 2 elements as it is.
void shuffle(std::span<const unsigned char> raw, size_t element_bytes, std::vector<unsigned char>& out);

// One compressed chunk per chunk_rows rows of data, in order. data holds rows x row_bytes
// bytes in the file's byte order. deflate_level is 1..9; threads 0 means one per hardware
// thread. Chunk k with skip[k] != 0 is left empty (the caller has it already). A full chunk
// whose bytes are those of the chunk before it (a series constant over time) is not compressed
// again but copied: the compressed bytes depend on the data and the level only. Throws
// H5Error if libdeflate fails.
std::vector<std::vector<unsigned char>> shuffle_deflate_chunks(std::span<const unsigned char> data,
                                                               const RowChunking& layout, int deflate_level,
                                                               unsigned threads, std::span<const char> skip = {});

}  // namespace fleetsim::output::detail
