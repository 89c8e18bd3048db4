// Exact numbers in value sets: maps and ratios as one double per number.
#include "compiler/codegen/values/Exact.h"

#include "compiler/atom/Rational.h"
#include "compiler/eval/Evaluate.h"

#include <cassert>
#include <numeric>

using namespace rasp;
using namespace rasp::codegen;
using graph::MapOpKind;

namespace {

/// Whether the operator's float results are rounded (and so can be
/// computed exactly instead): + - * / % **.
bool arithmetic(AtomOpKind op) {
  return op == AtomOpKind::Add || op == AtomOpKind::Sub || op == AtomOpKind::Mul ||
         op == AtomOpKind::Div || op == AtomOpKind::Mod || op == AtomOpKind::Pow;
}

} // namespace

Atom codegen::exactMap(const graph::Node *node, const Atom *const *operands) {
  Atom result = eval::applyMap(node, operands);
  if (!result.isFloat() || node->mapOp != MapOpKind::Atom || !arithmetic(node->atomOp))
    return result;
  std::optional<Rational> a = rationalOf(*operands[0]), b = rationalOf(*operands[1]);
  if (!a || !b)
    return result;
  std::optional<Rational> exact = applyRationalOp(node->atomOp, *a, *b);
  if (!exact)
    return result;
  if (exact->num == 0) // (The evaluator's zero, with its sign; Python's 0.0 == -0.0.)
    return result.asFloat() == 0 ? result : Atom::real(0.0);
  std::optional<double> rounded = roundedDouble(exact->num, exact->den);
  return rounded ? Atom::real(*rounded) : result;
}

Atom codegen::exactRatio(int64_t num, int64_t den) {
  std::optional<double> rounded = roundedDouble(num, den);
  assert(rounded && den > 0 && "a ratio of integers up to 2^53");
  return Atom::real(*rounded);
}

std::optional<ScaledIntegers> codegen::overCommonDenominator(const std::vector<Atom> &values,
                                                             int64_t most, int64_t bound) {
  std::vector<Rational> exact;
  ScaledIntegers out;
  for (const Atom &v : values) {
    std::optional<Rational> r = rationalOf(v);
    if (!r)
      return std::nullopt;
    exact.push_back(*r);
    // (At most most * 2^25: a float names a denominator of at most 2^25.)
    out.denominator = out.denominator / std::gcd(out.denominator, r->den) * r->den;
    if (out.denominator > most)
      return std::nullopt;
  }
  for (const Rational &r : exact) {
    int64_t scaled = 0;
    if (__builtin_mul_overflow(r.num, out.denominator / r.den, &scaled) || scaled > bound ||
        scaled < -bound)
      return std::nullopt;
    out.numerators.push_back(scaled);
  }
  return out;
}
