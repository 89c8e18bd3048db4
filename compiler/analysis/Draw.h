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

/// Writes `dot` to `path`: as is for a .dot path, rendered by Graphviz's
/// `dot` for .svg, .png or .pdf. Where `dot` is not installed, writes the
/// .dot text next to the requested path instead, and says so.
DrawingResult writeDrawing(const std::string &dot, const std::string &path);

} // namespace rasp::analysis
