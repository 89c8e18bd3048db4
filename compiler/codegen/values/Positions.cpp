// Facts about positions, from the graph alone (see Positions.h).
#include "compiler/codegen/values/Positions.h"

#include <algorithm>
#include <cmath>

using namespace rasp;
using namespace rasp::codegen;
using graph::Node;
using graph::NodeKind;

static bool uniformQueries(const Node *selector);

/// Whether `node` holds the same value at every position: constants,
/// maps of such, and aggregates and widths whose every query selects the
/// same keys (every select's query side is such).
bool codegen::sameAtEveryPosition(const Node *node) {
  switch (node->kind) {
  case NodeKind::Constant:
    return true;
  case NodeKind::Map:
    return std::all_of(node->inputs.begin(), node->inputs.end(),
                       [&](const Node *input) { return sameAtEveryPosition(input); });
  case NodeKind::Aggregate:
  case NodeKind::SelectorWidth:
    return uniformQueries(node->inputs[0]);
  default:
    return false;
  }
}

/// Whether every select of `selector` has a query side that is the same
/// at every position (then every query selects the same keys).
static bool uniformQueries(const Node *selector) {
  if (selector->kind == NodeKind::Select)
    return sameAtEveryPosition(selector->inputs[1]);
  return std::all_of(selector->inputs.begin(), selector->inputs.end(),
                     [&](const Node *input) { return uniformQueries(input); });
}

/// Whether `node` differs at every two positions: the index, shifted by a
/// uniform s-op, negated or scaled by a nonzero constant.
bool codegen::differsAtEveryPosition(const Node *node, const NodeTest &finite) {
  if (node->kind == NodeKind::Indices)
    return true;
  if (node->kind != NodeKind::Map)
    return false;
  if (node->mapOp == graph::MapOpKind::Neg || node->mapOp == graph::MapOpKind::Plus)
    return node->operands.size() == 1 && node->operands[0].input >= 0 &&
           differsAtEveryPosition(node->inputs[node->operands[0].input], finite);
  if (node->mapOp != graph::MapOpKind::Atom || node->operands.size() != 2)
    return false;
  auto operandIs = [&](size_t i, bool wantInjective) {
    const graph::Operand &operand = node->operands[i];
    if (operand.input < 0)
      return !wantInjective && operand.constant.isNumber() &&
             std::isfinite(operand.constant.number());
    const Node *input = node->inputs[operand.input];
    return wantInjective ? differsAtEveryPosition(input, finite)
                         : sameAtEveryPosition(input) && finite(input);
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
    return (operandIs(0, true) && nonzeroConstant(1)) || (nonzeroConstant(0) && operandIs(1, true));
  default:
    return false;
  }
}

/// Whether every query of `selector` selects at most one key: an
/// equality on keys that differ at every position (or a conjunction with
/// one).
bool codegen::selectsAtMostOne(const Node *selector, const NodeTest &finite) {
  if (selector->kind == NodeKind::Select)
    return selector->cmp == graph::CompareKind::Eq &&
           differsAtEveryPosition(selector->inputs[0], finite);
  if (selector->kind == NodeKind::SelectorAnd)
    return selectsAtMostOne(selector->inputs[0], finite) ||
           selectsAtMostOne(selector->inputs[1], finite);
  return false;
}
