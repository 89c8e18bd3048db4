// Stage 6b, internal to the planner: what its parts share while one program
// is planned. The value sets and options, the residual layout, the heads and
// MLP blocks made so far (by time), and the questions every part asks: an
// s-op's values, the blocks it is a function of, a map's value on given
// inputs, a lookup's settings and its units.
//
// The parts, each planning one kind of thing (see their headers):
//   HeadPlanner.h    attention heads: select sides, score tables, tuples;
//   LookupPlanner.h  MLP lookups: linear forms, splits, blocks made by MLPs;
//   CountPlanner.h   lookups that read prefix counts through their means.
// Heads use lookups (a side that is a map of several blocks), lookups use
// count lookups; nothing uses heads. Planner.cpp drives them in order.
#pragma once

#include "compiler/codegen/constructions/Constructions.h"
#include "compiler/codegen/plan/Planner.h"
#include "compiler/codegen/plan/ResidualLayout.h"

#include <functional>
#include <map>
#include <optional>
#include <unordered_map>
#include <unordered_set>

namespace rasp::codegen {

using graph::Node;
using graph::NodeKind;

/// The values given to some nodes, for evaluating a map above them.
using Binding = std::vector<std::pair<const Node *, Atom>>;

bool allNumbers(const std::vector<Atom> &values);

/// The values as numbers; a CompileError "'x' OTHERWISE" when they are not
/// all numbers.
std::vector<double> levelsOf(const Node *x, const std::vector<Atom> &values,
                             const std::string &otherwise);

/// The classes of values that both partitions put together (their meet).
std::vector<std::vector<int>> meet(const std::vector<std::vector<int>> &a,
                                   const std::vector<std::vector<int>> &b);

/// `key CMP query` as a select compares two atoms; nullopt when the
/// evaluator would fail.
std::optional<bool> comparePair(graph::CompareKind cmp, const Atom &key, const Atom &query);

/// Whether selectors a and b, each a conjunction of selects, never select
/// one key together at one query: one holds a select and the other a select
/// of the same key and query whose comparisons accept no outcome in common
/// (two values compare one way only), or an equality of one side with a
/// different constant. False where either is not such a conjunction.
bool neverTogether(const Node *a, const Node *b);
/// Whether every key that a selects, b selects too: each select of b is
/// implied by one of a (same key and query, fewer outcomes accepted).
bool selectsWithin(const Node *a, const Node *b);

class PlanContext {
public:
  PlanContext(const ValueSets &sets, const PlanOptions &options) : sets(sets), options(options) {}

  const ValueSets &sets;
  const PlanOptions &options;
  ResidualLayout layout;
  /// The heads of each attention time (odd) and the MLP blocks of each MLP
  /// time (even), in the order they are made.
  std::map<int, std::vector<HeadPlan>> heads;
  std::map<int, std::vector<MlpBlock>> mlps;
  /// What the report should say about the plan (ModelPlan::notes).
  std::vector<std::string> notes;
  /// S-ops the planner makes to plan one of the program's by parts (the
  /// widths of a disjoint `or`'s sides): they live as long as the plan's
  /// context, and no value set is asked of them.
  graph::Graph made;
  /// While heads are planned: a head of its own that copies an aggregate's
  /// one-hot (HeadPlanner::copyOneHot), -1 where it cannot.
  std::function<int(const Node *)> copyOneHot;

  /// The softmax sharpness S built into W_Q: leaks of at most
  /// (N+1) e^{-S/2} next to a weight of 1 stay below 1e-6.
  double scale() const;
  /// The value set of `node`; throws CompileError when it is unknown.
  const std::vector<Atom> &valuesOf(const Node *node) const;
  /// The embedding block of tokens or indices (made on first use).
  int embedding(const Node *node);
  /// The blocks `x` is a function of, looking through maps and constants,
  /// sorted (the categorical block of each, with `preferCategorical`).
  std::vector<int> sourcesOf(const Node *x, bool preferCategorical = false);
  /// How many of the blocks are numerical.
  int numericCount(const std::vector<int> &blocks) const;
  /// The value of `x` when the nodes in `binding` hold the given values;
  /// nullopt where the evaluator would fail.
  std::optional<Atom> evaluate(const Node *x, const Binding &binding);

  /// The block for x holding `values` in `encoding` (numerical: their
  /// levels; a CompileError when they are not all numbers).
  Block blockOf(const Node *x, EncodingKind encoding, std::vector<Atom> values) const;
  /// A lookup's settings: the `one` and `bos` dimensions and the unit budget.
  LookupSpec lookupSpec() const;
  /// How far a numerical block may be from its level: attention leaks
  /// (1e-6 of a weight) and float32 sums over max_len + 1 positions.
  double noiseOf(const std::vector<double> &levels) const;
  /// The program's indices (null when it reads none): what a block made
  /// from the index reads when the s-op at hand has none below it.
  const Node *indices = nullptr;
  /// Whether `selector` selects every key everywhere: a select of two
  /// constants that compare true.
  bool selectsEveryKey(const Node *selector);
  /// The part of noiseOf that does not come from summing over positions
  /// (the attention's leaks and the scores' rounding).
  double leakOf(const std::vector<double> &levels) const;
  /// The units of a lookup made for x; a CompileError naming x when it
  /// cannot be built.
  /// (`reads`, when given, names the lookup's inputs in the error.)
  std::vector<HiddenUnit> lookupUnits(const Node *x, LookupSpec &spec,
                                      const std::string &reads = "") const;
  /// Adds the MLP block that makes block f, described as
  /// "WHAT (N values|numerical) FROM: U units". With the lookup's spec, a
  /// categorical block's one-hot error is that of its largest step.
  void addMlp(int f, const std::string &what, const std::string &from,
              std::vector<HiddenUnit> units, const LookupSpec *spec = nullptr);

private:
  /// sourcesOf's answers, for every node it passed, while the layout has
  /// `memoBlocks` blocks (a block added may change them): asking each node
  /// of a map chain in turn takes linear time, not quadratic.
  std::unordered_map<const Node *, std::vector<int>> memo[2];
  size_t memoBlocks = 0;
};

} // namespace rasp::codegen
