// The planner's relations between selectors (plan/PlanContext.h): which
// conjunctions of selects never select one key together, and which select
// within another. Each claim is checked against the evaluator's selector
// matrices on random inputs of every length, and the expected answers are
// given by hand, so a relation that is too weak or unsound fails.
#include "compiler/codegen/plan/PlanContext.h"
#include "compiler/eval/Evaluate.h"
#include "tests/unit/ElaboratedProgram.h"

#include <gtest/gtest.h>

#include <random>

using namespace rasp;
using namespace rasp::codegen;
using Program = unittests::ElaboratedProgram;

namespace {

const char *Text = R"(
nums = {"a": 1, "b": 2, "c": 1}[tokens];
lt = select(nums, nums, <);
le = select(nums, nums, <=);
eq = select(nums, nums, ==);
ne = select(nums, nums, !=);
gt = select(nums, nums, >);
ge = select(nums, nums, >=);
eq_before = select(nums, nums, ==) and select(indices, indices, <);
a_key = select(tokens, "a", ==);
b_key = select(tokens, "b", ==);
a_before = select(tokens, "a", ==) and select(indices, indices, <);
lt_or_eq = select(nums, nums, <) or select(nums, nums, ==);
)";

/// Over random inputs of lengths 1..8: whether some query selects some key
/// under both selectors (`both`), and whether a selects one that b does not
/// (`outside`).
struct Observed {
  bool both = false, outside = false;
};

Observed observe(const graph::Node *a, const graph::Node *b) {
  std::mt19937 random(5);
  const char *letters[] = {"a", "b", "c"};
  Observed seen;
  for (int64_t n = 1; n <= 8; ++n)
    for (int trial = 0; trial < 30; ++trial) {
      std::vector<Atom> input;
      for (int64_t i = 0; i < n; ++i)
        input.push_back(Atom::string(letters[random() % 3]));
      eval::Evaluator evaluator(input);
      const eval::SelectorMatrix &ma = evaluator.selector(a);
      const eval::SelectorMatrix &mb = evaluator.selector(b);
      for (int64_t q = 0; q < n; ++q)
        for (int64_t k = 0; k < n; ++k) {
          seen.both = seen.both || (ma.get(q, k) && mb.get(q, k));
          seen.outside = seen.outside || (ma.get(q, k) && !mb.get(q, k));
        }
    }
  return seen;
}

} // namespace

TEST(SelectorRelationsTest, NeverTogetherHoldsWhereTheSelectionsNeverMeet) {
  Program program(Text);
  // `never`: what neverTogether answers; `meet`: whether the selections
  // meet on some input (lt_or_eq and gt never do, but an `or` is not a
  // conjunction of selects, so it is not claimed).
  struct Case {
    const char *a, *b;
    bool never, meet;
  } cases[] = {
      {"lt", "eq", true, false},          {"lt", "gt", true, false},
      {"ge", "lt", true, false},          {"ne", "eq", true, false},
      {"lt", "eq_before", true, false},   {"a_key", "b_key", true, false},
      {"a_before", "b_key", true, false}, {"le", "eq", false, true},
      {"le", "ge", false, true},          {"a_key", "a_before", false, true},
      {"lt_or_eq", "gt", false, false},   {"eq_before", "eq", false, true},
  };
  for (const Case &c : cases) {
    const graph::Node *a = program.node(c.a), *b = program.node(c.b);
    EXPECT_EQ(neverTogether(a, b), c.never) << c.a << ", " << c.b;
    EXPECT_EQ(neverTogether(b, a), c.never) << c.b << ", " << c.a;
    EXPECT_EQ(observe(a, b).both, c.meet) << c.a << " and " << c.b;
  }
}

TEST(SelectorRelationsTest, SelectsWithinHoldsWhereOneSelectionHoldsTheOther) {
  Program program(Text);
  struct Case {
    const char *a, *b;
    bool within;
  } cases[] = {
      {"lt", "le", true},  {"eq", "le", true},         {"eq", "ge", true},
      {"gt", "ne", true},  {"eq_before", "eq", true},  {"a_before", "a_key", true},
      {"le", "lt", false}, {"eq", "eq_before", false}, {"a_key", "a_before", false},
      {"lt", "eq", false}, {"lt_or_eq", "le", false},
  };
  for (const Case &c : cases) {
    const graph::Node *a = program.node(c.a), *b = program.node(c.b);
    EXPECT_EQ(selectsWithin(a, b), c.within) << c.a << " within " << c.b;
    // (lt_or_eq is within le, but is not a conjunction: not claimed.)
    bool outside = std::string(c.a) != "lt_or_eq" && !c.within;
    EXPECT_EQ(observe(a, b).outside, outside) << c.a << " within " << c.b;
  }
}
