#include <sys/resource.h>
#include <unistd.h>

#include <csignal>

#include <algorithm>
#include <atomic>
#include <catch2/catch.hpp>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <span>
#include <string>
#include <type_traits>
#include <vector>

#include "output/chunk_deflate.hpp"
#include "output/h5_reader.hpp"
#include "output/h5_writer.hpp"
#include "output/precompress.hpp"

namespace fs = std::filesystem;
using fleetsim::output::Attribute;
using fleetsim::output::H5Error;
using fleetsim::output::RunFileReader;
using fleetsim::output::RunFileWriter;

namespace {

constexpr int64_t kJan1st2024 = 1704067200;  // 2024-01-01T00:00:00Z
constexpr int64_t kSecondsPerHour = 3600;

// A fresh directory under the system temp directory, removed with its contents at scope exit.
class TempDir {
 public:
  TempDir() {
    static std::atomic<int> counter{0};
    path_ = fs::temp_directory_path() /
            ("fleetsim_output_test_" + std::to_string(::getpid()) + "_" + std::to_string(counter++));
    fs::remove_all(path_);
    fs::create_directories(path_);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  ~TempDir() {
    std::error_code ignored;
    fs::remove_all(path_, ignored);
  }
  std::string file(const std::string& name) const { return (path_ / name).string(); }
  std::vector<std::string> entries() const {
    std::vector<std::string> names;
    for (const auto& entry : fs::directory_iterator(path_)) names.push_back(entry.path().filename().string());
    return names;
  }

 private:
  fs::path path_;
};

std::vector<int64_t> hours(size_t n) {
  std::vector<int64_t> out(n);
  for (size_t h = 0; h < n; ++h) out[h] = kJan1st2024 + static_cast<int64_t>(h) * kSecondsPerHour;
  return out;
}

std::vector<char> file_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// A small file with every kind of object the run files have; seed varies the content.
void write_example(RunFileWriter& writer, int64_t seed) {
  const std::vector<std::string> sites = {"us-east-1a", "eu-north", "ap-süd"};
  const std::vector<int64_t> hour_s = hours(48);
  std::vector<double> energy(hour_s.size() * sites.size());
  std::vector<int64_t> queue(energy.size());
  for (size_t i = 0; i < energy.size(); ++i) {
    energy[i] = 0.25 * static_cast<double>(i) + static_cast<double>(seed);
    queue[i] = static_cast<int64_t>(i % 7) + seed;
  }
  writer.set_attribute("/", "format_version", int64_t{1});
  writer.set_attribute("/", "program_version", std::string("0.1.0"));
  writer.set_attribute("/", "scenario", std::string("name: test\nseed: ") + std::to_string(seed) + "\n");
  writer.set_attribute("/", "seed", int64_t{-1});
  writer.set_attribute("/", "seed", seed);  // replaces the value
  writer.add_series_group("/site", hour_s, "site", sites);
  writer.write_series("/site", "it_energy_mwh", energy, "MWh", "IT energy in the hour");
  writer.write_series("/site", "queue_length", queue, "1", "jobs waiting at the end of the hour");
  writer.set_attribute("/site/it_energy_mwh", "long_name", std::string("IT energy"));
  writer.write_entity_column("/site", "site_region", std::vector<std::string>{"us-east", "se", "de"}, "",
                             "grid region of the site");
  writer.write_entity_column("/site", "pue_design", std::vector<double>{1.1, 1.2, 1.3}, "1", "design PUE");
  writer.add_table("/jobs", "job", std::vector<int64_t>{10, 11}, "", "job id");
  writer.write_column("/jobs", "id", std::vector<int64_t>{10, 11}, "", "job id");
  writer.write_column("/jobs", "energy_mwh", std::vector<double>{1.5, 2.5}, "MWh", "energy of the job");
  writer.write_column("/jobs", "status", std::vector<std::string>{"completed", "rejected"}, "", "outcome");
  writer.set_attribute("/summary", "cfe_score", 0.75);
  writer.add_table("/summary/region", "region", std::vector<std::string>{"de", "se"});
  writer.write_column("/summary/region", "cfe_score", std::vector<double>{0.5, 0.9}, "1", "hourly CFE score");
}

}  // namespace

TEST_CASE("RunFileWriter round-trips series, columns and attributes", "[output]") {
  TempDir dir;
  const std::string path = dir.file("run.h5");
  {
    RunFileWriter writer(path);
    write_example(writer, 3);
    writer.commit();
  }
  RunFileReader reader(path);

  CHECK(std::get<int64_t>(*reader.attribute("/", "format_version")) == 1);
  CHECK(std::get<std::string>(*reader.attribute("/", "program_version")) == "0.1.0");
  CHECK(std::get<int64_t>(*reader.attribute("/", "seed")) == 3);
  CHECK(std::get<double>(*reader.attribute("/summary", "cfe_score")) == 0.75);
  CHECK_FALSE(reader.attribute("/", "no_such_attribute").has_value());
  CHECK_FALSE(reader.attribute("/no_such_group", "seed").has_value());
  CHECK(reader.attribute_names("/") ==
        std::vector<std::string>{"format_version", "program_version", "scenario", "seed", "complete"});
  CHECK(reader.member_names("/") == std::vector<std::string>{"site", "jobs", "summary"});
  CHECK(reader.member_names("/site") ==
        std::vector<std::string>{"hour", "site", "it_energy_mwh", "queue_length", "site_region", "pue_design"});

  // Coordinates: CF time and names, both dimension scales.
  CHECK(reader.read_int64("/site/hour") == hours(48));
  CHECK(std::get<std::string>(*reader.attribute("/site/hour", "units")) == "seconds since 1970-01-01 00:00:00");
  CHECK(std::get<std::string>(*reader.attribute("/site/hour", "calendar")) == "standard");
  CHECK(std::get<std::string>(*reader.attribute("/site/hour", "CLASS")) == "DIMENSION_SCALE");
  CHECK(std::get<std::string>(*reader.attribute("/site/site", "NAME")) == "site");
  CHECK(reader.read_strings("/site/site") == std::vector<std::string>{"us-east-1a", "eu-north", "ap-süd"});

  // Series: shape, values, annotations, attached scales.
  CHECK(reader.shape("/site/it_energy_mwh") == std::vector<size_t>{48, 3});
  const std::vector<double> energy = reader.read_doubles("/site/it_energy_mwh");
  REQUIRE(energy.size() == 144);
  CHECK(energy[0] == 3.0);
  CHECK(energy[143] == 0.25 * 143 + 3.0);
  CHECK(std::get<std::string>(*reader.attribute("/site/it_energy_mwh", "units")) == "MWh");
  CHECK(std::get<std::string>(*reader.attribute("/site/it_energy_mwh", "description")) == "IT energy in the hour");
  CHECK(std::get<std::string>(*reader.attribute("/site/it_energy_mwh", "long_name")) == "IT energy");
  const std::vector<std::string> series_attributes = reader.attribute_names("/site/it_energy_mwh");
  CHECK(std::find(series_attributes.begin(), series_attributes.end(), "DIMENSION_LIST") != series_attributes.end());
  CHECK(reader.read_int64("/site/queue_length")[8] == 1 + 3);
  CHECK(reader.read_doubles("/site/queue_length")[8] == 4.0);
  CHECK_THROWS_AS(reader.read_int64("/site/it_energy_mwh"), H5Error);
  CHECK(reader.chunk_shape("/site/it_energy_mwh") == std::vector<size_t>{48, 3});

  CHECK(reader.read_strings("/site/site_region") == std::vector<std::string>{"us-east", "se", "de"});
  CHECK(reader.read_doubles("/site/pue_design") == std::vector<double>{1.1, 1.2, 1.3});

  // Tables.
  CHECK(reader.read_int64("/jobs/job") == std::vector<int64_t>{10, 11});
  CHECK(reader.read_doubles("/jobs/energy_mwh") == std::vector<double>{1.5, 2.5});
  CHECK(reader.read_strings("/jobs/status") == std::vector<std::string>{"completed", "rejected"});
  CHECK(reader.read_strings("/summary/region/region") == std::vector<std::string>{"de", "se"});
  CHECK(reader.is_group("/summary/region"));
  CHECK_FALSE(reader.is_group("/jobs/id"));
  CHECK(reader.exists("/summary/region/cfe_score"));
  CHECK_FALSE(reader.exists("/summary/nothing/here"));
  CHECK_THROWS_AS(reader.read_doubles("/jobs/nothing"), H5Error);
}

TEST_CASE("RunFileWriter leaves nothing at the final path until commit", "[output]") {
  TempDir dir;
  const std::string path = dir.file("run.h5");
  {
    RunFileWriter writer(path);
    write_example(writer, 1);
    CHECK(writer.temp_path() == path + ".tmp-" + std::to_string(::getpid()));
    CHECK(fs::exists(writer.temp_path()));
    CHECK_FALSE(fs::exists(path));
  }
  // Destroyed without commit: the temporary file is gone and nothing was published.
  CHECK(dir.entries().empty());

  RunFileWriter writer(path);
  write_example(writer, 1);
  writer.commit();
  CHECK(writer.committed());
  CHECK(dir.entries() == std::vector<std::string>{"run.h5"});
  RunFileReader reader(path);
  CHECK(std::get<int64_t>(*reader.attribute("/", "complete")) == 1);
  CHECK(reader.attribute_names("/").back() == "complete");
  CHECK_THROWS_AS(writer.set_attribute("/", "late", int64_t{1}), H5Error);
}

TEST_CASE("RunFileWriter commit replaces an existing file", "[output]") {
  TempDir dir;
  const std::string path = dir.file("run.h5");
  std::ofstream(path) << "old contents";
  RunFileWriter writer(path);
  write_example(writer, 2);
  writer.commit();
  RunFileReader reader(path);
  CHECK(std::get<int64_t>(*reader.attribute("/", "seed")) == 2);
}

TEST_CASE("RunFileWriter output is bit-identical for the same calls", "[output]") {
  TempDir dir;
  const std::string first = dir.file("first.h5");
  const std::string second = dir.file("second.h5");
  {
    RunFileWriter writer(first);
    write_example(writer, 5);
    writer.commit();
  }
  {
    // A different file in between, so reused memory holds other content.
    RunFileWriter other(dir.file("other.h5"), 6);
    write_example(other, 99);
    other.set_attribute("/", "extra", std::string(10000, 'x'));
    other.commit();
  }
  {
    RunFileWriter writer(second);
    write_example(writer, 5);
    writer.commit();
  }
  const std::vector<char> a = file_bytes(first);
  const std::vector<char> b = file_bytes(second);
  REQUIRE_FALSE(a.empty());
  CHECK(a.size() == b.size());
  CHECK(a == b);
}

TEST_CASE("RunFileWriter chunks a year of hourly series along time", "[output]") {
  TempDir dir;
  const std::string path = dir.file("year.h5");
  constexpr size_t kHours = 8760;
  constexpr size_t kSites = 200;
  std::vector<std::string> names;
  for (size_t s = 0; s < kSites; ++s) names.push_back("site-" + std::to_string(s));
  std::vector<double> data(kHours * kSites);
  for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<double>(i % 1000) * 0.001;
  {
    RunFileWriter writer(path);
    writer.add_series_group("/site", hours(kHours), "site", names);
    writer.write_series("/site", "it_energy_mwh", data, "MWh", "IT energy in the hour");
    writer.commit();
  }
  RunFileReader reader(path);
  // 1 MiB / (200 x 8 bytes) = 655 hours per chunk.
  CHECK(reader.chunk_shape("/site/it_energy_mwh") == std::vector<size_t>{655, kSites});
  CHECK(reader.read_doubles("/site/it_energy_mwh") == data);
  CHECK(fs::file_size(path) < data.size() * sizeof(double) / 2);
}

TEST_CASE("RunFileWriter compressed chunks read back exactly and do not depend on threads", "[output]") {
  TempDir dir;
  // Several chunks and an edge chunk; noise (stored planes), smooth and integer-valued data.
  constexpr size_t kHours = 2000;
  constexpr size_t kRegions = 300;
  std::mt19937_64 rng(7);
  std::uniform_real_distribution<double> uniform(0.0, 100.0);
  std::vector<double> noise(kHours * kRegions);
  std::vector<double> smooth(noise.size());
  std::vector<int64_t> counts(noise.size());
  for (size_t i = 0; i < noise.size(); ++i) {
    noise[i] = uniform(rng);
    smooth[i] = 5.0 + std::sin(static_cast<double>(i / kRegions) * 0.26) + static_cast<double>(i % kRegions);
    counts[i] = static_cast<int64_t>((i / kRegions / 24 + i % kRegions) % 9);
  }
  std::vector<std::string> names;
  for (size_t r = 0; r < kRegions; ++r) names.push_back("region-" + std::to_string(r));
  const auto write = [&](const std::string& path, unsigned threads, int level) {
    RunFileWriter writer(path, level);
    writer.set_compression_threads(threads);
    writer.add_series_group("/region", hours(kHours), "region", names);
    writer.write_series("/region", "noise", noise, "1", "uniform noise");
    writer.write_series("/region", "smooth", smooth, "1", "smooth");
    writer.write_series("/region", "counts", counts, "1", "integers");
    writer.commit();
  };
  write(dir.file("one.h5"), 1, 1);
  write(dir.file("four.h5"), 4, 1);
  write(dir.file("plain.h5"), 1, 0);
  CHECK(file_bytes(dir.file("one.h5")) == file_bytes(dir.file("four.h5")));
  for (const char* name : {"one.h5", "plain.h5"}) {
    RunFileReader reader(dir.file(name));
    CHECK(reader.chunk_shape("/region/noise") == std::vector<size_t>{436, kRegions});  // 1 MiB / 2400 B
    CHECK(reader.read_doubles("/region/noise") == noise);
    CHECK(reader.read_doubles("/region/smooth") == smooth);
    CHECK(reader.read_int64("/region/counts") == counts);
  }
  CHECK(fs::file_size(dir.file("one.h5")) < fs::file_size(dir.file("plain.h5")));
}

TEST_CASE("the shuffle filter's byte order, the 8-byte fast path included", "[output]") {
  std::mt19937_64 rng(5);
  for (const size_t element : {1U, 2U, 4U, 8U, 16U, 24U}) {
    for (const size_t elements : {0U, 1U, 2U, 7U, 8U, 9U, 63U, 64U, 65U, 1001U}) {
      for (const size_t trailing : {0U, 3U, 7U}) {
        std::vector<unsigned char> raw(elements * element + (element > 1 ? trailing % element : 0));
        for (unsigned char& b : raw) b = static_cast<unsigned char>(rng());
        // HDF5's filter, byte by byte: byte j of element i to j * n + i; the rest stays
        std::vector<unsigned char> expected = raw;
        if (element > 1 && elements > 1) {
          for (size_t i = 0; i < elements; ++i) {
            for (size_t j = 0; j < element; ++j) expected[j * elements + i] = raw[i * element + j];
          }
        }
        std::vector<unsigned char> out;
        fleetsim::output::detail::shuffle(raw, element, out);
        INFO(element << "-byte elements: " << elements << " and " << raw.size() - elements * element << " bytes");
        CHECK((out == expected));
      }
    }
  }
}

TEST_CASE("a chunk that repeats the one before takes its compressed bytes, which are its own", "[output]") {
  // 3,000 hours x 300 regions of 8 bytes: 436-hour chunks, 6 full and an edge chunk. Constant
  // over time (each region its own value) but for a step in chunk 3; so chunks 1 and 2 repeat
  // chunk 0, chunk 5 repeats chunk 4, and the edge chunk (zero-padded) repeats none.
  constexpr size_t kHours = 3000;
  constexpr size_t kRegions = 300;
  constexpr size_t kRows = 436;
  std::vector<double> flat(kHours * kRegions);
  for (size_t h = 0; h < kHours; ++h) {
    for (size_t r = 0; r < kRegions; ++r)
      flat[h * kRegions + r] = 1.5 * static_cast<double>(r) + (h >= 1500 ? 7.0 : 0.0);
  }
  const std::span<const unsigned char> bytes(reinterpret_cast<const unsigned char*>(flat.data()), flat.size() * 8);
  const fleetsim::output::detail::RowChunking layout{kRegions * 8, kHours, kRows, 8};
  // each chunk compressed alone, from its own rows (the edge one padded as the writer does)
  std::vector<std::vector<unsigned char>> alone;
  for (size_t first = 0; first < kHours; first += kRows) {
    const size_t rows = std::min(kRows, kHours - first);
    const fleetsim::output::detail::RowChunking one{kRegions * 8, rows, kRows, 8};
    alone.push_back(fleetsim::output::detail::shuffle_deflate_chunks(
        bytes.subspan(first * kRegions * 8, rows * kRegions * 8), one, 1, 1)[0]);
  }
  REQUIRE(alone.size() == 7);
  CHECK(alone[1] == alone[0]);
  CHECK(alone[3] != alone[2]);
  CHECK(alone[6] != alone[5]);
  for (const unsigned threads : {1U, 2U, 4U}) {
    INFO(threads << " threads");
    CHECK((fleetsim::output::detail::shuffle_deflate_chunks(bytes, layout, 1, threads) == alone));
  }
  // a chunk the caller has is left empty, and the chunk after it (the same bytes) is compressed
  const std::vector<char> skip{0, 1, 0, 0, 0, 0, 0};
  const auto skipped = fleetsim::output::detail::shuffle_deflate_chunks(bytes, layout, 1, 1, skip);
  CHECK(skipped[1].empty());
  for (const size_t k : {0, 2, 3, 4, 5, 6}) CHECK((skipped[k] == alone[k]));
}

TEST_CASE("the series precompressor takes whole rows of data that do not end on a row", "[output]") {
  // 200 hours x 1,000 entities and 5 values more: the hours are the whole rows only
  std::vector<double> data(200 * 1000 + 5, 1.5);
  fleetsim::output::SeriesPrecompressor compressor(1);
  compressor.add("/x/y", data, 1000);
  compressor.hours_done(200);
  const auto pre = compressor.finish();
  REQUIRE(pre.count("/x/y") == 1);
  CHECK(pre.at("/x/y").rows == 200);
  CHECK(pre.at("/x/y").chunks.size() == 2);  // 131 hours and the edge chunk of 69
}

TEST_CASE("noise, measured values and repeating series read back exactly at every level and shrink as they can",
          "[output]") {
  TempDir dir;
  std::mt19937_64 rng(3);
  std::uniform_real_distribution<double> uniform(0.0, 1.0);
  // A series of hours x entities, written alone at a level: the file's size over the raw bytes
  // (it must also read back exactly).
  const auto stored_fraction = [&]<class T>(const std::vector<T>& values, size_t entities, int level) {
    const size_t hours_n = values.size() / entities;
    std::vector<std::string> names;
    for (size_t e = 0; e < entities; ++e) names.push_back(std::to_string(e));
    const std::string path = dir.file("series.h5");
    {
      RunFileWriter writer(path, level);
      writer.add_series_group("/site", hours(hours_n), "site", names);
      writer.write_series("/site", "x", values, "1", "x");
      writer.commit();
    }
    const RunFileReader reader(path);
    std::vector<T> back;
    if constexpr (std::is_same_v<T, int64_t>) {
      back = reader.read_int64("/site/x");
    } else {
      back = reader.read_doubles("/site/x");
    }
    REQUIRE(back.size() == values.size());
    CHECK(std::memcmp(back.data(), values.data(), values.size() * 8) == 0);  // NaN payloads too
    return static_cast<double>(fs::file_size(path)) / static_cast<double>(values.size() * 8);
  };

  // 1,500 hours x 200 sites: 655-hour chunks, 2 full and an edge chunk
  constexpr size_t kSites = 200;
  std::vector<double> bits(1500 * kSites);    // random 64-bit patterns: every plane noise, stored whole
  std::vector<double> measured(bits.size());  // noise in the low planes, not in the high ones
  for (size_t i = 0; i < bits.size(); ++i) {
    const std::uint64_t word = rng();
    std::memcpy(&bits[i], &word, 8);
    measured[i] = (1.0 + 4.0 * uniform(rng)) * (0.8 + 0.15 * std::sin(static_cast<double>(i / kSites) * 0.26));
  }
  // Noisy low bytes that repeat within deflate's window: constant per entity over the hours
  // (16,000 entities: a plane repeats every 16,000 bytes) and a daily cycle repeated exactly
  // (1,000 entities: every 24,000 bytes).
  std::vector<double> per_entity(40 * 16000);
  std::vector<double> daily(300 * 1000);
  std::vector<double> entity_value(16000);
  std::vector<double> day_value(24 * 1000);
  for (double& v : entity_value) v = 1.0 + uniform(rng);
  for (double& v : day_value) v = 1.0 + uniform(rng);
  for (size_t i = 0; i < per_entity.size(); ++i) per_entity[i] = entity_value[i % 16000];
  for (size_t i = 0; i < daily.size(); ++i) daily[i] = day_value[i % day_value.size()];
  // a counter: its two low planes have all 256 byte values equally often (entropy 8 bits, as
  // noise has), but repeat every 256 bytes
  std::vector<int64_t> counter(1500 * kSites);
  for (size_t i = 0; i < counter.size(); ++i) counter[i] = static_cast<int64_t>(i);
  for (const int level : {1, 6, 9}) {
    INFO("level " << level);
    CHECK(stored_fraction(counter, kSites, level) < 0.15);  // 0.25 and more were those planes stored
    const double all_noise = stored_fraction(bits, kSites, level);
    CHECK(all_noise > 0.99);
    CHECK(all_noise < 1.02);
    CHECK(stored_fraction(measured, kSites, level) < 0.9);
    // (each chunk's first 8 and first 24 rows are new values: 0.24 and 0.23 of the raw bytes;
    // their five noisy planes stored as they are would make it more than 0.6)
    CHECK(stored_fraction(per_entity, 16000, level) < 0.4);
    CHECK(stored_fraction(daily, 1000, level) < 0.4);
  }
}

TEST_CASE("RunFileWriter writes empty tables and uncompressed files", "[output]") {
  TempDir dir;
  const std::string path = dir.file("empty.h5");
  {
    RunFileWriter writer(path, 0);
    writer.add_series_group("/region", hours(0), "region", std::vector<std::string>{});
    writer.write_series("/region", "load_mwh", std::vector<double>{}, "MWh", "facility load");
    writer.add_table("/jobs", "job", std::vector<int64_t>{});
    writer.write_column("/jobs", "status", std::vector<std::string>{}, "", "outcome");
    writer.write_column("/jobs", "energy_mwh", std::vector<double>{}, "MWh", "energy");
    writer.commit();
  }
  RunFileReader reader(path);
  CHECK(reader.shape("/region/load_mwh") == std::vector<size_t>{0, 0});
  CHECK(reader.read_doubles("/region/load_mwh").empty());
  CHECK(reader.read_strings("/jobs/status").empty());
  CHECK(reader.chunk_shape("/region/load_mwh").empty());
}

TEST_CASE("RunFileWriter rejects bad calls with H5Error", "[output]") {
  TempDir dir;
  CHECK_THROWS_AS(RunFileWriter(dir.file("x.h5"), 10), H5Error);
  try {
    RunFileWriter writer(dir.file("no/such/dir/x.h5"));
    FAIL("expected H5Error");
  } catch (const H5Error& error) {
    CHECK(std::string(error.what()).find("no/such/dir/x.h5") != std::string::npos);
    CHECK_THAT(error.what(), Catch::EndsWith(": No such file or directory"));
    CHECK_FALSE(error.error_stack().empty());
  }

  RunFileWriter writer(dir.file("x.h5"));
  writer.add_series_group("/site", hours(2), "site", std::vector<std::string>{"a", "b"});
  CHECK_THROWS_AS(writer.write_series("/site", "short", std::vector<double>{1.0}, "MWh", ""), H5Error);
  CHECK_THROWS_AS(writer.write_series("/nowhere", "x", std::vector<double>{}, "MWh", ""), H5Error);
  CHECK_THROWS_AS(writer.add_series_group("/site", hours(2), "site", std::vector<std::string>{"a", "b"}), H5Error);
  CHECK_THROWS_AS(writer.add_series_group("/dup", hours(2), "site", std::vector<std::string>{"a", "a"}), H5Error);
  CHECK_THROWS_AS(writer.write_entity_column("/site", "c", std::vector<double>{1.0}, "", ""), H5Error);
  writer.write_series("/site", "ok", std::vector<double>{1, 2, 3, 4}, "MWh", "");
  try {
    writer.write_series("/site", "ok", std::vector<double>{1, 2, 3, 4}, "MWh", "");
    FAIL("expected H5Error");
  } catch (const H5Error& error) {
    CHECK(error.object_path() == "/site/ok");
    CHECK_FALSE(error.error_stack().empty());
  }
}

// Sets the soft file-size limit (RLIMIT_FSIZE) of this process for its lifetime, with SIGXFSZ
// ignored so that a write past the limit fails with EFBIG, as on a full disk.
class FileSizeLimit {
 public:
  explicit FileSizeLimit(rlim_t bytes) {
    ::getrlimit(RLIMIT_FSIZE, &saved_);
    old_handler_ = std::signal(SIGXFSZ, SIG_IGN);
    rlimit limit = saved_;
    limit.rlim_cur = std::min(bytes, saved_.rlim_max);
    ::setrlimit(RLIMIT_FSIZE, &limit);
  }
  FileSizeLimit(const FileSizeLimit&) = delete;
  FileSizeLimit& operator=(const FileSizeLimit&) = delete;
  ~FileSizeLimit() {
    ::setrlimit(RLIMIT_FSIZE, &saved_);
    std::signal(SIGXFSZ, old_handler_);
  }

 private:
  rlimit saved_{};
  void (*old_handler_)(int) = nullptr;
};

size_t open_descriptors() {
  size_t count = 0;
  for ([[maybe_unused]] const auto& entry : fs::directory_iterator("/proc/self/fd")) ++count;
  return count;
}

TEST_CASE("RunFileWriter fails cleanly wherever the disk fills up", "[output]") {
  // The example file written with the disk "full" (a file-size limit) after 0, 1, ... bytes:
  // every failure point from the superblock to the last flush. Each must end in one H5Error
  // naming the file and the cause, leave no file behind and nothing open, and leave HDF5 in
  // a state where the next file is written as if nothing had happened.
  TempDir dir;
  const std::string reference = dir.file("reference.h5");
  {
    RunFileWriter writer(reference);
    write_example(writer, 3);
    writer.commit();
  }
  const auto size = static_cast<rlim_t>(fs::file_size(reference));
  const size_t descriptors = open_descriptors();
  std::vector<rlim_t> limits = {0, 1, 95, 96, 97, 512, 2048};
  for (rlim_t limit = 4096; limit < size; limit += std::max<rlim_t>(size / 64, 1)) limits.push_back(limit);
  limits.push_back(size - 1);
  const std::string path = dir.file("full.h5");
  for (const rlim_t limit : limits) {
    INFO("file-size limit " << limit << " of " << size << " bytes");
    std::string message;
    {
      const FileSizeLimit full(limit);
      try {
        RunFileWriter writer(path);
        write_example(writer, 3);
        writer.commit();
      } catch (const H5Error& error) {
        message = error.what();
      }
    }
    CHECK(message == "cannot write '" + path + "': File too large");
    CHECK(message.find('\n') == std::string::npos);
    CHECK(dir.entries() == std::vector<std::string>{"reference.h5"});
    CHECK(fleetsim::output::open_hdf5_file_count() == 0);
    CHECK(open_descriptors() == descriptors);
  }
  {
    RunFileWriter writer(path);
    write_example(writer, 3);
    writer.commit();
  }
  CHECK(file_bytes(path) == file_bytes(reference));
}

TEST_CASE("RunFileWriter refuses more calls after a failed write", "[output]") {
  TempDir dir;
  const std::string path = dir.file("x.h5");
  RunFileWriter writer(path);
  writer.set_attribute("/", "a", int64_t{1});
  {
    const FileSizeLimit full(0);
    CHECK_THROWS_AS(writer.add_series_group("/site", hours(4000), "site", std::vector<std::string>{"a"}), H5Error);
  }
  CHECK_THROWS_WITH(writer.set_attribute("/", "b", int64_t{2}), "cannot write '" + path + "': File too large");
  CHECK_THROWS_WITH(writer.commit(), "cannot write '" + path + "': File too large");
  CHECK_FALSE(fs::exists(path));
}

TEST_CASE("RunFileReader throws H5Error for a missing or non-HDF5 file", "[output]") {
  TempDir dir;
  CHECK_THROWS_AS(RunFileReader(dir.file("missing.h5")), H5Error);
  CHECK_THROWS_WITH(RunFileReader(dir.file("missing.h5")), Catch::Contains("no such file"));
  const std::string text = dir.file("text.h5");
  std::ofstream(text) << "not hdf5";
  CHECK_THROWS_WITH(RunFileReader(text), Catch::Contains("not an HDF5 file"));
}

TEST_CASE("series compressed during a run give the same file, and stale chunks are never stored", "[output]") {
  TempDir dir;
  // 4,000 hours x 300 regions: 436-hour chunks, 9 full and an edge chunk (their hashes are
  // checked on two threads where the machine has two cores).
  constexpr size_t kHours = 4000;
  constexpr size_t kRegions = 300;
  std::mt19937_64 rng(11);
  std::uniform_real_distribution<double> uniform(0.0, 100.0);
  std::vector<double> noise(kHours * kRegions, 0.0);
  std::vector<int64_t> counts(noise.size(), 0);
  std::vector<double> flat(noise.size(), 0.0);  // constant over time: its chunks repeat
  std::vector<std::string> names;
  for (size_t r = 0; r < kRegions; ++r) names.push_back("region-" + std::to_string(r));
  fleetsim::output::SeriesPrecompressor compressor(1);
  compressor.add("/region/noise", noise, kRegions);
  compressor.add("/region/counts", counts, kRegions);
  compressor.add("/region/flat", flat, kRegions);
  // the "run": rows filled hour by hour, the compressor told as hours complete
  for (size_t h = 0; h < kHours; ++h) {
    compressor.hours_done(h);
    for (size_t r = 0; r < kRegions; ++r) {
      noise[h * kRegions + r] = uniform(rng);
      counts[h * kRegions + r] = static_cast<int64_t>((h / 24 + r) % 9);
      flat[h * kRegions + r] = 0.25 * static_cast<double>(r);
    }
  }
  compressor.hours_done(kHours);
  const auto pre = compressor.finish();
  REQUIRE(pre.size() == 3);
  CHECK(pre.at("/region/noise").chunks.size() == 10);  // the full chunks and, the series complete, the edge one
  CHECK(pre.at("/region/noise").chunk_rows == fleetsim::output::series_chunk_rows(kHours, kRegions * 8));
  const auto write = [&](const std::string& path, bool use) {
    RunFileWriter writer(path, 1);
    writer.add_series_group("/region", hours(kHours), "region", names);
    writer.write_series("/region", "noise", noise, "1", "noise", use ? &pre.at("/region/noise") : nullptr);
    writer.write_series("/region", "counts", counts, "1", "integers", use ? &pre.at("/region/counts") : nullptr);
    writer.write_series("/region", "flat", flat, "1", "constant", use ? &pre.at("/region/flat") : nullptr);
    writer.commit();
  };
  write(dir.file("fresh.h5"), false);
  write(dir.file("pre.h5"), true);
  CHECK((file_bytes(dir.file("fresh.h5")) == file_bytes(dir.file("pre.h5"))));  // no dump of MBs on failure
  // a value changed after the run: its chunk no longer matches its hash and is compressed again
  noise[700 * kRegions + 3] += 1.0;
  write(dir.file("changed_fresh.h5"), false);
  write(dir.file("changed_pre.h5"), true);
  CHECK((file_bytes(dir.file("changed_fresh.h5")) == file_bytes(dir.file("changed_pre.h5"))));
  CHECK((RunFileReader(dir.file("changed_pre.h5")).read_doubles("/region/noise") == noise));
  CHECK((file_bytes(dir.file("changed_pre.h5")) != file_bytes(dir.file("pre.h5"))));
  // the same in the edge chunk (hours 3,924 to 3,999)
  noise[3990 * kRegions + 5] += 1.0;
  write(dir.file("edge_fresh.h5"), false);
  write(dir.file("edge_pre.h5"), true);
  CHECK((file_bytes(dir.file("edge_fresh.h5")) == file_bytes(dir.file("edge_pre.h5"))));
  CHECK((RunFileReader(dir.file("edge_pre.h5")).read_doubles("/region/noise") == noise));
}
