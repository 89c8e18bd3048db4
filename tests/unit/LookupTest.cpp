// The lookup MLPs on their own: a hand-made residual layout, the lookup's
// units assembled into a one-layer model, run in float32 on the CPU
// backend, and compared with the table the test gives the construction.
#include "ConstructionsHarness.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <numeric>
#include <random>
#include <set>

using namespace rasp;
using namespace rasp::codegen;
using namespace rasp::codegen::harness;

TEST(LookupTest, CategoricalLookupWritesTheTableOneHot) {
  Layout layout;
  layout.tokens = 4;
  layout.extra = 3;
  ModelPlan plan = layout.plan();
  LookupSpec spec;
  spec.oneDim = One;
  spec.bosDim = Bos;
  spec.categorical = {{layout.token(0), layout.token(1), layout.token(2), layout.token(3)}};
  spec.output = [&](const std::vector<int> &combo, int) {
    return LinearForm{{layout.scratch((combo[0] + 1) % 3), 1.0}};
  };
  plan.layers[0].mlps.push_back({"table", buildLookup(spec)});
  auto rows = run(plan, {0, 1, 2, 3});
  for (int t = 0; t < 4; ++t)
    for (int o = 0; o < 3; ++o)
      EXPECT_NEAR(rows[t][layout.scratch(o)], o == (t + 1) % 3 ? 1.0 : 0.0, 1e-6);
}

TEST(LookupTest, NumericalLookupSeparatesCloseLevelsAndKeepsNegativeOutputs) {
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
    return LinearForm{{layout.scratch(1), 1 - 3 * layout.tokenNumbers[i]}};
  };
  plan.layers[0].mlps.push_back({"f", buildLookup(spec)});
  auto rows = run(plan, {0, 1, 2, 3, 4});
  for (int t = 0; t < 5; ++t)
    EXPECT_NEAR(rows[t][layout.scratch(1)], 1 - 3 * layout.tokenNumbers[t], 1e-4) << t;
}

TEST(LookupTest, MultiInputLookupComputesAnyTableOfItsInputs) {
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
    return LinearForm{{layout.scratch(3 + table[combo[0]][combo[1]][x]), 1.0}};
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

TEST(LookupTest, LookupStepsOnlyBetweenTheLevelsEachCombinationCanHold) {
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
    return LinearForm{{layout.scratch(dim), 1.0}};
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

TEST(LookupTest, LookupRefusesMoreUnitsThanItsBudget) {
  // 100 x 100 combinations with 10,000 different outputs need 10,000 units.
  LookupSpec spec;
  spec.categorical = {std::vector<int>(100, 2), std::vector<int>(100, 3)};
  spec.maxUnits = 1000;
  spec.output = [](const std::vector<int> &combo, int) {
    return LinearForm{{4 + combo[0] * 100 + combo[1], 1.0}};
  };
  EXPECT_THROW(buildLookup(spec), LookupError);
}

TEST(LookupTest, LookupGatesValuesWithTheSameOutputsAsOneClass) {
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
    return LinearForm{{layout.scratch(2 + combo[0] % 2), 1.0}};
  };
  plan.layers[0].mlps.push_back({"parity", buildLookup(spec)});
  EXPECT_EQ(plan.layers[0].mlps[0].units.size(), 2u);
  auto rows = run(plan, {0, 1, 2, 3});
  for (int t = 0; t < 4; ++t)
    for (int o = 0; o < 2; ++o)
      EXPECT_NEAR(rows[t][layout.scratch(2 + o)], o == t % 2 ? 1.0 : 0.0, 1e-6) << t;
}

TEST(LookupTest, LookupWithRunsFindsEveryChangeByBisection) {
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
    return LinearForm{{layout.scratch(below(combo[0], n) ? 1 : 2), 1.0}};
  };
  spec.outputInRuns = true;
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

TEST(LookupTest, WidthThresholdsReadAPackedCountAtEveryWidthWithOneSetOfSteps) {
  // Like a product of two prefix counts: at width w (index w - 1) the
  // numerical input is k / w with k = a + 13 b for counts a, b >= 0 with
  // a + b <= w, and the output, the one-hot of a * b, depends on k alone.
  // Each token stands for one (a, b, w) and writes k / w, moved by the
  // input's noise either way or not, and the index's one-hot. One set of
  // steps serves every width: a base unit and a pair per change of a * b
  // along the sorted k, not a set per width.
  const int64_t most = 12;
  const double noise = 1e-4;
  struct Point {
    int64_t a, b, w;
    double moved;
  };
  std::vector<Point> points;
  std::set<int64_t> packed;
  std::map<int64_t, int64_t> productOf;
  std::vector<double> lowest(most, 0.0), highest(most, 0.0);
  for (int64_t w = 1; w <= most; ++w)
    for (int64_t a = 0; a <= w; ++a)
      for (int64_t b = 0; a + b <= w; ++b) {
        int64_t k = a + 13 * b;
        packed.insert(k);
        productOf[k] = a * b;
        highest[w - 1] = std::max(highest[w - 1], double(k) / double(w));
        for (double moved : {-noise, 0.0, noise})
          points.push_back({a, b, w, moved});
      }
  std::vector<int64_t> products;
  for (const auto &[k, p] : productOf)
    products.push_back(p);
  std::sort(products.begin(), products.end());
  products.erase(std::unique(products.begin(), products.end()), products.end());
  auto slotOf = [&](int64_t p) {
    return static_cast<int>(std::lower_bound(products.begin(), products.end(), p) -
                            products.begin());
  };
  Layout layout;
  layout.tokens = static_cast<int>(points.size());
  layout.extra = 1 + static_cast<int>(most) + static_cast<int>(products.size());
  layout.numberDim = layout.scratch(0);
  for (const Point &pt : points)
    layout.tokenNumbers.push_back(double(pt.a + 13 * pt.b) / double(pt.w) + pt.moved);
  layout.maxLen = 64;
  ModelPlan plan = layout.plan();
  auto indexDim = [&](int64_t i) { return layout.scratch(1 + static_cast<int>(i)); };
  auto outDim = [&](int slot) { return layout.scratch(1 + static_cast<int>(most) + slot); };
  for (size_t t = 0; t < points.size(); ++t)
    plan.tokenRows[t].emplace_back(indexDim(points[t].w - 1), 1.0);
  LookupSpec spec;
  spec.oneDim = One;
  spec.bosDim = Bos;
  std::vector<int64_t> levels(packed.begin(), packed.end());
  spec.numeric = NumericInput{{{layout.scratch(0), 1.0}}, {levels.begin(), levels.end()}, noise};
  LookupSpec::Widths widths;
  for (int64_t i = 0; i < most; ++i) {
    widths.dims.push_back(indexDim(i));
    widths.widths.push_back(i + 1);
  }
  widths.most = most;
  widths.lowest = lowest;
  widths.highest = highest;
  spec.widths = widths;
  spec.output = [&](const std::vector<int> &, int n) {
    return LinearForm{{outDim(slotOf(productOf.at(levels[n]))), 1.0}};
  };
  plan.layers[0].mlps.push_back({"product", buildLookup(spec)});
  size_t changes = 0;
  for (size_t n = 1; n < levels.size(); ++n)
    changes += productOf.at(levels[n]) != productOf.at(levels[n - 1]);
  EXPECT_EQ(plan.layers[0].mlps[0].units.size(), 1 + 2 * changes);
  for (size_t first = 0; first < points.size(); first += 64) {
    std::vector<int64_t> ids;
    for (size_t t = first; t < std::min(points.size(), first + 64); ++t)
      ids.push_back(static_cast<int64_t>(t));
    auto rows = run(plan, ids);
    for (size_t p = 0; p < ids.size(); ++p) {
      const Point &pt = points[ids[p]];
      int want = slotOf(pt.a * pt.b);
      for (int slot = 0; slot < static_cast<int>(products.size()); ++slot)
        ASSERT_NEAR(rows[p][outDim(slot)], slot == want ? 1.0 : 0.0, 1e-4)
            << "a " << pt.a << " b " << pt.b << " w " << pt.w << " moved " << pt.moved
            << " product slot " << slot;
    }
  }
}

TEST(LookupTest, OutputErrorBoundsTheRoundingOfSaturatedSteps) {
  // Levels 1000 + 0.01k: each step's slope is 2 / 0.01 = 200, so its
  // pre-activation's terms reach 200 * 1000.99 (the number) and
  // 200 * threshold - 1/2 (the constant), which cancel to at most 200: a
  // saturated pair of units cancels to 1 only to about one unit in the
  // last place (1.2e-7) of their sum of magnitudes, largest for the last
  // step (threshold 1000.985): 1.2e-7 * (200 * 1000.99 + 200 * 1000.985
  // - 0.5) = 0.04805. (From z = slope * (x - threshold) alone it would be
  // 2.4e-5.) The output alternates 0, 1, 0, ...: every output lies within
  // the bound.
  Layout layout;
  layout.tokens = 100;
  layout.maxLen = 100;
  layout.extra = 2;
  layout.numberDim = layout.scratch(0);
  for (int k = 0; k < layout.tokens; ++k)
    layout.tokenNumbers.push_back(1000 + 0.01 * k);
  ModelPlan plan = layout.plan();
  LookupSpec spec;
  spec.oneDim = One;
  spec.bosDim = Bos;
  spec.numeric = NumericInput{{{layout.scratch(0), 1.0}}, layout.tokenNumbers};
  spec.output = [&](const std::vector<int> &, int i) {
    return LinearForm{{layout.scratch(1), i % 2 ? 1.0 : 0.0}};
  };
  plan.layers[0].mlps.push_back({"alternate", buildLookup(spec)});
  double slope = 2 / 0.01, top = 1000.99, threshold = 1000.985;
  EXPECT_NEAR(spec.outputError, 1.2e-7 * (slope * top + slope * threshold - 0.5), 1e-6);
  std::vector<int64_t> ids(layout.tokens);
  std::iota(ids.begin(), ids.end(), int64_t(0));
  auto rows = run(plan, ids);
  for (int t = 0; t < layout.tokens; ++t)
    EXPECT_LE(std::fabs(rows[t][layout.scratch(1)] - (t % 2 ? 1.0 : 0.0)), spec.outputError)
        << "token " << t;
}
