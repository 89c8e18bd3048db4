// Dispatches `rasp SUBCOMMAND ...` and handles the global options.
#include "compiler/driver/Driver.h"

#include "compiler/driver/Commands.h"

#include "llvm/Support/raw_ostream.h"

#include <cstring>
#include <iostream>

using namespace rasp::driver;

namespace {

void printUsage(std::ostream &out) {
  out << "usage: rasp <command> [options] [arguments]\n"
         "\n"
         "The RASP toolchain: parse, check and analyse programs in RASP, the\n"
         "language of \"Thinking Like Transformers\".\n"
         "\n"
         "commands:\n";
  for (const Command &command : commands()) {
    std::string name = command.name;
    out << "  " << name << std::string(10 - name.size(), ' ') << command.summary << "\n";
  }
  out << "\n"
         "options:\n"
         "  -h, --help    show this help\n"
         "  --version     show the version\n"
         "\n"
         "Run 'rasp <command> --help' for the options of a command.\n";
}

/// Whether everything written to `out` reached it; clears the error, which
/// llvm's stream would otherwise turn into a fatal "IO failure" at exit.
bool flushed(llvm::raw_fd_ostream &out, std::string &why) {
  out.flush();
  if (!out.has_error())
    return true;
  why = out.error().message();
  out.clear_error();
  return false;
}

/// A write that failed (a full disk, a closed stream) turns `exit` into
/// ExitProgramError, with an error on stderr when it was stdout's. A failed
/// stderr cannot report itself; the exit status says it.
int checkWrites(int exit) {
  std::string why = "the stream is closed or bad";
  bool outOk = flushed(llvm::outs(), why) && std::cout.flush();
  if (!outOk)
    llvm::errs() << "rasp: error: cannot write the output: " << why << "\n";
  std::string ignored;
  bool errOk = flushed(llvm::errs(), ignored) && std::cerr.flush();
  return outOk && errOk ? exit : ExitProgramError;
}

int dispatch(int argc, char **argv) {
  if (argc < 2) {
    printUsage(std::cerr);
    return ExitUsage;
  }
  std::string first = argv[1];
  if (first == "-h" || first == "--help" || first == "help") {
    printUsage(std::cout);
    return ExitOk;
  }
  if (first == "--version") {
    std::cout << "rasp " << RASP_VERSION << "\n";
    return ExitOk;
  }
  for (const Command &command : commands())
    if (first == command.name)
      return command.run(std::vector<std::string>(argv + 2, argv + argc));
  if (!first.empty() && first[0] == '-')
    std::cerr << "rasp: error: unknown option '" << first << "'\n\n";
  else
    std::cerr << "rasp: error: unknown command '" << first << "'\n\n";
  printUsage(std::cerr);
  return ExitUsage;
}

} // namespace

int rasp::driver::runDriver(int argc, char **argv) { return checkWrites(dispatch(argc, argv)); }
