#include "cli/commands.hpp"

#include <iostream>
#include <new>

#include "core/error.hpp"
#include "core/text.hpp"
#include "core/version.hpp"
#include "run/sweep_mpi.hpp"
#include "scenario/schema.hpp"

namespace fleetsim::cli {

const std::vector<CommandEntry>& commands() {
  static const std::vector<CommandEntry> list{
      {run_command, run_main},   {validate_command, validate_main}, {sweep_command, sweep_main},
      {plan_command, plan_main}, {inspect_command, inspect_main},   {catalog_command, catalog_main},
      {help_command, help_main},
  };
  return list;
}

void print_usage(std::ostream& out) {
  out << "fleetsim " << core::kVersion
      << " — discrete-event simulator of AI data-center fleets\n\n"
         "usage: fleetsim COMMAND [ARGUMENTS] [OPTIONS]\n\ncommands:\n";
  std::vector<Command> declared;
  size_t width = 0;
  for (const CommandEntry& entry : commands()) {
    declared.push_back(entry.declare());
    width = std::max(width, declared.back().name().size());
  }
  for (const Command& c : declared) {
    out << "  " << c.name() << std::string(width - c.name().size() + 2, ' ') << c.summary() << '\n';
  }
  out << "\n`fleetsim COMMAND --help` (or `fleetsim help COMMAND`) shows a command's arguments and options, each\n"
         "with its unit and default; `fleetsim --version` the version and whether MPI is built in.\n\n"
         "exit codes: 0 ok, 1 simulation error, 2 bad input\n"
         "docs: README.md, `man -l docs/fleetsim.1`, docs/scenario-reference.md, docs/output-format.md,\n"
         "      docs/sweeps.md, docs/planning.md\n";
}

int main_of(int argc, char** argv) {
  const std::string command = argc > 1 ? argv[1] : "";
  try {
    if (command == "--version" || command == "-V") {
      std::cout << "fleetsim " << core::kVersion << " (output format " << core::kFormatVersion << ", "
                << (run::mpi_available() ? "with MPI" : "without MPI") << ")\n";
      return kExitOk;
    }
    if (command.empty() || command == "--help" || command == "-h") {
      print_usage(std::cout);
      return command.empty() ? kExitBadInput : kExitOk;
    }
    std::vector<std::string> names;
    for (const CommandEntry& entry : commands()) {
      const Command declared = entry.declare();
      if (declared.name() == command) {
        const std::optional<Arguments> args = declared.parse(argc - 1, argv + 1, std::cout);
        return args ? entry.main(*args) : kExitOk;
      }
      names.push_back(declared.name());
    }
    const bool option = command.rfind('-', 0) == 0;
    const std::string hint =
        scenario::closest(command, option ? std::vector<std::string>{"--help", "--version"} : names);
    throw core::InputError(core::SourceLocation{},
                           std::string(option ? "unknown option " : "unknown command ") + core::quote(command) +
                               (hint.empty() ? "" : " (did you mean " + core::quote(hint) + "?)") +
                               "; fleetsim --help lists the commands");
  } catch (const core::InputError& e) {
    std::cerr << "fleetsim: error: " << e.what() << '\n';
    return kExitBadInput;
  } catch (const std::bad_alloc&) {
    std::cerr << "fleetsim: simulation error: out of memory (the run needs more than this machine gives it: fewer "
                 "jobs, hours or sites need less; docs/performance.md gives the planet-scale year's peak)\n";
    return kExitSimulationError;
  } catch (const std::exception& e) {
    std::cerr << "fleetsim: simulation error: " << core::one_line(e.what()) << '\n';
    return kExitSimulationError;
  }
}

}  // namespace fleetsim::cli
