// Weight constructions, each on its own: attention scores from boolean
// tables (Scores.h), and one-hidden-layer lookups of categorical and
// numerical inputs.
//
// These know nothing of the RASP graph: they turn tables over residual
// readings into sparse weights, with the margins that keep float32 exact.
//   Lookups: one gated unit per combination of categorical values,
//      ReLU(2*sum(one-hots) - 2m + 1), which is exactly 1 for its combination
//      and <= 0 (so 0) for every other, with margin 1/2 against noise (values
//      of an input that give the same outputs with every combination of the
//      others form one class, gated by the sum of their one-hots); a
//      numerical input adds, per combination, a base unit and a pair of step
//      units per threshold where the output changes, each step's slope set
//      from the gap between the two levels it separates (the ramp covers the
//      middle half of the gap). Every unit is switched off at BOS.
#pragma once

#include "compiler/codegen/constructions/Scores.h"
#include "compiler/codegen/plan/Plan.h"

#include <functional>
#include <optional>

namespace rasp::codegen {

/// A numerical input: a linear form of the residual (0 at BOS) and the
/// number it holds for each value index.
struct NumericInput {
  LinearForm form;
  std::vector<double> levels; ///< Per value index (any order).
  /// A bound on how far the number held may be from its level (float32
  /// rounding, attention leaks); the steps must not move by it.
  double noise = 0;
  /// Plus this times the level's magnitude (a share whose rounding is
  /// relative to itself).
  double relativeNoise = 0;
  /// A bound on the sum of the magnitudes of the form's terms (weight times
  /// the number a dimension holds) at any level; 0: the level's own
  /// magnitude bounds it (one dimension, or terms of one sign).
  double termsMost = 0;
  /// Where not empty, per value index, how far that level's number may be
  /// from it besides `noise`, in place of relativeNoise times the level
  /// (numbers packed into one: each part's noise relative to its own
  /// level, times its weight).
  std::vector<double> levelNoise = {};
};

struct LookupSpec {
  /// Per categorical input: the dimension of each value.
  std::vector<std::vector<int>> categorical;
  std::optional<NumericInput> numeric;
  int oneDim = 0, bosDim = 0;
  /// The encoded output for a combination of categorical value indices and
  /// the numerical input's value index (-1 when there is none); empty when
  /// the output is zero or the combination fails.
  std::function<LinearForm(const std::vector<int> &, int)> output;
  /// The levels (indices into the numerical input's levels) that it can
  /// hold with this combination of categorical values; empty: every level.
  /// Steps are placed only between levels that can occur, so that a
  /// combination's slopes follow the gaps of its own levels.
  std::function<std::vector<int>(const std::vector<int> &)> levelsAt;
  /// Whether, with every combination, the output takes each of its values
  /// on one run of consecutive levels (in ascending order), as a comparison
  /// of the number with something that does not depend on it does: the
  /// table then holds only the changes, found by bisection.
  bool outputInRuns = false;
  /// A numerical input k / w for integer levels k, where w = i + 1 at index
  /// i, and an output that depends on k but not on w (a prefix count's
  /// packed mean read only through its counts): each step between
  /// consecutive k sits at (k1 + k2) / 2w at width w, set through the
  /// index's one-hot, and its slope suits the closest pair, (k2 - k1) / most.
  /// A threshold outside the levels a width can hold is moved to just
  /// outside them, so that no pre-activation is larger than the input's
  /// range calls for. The index is then not one of the categorical inputs.
  /// For counts over every key (round(length * m)), the width is the
  /// length n instead, read as 1/n from `reciprocalDim`: each threshold
  /// k / n is then `k` times that dimension (no dims, and no clamp).
  struct Widths {
    std::vector<int> dims;       ///< The index's one-hot.
    int reciprocalDim = -1;      ///< Or the dimension holding 1/n.
    std::vector<int64_t> widths; ///< i + 1 for each of them.
    int64_t most = 1;            ///< The largest width.
    /// For each of them, the range of k / w (empty, lowest > highest, when
    /// that width holds no level).
    std::vector<double> lowest, highest;
  };
  std::optional<Widths> widths;
  size_t maxUnits = 200'000;
  /// Set by buildLookup: the largest pre-activation of a step unit on the
  /// levels it was built for. Saturated steps cancel there, so an output
  /// is off by about one unit in its last place.
  mutable double largestStep = 0;
  /// Set by buildLookup, for lookups not read by width: how far an output
  /// dimension may be from its value in float32. Saturated step units cancel
  /// to about one unit in the last place of the largest magnitude in their
  /// dot product (the number times the slope, the threshold, the gate and
  /// its shift), per combination at the largest number it holds, times the
  /// step's change of output; the largest of the lookup.
  mutable double outputError = 0;
  /// Set by buildLookup where some combination's number was made of
  /// linear pieces (a unit per kink) rather than steps: its output then
  /// moves with the input's noise (times the slope), which outputError
  /// counts.
  mutable bool pieces = false;
};

struct LookupError {
  std::string message;
};

/// The units computing the lookup; throws LookupError past maxUnits (or
/// when the table of outputs would be past 50 x maxUnits entries), or
/// when two levels the output tells apart are too close for float32: the
/// input's noise and the rounding of a pre-activation would move a step
/// by more than three quarters of its margin.
std::vector<HiddenUnit> buildLookup(const LookupSpec &spec);

/// Whether a step of this slope between two levels stays exact in float32:
/// the input's noise and the rounding of a pre-activation of this magnitude
/// together move it by at most three quarters of its margin of 1/2.
bool stepFitsFloat32(double slope, double noise, double magnitude);

/// Adds `weight * b` to `a`, merging equal dimensions and dropping zeros.
void addScaled(LinearForm &a, const LinearForm &b, double weight);

} // namespace rasp::codegen
