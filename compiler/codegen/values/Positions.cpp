// Facts about positions, from the graph alone (see Positions.h).
#include "compiler/codegen/values/Positions.h"

#include <algorithm>
#include <cmath>
#include <optional>
#include <unordered_map>

using namespace rasp;
using namespace rasp::codegen;
using graph::Node;
using graph::NodeKind;

namespace {

/// How far apart an s-op's values at two different positions stay, at the
/// least, in floating point, and how large they get.
struct Spread {
  double spacing = 0, magnitude = 0;
};

/// The facts for one question, each node's answer kept: a chain of n maps
/// asks about every node below each of its nodes (n^2 steps without, and
/// exponential steps on shared subgraphs).
class Facts {
public:
  Facts(int64_t maxLen, const Magnitude *magnitude) : maxLen(maxLen), magnitude(magnitude) {}

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

  /// The index has spacing 1; a shift by v keeps the spacing but for the
  /// rounding of each sum (half a unit in the last place of the largest, at
  /// most 2^-53 of it, twice), a scale by c multiplies both, rounding aside.
  /// Nothing when `node` is not such a chain, or a shift's magnitude is
  /// unknown.
  std::optional<Spread> spread(const Node *node) {
    if (auto known = spreadOfNode.find(node); known != spreadOfNode.end())
      return known->second;
    return spreadOfNode[node] = spreadNow(node);
  }

  /// Whether every query of `selector` selects at most one key: an
  /// equality on keys that differ at every position (or a conjunction with
  /// one).
  bool atMostOne(const Node *selector) {
    if (selector->kind == NodeKind::Select)
      return selector->cmp == graph::CompareKind::Eq && spread(selector->inputs[0]).has_value();
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

  std::optional<Spread> spreadNow(const Node *node) {
    if (node->kind == NodeKind::Indices)
      return Spread{1, static_cast<double>(std::max<int64_t>(maxLen - 1, 0))};
    if (node->kind != NodeKind::Map)
      return std::nullopt;
    if (node->mapOp == graph::MapOpKind::Neg || node->mapOp == graph::MapOpKind::Plus) {
      if (node->operands.size() != 1 || node->operands[0].input < 0)
        return std::nullopt;
      return spread(node->inputs[node->operands[0].input]);
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
      return same(input) ? (*magnitude)(input) : std::nullopt;
    };
    auto spreadAt = [&](size_t i) -> std::optional<Spread> {
      const graph::Operand &operand = node->operands[i];
      if (operand.input < 0)
        return std::nullopt;
      return spread(node->inputs[operand.input]);
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

  int64_t maxLen;
  const Magnitude *magnitude;
  std::unordered_map<const Node *, bool> sameOf;
  std::unordered_map<const Node *, std::optional<Spread>> spreadOfNode;
};

} // namespace

bool codegen::sameAtEveryPosition(const Node *node) { return Facts(0, nullptr).same(node); }

bool codegen::differsAtEveryPosition(const Node *node, int64_t maxLen, const Magnitude &magnitude) {
  return Facts(maxLen, &magnitude).spread(node).has_value();
}

bool codegen::selectsAtMostOne(const Node *selector, int64_t maxLen, const Magnitude &magnitude) {
  return Facts(maxLen, &magnitude).atMostOne(selector);
}
