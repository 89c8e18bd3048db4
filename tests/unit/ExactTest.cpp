// Exact numbers in value sets: the rational a double names (worked out by
// hand, and every small fraction round-tripped), exact map operations
// against the evaluator's float ones, and means and value sets that hold
// one double per number (checked against fractions enumerated here).
#include "compiler/codegen/values/Exact.h"
#include "compiler/atom/Rational.h"
#include "compiler/codegen/values/Means.h"
#include "compiler/codegen/values/ValueSets.h"
#include "compiler/eval/Evaluate.h"

#include "ElaboratedProgram.h"

#include <gtest/gtest.h>

#include <cmath>
#include <numeric>
#include <set>
#include <utility>

using namespace rasp;
using rasp::unittests::ElaboratedProgram;

namespace {

Rational rational(int64_t num, int64_t den) { return Rational{num, den}; }

/// A fraction in lowest terms, den > 0, as a pair (an oracle apart from
/// Rational).
std::pair<int64_t, int64_t> reduced(int64_t num, int64_t den) {
  int64_t g = std::gcd(num, den);
  return {num / g, den / g};
}

} // namespace

TEST(ExactTest, MakeRationalNormalises) {
  EXPECT_EQ(makeRational(6, -4), rational(-3, 2));
  EXPECT_EQ(makeRational(0, -5), rational(0, 1));
  EXPECT_FALSE(makeRational(1, 0));
  EXPECT_FALSE(makeRational(static_cast<__int128>(1) << 70, 3)); // Does not fit.
}

TEST(ExactTest, DoublesNameTheFractionsTheyRound) {
  EXPECT_EQ(rationalOf(0.3), rational(3, 10));
  EXPECT_EQ(rationalOf(-0.3), rational(-3, 10));
  EXPECT_EQ(rationalOf(1.0 / 3), rational(1, 3));
  // 1/3 + 1/3 in doubles is 2/3's double.
  EXPECT_EQ(rationalOf(1.0 / 3 + 1.0 / 3), rational(2, 3));
  EXPECT_EQ(rationalOf(0.0), rational(0, 1));
  EXPECT_EQ(rationalOf(-0.0), rational(0, 1));
  EXPECT_EQ(rationalOf(1e15), rational(1'000'000'000'000'000, 1));
  EXPECT_EQ(rationalOf(9007199254740992.0), rational(int64_t{1} << 53, 1));
  // Near the bound on denominators: q = 2^25 - 1.
  EXPECT_EQ(rationalOf(1.0 / 33554431), rational(1, 33554431));
}

TEST(ExactTest, TwoRoundingsOfOneNumber) {
  // -74/3 = -24.666...: its double, and the one an ulp away that a float
  // path (the variance's S - A * A) can end on.
  double rounded = -74.0 / 3;
  double other = std::nextafter(rounded, 0.0);
  EXPECT_EQ(rounded, -24.666666666666668);
  EXPECT_EQ(other, -24.666666666666664);
  EXPECT_EQ(rationalOf(rounded), rational(-74, 3));
  EXPECT_NE(rationalOf(other), rational(-74, 3));
  // 0.1 + 0.2 is not 0.3's double: it names no small fraction.
  EXPECT_FALSE(rationalOf(0.1 + 0.2));
}

TEST(ExactTest, OtherDoublesNameNoRational) {
  EXPECT_FALSE(rationalOf(std::sqrt(2.0)));
  EXPECT_FALSE(rationalOf(M_PI));
  EXPECT_FALSE(rationalOf(std::exp(1.0)));
  EXPECT_FALSE(rationalOf(9007199254740994.0)); // Past 2^53.
  EXPECT_FALSE(rationalOf(1e300));
  EXPECT_FALSE(rationalOf(1e-30));
  EXPECT_FALSE(rationalOf(HUGE_VAL));
  EXPECT_FALSE(rationalOf(std::nan("")));
  EXPECT_FALSE(rationalOf(Atom::string("a")));
  EXPECT_EQ(rationalOf(Atom::boolean(true)), rational(1, 1));
  EXPECT_EQ(rationalOf(Atom::integer(-7)), rational(-7, 1));
}

TEST(ExactTest, EverySmallFractionRoundTrips) {
  for (int64_t q = 1; q <= 200; ++q)
    for (int64_t p = -1000; p <= 1000; ++p) {
      auto [num, den] = reduced(p, q);
      std::optional<Rational> r = rationalOf(static_cast<double>(p) / static_cast<double>(q));
      ASSERT_TRUE(r) << p << "/" << q;
      ASSERT_EQ(*r, rational(num, den)) << p << "/" << q;
    }
}

TEST(ExactTest, OperationsArePythons) {
  auto apply = [](AtomOpKind op, Rational a, Rational b) { return applyRationalOp(op, a, b); };
  EXPECT_EQ(apply(AtomOpKind::Add, rational(1, 10), rational(1, 5)), rational(3, 10));
  EXPECT_EQ(apply(AtomOpKind::Sub, rational(1, 3), rational(1, 2)), rational(-1, 6));
  EXPECT_EQ(apply(AtomOpKind::Mul, rational(2, 3), rational(3, 4)), rational(1, 2));
  EXPECT_EQ(apply(AtomOpKind::Div, rational(1, 3), rational(-2, 1)), rational(-1, 6));
  EXPECT_FALSE(apply(AtomOpKind::Div, rational(1, 3), rational(0, 1)));
  // % takes the sign of the divisor: -3.5 % 3 = 2.5, 3.5 % -3 = -2.5.
  EXPECT_EQ(apply(AtomOpKind::Mod, rational(-7, 2), rational(3, 1)), rational(5, 2));
  EXPECT_EQ(apply(AtomOpKind::Mod, rational(7, 2), rational(-3, 1)), rational(-5, 2));
  EXPECT_EQ(apply(AtomOpKind::Mod, rational(1, 1), rational(1, 10)), rational(0, 1));
  EXPECT_EQ(apply(AtomOpKind::Pow, rational(2, 3), rational(-2, 1)), rational(9, 4));
  EXPECT_EQ(apply(AtomOpKind::Pow, rational(5, 1), rational(0, 1)), rational(1, 1));
  EXPECT_FALSE(apply(AtomOpKind::Pow, rational(2, 1), rational(1, 2))); // Not an integer.
  EXPECT_FALSE(apply(AtomOpKind::Pow, rational(0, 1), rational(-1, 1)));
  EXPECT_FALSE(apply(AtomOpKind::Pow, rational(3, 1), rational(50, 1))); // Past 64 bits.
  EXPECT_FALSE(apply(AtomOpKind::Mul, rational(INT64_MAX, 1), rational(2, 1)));
  EXPECT_FALSE(apply(AtomOpKind::Lt, rational(1, 1), rational(2, 1)));
}

namespace {

/// exactMap and the evaluator on `program`'s s-op `s`, a map of tokens_float
/// (and constants), at the token `x`.
struct MapAt {
  ElaboratedProgram program;
  const graph::Node *node;
  std::vector<Atom> operands;

  explicit MapAt(const std::string &text) : program(text), node(program.node("s")) {}

  std::pair<Atom, Atom> at(double x) {
    std::vector<const Atom *> pointers;
    Atom token = Atom::real(x);
    for (const graph::Operand &operand : node->operands)
      pointers.push_back(operand.input < 0 ? &operand.constant : &token);
    return {eval::applyMap(node, pointers.data()), codegen::exactMap(node, pointers.data())};
  }
};

} // namespace

TEST(ExactTest, MapsGiveTheCorrectlyRoundedResult) {
  {
    MapAt map("s = tokens_float + 0.2;");
    auto [evaluated, exact] = map.at(0.1);
    EXPECT_EQ(evaluated.asFloat(), 0.30000000000000004);
    EXPECT_TRUE(exact.isFloat());
    EXPECT_EQ(exact.asFloat(), 0.3);
  }
  {
    MapAt map("s = tokens_float * tokens_float;");
    EXPECT_EQ(map.at(0.2).second.asFloat(), 0.04); // 0.2 * 0.2 is 0.04000000000000001.
    EXPECT_EQ(map.at(1.0 / 3).second.asFloat(), 1.0 / 9);
    // Inexact operands: the evaluator's float.
    auto [evaluated, exact] = map.at(std::sqrt(2.0));
    EXPECT_EQ(exact.asFloat(), evaluated.asFloat());
    // (2^41 + 1) / 2 squared does not fit in 64 bits: the evaluator's float.
    std::tie(evaluated, exact) = map.at(1099511627776.5);
    EXPECT_EQ(exact.asFloat(), evaluated.asFloat());
  }
  {
    // 1.0 % 0.1 is 0.09999999999999995 in doubles, 0 exactly.
    MapAt map("s = tokens_float % 0.1;");
    auto [evaluated, exact] = map.at(1.0);
    EXPECT_EQ(evaluated.asFloat(), 0.09999999999999995);
    EXPECT_EQ(exact.asFloat(), 0.0);
  }
  {
    MapAt map("s = tokens_float ^ -2;");
    EXPECT_EQ(map.at(3.0).second.asFloat(), 1.0 / 9);
  }
}

TEST(ExactTest, ComparisonsAndIntsAreTheEvaluators) {
  // The comparison sees the doubles it is given (here the evaluator's
  // rounding of 0.1 + 0.2): exactMap does not change bools or ints.
  MapAt equal("s = tokens_float == 0.3;");
  auto [evaluated, exact] = equal.at(0.1 + 0.2);
  EXPECT_TRUE(exact.isBool());
  EXPECT_FALSE(exact.asBool());
  MapAt rounded("s = round(tokens_float);");
  std::tie(evaluated, exact) = rounded.at(2.5);
  EXPECT_TRUE(exact.isInt());
  EXPECT_EQ(exact.asInt(), 2); // Ties to even.
  MapAt failing("s = tokens_float / 0;");
  EXPECT_THROW(failing.at(1.0), eval::EvalError);
}

TEST(ExactTest, MeansAreOneDoublePerNumber) {
  // Means of 2..4 of {1/3, 1/2, 1, 0.1}, enumerated here as fractions over
  // 30: each is one double, the correctly rounded one.
  std::vector<Atom> values = {Atom::real(0.1), Atom::real(1.0 / 3), Atom::real(0.5),
                              Atom::integer(1)};
  std::vector<int64_t> thirtieths = {3, 10, 15, 30};
  std::set<std::pair<int64_t, int64_t>> fractions;
  std::set<double> expected;
  std::vector<int64_t> sums = {0};
  for (int64_t w = 1; w <= 4; ++w) {
    std::vector<int64_t> next;
    for (int64_t s : sums)
      for (int64_t t : thirtieths)
        next.push_back(s + t);
    sums = next;
    if (w < 2)
      continue;
    for (int64_t s : sums) {
      fractions.insert(reduced(s, 30 * w));
      auto [num, den] = reduced(s, 30 * w);
      expected.insert(static_cast<double>(num) / static_cast<double>(den));
    }
  }
  std::set<double> got;
  codegen::forEachMean(nullptr, values, 4, 1000, [&](const Atom &m) { got.insert(m.number()); });
  EXPECT_EQ(got, expected);
  EXPECT_EQ(got.size(), fractions.size());
}

namespace {

/// The values of `name` in `text` over `vocab` at max_len `maxLen`.
std::vector<Atom> valueSet(const std::string &text, const std::string &name,
                           std::vector<Atom> vocab, int64_t maxLen) {
  ElaboratedProgram program(text);
  codegen::ValueSetOptions options;
  options.vocab = std::move(vocab);
  options.maxLen = maxLen;
  codegen::ValueSets sets = codegen::lazyValueSets(program.node(name), options);
  return sets.at(program.node(name));
}

} // namespace

TEST(ExactTest, TheVarianceHoldsEachNumberOnce) {
  // The variance's set (the means of squares less the squares of means,
  // over the two whole sets) as fractions, enumerated here: each a double.
  std::vector<int64_t> vocab = {0, 1, 2, 3, 5};
  std::set<std::pair<int64_t, int64_t>> means, squares;
  std::vector<std::pair<int64_t, int64_t>> level = {{0, 0}}; // (sum, sum of squares)
  for (int64_t w = 1; w <= 5; ++w) {
    std::vector<std::pair<int64_t, int64_t>> next;
    for (auto [s, sq] : level)
      for (int64_t v : vocab)
        next.push_back({s + v, sq + v * v});
    level = next;
    for (auto [s, sq] : level) {
      means.insert(reduced(s, w));
      squares.insert(reduced(sq, w));
    }
  }
  std::set<std::pair<int64_t, int64_t>> variances;
  for (auto [sn, sd] : squares)
    for (auto [an, ad] : means)
      variances.insert(reduced(sn * ad * ad - an * an * sd, sd * ad * ad));
  std::vector<Atom> got = valueSet(
      "avg = aggregate(full_s, tokens_int);\n"
      "variance = aggregate(full_s, tokens_int * tokens_int) - avg * avg;",
      "variance",
      {Atom::integer(0), Atom::integer(1), Atom::integer(2), Atom::integer(3), Atom::integer(5)},
      5);
  std::set<double> expected;
  for (auto [num, den] : variances)
    expected.insert(static_cast<double>(num) / static_cast<double>(den));
  std::set<double> gotDoubles;
  for (const Atom &a : got)
    gotDoubles.insert(a.number());
  EXPECT_EQ(got.size(), variances.size());
  EXPECT_EQ(gotDoubles, expected);
}

TEST(ExactTest, TheMeanOfReciprocalWidthsHasNoNearTwins) {
  // 1 / selector_width over every position: k / n at length n, each once
  // (it had 0.5 twice, an ulp apart, and 'distinct' was refused).
  std::vector<Atom> got =
      valueSet("m = aggregate(full_s, 1 / selector_width(select(tokens, tokens, ==)));", "m",
               {Atom::string("a"), Atom::string("b"), Atom::string("c"), Atom::string("d")}, 5);
  ASSERT_GT(got.size(), 2u);
  for (size_t i = 1; i < got.size(); ++i)
    EXPECT_GT(got[i].number() - got[i - 1].number(), 1e-9)
        << got[i - 1].repr() << " and " << got[i].repr();
  for (const Atom &a : got)
    EXPECT_TRUE(rationalOf(a)) << a.repr();
}

TEST(ExactTest, DoublesOfFractionsCompareAndRoundAsTheFractions) {
  // Comparisons and round are the evaluator's on the doubles: on the
  // doubles of small fractions they give the exact answers.
  std::vector<std::pair<int64_t, int64_t>> fractions;
  for (int64_t q = 1; q <= 40; ++q)
    for (int64_t p = -90; p <= 90; ++p)
      if (std::gcd(p, q) == 1)
        fractions.push_back({p, q});
  auto toDouble = [](std::pair<int64_t, int64_t> f) {
    return static_cast<double>(f.first) / static_cast<double>(f.second);
  };
  for (auto a : fractions) {
    // round, ties to even: floor(p/q + 1/2), less one at an odd tie.
    int64_t twice = 2 * a.first + a.second, den = 2 * a.second;
    int64_t floor = twice >= 0 ? twice / den : -((-twice + den - 1) / den);
    if (twice % den == 0 && floor % 2 != 0)
      --floor;
    ASSERT_EQ(pythonRound(Atom::real(toDouble(a))).asInt(), floor) << a.first << "/" << a.second;
  }
  for (size_t i = 0; i < fractions.size(); i += 7)
    for (auto b : fractions) {
      auto a = fractions[i];
      bool less = a.first * b.second < b.first * a.second;
      bool equal = a.first * b.second == b.first * a.second;
      ASSERT_EQ(toDouble(a) < toDouble(b), less);
      ASSERT_EQ(toDouble(a) == toDouble(b), equal);
    }
}
