// Selectors as signed sums of products of comparisons, and what aggregates
// and widths need of each query row, computed from those sums without a
// matrix (an internal header of the evaluator).
//
// A selector is a 0/1 function of (query, key); and, or and not are
// arithmetic on such functions: a and b = a*b, a or b = a + b - a*b,
// not a = 1 - a. decompose() expands a selector this way into a LinearForm,
// a sum of Terms, each an integer coefficient times a product of Factors
// (one select's columns in a relation, RelationBits). Two factors over the
// same keys and queries merge into one (their relations intersect:
// `k < q and k == q` is empty, `k <= q and k >= q` is `k == q`).
//
// A term can be counted without a matrix when, after merging, at most two
// of its factors order keys against queries that both vary:
//  1. a factor whose queries hold one value is a filter on keys, one whose
//     keys hold one value a filter on queries, one whose sides both do a
//     constant;
//  2. the `==` factors group the keys by the tuple of their ranks, and a
//     query reads the group of its own tuple (hashing: O(n) expected);
//  3. an order factor (<, <=, >, >=) sorts each group by rank, and a
//     query reads a prefix or a suffix of its group (O(n log n));
//  4. a second order factor is swept: keys enter a Fenwick tree in the
//     order of its ranks, and a query reads its slice once the keys that
//     its comparison accepts are in (a 2-D dominance count, O(n log n)).
// `!=` between varying sides becomes 1 - (==). decompose() returns nullopt
// for what does not fit: three order comparisons of varying sides in one
// product, a select over NaN (it has no rank), or a sum of more than
// MaxTerms terms.
//
// fusedStats() sums, per query, the terms' counts, positions and weights
// (exact integers): a row that selects one key has its position as the sum.
#pragma once

#include "compiler/eval/SelectColumns.h"

#include <cstdint>
#include <functional>
#include <optional>
#include <vector>

namespace rasp::eval {

struct Factor {
  const graph::Node *keys, *queries; ///< The select's inputs: equal pairs merge.
  const SelectColumns *columns;
  uint8_t relation;
};

struct Term {
  int64_t coefficient = 1;
  std::vector<Factor> factors; ///< Sorted by (keys, queries), one per pair.
};

using LinearForm = std::vector<Term>;

inline constexpr size_t MaxTerms = 64;

/// The columns of an evaluated select node.
using ColumnsOf = std::function<const SelectColumns &(const graph::Node *)>;

std::optional<LinearForm> decompose(const graph::Node *selector, const ColumnsOf &columnsOf);

/// Per query row: how many keys it selects, the sum of their positions and
/// the sum of their weights (when weights are given).
struct RowStats {
  std::vector<int64_t> count, positionSum;
  std::vector<__int128> weightSum;
};

RowStats fusedStats(const LinearForm &form, size_t n, const std::vector<int64_t> *weights);

/// For a mean of floats that must be summed in the original's order: when
/// every query selects the first keys of its group in index order (a form
/// of at most one term, of coefficient 1, with no order factor, or one
/// whose key ranks rise (<, <=) or fall (>, >=) with the index in every
/// group), the groups' members in index order (group g from starts[g] to
/// starts[g + 1]), and per query where its group starts in `members` and
/// how many keys it selects. nullopt for other forms.
struct OrderedSelection {
  std::vector<uint32_t> members, starts, first, count;
};

std::optional<OrderedSelection> selectInOrder(const LinearForm &form, size_t n);

} // namespace rasp::eval
