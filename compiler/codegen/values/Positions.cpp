// Facts about positions, from the graph alone (see Positions.h).
#include "compiler/codegen/values/Positions.h"

#include <algorithm>
#include <cmath>
#include <optional>

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

namespace {

/// How far apart `node`'s values at two different positions stay, at the
/// least, in floating point, and how large they get: the index has spacing
/// 1; a shift by v keeps the spacing but for the rounding of each sum (half
/// a unit in the last place of the largest, at most 2^-53 of it, twice), a
/// scale by c multiplies both, rounding aside. Nothing when `node` is not
/// such a chain, or a shift's magnitude is unknown.
struct Spread {
  double spacing = 0, magnitude = 0;
};

std::optional<Spread> spreadOf(const Node *node, int64_t maxLen, const Magnitude &magnitude) {
  if (node->kind == NodeKind::Indices)
    return Spread{1, static_cast<double>(std::max<int64_t>(maxLen - 1, 0))};
  if (node->kind != NodeKind::Map)
    return std::nullopt;
  if (node->mapOp == graph::MapOpKind::Neg || node->mapOp == graph::MapOpKind::Plus) {
    if (node->operands.size() != 1 || node->operands[0].input < 0)
      return std::nullopt;
    return spreadOf(node->inputs[node->operands[0].input], maxLen, magnitude);
  }
  if (node->mapOp != graph::MapOpKind::Atom || node->operands.size() != 2)
    return std::nullopt;
  // The operand that is the same at every position: its largest magnitude.
  auto uniform = [&](size_t i) -> std::optional<double> {
    const graph::Operand &operand = node->operands[i];
    if (operand.input < 0) {
      if (!operand.constant.isNumber() || !std::isfinite(operand.constant.number()))
        return std::nullopt;
      return std::fabs(operand.constant.number());
    }
    const Node *input = node->inputs[operand.input];
    return sameAtEveryPosition(input) ? magnitude(input) : std::nullopt;
  };
  auto spreadAt = [&](size_t i) -> std::optional<Spread> {
    const graph::Operand &operand = node->operands[i];
    if (operand.input < 0)
      return std::nullopt;
    return spreadOf(node->inputs[operand.input], maxLen, magnitude);
  };
  auto nonzeroConstant = [&](size_t i) -> std::optional<double> {
    const graph::Operand &operand = node->operands[i];
    const Atom *c = operand.input < 0 ? &operand.constant
                    : node->inputs[operand.input]->kind == NodeKind::Constant
                        ? &node->inputs[operand.input]->constant
                        : nullptr;
    if (!c || !c->isNumber() || c->isBool() || c->number() == 0 || !std::isfinite(c->number()))
      return std::nullopt;
    return std::fabs(c->number());
  };
  const double rounding = std::ldexp(1.0, -52); // Two roundings of 2^-53 each.
  std::optional<Spread> inner;
  std::optional<double> other;
  switch (node->atomOp) {
  case AtomOpKind::Add:
  case AtomOpKind::Sub:
    if ((inner = spreadAt(0)) && (other = uniform(1))) {
    } else if ((inner = spreadAt(1)) && (other = uniform(0))) {
    } else {
      return std::nullopt;
    }
    inner->magnitude += *other;
    inner->spacing -= rounding * inner->magnitude;
    break;
  case AtomOpKind::Mul:
    if ((inner = spreadAt(0)) && (other = nonzeroConstant(1))) {
    } else if ((inner = spreadAt(1)) && (other = nonzeroConstant(0))) {
    } else {
      return std::nullopt;
    }
    inner->magnitude *= *other;
    inner->spacing = inner->spacing * *other - rounding * inner->magnitude;
    break;
  default:
    return std::nullopt;
  }
  // (Far from the subnormal numbers, where rounding is no longer relative.)
  if (!(inner->spacing > 1e-300) || !std::isfinite(inner->magnitude))
    return std::nullopt;
  return inner;
}

} // namespace

/// Whether `node` differs at every two positions: the index, shifted by a
/// uniform s-op, negated or scaled by a nonzero constant, with the values
/// kept apart in floating point (spreadOf).
bool codegen::differsAtEveryPosition(const Node *node, int64_t maxLen, const Magnitude &magnitude) {
  return spreadOf(node, maxLen, magnitude).has_value();
}

/// Whether every query of `selector` selects at most one key: an
/// equality on keys that differ at every position (or a conjunction with
/// one).
bool codegen::selectsAtMostOne(const Node *selector, int64_t maxLen, const Magnitude &magnitude) {
  if (selector->kind == NodeKind::Select)
    return selector->cmp == graph::CompareKind::Eq &&
           differsAtEveryPosition(selector->inputs[0], maxLen, magnitude);
  if (selector->kind == NodeKind::SelectorAnd)
    return selectsAtMostOne(selector->inputs[0], maxLen, magnitude) ||
           selectsAtMostOne(selector->inputs[1], maxLen, magnitude);
  return false;
}
