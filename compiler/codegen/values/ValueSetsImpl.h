// Internal to the value sets (ValueSets.cpp and ValueSetMaps.cpp): the
// builder that computes them on demand, inputs first. Not part of the
// compiler's interface (that is ValueSets.h).
#pragma once

#include "compiler/atom/Atom.h"
#include "compiler/codegen/values/Means.h"
#include "compiler/codegen/values/ValueSets.h"

#include <algorithm>
#include <optional>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

namespace rasp::codegen::detail {

using graph::Node;
using graph::NodeKind;

/// A set of atoms by Python equality, keeping the first spelling of each.
class AtomSet {
public:
  explicit AtomSet(const Node *node, size_t limit) : node(node), limit(limit) {}

  void insert(const Atom &atom) {
    if (seen.insert(atom).second) {
      order.push_back(atom);
      if (order.size() > limit)
        throw ValueSetError{node,
                            "the value set of '" + node->name + "' has more than " +
                                std::to_string(limit) + " values",
                            true};
    }
  }

  std::vector<Atom> sorted() && {
    std::sort(order.begin(), order.end(), [](const Atom &a, const Atom &b) {
      if (a.isString() != b.isString())
        return !a.isString();
      if (a.isString())
        return a.asString() < b.asString();
      return a.number() < b.number();
    });
    return std::move(order);
  }

private:
  const Node *node;
  size_t limit;
  std::unordered_set<Atom, AtomHash, AtomEq> seen;
  std::vector<Atom> order;
};

/// What the builders of one ValueSets keep between the sets they compute,
/// so that the nodes of a chain of n maps cost O(n) in all, not O(n^2).
struct BuilderMemo {
  LinearLeaves linear;
  struct CutHash {
    size_t operator()(const std::vector<const Node *> &cut) const {
      size_t h = cut.size();
      for (const Node *n : cut)
        h = h * 1000003 ^ std::hash<const Node *>()(n);
      return h;
    }
  };
  /// cheapestCut's answer from each cut it passed through on the way: its
  /// steps depend on that cut and the sets alone.
  std::unordered_map<std::vector<const Node *>, std::vector<const Node *>, CutHash> cuts;
  /// The nodes whose sets were missing when combinations were counted:
  /// when one of them gets its set, the cuts are forgotten.
  std::unordered_set<const Node *> missing;
  /// Per length n = 1..N (at n - 1), the values an s-op can take on inputs
  /// of that length, for s-ops where that is sharper than their set (a
  /// positional s-op, a mean over positions, a map of such): a map of
  /// several of them is enumerated length by length (ValueSetCells.cpp).
  std::unordered_map<const Node *, std::vector<std::vector<Atom>>> byLength;
  /// A positional s-op's values at each position of the inputs of each
  /// length (nothing where the evaluator fails at that length).
  std::unordered_map<const Node *, std::vector<std::optional<std::vector<Atom>>>> runs;
};

/// Per length n (at n - 1) and position i < n: the values an s-op can hold
/// there.
using Cells = std::vector<std::vector<std::vector<Atom>>>;

/// Computes value sets: maps in ValueSetMaps.cpp, the rest in ValueSets.cpp.
class Builder {
public:
  Builder(const ValueSetOptions &options, std::unordered_map<const Node *, std::vector<Atom>> &sets,
          std::unordered_map<const Node *, ValueSetError> &unknown, BuilderMemo &memo)
      : options(options), sets(sets), unknown(unknown), memo(memo) {}

  /// Computes the set of `root` and of what it needs below it, inputs
  /// first (without recursion: map chains can be long).
  void ensure(const Node *root);
  /// ValueSets::wholeMeanRange.
  std::optional<std::vector<ValueSets::MeanRange>> wholeMeanRange(const Node *values);

private:
  bool done(const Node *node) const { return sets.count(node) || unknown.count(node); }

  /// The nodes whose sets `node`'s set is computed from.
  std::vector<const Node *> dependencies(const Node *node);

  void finish(const Node *node);
  /// Where a set too large comes from, and what would help: appended to
  /// the error of the s-op where it started.
  std::string explainTooLarge(const Node *node);

  std::vector<Atom> compute(const Node *node);

  /// The mean of a prefix count whose values are consecutive integers.
  const Node *prefixCount(const Node *node);

  /// A prefix count's set: the sums of w values, w = 1..N, when the values
  /// are every integer of a range (false when they are not).
  bool countSums(const Node *node, AtomSet &out);

  void aggregate(const Node *node, AtomSet &out);

  /// A map whose result is a bool (a comparison, and, or, not, in) gets
  /// {False, True}, an indicator {0, 1}: supersets, for when its inputs
  /// combine in too many ways to enumerate.
  static bool boolOrIndicator(const Node *node, AtomSet &out);

  /// Combinations of the nodes' values (infinite if one is unknown).
  double combinations(const std::vector<const Node *> &nodes);

  /// The nodes below a map whose values determine it, with the fewest
  /// combinations: starting from its inputs, a map in the cut is replaced by
  /// its own inputs while that does not add combinations (so `t if t < 10
  /// else t - 10` is enumerated over t alone, not over three sets).
  std::vector<const Node *> cheapestCut(const Node *node);
  /// One step of that: the cut with its first map that can be replaced
  /// replaced, or nothing.
  std::optional<std::vector<const Node *>> cheaperCut(const std::vector<const Node *> &cut);

  /// The map's values over every combination of the cut's values.
  void mapOverCut(const Node *node, const std::vector<const Node *> &cut, AtomSet &out);

  /// A linear combination of numerical means over equal selectors (Means.h).
  bool linearMeans(const Node *node, AtomSet &out);

  /// Every combination of operand values, odometer style.
  void map(const Node *node, AtomSet &out);

  void enumerate(const Node *node, AtomSet &out);

  /// Whether `node` reads no tokens: its value at a position is then a
  /// function of the length n and the index i alone.
  bool positional(const Node *node);
  /// Whether a map's or an aggregate's set comes from positional values
  /// (below).
  bool byPosition(const Node *node);
  /// A positional s-op's values at every (n, i < n) that occur, from the
  /// evaluator on one input of each length n = 1..max_len (lengths where it
  /// fails are left out: every input of that length fails there). Sharper
  /// than the product of its inputs' sets: length - 1 - indices is never
  /// negative. Kept per length (memo.byLength).
  void positionalValues(const Node *node, AtomSet &out);
  /// The positional s-op's values on the inputs of each length (memo.runs).
  const std::vector<std::optional<std::vector<Atom>>> &runsOf(const Node *node);
  /// runsOf for an s-op other than a map: the evaluator's values.
  std::vector<std::optional<std::vector<Atom>>> evaluatedRuns(const Node *node);
  /// runsOf for a map: its maps below applied with exactMap, length by length.
  std::vector<std::optional<std::vector<Atom>>> mapRuns(const Node *root);

  // ValueSetCells.cpp: sets per length and per position.
  /// What `node` can hold at each position of each length, when that is
  /// sharper than its set everywhere: positional s-ops, and maps of them
  /// and of s-ops that read no position (a token's bit times a positional
  /// weight); nothing otherwise, or when the cells would be too many.
  std::optional<Cells> cellsOf(const Node *node, int depth = 0);
  /// The means of an aggregate whose values have cells, length by length,
  /// over the subsets of at most `most` positions (every position when
  /// `every`), each holding one of its cell's values; with the single
  /// values and the default. False, having added nothing, when the values
  /// are not all integers or the sums too many. Keeps the sets per length.
  bool cellMeans(const Node *node, int64_t most, bool every, AtomSet &out);
  /// A mean of every position of integers that depend on no position: at
  /// length n the n-fold sums over n, kept per length (k / n, so that
  /// length times it is an integer).
  bool wholeMeans(const Node *node, AtomSet &out);
  /// A mean of every position of c / selector_width(select(k, k, ==)):
  /// each class of k's values at a position adds c / its size once per
  /// member, so the sum is c times the number of classes present, and the
  /// mean at length n is c * d / n for d = 1..min(n, |values of k|). Kept
  /// per length (length times it is c * d). False when it is not that
  /// shape or k's set is unknown.
  bool groupCountMeans(const Node *node, AtomSet &out);
  /// A map of inputs some of which have sets per length: their product
  /// taken length by length (length * mean, with the mean's values at
  /// length n, gives n * k / n, not m * k / n). False when no input has
  /// them, or the combinations are too many. Keeps the sets per length.
  bool mapByLength(const Node *node, AtomSet &out);

  const ValueSetOptions &options;
  std::unordered_map<const Node *, std::vector<Atom>> &sets;
  std::unordered_map<const Node *, ValueSetError> &unknown;
  BuilderMemo &memo;
  std::unordered_map<const Node *, const Node *> prefixCounts;
  std::unordered_map<const Node *, bool> readsNoTokens;
};

} // namespace rasp::codegen::detail
