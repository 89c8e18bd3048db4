// Facts about positions, from the graph alone (see Positions.h).
#include "compiler/codegen/values/Positions.h"

#include <algorithm>
#include <cmath>
#include <unordered_map>

using namespace rasp;
using namespace rasp::codegen;
using graph::Node;
using graph::NodeKind;

namespace {

/// The facts for one question, each node's answer kept: a chain of n maps
/// asks about every node below each of its nodes (n^2 steps without).
class Facts {
public:
  explicit Facts(const NodeTest &finite) : finite(finite) {}

  /// Whether `node` holds the same value at every position: constants,
  /// maps of such, and aggregates and widths whose every query selects the
  /// same keys (every select's query side is such).
  bool same(const Node *node) {
    if (auto known = sameOf.find(node); known != sameOf.end())
      return known->second;
    bool answer = false;
    switch (node->kind) {
    case NodeKind::Constant:
      answer = true;
      break;
    case NodeKind::Map:
      answer = std::all_of(node->inputs.begin(), node->inputs.end(),
                           [&](const Node *input) { return same(input); });
      break;
    case NodeKind::Aggregate:
    case NodeKind::SelectorWidth:
      answer = uniformQueries(node->inputs[0]);
      break;
    default:
      break;
    }
    return sameOf[node] = answer;
  }

  /// Whether `node` differs at every two positions: the index, shifted by a
  /// uniform s-op, negated or scaled by a nonzero constant.
  bool differs(const Node *node) {
    if (auto known = differsOf.find(node); known != differsOf.end())
      return known->second;
    return differsOf[node] = differsNow(node);
  }

  /// Whether every query of `selector` selects at most one key: an
  /// equality on keys that differ at every position (or a conjunction with
  /// one).
  bool atMostOne(const Node *selector) {
    if (selector->kind == NodeKind::Select)
      return selector->cmp == graph::CompareKind::Eq && differs(selector->inputs[0]);
    if (selector->kind == NodeKind::SelectorAnd)
      return atMostOne(selector->inputs[0]) || atMostOne(selector->inputs[1]);
    return false;
  }

private:
  /// Whether every select of `selector` has a query side that is the same
  /// at every position (then every query selects the same keys).
  bool uniformQueries(const Node *selector) {
    if (selector->kind == NodeKind::Select)
      return same(selector->inputs[1]);
    return std::all_of(selector->inputs.begin(), selector->inputs.end(),
                       [&](const Node *input) { return uniformQueries(input); });
  }

  bool differsNow(const Node *node) {
    if (node->kind == NodeKind::Indices)
      return true;
    if (node->kind != NodeKind::Map)
      return false;
    if (node->mapOp == graph::MapOpKind::Neg || node->mapOp == graph::MapOpKind::Plus)
      return node->operands.size() == 1 && node->operands[0].input >= 0 &&
             differs(node->inputs[node->operands[0].input]);
    if (node->mapOp != graph::MapOpKind::Atom || node->operands.size() != 2)
      return false;
    auto operandIs = [&](size_t i, bool wantInjective) {
      const graph::Operand &operand = node->operands[i];
      if (operand.input < 0)
        return !wantInjective && operand.constant.isNumber() &&
               std::isfinite(operand.constant.number());
      const Node *input = node->inputs[operand.input];
      return wantInjective ? differs(input) : same(input) && finite(input);
    };
    auto nonzeroConstant = [&](size_t i) {
      const graph::Operand &operand = node->operands[i];
      const Atom *c = operand.input < 0 ? &operand.constant
                      : node->inputs[operand.input]->kind == NodeKind::Constant
                          ? &node->inputs[operand.input]->constant
                          : nullptr;
      return c && c->isNumber() && !c->isBool() && c->number() != 0;
    };
    switch (node->atomOp) {
    case AtomOpKind::Add:
    case AtomOpKind::Sub:
      return (operandIs(0, true) && operandIs(1, false)) ||
             (operandIs(0, false) && operandIs(1, true));
    case AtomOpKind::Mul:
      return (operandIs(0, true) && nonzeroConstant(1)) ||
             (nonzeroConstant(0) && operandIs(1, true));
    default:
      return false;
    }
  }

  const NodeTest &finite;
  std::unordered_map<const Node *, bool> sameOf, differsOf;
};

} // namespace

bool codegen::sameAtEveryPosition(const Node *node) {
  NodeTest none;
  return Facts(none).same(node);
}

bool codegen::differsAtEveryPosition(const Node *node, const NodeTest &finite) {
  return Facts(finite).differs(node);
}

bool codegen::selectsAtMostOne(const Node *selector, const NodeTest &finite) {
  return Facts(finite).atMostOne(selector);
}
