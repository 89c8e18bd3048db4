// The computation flow of an s-op as a Graphviz graph (`rasp draw`).
//
// One cluster per layer. Layer 0 holds the inputs and the feed-forward work
// on them; every other layer holds its attention heads (each showing its
// selector's matrix on the example input) with the s-ops they compute, then
// its MLP, with the s-ops it computes. Every s-op shows its value on the
// example input, as the original's draw does; constants are folded into
// their users.
#pragma once

#include "compiler/analysis/Analyze.h"
#include "compiler/eval/Evaluate.h"

#include "llvm/ADT/StringRef.h"

#include <string>

namespace llvm {
class raw_ostream;
}

namespace rasp::analysis {

/// Writes the DOT text; throws eval::EvalError if a node fails on the input.
void drawDot(const std::string &name, const Analysis &analysis, eval::Evaluator &evaluator,
             llvm::raw_ostream &out);

struct DrawingResult {
  bool ok = false;
  std::string path;    ///< The file written.
  std::string message; ///< Why nothing was written, or a note (a fallback).
};

/// Writes `dot` to `path`: as is for a .dot (or .gv) path, rendered by
/// Graphviz's `dot` for .svg, .png or .pdf. The DOT text goes to `dot`
/// through a pipe and its output straight into `path` (opened here, so that
/// an error names it): no other file is made, read or removed. Where `dot`
/// is not installed, it is an error, unless `dotFallback` is set (the REPL's
/// own comp_flows/ folder): then the .dot text is written next to `path`
/// instead, and the message says so.
DrawingResult writeDrawing(const std::string &dot, const std::string &path, bool dotFallback);

/// Whether writeDrawing can write `path`: it ends in .dot, .gv, .svg, .png
/// or .pdf.
bool isDrawingPath(llvm::StringRef path);

} // namespace rasp::analysis
