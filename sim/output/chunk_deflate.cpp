#include "output/chunk_deflate.hpp"

// next_in is const: the input is never modified.
#define ZLIB_CONST
#include <zlib.h>

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <limits>
#include <mutex>
#include <string>
#include <system_error>
#include <thread>

#include "output/h5_error.hpp"

namespace fleetsim::output::detail {

namespace {

// The parameters of compress2(), which HDF5's deflate filter uses: zlib format (header and
// Adler-32), 32 KiB window, default memory level and strategy.
constexpr int kWindowBits = 15;
constexpr int kMemoryLevel = 8;
// Output room beyond deflateBound for the extra block ends of the plane flushes.
constexpr size_t kSlackBytes = 1024;
// Cap on compression threads: beyond this the file write dominates.
constexpr unsigned kMaxThreads = 16;
constexpr int kMaxGrowRetries = 16;

// zlib allocator returning zeroed memory, so that no byte of a stream can depend on what an
// earlier allocation left in the window.
voidpf zeroed_alloc(voidpf /*opaque*/, uInt items, uInt size) {
  return std::calloc(items, size);
}
void release(voidpf /*opaque*/, voidpf address) {
  std::free(address);
}

[[noreturn]] void zlib_failure(const char* call, int status) {
  throw H5Error(std::string("zlib: ") + call + " failed with status " + std::to_string(status));
}

// Buffers one compressing thread reuses from chunk to chunk, so that large allocations (and
// the page faults of touching them) happen once per thread rather than once per chunk.
struct Scratch {
  std::vector<unsigned char> padded;    // an edge chunk extended to full size
  std::vector<unsigned char> shuffled;  // the chunk after the shuffle filter
  std::vector<unsigned char> out;       // the zlib stream being written
};

// One zlib stream compressing into a growing byte vector (reused storage: only the first
// bytes_out() bytes belong to this stream). A fresh stream per chunk, so that nothing from
// an earlier chunk can influence the output.
class DeflateStream {
 public:
  DeflateStream(int level, size_t input_bytes, std::vector<unsigned char>& out) : out_(out), level_(level) {
    stream_.zalloc = zeroed_alloc;
    stream_.zfree = release;
    stream_.opaque = nullptr;
    const int status = deflateInit2(&stream_, level, Z_DEFLATED, kWindowBits, kMemoryLevel, Z_DEFAULT_STRATEGY);
    if (status != Z_OK) zlib_failure("deflateInit2", status);
    // Always start with exactly this much room: zlib sizes stored blocks by the output space
    // left, so a buffer grown by an earlier chunk must not change this chunk's bytes.
    out_.resize(deflateBound(&stream_, static_cast<uLong>(input_bytes)) + kSlackBytes);
    stream_.next_out = out_.data();
    stream_.avail_out = static_cast<uInt>(out_.size());
  }
  DeflateStream(const DeflateStream&) = delete;
  DeflateStream& operator=(const DeflateStream&) = delete;
  ~DeflateStream() { deflateEnd(&stream_); }

  // Compresses input; flush is Z_NO_FLUSH, Z_BLOCK (end the current block, so that
  // bytes_out() covers all input so far) or Z_FINISH.
  void write(std::span<const unsigned char> input, int flush) {
    stream_.next_in = input.data();
    stream_.avail_in = static_cast<uInt>(input.size());
    for (int grown = 0;;) {
      if (stream_.avail_out == 0) {
        if (++grown > kMaxGrowRetries) zlib_failure("deflate (output does not fit)", Z_BUF_ERROR);
        grow();
      }
      const int status = deflate(&stream_, flush);
      if (status == Z_STREAM_END) return;
      if (status != Z_OK && status != Z_BUF_ERROR) zlib_failure("deflate", status);
      if (stream_.avail_out == 0) continue;
      if (flush == Z_FINISH) {
        if (status == Z_BUF_ERROR) zlib_failure("deflate (finish)", status);
        continue;
      }
      if (stream_.avail_in == 0) return;
    }
  }

  // Changes the compression level for the following input (0 = stored blocks).
  void set_level(int level) {
    if (level == level_) return;
    for (int grown = 0;; ++grown) {
      const int status = deflateParams(&stream_, level, Z_DEFAULT_STRATEGY);
      if (status == Z_OK) break;
      if (status != Z_BUF_ERROR || grown == kMaxGrowRetries) zlib_failure("deflateParams", status);
      grow();
    }
    level_ = level;
  }

  size_t bytes_out() const { return stream_.total_out; }

  // Ends the stream and returns it (a copy of exactly its bytes).
  std::vector<unsigned char> finish() {
    write({}, Z_FINISH);
    return {out_.begin(), out_.begin() + static_cast<std::ptrdiff_t>(stream_.total_out)};
  }

 private:
  void grow() {
    const size_t used = out_.size() - stream_.avail_out;
    out_.resize(out_.size() * 2);
    stream_.next_out = out_.data() + used;
    stream_.avail_out = static_cast<uInt>(out_.size() - used);
  }

  z_stream stream_{};
  std::vector<unsigned char>& out_;
  int level_;
};

// HDF5's shuffle filter into out: byte j of element i goes to position j * n + i, trailing
// bytes of an incomplete element stay at the end. Like the filter, leaves data of 1-byte
// elements or of fewer than 2 elements as it is.
void shuffle(std::span<const unsigned char> raw, size_t element_bytes, std::vector<unsigned char>& out) {
  out.resize(raw.size());
  const size_t n = raw.size() / element_bytes;
  if (element_bytes <= 1 || n <= 1) {
    std::copy(raw.begin(), raw.end(), out.begin());
    return;
  }
  for (size_t j = 0; j < element_bytes; ++j) {
    unsigned char* plane = out.data() + j * n;
    const unsigned char* source = raw.data() + j;
    for (size_t i = 0; i < n; ++i) plane[i] = source[i * element_bytes];
  }
  std::copy(raw.begin() + static_cast<std::ptrdiff_t>(n * element_bytes), raw.end(),
            out.begin() + static_cast<std::ptrdiff_t>(n * element_bytes));
}

// Shuffles and deflates one full chunk (see the header for the per-plane noise probe). The
// first valid_bytes of raw are data, the rest is the zero padding of an edge chunk: the probe
// looks at data only, and the padding of each plane is always deflated (to almost nothing).
std::vector<unsigned char> compress_chunk(std::span<const unsigned char> raw, size_t valid_bytes, size_t element_bytes,
                                          int level, Scratch& scratch) {
  shuffle(raw, element_bytes, scratch.shuffled);
  const std::span<const unsigned char> shuffled(scratch.shuffled.data(), raw.size());
  const size_t n_elements = raw.size() / element_bytes;
  const size_t planes = element_bytes > 1 && n_elements > 1 ? element_bytes : 1;
  const size_t plane_bytes = planes > 1 ? n_elements : shuffled.size();
  const size_t plane_data_bytes = planes > 1 ? valid_bytes / element_bytes : valid_bytes;
  DeflateStream stream(level, shuffled.size(), scratch.out);
  for (size_t p = 0; p < planes; ++p) {
    const std::span<const unsigned char> plane = shuffled.subspan(p * plane_bytes, plane_bytes);
    const std::span<const unsigned char> data = plane.first(plane_data_bytes);
    stream.set_level(level);
    if (data.size() > kProbeBytes) {
      // Emit everything before the probe, so that the probe's output is measured alone.
      stream.write({}, Z_BLOCK);
      const size_t before = stream.bytes_out();
      stream.write(data.first(kProbeBytes), Z_BLOCK);
      const double probe_ratio = static_cast<double>(stream.bytes_out() - before) / static_cast<double>(kProbeBytes);
      if (probe_ratio > kStoreRatio) stream.set_level(0);
      stream.write(data.subspan(kProbeBytes), Z_NO_FLUSH);
    } else {
      stream.write(data, Z_NO_FLUSH);
    }
    if (plane_data_bytes < plane_bytes) {
      stream.set_level(level);
      stream.write(plane.subspan(plane_data_bytes), Z_NO_FLUSH);
    }
  }
  // Trailing bytes of an incomplete element (never for whole chunks of whole elements).
  stream.write(shuffled.subspan(planes * plane_bytes), Z_NO_FLUSH);
  return stream.finish();
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
  // zlib counts in 32-bit units; HDF5 chunks are limited to 4 GiB as well.
  if (chunk_bytes > std::numeric_limits<uInt>::max() / 2) {
    throw H5Error("HDF5: chunk of " + std::to_string(chunk_bytes) + " bytes is too large to compress");
  }
  const size_t n_chunks = (layout.rows + layout.chunk_rows - 1) / layout.chunk_rows;
  std::vector<std::vector<unsigned char>> compressed(n_chunks);

  const auto compress_one = [&](size_t k, Scratch& scratch) {
    if (k < skip.size() && skip[k] != 0) return;
    const size_t first_row = k * layout.chunk_rows;
    const size_t n_rows = std::min(layout.chunk_rows, layout.rows - first_row);
    std::span<const unsigned char> raw = data.subspan(first_row * layout.row_bytes, n_rows * layout.row_bytes);
    const size_t valid_bytes = raw.size();
    if (n_rows < layout.chunk_rows) {
      // HDF5 stores edge chunks at full size; the part beyond the extent is never read.
      scratch.padded.assign(chunk_bytes, 0);
      std::copy(raw.begin(), raw.end(), scratch.padded.begin());
      raw = scratch.padded;
    }
    compressed[k] = compress_chunk(raw, valid_bytes, layout.element_bytes, deflate_level, scratch);
  };

  size_t to_compress = n_chunks;
  for (size_t k = 0; k < n_chunks && k < skip.size(); ++k) to_compress -= skip[k] != 0 ? 1U : 0U;
  unsigned workers = threads != 0 ? threads : std::max(1U, std::thread::hardware_concurrency());
  workers = static_cast<unsigned>(std::min<size_t>({workers, kMaxThreads, to_compress}));
  if (workers <= 1) {
    Scratch scratch;
    for (size_t k = 0; k < n_chunks; ++k) compress_one(k, scratch);
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
  return compressed;
}

}  // namespace fleetsim::output::detail
