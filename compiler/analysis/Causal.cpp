// Whether an s-op only looks back (Causal.h).
#include "compiler/analysis/Causal.h"

#include "compiler/eval/Evaluate.h"

#include <optional>
#include <unordered_map>
#include <vector>

using namespace rasp;
using namespace rasp::graph;

namespace {

/// The values of an s-op of indices and constants alone at positions
/// 0..maxLen-1, as numbers; nothing if it reads anything else, or has a
/// value that is no number, or fails.
std::optional<std::vector<double>> positionValues(const Node *sop, int64_t maxLen) {
  for (const Node *node : topologicalOrder(sop))
    if (node->kind != NodeKind::Indices && node->kind != NodeKind::Constant &&
        node->kind != NodeKind::Map)
      return std::nullopt;
  std::vector<double> values;
  try {
    eval::Evaluator evaluator(std::vector<Atom>(static_cast<size_t>(maxLen), Atom::integer(0)));
    for (const Atom &atom : evaluator.sequence(sop).values) {
      if (!atom.isNumber())
        return std::nullopt;
      values.push_back(atom.number());
    }
  } catch (const eval::EvalError &) {
    return std::nullopt;
  }
  return values;
}

bool compare(double key, CompareKind cmp, double query) {
  switch (cmp) {
  case CompareKind::Eq:
    return key == query;
  case CompareKind::Ne:
    return key != query;
  case CompareKind::Lt:
    return key < query;
  case CompareKind::Gt:
    return key > query;
  case CompareKind::Le:
    return key <= query;
  case CompareKind::Ge:
    return key >= query;
  }
  return true;
}

/// Rule 1.
bool selectLooksBack(const Node *select, int64_t maxLen) {
  std::optional<std::vector<double>> keys = positionValues(select->inputs[0], maxLen);
  std::optional<std::vector<double>> queries = positionValues(select->inputs[1], maxLen);
  if (!keys || !queries)
    return false;
  for (int64_t q = 0; q < maxLen; ++q)
    for (int64_t k = q + 1; k < maxLen; ++k)
      if (compare((*keys)[k], select->cmp, (*queries)[q]))
        return false;
  return true;
}

/// Rules 1 and 2, memoised by node.
bool looksBack(const Node *selector, int64_t maxLen,
               std::unordered_map<const Node *, bool> &known) {
  auto found = known.find(selector);
  if (found != known.end())
    return found->second;
  bool result = false;
  switch (selector->kind) {
  case NodeKind::Select:
    result = selector->inputs.size() == 2 && selectLooksBack(selector, maxLen);
    break;
  case NodeKind::SelectorAnd:
    result = looksBack(selector->inputs[0], maxLen, known) ||
             looksBack(selector->inputs[1], maxLen, known);
    break;
  case NodeKind::SelectorOr:
    result = looksBack(selector->inputs[0], maxLen, known) &&
             looksBack(selector->inputs[1], maxLen, known);
    break;
  default:
    break;
  }
  known.emplace(selector, result);
  return result;
}

} // namespace

const Node *analysis::firstLookAhead(const Node *sop, int64_t maxLen) {
  std::unordered_map<const Node *, bool> known;
  for (const Node *node : topologicalOrder(sop))
    if ((node->kind == NodeKind::Aggregate || node->kind == NodeKind::SelectorWidth) &&
        !looksBack(node->inputs[0], maxLen, known))
      return node->inputs[0];
  return nullptr;
}
