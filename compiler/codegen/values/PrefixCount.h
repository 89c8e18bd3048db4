// Prefix counts: round(g(indices) * m) with m a mean over
// select(indices, indices, <=) and g(i) = i + 1 at every index is the number
// summed by the mean (that selector picks exactly i + 1 keys at index i).
// Shared by the value sets (a count's set is the range of those sums) and
// the planner (a combination of counts is read as one of the means).
#pragma once

#include "compiler/graph/Graph.h"

#include <optional>
#include <utility>

namespace rasp::codegen {

/// The two factors of `y` when it is round(a * b) of two s-ops (either may
/// be the mean of a count), else nothing.
std::optional<std::pair<const graph::Node *, const graph::Node *>>
roundedProduct(const graph::Node *y);

/// Whether `g` is i + 1 at every index i < maxLen, a function of the
/// indices and constants alone; sets `indices` to the indices node it reads.
bool isIndexPlusOne(const graph::Node *g, int64_t maxLen, const graph::Node *&indices);

/// The mean m when `y` is round(g(indices) * m) as above (either order of
/// the product), else null; sets `indices` to the indices node g reads.
const graph::Node *prefixCountMean(const graph::Node *y, int64_t maxLen,
                                   const graph::Node *&indices);

} // namespace rasp::codegen
