// Verification: a compiled model against the reference evaluator.
//
// Runs the model (on a runtime backend) and the evaluator on the same
// inputs: the ones given, if any; else every input when there are at most
// `exhaustiveLimit` of lengths 1..max_len, and otherwise `samples` random
// ones whose lengths cycle through 1..max_len. A categorical output agrees
// when the value the model decodes (argmax) equals the evaluator's, or
// for floats is within RoundingTolerance of it (the compiler holds each
// number as its correctly rounded double, codegen/values/Exact.h, where
// the evaluator's float path may end an ulp or so away); a numerical one
// when it is within NumericTolerance of it (relative for values past 1). Inputs on which the
// evaluator fails are not compared but counted apart (referenceErrors), so that the caller can tell
// how many of the inputs chosen were compared. The inputs are split across `threads` threads, a
// batch at a time; the report is the same for any number of threads (the first mismatch is the
// first in input order).
#pragma once

#include "compiler/codegen/Pipeline.h"
#include "compiler/eval/Evaluate.h"
#include "runtime/Backend.h"

#include <functional>
#include <optional>

namespace rasp::codegen {

/// How far a numerical output may be from the evaluator's value.
constexpr double NumericTolerance = 1e-4;
/// How far a categorical float output may be from the evaluator's value
/// (relative for values past 1): the rounding of a float path of the
/// evaluator's, far below the gaps between the values of a set.
constexpr double RoundingTolerance = 1e-12;

struct VerifyOptions {
  size_t samples = 500;
  uint64_t seed = 1;
  size_t exhaustiveLimit = 2000;
  /// When not empty, exactly these inputs (token ids into the plan's
  /// vocabulary, each of length 1..max_len) instead of chosen ones.
  std::vector<runtime::TokenIds> inputs = {};
  /// Threads that run the model and the evaluator; 0: one per hardware
  /// thread.
  unsigned threads = 0;
  /// Called (from any thread, one call at a time) after each batch, with
  /// the inputs done so far and the number in all.
  std::function<void(size_t done, size_t total)> progress = {};
};

struct Mismatch {
  std::vector<Atom> input;
  std::vector<std::string> expected, actual;
};

/// An input the evaluator fails on, and its error.
struct EvaluatorFailure {
  std::vector<Atom> input;
  eval::EvalError error;
};

struct VerifyReport {
  /// Inputs chosen (every input, or `samples` random ones): each is either
  /// compared (agree + mismatches) or skipped because the evaluator fails on
  /// it (referenceErrors).
  size_t inputs = 0, compared = 0, agree = 0, mismatches = 0, referenceErrors = 0;
  bool exhaustive = false;
  /// Numerical outputs: the largest distance from the evaluator's value.
  double maxDeviation = 0;
  std::optional<Mismatch> first;
  std::optional<EvaluatorFailure> firstFailure;
  /// The threads used and the wall-clock time of the whole run.
  unsigned threads = 1;
  double seconds = 0;
};

VerifyReport verifyModel(const graph::Node *root, const CompiledProgram &compiled,
                         const runtime::Backend &backend, const VerifyOptions &options);

} // namespace rasp::codegen
