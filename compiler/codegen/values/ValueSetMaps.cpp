// Value sets of maps: every combination of input values over the cheapest
// cut below the map, linear combinations of means, and bool supersets.
#include "compiler/codegen/values/ValueSetsImpl.h"

#include "compiler/codegen/constructions/MapProgram.h"
#include "compiler/codegen/values/Exact.h"
#include "compiler/codegen/values/Means.h"

#include "compiler/eval/Evaluate.h"

#include <algorithm>
#include <cmath>
#include <optional>

using namespace rasp;
using namespace rasp::codegen;
using namespace rasp::codegen::detail;

bool Builder::boolOrIndicator(const Node *node, AtomSet &out) {
  bool boolean = false;
  switch (node->mapOp) {
  case graph::MapOpKind::And:
  case graph::MapOpKind::Or:
  case graph::MapOpKind::Not:
  case graph::MapOpKind::InList:
    boolean = true;
    break;
  case graph::MapOpKind::Atom:
    boolean = node->atomOp == AtomOpKind::Eq || node->atomOp == AtomOpKind::Ne ||
              node->atomOp == AtomOpKind::Lt || node->atomOp == AtomOpKind::Gt ||
              node->atomOp == AtomOpKind::Le || node->atomOp == AtomOpKind::Ge;
    break;
  case graph::MapOpKind::Indicator:
    out.insert(Atom::integer(0));
    out.insert(Atom::integer(1));
    return true;
  default:
    break;
  }
  if (boolean) {
    out.insert(Atom::boolean(false));
    out.insert(Atom::boolean(true));
  }
  return boolean;
}

double Builder::combinations(const std::vector<const Node *> &nodes) {
  double product = 1;
  for (const Node *n : nodes) {
    auto it = sets.find(n);
    if (it == sets.end() && !unknown.count(n))
      memo.missing.insert(n); // (Unknown sets stay unknown.)
    product *= it == sets.end() ? HUGE_VAL : static_cast<double>(it->second.size());
  }
  return product;
}

std::vector<const Node *> Builder::cheapestCut(const Node *node) {
  std::vector<const Node *> cut;
  for (const Node *input : node->inputs)
    if (std::find(cut.begin(), cut.end(), input) == cut.end())
      cut.push_back(input);
  // Each step depends on the cut alone: a cut met before (another map's,
  // below this one in a chain) has its answer already.
  std::vector<std::vector<const Node *>> passed;
  while (true) {
    if (auto known = memo.cuts.find(cut); known != memo.cuts.end()) {
      cut = known->second;
      break;
    }
    passed.push_back(cut);
    std::optional<std::vector<const Node *>> next = cheaperCut(cut);
    if (!next)
      break;
    cut = std::move(*next);
  }
  for (std::vector<const Node *> &state : passed)
    memo.cuts.emplace(std::move(state), cut);
  return cut;
}

std::optional<std::vector<const Node *>> Builder::cheaperCut(const std::vector<const Node *> &cut) {
  auto addUnique = [](std::vector<const Node *> &list, const Node *n) {
    if (std::find(list.begin(), list.end(), n) == list.end())
      list.push_back(n);
  };
  for (size_t i = 0; i < cut.size(); ++i) {
    if (cut[i]->kind != NodeKind::Map)
      continue;
    std::vector<const Node *> candidate;
    for (size_t j = 0; j < cut.size(); ++j)
      if (j != i)
        addUnique(candidate, cut[j]);
    for (const Node *input : cut[i]->inputs)
      addUnique(candidate, input);
    if (combinations(candidate) <= combinations(cut))
      return candidate;
  }
  return std::nullopt;
}

void Builder::mapOverCut(const Node *node, const std::vector<const Node *> &cut, AtomSet &out) {
  MapProgram program(node, cut);
  std::vector<size_t> at(cut.size(), 0);
  std::vector<const Atom *> values(cut.size());
  for (const Node *n : cut)
    if (sets.at(n).empty())
      return;
  while (true) {
    for (size_t i = 0; i < cut.size(); ++i)
      values[i] = &sets.at(cut[i])[at[i]];
    if (std::optional<Atom> v = program.run(values))
      out.insert(*v);
    size_t i = 0;
    while (i < at.size() && ++at[i] == sets.at(cut[i]).size())
      at[i++] = 0;
    if (i == at.size())
      break;
  }
}

bool Builder::linearMeans(const Node *node, AtomSet &out) {
  const std::vector<const Node *> *leaves = memo.linear.of(node);
  if (!leaves || leaves->size() < 2)
    return false;
  const std::vector<const Node *> &aggregates = *leaves;
  std::string selector = graph::selectorSignature(aggregates[0]->inputs[0]);
  std::vector<const std::vector<Atom> *> values;
  for (const Node *a : aggregates) {
    if (graph::selectorSignature(a->inputs[0]) != selector || !sets.count(a->inputs[1]) ||
        !a->constant.isNumber())
      return false;
    values.push_back(&sets.at(a->inputs[1]));
  }
  return forEachLinearMean(node, aggregates, values, options.maxLen, options.limit,
                           [&](const Atom &v) { out.insert(v); });
}

void Builder::map(const Node *node, AtomSet &out) {
  try {
    enumerate(node, out);
  } catch (const ValueSetError &) {
    // Too many combinations, or an unknown input: the type may still
    // bound the set.
    if (!boolOrIndicator(node, out))
      throw;
  }
}

void Builder::enumerate(const Node *node, AtomSet &out) {
  if (linearMeans(node, out))
    return;
  std::vector<const Node *> cut = cheapestCut(node);
  for (const Node *n : cut)
    if (auto it = unknown.find(n); it != unknown.end())
      throw it->second;
  double operandCombinations =
      combinations(std::vector<const Node *>(node->inputs.begin(), node->inputs.end()));
  if (combinations(cut) < operandCombinations &&
      combinations(cut) <= static_cast<double>(options.limit) * 16) {
    mapOverCut(node, cut, out);
    return;
  }
  if (mapByLength(node, out))
    return;
  for (const Node *input : node->inputs)
    if (auto it = unknown.find(input); it != unknown.end())
      throw it->second;
  std::vector<const std::vector<Atom> *> choices;
  std::vector<std::vector<Atom>> constants;
  constants.reserve(node->operands.size());
  double combinations = 1;
  for (const graph::Operand &operand : node->operands) {
    if (operand.input >= 0) {
      choices.push_back(&sets.at(node->inputs[operand.input]));
    } else {
      constants.push_back({operand.constant});
      choices.push_back(&constants.back());
    }
    combinations *= static_cast<double>(choices.back()->size());
  }
  if (combinations > static_cast<double>(options.limit) * 16)
    throw ValueSetError{node,
                        "'" + node->name + "' combines " +
                            std::to_string(static_cast<long long>(combinations)) +
                            " combinations of input values, too many to enumerate",
                        true};
  std::vector<size_t> at(choices.size(), 0);
  std::vector<const Atom *> operands(choices.size());
  if (std::any_of(choices.begin(), choices.end(),
                  [](const std::vector<Atom> *c) { return c->empty(); }))
    return;
  while (true) {
    for (size_t i = 0; i < choices.size(); ++i)
      operands[i] = &(*choices[i])[at[i]];
    try {
      out.insert(exactMap(node, operands.data()));
    } catch (const eval::EvalError &) {
      // No input reaches this combination without failing in the evaluator.
    }
    size_t i = 0;
    while (i < at.size() && ++at[i] == choices[i]->size())
      at[i++] = 0;
    if (i == at.size())
      break;
  }
}
