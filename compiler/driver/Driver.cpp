// Dispatches `rasp SUBCOMMAND ...` and handles the global options.
#include "compiler/driver/Driver.h"

#include "compiler/driver/Commands.h"

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

} // namespace

int rasp::driver::runDriver(int argc, char **argv) {
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
