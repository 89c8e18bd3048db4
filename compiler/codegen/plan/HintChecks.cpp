// Refuting categorical() on an aggregate with the reference evaluator.
#include "compiler/codegen/plan/HintChecks.h"

#include "compiler/eval/Evaluate.h"

using namespace rasp;
using namespace rasp::codegen;

namespace {

/// The values `aggregate` selects at some position of `input` that are not
/// all equal, with that position; nullopt when there are none (or the
/// evaluator fails on the input).
std::optional<MixedSelection> mixedAt(const graph::Node *aggregate, std::vector<Atom> input) {
  eval::Evaluator evaluator(input);
  try {
    const eval::SelectorMatrix &selector = evaluator.selector(aggregate->inputs[0]);
    const eval::Sequence &values = evaluator.sequence(aggregate->inputs[1]);
    for (size_t q = 0; q < selector.rows(); ++q) {
      std::vector<Atom> selected;
      selector.forEach(q, [&](size_t k) { selected.push_back(values.values[k]); });
      for (const Atom &v : selected)
        if (!v.equals(selected.front()))
          return MixedSelection{std::move(input), q, std::move(selected)};
    }
  } catch (const eval::EvalError &) {
  }
  return std::nullopt;
}

} // namespace

std::optional<MixedSelection> codegen::findMixedSelection(const graph::Node *aggregate,
                                                          const std::vector<Atom> &vocab,
                                                          int64_t maxLen, size_t budget,
                                                          size_t &tried, bool &everyInput) {
  tried = 0;
  everyInput = false;
  if (vocab.empty())
    return std::nullopt;
  for (int64_t n = 1; n <= maxLen; ++n) {
    std::vector<size_t> at(n, 0);
    while (true) {
      if (tried == budget)
        return std::nullopt;
      ++tried;
      std::vector<Atom> input;
      for (size_t i : at)
        input.push_back(vocab[i]);
      if (std::optional<MixedSelection> mixed = mixedAt(aggregate, std::move(input)))
        return mixed;
      int64_t i = 0;
      while (i < n && ++at[i] == vocab.size())
        at[i++] = 0;
      if (i == n)
        break;
    }
  }
  everyInput = true;
  return std::nullopt;
}
