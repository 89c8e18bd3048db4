// Stages 1 and 2: RASP source text to a typed AST.
//
// parseProgram runs, in order:
//   1. a UTF-8 check of the text;
//   2. the ANTLR lexer, and a report of every malformed lexeme;
//   3. a nesting check (brackets and prefix operators), so that the
//      recursive-descent parser cannot exhaust the stack;
//   4. the ANTLR parser in SLL mode, falling back to full LL only when SLL
//      fails (the standard ANTLR speed-up), with readable syntax errors; it
//      reads one statement at a time, and each prediction sees no further
//      than the end of the statement it starts in, which keeps parsing
//      linear in the length of the file;
//   5. a depth check of the parse tree (left-recursive chains such as
//      `1+1+...` nest without bound even though the parser loops);
//   6. AST building (BuildAst.h), each statement as soon as it is parsed.
// Every error is reported through the DiagnosticEngine; the result is empty
// if there was any.
#pragma once

#include "compiler/frontend/AST.h"
#include "compiler/support/Diagnostics.h"

#include <cstdint>
#include <optional>

namespace rasp::frontend {

/// How much work ANTLR's adaptive prediction did in one parseProgram call:
/// what a test checks to catch prediction that reads further ahead than the
/// statement it is in (which makes parsing quadratic in the file's length).
struct PredictionStats {
  /// Calls of adaptive prediction, in both passes.
  uint64_t decisions = 0;
  /// Tokens that SLL prediction examined, summed over all calls.
  uint64_t lookahead = 0;
  /// The most tokens that one SLL prediction examined.
  uint64_t maxLookahead = 0;
  /// Predictions that SLL could not settle and full LL had to (LL pass only).
  uint64_t llFallbacks = 0;
  /// SLL parsing failed (or was off) and the text was parsed again with LL.
  bool llPass = false;
};

struct ParseOptions {
  /// Most brackets and prefix operators open at once.
  unsigned maxNesting = 200;
  /// Most levels of syntax tree (expressions and statements).
  unsigned maxDepth = 1000;
  /// Most syntax errors reported before parsing stops.
  unsigned maxErrors = 20;
  /// Try fast SLL prediction first (off: full LL from the start; results
  /// are the same, only speed differs).
  bool sllFirst = true;
  /// If set, prediction runs under ANTLR's profiler (slower) and its
  /// counters are written here.
  PredictionStats *stats = nullptr;
};

struct ParseResult {
  std::optional<ast::Program> program; ///< Empty if there was an error.
  /// Some syntax error was at the end of the text: the text may be the start
  /// of a longer statement (the REPL then reads another line).
  bool endedEarly = false;
};

/// Parses the whole of `file` (registered with `diags`).
ParseResult parseProgram(DiagnosticEngine &diags, FileId file,
                         const ParseOptions &options = ParseOptions());

} // namespace rasp::frontend
