// Compressing hourly series as fleetsim writes them (docs/performance.md, "HDF5 writing"):
// fleetsim's chunk compressor (output/chunk_deflate.hpp: shuffle + libdeflate, the chunks then
// stored with H5Dwrite_chunk) against what a user would otherwise get, HDF5's own shuffle +
// deflate filter pipeline (zlib) writing the same data into an in-memory file, and the same
// write uncompressed. One thread each; the data are the shape of the planet-scale year's site
// series (131 hours x 1,000 sites per chunk, eight chunks).
#include <benchmark/benchmark.h>
#include <hdf5.h>

#include <cmath>
#include <cstdint>
#include <random>
#include <span>
#include <vector>

#include "output/chunk_deflate.hpp"

namespace {

constexpr size_t kSites = 1000;
constexpr size_t kChunkRows = 131;
constexpr size_t kRows = 8 * kChunkRows;

// kind 0: measured energies (a daily cycle per site, load noise); kind 1: piecewise constant
// per site (a PUE or a capital cost: changes when capacity does)
std::vector<double> series(int kind) {
  std::mt19937_64 rng(42);
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  std::vector<double> values(kRows * kSites);
  std::vector<double> level(kSites);
  for (double& l : level) l = 1.0 + 4.0 * unit(rng);
  for (size_t h = 0; h < kRows; ++h) {
    for (size_t s = 0; s < kSites; ++s) {
      if (kind == 0) {
        values[h * kSites + s] =
            level[s] * (0.8 + 0.15 * std::sin(2.0 * M_PI * static_cast<double>(h) / 24.0) + 0.05 * unit(rng));
      } else {
        if (h % 500 == 499 && s % 7 == 0) level[s] *= 1.25;
        values[h * kSites + s] = level[s];
      }
    }
  }
  return values;
}

void bm_chunks_fleetsim(benchmark::State& state) {
  const std::vector<double> values = series(static_cast<int>(state.range(0)));
  const auto bytes = std::as_bytes(std::span<const double>(values));
  const std::span<const unsigned char> data(reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size());
  const fleetsim::output::detail::RowChunking layout{kSites * sizeof(double), kRows, kChunkRows, sizeof(double)};
  size_t stored = 0;
  for (auto _ : state) {
    const auto chunks = fleetsim::output::detail::shuffle_deflate_chunks(data, layout, 1, 1);
    stored = 0;
    for (const auto& c : chunks) stored += c.size();
    benchmark::DoNotOptimize(stored);
  }
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(data.size()));
  state.counters["ratio"] = static_cast<double>(stored) / static_cast<double>(data.size());
}
BENCHMARK(bm_chunks_fleetsim)->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond);

// HDF5 writing the same series into an in-memory file (core driver, no backing store);
// deflate_level 0: no filters.
void bm_hdf5_pipeline(benchmark::State& state) {
  const std::vector<double> values = series(static_cast<int>(state.range(0)));
  const auto level = static_cast<unsigned>(state.range(1));
  const hsize_t dims[2] = {kRows, kSites};
  const hsize_t chunk[2] = {kChunkRows, kSites};
  hsize_t stored = 0;
  for (auto _ : state) {
    const hid_t fapl = H5Pcreate(H5P_FILE_ACCESS);
    H5Pset_fapl_core(fapl, 64 << 20, 0);
    const hid_t file = H5Fcreate("bench_output.h5", H5F_ACC_TRUNC, H5P_DEFAULT, fapl);
    const hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE);
    H5Pset_chunk(dcpl, 2, chunk);
    if (level > 0) {
      H5Pset_shuffle(dcpl);
      H5Pset_deflate(dcpl, level);
    }
    const hid_t space = H5Screate_simple(2, dims, nullptr);
    const hid_t set = H5Dcreate2(file, "series", H5T_IEEE_F64LE, space, H5P_DEFAULT, dcpl, H5P_DEFAULT);
    H5Dwrite(set, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, values.data());
    stored = H5Dget_storage_size(set);
    H5Dclose(set);
    H5Sclose(space);
    H5Pclose(dcpl);
    H5Fclose(file);
    H5Pclose(fapl);
    benchmark::DoNotOptimize(stored);
  }
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(values.size() * sizeof(double)));
  state.counters["ratio"] = static_cast<double>(stored) / static_cast<double>(values.size() * sizeof(double));
}
BENCHMARK(bm_hdf5_pipeline)->Args({0, 1})->Args({1, 1})->Args({0, 0})->Unit(benchmark::kMillisecond);

}  // namespace
