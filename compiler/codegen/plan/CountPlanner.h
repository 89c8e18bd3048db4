// Stage 6b, prefix-count lookups: maps that read numerical means only
// through counts, made in one MLP that reads the counts' means directly.
//
// A prefix count is round((indices + 1) * m) with m a mean of integers over
// select(indices, indices, <=), held numerically: at index i it is the sum
// s of the i + 1 values averaged (values/PrefixCount.h). A map that reads
// such means only through integer combinations of counts, or through
// comparisons of one or two means with 0, besides categorical blocks, is a
// function of the index and of the combinations' means.
//
// Contract: countLookup() recognises such a map (without `packing`, one
// combination only; with it, several, and sign forms, where that saves a
// layer); makeBlock() adds the block of x made by the MLP after its inputs,
// reading the combinations' means as one linear form with the levels it
// takes at each index (several combinations packed in mixed radix: at index
// i the form is k / (i + 1), k = sum(radix_q * combination_q)), or adds
// nothing and gives -1 when several combinations cannot be packed exactly
// (too many levels, or levels too close for float32 with their noise).
#pragma once

#include "compiler/codegen/plan/PlanContext.h"

namespace rasp::codegen {

/// A sum of counts with integer coefficients, plus an integer.
struct CountForm {
  std::vector<std::pair<const Node *, int64_t>> terms; ///< mean, b_j
  int64_t constant = 0;
};

/// A map that reads its numerical inputs only through combinations of
/// counts, besides categorical blocks (indices among them): forms that are
/// counts (integers) or comparisons of a combination with 0.
struct CountLookup {
  struct Form {
    const Node *node = nullptr;
    size_t combination = 0;            ///< Index into `combinations`.
    int64_t constant = 0;              ///< A count form's constant.
    std::optional<AtomOpKind> compare; ///< A sign form's comparison.
    /// When not empty, the form's integer is this sum of b times
    /// combination c (the combinations are then the means themselves),
    /// not `combination` alone.
    std::vector<std::pair<size_t, int64_t>> over;
  };
  std::vector<Form> forms;
  /// The distinct combinations (terms only) the forms read.
  std::vector<CountForm> combinations;
  const Node *indices = nullptr;
  std::vector<int> categorical;
  /// x reads the index only through the counts.
  bool indexOnlyInForm = false;
  /// The counts are over every key: round(L * m) with L the length and m a
  /// mean over a selector that selects every key, so that the width is the
  /// length n (read as 1/n, CountPlanner::reciprocalOfLength), not the
  /// index; `indices` is then not the width's.
  bool overLength = false;
};

class CountPlanner {
public:
  explicit CountPlanner(PlanContext &cx) : cx(cx), layout(cx.layout) {}

  /// x as a count lookup, if it is one (see above).
  /// With `always`, also where packing saves no layer (the means' levels
  /// are too many to list, so that no other lookup can read them).
  std::optional<CountLookup> countLookup(const Node *x, bool packing, bool always = false);
  /// The lookup with the means its combinations read as the combinations
  /// (each form a sum of them), when those are no more and differ: packed,
  /// the counts of the means may have far smaller windows than their
  /// combinations (n_one - n_shift spans 193 values where n_one spans 65).
  static std::optional<CountLookup> overMeans(const CountLookup &lookup);
  /// The block of x made by the lookup (see above); -1 when a packing fails.
  int makeBlock(const Node *x, EncodingKind encoding, const CountLookup &lookup);
  /// Where x reads some of its counts only on some combinations of its
  /// categorical blocks (`a_count if tokens == "a" else b_count`): one
  /// lookup per group of combinations that read the same counts, each
  /// packing only those, into one block; -1 (nothing added) where x reads
  /// every count everywhere, or a part cannot be built.
  int makeSplit(const Node *x, EncodingKind encoding, const CountLookup &lookup);
  /// x = round(L * m), L the length and m a mean of integers over
  /// every key, as the sum itself (LengthSums.cpp): a numerical block that
  /// the MLP after m's head makes from m and 1/length, with no value set
  /// of m or x, where x's values are unknown or more than 2 * max_len (a
  /// count lookup's one-hot would cost more). -1 when x is not such a sum
  /// or a count lookup suits it; a CompileError when float32 cannot hold
  /// the sum to the nearest integer.
  int lengthSum(const Node *x);

private:
  /// The mean m when y is round(g(indices) * m), m a mean of integers over
  /// select(indices, indices, <=) held numerically, and g(i) = i + 1 at
  /// every index: y is then the count summed. Sets `indices`.
  const Node *countMean(const Node *y, const Node *&indices);
  /// The mean m when y is round(L * m), either order, with L the length at
  /// every length (it reads no tokens) and m a mean over a selector that
  /// selects every key: y is then the count summed, over n keys.
  const Node *lengthCountMean(const Node *y);
  /// Whether `l` is the length n at every position of every input.
  bool isLength(const Node *l);
  /// m itself when it is a mean of integers over a selector that selects
  /// every key, held numerically.
  const Node *lengthMean(const Node *m);
  /// The block holding 1/n, written by the head of `mean`, a mean over
  /// every key held numerically (a mean of indicator(indices == 0) over
  /// every key); -1 when the program reads no indices.
  int reciprocalOfLength(const Node *mean);
  /// How far each of the values a sum adds may be off (the rounding of the
  /// MLP that wrote them), for lengthSum's bound.
  double valuesNoise(const Node *values);
  /// The mean m when x is round(L * m) as lengthSum takes it.
  const Node *lengthSumMean(const Node *x);
  /// Whether the aggregate `mean` is held numerically and averages integers.
  bool integerMeanHeld(const Node *mean);
  /// countForm's answers within one countLookup (the layout's numerical
  /// means do not change there), each with the `indices` it set, if any:
  /// a chain of n maps asks about every node below each of its nodes.
  using CountForms =
      std::unordered_map<const Node *, std::pair<std::optional<CountForm>, const Node *>>;
  /// y as sum(b_j * count_j) + c with integer b_j and c.
  std::optional<CountForm> countForm(const Node *y, const Node *&indices, CountForms &known);
  std::optional<CountForm> countFormOf(const Node *y, const Node *&indices, CountForms &known);
  /// y = round(g * t) with t = sum(b_j * m_j), small integers b_j, of prefix
  /// means over one `indices` and g = i + 1, or of means over every key and
  /// g the length: the same combination of their counts (in floats, g * t
  /// is that integer within a few roundings, so round gives it exactly).
  std::optional<CountForm> scaledMeans(const Node *y, const Node *&indices);
  /// m itself when it is a mean of integers over select(indices, indices,
  /// <=) held numerically (at index i, s / (i + 1) with s the count summed).
  /// Sets `indices`.
  const Node *prefixMean(const Node *m, const Node *&indices);
  /// y = A cmp B where A - B is at most two prefix means with coefficients
  /// +-1, or one and the constant 0: in floats exactly the comparison of
  /// that combination of counts with 0 (s_a / w - s_b / w has the sign of
  /// s_a - s_b, and is 0 only when they are equal).
  struct SignForm {
    CountForm difference;
    AtomOpKind op = AtomOpKind::Lt;
  };
  std::optional<SignForm> signForm(const Node *y, const Node *&indices);
  bool packingSavesALayer(const CountLookup &lookup) const;
  /// When every mean the lookup reads averages a function of the tokens
  /// alone: the packed value (sum(weight_q * D_q)) that one position adds,
  /// per token, distinct and sorted. At width w the packed value is a sum
  /// of w of them. nullopt otherwise.
  std::optional<std::vector<int64_t>> tokenSteps(const CountLookup &lookup,
                                                 const std::vector<int64_t> &weight);

  PlanContext &cx;
  ResidualLayout &layout;
  std::unordered_map<const Node *, bool> lengths;
  std::map<std::pair<int, int>, int> reciprocals; ///< Per head (time, index).
};

} // namespace rasp::codegen
