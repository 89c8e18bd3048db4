// The plan's MLPs: blocks made by a lookup of their inputs (after the input
// choice of PlanLinear.cpp or the prefix counts of PlanCounts.cpp), the
// output, and the residual layout's last touches.
#include "compiler/codegen/MapProgram.h"
#include "compiler/codegen/PlannerImpl.h"
#include "compiler/eval/Evaluate.h"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <numeric>

using namespace rasp;
using namespace rasp::codegen;
using namespace rasp::codegen::detail;

int Planner::materialize(const Node *x, EncodingKind encoding,
                         const std::vector<std::vector<Atom>> *classes) {
  if (classes) {
    if (auto it = classBlocks.find(x); it != classBlocks.end())
      return it->second;
  } else if (int f = findBlock(x, encoding); f >= 0) {
    return f;
  }
  std::vector<int> sources = sourcesOf(x);
  std::vector<Input> inputs;
  for (int s : sources)
    inputs.push_back(blockInput(s));
  // Prefix counts read through one combination: the lookup steps between
  // the levels each index can hold (k / (i + 1)), not between every mean's,
  // which lie far closer.
  if (numericInputs(inputs) >= 1 && !classes)
    if (std::optional<CountLookup> counts = countLookup(x, false))
      return materializeCounts(x, encoding, *counts);
  if (numericInputs(inputs) > 1) {
    inputs = linearInputs(x);
    if (inputs.empty() || numericInputs(inputs) > 1) {
      if (!classes)
        if (std::optional<CountLookup> packed = countLookup(x, true)) {
          if (int f = materializeCounts(x, encoding, *packed); f >= 0)
            return f;
          // (Refused packed as combinations: packed as the means they read.)
          if (std::optional<CountLookup> means = overMeans(*packed))
            if (int f = materializeCounts(x, encoding, *means); f >= 0)
              return f;
        }
      split(x);
      // Split, x may read one combination of counts and the parts made.
      if (!classes)
        if (std::optional<CountLookup> counts = countLookup(x, false))
          return materializeCounts(x, encoding, *counts);
      // The blocks themselves when they have one numerical input left,
      // else a linear form over them.
      sources = sourcesOf(x, true);
      inputs = numericCount(sources) <= 1 ? std::vector<Input>{} : linearInputs(x);
      if (inputs.empty() || numericInputs(inputs) > 1) {
        if (numericCount(sources) > 1) {
          // All but one are made categorical: the one made last (on a tie,
          // the one with the most values) stays numerical.
          int kept = -1;
          for (int s : sources) {
            if (block(s).encoding != EncodingKind::Numerical)
              continue;
            if (kept < 0 || block(s).time > block(kept).time ||
                (block(s).time == block(kept).time &&
                 block(s).values.size() > block(kept).values.size()))
              kept = s;
          }
          for (int s : sources)
            if (s != kept && block(s).encoding == EncodingKind::Numerical)
              materialize(blockNode[s], EncodingKind::Categorical);
          sources = sourcesOf(x, true);
          // (sourcesOf prefers the categorical blocks just made.)
        }
        inputs.clear();
        for (int s : sources)
          inputs.push_back(blockInput(s));
      }
    }
  }
  if (tooManyEntries(inputs) && splitNumeric(x)) {
    // The parts that read the number are made first: x reads their blocks.
    inputs.clear();
    for (int s : sourcesOf(x, true))
      inputs.push_back(blockInput(s));
  }
  if (int f = findBlock(x, encoding); f >= 0 && !classes)
    return f; // (splitting made it)
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
    held = valuesOf(x);
  }
  Block out = blockOf(x, encoding, std::move(held));
  if (classes)
    out.label += " (classes)";
  int latestInput = 0;
  for (const Input &in : inputs)
    latestInput = std::max(latestInput, in.time);
  int f = addMlpBlock(classes ? nullptr : x, std::move(out), latestInput);
  if (classes) {
    // Read only by the selects' sides: never found as x's own block.
    blockNode[f] = x;
    classBlocks[x] = f;
  }
  int time = block(f).time;

  LookupSpec spec = lookupSpec();
  BoundInputs bound = bindInputs(inputs, spec);
  const std::vector<const Input *> &categorical = bound.categorical;
  const Input *numeric = bound.numeric;
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
      return encode(f, v);
    // (A value outside the set comes only from combinations no input
    // realises, as with encode: no output there.)
    auto it = classOf.find(*v);
    if (it == classOf.end())
      return LinearForm{};
    return LinearForm{{block(f).firstDim + it->second, 1.0}};
  };
  MlpBlock mlp;
  mlp.units = lookupUnits(x, spec);
  std::string names;
  for (const Input &in : inputs)
    names += (names.empty() ? "" : ", ") + in.name;
  mlp.description = "'" + x->name + "' (" +
                      (encoding == EncodingKind::Categorical
                           ? std::to_string(block(f).values.size()) + " values"
                           : std::string("numerical")) +
                      ") from " + (names.empty() ? "constants" : names) + ": " +
                      std::to_string(mlp.units.size()) + " units";
  mlps[time].push_back(std::move(mlp));
  return f;
}

bool Planner::outputInRunsOf(const Node *x, const Input &number) const {
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
  if (x->atomOp != AtomOpKind::Lt && x->atomOp != AtomOpKind::Gt &&
      x->atomOp != AtomOpKind::Le && x->atomOp != AtomOpKind::Ge)
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

Block Planner::blockOf(const Node *x, EncodingKind encoding, std::vector<Atom> values) const {
  Block out;
  out.label = x->name;
  out.encoding = encoding;
  out.values = std::move(values);
  if (encoding == EncodingKind::Numerical) {
    if (!allNumbers(out.values))
      throw CompileError{x, "'" + x->name + "' cannot be numerical: its values are "
                                             "not all numbers"};
    for (const Atom &v : out.values)
      out.levels.push_back(v.number());
  }
  return out;
}

Planner::BoundInputs Planner::bindInputs(const std::vector<Input> &inputs,
                                         LookupSpec &spec) const {
  BoundInputs bound;
  for (const Input &in : inputs) {
    if (in.numeric) {
      bound.numeric = &in;
      spec.numeric = NumericInput{in.form, in.levels, noiseOf(in.levels)};
      continue;
    }
    bound.categorical.push_back(&in);
    spec.categorical.push_back(blockDims(in.block));
  }
  for (const Input *in : bound.categorical)
    bound.nodes.push_back(in->node);
  if (bound.numeric)
    bound.nodes.push_back(bound.numeric->node);
  return bound;
}

std::vector<HiddenUnit> Planner::lookupUnits(const Node *x, const LookupSpec &spec) const {
  try {
    return buildLookup(spec);
  } catch (const LookupError &e) {
    throw CompileError{x, "cannot compute '" + x->name + "' in one MLP: " + e.message +
                              "; lower max_len, or restructure the program"};
  }
}

bool Planner::tooManyEntries(const std::vector<Input> &inputs) const {
  double entries = 1;
  for (const Input &in : inputs)
    entries *= static_cast<double>(in.numeric ? in.levels.size() : in.values.size());
  return entries > 50.0 * static_cast<double>(options.maxUnits);
}

bool Planner::splitNumeric(const Node *x) {
  // The largest maps below x that read a numerical block and take few
  // values (a comparison, say): made categorical, they take the number
  // out of x's own lookup.
  std::vector<const Node *> parts;
  std::unordered_set<const Node *> seen;
  std::vector<const Node *> stack(x->inputs.begin(), x->inputs.end());
  while (!stack.empty()) {
    const Node *y = stack.back();
    stack.pop_back();
    if (!seen.insert(y).second || y->kind != NodeKind::Map || bestBlock(y, false) >= 0)
      continue;
    std::vector<int> sources = sourcesOf(y);
    int numerics = numericCount(sources);
    if (numerics == 0)
      continue;
    if (numerics == 1 && sets.has(y) && sets.at(y).size() <= 64) {
      parts.push_back(y);
      continue;
    }
    for (const Node *input : y->inputs)
      stack.push_back(input);
  }
  for (const Node *part : parts)
    materialize(part, EncodingKind::Categorical);
  return !parts.empty();
}

OutputPlan Planner::outputOf(const Node *root) {
  if (root->isSelector())
    throw CompileError{root, "'" + root->name + "' is a selector; compile an s-op"};
  if (sets.has(root) && sets.at(root).empty())
    throw CompileError{root, "'" + root->name + "' has no value on any input of this "
                             "vocabulary and max_len: the evaluator fails on every one"};
  OutputPlan out;
  out.label = root->name;
  bool numerical = root->encoding == graph::EncodingHintKind::Numerical;
  if (root->kind == NodeKind::Tokens || root->kind == NodeKind::Indices)
    embedding(root);
  int f = bestBlock(root, false);
  if (root->encoding == graph::EncodingHintKind::Inferred && f >= 0 &&
      block(f).encoding == EncodingKind::Numerical && block(f).levelsAreValues)
    numerical = true;
  if (numerical) {
    out.encoding = EncodingKind::Numerical;
    // A linear output needs no value set (without one, the number is shown).
    std::optional<LinearRead> read = linearForm(root);
    if (!read || sets.has(root)) {
      out.values = valuesOf(root);
      if (!allNumbers(out.values))
        throw CompileError{root, "'" + root->name + "' is marked numerical, but its "
                                                     "values are not all numbers"};
      for (const Atom &v : out.values)
        out.levels.push_back(v.number());
    }
    if (!read) {
      int m = materialize(root, EncodingKind::Numerical);
      read = LinearRead{numericReading(m), block(m).time};
    }
    out.form = read->form;
    out.time = read->time;
    return out;
  }
  if (f < 0 || block(f).encoding != EncodingKind::Categorical)
    f = materialize(root, EncodingKind::Categorical);
  out.encoding = EncodingKind::Categorical;
  out.values = block(f).values;
  out.dims = blockDims(f);
  out.time = block(f).time;
  return out;
}

void Planner::finish() {
  int last = plan.output.time;
  for (const auto &[time, list] : heads)
    last = std::max(last, time);
  for (const auto &[time, list] : mlps)
    last = std::max(last, time);
  int layers = (last + 1) / 2;
  plan.layers.resize(layers);
  for (auto &[time, list] : heads)
    plan.layers[(time + 1) / 2 - 1].heads = std::move(list);
  for (auto &[time, list] : mlps)
    plan.layers[time / 2 - 1].mlps = std::move(list);
  for (int l = 0; l < layers; ++l)
    if (plan.layers[l].heads.empty())
      plan.notes.push_back("layer " + std::to_string(l + 1) +
                           " has no heads: its MLP needs inputs that no earlier layer "
                           "could combine");
  // Embeddings: tokens and indices blocks, `one` everywhere, `bos` at BOS.
  size_t vocabSize = options.vocab.size();
  plan.tokenRows.assign(vocabSize + 1, {{oneDim, 1.0}});
  plan.tokenRows[vocabSize].emplace_back(bosDim, 1.0);
  plan.positionRows.assign(options.maxLen + 1, {});
  for (size_t f = 0; f < plan.blocks.size(); ++f) {
    const Node *node = blockNode[f];
    if (!node || plan.blocks[f].time != 0)
      continue;
    int index = static_cast<int>(f);
    if (node->kind == NodeKind::Indices) {
      for (int64_t p = 1; p <= options.maxLen; ++p)
        addScaled(plan.positionRows[p], encode(index, Atom::integer(p - 1)), 1.0);
      continue;
    }
    for (size_t i = 0; i < vocabSize; ++i) {
      std::optional<Atom> token;
      try {
        token = eval::convertToken(node, options.vocab[i]);
      } catch (const eval::EvalError &) {
      }
      addScaled(plan.tokenRows[i], encode(index, token), 1.0);
    }
  }
}
