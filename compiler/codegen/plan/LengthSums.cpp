// The plan's sums over every key: round(L * m), with L the length and m a
// mean of integers over a selector that selects every key, is the sum s of
// the n values averaged, an integer. Where that sum takes too many values
// to list, or more than its lookup would cost (a one-hot of every s), the
// MLP after m's head computes n * m itself, with no value set of m or s:
// the head of m also writes r = 1/n (the share of index 0), and
//
//   n * m = m + sum_{j=1}^{N-1} m * [n > j] = m + sum_j m * [r < t_j],
//
// t_j between 1/(j+1) and 1/j. Each term is a gated copy of m, two units:
// (ReLU(m + K_j (t_j - r)) - ReLU(-m + K_j (t_j - r))) / 2 is m where
// K_j (t_j - r) >= |m| (n > j) and 0 where K_j (t_j - r) <= -|m| (n <= j);
// K_j is set from the bounds of m at each length (ValueSets::wholeMeanRange:
// the mean of bit * 2 ^ (length - 1 - indices) is below 2^n / n at length n,
// far below its bound at N for short lengths), twice what those need. The
// output is read as the number (the nearest integer, or the nearest value
// of its set where that is listed).
//
// Precision: at length n the sum is off by n times m's noise plus the
// rounding of the units that are on (about 2^-24 of each pre-activation);
// it must stay below 3/8, so that the nearest integer is the sum. A sum
// past 2^24 (binary_value at max_len 64, a number below 2^64) cannot be held
// by float32 at all, and is refused saying so.
#include "compiler/codegen/plan/CountPlanner.h"
#include "compiler/codegen/values/PrefixCount.h"

#include "llvm/Support/Format.h"
#include "llvm/Support/raw_ostream.h"

#include <algorithm>
#include <cmath>

using namespace rasp;
using namespace rasp::codegen;

namespace {

/// A float32 rounding, relative (2^-24), with some slack.
constexpr double Rounding = 6e-8;
/// The largest error the sum may have: 3/4 of the 1/2 that rounding to the
/// nearest integer allows.
constexpr double SumMargin = 0.375;

std::string number(double v) {
  std::string out;
  llvm::raw_string_ostream os(out);
  os << llvm::format("%.6g", v);
  return os.str();
}

/// The thresholds t_j between lengths j and j + 1 (1/(j+1) < t_j < 1/j)
/// and their slopes K_j, twice what the bounds of m at each length need
/// (`most`, `noise`: its magnitude and noise at length n, at n - 1): at
/// the lengths n <= j, where the term is off, K_j |1/n - t_j| must pass
/// |m|; with both signs also at n > j, where it is on. False when 1/length
/// is too noisy to tell two lengths apart.
bool gateSlopes(const std::vector<double> &most, const std::vector<double> &noise,
                double shareNoise, bool oneSign, std::vector<double> &t,
                std::vector<double> &slope) {
  int64_t maxLen = static_cast<int64_t>(most.size());
  t.assign(maxLen, 0);
  slope.assign(maxLen, 0);
  for (int64_t j = 1; j < maxLen; ++j) {
    double above = 1.0 / static_cast<double>(j), below = 1.0 / static_cast<double>(j + 1);
    t[j] = (above + below) / 2;
    double need = 0;
    for (int64_t n = 1; n <= (oneSign ? j : maxLen); ++n) {
      double distance = std::fabs(1.0 / static_cast<double>(n) - t[j]);
      if (distance <= 2 * shareNoise)
        return false;
      need = std::max(need, (most[n - 1] + noise[n - 1]) / (distance - shareNoise));
    }
    if (!(need > 0)) // (m is 0 at every length.)
      need = 1;
    slope[j] = 2 * need;
  }
  return true;
}

/// How far the sum may be off at length n: n times m's noise, and the
/// rounding of the units that are on (both of a pair, for j < n) and of
/// their sum.
double sumError(int64_t n, const std::vector<double> &most, const std::vector<double> &noise,
                const std::vector<double> &t, const std::vector<double> &slope) {
  double length = static_cast<double>(n), m = most[n - 1];
  double error = length * noise[n - 1] + 4 * Rounding * m + 2 * Rounding * length * m;
  for (int64_t j = 1; j < n; ++j)
    error += 2 * Rounding * (m + slope[j] * (t[j] - 1.0 / length));
  return error;
}

/// The units: m itself (ReLU(m) - ReLU(-m)), then per threshold a pair:
/// with one sign s, ReLU(s m + K (t - r)) (out s) and ReLU(K (t - r)) (out
/// -s); with both, ReLU(+-m + K (t - r)) (out +-1/2).
std::vector<HiddenUnit> gatedUnits(const LinearForm &mean, const LinearForm &share, int dim,
                                   const std::vector<double> &t, const std::vector<double> &slope,
                                   bool oneSign, double sign) {
  std::vector<HiddenUnit> units;
  for (double side : {1.0, -1.0}) {
    HiddenUnit copy;
    addScaled(copy.in, mean, side);
    copy.out = {{dim, side}};
    units.push_back(std::move(copy));
  }
  for (size_t j = 1; j < t.size(); ++j)
    for (double side : {1.0, -1.0}) {
      HiddenUnit gated;
      if (!oneSign || side > 0)
        addScaled(gated.in, mean, oneSign ? sign : side);
      addScaled(gated.in, share, -slope[j]);
      gated.bias = slope[j] * t[j];
      gated.out = {{dim, oneSign ? side * sign : side / 2}};
      units.push_back(std::move(gated));
    }
  return units;
}

} // namespace

const Node *CountPlanner::lengthSumMean(const Node *x) {
  // (Without round, L * m is the evaluator's float, within an ulp or so of
  // the sum: an output shown as read would be compared within 1e-4 of it,
  // which the sum's error, up to 3/8, does not keep for small sums.)
  std::optional<std::pair<const Node *, const Node *>> factors = roundedProduct(x);
  if (!factors)
    return nullptr;
  for (int side = 0; side < 2; ++side) {
    const Node *mean = side == 0 ? factors->first : factors->second;
    const Node *l = side == 0 ? factors->second : factors->first;
    if (mean->kind == NodeKind::Aggregate && cx.selectsEveryKey(mean->inputs[0]) &&
        integerMeanHeld(mean) && isLength(l))
      return mean;
  }
  return nullptr;
}

double CountPlanner::valuesNoise(const Node *values) {
  // Values an MLP's lookup wrote as a number, stepping along a number it
  // reads, are off by the rounding of its largest steps: about 2.5 units in
  // the last place of their largest level at every position
  // (decimal_value's digit * 10^(n-1-i) is 1.99315 for 2, 30,000 the
  // largest: 2.3e-7 of it), and the sum adds n of them. A lookup of
  // one-hots alone writes each value within a few ulps of itself (its gate
  // is exactly 0 or 1 to within 2^-22), which noiseOf's 1e-6 of the
  // magnitude covers; so does a one-hot read as value times dimension,
  // whose dimensions are off by oneHotError.
  double largest = 0;
  if (std::optional<double> most = largestMagnitude(cx.valuesOf(values)))
    largest = *most;
  double noise = 0;
  for (const Node *input : values->inputs) // (What the MLP that made them read.)
    for (int source : cx.sourcesOf(input))
      if (layout.block(source).encoding == EncodingKind::Numerical)
        noise = 3e-7 * largest;
  if (int c = layout.find(values, EncodingKind::Categorical); c >= 0)
    noise = std::max(noise, layout.block(c).oneHotError *
                                static_cast<double>(layout.block(c).width()) * largest);
  return noise;
}

int CountPlanner::lengthSum(const Node *x) {
  const Node *mean = lengthSumMean(x);
  if (!mean)
    return -1;
  int64_t maxLen = cx.options.maxLen;
  // Where the sum's values are listed and few (a count's n + 1), the count
  // lookup's one-hot costs no more than these 2N units: leave it to that.
  if (cx.sets.has(x) && cx.sets.at(x).size() <= static_cast<size_t>(2 * maxLen))
    return -1;
  std::optional<std::vector<ValueSets::MeanRange>> range = cx.sets.wholeMeanRange(mean->inputs[1]);
  if (!range || maxLen < 2)
    return -1;
  int r = reciprocalOfLength(mean);
  if (r < 0)
    return -1;
  int m = layout.find(mean, EncodingKind::Numerical);
  // |m| at each length, and the noise of m there: PlanContext::noiseOf for
  // levels of the magnitude that its float32 sum rounds relative to (the
  // mean of the values' magnitudes at that length; BOS's leak moves it
  // towards the default 0 by a share of itself).
  double valueNoise = valuesNoise(mean->inputs[1]);
  std::vector<double> most(maxLen), noise(maxLen);
  for (int64_t n = 1; n <= maxLen; ++n) {
    const ValueSets::MeanRange &at = (*range)[n - 1];
    most[n - 1] = std::max(std::fabs(at.least), std::fabs(at.greatest));
    noise[n - 1] = cx.noiseOf({at.magnitude}) + layout.block(m).scoreNoise + valueNoise;
  }
  const Block &share = layout.block(r);
  double shareNoise = share.relativeNoise + cx.leakOf({1.0});
  // 1. Past 2^24, float32 holds not every integer.
  for (int64_t n = 1; n <= maxLen; ++n) {
    double sum = static_cast<double>(n) * most[n - 1];
    if (sum >= 16777216.0)
      throw CompileError{x,
                         "'" + x->name + "', the sum of '" + mean->name +
                             "' over every key, reaches " + number(sum) + " at length " +
                             std::to_string(n) +
                             ", past 2^24: float32 cannot hold every integer there; lower "
                             "max_len, or sum smaller numbers",
                         true};
  }
  // 2. The thresholds t_j and their slopes K_j. Where m has one sign at
  // every length (s >= 0), the pair is ReLU(s m + K_j (t_j - r)) -
  // ReLU(K_j (t_j - r)): only the lengths n <= j, where it is off, bound
  // K_j, so the short lengths' small sums are not rounded at the long
  // lengths' slopes.
  bool nonNegative = true, nonPositive = true;
  for (const ValueSets::MeanRange &at : *range) {
    nonNegative = nonNegative && at.least >= 0;
    nonPositive = nonPositive && at.greatest <= 0;
  }
  bool oneSign = nonNegative || nonPositive;
  double sign = nonPositive && !nonNegative ? -1.0 : 1.0;
  std::vector<double> t, slope;
  if (!gateSlopes(most, noise, shareNoise, oneSign, t, slope))
    return -1; // (1/length cannot tell the lengths apart: not at these N.)
  // 3. The error at each length: n times m's noise, and the rounding of
  // the units that are on (both of a pair are, for j < n).
  for (int64_t n = 1; n <= maxLen; ++n) {
    double error = sumError(n, most, noise, t, slope);
    if (error > SumMargin)
      throw CompileError{x,
                         "'" + x->name + "' is the sum of '" + mean->name +
                             "' times the length, which float32 cannot hold to the nearest "
                             "integer at length " +
                             std::to_string(n) + ": off by up to " + number(error) +
                             " (the sum reaches " + number(static_cast<double>(n) * most[n - 1]) +
                             "); lower max_len, or sum smaller numbers",
                         true};
  }
  // 4. The block and its units.
  Block out;
  out.label = x->name;
  out.encoding = EncodingKind::Numerical;
  out.why = "the sum of '" + mean->name +
            "' over every key: the MLP multiplies the mean by the length, gated by 1/length";
  if (cx.sets.has(x)) {
    out.values = cx.sets.at(x);
    for (const Atom &v : out.values)
      out.levels.push_back(v.number());
  } else {
    out.valuesUnknown = true;
  }
  out.bosRow = {0.0};
  int f = layout.addMadeByMlp(x, std::move(out), std::max(layout.block(m).time, share.time));
  std::vector<HiddenUnit> units = gatedUnits(layout.numericReading(m), layout.numericReading(r),
                                             layout.block(f).firstDim, t, slope, oneSign, sign);
  cx.addMlp(f, "'" + x->name + "'",
            "from '" + mean->name + "' and 1/length (the mean times the length, gated per length)",
            std::move(units));
  return f;
}
