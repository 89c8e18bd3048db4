// Weight constructions: gated lookup MLPs (attention scores are in Scores.cpp).
#include "compiler/codegen/constructions/Constructions.h"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <map>
#include <numeric>

using namespace rasp;
using namespace rasp::codegen;

void codegen::addScaled(LinearForm &a, const LinearForm &b, double weight) {
  if (weight == 0)
    return;
  for (const auto &entry : b) {
    int dim = entry.first;
    double w = entry.second;
    auto it = std::find_if(a.begin(), a.end(), [&](const auto &e) { return e.first == dim; });
    if (it == a.end())
      a.emplace_back(dim, w * weight);
    else
      it->second += w * weight;
  }
  a.erase(std::remove_if(a.begin(), a.end(), [](const auto &e) { return e.second == 0; }), a.end());
}

namespace {

/// Switches a unit off at BOS: subtracts more than its largest activation
/// there, where one-hot readings are at most 1.5 and the numerical input's
/// contribution at most `numericBound`.
void killAtBos(HiddenUnit &unit, double numericBound, const LinearForm &numericPart, int bosDim) {
  double most = std::fabs(unit.bias) + numericBound + 1;
  for (const auto &[dim, w] : unit.in) {
    double numeric = 0;
    for (const auto &[d, v] : numericPart)
      if (d == dim)
        numeric += v;
    most += std::fabs(w - numeric) * 1.5;
  }
  unit.in.emplace_back(bosDim, -most);
}

LinearForm difference(const LinearForm &a, const LinearForm &b) {
  LinearForm out;
  out.reserve(a.size() + b.size());
  out = a;
  addScaled(out, b, -1.0);
  return out;
}

/// Whether a change of output is no change at all in floating point: every
/// number in it under 1e-9 of the outputs' largest (at least 1). Two levels
/// that are one number rounded two ways (1/3 + 1/3 and 2/3) give outputs
/// that differ only so, and need no step between them; a categorical
/// output that changes never is.
bool negligible(const LinearForm &delta, const LinearForm &a, const LinearForm &b) {
  double largest = 1;
  for (const LinearForm *form : {&a, &b})
    for (const auto &entry : *form)
      largest = std::max(largest, std::fabs(entry.second));
  return std::all_of(delta.begin(), delta.end(),
                     [&](const auto &entry) { return std::fabs(entry.second) <= 1e-9 * largest; });
}

/// About one unit in the last place of a float32, relative: how far a pair of
/// saturated step units is from cancelling, per unit of its magnitude.
constexpr double UnitInLastPlace = 1.2e-7;

/// The largest magnitude of a form's weights.
double largestEntry(const LinearForm &form) {
  double most = 0;
  for (const auto &entry : form)
    most = std::max(most, std::fabs(entry.second));
  return most;
}

} // namespace

namespace {

/// Appends a form's bytes to a signature.
void appendSignature(std::string &signature, const LinearForm &form) {
  for (const auto &[dim, w] : form) {
    signature.append(reinterpret_cast<const char *>(&dim), sizeof dim);
    signature.append(reinterpret_cast<const char *>(&w), sizeof w);
  }
  signature.push_back('|');
}

/// A combination's outputs at the numerical positions it can hold.
struct Row {
  std::vector<int> positions;
  std::vector<LinearForm> outputs;
};

/// The row of an output that takes each of its values on one run of
/// positions: only the first position and the two sides of every change,
/// found by bisection (equal outputs at both ends of a span: no change
/// inside it).
Row changePoints(std::vector<int> positions, const std::function<LinearForm(int)> &output) {
  Row row;
  if (positions.empty())
    return row;
  auto keep = [&](size_t i, LinearForm out) {
    if (row.positions.empty() || row.positions.back() != positions[i]) {
      row.positions.push_back(positions[i]);
      row.outputs.push_back(std::move(out));
    }
  };
  LinearForm first = output(positions.front());
  keep(0, first);
  if (positions.size() == 1)
    return row;
  // Spans [i, j] with their end outputs, leftmost first.
  std::vector<std::pair<std::pair<size_t, size_t>, std::pair<LinearForm, LinearForm>>> spans;
  spans.push_back({{0, positions.size() - 1}, {first, output(positions.back())}});
  while (!spans.empty()) {
    auto [ends, outs] = std::move(spans.back());
    spans.pop_back();
    auto [i, j] = ends;
    if (outs.first == outs.second)
      continue;
    if (j == i + 1) {
      keep(i, std::move(outs.first));
      keep(j, std::move(outs.second));
      continue;
    }
    size_t mid = i + (j - i) / 2;
    LinearForm middle = output(positions[mid]);
    spans.push_back({{mid, j}, {middle, std::move(outs.second)}});
    spans.push_back({{i, mid}, {std::move(outs.first), std::move(middle)}});
  }
  return row;
}

} // namespace

namespace {

/// Builds one lookup (buildLookup), in four phases:
///   1. tabulate: the output of every combination of categorical values at
///      each numerical level it can take;
///   2. classify: the values of an input that give the same outputs with
///      every combination of the others form a class, gated as one;
///   3. per combination of classes, a gate that is exactly 1 on it and <= -1
///      on any other;
///   4. under the gate, a base unit for the output at the lowest level and a
///      pair of step units for each change between consecutive levels.
class LookupBuilder {
public:
  explicit LookupBuilder(const LookupSpec &spec);
  std::vector<HiddenUnit> build();

private:
  void tabulate();
  void classify();
  LinearForm gate(const std::vector<size_t> &cls, size_t &representative) const;
  /// What a step adds to the float32 error of the outputs at a level above
  /// it (see boundRow).
  struct StepError {
    double slope = 0;
    double terms = 0; ///< The magnitudes of its other terms, at most.
    LinearForm delta; ///< Its change of the outputs.
  };
  void addSteps(const LinearForm &gate, const Row &row);
  /// Where the row's outputs are numbers on one dimension and the
  /// interpolation through its levels takes fewer units than steps would
  /// (|x|, max(x, c), clamps: a few kinks; x * x: a kink per level, where
  /// steps take two units per level): a unit for the first piece's slope,
  /// one per kink, and the constant; false, having added nothing, where it
  /// takes more, or where the input's noise times the slope and the units'
  /// rounding pass 1e-4 of the outputs.
  bool addPieces(const LinearForm &gate, const Row &row);
  StepError addStep(const LinearForm &gate, LinearForm delta, int leftIndex, int rightIndex);
  void boundRow(const Row &row, const std::vector<StepError> &steps) const;
  void add(HiddenUnit unit, double slope = 0);

  const LookupSpec &spec;
  size_t m;
  /// The numerical levels' indices in ascending order ({-1}: no number).
  std::vector<int> order;
  double lo = 0, hi = 0;
  /// The largest number the numerical input holds, plus 1.
  double numericMost = 1;
  bool compressed = false;
  size_t count = 0;
  double entries = 0;
  std::vector<Row> table;
  std::vector<std::vector<std::vector<int>>> classes;
  std::vector<HiddenUnit> units;
  LinearForm numericPart;
};

LookupBuilder::LookupBuilder(const LookupSpec &spec) : spec(spec), m(spec.categorical.size()) {
  if (spec.numeric) {
    const std::vector<double> &levels = spec.numeric->levels;
    order.resize(levels.size());
    std::iota(order.begin(), order.end(), 0);
    std::sort(order.begin(), order.end(), [&](int a, int b) { return levels[a] < levels[b]; });
    lo = levels[order.front()];
    hi = levels[order.back()];
  } else {
    order = {-1};
  }
  numericMost = std::max(std::fabs(lo), std::fabs(hi)) + 1;
  if (spec.widths) {
    numericMost = 1;
    for (size_t i = 0; i < spec.widths->lowest.size(); ++i)
      if (spec.widths->lowest[i] <= spec.widths->highest[i])
        numericMost = std::max({numericMost, std::fabs(spec.widths->lowest[i]) + 1,
                                std::fabs(spec.widths->highest[i]) + 1});
  }
  compressed = spec.outputInRuns && spec.numeric;
}

std::vector<HiddenUnit> LookupBuilder::build() {
  if (std::any_of(spec.categorical.begin(), spec.categorical.end(),
                  [](const auto &dims) { return dims.empty(); }))
    return {};
  spec.outputError = 0;
  spec.pieces = false;
  tabulate();
  classify();
  units.reserve(std::min(2 * static_cast<size_t>(entries) + count, spec.maxUnits + 1));
  std::vector<size_t> cls(m, 0);
  while (true) {
    size_t representative = 0;
    LinearForm on = gate(cls, representative);
    const Row &row = table[representative];
    if (!spec.numeric) {
      if (!row.outputs[0].empty())
        add({on, 0, row.outputs[0]});
      // (One gated unit, exactly 1 but for the rounding of its gate.)
      spec.outputError = std::max(spec.outputError, UnitInLastPlace * static_cast<double>(m + 1) *
                                                        largestEntry(row.outputs[0]));
    } else if (!row.positions.empty() && !addPieces(on, row)) {
      addSteps(on, row);
    }
    size_t i = 0;
    while (i < m && ++cls[i] == classes[i].size())
      cls[i++] = 0;
    if (i == m)
      break;
  }
  return std::move(units);
}

void LookupBuilder::tabulate() {
  double combos = 1;
  for (const auto &dims : spec.categorical)
    combos *= static_cast<double>(dims.size());
  if (!spec.levelsAt && !compressed &&
      combos * static_cast<double>(order.size()) > 50.0 * static_cast<double>(spec.maxUnits))
    throw LookupError{"its inputs combine in " +
                      std::to_string(static_cast<long long>(combos * order.size())) +
                      " ways, too many to tabulate"};
  count = static_cast<size_t>(combos);
  std::vector<int> positionOf(order.size());
  for (size_t j = 0; j < order.size(); ++j)
    if (order[j] >= 0)
      positionOf[order[j]] = static_cast<int>(j);
  std::vector<int> everyPosition(order.size());
  std::iota(everyPosition.begin(), everyPosition.end(), 0);
  table.resize(count);
  std::vector<int> at(m, 0);
  for (size_t c = 0; c < count; ++c) {
    Row &row = table[c];
    if (spec.levelsAt) {
      for (int level : spec.levelsAt(at))
        row.positions.push_back(positionOf[level]);
      std::sort(row.positions.begin(), row.positions.end());
    } else {
      row.positions = everyPosition;
    }
    if (compressed)
      row =
          changePoints(std::move(row.positions), [&](int j) { return spec.output(at, order[j]); });
    else
      for (int j : row.positions)
        row.outputs.push_back(spec.output(at, order[j]));
    entries += static_cast<double>(row.positions.size());
    if (entries > 50.0 * static_cast<double>(spec.maxUnits))
      throw LookupError{"its inputs combine in more than " + std::to_string(50 * spec.maxUnits) +
                        " ways, too many to tabulate"};
    for (size_t i = 0; i < m && ++at[i] == static_cast<int>(spec.categorical[i].size()); ++i)
      at[i] = 0;
  }
}

void LookupBuilder::classify() {
  classes.resize(m);
  std::vector<std::vector<std::string>> signatures(m);
  for (size_t i = 0; i < m; ++i)
    signatures[i].resize(spec.categorical[i].size());
  std::vector<int> at(m, 0);
  std::string rowSignature;
  for (size_t c = 0; c < count; ++c) {
    rowSignature.clear();
    const Row &row = table[c];
    // A row with one output is one base unit wherever its levels lie.
    bool constant = std::all_of(row.outputs.begin(), row.outputs.end(),
                                [&](const LinearForm &out) { return out == row.outputs[0]; });
    if (constant && !row.outputs.empty()) {
      rowSignature.push_back('=');
      appendSignature(rowSignature, row.outputs[0]);
    } else {
      for (size_t r = 0; r < row.positions.size(); ++r) {
        if (spec.levelsAt || compressed)
          rowSignature.append(reinterpret_cast<const char *>(&row.positions[r]), sizeof(int));
        appendSignature(rowSignature, row.outputs[r]);
      }
    }
    rowSignature.push_back('#');
    for (size_t i = 0; i < m; ++i)
      signatures[i][at[i]] += rowSignature;
    for (size_t i = 0; i < m && ++at[i] == static_cast<int>(spec.categorical[i].size()); ++i)
      at[i] = 0;
  }
  for (size_t i = 0; i < m; ++i) {
    std::map<std::string, size_t> classOf;
    for (size_t v = 0; v < signatures[i].size(); ++v) {
      auto [it, added] = classOf.emplace(std::move(signatures[i][v]), classes[i].size());
      if (added)
        classes[i].emplace_back();
      classes[i][it->second].push_back(static_cast<int>(v));
    }
  }
}

LinearForm LookupBuilder::gate(const std::vector<size_t> &cls, size_t &representative) const {
  size_t stride = 1;
  LinearForm on;
  for (size_t i = 0; i < m; ++i) {
    for (int v : classes[i][cls[i]])
      on.emplace_back(spec.categorical[i][v], 2.0);
    representative += stride * static_cast<size_t>(classes[i][cls[i]][0]);
    stride *= spec.categorical[i].size();
  }
  on.emplace_back(spec.oneDim, 1.0 - 2.0 * static_cast<double>(m));
  return on;
}

void LookupBuilder::add(HiddenUnit unit, double slope) {
  numericPart.clear();
  if (slope != 0)
    addScaled(numericPart, spec.numeric->form, slope);
  killAtBos(unit, slope * numericMost, numericPart, spec.bosDim);
  units.push_back(std::move(unit));
  if (units.size() > spec.maxUnits)
    throw LookupError{"it needs more than " + std::to_string(spec.maxUnits) + " units in one MLP"};
}

void LookupBuilder::addSteps(const LinearForm &gate, const Row &row) {
  const LinearForm *previous = &row.outputs[0];
  if (!previous->empty())
    add({gate, 0, *previous});
  std::vector<StepError> steps;
  for (size_t r = 1; r < row.positions.size(); ++r) {
    LinearForm delta = difference(row.outputs[r], *previous);
    if (negligible(delta, row.outputs[r], *previous))
      continue; // (The next step's delta includes it.)
    previous = &row.outputs[r];
    steps.push_back(
        addStep(gate, std::move(delta), order[row.positions[r - 1]], order[row.positions[r]]));
  }
  boundRow(row, steps);
}

bool LookupBuilder::addPieces(const LinearForm &gate, const Row &row) {
  if (spec.widths || compressed || row.positions.size() < 3)
    return false;
  int dim = -1;
  std::vector<double> xs, ys;
  for (size_t r = 0; r < row.positions.size(); ++r) {
    const LinearForm &out = row.outputs[r];
    if (out.size() > 1 || (!out.empty() && dim >= 0 && out[0].first != dim))
      return false;
    if (!out.empty())
      dim = out[0].first;
    ys.push_back(out.empty() ? 0.0 : out[0].second);
    xs.push_back(spec.numeric->levels[order[row.positions[r]]]);
  }
  if (dim < 0)
    return false;
  size_t n = xs.size();
  std::vector<double> slopes(n - 1);
  double steepest = 0;
  size_t changes = 0;
  for (size_t j = 0; j + 1 < n; ++j) {
    slopes[j] = (ys[j + 1] - ys[j]) / (xs[j + 1] - xs[j]);
    steepest = std::max(steepest, std::fabs(slopes[j]));
    changes += ys[j + 1] != ys[j];
  }
  if (!std::isfinite(steepest))
    return false;
  std::vector<size_t> kinks;
  for (size_t j = 1; j + 1 < n; ++j)
    if (std::fabs(slopes[j] - slopes[j - 1]) > 1e-9 * steepest)
      kinks.push_back(j);
  // (Steps take two units a change and a base unit.)
  if (kinks.size() + 3 >= 2 * changes + 1)
    return false;
  // The input's noise moves the output by up to the steepest slope times
  // it, which steps would absorb (a steep piece, such as an indicator of a
  // share past a threshold, takes steps).
  double noise = spec.numeric->noise, largestOutput = 1;
  for (size_t r = 0; r < n; ++r) {
    noise = std::max(noise, spec.numeric->noise +
                                (spec.numeric->levelNoise.empty()
                                     ? spec.numeric->relativeNoise * std::fabs(xs[r])
                                     : spec.numeric->levelNoise[order[row.positions[r]]]));
    largestOutput = std::max(largestOutput, std::fabs(ys[r]));
  }
  // Each unit reads x - t, pushed below 0 by the gate's shift off its
  // combination; the first piece's unit starts a margin below the lowest
  // level, so that it is linear wherever x lies. Besides the noise, each
  // unit's pre-activation (x, the threshold, the gate and its shift) rounds
  // to one unit in its last place, times its weight: a zigzag (kinks whose
  // slopes swing) would sum far more than steps' rounding. Both together
  // must stay below 1e-4 of the outputs' magnitude.
  double margin = 1, shift = (hi - lo) + margin + 2;
  double constant = ys[0] - slopes[0] * margin;
  double weights = std::fabs(constant) + std::fabs(slopes[0]);
  for (size_t j : kinks)
    weights += std::fabs(slopes[j] - slopes[j - 1]);
  double terms = numericMost + std::fabs(lo) + std::fabs(hi) + shift * static_cast<double>(m + 1);
  double error = steepest * noise + UnitInLastPlace * terms * weights;
  if (error > 1e-4 * largestOutput)
    return false;
  auto unit = [&](double at, double weight) {
    HiddenUnit u;
    u.in = spec.numeric->form;
    addScaled(u.in, gate, shift / 2);
    addScaled(u.in, {{spec.oneDim, 1.0}}, -at - shift / 2);
    u.out = {{dim, weight}};
    return u;
  };
  if (constant != 0)
    add({gate, 0, {{dim, constant}}});
  if (slopes[0] != 0)
    add(unit(xs[0] - margin, slopes[0]), 1.0);
  for (size_t j : kinks)
    add(unit(xs[j], slopes[j] - slopes[j - 1]), 1.0);
  spec.outputError = std::max(spec.outputError, error);
  spec.pieces = true;
  return true;
}

void LookupBuilder::boundRow(const Row &row, const std::vector<StepError> &steps) const {
  // A step on at a level is saturated: its up and down units cancel to 1
  // only as far as float32 rounds their pre-activations alike, which differ
  // in one term, by 1. They round alike but where a partial sum crosses a
  // power of two between them; the output is then off by about one unit in
  // the last place of the dot product's largest magnitude, at most the sum
  // of its terms' magnitudes: slope * |the terms of x| + the rest (the
  // gate, its shift, the threshold), times the step's change of output.
  // The largest step of the row at its largest |x|, as for counts read by
  // width (largestStep). (Packed BOS shares at max_len 40 are off by
  // 4.9e-4 where this gives 4.8e-3. Summed over the steps on, the bound was
  // 0.42 there, and hundreds of times what models show elsewhere: most
  // pairs cancel exactly.)
  if (row.positions.empty() || spec.widths)
    return; // (Counts read by width: largestStep.)
  const std::vector<double> &levels = spec.numeric->levels;
  double most = 0;
  for (int position : row.positions)
    most = std::max(most, std::fabs(levels[order[position]]));
  if (spec.numeric->termsMost > 0)
    most = spec.numeric->termsMost;
  for (const StepError &step : steps)
    spec.outputError = std::max(spec.outputError, largestEntry(step.delta) * UnitInLastPlace *
                                                      (step.slope * most + step.terms));
}

LookupBuilder::StepError LookupBuilder::addStep(const LinearForm &gate, LinearForm delta,
                                                int leftIndex, int rightIndex) {
  double left = spec.numeric->levels[leftIndex], right = spec.numeric->levels[rightIndex];
  assert(right > left && "numerical levels must be distinct");
  // Per width the levels are (right - left) / w apart: the slope suits
  // the closest, at the largest width.
  double scale = spec.widths ? static_cast<double>(spec.widths->most) : 1.0;
  double slope = 2.0 * scale / (right - left), threshold = (left + right) / 2;
  // (Per width, the threshold term is at most the input's range.)
  double magnitude = spec.widths
                         ? 2 * slope * numericMost
                         : slope * std::max(std::fabs(hi - threshold), std::fabs(threshold - lo));
  // Counts read by width: their steps' pre-activations reach 2 * slope *
  // the largest count / width (the check's magnitude keeps a margin of 1
  // on it), and measured one-hot errors match one unit in the last place
  // of that. Other lookups are not bounded here: with gates and packed
  // inputs, the global range overstates what one combination's steps see
  // by far (300 times on bubble_sort's pair_value).
  if (spec.widths)
    spec.largestStep = std::max(spec.largestStep, 2 * slope * std::max(numericMost - 1, 1.0));
  const std::vector<double> &levelNoise = spec.numeric->levelNoise;
  double noise = spec.numeric->noise +
                 (levelNoise.empty()
                      ? spec.numeric->relativeNoise * std::max(std::fabs(left), std::fabs(right))
                      : std::max(levelNoise[leftIndex], levelNoise[rightIndex]));
  if (!stepFitsFloat32(slope, noise, magnitude))
    throw LookupError{
        (spec.widths ? "its counts " + std::to_string(left) + " and " + std::to_string(right) +
                           ", read as count / width (" + std::to_string(left / scale) + " and " +
                           std::to_string(right / scale) + " at width " +
                           std::to_string(spec.widths->most) + ") are"
                     : "its numerical input takes the values " + std::to_string(left) + " and " +
                           std::to_string(right) + ",") +
        " too close to tell apart exactly in float32 (a precision "
        "limit at this max_len)"};
  // Off the combination the gate is <= -1: shifting by half the gap
  // pushes both step units below zero at every level.
  double shift = 0;
  if (m)
    shift = spec.widths ? 2 * slope * numericMost + 1
                        : slope * std::max(hi - threshold, threshold - lo) + 1;
  HiddenUnit up;
  // (Room for every term and the BOS switch, so that nothing moves.)
  up.in.reserve(spec.numeric->form.size() + gate.size() + 2 +
                (spec.widths ? spec.widths->dims.size() : 0));
  addScaled(up.in, spec.numeric->form, slope);
  addScaled(up.in, gate, shift / 2);
  if (spec.widths) {
    addScaled(up.in, {{spec.oneDim, 1.0}}, 0.5 - shift / 2);
    const LookupSpec::Widths &widths = *spec.widths;
    if (widths.reciprocalDim >= 0 && threshold != 0)
      up.in.emplace_back(widths.reciprocalDim, -slope * threshold);
    for (size_t i = 0; i < widths.dims.size(); ++i) {
      if (widths.lowest[i] > widths.highest[i])
        continue; // (No level at this width.)
      // Below every level of this width: on at all of them; above: off.
      double at = std::clamp(threshold / static_cast<double>(widths.widths[i]),
                             widths.lowest[i] - 1 / slope, widths.highest[i] + 1 / slope);
      if (at != 0)
        up.in.emplace_back(widths.dims[i], -slope * at);
    }
  } else {
    addScaled(up.in, {{spec.oneDim, 1.0}}, -slope * threshold + 0.5 - shift / 2);
  }
  // (Of the gate, one dimension per input is on, times the shift.)
  double terms = static_cast<double>(m) * shift;
  for (const auto &[dim, w] : up.in)
    if (dim == spec.oneDim)
      terms += std::fabs(w);
  StepError error{slope, terms, delta};
  HiddenUnit down;
  down.in.reserve(up.in.capacity());
  down.in = up.in;
  addScaled(down.in, {{spec.oneDim, 1.0}}, -1.0);
  up.out = delta;
  down.out = std::move(delta);
  for (auto &e : down.out)
    e.second = -e.second;
  add(std::move(up), slope);
  add(std::move(down), slope);
  return error;
}

} // namespace

bool codegen::stepFitsFloat32(double slope, double noise, double magnitude) {
  // A pre-activation is within 1/2 of its switch point only between two
  // levels. The input's noise times the slope (the noise is a worst-case
  // bound), plus float32 rounding of a pre-activation of this magnitude
  // (sums of float32 products, within about 4e-7 of it), must stay under
  // three quarters of that margin: the last quarter is left for the
  // rounding of the units' outputs as they are summed.
  return slope * noise + magnitude * 4e-7 <= 0.375;
}

std::vector<HiddenUnit> codegen::buildLookup(const LookupSpec &spec) {
  return LookupBuilder(spec).build();
}
