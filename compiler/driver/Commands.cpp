// The subcommands: option parsing with Boost.Program_options, then one library
// call each.
#include "compiler/driver/Commands.h"

#include "compiler/frontend/AstDump.h"
#include "compiler/frontend/Parse.h"
#include "compiler/support/Diagnostics.h"

#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/raw_ostream.h"

#include <boost/program_options.hpp>

#include <iostream>

using namespace rasp;
using namespace rasp::driver;
namespace po = boost::program_options;

namespace {

/// Parses `args` against `options` (plus -h/--help) and the positional
/// arguments; on bad usage prints the error and `usage` and returns nothing.
std::optional<po::variables_map>
parseArgs(const std::vector<std::string> &args, const char *usage,
          po::options_description options,
          const po::positional_options_description &positional) {
  options.add_options()("help,h", "show this help");
  po::variables_map vm;
  try {
    po::store(po::command_line_parser(args)
                  .options(options)
                  .positional(positional)
                  .run(),
              vm);
    if (vm.count("help")) {
      std::cout << usage << "\n" << options;
      return po::variables_map(); // Empty: the caller exits with success.
    }
    po::notify(vm);
  } catch (const po::error &e) {
    std::cerr << "rasp: error: " << e.what() << "\n\n"
              << usage << "\n"
              << options;
    return std::nullopt;
  }
  return vm;
}

/// Reads a file (or stdin for "-") into `diags`.
std::optional<FileId> loadSource(DiagnosticEngine &diags,
                                 const std::string &path) {
  if (path != "-")
    return diags.loadFile(path);
  auto buffer = llvm::MemoryBuffer::getSTDIN();
  if (!buffer) {
    diags.error("cannot read standard input: " + buffer.getError().message());
    return std::nullopt;
  }
  return diags.addFile("<stdin>", (*buffer)->getBuffer());
}

int checkCommand(const std::vector<std::string> &args) {
  const char *usage =
      "usage: rasp check FILE...\n\n"
      "Parses and checks RASP files and prints their diagnostics. Exits with\n"
      "1 if any file has an error, 0 otherwise. FILE '-' reads stdin.\n";
  po::options_description options("options");
  options.add_options()(
      "file", po::value<std::vector<std::string>>()->required(), "a RASP file");
  po::positional_options_description positional;
  positional.add("file", -1);
  auto vm = parseArgs(args, usage, options, positional);
  if (!vm)
    return ExitUsage;
  if (vm->empty())
    return ExitOk;
  DiagnosticEngine diags;
  for (const std::string &path : (*vm)["file"].as<std::vector<std::string>>())
    if (std::optional<FileId> file = loadSource(diags, path))
      frontend::parseProgram(diags, *file);
  return diags.errorCount() ? ExitProgramError : ExitOk;
}

int parseCommand(const std::vector<std::string> &args) {
  const char *usage =
      "usage: rasp parse FILE [--emit=ast]\n\n"
      "Parses a RASP file and prints the output of a front-end stage.\n"
      "FILE '-' reads stdin.\n";
  po::options_description options("options");
  options.add_options()("file", po::value<std::string>()->required(),
                        "a RASP file")(
      "emit", po::value<std::string>()->default_value("ast"),
      "what to print: ast (the typed syntax tree with source ranges)");
  po::positional_options_description positional;
  positional.add("file", 1);
  auto vm = parseArgs(args, usage, options, positional);
  if (!vm)
    return ExitUsage;
  if (vm->empty())
    return ExitOk;
  std::string emit = (*vm)["emit"].as<std::string>();
  if (emit != "ast") {
    std::cerr << "rasp: error: unknown --emit value '" << emit
              << "' (expected: ast)\n\n"
              << usage;
    return ExitUsage;
  }
  DiagnosticEngine diags;
  std::optional<FileId> file =
      loadSource(diags, (*vm)["file"].as<std::string>());
  if (!file)
    return ExitProgramError;
  frontend::ParseResult result = frontend::parseProgram(diags, *file);
  if (!result.program)
    return ExitProgramError;
  frontend::dumpAst(*result.program, diags, llvm::outs());
  return ExitOk;
}

} // namespace

const std::vector<Command> &rasp::driver::commands() {
  static const std::vector<Command> all = {
      {"check", "parse and check RASP files; print their diagnostics",
       checkCommand},
      {"parse", "print the syntax tree of a RASP file (--emit=ast)",
       parseCommand},
  };
  return all;
}
