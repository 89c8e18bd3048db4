// The plan's linear forms and splits: numerical s-ops read as linear forms
// of the residual (sums, differences, constant multiples), the inputs of a
// lookup when its linear parts count as one input each, and the splitting
// of maps with several numerical inputs.
#include "compiler/codegen/constructions/MapProgram.h"
#include "compiler/codegen/plan/LookupPlanner.h"

#include <algorithm>
#include <cassert>
#include <cmath>

using namespace rasp;
using namespace rasp::codegen;

/// Whether `x` is a sum, difference, negation or constant multiple of its
/// inputs: a numerical input there keeps the whole a linear form.
static bool linearOp(const Node *x) {
  if (x->kind != NodeKind::Map)
    return false;
  if (x->mapOp == graph::MapOpKind::Neg || x->mapOp == graph::MapOpKind::Plus)
    return true;
  if (x->mapOp != graph::MapOpKind::Atom)
    return false;
  switch (x->atomOp) {
  case AtomOpKind::Add:
  case AtomOpKind::Sub:
    return true;
  case AtomOpKind::Mul:
  case AtomOpKind::Div:
    return std::any_of(x->operands.begin(), x->operands.end(), [&](const graph::Operand &o) {
      return o.input < 0 || x->inputs[o.input]->kind == NodeKind::Constant;
    });
  default:
    return false;
  }
}

std::optional<LinearRead> LookupPlanner::linearWithNumericParts(const Node *x) {
  // An output shown as the number read is not discretised: neither it
  // nor its parts need values far apart.
  bool shown = shownAsNumber(x);
  if (!linearOp(x) || (!shown && !wellSeparated(x)))
    return std::nullopt;
  // The parts below x's sums, differences and constant multiples that are
  // not linear forms: each made numerical by the MLP after its inputs (a
  // number, not a one-hot of x's values).
  std::vector<const Node *> parts;
  std::vector<const Node *> stack = {x};
  std::unordered_set<const Node *> seen;
  while (!stack.empty()) {
    const Node *y = stack.back();
    stack.pop_back();
    if (!seen.insert(y).second || y->kind == NodeKind::Constant || linearForm(y))
      continue;
    if (linearOp(y)) {
      for (const Node *input : y->inputs)
        stack.push_back(input);
      continue;
    }
    if (y->kind != NodeKind::Map || !cx.sets.has(y) || (!shown && !wellSeparated(y)) ||
        std::any_of(cx.sets.at(y).begin(), cx.sets.at(y).end(),
                    [](const Atom &v) { return v.isBool(); }))
      return std::nullopt;
    parts.push_back(y);
  }
  for (const Node *y : parts) {
    ResidualLayout::Because because(layout, "a number inside the sum or difference '" + x->name +
                                                "', which is read out linearly");
    makeBlock(y, EncodingKind::Numerical);
  }
  return linearForm(x);
}

bool LookupPlanner::shownAsNumber(const Node *x) const {
  if (!cx.sets.has(x))
    return cx.sets.unknown.at(x).tooLarge;
  const std::vector<Atom> &values = cx.sets.at(x);
  return allNumbers(values) &&
         std::none_of(values.begin(), values.end(), [](const Atom &v) { return v.isBool(); }) &&
         !wellSeparated(x);
}

bool LookupPlanner::wellSeparated(const Node *x) const {
  std::vector<double> levels;
  try {
    for (const Atom &v : cx.sets.at(x)) {
      if (!v.isNumber())
        return false;
      levels.push_back(v.number());
    }
  } catch (const ValueSetError &) {
    return false;
  }
  std::sort(levels.begin(), levels.end());
  double most =
      levels.empty() ? 1 : std::max({1.0, std::fabs(levels.front()), std::fabs(levels.back())});
  for (size_t i = 1; i < levels.size(); ++i)
    if (levels[i] - levels[i - 1] < 1e-6 * most)
      return false;
  return true;
}

void LookupPlanner::splitParts(const Node *y, bool top, const Node *linearRoot,
                               std::vector<Part> &out) {
  if (!top) {
    if (layout.best(y, false) >= 0 || y->kind != NodeKind::Map)
      return;
    std::vector<int> sources = cx.sourcesOf(y);
    int numerics = cx.numericCount(sources);
    std::vector<LookupInput> inputs = linearInputs(y);
    if (numerics <= 1 || (!inputs.empty() && numericInputs(inputs) <= 1) ||
        prefixCounts.countLookup(y, false)) {
      if (numerics == 0)
        return; // Making it would not take a numerical input away.
      // A number inside a linear form stays a number (the form reads it),
      // when the form's values are far enough apart to tell apart; anything
      // else is made categorical.
      bool numerical = linearRoot && allNumbers(cx.valuesOf(y)) && wellSeparated(linearRoot);
      out.push_back({y, numerical ? EncodingKind::Numerical : EncodingKind::Categorical,
                     layout.latest(sources)});
      return;
    }
  }
  if (!linearOp(y))
    linearRoot = nullptr;
  else if (!linearRoot)
    linearRoot = y;
  for (const Node *input : y->inputs)
    splitParts(input, false, linearRoot, out);
}

void LookupPlanner::split(const Node *x) {
  std::vector<Part> parts;
  splitParts(x, true, nullptr, parts);
  // The parts whose inputs are ready first are made first, until what is
  // left of x reads at most one numerical input.
  std::stable_sort(parts.begin(), parts.end(),
                   [](const Part &a, const Part &b) { return a.time < b.time; });
  for (const Part &part : parts) {
    std::vector<LookupInput> inputs = linearInputs(x);
    if (!inputs.empty() && numericInputs(inputs) <= 1)
      return;
    ResidualLayout::Because because(
        layout,
        part.encoding == EncodingKind::Numerical
            ? "a number inside a sum or difference in '" + x->name + "', which stays a linear form"
            : "made apart from '" + x->name +
                  "', which reads several numbers (a lookup reads one)");
    makeBlock(part.node, part.encoding);
  }
}

LookupInput LookupPlanner::blockInput(int f) const {
  const Block &feat = layout.block(f);
  LookupInput in;
  // (Too many values to list: a count lookup reads it by its values' range;
  // a lookup of its levels is refused with the set's error, in
  // lookupBlock.)
  in.valuesUnknown = feat.valuesUnknown;
  in.node = layout.node(f);
  in.block = f;
  in.numeric = feat.encoding == EncodingKind::Numerical;
  if (in.numeric)
    in.form = layout.numericReading(f);
  in.values = feat.values;
  in.levels = feat.levels;
  in.relativeNoise = feat.relativeNoise;
  in.representative = feat.representative;
  in.time = feat.time;
  in.name = layout.name(f);
  return in;
}

std::optional<LinearRead> LookupPlanner::linearForm(const Node *x) {
  int f = layout.best(x, false);
  if (f < 0 && (x->kind == NodeKind::Tokens || x->kind == NodeKind::Indices))
    f = cx.embedding(x);
  if (f >= 0 && layout.block(f).encoding == EncodingKind::Numerical)
    return layout.block(f).levelsAreValues
               ? std::optional<LinearRead>({layout.numericReading(f), layout.block(f).time})
               : affineInLevels(x, f);
  std::vector<int> sources = f >= 0 ? std::vector<int>{f} : cx.sourcesOf(x);
  if (sources.size() == 1 && layout.block(sources[0]).encoding == EncodingKind::Numerical &&
      !layout.block(sources[0]).levelsAreValues)
    return affineInLevels(x, sources[0]);
  if (sources.size() == 1 && layout.block(sources[0]).encoding == EncodingKind::Categorical) {
    int s = sources[0];
    MapProgram program(x, {layout.node(s)});
    LinearRead read{{}, layout.block(s).time};
    for (int i = 0; i < layout.block(s).width(); ++i) {
      std::optional<Atom> v = program.run({&layout.block(s).values[i]});
      if (v && !v->isNumber())
        return std::nullopt;
      if (v)
        addScaled(read.form, layout.reading(s, i), v->number());
    }
    return read;
  }
  if (x->kind == NodeKind::Constant)
    return x->constant.isNumber()
               ? std::optional<LinearRead>({{{layout.oneDim(), x->constant.number()},
                                             {layout.bosDim(), -x->constant.number()}},
                                            0})
               : std::nullopt;
  if (x->kind != NodeKind::Map)
    return std::nullopt;
  std::vector<std::optional<LinearRead>> parts;
  std::vector<std::optional<double>> constants;
  for (const graph::Operand &operand : x->operands) {
    if (operand.input < 0) {
      constants.push_back(operand.constant.isNumber()
                              ? std::optional<double>(operand.constant.number())
                              : std::nullopt);
      parts.push_back(std::nullopt);
      continue;
    }
    const Node *input = x->inputs[operand.input];
    constants.push_back(input->kind == NodeKind::Constant && input->constant.isNumber()
                            ? std::optional<double>(input->constant.number())
                            : std::nullopt);
    parts.push_back(constants.back() ? std::nullopt : linearForm(input));
  }
  auto scaled = [&](const LinearRead &read, double k) {
    LinearRead out{{}, read.time};
    addScaled(out.form, read.form, k);
    return std::optional<LinearRead>(out);
  };
  if (x->mapOp == graph::MapOpKind::Neg && parts.size() == 1 && parts[0])
    return scaled(*parts[0], -1);
  if (x->mapOp == graph::MapOpKind::Plus && parts.size() == 1 && parts[0])
    return scaled(*parts[0], 1);
  if (x->mapOp != graph::MapOpKind::Atom || parts.size() != 2)
    return std::nullopt;
  auto term = [&](size_t i) -> std::optional<LinearRead> {
    if (parts[i])
      return parts[i];
    if (constants[i])
      return LinearRead{{{layout.oneDim(), *constants[i]}, {layout.bosDim(), -*constants[i]}}, 0};
    return std::nullopt;
  };
  switch (x->atomOp) {
  case AtomOpKind::Add:
  case AtomOpKind::Sub: {
    auto a = term(0), b = term(1);
    if (!a || !b)
      return std::nullopt;
    LinearRead out{a->form, std::max(a->time, b->time)};
    addScaled(out.form, b->form, x->atomOp == AtomOpKind::Add ? 1.0 : -1.0);
    return out;
  }
  case AtomOpKind::Mul:
    if (parts[0] && constants[1])
      return scaled(*parts[0], *constants[1]);
    if (parts[1] && constants[0])
      return scaled(*parts[1], *constants[0]);
    return std::nullopt;
  case AtomOpKind::Div:
    if (parts[0] && constants[1] && *constants[1] != 0)
      return scaled(*parts[0], 1.0 / *constants[1]);
    return std::nullopt;
  default:
    return std::nullopt;
  }
}

std::optional<LinearRead> LookupPlanner::affineInLevels(const Node *x, int f) {
  const Block &b = layout.block(f);
  const Node *source = layout.node(f);
  std::vector<double> ys;
  for (const Atom &v : b.values) {
    std::optional<Atom> y = source == x ? std::optional<Atom>(v) : cx.evaluate(x, {{source, v}});
    if (!y || !y->isNumber() || !std::isfinite(y->number()))
      return std::nullopt;
    ys.push_back(y->number());
  }
  if (ys.size() < 2 || b.levels.front() == b.levels.back())
    return std::nullopt;
  double slope = (ys.back() - ys.front()) / (b.levels.back() - b.levels.front());
  double offset = ys.front() - slope * b.levels.front();
  for (size_t i = 0; i < ys.size(); ++i) {
    double fit = slope * b.levels[i] + offset;
    if (std::fabs(fit - ys[i]) > 1e-9 * std::max(1.0, std::fabs(ys[i])))
      return std::nullopt;
  }
  LinearRead read{{}, b.time};
  addScaled(read.form, layout.numericReading(f), slope);
  addScaled(read.form, {{layout.oneDim(), offset}, {layout.bosDim(), -offset}}, 1.0);
  return read;
}

std::vector<LookupInput> LookupPlanner::linearInputs(const Node *x) {
  std::vector<LookupInput> inputs;
  std::unordered_set<const Node *> seen;
  std::vector<const Node *> stack = {x};
  while (!stack.empty()) {
    const Node *y = stack.back();
    stack.pop_back();
    if (!seen.insert(y).second || y->kind == NodeKind::Constant)
      continue;
    int f = layout.best(y, false);
    if (f < 0 && (y->kind == NodeKind::Tokens || y->kind == NodeKind::Indices))
      f = cx.embedding(y);
    if (f >= 0) {
      if (std::none_of(inputs.begin(), inputs.end(),
                       [&](const LookupInput &in) { return in.block == f; }))
        inputs.push_back(blockInput(f));
      continue;
    }
    // (A linear part whose values cannot be listed is read through its
    // parts: a difference of two prefix means at 256 combines 20,000
    // values of each, and a count lookup may read it as a sign form.)
    if (cx.numericCount(cx.sourcesOf(y)) > 0 && cx.sets.has(y)) {
      if (std::optional<LinearRead> read = linearForm(y)) {
        // y = z + c, z * c, -z...: the input is z (so that `t if t < 10
        // else t - 10` reads t once).
        const Node *variable = nullptr;
        int variables = 0;
        for (const graph::Operand &operand : y->operands)
          if (operand.input >= 0 && y->inputs[operand.input]->kind != NodeKind::Constant) {
            variable = y->inputs[operand.input];
            ++variables;
          }
        if (linearOp(y) && variables == 1) {
          stack.push_back(variable);
          continue;
        }
        LookupInput in;
        in.node = y;
        in.numeric = true;
        in.form = read->form;
        in.time = read->time;
        in.values = cx.valuesOf(y);
        if (!allNumbers(in.values))
          return {};
        for (const Atom &v : in.values)
          in.levels.push_back(v.number());
        in.name = "'" + y->name + "' (linear)";
        inputs.push_back(std::move(in));
        continue;
      }
    }
    for (const Node *input : y->inputs)
      stack.push_back(input);
  }
  return inputs;
}

int LookupPlanner::numericInputs(const std::vector<LookupInput> &inputs) {
  return static_cast<int>(std::count_if(inputs.begin(), inputs.end(),
                                        [](const LookupInput &in) { return in.numeric; }));
}

int LookupPlanner::latestTime(const std::vector<LookupInput> &inputs) {
  int t = 0;
  for (const LookupInput &in : inputs)
    t = std::max(t, in.time);
  return t;
}
