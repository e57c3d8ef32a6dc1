// fleetsim command line: a thin layer over the sim/ libraries. The subcommands are in
// sim/cli/cmd_<name>.cpp; `fleetsim --help` lists them, `fleetsim COMMAND --help` shows each
// one's options. Exit codes: 0 ok, 1 simulation error, 2 bad input.

#include "cli/commands.hpp"
#include "core/memory.hpp"

int main(int argc, char** argv) {
  fleetsim::core::keep_freed_memory();  // the process runs and exits: memory it frees is reused
  return fleetsim::cli::main_of(argc, argv);
}
