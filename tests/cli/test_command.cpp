#include <catch2/catch.hpp>

#include <fstream>
#include <set>
#include <sstream>
#include <vector>

#include "cli/command.hpp"
#include "cli/commands.hpp"
#include "cli/progress.hpp"
#include "core/error.hpp"

using namespace fleetsim;

namespace {

const std::string kSource = FLEETSIM_SOURCE_DIR;

cli::Command example() {
  return cli::Command("demo", "FILE [options]", "a demo command", "Does a demo.")
      .argument("file", "FILE", "the input", cli::Completion::kScenario)
      .required()
      .text("output,o", "OUT.h5", "where to write", cli::Completion::kHdf5)
      .default_text("FILE's name with .h5")
      .integer("threads", "N", "threads", 1)
      .number("target", "X", "a share in (0, 1]", 0.9)
      .texts("set", "KEY=VALUE", "an override")
      .numbers("targets", "T", "several shares")
      .flag("quiet,q", "say nothing");
}

// argv for Command::parse: argv[0] is the subcommand.
struct Argv {
  explicit Argv(std::vector<std::string> words) : words_(std::move(words)) {
    for (auto& w : words_) pointers_.push_back(w.data());
  }
  int argc() { return static_cast<int>(pointers_.size()); }
  char** argv() { return pointers_.data(); }

 private:
  std::vector<std::string> words_;
  std::vector<char*> pointers_;
};

std::string text_of(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace

TEST_CASE("parse reads arguments, values, defaults, repeats and flags", "[cli]") {
  Argv a({"demo", "s.yaml", "-o", "x.h5", "--set", "a=1", "--set", "b=2", "--targets", "0.5", "0.7", "-q"});
  std::ostringstream out;
  const auto args = example().parse(a.argc(), a.argv(), out);
  REQUIRE(args);
  CHECK(args->text("file") == "s.yaml");
  CHECK(args->text("output") == "x.h5");
  CHECK(args->integer("threads") == 1);
  CHECK(!args->given("threads"));
  CHECK(args->number("target") == 0.9);
  CHECK(args->texts("set") == std::vector<std::string>{"a=1", "b=2"});
  CHECK(args->numbers("targets") == std::vector<double>{0.5, 0.7});
  CHECK(args->flag("quiet"));
  CHECK(out.str().empty());
}

TEST_CASE("--help prints every option with its placeholder, default and repeatability", "[cli]") {
  for (const char* help : {"--help", "-h", "--he"}) {
    Argv a({"demo", "--threads", "3", help});
    std::ostringstream out;
    CHECK(!example().parse(a.argc(), a.argv(), out));
    const std::string text = out.str();
    CHECK(text.rfind("usage: fleetsim demo FILE [options]\n", 0) == 0);
    CHECK(text.find("-o, --output OUT.h5") != std::string::npos);
    CHECK(text.find("(default: FILE's name with .h5)") != std::string::npos);
    CHECK(text.find("--threads N") != std::string::npos);
    CHECK(text.find("threads (default: 1)") != std::string::npos);
    CHECK(text.find("(default: 0.9)") != std::string::npos);
    CHECK(text.find("--set KEY=VALUE") != std::string::npos);
    CHECK(text.find("(repeatable)") != std::string::npos);
    CHECK(text.find("--targets T...") != std::string::npos);
    CHECK(text.find("-q, --quiet") != std::string::npos);
    CHECK(text.find("-h, --help") != std::string::npos);
  }
}

TEST_CASE("an unknown option is bad input with the nearest option", "[cli]") {
  Argv a({"demo", "s.yaml", "--treads", "2"});
  std::ostringstream out;
  CHECK_THROWS_WITH(example().parse(a.argc(), a.argv(), out),
                    "fleetsim demo: unknown option '--treads' (did you mean '--threads'?); fleetsim demo --help lists "
                    "the options");
  Argv far({"demo", "s.yaml", "--zzzzzz"});
  CHECK_THROWS_WITH(example().parse(far.argc(), far.argv(), out),
                    "fleetsim demo: unknown option '--zzzzzz'; fleetsim demo --help lists the options");
}

TEST_CASE("a missing argument or value is bad input in one line", "[cli]") {
  std::ostringstream out;
  Argv none({"demo"});
  CHECK_THROWS_WITH(example().parse(none.argc(), none.argv(), out),
                    "fleetsim demo: FILE is required (usage: fleetsim demo FILE [options])");
  Argv no_value({"demo", "s.yaml", "--threads"});
  CHECK_THROWS_AS(example().parse(no_value.argc(), no_value.argv(), out), core::InputError);
  Argv extra({"demo", "a.yaml", "b.yaml"});
  CHECK_THROWS_WITH(example().parse(extra.argc(), extra.argv(), out),
                    Catch::Contains("too many arguments: it takes FILE and options"));
}

TEST_CASE("every command declares its options once, each with a description", "[cli]") {
  std::set<std::string> names;
  for (const cli::CommandEntry& entry : cli::commands()) {
    const cli::Command c = entry.declare();
    INFO(c.name());
    CHECK(names.insert(c.name()).second);
    CHECK(!c.summary().empty());
    CHECK(!c.description().empty());
    std::set<std::string> options;
    for (const cli::OptionSpec& s : c.options()) {
      INFO(s.name);
      CHECK(options.insert(s.name).second);
      CHECK(!s.description.empty());
    }
    CHECK(c.options().back().name == "help");
  }
  CHECK(names == std::set<std::string>{"run", "validate", "sweep", "plan", "inspect", "catalog", "help"});
}

TEST_CASE("the options the issue names appear in help", "[cli]") {
  auto help_of = [](const std::string& name) {
    for (const cli::CommandEntry& entry : cli::commands()) {
      const cli::Command c = entry.declare();
      if (c.name() != name) continue;
      std::ostringstream out;
      c.print_help(out);
      return out.str();
    }
    return std::string();
  };
  CHECK(help_of("sweep").find("--merge") != std::string::npos);
  CHECK(help_of("sweep").find("--dry-run") != std::string::npos);
  CHECK(help_of("run").find("-q, --quiet") != std::string::npos);
  CHECK(help_of("plan").find("--frontier T...") != std::string::npos);
  CHECK(help_of("plan").find("--target-cfe X") != std::string::npos);
  CHECK(help_of("plan").find("(default: 0.9)") != std::string::npos);
  CHECK(help_of("inspect").find("--json") != std::string::npos);
  CHECK(help_of("validate").find("--grid SWEEP.yaml") != std::string::npos);
}

TEST_CASE("docs/fleetsim.1 and the bash completion are made from the declarations", "[cli]") {
  INFO("regenerate with: fleetsim help --man > docs/fleetsim.1");
  CHECK(text_of(kSource + "/docs/fleetsim.1") == cli::man_page());
  INFO("regenerate with: fleetsim help --bash-completion > scripts/completion/fleetsim.bash");
  CHECK(text_of(kSource + "/scripts/completion/fleetsim.bash") == cli::bash_completion());
}

TEST_CASE("durations are shown in seconds, minutes or hours", "[cli]") {
  CHECK(cli::format_duration(0.04) == "0.0 s");
  CHECK(cli::format_duration(12.34) == "12.3 s");
  CHECK(cli::format_duration(245) == "4 min 05 s");
  CHECK(cli::format_duration(7380) == "2 h 03 min");
  CHECK(cli::format_duration(-1) == "?");
}

TEST_CASE("a progress line off a terminal prints nothing and kept lines plainly", "[cli]") {
  cli::ProgressLine progress(false);
  CHECK(!progress.enabled());
  progress.update("runs", 1, 2);
  progress.finish();
}
