// The RASP graph (IR 1): s-ops and selectors as a DAG, built by elaboration.
//
// One node per s-op or selector, with its kind, its input nodes, the
// elementwise operation of a map (one operation per node, over input slots
// and captured constants), a display name and the SourceLoc of the
// expression that created it. Nodes are owned by a Graph (an arena), so a
// long chain of nodes is freed without recursion; they are immutable except
// for their name, which assignment changes as in the original ("b = a;"
// renames the shared object). The reference evaluator, the analysis and the
// compiler all read this graph.
#pragma once

#include "compiler/atom/Atom.h"
#include "compiler/support/SourceLoc.h"

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace llvm {
class raw_ostream;
}

namespace rasp::graph {

enum class NodeKind {
  Tokens,        ///< The input, converted per TokensKind.
  Indices,       ///< 0, 1, ..., n-1.
  Constant,      ///< The same atom at every position.
  Map,           ///< An elementwise operation of its inputs.
  Select,        ///< cell (q, k) = keys[k] CMP queries[q].
  SelectorAnd,   ///< Both selectors.
  SelectorOr,    ///< Either selector.
  SelectorNot,   ///< The complement.
  Aggregate,     ///< Mean of the selected values; one passes through.
  SelectorWidth, ///< How many keys each query selects.
};

enum class TokensKind { Str, Int, Float, Bool, AsIs };

enum class MapOpKind {
  Atom,      ///< operand0 ATOMOP operand1 (arithmetic and comparisons).
  And,       ///< bool(a) and bool(b).
  Or,        ///< bool(a) or bool(b).
  Not,       ///< not bool(a).
  Neg,       ///< -a.
  Plus,      ///< +a.
  Round,     ///< round(a), ties to even.
  Indicator, ///< 1 if a is truthy, else 0.
  Ternary,   ///< operand1 if operand0 else operand2.
  InList,    ///< a in the captured list of atoms.
  Lookup,    ///< the captured list, string or dict indexed by a.
};

enum class CompareKind { Eq, Ne, Lt, Gt, Le, Ge };

/// How the compiler should encode an s-op in the residual stream, as the
/// built-ins `categorical(x)` and `numerical(x)` ask; they never change a
/// value.
enum class EncodingHintKind { Inferred, Categorical, Numerical };

/// An operand of a map: an input node's value at the position, or a
/// constant captured when the map was built.
struct Operand {
  int input = -1; ///< Index into Node::inputs, or -1 for `constant`.
  Atom constant;
};

/// A list, string or dict captured by a map (copied when the s-op is made).
struct Table {
  enum class TableKind { List, String, Dict } kind;
  std::vector<Atom> keys; ///< Dict keys (lists and strings index by position).
  /// The entries; an entry that is not an atom (a list, an s-op, ...) is
  /// empty and described in `entryText`.
  std::vector<std::optional<Atom>> entries;
  std::vector<std::string> entryText;
  std::string text; ///< How the container reads in messages.
};

struct Node {
  NodeKind kind;
  uint32_t id;      ///< Creation order, unique in the graph.
  std::string name; ///< Display name; assignment renames.
  SourceLoc loc;    ///< The expression that created the node.
  std::vector<Node *> inputs;

  TokensKind tokens = TokensKind::Str; ///< Tokens.
  Atom constant;                       ///< Constant; the Aggregate default.
  MapOpKind mapOp = MapOpKind::Atom;   ///< Map.
  AtomOpKind atomOp = AtomOpKind::Add; ///< Map with MapOpKind::Atom.
  std::vector<Operand> operands;       ///< Map.
  std::shared_ptr<const Table> table;  ///< InList, Lookup.
  CompareKind cmp = CompareKind::Eq;   ///< Select.
  /// Set by categorical()/numerical(), like the name (the last one wins).
  EncodingHintKind encoding = EncodingHintKind::Inferred;
  /// The categorical()/numerical() call that set `encoding`: where an error
  /// about it is located when the node itself has no location (tokens).
  SourceLoc encodingLoc;

  bool isSelector() const {
    return kind == NodeKind::Select || kind == NodeKind::SelectorAnd ||
           kind == NodeKind::SelectorOr || kind == NodeKind::SelectorNot;
  }
};

/// Owns the nodes of one program (and of everything it loads).
class Graph {
public:
  Node *add(NodeKind kind, std::string name, SourceLoc loc, std::vector<Node *> inputs = {});
  size_t size() const { return nodes.size(); }

private:
  std::vector<std::unique_ptr<Node>> nodes;
};

const char *compareSpelling(CompareKind cmp);
/// The atom operation that a selector comparison performs.
AtomOpKind compareAtomOp(CompareKind cmp);

/// A text equal for two selectors exactly when they are the same formula
/// (and/or/not of selects) over the same s-ops with the same comparisons:
/// such selectors select the same on every input.
std::string selectorSignature(const Node *selector);

/// Every node that `root` depends on, and `root`, inputs before users.
std::vector<const Node *> topologicalOrder(const Node *root);
/// The same without the nodes `skip` accepts and all that only they reach
/// (their inputs are not visited): the same order as topologicalOrder's
/// for the rest when `skip` accepts whole subgraphs, in time proportional
/// to what is listed (an evaluator's nodes not evaluated yet).
std::vector<const Node *> topologicalOrder(const Node *root,
                                           const std::function<bool(const Node *)> &skip);

/// A deterministic text dump of the graph below `root` (`--emit=graph`),
/// inputs first: `%id = kind operands  ; name @where`, where `where`
/// formats a node's SourceLoc.
void dumpGraph(const Node *root, llvm::raw_ostream &out,
               const std::function<std::string(SourceLoc)> &where);

} // namespace rasp::graph
