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

std::optional<int64_t> codegen::commonDenominator(const std::vector<Atom> &values, int64_t most) {
  int64_t lcm = 1;
  for (const Atom &v : values) {
    std::optional<Rational> r = rationalOf(v);
    if (!r)
      return std::nullopt;
    lcm = lcm / std::gcd(lcm, r->den) * r->den; // (At most most * 2^25.)
    if (lcm > most)
      return std::nullopt;
  }
  return lcm;
}

std::optional<int64_t> codegen::scaledBy(const Atom &v, int64_t den) {
  std::optional<Rational> r = rationalOf(v);
  if (!r || den % r->den != 0)
    return std::nullopt;
  int64_t out = 0;
  if (__builtin_mul_overflow(r->num, den / r->den, &out))
    return std::nullopt;
  return out;
}
