// The plan's MLPs: lookups of a block's inputs, linear forms of numerical
// s-ops, splitting maps of several numerical inputs, and the output.
#include "compiler/codegen/MapProgram.h"
#include "compiler/codegen/PlannerImpl.h"
#include "compiler/eval/Evaluate.h"

#include <algorithm>
#include <cassert>
#include <cmath>

using namespace rasp;
using namespace rasp::codegen;
using namespace rasp::codegen::detail;

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
  case lang::AtomOpKind::Add:
  case lang::AtomOpKind::Sub:
    return true;
  case lang::AtomOpKind::Mul:
  case lang::AtomOpKind::Div:
    return std::any_of(x->operands.begin(), x->operands.end(), [&](const graph::Operand &o) {
      return o.input < 0 || x->inputs[o.input]->kind == NodeKind::Constant;
    });
  default:
    return false;
  }
}

bool Planner::wellSeparated(const Node *x) const {
  std::vector<double> levels;
  try {
    for (const Atom &v : sets.at(x)) {
      if (!v.isNumber())
        return false;
      levels.push_back(v.number());
    }
  } catch (const ValueSetError &) {
    return false;
  }
  std::sort(levels.begin(), levels.end());
  double most = levels.empty() ? 1 : std::max({1.0, std::fabs(levels.front()), std::fabs(levels.back())});
  for (size_t i = 1; i < levels.size(); ++i)
    if (levels[i] - levels[i - 1] < 1e-6 * most)
      return false;
  return true;
}

void Planner::splitParts(const Node *y, bool top, const Node *linearRoot,
                         std::vector<Part> &out) {
  if (!top) {
    if (bestFeature(y, false) >= 0 || y->kind != NodeKind::Map)
      return;
    std::vector<int> sources = sourcesOf(y);
    int numerics = numericCount(sources);
    std::vector<Input> inputs = linearInputs(y);
    if (numerics <= 1 || (!inputs.empty() && numericInputs(inputs) <= 1) || countLookup(y)) {
      if (numerics == 0)
        return; // Making it would not take a numerical input away.
      // A number inside a linear form stays a number (the form reads it),
      // when the form's values are far enough apart to tell apart; anything
      // else is made categorical.
      bool numerical = linearRoot && allNumbers(valuesOf(y)) && wellSeparated(linearRoot);
      out.push_back({y, numerical ? EncodingKind::Numerical : EncodingKind::Categorical,
                     latest(sources)});
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

void Planner::split(const Node *x) {
  std::vector<Part> parts;
  splitParts(x, true, nullptr, parts);
  // The parts whose inputs are ready first are made first, until what is
  // left of x reads at most one numerical input.
  std::stable_sort(parts.begin(), parts.end(),
                   [](const Part &a, const Part &b) { return a.time < b.time; });
  for (const Part &part : parts) {
    std::vector<Input> inputs = linearInputs(x);
    if (!inputs.empty() && numericInputs(inputs) <= 1)
      return;
    materialize(part.node, part.encoding);
  }
}

int Planner::numericCount(const std::vector<int> &sources) const {
  return static_cast<int>(std::count_if(sources.begin(), sources.end(), [&](int f) {
    return feature(f).encoding == EncodingKind::Numerical;
  }));
}

Planner::Input Planner::blockInput(int f) const {
  const Feature &feat = feature(f);
  Input in;
  in.node = featureNode[f];
  in.feature = f;
  in.numeric = feat.encoding == EncodingKind::Numerical;
  if (in.numeric)
    in.form = numericReading(f);
  in.values = feat.values;
  in.levels = feat.levels;
  in.time = feat.time;
  in.name = blockName(f);
  return in;
}

std::optional<Planner::LinearRead> Planner::linearForm(const Node *x) {
  int f = bestFeature(x, false);
  if (f < 0 && (x->kind == NodeKind::Tokens || x->kind == NodeKind::Indices))
    f = embedding(x);
  if (f >= 0 && feature(f).encoding == EncodingKind::Numerical)
    return feature(f).plain ? std::optional<LinearRead>({numericReading(f), feature(f).time})
                            : std::nullopt;
  std::vector<int> sources = f >= 0 ? std::vector<int>{f} : sourcesOf(x);
  if (sources.size() == 1 && feature(sources[0]).encoding == EncodingKind::Categorical) {
    int s = sources[0];
    MapProgram program(x, {featureNode[s]});
    LinearRead read{{}, feature(s).time};
    for (int i = 0; i < feature(s).width(); ++i) {
      std::optional<Atom> v = program.run({&feature(s).values[i]});
      if (v && !v->isNumber())
        return std::nullopt;
      if (v)
        addScaled(read.form, reading(s, i), v->number());
    }
    return read;
  }
  if (x->kind == NodeKind::Constant)
    return x->constant.isNumber()
               ? std::optional<LinearRead>(
                     {{{oneDim, x->constant.number()}, {bosDim, -x->constant.number()}}, 0})
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
      return LinearRead{{{oneDim, *constants[i]}, {bosDim, -*constants[i]}}, 0};
    return std::nullopt;
  };
  switch (x->atomOp) {
  case lang::AtomOpKind::Add:
  case lang::AtomOpKind::Sub: {
    auto a = term(0), b = term(1);
    if (!a || !b)
      return std::nullopt;
    LinearRead out{a->form, std::max(a->time, b->time)};
    addScaled(out.form, b->form, x->atomOp == lang::AtomOpKind::Add ? 1.0 : -1.0);
    return out;
  }
  case lang::AtomOpKind::Mul:
    if (parts[0] && constants[1])
      return scaled(*parts[0], *constants[1]);
    if (parts[1] && constants[0])
      return scaled(*parts[1], *constants[0]);
    return std::nullopt;
  case lang::AtomOpKind::Div:
    if (parts[0] && constants[1] && *constants[1] != 0)
      return scaled(*parts[0], 1.0 / *constants[1]);
    return std::nullopt;
  default:
    return std::nullopt;
  }
}

std::vector<Planner::Input> Planner::linearInputs(const Node *x) {
  std::vector<Input> inputs;
  std::unordered_set<const Node *> seen;
  std::vector<const Node *> stack = {x};
  while (!stack.empty()) {
    const Node *y = stack.back();
    stack.pop_back();
    if (!seen.insert(y).second || y->kind == NodeKind::Constant)
      continue;
    int f = bestFeature(y, false);
    if (f < 0 && (y->kind == NodeKind::Tokens || y->kind == NodeKind::Indices))
      f = embedding(y);
    if (f >= 0) {
      if (std::none_of(inputs.begin(), inputs.end(),
                       [&](const Input &in) { return in.feature == f; }))
        inputs.push_back(blockInput(f));
      continue;
    }
    if (numericCount(sourcesOf(y)) > 0) {
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
        Input in;
        in.node = y;
        in.numeric = true;
        in.form = read->form;
        in.time = read->time;
        in.values = valuesOf(y);
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

double Planner::noiseOf(const std::vector<double> &levels) const {
  double most = 1;
  for (double level : levels)
    most = std::max(most, std::fabs(level));
  return most * (1e-6 + static_cast<double>(options.maxLen + 1) * 6e-8);
}

int Planner::numericInputs(const std::vector<Input> &inputs) {
  return static_cast<int>(std::count_if(inputs.begin(), inputs.end(),
                                        [](const Input &in) { return in.numeric; }));
}

int Planner::materialize(const Node *x, EncodingKind encoding,
                         const std::vector<std::vector<Atom>> *classes) {
  if (classes) {
    if (auto it = classBlocks.find(x); it != classBlocks.end())
      return it->second;
  } else if (int f = findFeature(x, encoding); f >= 0) {
    return f;
  }
  std::vector<int> sources = sourcesOf(x);
  std::vector<Input> inputs;
  for (int s : sources)
    inputs.push_back(blockInput(s));
  if (numericInputs(inputs) > 1) {
    inputs = linearInputs(x);
    if (inputs.empty() || numericInputs(inputs) > 1) {
      if (!classes)
        if (std::optional<CountLookup> counts = countLookup(x))
          return materializeCounts(x, encoding, *counts);
      split(x);
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
            if (feature(s).encoding != EncodingKind::Numerical)
              continue;
            if (kept < 0 || feature(s).time > feature(kept).time ||
                (feature(s).time == feature(kept).time &&
                 feature(s).values.size() > feature(kept).values.size()))
              kept = s;
          }
          for (int s : sources)
            if (s != kept && feature(s).encoding == EncodingKind::Numerical)
              materialize(featureNode[s], EncodingKind::Categorical);
          sources = sourcesOf(x, true);
          // (sourcesOf prefers the categorical blocks just made.)
        }
        inputs.clear();
        for (int s : sources)
          inputs.push_back(blockInput(s));
      }
    }
  }
  if (int f = findFeature(x, encoding); f >= 0 && !classes)
    return f; // (splitting made it)
  Feature out;
  out.label = x->name;
  out.encoding = encoding;
  // A block of classes holds one value of each (the others compare alike).
  std::unordered_map<Atom, int, lang::AtomHash, lang::AtomEq> classOf;
  if (classes) {
    out.label += " (classes)";
    for (const std::vector<Atom> &members : *classes) {
      for (const Atom &v : members)
        classOf.emplace(v, static_cast<int>(out.values.size()));
      out.values.push_back(members[0]);
    }
  } else {
    out.values = valuesOf(x);
  }
  if (encoding == EncodingKind::Numerical) {
    if (!allNumbers(out.values))
      throw CompileError{x, "'" + x->name + "' cannot be numerical: its values are "
                                             "not all numbers"};
    for (const Atom &v : out.values)
      out.levels.push_back(v.number());
  }
  int latestInput = 0;
  for (const Input &in : inputs)
    latestInput = std::max(latestInput, in.time);
  int f = addMlpFeature(classes ? nullptr : x, std::move(out), latestInput);
  if (classes) {
    // Read only by the selects' sides: never found as x's own block.
    featureNode[f] = x;
    classBlocks[x] = f;
  }
  int time = feature(f).time;

  LookupSpec spec = lookupSpec();
  std::vector<const Input *> categorical;
  const Input *numeric = nullptr;
  for (const Input &in : inputs) {
    if (in.numeric) {
      numeric = &in;
      spec.numeric = NumericInput{in.form, in.levels, noiseOf(in.levels)};
      continue;
    }
    categorical.push_back(&in);
    spec.categorical.push_back(blockDims(in.feature));
  }
  std::vector<const Node *> bound;
  for (const Input *in : categorical)
    bound.push_back(in->node);
  if (numeric)
    bound.push_back(numeric->node);
  MapProgram program(x, bound);
  std::vector<const Atom *> values(bound.size());
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
      return Sparse{};
    return Sparse{{feature(f).firstDim + it->second, 1.0}};
  };
  MlpBlock block;
  try {
    block.units = buildLookup(spec);
  } catch (const LookupError &e) {
    throw CompileError{x, "cannot compute '" + x->name + "' in one MLP: " + e.message +
                              "; lower max_len, or restructure the program"};
  }
  std::string names;
  for (const Input &in : inputs)
    names += (names.empty() ? "" : ", ") + in.name;
  block.description = "'" + x->name + "' (" +
                      (encoding == EncodingKind::Categorical
                           ? std::to_string(feature(f).values.size()) + " values"
                           : std::string("numerical")) +
                      ") from " + (names.empty() ? "constants" : names) + ": " +
                      std::to_string(block.units.size()) + " units";
  mlps[time].push_back(std::move(block));
  return f;
}

OutputPlan Planner::outputOf(const Node *root) {
  if (root->isSelector())
    throw CompileError{root, "'" + root->name + "' is a selector; compile an s-op"};
  OutputPlan out;
  out.label = root->name;
  bool numerical = root->encoding == graph::EncodingHintKind::Numerical;
  if (root->kind == NodeKind::Tokens || root->kind == NodeKind::Indices)
    embedding(root);
  int f = bestFeature(root, false);
  if (root->encoding == graph::EncodingHintKind::Inferred && f >= 0 &&
      feature(f).encoding == EncodingKind::Numerical && feature(f).plain)
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
      read = LinearRead{numericReading(m), feature(m).time};
    }
    out.form = read->form;
    out.time = read->time;
    return out;
  }
  if (f < 0 || feature(f).encoding != EncodingKind::Categorical)
    f = materialize(root, EncodingKind::Categorical);
  out.encoding = EncodingKind::Categorical;
  out.values = feature(f).values;
  out.dims = blockDims(f);
  out.time = feature(f).time;
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
  for (size_t f = 0; f < plan.features.size(); ++f) {
    const Node *node = featureNode[f];
    if (!node || plan.features[f].time != 0)
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
