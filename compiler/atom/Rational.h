// Exact rational numbers, and the doubles that name them: the compiler keeps
// a number as the one double that is its correctly rounded value, so that
// two roundings of one number (1/3 + 1/3 and 2/3) are one value.
//
// A double names a rational when the rational is *modest* (a small
// denominator for its size, below) and the double is its correctly rounded
// value. Modest rationals lie so far apart that no two round to one double,
// and each is a convergent of the continued fraction of any double it rounds
// to (Legendre), so rationalOf(double) finds it by walking the convergents:
//   1. q = 1 and |p| <= 2^53 (an integer the double holds exactly), or
//   2. q <= 2^25 and |p| * q <= 2^50: then |r - r'| >= 1 / (q q') is at least
//      max(1, |r|) * 2^-50 for two of them, four ulps or more, and
//      |d - r| <= ulp / 2 < 1 / (2 q^2) for a double d that r rounds to.
// A double that no modest rational rounds to (sqrt(2), or a sum whose
// rounding error left it between two) names no rational: it stays a double.
// (About one double in twenty also lies within half an ulp of a modest
// rational by chance; treating it as that rational moves later results by
// an ulp, as a different order of float operations would.)
#pragma once

#include "compiler/atom/Atom.h"

#include <cstdint>
#include <optional>

namespace rasp {

/// p / q in lowest terms with q > 0 (0 is 0 / 1).
struct Rational {
  int64_t num = 0;
  int64_t den = 1;

  bool operator==(const Rational &o) const { return num == o.num && den == o.den; }
  bool operator!=(const Rational &o) const { return !(*this == o); }
  bool operator<(const Rational &o) const {
    return static_cast<__int128>(num) * o.den < static_cast<__int128>(o.num) * den;
  }
};

/// num / den in lowest terms; nothing when den is 0 or it does not fit.
std::optional<Rational> makeRational(__int128 num, __int128 den);
/// Whether the rational is modest (rules 1 and 2 above).
bool isModest(const Rational &r);
/// The rational a double names (rules above); nothing for one that names
/// none, an infinity or a NaN.
std::optional<Rational> rationalOf(double d);
/// A bool or int exactly; a float as rationalOf(double); nothing for a
/// string or a float that names no rational.
std::optional<Rational> rationalOf(const Atom &a);
/// The correctly rounded double of num / den when both are at most 2^53
/// in magnitude (IEEE division rounds once); nothing otherwise.
std::optional<double> roundedDouble(int64_t num, int64_t den);

/// a OP b exactly, for + - * / % (Python's: the sign of the divisor) and
/// ** (an integer exponent); nothing when it does not fit in 64 bits, the
/// divisor is 0, or the exponent is not a small integer.
std::optional<Rational> applyRationalOp(AtomOpKind op, const Rational &a, const Rational &b);

} // namespace rasp
