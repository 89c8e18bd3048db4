// Facts about positions that the graph alone shows: an s-op that holds the
// same value at every position of an input, keys that differ at every
// position, and selectors under which every query selects at most one key.
// The value sets use them (an aggregate over at most one key takes one of
// its values or the default, never a mean of several).
#pragma once

#include "compiler/graph/Graph.h"

#include <functional>

namespace rasp::codegen {

/// Whether an s-op's values are all finite numbers (the caller knows).
using NodeTest = std::function<bool(const graph::Node *)>;

/// Constants, maps of such, and aggregates and selector widths whose every
/// select's query side is such (every query then selects the same keys).
bool sameAtEveryPosition(const graph::Node *node);

/// The index, shifted by an s-op that is the same at every position and
/// `finite` (an infinite shift would make every key equal), negated, or
/// scaled by a nonzero constant.
bool differsAtEveryPosition(const graph::Node *node, const NodeTest &finite);

/// An equality whose keys differ at every position, or a conjunction with
/// one.
bool selectsAtMostOne(const graph::Node *selector, const NodeTest &finite);

} // namespace rasp::codegen
