// Each weight construction on its own: a hand-made residual layout, the
// construction's weights assembled into a one-layer model, run in float32
// on the CPU backend, and compared with values the test computes directly
// from the construction's specification.
#include "compiler/codegen/Assemble.h"
#include "compiler/codegen/Constructions.h"

#include "runtime/Backend.h"

#include <gtest/gtest.h>

#include <cmath>
#include <algorithm>
#include <numeric>
#include <random>

using namespace rasp;
using namespace rasp::codegen;

namespace {

constexpr int One = 0, Bos = 1;

/// A residual layout: `one`, `bos`, then `tokens` one-hot dimensions, then
/// any scratch dimensions. Token t also writes `tokenNumbers[t]` into the
/// dimension `numberDim` when that is set.
struct Layout {
  int tokens = 0;
  int extra = 0;
  int numberDim = -1;
  std::vector<double> tokenNumbers;
  int64_t maxLen = 8;

  int token(int t) const { return 2 + t; }
  int scratch(int i) const { return 2 + tokens + i; }

  ModelPlan plan() const {
    ModelPlan p;
    for (int t = 0; t < tokens; ++t)
      p.vocab.push_back(lang::Atom::integer(t));
    p.maxLen = maxLen;
    p.dModel = 2 + tokens + extra;
    for (int d = 0; d < p.dModel; ++d) {
      Feature f;
      f.label = "d" + std::to_string(d);
      f.encoding = EncodingKind::Numerical;
      f.firstDim = d;
      p.features.push_back(f);
    }
    for (int t = 0; t < tokens; ++t) {
      Sparse row = {{One, 1.0}, {token(t), 1.0}};
      if (numberDim >= 0)
        row.emplace_back(numberDim, tokenNumbers[t]);
      p.tokenRows.push_back(row);
    }
    p.tokenRows.push_back({{One, 1.0}, {Bos, 1.0}});
    p.positionRows.assign(maxLen + 1, {});
    p.layers.resize(1);
    p.output.encoding = EncodingKind::Numerical;
    p.output.form = {{One, 1.0}};
    return p;
  }
};

/// The residual after the last layer, row p + 1 for token position p.
std::vector<std::vector<double>> run(const ModelPlan &plan, const std::vector<int64_t> &ids) {
  int64_t counted = -1;
  runtime::Model model = assembleModel(plan, &counted);
  EXPECT_EQ(model.validate(), "");
  // Assembly's count of the nonzeros it wrote is what reading every weight finds.
  EXPECT_EQ(counted, model.nonzeroParameters());
  auto backend = runtime::makeCpuBackend(runtime::PrecisionKind::Float32);
  runtime::RunResult result = backend->run(model, {ids}, {true})[0];
  const std::vector<double> &last = result.residual.back();
  std::vector<std::vector<double>> rows;
  for (size_t p = 0; p < ids.size(); ++p)
    rows.emplace_back(last.begin() + (p + 1) * plan.dModel,
                      last.begin() + (p + 2) * plan.dModel);
  return rows;
}

std::vector<Sparse> tokenReads(const Layout &layout) {
  std::vector<Sparse> reads;
  for (int t = 0; t < layout.tokens; ++t)
    reads.push_back({{layout.token(t), 1.0}});
  return reads;
}

/// A table with cell [q][k] = holds(q, k).
template <typename Holds> BitTable tableOf(size_t queries, size_t keys, Holds holds) {
  BitTable table(queries, keys);
  for (size_t q = 0; q < queries; ++q)
    for (size_t k = 0; k < keys; ++k)
      table.set(q, k, holds(q, k));
  return table;
}

double scaleFor(int64_t maxLen) { return 2 * (std::log(double(maxLen) + 1) + 14); }

namespace {

size_t formEntries(const std::vector<Sparse> &forms) {
  size_t n = 0;
  for (const Sparse &f : forms)
    n += f.size();
  return n;
}

/// Runs one head built from `group` (chunked from `chunkedFrom` values) on
/// `trials` random inputs; each key carries its token as a number, BOS the
/// default. Checks every query's mean against the keys that `selects` says
/// it selects (the default when there are none), and returns the head.
template <typename Selects>
HeadPlan checkScores(const Layout &layout, const ScoreGroup &group, size_t chunkedFrom,
                     Selects selects, double fallback = -1.0, int trials = 60,
                     unsigned seed = 11, double tolerance = 1e-4) {
  ModelPlan plan = layout.plan();
  HeadPlan head;
  ScoreOptions options{scaleFor(layout.maxLen), 0.5, One, Bos};
  options.chunkedFrom = chunkedFrom;
  buildScores({group}, options, head);
  Sparse value;
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
  ScoreGroup notTwo{{{{One, 1.0}, {Bos, -1.0}}}, tokenReads(layout),
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
  ScoreGroup all{{{{One, 1.0}, {Bos, -1.0}}}, tokenReads(layout),
                 tableOf(1, 2, [](size_t, size_t) { return true; })};
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
    return Sparse{{layout.scratch(1 + w), 1.0}};
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

TEST(ConstructionsTest, CategoricalLookupWritesTheTableOneHot) {
  Layout layout;
  layout.tokens = 4;
  layout.extra = 3;
  ModelPlan plan = layout.plan();
  LookupSpec spec;
  spec.oneDim = One;
  spec.bosDim = Bos;
  spec.categorical = {{layout.token(0), layout.token(1), layout.token(2), layout.token(3)}};
  spec.output = [&](const std::vector<int> &combo, int) {
    return Sparse{{layout.scratch((combo[0] + 1) % 3), 1.0}};
  };
  plan.layers[0].mlps.push_back({"table", buildLookup(spec)});
  auto rows = run(plan, {0, 1, 2, 3});
  for (int t = 0; t < 4; ++t)
    for (int o = 0; o < 3; ++o)
      EXPECT_NEAR(rows[t][layout.scratch(o)], o == (t + 1) % 3 ? 1.0 : 0.0, 1e-6);
}

TEST(ConstructionsTest, NumericalLookupSeparatesCloseLevelsAndKeepsNegativeOutputs) {
  // Levels 0.001 apart are told apart (per-threshold slopes); f(x) = 1 - 3x
  // is negative for most levels (Tracr's categorical->numerical MLP clips it).
  Layout layout;
  layout.tokens = 5;
  layout.extra = 2;
  layout.numberDim = layout.scratch(0);
  layout.tokenNumbers = {0.5, 0.0, 0.501, 1.0, 0.001};
  ModelPlan plan = layout.plan();
  LookupSpec spec;
  spec.oneDim = One;
  spec.bosDim = Bos;
  spec.numeric = NumericInput{{{layout.scratch(0), 1.0}}, layout.tokenNumbers};
  spec.output = [&](const std::vector<int> &, int i) {
    return Sparse{{layout.scratch(1), 1 - 3 * layout.tokenNumbers[i]}};
  };
  plan.layers[0].mlps.push_back({"f", buildLookup(spec)});
  auto rows = run(plan, {0, 1, 2, 3, 4});
  for (int t = 0; t < 5; ++t)
    EXPECT_NEAR(rows[t][layout.scratch(1)], 1 - 3 * layout.tokenNumbers[t], 1e-4) << t;
}

TEST(ConstructionsTest, MultiInputLookupComputesAnyTableOfItsInputs) {
  // Two categorical inputs (the token, and the token's parity written as a
  // second one-hot) and a numerical one; a random table of all three.
  Layout layout;
  layout.tokens = 4;
  layout.extra = 2 + 1 + 5;
  layout.numberDim = layout.scratch(2);
  layout.tokenNumbers = {0.25, 0.5, 0.75, 0.125};
  ModelPlan plan = layout.plan();
  for (int t = 0; t < 4; ++t)
    plan.tokenRows[t].emplace_back(layout.scratch(t % 2), 1.0);
  std::mt19937 random(9);
  int table[4][2][4];
  for (auto &a : table)
    for (auto &b : a)
      for (int &x : b)
        x = random() % 5;
  LookupSpec spec;
  spec.oneDim = One;
  spec.bosDim = Bos;
  spec.categorical = {{layout.token(0), layout.token(1), layout.token(2), layout.token(3)},
                      {layout.scratch(0), layout.scratch(1)}};
  spec.numeric = NumericInput{{{layout.scratch(2), 1.0}}, layout.tokenNumbers};
  spec.output = [&](const std::vector<int> &combo, int x) {
    return Sparse{{layout.scratch(3 + table[combo[0]][combo[1]][x]), 1.0}};
  };
  plan.layers[0].mlps.push_back({"g", buildLookup(spec)});
  auto rows = run(plan, {0, 1, 2, 3, 2, 0});
  std::vector<int> ids = {0, 1, 2, 3, 2, 0};
  for (size_t p = 0; p < ids.size(); ++p) {
    int t = ids[p];
    int want = table[t][t % 2][t];
    for (int o = 0; o < 5; ++o)
      EXPECT_NEAR(rows[p][layout.scratch(3 + o)], o == want ? 1.0 : 0.0, 1e-5)
          << "token " << t << " output " << o;
  }
}

TEST(ConstructionsTest, LookupStepsOnlyBetweenTheLevelsEachCombinationCanHold) {
  // Token 0 holds the number 0.3 and token 1 the number 0.3 + 1e-7: far too
  // close to tell apart in float32. Each token's combination can hold only
  // its own level (and two others), so with `levelsAt` no step separates
  // them and the lookup is exact; with every level possible everywhere it
  // must refuse, since the outputs differ between them.
  Layout layout;
  layout.tokens = 2;
  layout.extra = 1 + 3;
  layout.numberDim = layout.scratch(0);
  layout.tokenNumbers = {0.3, 0.3 + 1e-7};
  ModelPlan plan = layout.plan();
  const std::vector<double> levels = {0.0, 0.3, 0.3 + 1e-7, 0.7, 1.0};
  LookupSpec spec;
  spec.oneDim = One;
  spec.bosDim = Bos;
  spec.categorical = {{layout.token(0), layout.token(1)}};
  spec.numeric = NumericInput{{{layout.scratch(0), 1.0}}, levels};
  // Output dimension: token 0 at 0.3 -> 1, token 1 at 0.3 + 1e-7 -> 2,
  // anything else -> 3.
  spec.output = [&](const std::vector<int> &combo, int n) {
    int dim = combo[0] == 0 && n == 1 ? 1 : combo[0] == 1 && n == 2 ? 2 : 3;
    return Sparse{{layout.scratch(dim), 1.0}};
  };
  EXPECT_THROW(buildLookup(spec), LookupError);
  spec.levelsAt = [](const std::vector<int> &combo) {
    return combo[0] == 0 ? std::vector<int>{0, 1, 4} : std::vector<int>{0, 2, 3};
  };
  plan.layers[0].mlps.push_back({"h", buildLookup(spec)});
  auto rows = run(plan, {0, 1, 1, 0});
  std::vector<int> ids = {0, 1, 1, 0};
  for (size_t p = 0; p < ids.size(); ++p)
    for (int dim = 1; dim <= 3; ++dim)
      EXPECT_NEAR(rows[p][layout.scratch(dim)], dim == ids[p] + 1 ? 1.0 : 0.0, 1e-5)
          << "token " << ids[p] << " dimension " << dim;
}

TEST(ConstructionsTest, LookupRefusesMoreUnitsThanItsBudget) {
  // 100 x 100 combinations with 10,000 different outputs need 10,000 units.
  LookupSpec spec;
  spec.categorical = {std::vector<int>(100, 2), std::vector<int>(100, 3)};
  spec.maxUnits = 1000;
  spec.output = [](const std::vector<int> &combo, int) {
    return Sparse{{4 + combo[0] * 100 + combo[1], 1.0}};
  };
  EXPECT_THROW(buildLookup(spec), LookupError);
}

TEST(ConstructionsTest, LookupGatesValuesWithTheSameOutputsAsOneClass) {
  // Output (a mod 2) ignores b and sees only the parity of a: 2 classes of
  // a x 1 class of b = 2 units, each gating on the sum of its members.
  Layout layout;
  layout.tokens = 4;
  layout.extra = 2 + 2;
  ModelPlan plan = layout.plan();
  for (int t = 0; t < 4; ++t)
    plan.tokenRows[t].emplace_back(layout.scratch(t / 2), 1.0);
  LookupSpec spec;
  spec.oneDim = One;
  spec.bosDim = Bos;
  spec.categorical = {{layout.token(0), layout.token(1), layout.token(2), layout.token(3)},
                      {layout.scratch(0), layout.scratch(1)}};
  spec.output = [&](const std::vector<int> &combo, int) {
    return Sparse{{layout.scratch(2 + combo[0] % 2), 1.0}};
  };
  plan.layers[0].mlps.push_back({"parity", buildLookup(spec)});
  EXPECT_EQ(plan.layers[0].mlps[0].units.size(), 2u);
  auto rows = run(plan, {0, 1, 2, 3});
  for (int t = 0; t < 4; ++t)
    for (int o = 0; o < 2; ++o)
      EXPECT_NEAR(rows[t][layout.scratch(2 + o)], o == t % 2 ? 1.0 : 0.0, 1e-6) << t;
}

} // namespace


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
  std::vector<Sparse> classReads(14);
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

TEST(ConstructionsTest, LookupWithRunsFindsEveryChangeByBisection) {
  // Token t holds the number t / 64 (64 levels) and the class t % 4 (a
  // one-hot); the output is whether the number is below the class's
  // threshold. Each class changes once, found by bisection (far fewer
  // outputs asked for than the 256 combinations), and the units compute it
  // exactly.
  Layout layout;
  layout.tokens = 64;
  layout.extra = 1 + 2 + 4;
  layout.numberDim = layout.scratch(0);
  for (int t = 0; t < 64; ++t)
    layout.tokenNumbers.push_back(t / 64.0);
  layout.maxLen = 8;
  ModelPlan plan = layout.plan();
  for (int t = 0; t < 64; ++t)
    plan.tokenRows[t].emplace_back(layout.scratch(3 + t % 4), 1.0);
  const double thresholds[4] = {0.1, 0.5, 0.51, 2.0};
  auto below = [&](int c, int n) { return layout.tokenNumbers[n] < thresholds[c]; };
  LookupSpec spec;
  spec.oneDim = One;
  spec.bosDim = Bos;
  spec.categorical = {{layout.scratch(3), layout.scratch(4), layout.scratch(5), layout.scratch(6)}};
  spec.numeric = NumericInput{{{layout.scratch(0), 1.0}}, layout.tokenNumbers};
  int calls = 0;
  spec.output = [&](const std::vector<int> &combo, int n) {
    ++calls;
    return Sparse{{layout.scratch(below(combo[0], n) ? 1 : 2), 1.0}};
  };
  spec.runs = true;
  plan.layers[0].mlps.push_back({"runs", buildLookup(spec)});
  EXPECT_LT(calls, 4 * 16);
  std::vector<int64_t> ids(8);
  for (int trial = 0; trial < 8; ++trial) {
    for (size_t p = 0; p < ids.size(); ++p)
      ids[p] = (trial * 8 + p) % 64;
    auto rows = run(plan, ids);
    for (size_t p = 0; p < ids.size(); ++p) {
      bool want = below(ids[p] % 4, ids[p]);
      EXPECT_NEAR(rows[p][layout.scratch(1)], want ? 1.0 : 0.0, 1e-5) << ids[p];
      EXPECT_NEAR(rows[p][layout.scratch(2)], want ? 0.0 : 1.0, 1e-5) << ids[p];
    }
  }
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
    BitTable table(nq, nk);
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
    auto weight = [](const Sparse &form, int dim) {
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
