// The REPL: the original's read-eval-print loop, its commands and display.
//
// Reads statements (with continuation lines while a statement is
// unfinished), runs them, and prints every value as the original does:
// s-ops with their value on the running example ("hello" by default),
// selectors as matrices, atoms, lists, dicts and functions. Every new s-op
// and selector is first tried on the running example (or on the input of
// an enclosing `sop(INPUT)`), and a statement whose value fails there is
// rejected with a located error; the REPL then goes on.
#pragma once

#include "compiler/lang/Elaborate.h"

#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace llvm {
class raw_ostream;
}

namespace rasp::lang {

/// Where the REPL's lines come from: returns the next line (without its
/// line break), or nothing at the end of the input. `prompt` is the prompt
/// to show when reading from a terminal.
using LineReader = std::function<std::optional<std::string>(const std::string &prompt)>;

struct ReplOptions {
  /// Print prompts into the output (true when the input is piped, so that a
  /// transcript reads as the original's; the terminal reader shows them
  /// itself otherwise).
  bool echoPrompts = true;
  /// Files to load before the first prompt (as `load "name";` would, with
  /// its listing), named by path.
  std::vector<std::string> preload;
};

/// Runs the REPL until `exit` or the end of the input. Files given in
/// `preload` are loaded first, as by `load`. Returns the process exit code.
int runRepl(Elaborator &elaborator, DiagnosticEngine &diags, LineReader read,
            llvm::raw_ostream &out, const ReplOptions &options);

} // namespace rasp::lang
