// analysis::firstLookAhead: selectors proved to look back by hand, and, for
// every s-op it accepts, the evaluator's selector matrices on random inputs
// as the oracle: no query selects a later key.
#include "compiler/analysis/Causal.h"
#include "compiler/eval/Evaluate.h"
#include "tests/unit/ElaboratedProgram.h"

#include <gtest/gtest.h>

#include <random>

using namespace rasp;

namespace {

using Program = unittests::ElaboratedProgram;

/// Every selector that an aggregate or selector_width below `sop` reads,
/// on random inputs of every length up to maxLen over "a", "b", "1": no
/// query selects a later key.
void expectNoLaterKey(const graph::Node *sop, int64_t maxLen) {
  std::mt19937 random(3);
  const char *letters[] = {"a", "b", "1"};
  for (int64_t n = 1; n <= maxLen; ++n)
    for (int trial = 0; trial < 20; ++trial) {
      std::vector<Atom> input;
      for (int64_t i = 0; i < n; ++i)
        input.push_back(Atom::string(letters[random() % 3]));
      eval::Evaluator evaluator(input);
      for (const graph::Node *node : graph::topologicalOrder(sop)) {
        if (node->kind != graph::NodeKind::Aggregate &&
            node->kind != graph::NodeKind::SelectorWidth)
          continue;
        const eval::SelectorMatrix &matrix = evaluator.selector(node->inputs[0]);
        for (int64_t q = 0; q < n; ++q)
          for (int64_t k = q + 1; k < n; ++k)
            ASSERT_FALSE(matrix.get(q, k)) << "length " << n << ": query " << q << ", key " << k;
      }
    }
}

TEST(CausalTest, SelectorsThatLookBack) {
  Program p(
      "le = aggregate(select(indices, indices, <=), indices);"
      "prev = aggregate(select(indices, indices - 1, ==), tokens);"
      "lt1 = aggregate(select(indices, indices + 1, <), indices);"
      "twice = aggregate(select(indices * 2, indices, <=), indices);"
      "both = aggregate(select(tokens, tokens, ==) and select(indices, indices, ==), tokens);"
      "either = aggregate(select(indices, indices, <) or select(indices, indices, ==), indices);"
      "width = selector_width(select(tokens, \"a\", ==) and select(indices, indices, <=));"
      "none = tokens + \"x\";");
  for (const char *name : {"le", "prev", "lt1", "twice", "both", "either", "width", "none"}) {
    SCOPED_TRACE(name);
    EXPECT_EQ(analysis::firstLookAhead(p.node(name), 8), nullptr);
    expectNoLaterKey(p.node(name), 8);
  }
}

TEST(CausalTest, SelectorsThatLookAheadOrCannotBeProved) {
  Program p(
      "ge = aggregate(select(indices, indices, >=), indices);"
      "next = aggregate(select(indices, indices + 1, ==), tokens);"
      "second = aggregate(select(indices, 1, ==), tokens);"
      "same = aggregate(select(tokens, tokens, ==), indices);"
      "negated = aggregate(not select(indices, indices, >), indices);"
      "mixed = aggregate(select(indices, indices, <=) or select(tokens, tokens, ==), indices);"
      "size = length + 0;"
      "deep = aggregate(select(indices, indices, <=), aggregate(select(indices, indices, >), "
      "indices));");
  for (const char *name : {"ge", "next", "second", "same", "negated", "mixed", "size", "deep"}) {
    SCOPED_TRACE(name);
    EXPECT_NE(analysis::firstLookAhead(p.node(name), 8), nullptr);
  }
}

TEST(CausalTest, TheLongestInputDecides) {
  // s selects the keys k < q + 3: query 0 selects keys 1 and 2, after it.
  // t selects, for every query, the keys above 5: there are none below
  // max_len 7, so up to max_len 6 nothing looks ahead.
  Program p("s = aggregate(select(indices, indices + 3, <), indices);"
            "t = aggregate(select(indices, 5, >), indices);");
  EXPECT_NE(analysis::firstLookAhead(p.node("s"), 3), nullptr);
  EXPECT_EQ(analysis::firstLookAhead(p.node("t"), 6), nullptr);
  EXPECT_NE(analysis::firstLookAhead(p.node("t"), 7), nullptr);
}

} // namespace
