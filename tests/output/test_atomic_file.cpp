// AtomicTextFile: a text file is complete at its final path or not there at all.
#include <sys/resource.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

#include "core/error.hpp"
#include "output/atomic_file.hpp"

namespace fs = std::filesystem;
using fleetsim::output::AtomicTextFile;

namespace {

fs::path fresh_dir(const std::string& name) {
  const fs::path dir = fs::temp_directory_path() / ("fleetsim_atomic_" + name + "_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

std::string read(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

size_t entries(const fs::path& dir) {
  size_t n = 0;
  for ([[maybe_unused]] const auto& e : fs::directory_iterator(dir)) ++n;
  return n;
}

}  // namespace

TEST_CASE("temporary names are the final name, .tmp- and a process id", "[output]") {
  using fleetsim::output::is_temporary_of;
  CHECK(fleetsim::output::temporary_path("a/b.csv") == "a/b.csv.tmp-" + std::to_string(::getpid()));
  CHECK(is_temporary_of("b.csv.tmp-123", "b.csv"));
  CHECK_FALSE(is_temporary_of("b.csv.tmp-", "b.csv"));
  CHECK_FALSE(is_temporary_of("b.csv.tmp-12x", "b.csv"));
  CHECK_FALSE(is_temporary_of("b.csv.tmp-1", "c.csv"));
  CHECK_FALSE(is_temporary_of("b.csv", "b.csv"));
}

TEST_CASE("AtomicTextFile replaces the final file only on commit", "[output]") {
  const fs::path dir = fresh_dir("commit");
  const fs::path path = dir / "table.csv";
  std::ofstream(path) << "old\n";
  {
    AtomicTextFile file(path.string());
    file.write("a,b\n");
    CHECK(read(path) == "old\n");  // not yet
  }
  CHECK(read(path) == "old\n");  // abandoned: the old file, and no temporary
  CHECK(entries(dir) == 1);
  std::string big;
  for (int i = 0; i < 100000; ++i) big += std::to_string(i) + ",x\n";
  {
    AtomicTextFile file(path.string());
    file.write(big);
    file.write("end\n");
    file.commit();
  }
  CHECK(read(path) == big + "end\n");
  CHECK(entries(dir) == 1);
  CHECK_THROWS_WITH(AtomicTextFile((dir / "missing" / "x.csv").string()),
                    Catch::Contains("cannot write '") && Catch::EndsWith("x.csv': No such file or directory"));
  fs::remove_all(dir);
}

TEST_CASE("AtomicTextFile checks every write: a full disk keeps the old file", "[output]") {
  const fs::path dir = fresh_dir("full");
  const fs::path path = dir / "table.csv";
  std::ofstream(path) << "old\n";
  const std::string line(1000, 'x');
  rlimit saved{};
  ::getrlimit(RLIMIT_FSIZE, &saved);
  const auto old_handler = std::signal(SIGXFSZ, SIG_IGN);
  for (const rlim_t limit : {rlim_t{0}, rlim_t{10}, rlim_t{65536}, rlim_t{199999}}) {
    std::string message;
    {
      rlimit full = saved;
      full.rlim_cur = limit;
      ::setrlimit(RLIMIT_FSIZE, &full);
      try {
        AtomicTextFile file(path.string());
        for (int i = 0; i < 200; ++i) file.write(line);
        file.commit();
      } catch (const fleetsim::core::SimulationError& e) {
        message = e.what();
      }
      ::setrlimit(RLIMIT_FSIZE, &saved);
    }
    CHECK(message == "cannot write '" + path.string() + "': File too large");
    CHECK(read(path) == "old\n");
    CHECK(entries(dir) == 1);
  }
  std::signal(SIGXFSZ, old_handler);
  fs::remove_all(dir);
}
