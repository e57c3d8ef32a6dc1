#include "output/precompress.hpp"

#include <xxhash.h>

#include <algorithm>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <exception>
#include <mutex>
#include <thread>
#include <utility>

#include "output/chunk_deflate.hpp"

namespace fleetsim::output {

namespace {
// The writer's chunk size (h5_writer.cpp, kTargetChunkBytes): about 1 MiB of whole rows.
constexpr size_t kTargetChunkBytes = size_t{1} << 20;
}  // namespace

size_t series_chunk_rows(size_t rows, size_t row_bytes) {
  if (rows == 0 || row_bytes == 0) return 0;
  return std::clamp<size_t>(kTargetChunkBytes / row_bytes, 1, rows);
}

uint64_t chunk_hash(std::span<const unsigned char> bytes) {
  return XXH3_64bits(bytes.data(), bytes.size());
}

struct SeriesPrecompressor::Impl {
  struct Series {
    std::string key;
    std::span<const unsigned char> bytes;
    PrecompressedSeries out;
    size_t queued = 0;       // chunks [0, queued) are queued or done
    std::vector<char> done;  // per chunk: compressed (chunks finish in any order)
  };
  struct Job {
    size_t series;
    size_t first;  // chunks [first, last)
    size_t last;
  };

  int level = 0;
  std::vector<Series> series;  // fixed once hours_done() was called
  std::mutex mutex;
  std::condition_variable wake;
  std::deque<Job> queue;
  bool stopping = false;
  std::exception_ptr failure;
  std::vector<std::thread> workers;  // started by the first hours_done()

  void add(const std::string& key, std::span<const unsigned char> bytes, size_t entities, size_t element_bytes) {
    if (level <= 0 || entities == 0 || bytes.empty()) return;
    if (!workers.empty()) throw std::logic_error("SeriesPrecompressor::add after hours_done");
    Series s;
    s.key = key;
    s.out.row_bytes = entities * element_bytes;
    s.out.rows = bytes.size() / s.out.row_bytes;
    s.bytes = bytes.first(s.out.rows * s.out.row_bytes);  // whole rows only
    s.out.chunk_rows = series_chunk_rows(s.out.rows, s.out.row_bytes);
    s.out.element_bytes = element_bytes;
    s.out.deflate_level = level;
    series.push_back(std::move(s));
  }

  void run() {
    std::unique_lock lock(mutex);
    while (true) {
      wake.wait(lock, [this] { return stopping || !queue.empty(); });
      if (queue.empty()) return;  // stopping, all done
      const Job job = queue.front();
      queue.pop_front();
      lock.unlock();
      std::vector<std::vector<unsigned char>> chunks;
      std::vector<uint64_t> hashes;
      try {
        Series& s = series[job.series];
        const size_t chunk_bytes = s.out.chunk_rows * s.out.row_bytes;
        // the edge chunk, last of a complete series, is shorter (the compressor pads it as the
        // writer does; its hash is that of its own bytes)
        const size_t from = job.first * chunk_bytes;
        const std::span<const unsigned char> live =
            s.bytes.subspan(from, std::min(job.last * chunk_bytes, s.bytes.size()) - from);
        // One copy is both hashed and compressed, so a chunk's hash is always that of the very
        // bytes it was made from, even were the series written again meanwhile (the writer then
        // finds the hash stale and compresses afresh).
        const std::vector<unsigned char> part(live.begin(), live.end());
        const size_t count = job.last - job.first;
        for (size_t k = 0; k < count; ++k) {
          const size_t at = k * chunk_bytes;
          hashes.push_back(
              chunk_hash(std::span<const unsigned char>(part).subspan(at, std::min(chunk_bytes, part.size() - at))));
        }
        // A full first chunk with the same bytes as the last of the job before (a series
        // constant over time) takes that one's compressed bytes (detail::shuffle_deflate_chunks
        // does the same within a job): the same hash, and the same bytes as that chunk's rows,
        // which were complete when it was queued and are not written again.
        std::vector<char> repeat(count, 0);
        std::vector<unsigned char> before;
        if (job.first > 0 && part.size() >= chunk_bytes) {
          const std::lock_guard held(mutex);
          if (s.done.size() >= job.first && s.done[job.first - 1] != 0 && s.out.hashes[job.first - 1] == hashes[0] &&
              std::memcmp(part.data(), s.bytes.data() + (job.first - 1) * chunk_bytes, chunk_bytes) == 0) {
            before = s.out.chunks[job.first - 1];
            repeat[0] = 1;
          }
        }
        detail::RowChunking layout{s.out.row_bytes, part.size() / s.out.row_bytes, s.out.chunk_rows,
                                   s.out.element_bytes};
        chunks = detail::shuffle_deflate_chunks(part, layout, level, 1, repeat);
        if (repeat[0] != 0) chunks[0] = std::move(before);
      } catch (...) {
        lock.lock();
        if (!failure) failure = std::current_exception();
        continue;
      }
      lock.lock();
      Series& s = series[job.series];
      try {
        // the workers finish jobs in any order: each chunk goes to its own place
        if (s.done.size() < job.last) {  // done grows last: a failed resize is made again
          s.out.chunks.resize(job.last);
          s.out.hashes.resize(job.last);
          s.done.resize(job.last, 0);
        }
      } catch (...) {  // out of memory: the chunks are not kept (never an escape from the thread)
        if (!failure) failure = std::current_exception();
        continue;
      }
      for (size_t i = 0; i < chunks.size(); ++i) {
        s.out.chunks[job.first + i] = std::move(chunks[i]);
        s.out.hashes[job.first + i] = hashes[i];
        s.done[job.first + i] = 1;
      }
    }
  }

  void stop() {
    {
      const std::lock_guard lock(mutex);
      stopping = true;
    }
    wake.notify_all();
    for (std::thread& w : workers) {
      if (w.joinable()) w.join();
    }
    workers.clear();
  }
};

SeriesPrecompressor::SeriesPrecompressor(int deflate_level) : impl_(std::make_unique<Impl>()) {
  impl_->level = deflate_level;
}

SeriesPrecompressor::~SeriesPrecompressor() {
  impl_->stop();
}

void SeriesPrecompressor::add(const std::string& key, std::span<const double> data, size_t entities) {
  impl_->add(key,
             std::span<const unsigned char>(reinterpret_cast<const unsigned char*>(data.data()), data.size_bytes()),
             entities, sizeof(double));
}

void SeriesPrecompressor::add(const std::string& key, std::span<const int64_t> data, size_t entities) {
  impl_->add(key,
             std::span<const unsigned char>(reinterpret_cast<const unsigned char*>(data.data()), data.size_bytes()),
             entities, sizeof(int64_t));
}

void SeriesPrecompressor::hours_done(size_t hours) {
  Impl& m = *impl_;
  if (m.series.empty()) return;
  bool any = false;
  {
    const std::lock_guard lock(m.mutex);
    for (size_t i = 0; i < m.series.size(); ++i) {
      Impl::Series& s = m.series[i];
      // the complete full chunks; every chunk, the edge one too, once the series is complete
      const size_t ready =
          hours >= s.out.rows ? (s.out.rows + s.out.chunk_rows - 1) / s.out.chunk_rows : hours / s.out.chunk_rows;
      if (ready > s.queued) {
        m.queue.push_back(Impl::Job{i, s.queued, ready});
        s.queued = ready;
        any = true;
      }
    }
  }
  if (!any) return;
  if (m.workers.empty()) {
    // Two workers where there are two cores or more: the run's own thread stops at its last
    // hour, and what is left to compress is then shared (docs/performance.md, "Output").
    const unsigned cores = std::max(1u, std::thread::hardware_concurrency());
    const unsigned count = std::min(cores, 2u);
    for (unsigned i = 0; i < count; ++i) m.workers.emplace_back([&m] { m.run(); });
  }
  m.wake.notify_all();
}

std::map<std::string, PrecompressedSeries> SeriesPrecompressor::finish() {
  impl_->stop();
  if (impl_->failure) std::rethrow_exception(impl_->failure);
  std::map<std::string, PrecompressedSeries> out;
  for (Impl::Series& s : impl_->series) {
    // chunks 0, 1, ... as far as every one is done (all of them, unless a worker failed)
    const size_t ready = static_cast<size_t>(std::find(s.done.begin(), s.done.end(), 0) - s.done.begin());
    s.out.chunks.resize(ready);
    s.out.hashes.resize(ready);
    if (!s.out.chunks.empty()) out.emplace(s.key, std::move(s.out));
  }
  impl_->series.clear();
  return out;
}

}  // namespace fleetsim::output
