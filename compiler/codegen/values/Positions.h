// Facts about positions that the graph alone shows: an s-op that holds the
// same value at every position of an input, keys that differ at every
// position, and selectors under which every query selects at most one key.
// The value sets use them (an aggregate over at most one key takes one of
// its values or the default, never a mean of several).
#pragma once

#include "compiler/graph/Graph.h"

#include <functional>
#include <optional>

namespace rasp::codegen {

/// The largest magnitude of an s-op's values, when they are all finite
/// numbers (the caller knows); nothing otherwise.
using Magnitude = std::function<std::optional<double>(const graph::Node *)>;
/// Whether an s-op's values are all integers (false when unknown).
using Integral = std::function<bool(const graph::Node *)>;

/// Constants, maps of such, and aggregates and selector widths whose every
/// select's query side is such (every query then selects the same keys).
bool sameAtEveryPosition(const graph::Node *node);

/// The index (of inputs up to maxLen), or the rank of each position under
/// a strict total order of the positions (selector_width(select(v, v, <)
/// or (select(v, v, ==) and select(indices, indices, <)))), shifted by an
/// s-op that is the same at every position, negated, or scaled by a
/// nonzero constant, where the shifts and scales keep the values apart in
/// floating point (a shift by 1e300 makes every index one number).
/// With `integral`, also an integer s-op plus such a chain whose values on
/// one input lie less than 1 apart (tracr's sort key, x + i / 64).
bool differsAtEveryPosition(const graph::Node *node, int64_t maxLen, const Magnitude &magnitude,
                            const Integral &integral = {});

/// An equality whose keys differ at every position, or a conjunction with
/// one (or with an equality on ranks within classes: mostKeysSelected).
bool selectsAtMostOne(const graph::Node *selector, int64_t maxLen, const Magnitude &magnitude);

/// The most keys one query of `selector` can select on inputs up to
/// maxLen (maxLen when nothing smaller is proven): 1 for an equality on
/// keys that differ at every position; k for an equality on a map of the
/// indices whose values repeat at most k times; the fewest of a
/// conjunction's sides, and 1 for a conjunction of an equality on the rank
/// of each position within its class of s (selector_width(select(s, s, ==)
/// and select(indices, indices, <)), or <=, >, >=) with an equality that
/// has s on its key side (select_next_identical), and 1 for a conjunction
/// of an equality whose key side counts the keys a filter admits up to
/// each position (selector_width(select(indices, indices, <=) and
/// select(flag, True, ==))) with that filter (a run's start, the latest
/// "a"); the sum of a disjunction's sides.
int64_t mostKeysSelected(const graph::Node *selector, int64_t maxLen, const Magnitude &magnitude,
                         const Integral &integral = {});

/// Whether every query of `selector` selects every key (full_s).
bool selectsEveryKey(const graph::Node *selector);

/// Whether the keys one query of `selector` selects all hold one value of
/// `value`, so that a mean of it over them is that value: a value the same
/// at every position, or the keys where it is largest (smallest), selected
/// by the library's idiom select(not has_focus(select(value, value, >)),
/// True, ==) (or <).
bool selectsOneValue(const graph::Node *selector, const graph::Node *value);

} // namespace rasp::codegen
