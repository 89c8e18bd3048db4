// Stage 6c, pruning: the plan without the blocks nothing reads. The planner makes some
// blocks that a later choice leaves unread (a part that a tuple is then made
// around, a side read through a tuple instead); this pass drops them, the
// MLP units and head outputs that write them, and renumbers the residual.
#pragma once

#include "compiler/codegen/plan/Plan.h"

namespace rasp::codegen {

/// Drops every block (and what writes it) that neither the output nor a kept
/// head or MLP reads; `one` and `bos` stay. Layers keep their places.
void pruneUnread(ModelPlan &plan);

} // namespace rasp::codegen
