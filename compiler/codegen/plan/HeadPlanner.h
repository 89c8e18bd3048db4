// Stage 6b, attention heads: the head of every aggregate and selector width.
//
// Contract: planHeads() gives every aggregate and selector_width below
// `root`, in topological order, a head in the earliest layer whose inputs
// are ready, and adds the blocks they write to the layout:
//   1. a head reads the query and the key of each select through the maps
//      above them (the maps fold into the score table), so it needs one
//      categorical block per side; a side made by an MLP (LookupPlanner)
//      holds the classes of its values that its selects tell apart, when
//      that halves it or better;
//   2. `and` combines selects as summed tables; `or`/`not` fold into the
//      table of selects that read the same two blocks, or read a tuple block
//      (the classes the whole selector tells apart, made in the MLP after its
//      parts or, a layer earlier, from what they are made from);
//   3. aggregates on one selector in one layer share a head; the value map
//      folds into W_V, the default into BOS's value; a numeric aggregate is
//      numerical (the mean is exact); a selector width writes BOS's
//      attention share, c/(c+w).
// Throws CompileError naming the s-op for what it cannot compile exactly.
#pragma once

#include "compiler/codegen/plan/LookupPlanner.h"

namespace rasp::codegen {

void planHeads(PlanContext &cx, LookupPlanner &lookups, const Node *root);

} // namespace rasp::codegen
