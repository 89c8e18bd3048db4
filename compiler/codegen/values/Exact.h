// Exact numbers in value sets: every map the compiler applies to values of
// its sets (value sets, and the tables of MLPs, scores and lookups built
// with MapProgram) goes through exactMap, so that both name each number by
// one double (compiler/atom/Rational.h), however the evaluator's floating
// point reaches it.
//
// How the evaluator's rounding is matched:
//   1. exactMap computes the evaluator's result first (eval::applyMap), so it
//      fails where the evaluator fails, and its type is the evaluator's;
//   2. when that result is a float, the operation is + - * / % or ** and
//      both operands name rationals (ints, bools, and floats that name a
//      modest rational), it computes the rational result exactly and gives
//      its correctly rounded double instead (0.1 + 0.2 is 0.3, 1/3 + 1/3 is
//      2/3's double): a float result differs from the evaluator's by the
//      rounding of its float path, an ulp or so;
//   3. every other result (bools of comparisons, ints of round, of % and of
//      int arithmetic, values passed through) is the evaluator's on those
//      doubles, which is the exact answer where they name rationals
//      (rounding keeps order, and distinct modest rationals have distinct
//      doubles);
//   4. means are sums of exact rationals over a common denominator, divided
//      once (Means.h): the correctly rounded double of the mean.
// What remains: where the evaluator reaches a number by another float path
// (0.1 + 0.2 gives 0.30000000000000004), the compiled model holds the
// correctly rounded value; the two differ by an ulp, which only an
// operation discontinuous exactly at that number (a comparison with 0.3,
// round of 2.5, a dict key) can tell apart.
#pragma once

#include "compiler/graph/Graph.h"

#include <cstdint>
#include <optional>
#include <vector>

namespace rasp::codegen {

/// One position of a map node, as eval::applyMap (throws EvalError where it
/// fails), with a float result replaced by the correctly rounded double of
/// the exact result where that is known (rules 1-3 above).
Atom exactMap(const graph::Node *node, const Atom *const *operands);

/// The double of num / den, correctly rounded; num and den at most 2^53
/// in magnitude, den > 0.
Atom exactRatio(int64_t num, int64_t den);

/// Numbers as integers over one denominator.
struct ScaledIntegers {
  std::vector<int64_t> numerators; ///< One per value, in order.
  int64_t denominator = 1;
};

/// `values` as integers over their least common denominator, when every
/// value names a rational, that denominator is at most `most` (itself at
/// most 2^38) and every numerator at most `bound` in magnitude; nothing
/// otherwise.
std::optional<ScaledIntegers> overCommonDenominator(const std::vector<Atom> &values, int64_t most,
                                                    int64_t bound);

} // namespace rasp::codegen
