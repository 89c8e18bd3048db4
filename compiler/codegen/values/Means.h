// The means an aggregate, or a linear combination of aggregates over equal
// selectors, can produce: the part of the value sets (ValueSets.h) that
// enumerates sums. A mean of w values is their sum divided by w, so the
// means are enumerated from the w-fold sums of the values, not as x/w. The
// sums are exact (integers over the values' common denominator, or
// rationals) and each mean is the correctly rounded double of sum / w
// (values/Exact.h): one double per number, however the evaluator's float
// sum rounds it on the way.
#pragma once

#include "compiler/codegen/values/ValueSets.h"

#include <functional>
#include <optional>
#include <unordered_map>

namespace rasp::codegen {

/// Most common denominator of a set's values that means are enumerated
/// over as integers (1/k for k <= 16 has lcm 720720).
inline constexpr int64_t MostMeanDenominator = int64_t{1} << 24;

/// Calls `add` with every mean of 2..maxLen values of `values` (numbers,
/// sorted ascending), repetition allowed; values over a small common
/// denominator are summed as integers over flags, other rationals as
/// rationals, and only floats that name no rational as doubles. Throws a
/// ValueSetError naming `node` past `limit` distinct sums.
void forEachMean(const graph::Node *node, const std::vector<Atom> &values, int64_t maxLen,
                 size_t limit, const std::function<void(const Atom &)> &add);

/// The integer values of `node` at positions 0..maxLen-1 when it is a map
/// chain of the indices alone (constants aside); positions where it fails
/// are left out (a mean that selects one fails). Nothing when it reads
/// anything else, or a value is not an integer.
std::optional<std::vector<int64_t>> valuesByIndex(const graph::Node *node, int64_t maxLen);

/// Calls `add` with every mean of 2..maxLen of `byIndex` at distinct
/// positions (a selection takes each position at most once): a sharper
/// set than forEachMean's when few positions hold each value. False, having
/// added nothing, when the sums' range is too wide to keep as flags.
bool forEachSubsetMean(const std::vector<int64_t> &byIndex, int64_t maxLen,
                       const std::function<void(const Atom &)> &add);

/// `cells[i]` the values position i of an input of length n =
/// cells.size() can hold, as integers times `denominator`, each position
/// choosing apart from the others: calls `add` with every mean of w =
/// 2..most of them at distinct positions (with `every`, w = n alone: every
/// position is selected), sum / (w * denominator) correctly rounded. False,
/// having added nothing, when the sums' range is too wide to keep as flags.
bool forEachCellMean(const std::vector<std::vector<int64_t>> &cells, int64_t most, bool every,
                     const std::function<void(const Atom &)> &add, int64_t denominator = 1);

/// The aggregates of linear map chains (sums, differences, constant
/// multiples), each node's answer kept, so that the nodes of a chain of n
/// maps cost O(n) in all, not O(n^2).
class LinearLeaves {
public:
  /// The aggregates below `node`, in the order a depth-first walk of its
  /// operands first meets them; null when `node` is not such a chain.
  const std::vector<const graph::Node *> *of(const graph::Node *node);

private:
  /// Computes `node`'s answer from its operands' (all known).
  std::optional<std::vector<const graph::Node *>> combine(const graph::Node *node);

  std::unordered_map<const graph::Node *, std::optional<std::vector<const graph::Node *>>> known;
};

/// `node`, a linear chain over `aggregates` (means over equal selectors, so
/// that every one divides by the same count w), at every w-fold sum of each
/// one's `values` for w = 1..maxLen, and at the defaults: calls `add` with
/// each result. False, having added nothing, when a value is not a small
/// integer or the enumeration passes 16 x `limit`.
bool forEachLinearMean(const graph::Node *node, const std::vector<const graph::Node *> &aggregates,
                       const std::vector<const std::vector<Atom> *> &values, int64_t maxLen,
                       size_t limit, const std::function<void(const Atom &)> &add);

} // namespace rasp::codegen
