// Stage 6b, MLP lookups: the block of an s-op made by the MLP after its
// inputs, and the linear forms that need no MLP at all.
//
// Contract:
//   1. linearForm() reads x as a linear form of the residual when it is one
//      (a numerical block, a number-valued function of one categorical
//      block, a constant, and sums, differences and constant multiples of
//      those): no MLP;
//   2. makeBlock() adds x's block in the MLP after its inputs, as one lookup
//      over its input blocks (values with the same outputs share a unit),
//      with at most one numerical input discretised by steps. The strategies,
//      in order: (1) a map of one prefix count (CountPlanner); a map of
//      several numbers read as one: (2) its linear parts as one number each,
//      (3) packed prefix counts, (3a) the difference of two numbers that it
//      only compares with each other, (3b) the numbers packed into one,
//      (4) a split at its largest parts with one number (one layer more;
//      unless the heads' numbers pack across times, or the earlier numbers
//      are read as one-hots made by earlier MLPs), (5) all numbers but one
//      made categorical; (6) a table too large to tabulate: the parts that
//      read the number made first. Throws CompileError naming the s-op when
//      no lookup can be built exactly.
#pragma once

#include "compiler/codegen/plan/CountPlanner.h"

#include <functional>
#include <map>
#include <memory>

namespace rasp::codegen {

/// An input of a lookup: a block, or a numerical s-op read as a linear form
/// of several blocks.
struct LookupInput {
  const Node *node = nullptr;
  int block = -1;
  bool numeric = false;
  LinearForm form;
  std::vector<Atom> values;
  std::vector<double> levels;
  int time = 0;
  std::string name;
  /// Several numbers packed into one (LookupPlanner::packNumbers): the
  /// nodes they read, and per level the value of each; empty otherwise.
  std::vector<const Node *> parts;
  std::vector<std::vector<Atom>> joint;
  /// The form's noise where it is more than its levels' own (packed).
  double noise = 0;
  /// Packed: per level, its parts' noises relative to their own levels,
  /// times their weights (NumericInput::levelNoise), besides `noise`.
  std::vector<double> levelNoise;
  /// A block's Block::relativeNoise.
  double relativeNoise = 0;
  /// A block's Block::valuesUnknown: values and levels are empty.
  bool valuesUnknown = false;
  /// A block's Block::representative: the value sets per length, and the
  /// relations between widths, say nothing of its values.
  bool representative = false;
};

/// A linear form that reads an s-op, and the time it can be read.
struct LinearRead {
  LinearForm form;
  int time = 0;
};

class LookupPlanner {
public:
  LookupPlanner(PlanContext &cx, CountPlanner &prefixCounts)
      : cx(cx), layout(cx.layout), prefixCounts(prefixCounts) {}

  /// The block of x made by the MLP after its inputs (or found); with
  /// `classes`, a categorical block of those classes of x's values instead,
  /// read only as a select's side, never found as x itself.
  int makeBlock(const Node *x, EncodingKind encoding,
                const std::vector<std::vector<Atom>> *classes = nullptr);
  /// `x` as a linear form of the residual (0 at BOS), when it is one.
  std::optional<LinearRead> linearForm(const Node *x);
  /// x, a sum, difference or constant multiple of numbers with values far
  /// enough apart (or shownAsNumber), as a linear form after the parts below it that are not
  /// linear forms are made numerical (by the MLP after their inputs); or
  /// nothing, having made nothing.
  std::optional<LinearRead> linearWithNumericParts(const Node *x);
  /// Whether x, read out as a number, is shown as the number read rather
  /// than decoded as the nearest of its values: they are too many to list,
  /// or not 1e-6 (relative) apart. `rasp verify` then compares it within
  /// NumericTolerance, and its parts need not be far apart either.
  bool shownAsNumber(const Node *x) const;
  /// The inputs of `x` when its largest linear parts over numerical blocks
  /// count as one numerical input each.
  std::vector<LookupInput> linearInputs(const Node *x);
  /// Block f as a lookup input.
  LookupInput blockInput(int f) const;
  std::vector<LookupInput> blockInputs(const std::vector<int> &blocks) const;
  static int numericInputs(const std::vector<LookupInput> &inputs);
  /// x as a count lookup even where it saves no layer, when one of its
  /// inputs is a mean whose values are too many to list (-1 otherwise).
  int unlistedCountLookup(const Node *x, EncodingKind encoding,
                          const std::vector<LookupInput> &inputs);
  /// The latest time of the inputs (0 for none).
  static int latestTime(const std::vector<LookupInput> &inputs);
  /// Splits a map of several numerical inputs: its largest parts with at
  /// most one are made by the MLP after their inputs, earliest first, until
  /// the map reads one. A number-valued part inside a sum or difference is
  /// made numerical (the map then reads it in a linear form), any other
  /// part categorical.
  void split(const Node *x);

  /// A lookup's inputs as its spec reads them: the categorical ones (their
  /// dimensions added to the spec), the numerical one (set as the spec's),
  /// and the nodes a map program binds, in that order.
  struct BoundInputs {
    std::vector<const LookupInput *> categorical;
    const LookupInput *numeric = nullptr;
    std::vector<const Node *> nodes;
  };
  BoundInputs bindInputs(const std::vector<LookupInput> &inputs, LookupSpec &spec) const;
  /// Which joint values of packed numbers can occur (a prefix of the
  /// numbers' values, in order).
  using JointFilter = std::function<bool(const std::vector<Atom> &)>;
  /// x's block made by one lookup that computes `computes`, a map of the
  /// nodes of the numerical blocks `numbers` (written by heads at one
  /// time), from those numbers packed into one linear form, with only the
  /// joint values `occurs` keeps; -1 where they do not pack.
  int packedLookup(const Node *x, EncodingKind encoding, const Node *computes,
                   const std::vector<int> &numbers, const JointFilter &occurs);

private:
  /// Strategies 2-5 of makeBlock for a map of several numbers: the block of
  /// x when a count lookup made it, else -1 with `inputs` set to what x's
  /// own lookup reads (at most one number).
  int readOneNumber(const Node *x, EncodingKind encoding, bool counts,
                    std::vector<LookupInput> &inputs);
  /// How mapsBelow treats a map: one of the maps sought, not one and
  /// nothing below it sought, or not one but maybe below it.
  enum class Walk { Take, Skip, Descend };
  /// The maps below x that have no block yet and that `classify` takes,
  /// without those below them.
  std::vector<const Node *> mapsBelow(const Node *x,
                                      const std::function<Walk(const Node *)> &classify);
  /// Whether x reads, below it, a linear form of numerical blocks whose
  /// value set cannot be computed (too many combinations to list).
  bool readsUnlistedLinear(const Node *x);
  /// Makes the comparisons of counts with 0 below x (sign forms) by count
  /// lookups of their own; false when there are none.
  bool splitSignForms(const Node *x);
  /// x made by a lookup of one combination of prefix counts, or -1.
  int oneCountLookup(const Node *x, EncodingKind encoding);
  /// The numerical inputs as one number, sum of w_q * x_q, the weights
  /// chosen so that every joint value lands on a level of its own, the
  /// closest gap of one input apart; the other inputs unchanged. Null where
  /// the numbers are written at different times, their joint values are too
  /// many, or float32 could not tell the levels apart; numbers written at
  /// different times only `acrossTimes`.
  /// `occurs`, where given, leaves out joint values beside those the
  /// value sets rule out; `why`, where given, gets why they do not pack.
  std::optional<std::vector<LookupInput>> packNumbers(const std::vector<LookupInput> &inputs,
                                                      bool acrossTimes,
                                                      const JointFilter *occurs = nullptr,
                                                      std::string *why = nullptr) const;
  /// Where x reads two numbers only through their order (a == b, a < b),
  /// and each holds a value at one level whichever it is (the same strictly
  /// monotone map: two selector widths' BOS shares with one constant, or two
  /// plain numbers): their difference as one number, with one level of
  /// each sign that occurs at its extremes and by 0, and their noises
  /// added. x then steps only beside 0, where the levels are as far apart as
  /// the numbers' closest, with slopes far below those of a packing, whose
  /// saturated steps round far less. Nothing otherwise.
  std::optional<std::vector<LookupInput>> compareNumbers(const Node *x,
                                                         const std::vector<LookupInput> &inputs);
  /// Where x reads numbers written at different times, some made by an
  /// MLP (with few values): those made one-hots by the same MLP, and what
  /// x then reads (the other numbers packed, if written at one time); or
  /// nothing when that would not leave x one number in the same MLP.
  std::optional<std::vector<LookupInput>> remadeOneHots(const Node *x,
                                                        const std::vector<LookupInput> &blocks);
  /// After a split (step 4 of makeBlock): when `inputs`, what x reads now,
  /// puts x's lookup in a later MLP than `linear` or `blocks` (what it read
  /// before) need, packs the heads' numbers across times instead, where
  /// they pack, or reads the earlier numbers as one-hots (earlierOneHots),
  /// or else notes the layer more in the report. Returns -1 (x's own
  /// lookup is still to make).
  int deeperThanPacked(const Node *x, const std::vector<LookupInput> &linear,
                       const std::vector<LookupInput> &blocks, std::vector<LookupInput> &inputs);
  /// Where `blocks` (x's inputs) hold numbers written at different times:
  /// every number but the last written read as a one-hot, found or made
  /// by an MLP before the one after the last number (no layer more), and
  /// what x then reads; nothing where a number has too many values for a
  /// one-hot or the table would be too large.
  std::optional<std::vector<LookupInput>> earlierOneHots(const std::vector<LookupInput> &blocks);
  /// Makes categorical every numerical block of `sources` but one.
  void keepOneNumber(const std::vector<int> &sources);
  /// The block of x (or of its `classes`) made by one lookup of `inputs`;
  /// its outputs those of `computes` where given (a map of what the inputs
  /// hold that has x's values), else x's own.
  int lookupBlock(const Node *x, EncodingKind encoding,
                  const std::vector<std::vector<Atom>> *classes,
                  const std::vector<LookupInput> &inputs, const Node *computes = nullptr);
  /// lookupBlock of x itself, or -1 having added no block where it cannot
  /// be built (too many units, steps that float32 cannot take).
  int tryLookupBlock(const Node *x, EncodingKind encoding, const std::vector<LookupInput> &inputs,
                     const Node *computes = nullptr);
  struct Part {
    const Node *node = nullptr;
    EncodingKind encoding = EncodingKind::Categorical;
    int time = 0;
  };
  /// The parts split(x) may make; `linearRoot`: the largest linear form
  /// (sums, differences, constant multiples) that y is inside, if any.
  void splitParts(const Node *y, bool top, const Node *linearRoot, std::vector<Part> &out);
  /// Whether x's values are numbers at least 1e-6 (relative) apart: a
  /// linear form of them can be discretised, float noise aside.
  bool wellSeparated(const Node *x) const;
  /// x as a * level + b, when x is a function of block f alone, f holds
  /// levels that are not its values (a length proxy), and x's value at each
  /// of f's values is that affine function of the value's level.
  std::optional<LinearRead> affineInLevels(const Node *x, int f);
  /// Where x reads no tokens and takes one value at every position of a
  /// length, different at each length: the length of each value.
  std::shared_ptr<const std::map<double, int64_t>> lengthsNamed(const Node *x) const;
  /// The entries of a table over the inputs (numbers: their levels).
  static double entries(const std::vector<LookupInput> &inputs);
  /// Whether a lookup of these inputs has too many entries to tabulate.
  bool tooManyEntries(const std::vector<LookupInput> &inputs) const;
  /// Whether x, the other inputs held, takes each of its values on one run
  /// of the number's levels (LookupSpec::outputInRuns): an order comparison
  /// (or its not or indicator) of the number itself with what does not read
  /// it, where the number's values rise or fall with its levels.
  bool outputInRunsOf(const Node *x, const LookupInput &number) const;
  /// Makes categorical the largest maps below x that read one numerical
  /// block and take at most 64 values; false when there are none.
  bool splitNumeric(const Node *x);

  PlanContext &cx;
  ResidualLayout &layout;
  CountPlanner &prefixCounts;
};

} // namespace rasp::codegen
