#include "output/chunk_deflate.hpp"

#include <libdeflate.h>

#include <algorithm>
#include <atomic>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <exception>
#include <limits>
#include <memory>
#include <mutex>
#include <string>
#include <system_error>
#include <thread>

#include "output/h5_error.hpp"

namespace fleetsim::output::detail {

namespace {

// Cap on compression threads: beyond this the file write dominates.
constexpr unsigned kMaxThreads = 16;

struct CompressorDeleter {
  void operator()(libdeflate_compressor* c) const { libdeflate_free_compressor(c); }
};

// Buffers one compressing thread reuses from chunk to chunk, so that large allocations (and
// the page faults of touching them) happen once per thread rather than once per chunk; and the
// thread's libdeflate compressor (its hash tables; it keeps no state from one chunk to the
// next, so a chunk's bytes depend on its data and the level only).
struct Scratch {
  std::vector<unsigned char> padded;    // an edge chunk extended to full size
  std::vector<unsigned char> shuffled;  // the chunk after the shuffle filter
  std::vector<unsigned char> out;       // the zlib stream being written
  std::unique_ptr<libdeflate_compressor, CompressorDeleter> compressor;
  int level = -1;

  libdeflate_compressor* compressor_at(int wanted) {
    if (!compressor || level != wanted) {
      compressor.reset(libdeflate_alloc_compressor(wanted));
      if (!compressor) throw H5Error("libdeflate: no compressor for level " + std::to_string(wanted));
      level = wanted;
    }
    return compressor.get();
  }
};

// The 8 x 8 bytes of x[0..8) transposed in place: byte k of x[j] becomes byte j of x[k] (bytes
// numbered from the least significant), in three rounds of block swaps (4, 2, 1 bytes).
inline void transpose_8x8_bytes(std::uint64_t (&x)[8]) {
  for (int k = 0; k < 4; ++k) {
    const std::uint64_t a = x[k];
    const std::uint64_t b = x[k + 4];
    x[k] = (a & 0x00000000FFFFFFFFULL) | (b << 32);
    x[k + 4] = (a >> 32) | (b & 0xFFFFFFFF00000000ULL);
  }
  for (const int k : {0, 1, 4, 5}) {
    constexpr std::uint64_t m = 0x0000FFFF0000FFFFULL;
    const std::uint64_t a = x[k];
    const std::uint64_t b = x[k + 2];
    x[k] = (a & m) | ((b & m) << 16);
    x[k + 2] = ((a >> 16) & m) | (b & ~m);
  }
  for (int k = 0; k < 8; k += 2) {
    constexpr std::uint64_t m = 0x00FF00FF00FF00FFULL;
    const std::uint64_t a = x[k];
    const std::uint64_t b = x[k + 1];
    x[k] = (a & m) | ((b & m) << 8);
    x[k + 1] = ((a >> 8) & m) | (b & ~m);
  }
}

}  // namespace

void shuffle(std::span<const unsigned char> raw, size_t element_bytes, std::vector<unsigned char>& out) {
  out.resize(raw.size());
  const size_t n = raw.size() / element_bytes;
  if (element_bytes <= 1 || n <= 1) {
    std::copy(raw.begin(), raw.end(), out.begin());
    return;
  }
  size_t i = 0;
  if (element_bytes == 8 && std::endian::native == std::endian::little) {
    // float64 and int64: eight elements at a time, a transpose of their 8 x 8 bytes (a strided
    // byte loop per plane costs ~5x as much)
    for (; i + 8 <= n; i += 8) {
      std::uint64_t x[8];
      std::memcpy(x, raw.data() + i * 8, sizeof x);
      transpose_8x8_bytes(x);
      for (size_t j = 0; j < 8; ++j) std::memcpy(out.data() + j * n + i, &x[j], 8);
    }
  }
  for (size_t j = 0; j < element_bytes; ++j) {
    unsigned char* plane = out.data() + j * n;
    const unsigned char* source = raw.data() + j;
    for (size_t k = i; k < n; ++k) plane[k] = source[k * element_bytes];
  }
  std::copy(raw.begin() + static_cast<std::ptrdiff_t>(n * element_bytes), raw.end(),
            out.begin() + static_cast<std::ptrdiff_t>(n * element_bytes));
}

namespace {

// Shuffles and deflates one full chunk into one zlib stream (header, deflate blocks, Adler-32),
// as HDF5's deflate filter reads it. libdeflate chooses each block's kind (stored, fixed or
// dynamic Huffman) by its size, so planes of noise cost little and come out stored.
std::vector<unsigned char> compress_chunk(std::span<const unsigned char> raw, size_t element_bytes, int level,
                                          Scratch& scratch) {
  shuffle(raw, element_bytes, scratch.shuffled);
  libdeflate_compressor* compressor = scratch.compressor_at(level);
  scratch.out.resize(libdeflate_zlib_compress_bound(compressor, raw.size()));
  const size_t bytes =
      libdeflate_zlib_compress(compressor, scratch.shuffled.data(), raw.size(), scratch.out.data(), scratch.out.size());
  if (bytes == 0)
    throw H5Error("libdeflate: a chunk of " + std::to_string(raw.size()) + " bytes did not fit its bound");
  return {scratch.out.begin(), scratch.out.begin() + static_cast<std::ptrdiff_t>(bytes)};
}

}  // namespace

std::vector<std::vector<unsigned char>> shuffle_deflate_chunks(std::span<const unsigned char> data,
                                                               const RowChunking& layout, int deflate_level,
                                                               unsigned threads, std::span<const char> skip) {
  if (layout.chunk_rows == 0 || layout.row_bytes == 0 || layout.element_bytes == 0 ||
      data.size() != layout.rows * layout.row_bytes) {
    throw H5Error("HDF5: inconsistent chunk layout (" + std::to_string(data.size()) + " bytes for " +
                  std::to_string(layout.rows) + " rows of " + std::to_string(layout.row_bytes) + " bytes)");
  }
  const size_t chunk_bytes = layout.chunk_rows * layout.row_bytes;
  // HDF5 chunks are limited to 4 GiB.
  if (chunk_bytes > std::numeric_limits<std::uint32_t>::max() / 2) {
    throw H5Error("HDF5: chunk of " + std::to_string(chunk_bytes) + " bytes is too large to compress");
  }
  const size_t n_chunks = (layout.rows + layout.chunk_rows - 1) / layout.chunk_rows;
  std::vector<std::vector<unsigned char>> compressed(n_chunks);

  // What is not compressed: the caller's chunks, and full chunks that repeat the chunk before
  // (itself compressed or repeated here, not the caller's), which take its bytes at the end.
  const auto callers = [&](size_t k) { return k < skip.size() && skip[k] != 0; };
  std::vector<char> skipped(n_chunks, 0);
  std::vector<char> repeats(n_chunks, 0);
  for (size_t k = 0; k < n_chunks; ++k) skipped[k] = callers(k) ? 1 : 0;
  const size_t full_chunks = layout.rows / layout.chunk_rows;
  for (size_t k = 1; k < full_chunks; ++k) {
    if (!callers(k) && !callers(k - 1) &&
        std::memcmp(data.data() + k * chunk_bytes, data.data() + (k - 1) * chunk_bytes, chunk_bytes) == 0) {
      repeats[k] = 1;
      skipped[k] = 1;
    }
  }
  const auto fill_repeats = [&] {
    for (size_t k = 1; k < n_chunks; ++k) {
      if (repeats[k] != 0) compressed[k] = compressed[k - 1];
    }
  };
  const auto compress_one = [&](size_t k, Scratch& scratch) {
    if (skipped[k] != 0) return;
    const size_t first_row = k * layout.chunk_rows;
    const size_t n_rows = std::min(layout.chunk_rows, layout.rows - first_row);
    std::span<const unsigned char> raw = data.subspan(first_row * layout.row_bytes, n_rows * layout.row_bytes);
    if (n_rows < layout.chunk_rows) {
      // HDF5 stores edge chunks at full size; the part beyond the extent is never read.
      scratch.padded.assign(chunk_bytes, 0);
      std::copy(raw.begin(), raw.end(), scratch.padded.begin());
      raw = scratch.padded;
    }
    compressed[k] = compress_chunk(raw, layout.element_bytes, deflate_level, scratch);
  };

  const auto to_compress = static_cast<size_t>(std::count(skipped.begin(), skipped.end(), 0));
  unsigned workers = threads != 0 ? threads : std::max(1U, std::thread::hardware_concurrency());
  workers = static_cast<unsigned>(std::min<size_t>({workers, kMaxThreads, to_compress}));
  if (workers <= 1) {
    // kept by the thread (the series compressor's threads call here chunk range by chunk range)
    thread_local Scratch scratch;
    for (size_t k = 0; k < n_chunks; ++k) compress_one(k, scratch);
    fill_repeats();
    return compressed;
  }

  // Each chunk is compressed on its own, so the result does not depend on which worker
  // took it or on the number of workers.
  std::atomic<size_t> next{0};
  std::mutex error_mutex;
  std::exception_ptr error;
  const auto work = [&] {
    Scratch scratch;
    for (size_t k = next.fetch_add(1); k < n_chunks; k = next.fetch_add(1)) {
      try {
        compress_one(k, scratch);
      } catch (...) {
        const std::lock_guard lock(error_mutex);
        if (!error) error = std::current_exception();
        next.store(n_chunks);
        return;
      }
    }
  };
  {
    std::vector<std::jthread> pool;
    pool.reserve(workers - 1);
    for (unsigned w = 1; w < workers; ++w) {
      try {
        pool.emplace_back(work);
      } catch (const std::system_error&) {
        break;  // no more threads available: the started ones and this one do the rest
      }
    }
    work();
  }
  if (error) std::rethrow_exception(error);
  fill_repeats();
  return compressed;
}

}  // namespace fleetsim::output::detail
