// Exact rationals and the doubles that name them.
#include "compiler/atom/Rational.h"

#include <cmath>
#include <cstdlib>

using namespace rasp;

namespace {

using Wide = __int128;
using UWide = unsigned __int128;

constexpr Wide Two53 = Wide{1} << 53;
constexpr Wide MostModestDen = Wide{1} << 25;
constexpr Wide MostModestProduct = Wide{1} << 50;

Wide magnitude(Wide x) { return x < 0 ? -x : x; }

UWide gcd(UWide a, UWide b) {
  while (b != 0) {
    UWide r = a % b;
    a = b;
    b = r;
  }
  return a;
}

/// The first convergent p/q of a / b (= x > 0) that is modest and rounds
/// to x, in order of growing q; the modest rational that rounds to x, if
/// any, is one of them (Legendre).
template <typename U> std::optional<Rational> convergentRoundingTo(U a, U b, double x) {
  Wide p2 = 0, p1 = 1, q2 = 1, q1 = 0;
  while (b != 0) {
    U t = a / b;
    if (q1 != 0 && t > static_cast<U>(MostModestDen))
      break; // (q would pass the bound.)
    Wide p = static_cast<Wide>(t) * p1 + p2, q = static_cast<Wide>(t) * q1 + q2;
    if (q > MostModestDen || p > Two53)
      break;
    Rational candidate{static_cast<int64_t>(p), static_cast<int64_t>(q)};
    if (isModest(candidate) && roundedDouble(candidate.num, candidate.den) == x)
      return candidate;
    U r = a % b;
    a = b, b = r;
    p2 = p1, p1 = p, q2 = q1, q1 = q;
  }
  return std::nullopt;
}

} // namespace

std::optional<Rational> rasp::makeRational(Wide num, Wide den) {
  if (den == 0)
    return std::nullopt;
  if (den < 0)
    num = -num, den = -den;
  if (num == 0)
    return Rational{0, 1};
  auto g = static_cast<Wide>(gcd(static_cast<UWide>(magnitude(num)), static_cast<UWide>(den)));
  num /= g, den /= g;
  if (magnitude(num) > INT64_MAX || den > INT64_MAX)
    return std::nullopt;
  return Rational{static_cast<int64_t>(num), static_cast<int64_t>(den)};
}

bool rasp::isModest(const Rational &r) {
  Wide p = magnitude(r.num);
  if (r.den == 1 && p <= Two53)
    return true;
  return r.den <= MostModestDen && p * r.den <= MostModestProduct;
}

std::optional<double> rasp::roundedDouble(int64_t num, int64_t den) {
  if (den == 0 || magnitude(num) > Two53 || magnitude(den) > Two53)
    return std::nullopt;
  return static_cast<double>(num) / static_cast<double>(den);
}

std::optional<Rational> rasp::rationalOf(double d) {
  if (!std::isfinite(d))
    return std::nullopt;
  if (d == 0)
    return Rational{0, 1};
  int64_t sign = d < 0 ? -1 : 1;
  double x = std::fabs(d);
  // x = m / 2^k exactly, m odd or k = 0.
  int e = 0;
  double f = std::frexp(x, &e);
  auto m = static_cast<uint64_t>(std::ldexp(f, 53));
  int k = 53 - e;
  while (k > 0 && (m & 1) == 0)
    m >>= 1, --k;
  if (k <= 0) {
    if (x > static_cast<double>(Two53))
      return std::nullopt;
    return Rational{sign * static_cast<int64_t>(x), 1};
  }
  if (k > 120)
    return std::nullopt; // (Below 2^-67: no modest rational is that small.)
  // (64-bit division where 2^k fits: most doubles, and far faster.)
  std::optional<Rational> r = k < 64 ? convergentRoundingTo<uint64_t>(m, uint64_t{1} << k, x)
                                     : convergentRoundingTo<UWide>(m, UWide{1} << k, x);
  if (!r)
    return std::nullopt;
  return Rational{sign * r->num, r->den};
}

std::optional<Rational> rasp::rationalOf(const Atom &a) {
  if (a.isString())
    return std::nullopt;
  if (a.isIntegral())
    return Rational{a.integral(), 1};
  return rationalOf(a.asFloat());
}

namespace {

/// a ** n for a small integer n, by squaring, each step checked.
std::optional<Rational> power(Rational a, int64_t n) {
  if (n < 0) {
    if (a.num == 0)
      return std::nullopt;
    std::optional<Rational> inverse = makeRational(a.den, a.num);
    if (!inverse)
      return std::nullopt;
    a = *inverse, n = -n;
  }
  Rational result{1, 1};
  while (n > 0) {
    if (n & 1) {
      std::optional<Rational> next =
          makeRational(Wide{result.num} * a.num, Wide{result.den} * a.den);
      if (!next)
        return std::nullopt;
      result = *next;
    }
    n >>= 1;
    if (n > 0) {
      std::optional<Rational> square = makeRational(Wide{a.num} * a.num, Wide{a.den} * a.den);
      if (!square)
        return std::nullopt;
      a = *square;
    }
  }
  return result;
}

} // namespace

std::optional<Rational> rasp::applyRationalOp(AtomOpKind op, const Rational &a, const Rational &b) {
  // Over the common denominator a.den * b.den: each product below 2^126.
  Wide an = Wide{a.num} * b.den, bn = Wide{b.num} * a.den, both = Wide{a.den} * b.den;
  switch (op) {
  case AtomOpKind::Add:
    return makeRational(an + bn, both);
  case AtomOpKind::Sub:
    return makeRational(an - bn, both);
  case AtomOpKind::Mul:
    return makeRational(Wide{a.num} * b.num, both);
  case AtomOpKind::Div:
    if (b.num == 0)
      return std::nullopt;
    return makeRational(an, bn);
  case AtomOpKind::Mod: {
    if (b.num == 0)
      return std::nullopt;
    Wide r = an % bn;
    if (r != 0 && ((r < 0) != (bn < 0)))
      r += bn;
    return makeRational(r, both);
  }
  case AtomOpKind::Pow:
    if (b.den != 1 || b.num > 64 || b.num < -64)
      return std::nullopt;
    return power(a, b.num);
  default:
    return std::nullopt;
  }
}
