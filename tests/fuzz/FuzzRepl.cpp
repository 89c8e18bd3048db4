// libFuzzer target: the REPL's line handling. Arbitrary bytes as a piped
// session, fed to the REPL loop one line at a time: continuation lines,
// commands, statements and errors, with the running examples' trial
// evaluation and the original's display. Lines with `draw` are left out (it
// runs Graphviz and writes files), and Graphviz is kept out of reach besides.
// Diagnostics are fine; any crash, hang, leak, sanitizer report or unbounded
// memory is a bug.
#include "compiler/repl/Repl.h"
#include "tests/fuzz/FuzzProgram.h"

#include "llvm/ADT/SmallVector.h"
#include "llvm/Support/raw_ostream.h"

#include <cstddef>
#include <cstdint>
#include <cstdlib>

using namespace rasp;

extern "C" int LLVMFuzzerInitialize(int *, char ***) {
  setenv("PATH", "", 1); // No `dot`: a drawing could only be a .dot file.
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  llvm::raw_null_ostream sink;
  DiagnosticEngine diags(&sink);
  std::unique_ptr<lang::Elaborator> elaborator = fuzz::makeElaborator(diags);
  llvm::SmallVector<llvm::StringRef, 16> lines;
  llvm::StringRef(reinterpret_cast<const char *>(data), size).split(lines, '\n');
  size_t next = 0;
  lang::LineReader read = [&](const std::string &) -> std::optional<std::string> {
    while (next < lines.size()) {
      llvm::StringRef line = lines[next++];
      if (!line.contains("draw"))
        return line.str();
    }
    return std::nullopt;
  };
  lang::runRepl(*elaborator, diags, read, sink, lang::ReplOptions());
  return 0;
}
