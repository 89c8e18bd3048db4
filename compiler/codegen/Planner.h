// Stage 6b: the plan, from the RASP graph and its value sets to the
// layer/head IR: encodings, fusion, layer and head allocation, residual
// layout (everything but the dense matrices).
//
// Requires: the value sets of every s-op below `root`. The algorithm:
//   1. tokens and indices are one-hot blocks of the embeddings (made only
//      when something reads them); `one` and `bos` are two more dimensions;
//   2. every aggregate and selector_width, in topological order, gets a head
//      in the earliest layer whose inputs are ready. A head reads the query
//      and the key of each select through the maps above them (the maps fold
//      into the score table), so it needs one categorical block per side
//      (a side made by an MLP holds the classes of its values that its
//      selects tell apart, when that halves it or better);
//      `and` combines selects as summed tables, and `or`/`not` fold into the
//      table of selects that read the same two blocks, or read a tuple block
//      (the classes the whole selector tells apart, made in the MLP after
//      its parts or, a layer earlier, from what they are made from).
//      Aggregates on one selector in one layer share a head. The value map
//      folds into W_V, the default into BOS's value. A numeric aggregate is
//      numerical (the mean is exact); a selector width writes BOS's
//      attention share, c/(c+w);
//   3. whatever a head cannot read directly (a map of several blocks, a
//      numerical value used as a key) is computed by the MLP of the layer
//      after its inputs: one lookup over its input blocks (values with the
//      same outputs share a unit), with at most one numerical input
//      discretised by steps. Sums and constant multiples of numerical s-ops
//      are linear forms of the residual and need no MLP. A map that reads
//      prefix counts, round((indices + 1) * m) over select(indices, indices,
//      <=), only through one integer combination of them reads the same
//      combination of the means with per-index levels (PlanCounts.cpp).
//      Otherwise a map of several numerical inputs is split at its largest
//      parts with one, earliest first (numerical when inside a sum, else
//      categorical; one layer more), or its inputs are made categorical;
//   4. the output s-op is read from its block: argmax, or a linear form.
// Throws CompileError naming the s-op for what it cannot compile exactly.
#pragma once

#include "compiler/codegen/Plan.h"
#include "compiler/codegen/ValueSets.h"

namespace rasp::codegen {

struct PlanOptions {
  std::vector<Atom> vocab;
  int64_t maxLen = 0;
  /// Most hidden units one MLP block may spend.
  size_t maxUnits = 200'000;
};

struct CompileError {
  const graph::Node *node; ///< The s-op at fault, or null.
  std::string message;
};

ModelPlan planModel(const graph::Node *root, const ValueSets &sets,
                    const PlanOptions &options);

} // namespace rasp::codegen
