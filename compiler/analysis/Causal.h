// Whether an s-op only looks back: every selector it reads selects, at each
// position, earlier or equal positions only, so that appending tokens never
// changes its value at the positions before (a cached decode is exact).
//
// The check is by the selectors' form, and proves what it accepts for every
// input of up to max_len tokens; a selector it cannot prove is reported as
// not looking back, even where it happens to. The rules:
//  1. select(K, Q, CMP) looks back when K and Q are each `indices` or an
//     s-op of indices and constants alone (maps, no tokens, no aggregate)
//     and, for every query position q and key position k with
//     q < k < max_len, K[k] CMP Q[q] is false (checked for each pair, the
//     s-ops evaluated on max_len positions);
//  2. `A and B` looks back when A or B does; `A or B` when both do; `not A`
//     never does;
//  3. the s-op looks back when the selector of every aggregate and
//     selector_width it depends on looks back.
#pragma once

#include "compiler/graph/Graph.h"

#include <cstdint>

namespace rasp::analysis {

/// The first selector of `sop` that rules 1-3 cannot prove to look back
/// (inputs before users), or null when it only looks back, for inputs of
/// up to `maxLen` tokens.
const graph::Node *firstLookAhead(const graph::Node *sop, int64_t maxLen);

} // namespace rasp::analysis
