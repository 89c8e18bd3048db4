// Stage 6b, the plan: from the RASP graph and its value sets to the
// layer/head IR. The parts plan heads, lookups and count lookups over one
// residual layout (PlanContext.h); this file runs them and lays out layers.
#include "compiler/codegen/plan/Planner.h"

#include "compiler/codegen/plan/HeadPlanner.h"
#include "compiler/eval/Evaluate.h"

#include <algorithm>
#include <cmath>

using namespace rasp;
using namespace rasp::codegen;

namespace {

/// How the output s-op is read: from its block (made if needed), or as a
/// linear form.
OutputPlan outputOf(PlanContext &cx, LookupPlanner &lookups, CountPlanner &counts,
                    const Node *root) {
  const ResidualLayout &layout = cx.layout;
  if (root->isSelector())
    throw CompileError{root, "'" + root->name + "' is a selector; compile an s-op"};
  if (cx.sets.has(root) && cx.sets.at(root).empty())
    throw CompileError{root, "'" + root->name +
                                 "' has no value on any input of this "
                                 "vocabulary and max_len: the evaluator fails on every one"};
  OutputPlan out;
  out.label = root->name;
  // The output read from block s, a sum over every key the MLP makes
  // (CountPlanner::lengthSum): decoded as the nearest integer where its
  // values are not listed.
  auto readSum = [&](int s) {
    out.values = layout.block(s).values;
    out.levels = layout.block(s).levels;
    out.integral = out.values.empty();
    out.form = layout.numericReading(s);
    out.time = layout.block(s).time;
    return out;
  };
  bool numerical = root->encoding == graph::EncodingHintKind::Numerical;
  if (root->kind == NodeKind::Tokens || root->kind == NodeKind::Indices)
    cx.embedding(root);
  int f = layout.best(root, false);
  if (root->encoding == graph::EncodingHintKind::Inferred && f >= 0 &&
      layout.block(f).encoding == EncodingKind::Numerical && layout.block(f).levelsAreValues)
    numerical = true;
  // A map of numbers that is a linear form of the residual (sums,
  // differences and constant multiples of numerical blocks and of numbers
  // read from one-hots) is read out as that form, with no MLP; bools keep
  // their one-hot (their display is True and False).
  // The same after its parts that are not linear forms are made numerical:
  // a number per part, not a one-hot of every value of the output.
  if (root->encoding == graph::EncodingHintKind::Inferred && f < 0 && root->kind == NodeKind::Map &&
      (lookups.linearForm(root) || lookups.linearWithNumericParts(root))) {
    bool numbers = !cx.sets.has(root) ||
                   std::all_of(cx.sets.at(root).begin(), cx.sets.at(root).end(),
                               [](const Atom &v) { return v.isNumber() && !v.isBool(); });
    numerical = numbers;
  }
  if (root->encoding != graph::EncodingHintKind::Inferred)
    out.why =
        "the output, as " + std::string(numerical ? "numerical" : "categorical") + "(...) asks";
  else if (numerical)
    out.why = "the output, a number read out linearly";
  else
    out.why = "the output, read as the argmax of a one-hot";
  ResidualLayout::Because because(cx.layout, out.why);
  if (numerical) {
    out.encoding = EncodingKind::Numerical;
    // A linear output needs no value set (without one, the number is shown,
    // as it is where its values are too close to decode).
    std::optional<LinearRead> read = lookups.linearForm(root);
    // numerical(round(length * mean)): the sum as the number the MLP makes,
    // as for an output with no hint (below).
    if (!read && root->encoding == graph::EncodingHintKind::Numerical) {
      int s = -1;
      try {
        s = counts.lengthSum(root);
      } catch (const CompileError &) {
        if (!cx.sets.has(root))
          throw;
      }
      if (s >= 0)
        return readSum(s);
    }
    if (!read || (cx.sets.has(root) && !lookups.shownAsNumber(root))) {
      out.values = cx.valuesOf(root);
      out.levels =
          levelsOf(root, out.values, "is marked numerical, but its values are not all numbers");
    }
    if (!read) {
      int m = lookups.makeBlock(root, EncodingKind::Numerical);
      read = LinearRead{layout.numericReading(m), layout.block(m).time};
    }
    out.form = read->form;
    out.time = read->time;
    return out;
  }
  // A sum over every key with many values is read as the number the MLP
  // makes (its nearest integer), not as a one-hot of every sum.
  std::optional<CompileError> sumError;
  if (f < 0 && root->encoding == graph::EncodingHintKind::Inferred) {
    ResidualLayout::Because sumBecause(cx.layout, "the output, a sum read as a number");
    int s = -1;
    try {
      s = counts.lengthSum(root);
    } catch (const CompileError &e) {
      // (Float32 cannot hold the sum: a one-hot of its values, where they
      // are listed, may still be read exactly.)
      if (!cx.sets.has(root))
        throw;
      sumError = e;
    }
    if (s >= 0) {
      out.encoding = EncodingKind::Numerical;
      out.why = "the output, a sum over every key read as the number the MLP makes";
      return readSum(s);
    }
  }
  if (f < 0 || layout.block(f).encoding != EncodingKind::Categorical) {
    try {
      f = lookups.makeBlock(root, EncodingKind::Categorical);
    } catch (const CompileError &) {
      if (sumError) // (What float32 cannot do with the sum says more.)
        throw *sumError;
      throw;
    }
  }
  out.encoding = EncodingKind::Categorical;
  out.values = layout.block(f).values;
  out.dims = layout.dims(f);
  out.time = layout.block(f).time;
  return out;
}

/// The layers from the heads and MLP blocks by time, and the embeddings.
void finish(PlanContext &cx, ModelPlan &plan) {
  const ResidualLayout &layout = cx.layout;
  const PlanOptions &options = cx.options;
  int last = plan.output.time;
  for (const auto &[time, list] : cx.heads)
    last = std::max(last, time);
  for (const auto &[time, list] : cx.mlps)
    last = std::max(last, time);
  int layers = (last + 1) / 2;
  plan.layers.resize(layers);
  for (auto &[time, list] : cx.heads)
    plan.layers[(time + 1) / 2 - 1].heads = std::move(list);
  for (auto &[time, list] : cx.mlps)
    plan.layers[time / 2 - 1].mlps = std::move(list);
  for (int l = 0; l < layers; ++l)
    if (plan.layers[l].heads.empty())
      plan.notes.push_back("layer " + std::to_string(l + 1) +
                           " has no heads: its MLP needs inputs that no earlier layer "
                           "could combine");
  // Embeddings: tokens and indices blocks, `one` everywhere, `bos` at BOS.
  size_t vocabSize = options.vocab.size();
  plan.tokenRows.assign(vocabSize + 1, {{layout.oneDim(), 1.0}});
  plan.tokenRows[vocabSize].emplace_back(layout.bosDim(), 1.0);
  plan.positionRows.assign(options.maxLen + 1, {});
  for (size_t f = 0; f < layout.size(); ++f) {
    const Node *node = layout.node(f);
    if (!node || layout.block(f).time != 0)
      continue;
    int index = static_cast<int>(f);
    if (node->kind == NodeKind::Indices) {
      for (int64_t p = 1; p <= options.maxLen; ++p)
        addScaled(plan.positionRows[p], layout.encode(index, Atom::integer(p - 1)), 1.0);
      continue;
    }
    for (size_t i = 0; i < vocabSize; ++i) {
      std::optional<Atom> token;
      try {
        token = eval::convertToken(node, options.vocab[i]);
      } catch (const eval::EvalError &) {
      }
      addScaled(plan.tokenRows[i], layout.encode(index, token), 1.0);
    }
  }
  plan.notes.insert(plan.notes.end(), cx.notes.begin(), cx.notes.end());
  plan.dModel = layout.dModel();
  plan.blocks = cx.layout.release();
}

} // namespace

ModelPlan codegen::planModel(const Node *root, const ValueSets &sets, const PlanOptions &options) {
  PlanContext cx(sets, options);
  for (const Node *node : graph::topologicalOrder(root))
    if (node->kind == NodeKind::Indices) {
      cx.indices = node;
      break;
    }
  CountPlanner counts(cx);
  LookupPlanner lookups(cx, counts);
  planHeads(cx, lookups, root);
  ModelPlan plan;
  plan.vocab = options.vocab;
  plan.maxLen = options.maxLen;
  plan.scale = cx.scale();
  plan.output = outputOf(cx, lookups, counts, root);
  finish(cx, plan);
  return plan;
}
