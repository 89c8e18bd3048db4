// A selector's matrix one row at a time, for what decompose() cannot count
// (an internal header of the evaluator).
//
// row(q) computes the row of query q for every node of the selector's
// formula: a select compares every key's rank with the query's (uint32
// comparisons the compiler vectorises; long double where a value is NaN),
// and, or and not combine rows byte by byte. Memory: one byte per key for
// each node of the formula; no n x n matrix is ever held.
#pragma once

#include "compiler/eval/SelectorForms.h"

#include <cstdint>
#include <vector>

namespace rasp::eval {

class SelectorRows {
public:
  SelectorRows(const graph::Node *selector, const ColumnsOf &columnsOf, size_t n);

  /// Row q: one byte per key, 1 where the key is selected.
  const uint8_t *row(size_t q);

  /// Row q packed into `words` (n/64 rounded up), a bit per key.
  void packRow(size_t q, uint64_t *words);

private:
  struct Step {
    const graph::Node *node = nullptr;
    const SelectColumns *columns = nullptr; ///< Select.
    int a = -1, b = -1;                     ///< Steps of the inputs.
    std::vector<uint8_t> bytes;
  };
  void fillSelect(Step &step, size_t q);

  size_t n;
  std::vector<Step> steps; ///< Inputs before users; the selector last.
};

} // namespace rasp::eval
