// A select's keys and queries in a form that compares fast: the ranks of
// their values among all of them (an internal header of the evaluator).
//
// Contract: prepareColumns(keys, queries) requires two sequences of the same
// length n. It returns
//  1. Incomparable when one side holds strings and the other numbers: no
//     cell is equal, and an ordering is an error (the caller's);
//  2. Reals when a number is NaN (it has no rank): the values as long
//     double, compared cell by cell as the original compares them;
//  3. otherwise Ranks: each value replaced by its rank among the distinct
//     values of both sides (uint32, dense from 0), so that every comparison
//     of two ranks is the comparison of the two values (numbers by value,
//     1 == 1.0 == True; strings by their bytes); `keysConstant` and
//     `queriesConstant` say that a side holds one value only.
// Ranks take O(n) for integers within a range of 4n, otherwise a sort of
// the distinct values.
#pragma once

#include "compiler/graph/Graph.h"

#include <cstdint>
#include <vector>

namespace rasp::eval {

struct Sequence;

enum class ColumnsKind { Ranks, Reals, Incomparable };

struct SelectColumns {
  ColumnsKind kind = ColumnsKind::Ranks;
  std::vector<uint32_t> keys, queries;                ///< Ranks.
  bool keysConstant = false, queriesConstant = false; ///< Ranks.
  std::vector<long double> realKeys, realQueries;     ///< Reals.

  uint64_t bytes() const {
    return (keys.capacity() + queries.capacity()) * sizeof(uint32_t) +
           (realKeys.capacity() + realQueries.capacity()) * sizeof(long double);
  }
};

SelectColumns prepareColumns(const Sequence &keys, const Sequence &queries);

/// Which orders between a key and a query a comparison accepts: `key CMP
/// query` holds exactly when the bit of their order is set.
enum RelationBits : uint8_t { KeyBelow = 1, KeyEqual = 2, KeyAbove = 4, AnyOrder = 7 };

uint8_t relationOf(graph::CompareKind cmp);

/// Whether `key` and `query` (ranks) are in `relation`.
inline bool related(uint32_t key, uint32_t query, uint8_t relation) {
  uint8_t order = key < query ? KeyBelow : key == query ? KeyEqual : KeyAbove;
  return relation & order;
}

} // namespace rasp::eval
