#pragma once
// The subcommands of `fleetsim`, one file each (cmd_<name>.cpp): its declaration (command.hpp:
// arguments and options, from which help, the man page and completion are made) and its body.

#include <ostream>
#include <string>
#include <vector>

#include "cli/command.hpp"

namespace fleetsim::cli {

constexpr int kExitOk = 0;
constexpr int kExitSimulationError = 1;
constexpr int kExitBadInput = 2;

struct CommandEntry {
  Command (*declare)();
  int (*main)(const Arguments& args);
};

Command run_command();
int run_main(const Arguments& args);
Command validate_command();
int validate_main(const Arguments& args);
Command sweep_command();
int sweep_main(const Arguments& args);
Command plan_command();
int plan_main(const Arguments& args);
Command inspect_command();
int inspect_main(const Arguments& args);
Command catalog_command();
int catalog_main(const Arguments& args);
Command help_command();
int help_main(const Arguments& args);

// Every subcommand, in the order `fleetsim --help` lists them.
const std::vector<CommandEntry>& commands();

// `fleetsim`, `fleetsim --help`: what fleetsim is and each command in one line.
void print_usage(std::ostream& out);

// Runs `fleetsim ARGS...` (argv[0] is the program): the subcommand, --help, --version; an
// unknown command is exit code 2 with a "did you mean". Errors are printed to stderr and
// turned into exit codes here.
int main_of(int argc, char** argv);

// The manual page (roff, docs/fleetsim.1) and the bash completion script
// (scripts/completion/fleetsim.bash), both made from the declarations.
std::string man_page();
std::string bash_completion();

}  // namespace fleetsim::cli
