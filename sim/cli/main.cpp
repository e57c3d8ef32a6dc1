// fleetsim command line: a thin layer over the sim/ libraries. The subcommands are in
// sim/cli/cmd_<name>.cpp; `fleetsim --help` lists them, `fleetsim COMMAND --help` shows each
// one's options. Exit codes: 0 ok, 1 simulation error, 2 bad input.

#include "cli/commands.hpp"

int main(int argc, char** argv) {
  return fleetsim::cli::main_of(argc, argv);
}
