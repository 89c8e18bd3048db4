// The attention constructions on their own (lookups are in LookupTest.cpp):
// a hand-made residual layout, the construction's weights assembled into a
// one-layer model, run in float32 on the CPU backend, and compared with
// values the test computes directly from the construction's specification.
#include "ConstructionsHarness.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <random>

using namespace rasp;
using namespace rasp::codegen;
using namespace rasp::codegen::harness;

namespace {

size_t formEntries(const std::vector<LinearForm> &forms) {
  size_t n = 0;
  for (const LinearForm &f : forms)
    n += f.size();
  return n;
}

/// Runs one head built from `group` (chunked from `chunkedFrom` values) on
/// `trials` random inputs; each key carries its token as a number, BOS the
/// default. Checks every query's mean against the keys that `selects` says
/// it selects (the default when there are none), and returns the head.
template <typename Selects>
HeadPlan checkScores(const Layout &layout, const ScoreGroup &group, size_t chunkedFrom,
                     Selects selects, double fallback = -1.0, int trials = 60, unsigned seed = 11,
                     double tolerance = 1e-4) {
  ModelPlan plan = layout.plan();
  HeadPlan head;
  ScoreOptions options{scaleFor(layout.maxLen), 0.5, One, Bos};
  options.chunkedFrom = chunkedFrom;
  buildScores({group}, options, head);
  LinearForm value;
  for (int t = 1; t < layout.tokens; ++t)
    value.emplace_back(layout.token(t), double(t));
  value.emplace_back(Bos, fallback);
  head.value = {value};
  head.outDims = {layout.scratch(0)};
  plan.layers[0].heads.push_back(head);
  std::mt19937 random(seed);
  for (int trial = 0; trial < trials; ++trial) {
    std::vector<int64_t> ids(1 + trial % layout.maxLen);
    for (int64_t &id : ids)
      id = random() % layout.tokens;
    auto rows = run(plan, ids);
    for (size_t q = 0; q < ids.size(); ++q) {
      double sum = 0, count = 0;
      for (size_t k = 0; k < ids.size(); ++k)
        if (selects(ids[q], ids[k]))
          sum += double(ids[k]), ++count;
      double want = count ? sum / count : fallback;
      EXPECT_NEAR(rows[q][layout.scratch(0)], want, tolerance) << "trial " << trial << " q " << q;
    }
  }
  return head;
}

} // namespace

TEST(ConstructionsTest, ScoreTableAttentionAveragesTheSelectedKeysOrGivesTheDefault) {
  // Query token q selects the keys with a smaller token; each key carries its
  // token as a number; an empty selection gives the default 7 through BOS.
  Layout layout;
  layout.tokens = 3;
  layout.extra = 1;
  ScoreGroup group{tokenReads(layout), tokenReads(layout),
                   tableOf(3, 3, [](size_t q, size_t k) { return k < q; })};
  checkScores(
      layout, group, 1000, [](int64_t q, int64_t k) { return k < q; }, 7.0, 200, 5, 1e-5);
}

TEST(ConstructionsTest, ConjunctionOfTwoTablesSelectsOnlyWhereBothHold) {
  // Group 1 on tokens (equal), group 2 also on tokens (key token != 2): the
  // sum reaches 2 only where both hold; BOS sits at 1.5.
  Layout layout;
  layout.tokens = 3;
  layout.extra = 1;
  ModelPlan plan = layout.plan();
  ScoreGroup equal{tokenReads(layout), tokenReads(layout),
                   tableOf(3, 3, [](size_t q, size_t k) { return k == q; })};
  ScoreGroup notTwo{{{{One, 1.0}, {Bos, -1.0}}},
                    tokenReads(layout),
                    tableOf(1, 3, [](size_t, size_t k) { return k != 2; })};
  HeadPlan head;
  buildScores({equal, notTwo}, {scaleFor(layout.maxLen), 1.5, One, Bos}, head);
  head.value = {{{One, 1.0}, {Bos, -1.0}}}; // 1 at every key but BOS
  head.outDims = {layout.scratch(0)};
  plan.layers[0].heads.push_back(head);
  auto rows = run(plan, {2, 0, 2, 1});
  // Token 2 selects nothing (share of non-BOS keys 0); 0 and 1 select themselves.
  EXPECT_NEAR(rows[0][layout.scratch(0)], 0.0, 1e-6);
  EXPECT_NEAR(rows[1][layout.scratch(0)], 1.0, 1e-6);
  EXPECT_NEAR(rows[3][layout.scratch(0)], 1.0, 1e-6);
}

TEST(ConstructionsTest, SelectorWidthIsExactForEveryWidthUpToMaxLen) {
  // A head gives BOS the share c/(c+w); a discretising MLP decodes w.
  Layout layout;
  layout.tokens = 2;
  layout.maxLen = 40;
  int width = static_cast<int>(layout.maxLen) + 1;
  layout.extra = 1 + width;
  ModelPlan plan = layout.plan();
  ScoreGroup all{{{{One, 1.0}, {Bos, -1.0}}}, tokenReads(layout), tableOf(1, 2, [](size_t, size_t) {
                   return true;
                 })};
  double scale = scaleFor(layout.maxLen), c = double(layout.maxLen);
  HeadPlan head;
  buildScores({all}, {scale, 1 + std::log(c) / scale, One, Bos}, head);
  head.value = {{{Bos, 1.0}}};
  head.outDims = {layout.scratch(0)};
  plan.layers[0].heads.push_back(head);
  LookupSpec spec;
  spec.oneDim = One;
  spec.bosDim = Bos;
  NumericInput input{{{layout.scratch(0), 1.0}, {Bos, -1.0}}, {}};
  for (int w = 0; w < width; ++w)
    input.levels.push_back(c / (c + w));
  spec.numeric = input;
  spec.output = [&](const std::vector<int> &, int w) {
    return LinearForm{{layout.scratch(1 + w), 1.0}};
  };
  plan.layers[0].mlps.push_back({"decode", buildLookup(spec)});
  EXPECT_EQ(plan.layers[0].mlps[0].units.size(), 1u + 2u * layout.maxLen);
  for (int n = 1; n <= layout.maxLen; ++n) {
    std::vector<int64_t> ids(n, 0);
    auto rows = run(plan, ids);
    for (int w = 0; w < width; ++w)
      ASSERT_NEAR(rows[0][layout.scratch(1 + w)], w == n ? 1.0 : 0.0, 1e-3)
          << "length " << n << " dimension " << w;
  }
}

TEST(ConstructionsTest, ChunkedScoresOfANestedTableSelectExactlyWithFewerNonzeros) {
  // Query token q selects the keys with a smaller token: rows nest, so from
  // 4 values up the table is chunked. The head selects the same keys as
  // the plain one, with no more than sqrt(K) extra dimensions and fewer
  // nonzeros.
  Layout layout;
  layout.tokens = 40;
  layout.extra = 1;
  layout.maxLen = 12;
  auto less = [](int64_t q, int64_t k) { return k < q; };
  ScoreGroup group{tokenReads(layout), tokenReads(layout),
                   tableOf(40, 40, [](size_t q, size_t k) { return k < q; })};
  HeadPlan plain = checkScores(layout, group, 1000, less);
  HeadPlan chunked = checkScores(layout, group, 4, less);
  EXPECT_LE(chunked.query.size(), plain.query.size() + 7);
  EXPECT_LT(formEntries(chunked.query) + formEntries(chunked.key),
            (formEntries(plain.query) + formEntries(plain.key)) / 2);
}

TEST(ConstructionsTest, ChunkedScoresWorkWithADimensionPerKeyAndFallBackWhenRowsDoNotNest) {
  // Keys read the token's class t / 3 (13 values, each the sum of its
  // tokens' one-hots), fewer than the 40 query values: a dimension per key.
  Layout layout;
  layout.tokens = 40;
  layout.extra = 1;
  layout.maxLen = 12;
  std::vector<LinearForm> classReads(14);
  for (int t = 0; t < 40; ++t)
    classReads[t / 3].emplace_back(layout.token(t), 1.0);
  auto atLeast = [](int64_t q, int64_t k) { return k / 3 >= q / 4; };
  ScoreGroup nested{tokenReads(layout), classReads,
                    tableOf(40, 14, [](size_t q, size_t c) { return c >= q / 4; })};
  checkScores(layout, nested, 4, atLeast);
  // Equality does not nest: the plain form serves.
  auto sameClass = [](int64_t q, int64_t k) { return k / 3 == q / 3; };
  ScoreGroup equal{tokenReads(layout), classReads,
                   tableOf(40, 14, [](size_t q, size_t c) { return c == q / 3; })};
  HeadPlan head = checkScores(layout, equal, 4, sameClass);
  EXPECT_EQ(head.query.size(), 14u + 1u); // One per class, and BOS.
}

TEST(ConstructionsTest, ScoresSumToTheTableForRandomNestedAndUnnestedTables) {
  // Query value q reads dimension q, key value k dimension 100 + k. For
  // random staircases (random key order, random prefix lengths) and random
  // tables, in both orientations and chunked from 1 value: the head's
  // score of every pair, divided by the scale, is the table's 0 or 1.
  std::mt19937 random(17);
  double scale = 3.0;
  for (int trial = 0; trial < 300; ++trial) {
    size_t nq = 1 + random() % 40, nk = 1 + random() % 40;
    BitMatrix table(nq, nk);
    if (trial % 3 != 2) {
      std::vector<size_t> position(nk);
      std::iota(position.begin(), position.end(), 0);
      std::shuffle(position.begin(), position.end(), random);
      for (size_t q = 0; q < nq; ++q) {
        size_t length = random() % (nk + 1);
        for (size_t k = 0; k < nk; ++k)
          table.set(q, k, position[k] < length);
      }
    } else {
      for (size_t q = 0; q < nq; ++q)
        for (size_t k = 0; k < nk; ++k)
          table.set(q, k, random() % 2);
    }
    ScoreGroup group;
    for (size_t q = 0; q < nq; ++q)
      group.queryReads.push_back({{int(q), 1.0}});
    for (size_t k = 0; k < nk; ++k)
      group.keyReads.push_back({{100 + int(k), 1.0}});
    group.table = table;
    ScoreOptions options{scale, 0.5, 200, 201};
    options.chunkedFrom = 1;
    HeadPlan head;
    buildScores({group}, options, head);
    ASSERT_EQ(head.query.size(), head.key.size());
    auto weight = [](const LinearForm &form, int dim) {
      double w = 0;
      for (const auto &[d, v] : form)
        w += d == dim ? v : 0;
      return w;
    };
    for (size_t q = 0; q < nq; ++q)
      for (size_t k = 0; k < nk; ++k) {
        double score = 0;
        for (size_t j = 0; j < head.query.size(); ++j)
          score += weight(head.query[j], int(q)) * weight(head.key[j], 100 + int(k));
        ASSERT_NEAR(score / scale, table.get(q, k) ? 1.0 : 0.0, 1e-12)
            << "trial " << trial << " (" << nq << " x " << nk << ") q " << q << " k " << k;
      }
  }
}
