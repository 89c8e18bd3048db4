// MLP lookups (LookupPlanner.h): blocks made by a lookup of their inputs,
// after the input choice of LinearForms.cpp or the prefix counts of
// CountPlanner.h.
#include "compiler/codegen/plan/LookupPlanner.h"
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
  if (counts && numericInputs(inputs) >= 1)
    if (int f = oneCountLookup(x, encoding); f >= 0)
      return f;
  // 2-5. Several numbers read as one.
  if (numericInputs(inputs) > 1)
    if (int f = readOneNumber(x, encoding, counts, inputs); f >= 0)
      return f;
  // 6. A table too large: the parts that read the number are made first,
  // and x reads their blocks.
  if (tooManyEntries(inputs) && splitNumeric(x))
    inputs = blockInputs(cx.sourcesOf(x, true));
  if (int f = layout.find(x, encoding); f >= 0 && !classes)
    return f; // (splitting made it)
  return lookupBlock(x, encoding, classes, inputs);
}

int LookupPlanner::readOneNumber(const Node *x, EncodingKind encoding, bool counts,
                                 std::vector<LookupInput> &inputs) {
  // 2. Its largest linear parts over numerical blocks as one number each.
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
  spec.outputInRuns = numeric && outputInRunsOf(x, *numeric);
  MapProgram program(x, bound.nodes);
  std::vector<const Atom *> values(bound.nodes.size());
  spec.output = [&](const std::vector<int> &combo, int n) {
    for (size_t i = 0; i < categorical.size(); ++i)
      values[i] = &categorical[i]->values[combo[i]];
    if (numeric)
      values.back() = &numeric->values[n];
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
  std::string names;
  for (const LookupInput &in : inputs)
    names += (names.empty() ? "" : ", ") + in.name;
  cx.addMlp(f, "'" + x->name + "'", "from " + (names.empty() ? "constants" : names),
            cx.lookupUnits(x, spec));
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
      spec.numeric = NumericInput{in.form, in.levels, cx.noiseOf(in.levels)};
      continue;
    }
    bound.categorical.push_back(&in);
    spec.categorical.push_back(layout.dims(in.block));
  }
  for (const LookupInput *in : bound.categorical)
    bound.nodes.push_back(in->node);
  if (bound.numeric)
    bound.nodes.push_back(bound.numeric->node);
  return bound;
}

bool LookupPlanner::tooManyEntries(const std::vector<LookupInput> &inputs) const {
  double entries = 1;
  for (const LookupInput &in : inputs)
    entries *= static_cast<double>(in.numeric ? in.levels.size() : in.values.size());
  return entries > 50.0 * static_cast<double>(cx.options.maxUnits);
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
