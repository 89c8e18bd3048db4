// Verification of compiled models against the reference evaluator.
#include "compiler/codegen/Verify.h"

#include "compiler/eval/Evaluate.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <exception>
#include <mutex>
#include <random>
#include <system_error>
#include <thread>

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

/// Inputs per batch: what one thread takes at a time.
constexpr size_t BatchSize = 256;

/// One batch's outcome, merged into the report in any order.
struct BatchReport {
  size_t first = 0; ///< The index of the batch's first input.
  VerifyReport report;
  size_t firstMismatchAt = SIZE_MAX, firstFailureAt = SIZE_MAX;
};

/// Whether a categorical output agrees with the evaluator's value: equal,
/// or floats one rounding apart.
bool sameValue(const Atom &got, const Atom &want) {
  if (got.isString() != want.isString())
    return false;
  if (got.equals(want))
    return true;
  if (got.isString() || !(got.isFloat() || want.isFloat()))
    return false;
  double deviation = std::fabs(got.number() - want.number());
  return deviation <= RoundingTolerance * std::max(1.0, std::fabs(want.number()));
}

/// Compares the model's results on one batch with the evaluator's.
void compareBatch(const graph::Node *root, const ModelPlan &plan,
                  const std::vector<runtime::TokenIds> &batch,
                  const std::vector<runtime::RunResult> &results, BatchReport &out) {
  const OutputPlan &output = plan.output;
  VerifyReport &report = out.report;
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
      if (!report.firstFailure) {
        report.firstFailure = EvaluatorFailure{input, e};
        out.firstFailureAt = out.first + b;
      }
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
        // A number with a value set is read as the nearest value of the set
        // (as every backend and the exported model decode it): that value
        // must be the evaluator's. Without a set, the number itself must be
        // within the stated tolerance.
        double got = results[b].values[0][p];
        double deviation = e.isNumber() ? std::fabs(got - e.number()) : HUGE_VAL;
        // (Equal up to the doubles' rounding, as sameValue: the evaluator
        // may reach one number, 4/7, by another path than the set's.)
        if (!output.values.empty())
          ok = c >= 0 && c < static_cast<int64_t>(output.values.size()) && e.isNumber() &&
               sameValue(output.values[c], e);
        else if (output.integral) // (Decoded as the nearest integer.)
          ok = e.isNumber() && std::nearbyint(got) == e.number();
        else
          ok = deviation <= NumericTolerance * std::max(1.0, std::fabs(e.number()));
        if (e.isNumber())
          report.maxDeviation = std::max(report.maxDeviation, deviation);
      } else {
        ok = c >= 0 && sameValue(output.values[c], e);
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
    if (!report.first) {
      report.first = Mismatch{input, want, got};
      out.firstMismatchAt = out.first + b;
    }
  }
}

/// Adds one batch's counts to `total`; its first mismatch and failure
/// replace total's when they come earlier in input order.
void merge(BatchReport &total, BatchReport &batch) {
  VerifyReport &to = total.report, &from = batch.report;
  to.compared += from.compared;
  to.agree += from.agree;
  to.mismatches += from.mismatches;
  to.referenceErrors += from.referenceErrors;
  to.maxDeviation = std::max(to.maxDeviation, from.maxDeviation);
  if (batch.firstMismatchAt < total.firstMismatchAt) {
    total.firstMismatchAt = batch.firstMismatchAt;
    to.first = std::move(from.first);
  }
  if (batch.firstFailureAt < total.firstFailureAt) {
    total.firstFailureAt = batch.firstFailureAt;
    to.firstFailure = std::move(from.firstFailure);
  }
}

} // namespace

VerifyReport codegen::verifyModel(const graph::Node *root, const CompiledProgram &compiled,
                                  const runtime::Backend &backend, const VerifyOptions &options) {
  auto start = std::chrono::steady_clock::now();
  const ModelPlan &plan = compiled.plan;
  InputSource inputs(plan.vocab.size(), plan.maxLen, options);
  std::unique_ptr<runtime::PreparedModel> model = backend.prepare(compiled.model);
  unsigned threads = options.threads ? options.threads : std::thread::hardware_concurrency();
  threads = static_cast<unsigned>(std::clamp<size_t>(
      threads, 1, std::max<size_t>(1, (inputs.count + BatchSize - 1) / BatchSize)));
  BatchReport total;
  size_t done = 0, taken = 0;
  std::mutex lock;
  std::exception_ptr error;
  auto work = [&] {
    for (;;) {
      BatchReport batch;
      std::vector<runtime::TokenIds> ids;
      {
        std::lock_guard<std::mutex> guard(lock);
        if (error)
          return;
        ids = inputs.next(BatchSize);
        batch.first = taken;
        taken += ids.size();
      }
      if (ids.empty())
        return;
      try {
        compareBatch(root, plan, ids, model->run(ids, {}), batch);
      } catch (...) {
        std::lock_guard<std::mutex> guard(lock);
        error = std::current_exception();
        return;
      }
      std::lock_guard<std::mutex> guard(lock);
      merge(total, batch);
      done += ids.size();
      if (options.progress)
        options.progress(done, inputs.count);
    }
  };
  std::vector<std::thread> pool;
  for (unsigned t = 1; t < threads; ++t) {
    try {
      pool.emplace_back(work);
    } catch (const std::system_error &) {
      break; // The system has no more threads to give: go on with fewer.
    }
  }
  threads = static_cast<unsigned>(pool.size()) + 1;
  work();
  for (std::thread &t : pool)
    t.join();
  if (error)
    std::rethrow_exception(error);
  VerifyReport report = std::move(total.report);
  report.exhaustive = inputs.exhaustive;
  report.inputs = inputs.count;
  report.threads = threads;
  report.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return report;
}
