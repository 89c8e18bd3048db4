// Stage 6b: the plan, from the RASP graph and its value sets to the
// layer/head IR: encodings, fusion, layer and head allocation, residual
// layout (everything but the dense matrices).
//
// Requires: the value sets of every s-op below `root`. The algorithm, each
// step in its own part over one residual layout (ResidualLayout.h):
//   1. tokens and indices are one-hot blocks of the embeddings (made only
//      when something reads them); `one` and `bos` are two more dimensions;
//   2. every aggregate and selector_width, in topological order, gets a head
//      in the earliest layer whose inputs are ready (HeadPlanner.h);
//   3. whatever a head cannot read directly (a map of several blocks, a
//      numerical value used as a key) is computed by the MLP of the layer
//      after its inputs, as one lookup (LookupPlanner.h); sums and constant
//      multiples of numerical s-ops are linear forms and need no MLP; a map
//      that reads prefix counts only through integer combinations of them
//      reads the combinations' means directly (CountPlanner.h);
//   4. the output s-op is read from its block: argmax, or a linear form;
//   5. the heads and MLP blocks, by time, become layers, and the embedding
//      rows are written.
// Throws CompileError naming the s-op for what it cannot compile exactly.
#pragma once

#include "compiler/codegen/plan/Plan.h"
#include "compiler/codegen/values/ValueSets.h"

namespace rasp::codegen {

struct PlanOptions {
  std::vector<Atom> vocab;
  int64_t maxLen = 0;
  /// Most hidden units one MLP block may spend.
  size_t maxUnits = 200'000;
  /// The dense parameter budget (CompileOptions::maxParams): a head whose
  /// scores alone would pass it is refused before they are built.
  int64_t maxParams = 1'000'000'000;
  /// Set on the second try after a plan was refused for a limit that grows
  /// with max_len (planWithinLimits, Pipeline.cpp): alternatives that take a layer more to
  /// stay exact or within the budgets are taken. A BOS-share head whose
  /// scores' one-hot errors would leave its shares too close to tell apart
  /// reads clean copies of those one-hots, made by an MLP of their own; the
  /// width of a comparison of keys ordered lexicographically by two parts
  /// is the sum of the counts of its two sides, one head each.
  bool spendLayers = false;
};

struct CompileError {
  const graph::Node *node; ///< The s-op at fault, or null.
  std::string message;
  /// Whether a limit that grows with max_len was passed (a value set, a
  /// table, float32 precision, the parameter budget): a lower max_len may
  /// compile.
  bool sizeLimit = false;
};

ModelPlan planModel(const graph::Node *root, const ValueSets &sets, const PlanOptions &options);

} // namespace rasp::codegen
