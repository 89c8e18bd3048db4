// The plan: encodings, fusion, layer and head allocation, residual layout.
// This file: the entry point, blocks (blocks), evaluation and readings.
#include "compiler/codegen/Planner.h"

#include "compiler/codegen/MapProgram.h"
#include "compiler/codegen/PlannerImpl.h"
#include "compiler/eval/Evaluate.h"

#include <algorithm>
#include <cassert>
#include <cmath>

using namespace rasp;
using namespace rasp::codegen;
using namespace rasp::codegen::detail;

/// The smallest attention time (odd) and MLP time (even, >= 2) after t.
int detail::attentionAfter(int t) { return t % 2 == 0 ? t + 1 : t + 2; }
int detail::mlpAfter(int t) { return std::max(2, t % 2 == 0 ? t + 2 : t + 1); }

bool detail::allNumbers(const std::vector<Atom> &values) {
  return std::all_of(values.begin(), values.end(), [](const Atom &v) { return v.isNumber(); });
}

/// `key CMP query` as a select compares two atoms; nullopt when the
/// evaluator would fail.
std::optional<bool> detail::comparePair(graph::CompareKind cmp, const Atom &key, const Atom &query) {
  if (key.isString() != query.isString()) {
    if (cmp == graph::CompareKind::Eq)
      return false;
    if (cmp == graph::CompareKind::Ne)
      return true;
    return std::nullopt;
  }
  try {
    return applyAtomOp(graph::compareAtomOp(cmp), key, query).truthy();
  } catch (const AtomError &) {
    return std::nullopt;
  }
}

ModelPlan Planner::run(const Node *root) {
  plan.vocab = options.vocab;
  for (const Node *node : graph::topologicalOrder(root))
    if (node->kind == NodeKind::Select) {
      sideUses[node->inputs[0]].emplace_back(node, true);
      sideUses[node->inputs[1]].emplace_back(node, false);
    }
  plan.maxLen = options.maxLen;
  // Leaks of at most (N+1) e^{-S/2} next to a weight of 1: below 1e-6.
  plan.scale = 2 * (std::log(static_cast<double>(options.maxLen) + 1) + 14);
  oneDim = addBlock(nullptr, auxiliaryBlock("one", {1}));
  bosDim = addBlock(nullptr, auxiliaryBlock("bos", {1}));
  for (const Node *node : graph::topologicalOrder(root))
    if (node->kind == NodeKind::Aggregate || node->kind == NodeKind::SelectorWidth)
      planHead(node);
  plan.output = outputOf(root);
  finish();
  return std::move(plan);
}

Block Planner::auxiliaryBlock(const std::string &label, std::vector<double> bosRow) {
  Block f;
  f.label = label;
  f.encoding = EncodingKind::Numerical;
  f.values = {Atom::integer(1)};
  f.levels = {1};
  f.bosRow = std::move(bosRow);
  f.producer = "embedding";
  return f;
}

int Planner::addBlock(const Node *node, Block f) {
  f.firstDim = plan.dModel;
  if (f.bosRow.empty())
    f.bosRow.assign(f.width(), 0.0);
  plan.dModel += f.width();
  plan.blocks.push_back(std::move(f));
  blockNode.push_back(node);
  int index = static_cast<int>(plan.blocks.size()) - 1;
  if (node)
    byNode[node].push_back(index);
  return index;
}

int Planner::addMlpBlock(const Node *node, Block f, int inputsTime) {
  f.time = mlpAfter(inputsTime);
  f.producer = "L" + std::to_string(f.time / 2) + " MLP";
  return addBlock(node, std::move(f));
}

std::vector<int> Planner::blockDims(int f) const {
  std::vector<int> dims;
  for (int i = 0; i < block(f).width(); ++i)
    dims.push_back(block(f).firstDim + i);
  return dims;
}

LookupSpec Planner::lookupSpec() const {
  LookupSpec spec;
  spec.oneDim = oneDim;
  spec.bosDim = bosDim;
  spec.maxUnits = options.maxUnits;
  return spec;
}

const std::vector<Atom> &Planner::valuesOf(const Node *node) const {
  try {
    return sets.at(node);
  } catch (const ValueSetError &e) {
    throw CompileError{e.node, e.message};
  }
}

int Planner::findBlock(const Node *node, EncodingKind encoding) const {
  auto it = byNode.find(node);
  if (it == byNode.end())
    return -1;
  for (int f : it->second)
    if (block(f).encoding == encoding && (encoding == EncodingKind::Categorical ||
                                            block(f).levelsAreValues))
      return f;
  return -1;
}

int Planner::bestBlock(const Node *node, bool preferCategorical) const {
  auto it = byNode.find(node);
  if (it == byNode.end())
    return -1;
  int best = -1;
  for (int f : it->second) {
    if (best < 0) {
      best = f;
      continue;
    }
    const Block &a = block(f), &b = block(best);
    bool aCat = a.encoding == EncodingKind::Categorical;
    bool bCat = b.encoding == EncodingKind::Categorical;
    if (preferCategorical && aCat != bCat) {
      if (aCat)
        best = f;
      continue;
    }
    if (a.time < b.time || (a.time == b.time && aCat && !bCat))
      best = f;
  }
  return best;
}

int Planner::embedding(const Node *node) {
  if (int f = findBlock(node, EncodingKind::Categorical); f >= 0)
    return f;
  Block f;
  f.label = node->name;
  f.values = valuesOf(node);
  f.producer = node->kind == NodeKind::Tokens ? "token embedding" : "position embedding";
  return addBlock(node, std::move(f));
}

void Planner::decompose(const Node *x, std::vector<int> &out, bool preferCategorical,
               std::unordered_set<const Node *> &seen) {
  if (!seen.insert(x).second)
    return;
  int f = bestBlock(x, preferCategorical);
  if (f < 0 && (x->kind == NodeKind::Tokens || x->kind == NodeKind::Indices))
    f = embedding(x);
  if (f >= 0) {
    if (std::find(out.begin(), out.end(), f) == out.end())
      out.push_back(f);
    return;
  }
  if (x->kind == NodeKind::Constant)
    return;
  assert(x->kind == NodeKind::Map && "heads are planned before their readers");
  for (const Node *input : x->inputs)
    decompose(input, out, preferCategorical, seen);
}

std::vector<int> Planner::sourcesOf(const Node *x, bool preferCategorical) {
  std::vector<int> out;
  std::unordered_set<const Node *> seen;
  decompose(x, out, preferCategorical, seen);
  std::sort(out.begin(), out.end());
  return out;
}

int Planner::latest(const std::vector<int> &blocks) const {
  int t = 0;
  for (int f : blocks)
    t = std::max(t, block(f).time);
  return t;
}

std::optional<Atom> Planner::evaluate(const Node *x, const Binding &binding) {
  std::vector<const Node *> nodes;
  std::vector<const Atom *> values;
  for (const auto &[node, value] : binding) {
    nodes.push_back(node);
    values.push_back(&value);
  }
  return MapProgram(x, nodes).run(values);
}

LinearForm Planner::reading(int f, int i) const {
  const Block &feat = block(f);
  LinearForm s = {{feat.firstDim + i, 1.0}};
  if (feat.bosRow[i] != 0)
    s.emplace_back(bosDim, -feat.bosRow[i]);
  return s;
}

LinearForm Planner::numericReading(int f) const {
  const Block &feat = block(f);
  LinearForm s = {{feat.firstDim, 1.0}};
  if (feat.bosRow[0] != 0)
    s.emplace_back(bosDim, -feat.bosRow[0]);
  return s;
}

LinearForm Planner::encode(int f, const std::optional<Atom> &v) const {
  if (!v)
    return {};
  const Block &feat = block(f);
  if (feat.encoding == EncodingKind::Numerical) {
    double x = v->number();
    if (x == 0)
      return {};
    return {{feat.firstDim, x}};
  }
  auto &index = valueIndex[f];
  if (index.empty())
    for (size_t i = 0; i < feat.values.size(); ++i)
      index.emplace(feat.values[i], static_cast<int>(i));
  auto it = index.find(*v);
  if (it == index.end())
    return {};
  return {{feat.firstDim + it->second, 1.0}};
}

ModelPlan codegen::planModel(const Node *root, const ValueSets &sets,
                             const PlanOptions &options) {
  return detail::Planner(sets, options).run(root);
}
