// The subcommands of `rasp`, each a thin layer over one library entry point.
#pragma once

#include <string>
#include <vector>

namespace rasp::driver {

enum ExitCode { ExitOk = 0, ExitProgramError = 1, ExitUsage = 2, ExitMismatch = 3 };

/// A subcommand: its name, a one-line summary, and its entry point, which
/// receives the arguments after the subcommand's name.
struct Command {
  const char *name;
  const char *summary;
  int (*run)(const std::vector<std::string> &args);
};

/// Every subcommand that works, in the order `rasp --help` lists them.
const std::vector<Command> &commands();

} // namespace rasp::driver
