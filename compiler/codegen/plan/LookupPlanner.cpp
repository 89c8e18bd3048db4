// MLP lookups (LookupPlanner.h): blocks made by a lookup of their inputs,
// after the input choice of LinearForms.cpp or the prefix counts of
// CountPlanner.h.
#include "compiler/codegen/plan/LookupPlanner.h"
#include "compiler/codegen/constructions/Constructions.h"
#include "compiler/codegen/constructions/MapProgram.h"
#include "compiler/eval/Evaluate.h"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <numeric>

using namespace rasp;
using namespace rasp::codegen;

int LookupPlanner::makeBlock(const Node *x, EncodingKind encoding,
                             const std::vector<std::vector<Atom>> *classes) {
  if (int f = layout.find(x, encoding); f >= 0 && !classes)
    return f;
  // The strategies, in order; each either makes x's block or leaves the
  // inputs of x's own lookup. Count lookups make x itself, never a block of
  // its classes.
  bool counts = !classes;
  std::vector<LookupInput> inputs = blockInputs(cx.sourcesOf(x));
  // 1. Prefix counts read through one combination: the lookup steps between
  // the levels each index can hold (k / (i + 1)), not between every mean's,
  // which lie far closer.
  if (counts && numericInputs(inputs) >= 1) {
    if (int f = oneCountLookup(x, encoding); f >= 0)
      return f;
    if (int f = unlistedCountLookup(x, encoding, inputs); f >= 0)
      return f;
  }
  // 2-5. Several numbers read as one.
  if (numericInputs(inputs) > 1)
    if (int f = readOneNumber(x, encoding, counts, inputs); f >= 0)
      return f;
  // 2b. One number: read x's largest linear parts instead of its blocks
  // when they make a smaller table (length - indices: one number with N
  // values, not N indices times N lengths).
  if (numericInputs(inputs) == 1) {
    std::vector<LookupInput> linear = linearInputs(x);
    if (!linear.empty() && numericInputs(linear) == 1 && entries(linear) < entries(inputs))
      inputs = std::move(linear);
  }
  // 6. A table too large: the parts that read the number are made first,
  // and x reads their blocks.
  if (tooManyEntries(inputs) && splitNumeric(x))
    inputs = blockInputs(cx.sourcesOf(x, true));
  if (int f = layout.find(x, encoding); f >= 0 && !classes)
    return f; // (splitting made it)
  if (counts)
    if (int f = unlistedCountLookup(x, encoding, inputs); f >= 0)
      return f; // (what is left after splitting)
  return lookupBlock(x, encoding, classes, inputs);
}

int LookupPlanner::unlistedCountLookup(const Node *x, EncodingKind encoding,
                                       const std::vector<LookupInput> &inputs) {
  // A mean whose levels are too many to list is read by no other lookup:
  // as a sign form (went_negative > 0), or packed with other counts.
  if (std::none_of(inputs.begin(), inputs.end(),
                   [](const LookupInput &in) { return in.valuesUnknown; }))
    return -1;
  if (std::optional<CountLookup> lookup = prefixCounts.countLookup(x, true, true))
    return prefixCounts.makeBlock(x, encoding, *lookup);
  return -1;
}

int LookupPlanner::readOneNumber(const Node *x, EncodingKind encoding, bool counts,
                                 std::vector<LookupInput> &inputs) {
  // 2. Its largest linear parts over numerical blocks as one number each.
  std::vector<LookupInput> blocks = std::move(inputs);
  inputs = linearInputs(x);
  if (!inputs.empty() && numericInputs(inputs) <= 1)
    return -1;
  // 3. Prefix counts packed as combinations, or else as the means they read.
  if (counts)
    if (std::optional<CountLookup> packed = prefixCounts.countLookup(x, true)) {
      if (int f = prefixCounts.makeBlock(x, encoding, *packed); f >= 0)
        return f;
      if (std::optional<CountLookup> means = CountPlanner::overMeans(*packed))
        if (int f = prefixCounts.makeBlock(x, encoding, *means); f >= 0)
          return f;
    }
  // 3b. The numbers packed into one linear form, when their joint values
  // are few and stay apart in float32: no layer more.
  for (const std::vector<LookupInput> *candidate : {&inputs, &blocks})
    if (!candidate->empty())
      if (std::optional<std::vector<LookupInput>> packed = packNumbers(*candidate)) {
        inputs = std::move(*packed);
        return -1;
      }
  // 4. Split at its largest parts with one number (one layer more); x may
  // then read one combination of counts and the parts made, or the parts'
  // blocks with one number, or a linear form over them.
  split(x);
  if (counts)
    if (int f = oneCountLookup(x, encoding); f >= 0)
      return f;
  std::vector<int> sources = cx.sourcesOf(x, true);
  if (cx.numericCount(sources) > 1) {
    inputs = linearInputs(x);
    if (!inputs.empty() && numericInputs(inputs) <= 1)
      return -1;
    // 5. All numbers but one made categorical (sourcesOf then prefers the
    // categorical blocks just made).
    keepOneNumber(sources);
    sources = cx.sourcesOf(x, true);
  }
  inputs = blockInputs(sources);
  return -1;
}

int LookupPlanner::oneCountLookup(const Node *x, EncodingKind encoding) {
  if (std::optional<CountLookup> lookup = prefixCounts.countLookup(x, false))
    return prefixCounts.makeBlock(x, encoding, *lookup);
  return -1;
}

void LookupPlanner::keepOneNumber(const std::vector<int> &sources) {
  // The one made last (on a tie, the one with the most values) stays
  // numerical.
  int kept = -1;
  for (int s : sources) {
    const Block &b = layout.block(s);
    if (b.encoding != EncodingKind::Numerical)
      continue;
    if (kept < 0 || b.time > layout.block(kept).time ||
        (b.time == layout.block(kept).time && b.values.size() > layout.block(kept).values.size()))
      kept = s;
  }
  for (int s : sources)
    if (s != kept && layout.block(s).encoding == EncodingKind::Numerical)
      makeBlock(layout.node(s), EncodingKind::Categorical);
}

std::vector<LookupInput> LookupPlanner::blockInputs(const std::vector<int> &blocks) const {
  std::vector<LookupInput> inputs;
  for (int f : blocks)
    inputs.push_back(blockInput(f));
  return inputs;
}

int LookupPlanner::lookupBlock(const Node *x, EncodingKind encoding,
                               const std::vector<std::vector<Atom>> *classes,
                               const std::vector<LookupInput> &inputs) {
  for (const LookupInput &in : inputs)
    if (in.valuesUnknown)
      cx.valuesOf(in.node); // Throws the set's error: a lookup needs its values.
  // A block of classes holds one value of each (the others compare alike).
  std::unordered_map<Atom, int, AtomHash, AtomEq> classOf;
  std::vector<Atom> held;
  if (classes) {
    for (const std::vector<Atom> &members : *classes) {
      for (const Atom &v : members)
        classOf.emplace(v, static_cast<int>(held.size()));
      held.push_back(members[0]);
    }
  } else {
    held = cx.valuesOf(x);
  }
  Block out = cx.blockOf(x, encoding, std::move(held));
  if (classes)
    out.label += " (classes)";
  int latestInput = latestTime(inputs);
  int f = layout.addMadeByMlp(classes ? nullptr : x, std::move(out), latestInput);
  if (classes) {
    // Read only by the selects' sides: never found as x's own block.
    layout.setClassesOf(f, x);
  }

  LookupSpec spec = cx.lookupSpec();
  BoundInputs bound = bindInputs(inputs, spec);
  const std::vector<const LookupInput *> &categorical = bound.categorical;
  const LookupInput *numeric = bound.numeric;
  spec.outputInRuns = numeric && numeric->parts.empty() && outputInRunsOf(x, *numeric);
  MapProgram program(x, bound.nodes);
  std::vector<const Atom *> values(bound.nodes.size());
  spec.output = [&](const std::vector<int> &combo, int n) {
    for (size_t i = 0; i < categorical.size(); ++i)
      values[i] = &categorical[i]->values[combo[i]];
    if (numeric && numeric->parts.empty())
      values.back() = &numeric->values[n];
    else if (numeric)
      for (size_t q = 0; q < numeric->parts.size(); ++q)
        values[categorical.size() + q] = &numeric->joint[n][q];
    std::optional<Atom> v = program.run(values);
    if (!classes || !v)
      return layout.encode(f, v);
    // (A value outside the set comes only from combinations no input
    // realises, as with encode: no output there.)
    auto it = classOf.find(*v);
    if (it == classOf.end())
      return LinearForm{};
    return LinearForm{{layout.block(f).firstDim + it->second, 1.0}};
  };
  std::string names, sizes;
  for (const LookupInput &in : inputs) {
    names += (names.empty() ? "" : ", ") + in.name;
    sizes += (sizes.empty() ? "" : ", ") + in.name;
    if (in.numeric)
      sizes += " with " + std::to_string(in.levels.size()) + " levels";
  }
  cx.addMlp(f, "'" + x->name + "'", "from " + (names.empty() ? "constants" : names),
            cx.lookupUnits(x, spec, sizes));
  return f;
}

bool LookupPlanner::outputInRunsOf(const Node *x, const LookupInput &number) const {
  // The number's values must rise, or fall, with its levels.
  std::vector<size_t> order(number.levels.size());
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(),
            [&](size_t a, size_t b) { return number.levels[a] < number.levels[b]; });
  if (!allNumbers(number.values))
    return false;
  bool rises = true, falls = true;
  for (size_t i = 1; i < order.size(); ++i) {
    double before = number.values[order[i - 1]].number(), after = number.values[order[i]].number();
    rises = rises && before <= after;
    falls = falls && before >= after;
  }
  if (!rises && !falls)
    return false;
  // not / indicator of an order comparison of the number itself with
  // what does not read it.
  while (x->kind == NodeKind::Map &&
         (x->mapOp == graph::MapOpKind::Not || x->mapOp == graph::MapOpKind::Indicator))
    x = x->inputs[0];
  if (x->kind != NodeKind::Map || x->mapOp != graph::MapOpKind::Atom || x->operands.size() != 2)
    return false;
  if (x->atomOp != AtomOpKind::Lt && x->atomOp != AtomOpKind::Gt && x->atomOp != AtomOpKind::Le &&
      x->atomOp != AtomOpKind::Ge)
    return false;
  int reads = 0;
  for (const graph::Operand &operand : x->operands) {
    if (operand.input < 0)
      continue;
    const Node *input = x->inputs[operand.input];
    if (input == number.node) {
      ++reads;
      continue;
    }
    for (const Node *below : graph::topologicalOrder(input))
      if (below == number.node)
        return false;
  }
  return reads == 1;
}

LookupPlanner::BoundInputs LookupPlanner::bindInputs(const std::vector<LookupInput> &inputs,
                                                     LookupSpec &spec) const {
  BoundInputs bound;
  for (const LookupInput &in : inputs) {
    if (in.numeric) {
      bound.numeric = &in;
      spec.numeric = NumericInput{in.form, in.levels,
                                  in.relativeNoise > 0 ? std::max(in.noise, cx.leakOf(in.levels))
                                                       : std::max(in.noise, cx.noiseOf(in.levels)),
                                  in.relativeNoise};
      continue;
    }
    bound.categorical.push_back(&in);
    spec.categorical.push_back(layout.dims(in.block));
  }
  for (const LookupInput *in : bound.categorical)
    bound.nodes.push_back(in->node);
  if (bound.numeric && bound.numeric->parts.empty())
    bound.nodes.push_back(bound.numeric->node);
  else if (bound.numeric)
    bound.nodes.insert(bound.nodes.end(), bound.numeric->parts.begin(), bound.numeric->parts.end());
  return bound;
}

std::optional<std::vector<LookupInput>>
LookupPlanner::packNumbers(const std::vector<LookupInput> &inputs) const {
  std::vector<LookupInput> out;
  std::vector<const LookupInput *> numbers;
  for (const LookupInput &in : inputs) {
    if (!in.numeric) {
      out.push_back(in);
      continue;
    }
    // (A block's reading, as a linear part's form, is 0 at BOS.)
    if (!in.parts.empty() || in.levels.empty() || !in.node)
      return std::nullopt;
    numbers.push_back(&in);
  }
  // Only numbers written at the same time: otherwise splitting makes the
  // parts with the earlier ones in an earlier MLP, with no layer more and
  // smaller tables.
  if (numbers.size() < 2 || std::any_of(numbers.begin(), numbers.end(), [&](const LookupInput *in) {
        return in->time != numbers[0]->time;
      }))
    return std::nullopt;
  // Joint values: at most a few thousand, and a table of them the lookup
  // can hold.
  double joint = 1;
  for (const LookupInput *in : numbers)
    joint *= static_cast<double>(in->levels.size());
  if (joint > 4096 || entries(inputs) > 50.0 * static_cast<double>(cx.options.maxUnits))
    return std::nullopt;
  LookupInput packed;
  packed.numeric = true;
  packed.levels = {0.0};
  packed.joint = {{}};
  double gap = INFINITY, lo = 0, hi = 0;
  for (const LookupInput *in : numbers) {
    std::vector<double> sorted = in->levels;
    std::sort(sorted.begin(), sorted.end());
    double own = INFINITY;
    for (size_t i = 1; i < sorted.size(); ++i)
      own = std::min(own, sorted[i] - sorted[i - 1]);
    // The first number's gap; each next one's levels are spread so that
    // one step of it passes the whole range packed so far, plus the gap.
    double weight = 1;
    if (packed.parts.empty())
      gap = std::isfinite(own) ? own : 1.0;
    else if (std::isfinite(own))
      weight = (hi - lo + gap) / own;
    if (!(own > 0) && sorted.size() > 1)
      return std::nullopt;
    addScaled(packed.form, in->form, weight);
    packed.noise += weight * cx.noiseOf(in->levels);
    std::vector<double> levels;
    std::vector<std::vector<Atom>> values;
    for (size_t p = 0; p < packed.levels.size(); ++p)
      for (size_t l = 0; l < in->levels.size(); ++l) {
        levels.push_back(packed.levels[p] + weight * in->levels[l]);
        values.push_back(packed.joint[p]);
        values.back().push_back(in->values[l]);
      }
    packed.levels = std::move(levels);
    packed.joint = std::move(values);
    lo += weight * sorted.front();
    hi += weight * sorted.back();
    packed.parts.push_back(in->node);
    packed.time = std::max(packed.time, in->time);
    packed.name += (packed.name.empty() ? "" : " + ") + in->name;
  }
  double slope = 2 / gap, most = std::max(std::fabs(lo), std::fabs(hi)) + 1;
  if (!stepFitsFloat32(slope, packed.noise, 2 * slope * most))
    return std::nullopt;
  packed.name = "packed(" + packed.name + ")";
  // (values: the level's index stands for the joint value.)
  for (size_t l = 0; l < packed.levels.size(); ++l)
    packed.values.push_back(Atom::integer(static_cast<int64_t>(l)));
  out.push_back(std::move(packed));
  return out;
}

double LookupPlanner::entries(const std::vector<LookupInput> &inputs) {
  double entries = 1;
  for (const LookupInput &in : inputs)
    entries *= static_cast<double>(in.numeric ? in.levels.size() : in.values.size());
  return entries;
}

bool LookupPlanner::tooManyEntries(const std::vector<LookupInput> &inputs) const {
  return entries(inputs) > 50.0 * static_cast<double>(cx.options.maxUnits);
}

bool LookupPlanner::splitNumeric(const Node *x) {
  // The largest maps below x that read a numerical block and take few
  // values (a comparison, say): made categorical, they take the number
  // out of x's own lookup.
  std::vector<const Node *> parts;
  std::unordered_set<const Node *> seen;
  std::vector<const Node *> stack(x->inputs.begin(), x->inputs.end());
  while (!stack.empty()) {
    const Node *y = stack.back();
    stack.pop_back();
    if (!seen.insert(y).second || y->kind != NodeKind::Map || layout.best(y, false) >= 0)
      continue;
    std::vector<int> sources = cx.sourcesOf(y);
    int numerics = cx.numericCount(sources);
    if (numerics == 0)
      continue;
    if (numerics == 1 && cx.sets.has(y) && cx.sets.at(y).size() <= 64) {
      parts.push_back(y);
      continue;
    }
    for (const Node *input : y->inputs)
      stack.push_back(input);
  }
  for (const Node *part : parts)
    makeBlock(part, EncodingKind::Categorical);
  return !parts.empty();
}
