// Stage 6b, checks of what the encoding hints assert. categorical() on an
// aggregate of numbers asserts that at every position the selected keys
// hold one value: the head then writes that value's one-hot, where a mean
// of several different values would be a mixture of one-hots, read as the
// largest of them, not as their mean.
//
// The compiler cannot always prove the assertion; it looks for an input
// that refutes it, with the reference evaluator:
//   1. every input of lengths 1, 2, ... over the vocabulary, shortest first,
//      up to `budget` inputs in all (inputs the evaluator fails on are
//      passed over);
//   2. on each, the aggregate's selector and values: a position whose
//      selected keys hold two different values refutes it.
#pragma once

#include "compiler/graph/Graph.h"

#include <optional>
#include <vector>

namespace rasp::codegen {

/// An input on which an aggregate averages different values at a position.
struct MixedSelection {
  std::vector<Atom> input;
  size_t position = 0;
  std::vector<Atom> values; ///< The values selected there.
};

/// The first input that refutes categorical() on `aggregate` (see above),
/// or nullopt; `tried` is set to the number of inputs looked at, and
/// `everyInput` to whether they were every input of lengths 1..maxLen (a
/// nullopt then proves the assertion).
std::optional<MixedSelection> findMixedSelection(const graph::Node *aggregate,
                                                 const std::vector<Atom> &vocab, int64_t maxLen,
                                                 size_t budget, size_t &tried, bool &everyInput);

} // namespace rasp::codegen
