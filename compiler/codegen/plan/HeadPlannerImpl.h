// Internal to head planning (HeadPlanner.cpp, HeadSides.cpp, HeadTuples.cpp,
// SelectTables.cpp): the class that plans heads, and the select sides,
// tables and tuples it builds them from.
#pragma once

#include "compiler/codegen/plan/HeadPlanner.h"
#include "compiler/codegen/values/Positions.h"
#include "compiler/support/BitMatrix.h"

#include <functional>
#include <map>
#include <unordered_map>

namespace rasp::codegen {

/// A select's side as a head reads it: the block it reads (-1: a constant)
/// and, per value of that block, the side's value.
struct SideRead {
  int block = -1;
  std::vector<std::optional<Atom>> valueOf;
};

class HeadPlanner {
public:
  HeadPlanner(PlanContext &cx, LookupPlanner &lookups, const Node *root);

  /// The head of an aggregate or a selector width; with `copy`, a head of
  /// its own writing x in that encoding (copyOneHot).
  void planHead(const Node *x, std::optional<EncodingKind> copy = std::nullopt);
  /// Where x, an aggregate written as a number, selects at most one key
  /// and its value's one-hot is there before x's head: a second head that
  /// copies the one-hot (exact: no mean is ever taken), in the same layer;
  /// its block, or -1.
  int copyOneHot(const Node *x);
  /// The largest magnitude of a node's value set, where it is known (for
  /// the proofs of Positions.h).
  Magnitude setsMagnitude() const;

private:
  // Sides (HeadSides.cpp).
  SideRead readSide(const Node *x);
  std::vector<LinearForm> readsOf(const SideRead &side) const;
  /// x's values grouped by how every select reading x as a side compares
  /// them with every value of its other side; empty when some other side's
  /// values are unknown.
  std::vector<std::vector<Atom>> sideClasses(const Node *x);
  /// When x's values are unknown but x is a linear form of integers and one
  /// number whose non-integer values keep a gap from every integer, read
  /// only by equalities against known integers: a block of those targets
  /// and the rest, made from x's linear form (-1 when x is not such).
  int targetClasses(const Node *x);
  /// The numbers the selects reading x compare it with, when they are all
  /// equalities against known numbers; empty otherwise (or past 4096).
  std::vector<double> equalityTargets(const Node *x) const;
  /// x = c + sum(k_i * leaf_i): integer leaves with integer coefficients,
  /// and at most one leaf with coefficient +-1 whose non-integer values stay
  /// at least `gap` from every integer; [lo, hi] bounds x.
  struct IntegerShape {
    std::vector<std::pair<const Node *, double>> leaves;
    double lo = 0, hi = 0, gap = 0.5;
  };
  std::optional<IntegerShape> integerShape(const Node *x) const;

  // Score groups (HeadPlanner.cpp).
  void conjuncts(const Node *sel, std::vector<const Node *> &out);
  void leaves(const Node *sel, std::vector<const Node *> &out);

  /// The blocks one side of a score group reads: one block, a tuple block
  /// over several (`parts`, the first varying fastest), or a constant.
  struct Side {
    int block = -1;
    std::vector<int> parts;
    /// A tuple's parts: the classes of each part's values it tells apart
    /// (empty when the side is one block).
    std::vector<std::vector<std::vector<int>>> classes;
    /// The combinations of classes the tuple holds, as mixed-radix indices
    /// (part 0 fastest), ascending; empty: every one. Parts that are
    /// functions of the length and the index hold only the combinations
    /// some length gives them together.
    std::vector<size_t> joint;
  };

  /// The combinations of side's classes that can occur together (see
  /// Side::joint); empty where every one can, or it is not worth finding.
  std::vector<size_t> occurringJoint(const Side &side) const;

  // Select tables (SelectTables.cpp).
  /// The index into block f's values of a side value at index i.
  int component(const Side &side, int f, size_t i) const;
  /// Select's decisions, [key value][query value] of its sides' blocks.
  const BitMatrix &selectTable(const Node *select);
  /// A conjunction of selector formulas over two sides, flattened for
  /// evaluation at every pair of side indices (tables and components
  /// looked up once).
  struct Formula {
    struct Op {
      NodeKind kind = NodeKind::Select;
      std::vector<int> children;
      const BitMatrix *table = nullptr; ///< A select's [query][key] decisions.
      int keyComponent = -1, queryComponent = -1;
      /// Per side index, the select's key (query) value; null: a constant.
      const std::vector<int> *keys = nullptr, *queries = nullptr;
    };
    std::vector<Op> ops;
    std::vector<int> roots;
    std::vector<std::vector<int>> components;
    /// Per select op, its row for each of its query values (made on use);
    /// per other op, the buffer of its row for the query at hand.
    struct Rows {
      std::vector<std::vector<std::vector<uint64_t>>> leaf;
      std::vector<std::vector<uint64_t>> op;
      /// Per select op with few key values: the key indices holding each.
      std::vector<std::vector<std::vector<uint64_t>>> holding;
    };
    /// Op `index`'s decisions for query index q over every key index, in
    /// `rows` (valid until the next call).
    const uint64_t *row(int index, size_t q, size_t keyCount, Rows &rows) const;
    /// [query index][key index]: whether every member selects.
    BitMatrix tabulate(size_t queryCount, size_t keyCount) const;
  };
  Formula flatten(const std::vector<const Node *> &members, const Side &qs, size_t qCount,
                  const Side &ks, size_t kCount);

  // Tuples (HeadTuples.cpp).
  /// Per part of a side, its values grouped in classes (empty: one part).
  using Classes = std::vector<std::vector<std::vector<int>>>;
  /// The classes of each side's parts' values that `formula` tells apart
  /// (against every value of the other parts, on both sides); per select
  /// (restrictedClasses) when the sides are too large to tabulate.
  std::pair<Classes, Classes> formulaClasses(const Node *formula,
                                             const std::vector<int> &queryParts,
                                             const std::vector<int> &keyParts,
                                             const std::vector<const Node *> &selects);
  /// A side reading several blocks (sorted, distinct): one block for the
  /// tuple of their classes, made by the MLP after the parts, or a layer
  /// earlier from what a part made by an MLP is made from.
  Side tupleSide(const std::vector<int> &parts, Classes classes, const Node *selector);
  /// `formula` with the selects that read block f on one side decided for
  /// f's value v and simplified, as a string: equal strings decide the same
  /// against every value of every other block.
  std::string restrictedFormula(const Node *formula, int f, int v, bool keySide);
  /// The classes of each part's values whose restricted formulas are equal
  /// (empty for one part).
  Classes restrictedClasses(const Node *formula, const std::vector<int> &parts, bool keySide);
  /// The block of a tuple already made over the same parts that tells apart
  /// at least what `side` needs (its classes then become side's), or -1.
  int existingTuple(Side &side) const;
  /// The tuple's block: one value per combination of the parts' classes,
  /// named by a representative of each.
  Block tupleBlock(const Side &side, const Node *selector) const;
  /// What the tuple is made from: its parts, or, a layer earlier, what the
  /// parts made by an MLP (`made`, per part) are made from.
  std::vector<LookupInput> tupleInputs(const std::vector<int> &parts,
                                       std::vector<const Node *> &made);
  /// Adds the tuple's block and the lookup that makes it from `inputs`.
  int makeTuple(const Side &side, Block out, const std::vector<LookupInput> &inputs,
                const std::vector<const Node *> &made, const Node *selector);
  /// The values of block f that the selects reading it on one side treat
  /// alike, grouped.
  std::vector<std::vector<int>> valueClasses(int f, bool keySide,
                                             const std::vector<const Node *> &selects);
  /// The inputs of a tuple made a layer early from what its MLP-made parts
  /// (`made`) are made from, reading numbers below them as one linear form;
  /// empty when that takes more than one number or is no earlier.
  std::vector<LookupInput> deepLinearInputs(const std::vector<int> &parts,
                                            const std::vector<const Node *> &made);

  // Heads (HeadPlanner.cpp).
  struct Scores {
    std::vector<ScoreGroup> groups;
    std::vector<std::string> lines;
    int time = 0;
  };
  Scores planScores(const Node *selector);
  /// How far a key's score may be from its exact value, in softmax units:
  /// the scale times, per group, the one-hot errors of the blocks its two
  /// sides read (Block::oneHotError), each times the most cells of the
  /// table the other side's one value meets. (0 when every side reads
  /// embeddings or constants.)
  double scoreError(const Scores &scores) const;
  EncodingKind aggregateEncoding(const Node *x);
  /// Refuses categorical() on an aggregate of numbers that an input shows
  /// to average different values (HintChecks.h); notes it where the
  /// assertion is neither proven nor refuted.
  void checkCategoricalHint(const Node *x);
  /// Refuses, before its scores are built, a head whose query and key
  /// matrices alone would pass the parameter budget (their sparse forms
  /// would take more memory than the dense model would).
  void refuseOversized(const Node *x, const Scores &scores) const;
  HeadPlan &sharedHead(const Node *selector, int time, Scores &scores, double bosScore);
  void planWidth(const Node *x, Scores scores, double groupsCount);
  // Widths by parts (WidthSplit.cpp).
  /// The sides of `selector` when it is an `or` of conjunctions of
  /// selects that never select one key together (each pair of sides holds
  /// selects of the same key and query whose comparisons exclude each
  /// other), and whose selects read different blocks on a side (one head
  /// would read a tuple of them); empty otherwise.
  std::vector<const Node *> disjointSides(const Node *selector);
  /// selector_width x of `selector` (x's own, or lexicographicOr's), an
  /// `or` of disjoint sides that one head would read through a tuple, as
  /// the sum of the sides' widths: one head per side in
  /// one layer, and x's one-hot made by the MLP after them from their BOS
  /// shares packed into one number (no tuple, a layer less); where they do
  /// not pack, x as one number summed by that MLP (sumOfCounts) as `mode`
  /// allows. False, having made no block of x, where that does not apply.
  enum class SumMode {
    PackedOnly, ///< Only where the shares pack (no layer more).
    NoDeeper,   ///< Or as one number where no deeper than a tuple's head.
    Deeper,     ///< Or as one number, even a layer deeper.
  };
  bool planWidthBySides(const Node *x, const Node *selector, SumMode mode);
  /// For selector_width x of select(k, k, <) (or >, <=, >=) where k is a
  /// map of two s-ops a and b that orders lexicographically (by a, then b,
  /// each either way: Tracr's keys + i / max_seq_len): the same selector
  /// as an `or` of disjoint sides, a's order, or a tie of a and b's order
  /// (nodes of the planner's own). Null otherwise.
  const Node *lexicographicOr(const Node *x);
  /// Whether the sides' heads, their counts summed by the MLP after them,
  /// leave x's sum readable no later than one head over a tuple of what the
  /// sides read would (that tuple needs an MLP of its own), or x is the
  /// output, read as that number.
  bool sumNoDeeper(const Node *x, const std::vector<const Node *> &sides);
  /// x's numerical block `out`, its levels counts, made by the MLP after
  /// the heads that wrote `shares` (BOS shares, their values counts): a
  /// lookup of each share's count, all adding into x's one dimension.
  int sumOfCounts(const Node *x, Block out, const std::vector<int> &shares);
  /// The paper's BOS share of `rest or select(indices, 0, ==)`, x, where
  /// `rest` is an `or` of disjoint sides that one head would read through a
  /// tuple made by an MLP of its own: one head per side counting its keys
  /// besides key 0, and x held as the count w (its value share.values[w])
  /// summed by the MLP after them; where that is deeper than the tuple,
  /// only when `deeper` (one head failed). False, having made nothing,
  /// otherwise.
  bool planShareBySides(const Node *x, const Node *rest, const Block &share, bool deeper);
  struct ValueRead {
    std::vector<LinearForm> reads;                 ///< Per source value.
    std::vector<std::optional<Atom>> sourceValues; ///< The value written for each.
    int time = 0;
    std::string what;
  };
  ValueRead readValue(const Node *v, EncodingKind encoding);

  // The length proxy (LengthProxy.cpp).
  struct Proxy {
    const Node *indices; ///< The indices the aggregate's values read.
    Block block;         ///< The values per length, the levels (n - 1) / 2.
  };
  /// For a mean of every key's index-only values, whose values crowd
  /// together: the block that holds it by the mean of the indices.
  std::optional<Proxy> lengthProxy(const Node *x);
  /// For a selector_width of a selector that selects every key (Tracr's
  /// `length`): the width is the length n, held by the mean of the indices
  /// (n - 1) / 2 like lengthProxy's, so that it reads as a linear form.
  /// Null when the program reads no indices (a BOS share is made instead).
  std::optional<Proxy> widthProxy(const Node *x);
  void planProxy(const Node *x, Scores scores, double groupsCount, Proxy proxy);
  /// Whether every query selects key 0, whatever the input: a select of a
  /// constant query and an index-only key that holds at index 0 at every
  /// length (select(indices, 0, ==)), or an `or` with such a side.
  bool selectsKeyZero(const Node *selector);
  /// For a mean, over a selector that always selects key 0, of index-only
  /// values that are 0 except at index 0 (the paper's BOS share, 1 / (w +
  /// 1)): its value for each count of selected keys, 1 up, as a block
  /// without levels. Null where x is not such a mean, or its values do not
  /// crowd together.
  std::optional<Block> firstKeyShare(const Node *x, bool onlyWhenCrowded = true);
  /// When `selector` is `S or Z` (either way round), Z a select that picks
  /// key 0 and no other at every length: S (null otherwise). A first-key
  /// share over it counts the keys S selects besides key 0, one more than
  /// the count being key 0 itself: no tuple of S's sides with the index.
  const Node *besideKeyZero(const Node *selector);
  /// The score group that selects every key but index 0.
  ScoreGroup keysButIndexZero();
  /// The scores of `selector` and keysButIndexZero's group: a BOS share's
  /// head that counts the keys `selector` selects besides index 0.
  Scores scoresBesideKeyZero(const Node *selector);
  /// A head in which BOS scores ln(c) above the selected keys, writing
  /// BOS's share c / (c + w) for w selected keys: `raw` holds a value per
  /// count from `fewest` to max_len, and gets the shares as its levels.
  void planBosShare(const Node *x, Scores scores, double groupsCount, Block raw, int64_t fewest,
                    int64_t most, const std::string &what);

  // Counts read as whether they are 0 (SignShares.cpp).
  /// Whether every path from x, whose value for a count w of selected keys
  /// is valueAt(w) (w from 0 to `most`), to what reads it passes through
  /// maps of x alone until one whose value is the same at every count from
  /// 1: what reads x tells only a count of 0 from the rest.
  bool readOnlyAsZero(const Node *x, const std::function<Atom(int64_t)> &valueAt, int64_t most);
  /// x's head where readOnlyAsZero: BOS scores half the scale below the
  /// selected keys, and its share, 1 where none is selected and about 0
  /// where any is, holds `none` (the value for a count of 0) or `some` (for
  /// 1, standing for every count). False, having made nothing, where its
  /// leaks could pass 1e-6 (the scores' one-hot errors eat the margin).
  bool planAnyShare(const Node *x, Scores scores, Atom none, Atom some, const std::string &what);

  // Clean copies (CleanReads.cpp).
  /// Whether BOS shares at `levels`, off by `relativeNoise` times
  /// themselves, are too close for a lookup to tell apart (stepFitsFloat32).
  static bool sharesTooClose(std::vector<double> levels, double relativeNoise);
  /// A categorical block of f's values made from f by the MLP after it,
  /// each dimension a clean step of f's (exact to 4e-7 where f's are off by
  /// less than 1/4); made once.
  int cleanCopy(int f);
  /// Makes the score groups read clean copies of the MLP-made one-hots
  /// they read (their time moves to those copies'); false where none.
  bool cleanScores(Scores &scores);

  PlanContext &cx;
  ResidualLayout &layout;
  LookupPlanner &lookups;
  const Node *root; ///< The s-op compiled.
  std::map<int, int> cleanCopies;
  /// Per s-op, the selects that read it: (select, as its key side).
  std::unordered_map<const Node *, std::vector<std::pair<const Node *, bool>>> sideUses;
  std::unordered_map<const Node *, SideRead> sides;
  /// Per s-op, the nodes that read it.
  std::unordered_map<const Node *, std::vector<const Node *>> users;
  std::map<std::pair<std::string, int>, size_t> headOf;
  std::map<std::pair<std::vector<int>, Classes>, int> tuples;
  std::unordered_map<const Node *, BitMatrix> selectTables;
};

} // namespace rasp::codegen
