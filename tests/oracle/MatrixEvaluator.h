// The reference evaluator as it was before selectors were fused into their
// aggregates (issue 20): every selector an n x n bit matrix, kept for the
// whole run, its cells compared in long double. Tests compare
// eval::Evaluator with it; it shares the evaluator's maps, token
// conversions and sequence typing, and has its own selects and aggregates.
#pragma once

#include "compiler/eval/Evaluate.h"

namespace rasp::oracle {

class MatrixEvaluator {
public:
  explicit MatrixEvaluator(std::vector<Atom> input);

  /// The value of an s-op node; throws eval::EvalError.
  const eval::Sequence &sequence(const graph::Node *node);
  /// The value of a selector node; throws eval::EvalError.
  const eval::SelectorMatrix &selector(const graph::Node *node);

private:
  void evaluateAll(const graph::Node *root);
  eval::Sequence evaluateSequence(const graph::Node *node);
  eval::SelectorMatrix evaluateSelector(const graph::Node *node);
  eval::Sequence evaluateMap(const graph::Node *node);
  eval::Sequence evaluateAggregate(const graph::Node *node);

  std::vector<Atom> items;
  std::unordered_map<const graph::Node *, eval::Sequence> sequences;
  std::unordered_map<const graph::Node *, eval::SelectorMatrix> selectors;
};

} // namespace rasp::oracle
