// The layer and head report of `rasp analyze`, as text and as JSON.
#pragma once

#include "compiler/analysis/Analyze.h"

#include "llvm/Support/JSON.h"

#include <string>

namespace llvm {
class raw_ostream;
}

namespace rasp {
class DiagnosticEngine;
}

namespace rasp::analysis {

/// Text: a summary line, then per layer its heads (selector name and where
/// it was written) and its feed-forward s-ops.
void printReport(const std::string &name, const Analysis &analysis, const DiagnosticEngine &diags,
                 llvm::raw_ostream &out);

/// JSON (schema in docs/cli.md): name, layers, max_heads, heads_per_layer,
/// and per layer its heads and mlp.
llvm::json::Object reportJson(const std::string &name, const Analysis &analysis,
                              const DiagnosticEngine &diags);

} // namespace rasp::analysis
