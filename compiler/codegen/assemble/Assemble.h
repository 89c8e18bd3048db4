// Stage 7: assembly, the layer/head IR laid out as dense weight matrices.
//
// Requires: a plan. Adds nothing new: every sparse weight of the plan lands
// in its dense matrix (embeddings; W_Q, W_K, W_V, W_O per head, each as wide
// as that head needs; W1, b1, W2, b2 per MLP), the residual labels
// (`label:value` per categorical dimension, `label` per numerical one) and
// the output decoder. The softmax sharpness is already in W_Q.
#pragma once

#include "compiler/codegen/plan/Plan.h"
#include "runtime/Model.h"

namespace rasp::codegen {

/// The dense parameters assembleModel(plan) allocates (what
/// Model::parameters() then counts), from the plan's shapes alone, so that a
/// model too large to hold is refused before any of it is allocated.
int64_t denseParameters(const ModelPlan &plan);

/// With `nonzeros`, also counts the nonzero weights as they are written
/// (what Model::nonzeroParameters finds by reading every weight).
runtime::Model assembleModel(const ModelPlan &plan, int64_t *nonzeros = nullptr);

} // namespace rasp::codegen
