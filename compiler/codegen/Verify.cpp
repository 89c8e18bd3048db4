// Verification of compiled models against the reference evaluator.
#include "compiler/codegen/Verify.h"

#include "compiler/eval/Evaluate.h"

#include <cmath>
#include <random>

using namespace rasp;
using namespace rasp::codegen;

namespace {

/// The inputs to compare, a batch at a time: the ones given, if any; else
/// every input of lengths 1..n when there are at most `exhaustiveLimit`,
/// else `samples` random ones (made as they are asked for, so that many
/// samples take no memory).
class InputSource {
public:
  InputSource(size_t vocab, int64_t maxLen, const VerifyOptions &options)
      : vocab(vocab), maxLen(maxLen), samples(options.samples), random(options.seed),
        token(0, static_cast<int64_t>(vocab) - 1) {
    if (!options.inputs.empty()) {
      given = &options.inputs;
      count = given->size();
      return;
    }
    double total = 0, power = 1;
    for (int64_t n = 1; n <= maxLen && total <= 1e18; ++n)
      total += (power *= static_cast<double>(vocab));
    exhaustive = total <= static_cast<double>(options.exhaustiveLimit);
    count = exhaustive ? static_cast<size_t>(total) : samples;
  }

  bool exhaustive = false;
  size_t count = 0; ///< How many inputs there are in all.

  /// The next (up to) `size` inputs; empty after the last.
  std::vector<runtime::TokenIds> next(size_t size) {
    std::vector<runtime::TokenIds> batch;
    while (batch.size() < size && made < count) {
      batch.push_back(given ? (*given)[made] : exhaustive ? nextOfAll() : nextRandom());
      ++made;
    }
    return batch;
  }

private:
  /// Every input, shortest first, each length counting up from all zeros.
  runtime::TokenIds nextOfAll() {
    if (current.empty()) {
      current.assign(1, 0);
      return current;
    }
    size_t n = current.size(), i = 0;
    while (i < n && ++current[i] == static_cast<int64_t>(vocab))
      current[i++] = 0;
    if (i == n)
      current.assign(n + 1, 0);
    return current;
  }
  runtime::TokenIds nextRandom() {
    runtime::TokenIds ids(1 + static_cast<int64_t>(made) % maxLen);
    for (int64_t &id : ids)
      id = token(random);
    return ids;
  }

  size_t vocab;
  int64_t maxLen;
  size_t samples, made = 0;
  std::mt19937_64 random;
  std::uniform_int_distribution<int64_t> token;
  runtime::TokenIds current;
  const std::vector<runtime::TokenIds> *given = nullptr;
};

} // namespace

VerifyReport codegen::verifyModel(const graph::Node *root, const CompiledProgram &compiled,
                                  const runtime::Backend &backend, const VerifyOptions &options) {
  const ModelPlan &plan = compiled.plan;
  const OutputPlan &output = plan.output;
  VerifyReport report;
  InputSource inputs(plan.vocab.size(), plan.maxLen, options);
  report.exhaustive = inputs.exhaustive;
  report.inputs = inputs.count;
  const size_t batchSize = 64;
  for (std::vector<runtime::TokenIds> batch; !(batch = inputs.next(batchSize)).empty();) {
    std::vector<runtime::RunResult> results = backend.run(compiled.model, batch, {});
    for (size_t b = 0; b < batch.size(); ++b) {
      std::vector<Atom> input;
      for (int64_t id : batch[b])
        input.push_back(plan.vocab[id]);
      eval::Evaluator evaluator(input);
      const eval::Sequence *expected = nullptr;
      try {
        expected = &evaluator.sequence(root);
      } catch (const eval::EvalError &e) {
        ++report.referenceErrors;
        if (!report.firstFailure)
          report.firstFailure = EvaluatorFailure{input, e};
        continue;
      }
      ++report.compared;
      const std::vector<int64_t> &choices = results[b].choices[0];
      bool same = true;
      std::vector<std::string> want, got;
      for (size_t p = 0; p < input.size(); ++p) {
        const Atom &e = expected->values[p];
        int64_t c = choices[p];
        bool ok;
        if (output.encoding == EncodingKind::Numerical) {
          // Numbers agree within the stated tolerance.
          double got = results[b].values[0][p];
          double deviation = e.isNumber() ? std::fabs(got - e.number()) : HUGE_VAL;
          ok = deviation <= NumericTolerance * std::max(1.0, std::fabs(e.number()));
          if (e.isNumber())
            report.maxDeviation = std::max(report.maxDeviation, deviation);
        } else {
          ok = c >= 0 && output.values[c].equals(e) && output.values[c].isString() == e.isString();
        }
        same = same && ok;
        want.push_back(e.str());
        got.push_back(results[b].outputs[0][p]);
      }
      if (same) {
        ++report.agree;
        continue;
      }
      ++report.mismatches;
      if (!report.first)
        report.first = Mismatch{input, want, got};
    }
  }
  return report;
}
