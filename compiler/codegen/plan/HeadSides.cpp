// The plan's select sides: the block a head reads for a select's key or
// query, made by an MLP when the side is a map of several blocks or a
// number; a block of the classes of values the selects tell apart when
// those are few (from the side's value set, or, for a linear side whose
// values are unknown, from the values its equalities can match).
#include "compiler/codegen/plan/HeadPlannerImpl.h"

#include <algorithm>
#include <cassert>
#include <cmath>

using namespace rasp;
using namespace rasp::codegen;

SideRead HeadPlanner::readSide(const Node *x) {
  if (auto it = sides.find(x); it != sides.end())
    return it->second;
  SideRead read;
  std::vector<int> sources = cx.sourcesOf(x, true);
  if (sources.empty()) {
    read.valueOf = {cx.evaluate(x, {})};
  } else {
    // One categorical block, or else a block made for this side (its
    // values are usually fewer than those of what it is computed from):
    // when the selects reading x tell apart at most half of its values, a
    // block of those classes.
    int f = sources[0];
    if (sources.size() > 1 || layout.block(f).encoding == EncodingKind::Numerical) {
      ResidualLayout::Because because(layout, "a side of a select: a select compares one-hots");
      std::vector<std::vector<Atom>> classes = sideClasses(x);
      if (!classes.empty() && classes.size() * 2 <= cx.valuesOf(x).size())
        f = lookups.makeBlock(x, EncodingKind::Categorical, &classes);
      else if (int sparse = targetClasses(x); sparse >= 0)
        f = sparse;
      else
        f = lookups.makeBlock(x, EncodingKind::Categorical);
    }
    read.block = f;
    const Node *source = layout.node(f);
    for (const Atom &v : layout.block(f).values)
      read.valueOf.push_back(cx.evaluate(x, {{source, v}}));
  }
  return sides[x] = read;
}

std::vector<LinearForm> HeadPlanner::readsOf(const SideRead &side) const {
  if (side.block < 0)
    return {{{layout.oneDim(), 1.0}, {layout.bosDim(), -1.0}}};
  std::vector<LinearForm> reads;
  for (int i = 0; i < layout.block(side.block).width(); ++i)
    reads.push_back(layout.reading(side.block, i));
  return reads;
}

std::vector<std::vector<Atom>> HeadPlanner::sideClasses(const Node *x) {
  auto uses = sideUses.find(x);
  if (uses == sideUses.end())
    return {};
  const std::vector<Atom> *mine = nullptr;
  std::vector<const std::vector<Atom> *> others;
  try {
    mine = &cx.sets.at(x);
    for (const auto &[select, keySide] : uses->second)
      others.push_back(&cx.sets.at(select->inputs[keySide ? 1 : 0]));
  } catch (const ValueSetError &) {
    return {};
  }
  // A comparison with n values tells apart at most n + 1 classes (between,
  // or equal to, consecutive ones); worth it only below half of x's values.
  double bound = 1;
  for (const std::vector<Atom> *other : others)
    bound *= static_cast<double>(other->size() + 1);
  if (bound * 2 > static_cast<double>(mine->size()))
    return {};
  std::map<std::string, size_t> classOf;
  std::vector<std::vector<Atom>> classes;
  for (const Atom &v : *mine) {
    std::string signature;
    for (size_t u = 0; u < others.size(); ++u) {
      const auto &[select, keySide] = uses->second[u];
      for (const Atom &o : *others[u]) {
        std::optional<bool> holds =
            keySide ? comparePair(select->cmp, v, o) : comparePair(select->cmp, o, v);
        signature.push_back(holds ? (*holds ? '1' : '0') : '2');
      }
      signature.push_back('|');
    }
    auto [it, added] = classOf.emplace(std::move(signature), classes.size());
    if (added)
      classes.emplace_back();
    classes[it->second].push_back(v);
  }
  return classes;
}

/// The leaves of a linear form (sums, differences, negations, constant
/// multiples) with their coefficients, and its constant; false when x is
/// not one.
static bool linearLeaves(const Node *x, double k, std::vector<std::pair<const Node *, double>> &out,
                         double &constant) {
  if (x->kind == NodeKind::Constant) {
    if (!x->constant.isNumber())
      return false;
    constant += k * x->constant.number();
    return true;
  }
  bool linear = x->kind == NodeKind::Map &&
                (x->mapOp == graph::MapOpKind::Neg || x->mapOp == graph::MapOpKind::Plus ||
                 (x->mapOp == graph::MapOpKind::Atom &&
                  (x->atomOp == AtomOpKind::Add || x->atomOp == AtomOpKind::Sub ||
                   x->atomOp == AtomOpKind::Mul)));
  if (!linear) {
    out.emplace_back(x, k);
    return true;
  }
  std::vector<std::optional<double>> constants;
  std::vector<const Node *> inputs;
  for (const graph::Operand &operand : x->operands) {
    const Node *input = operand.input < 0 ? nullptr : x->inputs[operand.input];
    if (!input || input->kind == NodeKind::Constant) {
      const Atom &c = input ? input->constant : operand.constant;
      if (!c.isNumber())
        return false;
      constants.push_back(c.number());
      inputs.push_back(nullptr);
    } else {
      constants.push_back(std::nullopt);
      inputs.push_back(input);
    }
  }
  if (x->mapOp != graph::MapOpKind::Atom) {
    double sign = x->mapOp == graph::MapOpKind::Neg ? -1 : 1;
    if (inputs.size() != 1)
      return false;
    if (!inputs[0]) {
      constant += k * sign * *constants[0];
      return true;
    }
    return linearLeaves(inputs[0], k * sign, out, constant);
  }
  if (inputs.size() != 2)
    return false;
  if (x->atomOp == AtomOpKind::Mul) {
    // One side must be a constant.
    for (int side = 0; side < 2; ++side)
      if (!inputs[side] && inputs[1 - side])
        return linearLeaves(inputs[1 - side], k * *constants[side], out, constant);
    return false;
  }
  double second = x->atomOp == AtomOpKind::Sub ? -1 : 1;
  for (int side = 0; side < 2; ++side) {
    double sign = side == 0 ? 1 : second;
    if (!inputs[side])
      constant += k * sign * *constants[side];
    else if (!linearLeaves(inputs[side], k * sign, out, constant))
      return false;
  }
  return true;
}

std::vector<double> HeadPlanner::equalityTargets(const Node *x) const {
  auto uses = sideUses.find(x);
  if (uses == sideUses.end())
    return {};
  std::vector<double> targets;
  for (const auto &[select, keySide] : uses->second) {
    if (select->cmp != graph::CompareKind::Eq && select->cmp != graph::CompareKind::Ne)
      return {};
    const Node *other = select->inputs[keySide ? 1 : 0];
    if (!cx.sets.has(other))
      return {};
    for (const Atom &v : cx.sets.at(other)) {
      if (!v.isNumber() || v.isBool())
        return {};
      targets.push_back(v.number());
    }
  }
  std::sort(targets.begin(), targets.end());
  targets.erase(std::unique(targets.begin(), targets.end()), targets.end());
  if (targets.size() > 4096)
    return {};
  return targets;
}

std::optional<HeadPlanner::IntegerShape> HeadPlanner::integerShape(const Node *x) const {
  // x = c + sum(k_i * leaf_i): integer leaves with integer coefficients, and
  // one leaf p with coefficient +-1 whose non-integer values stay at least
  // `gap` from every integer. Then x is an integer exactly when p is, and
  // otherwise at least `gap` from every integer: steps at gap / 2 around
  // each integer target tell the targets from the rest.
  IntegerShape shape;
  double constant = 0;
  if (!linearLeaves(x, 1.0, shape.leaves, constant) || constant != std::floor(constant))
    return std::nullopt;
  const Node *fractional = nullptr;
  shape.lo = constant;
  shape.hi = constant;
  for (const auto &[leaf, k] : shape.leaves) {
    if (!cx.sets.has(leaf))
      return std::nullopt;
    const std::vector<Atom> &values = cx.sets.at(leaf);
    if (values.empty() || !std::all_of(values.begin(), values.end(), [](const Atom &v) {
          return v.isNumber() && std::isfinite(v.number());
        }))
      return std::nullopt;
    double least = values.front().number(), most = values.back().number();
    shape.lo += std::min(k * least, k * most);
    shape.hi += std::max(k * least, k * most);
    bool integral = std::all_of(values.begin(), values.end(),
                                [](const Atom &v) { return v.number() == std::floor(v.number()); });
    if (integral && k == std::floor(k))
      continue;
    if (fractional || std::fabs(k) != 1)
      return std::nullopt;
    fractional = leaf;
    for (const Atom &v : values) {
      double distance = std::fabs(v.number() - std::round(v.number()));
      if (distance > 1e-9)
        shape.gap = std::min(shape.gap, distance);
    }
  }
  return shape;
}

int HeadPlanner::targetClasses(const Node *x) {
  // Only where x's own values are unknown: only equalities read it, and
  // their other sides' values are known integers (the targets).
  if (cx.sets.has(x))
    return -1;
  std::vector<double> targets = equalityTargets(x);
  if (targets.empty() ||
      std::any_of(targets.begin(), targets.end(), [](double t) { return t != std::floor(t); }))
    return -1;
  std::optional<IntegerShape> shape = integerShape(x);
  if (!shape)
    return -1;
  // The leaves that are not linear forms yet become numerical blocks.
  for (const auto &[leaf, k] : shape->leaves)
    if (!lookups.linearForm(leaf)) {
      ResidualLayout::Because because(layout, "a number inside the side '" + x->name +
                                                  "', which a select compares with integers "
                                                  "as one linear form");
      lookups.makeBlock(leaf, EncodingKind::Numerical);
    }
  std::optional<LinearRead> form = lookups.linearForm(x);
  if (!form)
    return -1;
  // Levels: each target in range and the nearest values x may hold beside
  // it, and the ends of the range.
  double lo = shape->lo, hi = shape->hi, gap = shape->gap;
  std::vector<double> levels = {lo, hi};
  std::vector<double> hit;
  for (double t : targets)
    if (t >= lo && t <= hi) {
      hit.push_back(t);
      levels.insert(levels.end(), {t - gap, t, t + gap});
    }
  std::sort(levels.begin(), levels.end());
  levels.erase(std::unique(levels.begin(), levels.end()), levels.end());
  Block out;
  out.label = x->name + " (classes)";
  out.why = "a side of a select, as the targets it is compared with";
  for (double t : hit)
    out.values.push_back(t == static_cast<double>(static_cast<int64_t>(t))
                             ? Atom::integer(static_cast<int64_t>(t))
                             : Atom::real(t));
  // The rest: a value no other side holds.
  out.values.push_back(Atom::real(targets.front() - 0.5));
  int f = layout.addMadeByMlp(nullptr, std::move(out), form->time);
  layout.setClassesOf(f, x);
  LookupSpec spec = cx.lookupSpec();
  spec.numeric = NumericInput{form->form, levels, cx.noiseOf(levels)};
  spec.output = [&](const std::vector<int> &, int n) {
    auto it = std::find(hit.begin(), hit.end(), levels[n]);
    int index = it == hit.end() ? static_cast<int>(hit.size()) : static_cast<int>(it - hit.begin());
    return LinearForm{{layout.block(f).firstDim + index, 1.0}};
  };
  cx.addMlp(f, "'" + layout.block(f).label + "'",
            "from '" + x->name + "' (linear; its values " + std::to_string(gap) +
                " or more from each integer but on it)",
            cx.lookupUnits(x, spec), &spec);
  return f;
}
