// Facts about positions, from the graph alone (see Positions.h).
#include "compiler/codegen/values/Positions.h"

#include "compiler/codegen/values/Means.h"

#include <algorithm>
#include <cmath>
#include <optional>
#include <unordered_map>
#include <vector>

using namespace rasp;
using namespace rasp::codegen;
using graph::Node;
using graph::NodeKind;

namespace {

/// How far apart an s-op's values at two different positions stay, at the
/// least, in floating point, and how large they get.
struct Spread {
  double spacing = 0, magnitude = 0;
  /// How far apart two of its values on one input lie, at the most (a shift
  /// by an s-op that is the same at every position keeps it).
  double extent = INFINITY;
};

/// The facts for one question, each node's answer kept: a chain of n maps
/// asks about every node below each of its nodes (n^2 steps without, and
/// exponential steps on shared subgraphs).
class Facts {
public:
  Facts(int64_t maxLen, const Magnitude *magnitude, const Integral *integral = nullptr)
      : maxLen(maxLen), magnitude(magnitude), integral(integral) {}

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

  /// The most keys one query of `selector` can select (maxLen when
  /// nothing bounds it): an equality on keys that differ at every position
  /// selects 1; one on keys that repeat at most k times among the
  /// positions (a map of the indices alone) k; a conjunction the fewest of
  /// its sides, and an equality on a rank within the classes of s joined
  /// with an equality that keeps the keys in one class of s 1, as is an
  /// equality on a count of the keys a filter admits joined with that
  /// filter; a disjunction the sum of its sides.
  int64_t mostKeys(const Node *selector) {
    switch (selector->kind) {
    case NodeKind::Select:
      if (selector->cmp != graph::CompareKind::Eq)
        return maxLen;
      if (spread(selector->inputs[0]))
        return 1;
      return std::min(maxLen, repeats(selector->inputs[0]));
    case NodeKind::SelectorAnd: {
      std::vector<const Node *> sides;
      conjuncts(selector, sides);
      int64_t most = maxLen;
      for (const Node *side : sides)
        most = std::min(most, mostKeys(side));
      // Keys held in one class of s (an equality with s on the key side)
      // whose rank within the classes of s is compared for equality.
      for (const Node *side : sides) {
        if (side->kind != NodeKind::Select || side->cmp != graph::CompareKind::Eq)
          continue;
        const Node *classes = rankClasses(side->inputs[0]);
        if (classes && std::any_of(sides.begin(), sides.end(), [&](const Node *other) {
              return other->kind == NodeKind::Select && other->cmp == graph::CompareKind::Eq &&
                     other->inputs[0] == classes;
            }))
          most = std::min<int64_t>(most, 1);
        // Keys a filter admits, compared for equality on how many keys
        // that filter admits up to each (a run's number, the count of "a"
        // so far): the counts of two admitted keys differ.
        const Node *filter = countedFilter(side->inputs[0]);
        if (filter && std::any_of(sides.begin(), sides.end(),
                                  [&](const Node *other) { return sameFilter(other, filter); }))
          most = std::min<int64_t>(most, 1);
      }
      return most;
    }
    case NodeKind::SelectorOr:
      return std::min(maxLen, mostKeys(selector->inputs[0]) + mostKeys(selector->inputs[1]));
    default:
      return maxLen;
    }
  }

  /// Whether every query of `selector` selects every key: a comparison of
  /// two constants that holds (full_s is select(1, 1, ==)), a disjunction
  /// with one, or a conjunction of such.
  bool everyKey(const Node *selector) {
    switch (selector->kind) {
    case NodeKind::Select: {
      const Node *key = selector->inputs[0], *query = selector->inputs[1];
      if (key->kind != NodeKind::Constant || query->kind != NodeKind::Constant)
        return false;
      try {
        Atom holds =
            applyAtomOp(graph::compareAtomOp(selector->cmp), key->constant, query->constant);
        return holds.isBool() && holds.truthy();
      } catch (...) {
        return false;
      }
    }
    case NodeKind::SelectorAnd:
      return everyKey(selector->inputs[0]) && everyKey(selector->inputs[1]);
    case NodeKind::SelectorOr:
      return everyKey(selector->inputs[0]) || everyKey(selector->inputs[1]);
    default:
      return false;
    }
  }

private:
  /// The sides of a conjunction (of conjunctions).
  static void conjuncts(const Node *selector, std::vector<const Node *> &out) {
    if (selector->kind == NodeKind::SelectorAnd) {
      conjuncts(selector->inputs[0], out);
      conjuncts(selector->inputs[1], out);
      return;
    }
    out.push_back(selector);
  }

  /// Whether `s` orders the positions by index: select(indices, indices, c),
  /// c one of <, <=, > and >=.
  static bool indexOrder(const Node *s) {
    return s->kind == NodeKind::Select && s->cmp != graph::CompareKind::Eq &&
           s->cmp != graph::CompareKind::Ne && s->inputs[0]->kind == NodeKind::Indices &&
           s->inputs[1]->kind == NodeKind::Indices;
  }

  /// s when `node` is the rank of each position within its class of s:
  /// selector_width(select(s, s, ==) and select(indices, indices, c)), c
  /// an order (<, <=, > or >=), either way round. Two positions with one
  /// value of s then have different ranks (the later one counts the
  /// earlier, or the reverse), so an equality on the rank, with the keys
  /// held in one class of s, selects at most one key.
  static const Node *rankClasses(const Node *node) {
    if (node->kind != NodeKind::SelectorWidth)
      return nullptr;
    const Node *selector = node->inputs[0];
    if (selector->kind != NodeKind::SelectorAnd)
      return nullptr;
    auto classes = [](const Node *s) -> const Node * {
      return s->kind == NodeKind::Select && s->cmp == graph::CompareKind::Eq &&
                     s->inputs[0] == s->inputs[1]
                 ? s->inputs[0]
                 : nullptr;
    };
    const Node *a = selector->inputs[0], *b = selector->inputs[1];
    if (indexOrder(b) && classes(a))
      return classes(a);
    if (indexOrder(a) && classes(b))
      return classes(b);
    return nullptr;
  }

  /// A select whose query side is the same at every position: it admits
  /// or refuses each key alone, the same for every query.
  bool keyFilter(const Node *s) { return s->kind == NodeKind::Select && same(s->inputs[1]); }

  /// Whether two key filters admit the same keys: one comparison of one
  /// key side with the same query node, or with equal constants (by
  /// Python's ==, as the comparison itself reads them).
  bool sameFilter(const Node *a, const Node *b) {
    if (!keyFilter(a) || !keyFilter(b) || a->cmp != b->cmp || a->inputs[0] != b->inputs[0])
      return false;
    const Node *qa = a->inputs[1], *qb = b->inputs[1];
    return qa == qb || (qa->kind == NodeKind::Constant && qb->kind == NodeKind::Constant &&
                        qa->constant.equals(qb->constant));
  }

  /// F when `node` counts the keys a filter F admits up to each position:
  /// selector_width(select(indices, indices, c) and F), c an order (<, <=,
  /// > or >=), F a key filter, either way round. Of two keys F admits the
  /// later one counts the earlier (<, <=; the reverse with >, >=), so
  /// their counts differ, and an equality on the count, with the keys F
  /// admits, selects at most one key.
  const Node *countedFilter(const Node *node) {
    if (node->kind != NodeKind::SelectorWidth || node->inputs[0]->kind != NodeKind::SelectorAnd)
      return nullptr;
    const Node *a = node->inputs[0]->inputs[0], *b = node->inputs[0]->inputs[1];
    if (indexOrder(a) && keyFilter(b))
      return b;
    if (indexOrder(b) && keyFilter(a))
      return a;
    return nullptr;
  }

  /// Whether `selector` orders the positions strictly and totally (each
  /// query selects the keys before it in that order): the indices under
  /// < or >, or an order of v with ties broken by the indices,
  /// select(v, v, <) or (select(v, v, ==) and select(indices, indices, <)),
  /// either comparison > as well, the sides in either order. The widths
  /// are then the ranks 0..n-1, each once.
  bool strictTotalOrder(const Node *selector) {
    auto strict = [](const Node *s, const Node *side) {
      return s->kind == NodeKind::Select && s->inputs[0] == side && s->inputs[1] == side &&
             (s->cmp == graph::CompareKind::Lt || s->cmp == graph::CompareKind::Gt);
    };
    auto byIndex = [&](const Node *s) {
      return s->kind == NodeKind::Select && s->inputs[0]->kind == NodeKind::Indices &&
             s->inputs[1]->kind == NodeKind::Indices &&
             (s->cmp == graph::CompareKind::Lt || s->cmp == graph::CompareKind::Gt);
    };
    if (byIndex(selector))
      return true;
    // An order of values that differ at every position.
    if (selector->kind == NodeKind::Select && strict(selector, selector->inputs[0]) &&
        spread(selector->inputs[0]))
      return true;
    if (selector->kind != NodeKind::SelectorOr)
      return false;
    for (int first = 0; first < 2; ++first) {
      const Node *order = selector->inputs[first], *ties = selector->inputs[1 - first];
      if (order->kind != NodeKind::Select || ties->kind != NodeKind::SelectorAnd)
        continue;
      const Node *v = order->inputs[0];
      if (!strict(order, v))
        continue;
      for (int side = 0; side < 2; ++side) {
        const Node *equal = ties->inputs[side], *index = ties->inputs[1 - side];
        if (equal->kind == NodeKind::Select && equal->cmp == graph::CompareKind::Eq &&
            equal->inputs[0] == v && equal->inputs[1] == v && byIndex(index))
          return true;
      }
    }
    return false;
  }

  /// How often one value repeats, at most, among the positions 0..maxLen-1
  /// of a map of the indices alone (maxLen when `node` is not one).
  int64_t repeats(const Node *node) {
    std::optional<std::vector<int64_t>> byIndex = valuesByIndex(node, maxLen);
    if (!byIndex)
      return maxLen;
    std::unordered_map<int64_t, int64_t> count;
    int64_t most = 0;
    for (int64_t v : *byIndex)
      most = std::max(most, ++count[v]);
    return std::max<int64_t>(most, 1);
  }

  /// Whether every select of `selector` has a query side that is the same
  /// at every position (then every query selects the same keys).
  bool uniformQueries(const Node *selector) {
    if (selector->kind == NodeKind::Select)
      return same(selector->inputs[1]);
    return std::all_of(selector->inputs.begin(), selector->inputs.end(),
                       [&](const Node *input) { return uniformQueries(input); });
  }

  std::optional<Spread> spreadNow(const Node *node) {
    double last = static_cast<double>(std::max<int64_t>(maxLen - 1, 0));
    if (node->kind == NodeKind::Indices)
      return Spread{1, last, last};
    // The rank of each position under a strict total order of the
    // positions (the library's sort's target): a permutation of 0..n-1.
    if (node->kind == NodeKind::SelectorWidth && strictTotalOrder(node->inputs[0]))
      return Spread{1, last, last};
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
    // An operand whose values are all integers: its largest magnitude.
    auto integers = [&](size_t i) -> std::optional<double> {
      const graph::Operand &operand = node->operands[i];
      if (operand.input < 0 || !integral || !(*integral)(node->inputs[operand.input]))
        return std::nullopt;
      return (*magnitude)(node->inputs[operand.input]);
    };
    switch (node->atomOp) {
    case AtomOpKind::Add:
    case AtomOpKind::Sub:
      if ((inner = spreadAt(0)) && (other = uniform(1))) {
      } else if ((inner = spreadAt(1)) && (other = uniform(0))) {
      } else if (((inner = spreadAt(0)) && inner->extent < 1 && (other = integers(1))) ||
                 ((inner = spreadAt(1)) && inner->extent < 1 && (other = integers(0)))) {
        // An integer plus values less than 1 apart (tokens + indices / 64):
        // different integers stay at least 1 - extent apart, equal ones
        // keep the spread's spacing.
        inner->spacing = std::min(inner->spacing, 1 - inner->extent);
        inner->extent = INFINITY;
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
      inner->extent *= *other;
      inner->spacing = inner->spacing * *other - rounding * inner->magnitude;
      break;
    case AtomOpKind::Div:
      if (!(inner = spreadAt(0)) || !(other = nonzeroConstant(1)))
        return std::nullopt;
      inner->magnitude /= *other;
      inner->extent /= *other;
      inner->spacing = inner->spacing / *other - rounding * inner->magnitude;
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
  const Integral *integral;
  std::unordered_map<const Node *, bool> sameOf;
  std::unordered_map<const Node *, std::optional<Spread>> spreadOfNode;
};

} // namespace

bool codegen::sameAtEveryPosition(const Node *node) { return Facts(0, nullptr).same(node); }

bool codegen::differsAtEveryPosition(const Node *node, int64_t maxLen, const Magnitude &magnitude,
                                     const Integral &integral) {
  return Facts(maxLen, &magnitude, integral ? &integral : nullptr).spread(node).has_value();
}

bool codegen::selectsAtMostOne(const Node *selector, int64_t maxLen, const Magnitude &magnitude) {
  return Facts(maxLen, &magnitude).mostKeys(selector) <= 1;
}

int64_t codegen::mostKeysSelected(const Node *selector, int64_t maxLen, const Magnitude &magnitude,
                                  const Integral &integral) {
  return Facts(maxLen, &magnitude, integral ? &integral : nullptr).mostKeys(selector);
}

bool codegen::selectsEveryKey(const Node *selector) { return Facts(0, nullptr).everyKey(selector); }

namespace {

/// The constant of `node` when it is one (a Constant node), else null.
const Atom *constantOf(const Node *node) {
  return node->kind == NodeKind::Constant ? &node->constant : nullptr;
}

/// v when `f` is not has_focus(select(v, v, >)) (or <), the library's
/// has_focus(sel) = aggregate(sel, 1, 0) > 0: true exactly at the positions
/// where no key's v is larger (smaller), those holding the largest
/// (smallest) v of the input.
const Node *extremeOf(const Node *f) {
  auto operandNode = [](const Node *map, size_t i) -> const Node * {
    const graph::Operand &o = map->operands[i];
    return o.input < 0 ? nullptr : map->inputs[o.input];
  };
  if (f->kind != NodeKind::Map || f->mapOp != graph::MapOpKind::Not || f->operands.size() != 1)
    return nullptr;
  const Node *gt = operandNode(f, 0);
  if (!gt || gt->kind != NodeKind::Map || gt->mapOp != graph::MapOpKind::Atom ||
      gt->atomOp != AtomOpKind::Gt || gt->operands.size() != 2)
    return nullptr;
  const Node *focus = operandNode(gt, 0);
  const graph::Operand &zero = gt->operands[1];
  const Atom *z = zero.input < 0 ? &zero.constant : constantOf(gt->inputs[zero.input]);
  if (!focus || !z || !z->isNumber() || z->number() != 0 || focus->kind != NodeKind::Aggregate)
    return nullptr;
  // aggregate(select(v, v, >), 1, 0): positive exactly where a key is selected.
  const Atom *one = constantOf(focus->inputs[1]);
  if (!one || !one->isNumber() || one->number() <= 0 || !focus->constant.isNumber() ||
      focus->constant.number() != 0)
    return nullptr;
  const Node *sel = focus->inputs[0];
  if (sel->kind != NodeKind::Select || sel->inputs[0] != sel->inputs[1] ||
      (sel->cmp != graph::CompareKind::Gt && sel->cmp != graph::CompareKind::Lt))
    return nullptr;
  return sel->inputs[0];
}

} // namespace

bool codegen::selectsOneValue(const Node *selector, const Node *value) {
  if (sameAtEveryPosition(value))
    return true;
  // select(extreme, True, ==): the keys holding the largest (smallest) value.
  if (selector->kind != NodeKind::Select || selector->cmp != graph::CompareKind::Eq)
    return false;
  const Atom *query = constantOf(selector->inputs[1]);
  return query && query->isBool() && query->truthy() && extremeOf(selector->inputs[0]) == value;
}
