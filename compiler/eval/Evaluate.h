// Stage 4: the reference evaluator, exact RASP semantics on one input.
//
// Evaluates graph nodes on an input (a non-empty list of atoms; a string is
// the list of its characters). Every node is evaluated at most once per
// input (results are memoised by node), in topological order without
// recursion. S-op results are typed as the original types them (ints,
// floats, bools, strings; the type is decided by the values at each
// evaluation), and selectors are bit matrices.
//
// Inside, no selector is a matrix (issue 20): a select keeps its keys and
// queries as ranks (SelectColumns.h), and an aggregate or a selector_width
// counts its rows from the selector's formula (SelectorForms.h) in
// O(n log n), or, where the formula does not decompose or the mean of
// floats must be summed in the original's order, reads the matrix a row at
// a time (SelectorRows.h). Results are bit for bit the matrix evaluator's
// (tests/oracle/MatrixEvaluator.h). The values of nodes that the caller did
// not ask for are freed as soon as the last node of the walk that reads
// them has been evaluated; those it asked for stay, for later calls.
//
// Errors are the original's, in the project's words, located at the
// expression that created the failing node: EvalError.
#pragma once

#include "compiler/eval/SelectColumns.h"
#include "compiler/graph/Graph.h"
#include "compiler/support/BitMatrix.h"

#include <cstdint>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

namespace rasp::eval {

enum class SeqTypeKind { Ints, Floats, Bools, Strings };

const char *seqTypeName(SeqTypeKind type);

/// The value of an s-op on one input.
struct Sequence {
  std::vector<Atom> values;
  SeqTypeKind type = SeqTypeKind::Ints;
};

/// The value of a selector: an n x n bit matrix where row q (a query)
/// selects key k.
using SelectorMatrix = BitMatrix;

struct EvalError {
  SourceLoc loc;
  std::string message;
};

/// Most bits of one selector's n x n matrix (512 MiB: inputs of up to 65,536
/// tokens), when a caller asks for the matrix (Evaluator::selector); a
/// selector past it is an EvalError there, raised before the matrix is
/// allocated. Aggregates and widths never build one.
inline constexpr uint64_t MaxSelectorBits = uint64_t{1} << 32;
/// Most bytes of values one Evaluator holds at a time (2 GiB): the live
/// sequences, selects' ranks and the matrices asked for; the node whose
/// value would pass it is an EvalError there, and its value is not kept.
inline constexpr uint64_t MaxEvaluatorBytes = uint64_t{1} << 31;

/// `[v0, v1, ...]` in Python notation, shortened after 12 values, as
/// messages show a sequence.
std::string valuesText(const std::vector<Atom> &values);

/// Checks and types a sequence as the original does (all strings, or all
/// numbers; bools count as ints); throws EvalError at `loc` otherwise.
SeqTypeKind typeSequence(const std::vector<Atom> &values, SourceLoc loc);

/// One position of a map node: its operation on the values of its operands
/// (`operands[i]` for node->operands[i]); throws EvalError.
Atom applyMap(const graph::Node *node, const Atom *const *operands);
/// One input item converted as a tokens_* node converts it; throws EvalError.
Atom convertToken(const graph::Node *node, const Atom &item);

class Evaluator {
public:
  /// `input` must be non-empty; `maxBytes` bounds the values held.
  explicit Evaluator(std::vector<Atom> input, uint64_t maxBytes = MaxEvaluatorBytes);

  const std::vector<Atom> &input() const { return items; }
  /// The value of an s-op node; throws EvalError.
  const Sequence &sequence(const graph::Node *node);
  /// The value of a selector node; throws EvalError.
  const SelectorMatrix &selector(const graph::Node *node);

private:
  void evaluateAll(const graph::Node *root);
  void evaluateOne(const graph::Node *node);
  /// One reader of `node` in the walk is done; frees it after the last one
  /// unless it was asked for (an and/or/not frees its inputs with it).
  void release(const graph::Node *node, std::unordered_map<const graph::Node *, uint32_t> &readers);
  Sequence evaluateSequence(const graph::Node *node);
  SelectColumns evaluateSelect(const graph::Node *node);
  SelectorMatrix buildMatrix(const graph::Node *node);
  Sequence evaluateMap(const graph::Node *node);
  Sequence evaluateAggregate(const graph::Node *node);
  Sequence evaluateWidth(const graph::Node *node);
  Sequence evaluateTokens(const graph::Node *node);
  const SelectColumns &columnsOf(const graph::Node *select) const { return selects.at(select); }

  /// Adds `bytes` to what is held, or throws at `node` past the budget.
  void hold(const graph::Node *node, uint64_t bytes);

  std::vector<Atom> items;
  uint64_t heldBytes = 0, maxBytes;
  std::unordered_map<const graph::Node *, Sequence> sequences;
  /// Every evaluated selector node: a select's columns, nothing for and,
  /// or and not.
  std::unordered_map<const graph::Node *, SelectColumns> selects;
  std::unordered_map<const graph::Node *, SelectorMatrix> matrices; ///< Asked for.
  std::unordered_map<const graph::Node *, uint64_t> heldBy;
  std::unordered_set<const graph::Node *> asked;
};

} // namespace rasp::eval
