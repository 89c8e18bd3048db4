// Verification of compiled models against the reference evaluator.
#include "compiler/codegen/Verify.h"

#include "compiler/eval/Evaluate.h"

#include <cmath>
#include <random>

using namespace rasp;
using namespace rasp::codegen;

namespace {

/// Token ids of the inputs given, else of every input of lengths 1..n, or
/// of `samples` random ones.
std::vector<runtime::TokenIds> chooseInputs(size_t vocab, int64_t maxLen,
                                            const VerifyOptions &options, bool &exhaustive) {
  if (!options.inputs.empty())
    return options.inputs;
  double total = 0, power = 1;
  for (int64_t n = 1; n <= maxLen && total <= 1e18; ++n)
    total += (power *= static_cast<double>(vocab));
  std::vector<runtime::TokenIds> inputs;
  exhaustive = total <= static_cast<double>(options.exhaustiveLimit);
  if (exhaustive) {
    for (int64_t n = 1; n <= maxLen; ++n) {
      runtime::TokenIds ids(n, 0);
      while (true) {
        inputs.push_back(ids);
        int64_t i = 0;
        while (i < n && ++ids[i] == static_cast<int64_t>(vocab))
          ids[i++] = 0;
        if (i == n)
          break;
      }
    }
    return inputs;
  }
  std::mt19937_64 random(options.seed);
  std::uniform_int_distribution<int64_t> token(0, static_cast<int64_t>(vocab) - 1);
  for (size_t s = 0; s < options.samples; ++s) {
    runtime::TokenIds ids(1 + static_cast<int64_t>(s) % maxLen);
    for (int64_t &id : ids)
      id = token(random);
    inputs.push_back(std::move(ids));
  }
  return inputs;
}

} // namespace

VerifyReport codegen::verifyModel(const graph::Node *root, const CompiledProgram &compiled,
                                  const runtime::Backend &backend, const VerifyOptions &options) {
  const ModelPlan &plan = compiled.plan;
  const OutputPlan &output = plan.output;
  VerifyReport report;
  std::vector<runtime::TokenIds> inputs =
      chooseInputs(plan.vocab.size(), plan.maxLen, options, report.exhaustive);
  report.inputs = inputs.size();
  const size_t batchSize = 64;
  for (size_t start = 0; start < inputs.size(); start += batchSize) {
    std::vector<runtime::TokenIds> batch(
        inputs.begin() + start, inputs.begin() + std::min(inputs.size(), start + batchSize));
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
