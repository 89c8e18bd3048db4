// `rasp lsp`: the language server over standard input and output.
#include "compiler/driver/Commands.h"
#include "compiler/driver/Support.h"

#include "compiler/lsp/Server.h"

#include "llvm/Support/raw_ostream.h"

#include <boost/program_options.hpp>

namespace po = boost::program_options;

int rasp::driver::lspCommand(const std::vector<std::string> &args) {
  const char *usage = "usage: rasp lsp [--stdio]\n\n"
                      "Runs the RASP language server: the Language Server Protocol over\n"
                      "standard input and output, for editors (see docs/editors.md). Problems\n"
                      "with the messages it reads are logged on standard error.\n";
  po::options_description options("options");
  options.add_options()("stdio", "talk over standard input and output (the default; editors "
                                 "pass it)");
  int exit = ExitOk;
  auto vm = parseArgs(args, usage, options, 0, exit);
  if (!vm)
    return exit;
  llvm::raw_fd_ostream out(STDOUT_FILENO, /*shouldClose=*/false, /*unbuffered=*/false);
  return lsp::runServer(stdin, out, &llvm::errs());
}
