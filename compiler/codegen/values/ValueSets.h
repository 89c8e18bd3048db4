// Stage 6a: value sets, the values each s-op can take on inputs of length
// 1..max_len over a vocabulary (the first step of compiling to weights).
//
// The stage is lazy: lazyValueSets() computes nothing by itself; each set is
// computed when the planner (6b) first asks for it, with the sets it needs
// below it, so that an s-op whose set no consumer reads costs nothing.
// `rasp compile --emit=values` asks for every set (computeAll).
//
// Requires: the graph below an s-op. Adds: for every s-op node below it, a
// finite set of atoms that contains every value the reference evaluator can
// produce for it (a superset: combinations that no input realises may be in
// it). The rules (a set is computed from its inputs' sets, on first use):
//   1. tokens_*: the vocabulary, converted as the tokens node converts;
//      indices: 0..N-1; a constant: itself; selector_width: 0..N;
//   2. a map: its operation on every combination of its operands' values
//      (combinations on which the operation fails are left out: no input
//      that reaches the compiled model can produce them without also failing
//      in the reference evaluator); a prefix count, round((indices + 1) * m)
//      with m a mean over select(indices, indices, <=) of consecutive
//      integers, is every sum of 1..N of them (no set of the product below
//      it is needed); a comparison, and, or, not or in whose inputs combine
//      in too many ways (or are unknown) is {False, True}, an indicator of
//      one {0, 1};
//   3. an aggregate: its default, the values (one selected position passes
//      through), and, when they are numbers, every mean of 2..k of them
//      (with repetition) that can occur, not only x/w: the means of w values
//      are the w-fold sums of the set divided by w, as the evaluator
//      computes them. k, the most keys a query can select (Positions.h), is
//      N unless proven smaller: 1 for an equality on keys that differ at
//      every position (the index, shifted by an s-op that is the same at
//      every position, such as the length; an integer plus a fraction of
//      the index under 1 apart; the rank under a strict total order of the
//      positions, as the library's sort makes) or on the rank within a class
//      joined with an equality that keeps the keys in that class
//      (select_next_identical), the sum of a disjunction's sides (a middle
//      pair), the fewest of a conjunction's; with k = 1 there is no mean of
//      several: the values and the default only; a mean over every key of
//      c / selector_width(select(k, k, ==)) is c * d / n at length n, d the
//      number of classes of k present (each adds c / w at its w positions);
//   4. relations between the length and the index (ValueSetCells.cpp): an
//      s-op that reads no tokens is evaluated at every (n, i < n) that
//      occurs; a map of such and of s-ops that read no position has a set
//      per position (cells); an aggregate of values with cells has, per
//      length n, the means of its subsets of at most k positions (all n
//      under full_s, and no default), each position holding one of its
//      cell's values (a mean under full_s of values that read no position
//      is the n-fold sums over n); a map of s-ops with sets per length is
//      enumerated length by length, and canOccurTogether tells the planner
//      which joint values of several s-ops occur at one length. So length - 1 - indices is never
//      negative, the mean of bit * 2 ^ (length - 1 - indices) at length n is k / n for k < 2^n, and
//      length times it an integer below 2^n.
// Numbers are exact (Exact.h): a map's float result is the correctly rounded
// double of its exact result where its operands name rationals, and a mean
// is an exact sum divided once, so that one number is one value of a set
// (and of the tables MapProgram builds), however the evaluator's float path
// would round it.
// A set larger than the limit is not an error by itself: the s-op (and every
// s-op computed from it) is marked unknown, and asking for its set throws
// an error that names the s-op and the size, with advice. Sets are computed
// on first use only, so an s-op whose set no consumer needs costs nothing.
#pragma once

#include "compiler/graph/Graph.h"

#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

namespace rasp::codegen {

namespace detail {
struct BuilderMemo;

/// The memo of one ValueSets: a copy starts without one, since its sets
/// may go on to differ from the original's.
struct BuilderMemoHolder {
  std::shared_ptr<BuilderMemo> memo;
  BuilderMemoHolder() = default;
  BuilderMemoHolder(const BuilderMemoHolder &) {}
  BuilderMemoHolder(BuilderMemoHolder &&) = default;
  BuilderMemoHolder &operator=(const BuilderMemoHolder &) {
    memo.reset();
    return *this;
  }
  BuilderMemoHolder &operator=(BuilderMemoHolder &&) = default;
};
} // namespace detail

struct ValueSetOptions {
  std::vector<Atom> vocab;
  int64_t maxLen = 0;
  /// Most values in one set.
  size_t limit = 100'000;
};

struct ValueSetError {
  const graph::Node *node;
  std::string message;
  /// Whether the set is too large (at this max_len), rather than unknowable
  /// (a vocabulary that does not suit the tokens).
  bool tooLarge = false;
};

/// Value sets, sorted (numbers ascending, then strings) and without
/// duplicates (by Python equality: 1, 1.0 and True are one value).
/// Sets are computed when first asked for (with what they need below them),
/// so s-ops whose sets no consumer needs cost nothing.
struct ValueSets {
  ValueSetOptions options;
  mutable std::unordered_map<const graph::Node *, std::vector<Atom>> known;
  /// The s-ops whose set could not be computed, and why (the error names
  /// the s-op where it started).
  mutable std::unordered_map<const graph::Node *, ValueSetError> unknown;
  /// What computing the sets learns about the graph on the way (made on
  /// first use).
  mutable detail::BuilderMemoHolder memo;

  /// The set of `node`; throws ValueSetError when it is unknown.
  const std::vector<Atom> &at(const graph::Node *node) const;
  /// Whether the set of `node` is known (computing it if need be).
  bool has(const graph::Node *node) const;
  /// Computes the set of every s-op below `root` (for a full dump).
  void computeAll(const graph::Node *root) const;
  /// Whether `values[j]` of `nodes[j]`, all at one position of one input,
  /// can occur together, as far as the sets per length show: false when
  /// no length n has each value in its node's set at n (nodes without sets
  /// per length take any value). Each node's set must have been asked for.
  bool canOccurTogether(const std::vector<const graph::Node *> &nodes,
                        const std::vector<Atom> &values) const;
  /// Whether `node` has sets per length (canOccurTogether can relate it).
  bool hasSetsPerLength(const graph::Node *node) const;
  /// Its set at each length (index n: inputs of length n + 1), sorted as
  /// the sets are; null where it has none.
  const std::vector<std::vector<Atom>> *setsPerLength(const graph::Node *node) const;
  /// Bounds of the mean over every position of an s-op at one length.
  struct MeanRange {
    double least = 0, greatest = 0;
    /// The greatest mean of the values' magnitudes (what a float32 sum of
    /// them rounds relative to).
    double magnitude = 0;
  };
  /// Per length n = 1..N (at n - 1): the bounds of the mean over every
  /// position of `values` at that length, from what each position can hold
  /// there (sets per position, as for a mean's set), or else from the
  /// values' whole range. No mean's set is needed: the mean of bit * 2 ^
  /// (length - 1 - indices) at length n lies in [0, (2^n - 1) / n].
  /// Nothing when `values` has no set or holds other than finite numbers.
  std::optional<std::vector<MeanRange>> wholeMeanRange(const graph::Node *values) const;

private:
  detail::BuilderMemo &builderMemo() const;
};

/// The largest magnitude of the values, when they are all finite numbers.
std::optional<double> largestMagnitude(const std::vector<Atom> &values);

/// The value sets of `root` and every s-op below it, none computed yet: each
/// is computed when first asked for.
ValueSets lazyValueSets(const graph::Node *root, const ValueSetOptions &options);

} // namespace rasp::codegen
