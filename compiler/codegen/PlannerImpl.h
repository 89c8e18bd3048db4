// Internal to the planner (Planner.cpp and the Plan*.cpp files): the Planner
// class that builds the layer/head IR, and its small helpers. Not part of
// the compiler's interface (that is Planner.h).
#pragma once

#include "compiler/codegen/Constructions.h"
#include "compiler/codegen/Planner.h"
#include "compiler/atom/Atom.h"

#include <map>
#include <optional>
#include <unordered_map>
#include <unordered_set>

namespace rasp::codegen::detail {

using graph::Node;
using graph::NodeKind;

using Binding = std::vector<std::pair<const Node *, Atom>>;

/// The smallest attention time (odd) and MLP time (even, >= 2) after t.
int attentionAfter(int t);
int mlpAfter(int t);

bool allNumbers(const std::vector<Atom> &values);

/// The classes of values that both partitions put together (their meet).
std::vector<std::vector<int>> meet(const std::vector<std::vector<int>> &a,
                                   const std::vector<std::vector<int>> &b);

/// `key CMP query` as a select compares two atoms; nullopt when the
/// evaluator would fail.
std::optional<bool> comparePair(graph::CompareKind cmp, const Atom &key, const Atom &query);

/// A select's side as a head reads it: the block it reads (-1: a constant)
/// and, per value of that block, the side's value.
struct SideRead {
  int block = -1;
  std::vector<std::optional<Atom>> valueOf;
};

/// Plans one program; each member is documented where it is defined when
/// the comment here does not say enough. Blocks (blocks), evaluation,
/// readings and select sides: Planner.cpp; score groups, aggregates and
/// widths: PlanHeads.cpp; select tables and formulas: PlanTables.cpp;
/// tuples: PlanTuples.cpp; linear forms and splits: PlanLinear.cpp; lookups, the
/// output and the layout: PlanMlps.cpp; prefix counts: PlanCounts.cpp.
class Planner {
public:
  Planner(const ValueSets &sets, const PlanOptions &options) : sets(sets), options(options) {}

  ModelPlan run(const Node *root);

private:

  static Block auxiliaryBlock(const std::string &label, std::vector<double> bosRow);

  int addBlock(const Node *node, Block f);
  /// Adds a block made by the MLP after `inputsTime`.
  int addMlpBlock(const Node *node, Block f, int inputsTime);
  /// The dimensions of a block, one per value (one for a numerical block).
  std::vector<int> blockDims(int f) const;
  /// A lookup's settings: the `one` and `bos` dimensions and the unit budget.
  LookupSpec lookupSpec() const;

  const Block &block(int f) const { return plan.blocks[f]; }

  /// The value set of `node`; throws CompileError when it is unknown.
  const std::vector<Atom> &valuesOf(const Node *node) const;

  int findBlock(const Node *node, EncodingKind encoding) const;

  /// The block to read `node` from: the earliest made, categorical on a tie
  /// (or whenever one exists, with `preferCategorical`).
  int bestBlock(const Node *node, bool preferCategorical) const;

  int embedding(const Node *node);

  /// The blocks `x` is a function of, looking through maps and constants.
  void decompose(const Node *x, std::vector<int> &out, bool preferCategorical,
                 std::unordered_set<const Node *> &seen);

  std::vector<int> sourcesOf(const Node *x, bool preferCategorical = false);

  int latest(const std::vector<int> &blocks) const;

  /// The value of `x` when the nodes in `binding` hold the given values;
  /// nullopt where the evaluator would fail.
  std::optional<Atom> evaluate(const Node *x, const Binding &binding);

  /// 1 where the position holds value i of categorical block f, else 0
  /// (0 at BOS too).
  LinearForm reading(int f, int i) const;

  LinearForm numericReading(int f) const;

  /// The encoding of value v in block f (empty for a failed value, or 0).
  LinearForm encode(int f, const std::optional<Atom> &v) const;

  SideRead readSide(const Node *x);

  std::vector<LinearForm> readsOf(const SideRead &side) const;

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
  };

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

  /// Per part of a side, its values grouped in classes (empty: one part).
  using Classes = std::vector<std::vector<std::vector<int>>>;
  /// The classes of each side's parts' values that `formula` tells apart
  /// (against every value of the other parts, on both sides); per select
  /// (valueClasses) when the sides are too large to tabulate.
  std::pair<Classes, Classes> formulaClasses(const Node *formula,
                                             const std::vector<int> &queryParts,
                                             const std::vector<int> &keyParts,
                                             const std::vector<const Node *> &selects);
  /// A side reading several blocks (sorted, distinct): one block for the
  /// tuple of their classes, made by the MLP after the parts, or a layer
  /// earlier from what a part made by an MLP is made from.
  Side tupleSide(const std::vector<int> &parts, Classes classes, const Node *selector);
  /// The values of block f that the selects reading it on one side treat
  /// alike, grouped.
  std::vector<std::vector<int>> valueClasses(int f, bool keySide,
                                             const std::vector<const Node *> &selects);

  struct Scores {
    std::vector<ScoreGroup> groups;
    std::vector<std::string> lines;
    int time = 0;
  };

  Scores planScores(const Node *selector);

  std::string blockName(int f) const;

  EncodingKind aggregateEncoding(const Node *x);

  void planHead(const Node *x);

  HeadPlan &sharedHead(const Node *selector, int time, Scores &scores, double bosScore);

  void planWidth(const Node *x, Scores scores, double groupsCount);

  struct ValueRead {
    std::vector<LinearForm> reads;                    ///< Per source value.
    std::vector<std::optional<Atom>> sourceValues; ///< The value written for each.
    int time = 0;
    std::string what;
  };

  ValueRead readValue(const Node *v, EncodingKind encoding);

  /// Splits a map of several numerical inputs: its largest parts with at
  /// most one are made by the MLP after their inputs, earliest first, until
  /// the map reads one. A number-valued part inside a sum or difference is
  /// made numerical (the map then reads it in a linear form), any other
  /// part categorical.
  void split(const Node *x);
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

  int numericCount(const std::vector<int> &sources) const;

  /// An input of a lookup: a block, or a numerical s-op read as a linear
  /// form of several blocks.
  struct Input {
    const Node *node = nullptr;
    int block = -1;
    bool numeric = false;
    LinearForm form;
    std::vector<Atom> values;
    std::vector<double> levels;
    int time = 0;
    std::string name;
  };

  Input blockInput(int f) const;

  struct LinearRead {
    LinearForm form;
    int time = 0;
  };

  /// `x` as a linear form of the residual (0 at BOS), when it is one: a
  /// numerical block, a number-valued function of one categorical block, a
  /// constant, and sums, differences and constant multiples of those.
  std::optional<LinearRead> linearForm(const Node *x);

  /// The inputs of `x` when its largest linear parts over numerical blocks
  /// count as one numerical input each.
  std::vector<Input> linearInputs(const Node *x);
  /// The inputs of a tuple made a layer early from what its MLP-made parts
  /// (`made`) are made from, reading numbers below them as one linear form;
  /// empty when that takes more than one number or is no earlier.
  std::vector<Input> deepLinearInputs(const std::vector<int> &parts,
                                      const std::vector<const Node *> &made);

  /// How far a numerical block may be from its level: attention leaks
  /// (1e-6 of a weight) and float32 sums over max_len + 1 positions.
  double noiseOf(const std::vector<double> &levels) const;

  static int numericInputs(const std::vector<Input> &inputs);

  /// The block of x made by the MLP after its inputs; with `classes`, a
  /// categorical block of those classes of x's values instead, read only
  /// as a select's side (classBlocks), never as x itself.
  int materialize(const Node *x, EncodingKind encoding,
                  const std::vector<std::vector<Atom>> *classes = nullptr);
  /// The block for x holding `values` in `encoding` (numerical: their
  /// levels; a CompileError when they are not all numbers).
  Block blockOf(const Node *x, EncodingKind encoding, std::vector<Atom> values) const;
  /// A lookup's inputs as its spec reads them: the categorical ones (their
  /// dimensions added to the spec), the numerical one (set as the spec's),
  /// and the nodes a map program binds, in that order.
  struct BoundInputs {
    std::vector<const Input *> categorical;
    const Input *numeric = nullptr;
    std::vector<const Node *> nodes;
  };
  BoundInputs bindInputs(const std::vector<Input> &inputs, LookupSpec &spec) const;
  /// The units of a lookup made for x; a CompileError naming x when it
  /// cannot be built.
  std::vector<HiddenUnit> lookupUnits(const Node *x, const LookupSpec &spec) const;
  /// Whether a lookup of these inputs has too many entries to tabulate.
  bool tooManyEntries(const std::vector<Input> &inputs) const;
  /// Whether x, the other inputs held, takes each of its values on one run
  /// of the number's levels (LookupSpec::outputInRuns): an order comparison (or its
  /// not or indicator) of the number itself with what does not read it,
  /// where the number's values rise or fall with its levels.
  bool outputInRunsOf(const Node *x, const Input &number) const;
  /// Makes categorical the largest maps below x that read one numerical
  /// block and take at most 64 values; false when there are none.
  bool splitNumeric(const Node *x);
  /// x's values grouped by how every select reading x as a side compares
  /// them with every value of its other side; empty when some other side's
  /// values are unknown.
  std::vector<std::vector<Atom>> sideClasses(const Node *x);
  /// When x's values are unknown but x is a linear form of integers and one
  /// number whose non-integer values keep a gap from every integer, read
  /// only by equalities against known integers: a block of those targets
  /// and the rest, made from x's linear form (-1 when x is not such).
  int targetClasses(const Node *x);
  std::unordered_map<const Node *, int> classBlocks;
  /// Per s-op, the selects that read it: (select, as its key side).
  std::unordered_map<const Node *, std::vector<std::pair<const Node *, bool>>> sideUses;

  // Prefix counts (PlanCounts.cpp).
  /// The mean m when y is round(g(indices) * m), m a mean of integers over
  /// select(indices, indices, <=) held numerically, and g(i) = i + 1 at
  /// every index: y is then the count summed. Sets `indices`.
  const Node *countMean(const Node *y, const Node *&indices);
  /// Whether the aggregate `mean` is held numerically and averages integers.
  bool integerMeanHeld(const Node *mean);
  /// y as sum(b_j * count_j) + c with integer b_j and c.
  struct CountForm {
    std::vector<std::pair<const Node *, int64_t>> terms; ///< mean, b_j
    int64_t constant = 0;
  };
  std::optional<CountForm> countForm(const Node *y, const Node *&indices);
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
  /// A map that reads its numerical inputs only through combinations of
  /// counts, besides categorical blocks (indices among them): forms that
  /// are counts (integers) or comparisons of a combination with 0.
  struct CountLookup {
    struct Form {
      const Node *node = nullptr;
      size_t combination = 0; ///< Index into `combinations`.
      int64_t constant = 0;   ///< A count form's constant.
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
  };
  /// Without `packing`: one count form only (one combination). With it:
  /// several, and sign forms, where that saves a layer.
  std::optional<CountLookup> countLookup(const Node *x, bool packing);
  bool packingSavesALayer(const CountLookup &lookup) const;
  /// The lookup with the means its combinations read as the combinations
  /// (each form a sum of them), when those are no more and differ: packed,
  /// the counts of the means may have far smaller windows than their
  /// combinations (n_one - n_shift spans 193 values where n_one spans 65).
  static std::optional<CountLookup> overMeans(const CountLookup &lookup);
  /// When every mean the lookup reads averages a function of the tokens
  /// alone: the packed value (sum(weight_q * D_q)) that one position adds,
  /// per token, distinct and sorted. At width w the packed value is a sum
  /// of w of them. nullopt otherwise.
  std::optional<std::vector<int64_t>> tokenSteps(const CountLookup &lookup,
                                                 const std::vector<int64_t> &weight);
  /// Makes x in the MLP after its inputs, reading the combinations' means
  /// as one linear form with the levels it takes at each index (several
  /// combinations packed in mixed radix: at index i the form is k / (i + 1)
  /// with k = sum(radix_q * combination_q)). Several combinations that
  /// cannot be packed exactly (too many levels, or levels too close for
  /// float32 with their noise) add nothing and give -1.
  int materializeCounts(const Node *x, EncodingKind encoding, const CountLookup &lookup);
  /// Removes the block just added (a packing that failed).
  void dropLastBlock(int f);

  OutputPlan outputOf(const Node *root);

  void finish();

  const ValueSets &sets;

  const PlanOptions &options;

  ModelPlan plan;

  int oneDim = 0, bosDim = 0;

  std::vector<const Node *> blockNode;

  std::unordered_map<const Node *, std::vector<int>> byNode;

  std::unordered_map<const Node *, SideRead> sides;

  std::map<int, std::vector<HeadPlan>> heads;

  std::map<std::pair<std::string, int>, size_t> headOf;

  std::map<int, std::vector<MlpBlock>> mlps;

  std::map<std::pair<std::vector<int>, std::vector<std::vector<std::vector<int>>>>, int>
      tuples;
  std::unordered_map<const Node *, BitMatrix> selectTables;
  /// Per categorical block, the dimension of each value (made on first use).
  mutable std::unordered_map<int, std::unordered_map<Atom, int, AtomHash, AtomEq>>
      valueIndex;
};

} // namespace rasp::codegen::detail
