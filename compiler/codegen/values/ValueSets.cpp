// Value sets of s-ops over a vocabulary and a maximum length: the builder
// (maps are in ValueSetMaps.cpp) and the sets' interface.
#include "compiler/codegen/values/ValueSets.h"
#include "compiler/codegen/values/ValueSetsImpl.h"

#include "compiler/codegen/values/Exact.h"

#include "compiler/codegen/values/Means.h"
#include "compiler/codegen/values/Positions.h"
#include "compiler/codegen/values/PrefixCount.h"

#include "compiler/atom/Atom.h"
#include "compiler/eval/Evaluate.h"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <unordered_set>

using namespace rasp;
using namespace rasp::codegen;
using namespace rasp::codegen::detail;

void Builder::ensure(const Node *root) {
  std::vector<std::pair<const Node *, bool>> stack = {{root, false}};
  while (!stack.empty()) {
    auto [node, expanded] = stack.back();
    if (done(node)) {
      stack.pop_back();
      continue;
    }
    if (!expanded) {
      stack.back().second = true;
      for (const Node *dependency : dependencies(node))
        if (!done(dependency))
          stack.push_back({dependency, false});
      continue;
    }
    stack.pop_back();
    finish(node);
  }
}

std::vector<const Node *> Builder::dependencies(const Node *node) {
  switch (node->kind) {
  case NodeKind::Map:
    if (byPosition(node))
      return {};
    if (prefixCount(node))
      return {prefixCount(node)->inputs[1]};
    return std::vector<const Node *>(node->inputs.begin(), node->inputs.end());
  case NodeKind::Aggregate:
    if (byPosition(node))
      return {};
    return {node->inputs[1]};
  default:
    return {};
  }
}

void Builder::finish(const Node *node) {
  const ValueSetError *failed = nullptr;
  for (const Node *dependency : dependencies(node))
    if (auto it = unknown.find(dependency); it != unknown.end())
      failed = &it->second;
  // (A map may still be known from the inputs of an unknown input.)
  if (failed && node->kind != NodeKind::Map) {
    ValueSetError copy = *failed;
    unknown.emplace(node, std::move(copy));
    return;
  }
  try {
    sets[node] = compute(node);
    if (memo.missing.count(node)) { // Cuts counted without this set are stale.
      memo.cuts.clear();
      memo.missing.clear();
    }
  } catch (const ValueSetError &e) {
    ValueSetError error = e;
    if (e.node == node && e.tooLarge)
      error.message += explainTooLarge(node);
    unknown.emplace(node, std::move(error));
  }
}

std::string Builder::explainTooLarge(const Node *node) {
  auto size = [&](const Node *n) {
    auto it = sets.find(n);
    return it != sets.end() ? std::to_string(it->second.size()) + " values" : "too many values";
  };
  std::string out = " at max_len " + std::to_string(options.maxLen);
  if (node->kind == NodeKind::Aggregate) {
    auto magnitude = [&](const Node *n) -> std::optional<double> {
      auto it = sets.find(n);
      return it == sets.end() ? std::nullopt : largestMagnitude(it->second);
    };
    int64_t most = mostKeysSelected(node->inputs[0], options.maxLen, magnitude);
    const Node *value = node->inputs[1];
    out += " (" +
           (selectsEveryKey(node->inputs[0])
                ? std::string("the mean of every position")
                : "the means of up to " + std::to_string(most) + " selected positions") +
           " over the " + size(value) + " of '" + value->name + "')";
    out += "; lower max_len, average an s-op with fewer values, select fewer keys (an equality "
           "on keys that differ at every position, such as the indices, selects one), or read '" +
           node->name +
           "' only in sums, differences and constant multiples, which need no value set";
    return out;
  }
  if (node->kind == NodeKind::Map) {
    std::string inputs;
    for (size_t i = 0; i < node->inputs.size(); ++i) {
      const Node *input = node->inputs[i];
      if (input->kind == NodeKind::Constant)
        continue;
      inputs += (inputs.empty() ? "" : ", ") + ("'" + input->name + "' (" + size(input) + ")");
    }
    if (!inputs.empty())
      out += " (its inputs: " + inputs + ")";
  }
  return out + "; lower max_len, or compute '" + node->name + "' from s-ops with fewer values";
}

std::vector<Atom> Builder::compute(const Node *node) {
  AtomSet out(node, options.limit);
  switch (node->kind) {
  case NodeKind::Tokens:
    for (const Atom &item : options.vocab) {
      try {
        out.insert(eval::convertToken(node, item));
      } catch (const eval::EvalError &e) {
        throw ValueSetError{node,
                            "the vocabulary does not suit '" + node->name + "': " + e.message};
      }
    }
    break;
  case NodeKind::Indices:
    for (int64_t i = 0; i < options.maxLen; ++i)
      out.insert(Atom::integer(i));
    break;
  case NodeKind::SelectorWidth:
    for (int64_t i = 0; i <= options.maxLen; ++i)
      out.insert(Atom::integer(i));
    break;
  case NodeKind::Constant:
    out.insert(node->constant);
    break;
  case NodeKind::Map:
    if (byPosition(node)) {
      positionalValues(node, out);
      break;
    }
    if (countSums(node, out))
      break;
    // A prefix count depends on its mean's values alone, as long as they
    // are a range of integers; otherwise its own inputs are needed.
    if (prefixCount(node))
      for (const Node *input : node->inputs)
        ensure(input);
    map(node, out);
    break;
  case NodeKind::Aggregate:
    if (byPosition(node))
      positionalValues(node, out);
    else
      aggregate(node, out);
    break;
  default:
    break;
  }
  return std::move(out).sorted();
}

bool Builder::positional(const Node *root) {
  // Iterative, inputs first: map chains can be long.
  std::vector<std::pair<const Node *, bool>> stack = {{root, false}};
  while (!stack.empty()) {
    auto [node, expanded] = stack.back();
    if (readsNoTokens.count(node)) {
      stack.pop_back();
      continue;
    }
    if (node->kind == NodeKind::Tokens || node->inputs.empty()) {
      readsNoTokens[node] = node->kind != NodeKind::Tokens;
      stack.pop_back();
      continue;
    }
    if (!expanded) {
      stack.back().second = true;
      for (const Node *input : node->inputs)
        if (!readsNoTokens.count(input))
          stack.push_back({input, false});
      continue;
    }
    stack.pop_back();
    readsNoTokens[node] = std::all_of(node->inputs.begin(), node->inputs.end(),
                                      [&](const Node *input) { return readsNoTokens[input]; });
  }
  return readsNoTokens[root];
}

bool Builder::byPosition(const Node *node) {
  // (Up to 1024 the evaluations cost less than a second, selectors included.)
  return (node->kind == NodeKind::Map || node->kind == NodeKind::Aggregate) &&
         options.maxLen <= 1024 && !options.vocab.empty() && positional(node);
}

const std::vector<std::optional<std::vector<Atom>>> &Builder::runsOf(const Node *node) {
  if (auto known = memo.runs.find(node); known != memo.runs.end())
    return known->second;
  return memo.runs[node] = node->kind == NodeKind::Map ? mapRuns(node) : evaluatedRuns(node);
}

std::vector<std::optional<std::vector<Atom>>> Builder::evaluatedRuns(const Node *node) {
  std::vector<std::optional<std::vector<Atom>>> runs(options.maxLen);
  for (int64_t n = 1; n <= options.maxLen; ++n) {
    eval::Evaluator evaluator(std::vector<Atom>(n, options.vocab.front()));
    try {
      runs[n - 1] = evaluator.sequence(node).values;
    } catch (const eval::EvalError &) {
    }
  }
  return runs;
}

std::vector<std::optional<std::vector<Atom>>> Builder::mapRuns(const Node *root) {
  // The maps below root, inputs first (without recursion: chains can be
  // long), down to leaves: s-ops of other kinds and maps whose runs are
  // kept. Constants are read in place.
  std::vector<const Node *> maps, leaves;
  std::unordered_set<const Node *> seen;
  std::vector<std::pair<const Node *, bool>> stack = {{root, false}};
  while (!stack.empty()) {
    auto [x, expanded] = stack.back();
    if (expanded) {
      maps.push_back(x);
      stack.pop_back();
      continue;
    }
    stack.pop_back();
    if (x->kind == NodeKind::Constant || !seen.insert(x).second)
      continue;
    if (x->kind != NodeKind::Map || (x != root && memo.runs.count(x))) {
      leaves.push_back(x);
      continue;
    }
    stack.push_back({x, true});
    for (const Node *input : x->inputs)
      stack.push_back({input, false});
  }
  // Length by length, as the evaluator goes (only root's values kept): a
  // map is applied as the sets apply it (exactMap), so that its values are
  // the doubles MapProgram computes through it; a leaf is the evaluator's.
  std::vector<std::optional<std::vector<Atom>>> runs(options.maxLen);
  for (int64_t n = 1; n <= options.maxLen; ++n) {
    std::optional<eval::Evaluator> evaluator;
    std::unordered_map<const Node *, const std::vector<Atom> *> at;
    std::unordered_map<const Node *, std::vector<Atom>> computed;
    bool fails = false; // (Where a leaf fails, the evaluator fails on root.)
    try {
      for (const Node *leaf : leaves) {
        if (auto kept = memo.runs.find(leaf); kept != memo.runs.end()) {
          fails = fails || !kept->second[n - 1];
          if (!fails)
            at[leaf] = &*kept->second[n - 1];
          continue;
        }
        if (!evaluator)
          evaluator.emplace(std::vector<Atom>(n, options.vocab.front()));
        at[leaf] = &evaluator->sequence(leaf).values;
      }
      if (fails)
        continue;
      std::vector<const Atom *> operands;
      for (const Node *map : maps) {
        std::vector<Atom> &values = computed[map];
        operands.resize(map->operands.size());
        for (int64_t p = 0; p < n; ++p) {
          for (size_t i = 0; i < operands.size(); ++i) {
            const graph::Operand &operand = map->operands[i];
            const Node *input = operand.input < 0 ? nullptr : map->inputs[operand.input];
            operands[i] = !input                              ? &operand.constant
                          : input->kind == NodeKind::Constant ? &input->constant
                                                              : &(*at.at(input))[p];
          }
          values.push_back(exactMap(map, operands.data()));
        }
        eval::typeSequence(values, map->loc); // (Fails as the evaluator fails.)
        at[map] = &values;
      }
      runs[n - 1] = std::move(computed.at(root));
    } catch (const eval::EvalError &) {
    }
  }
  return runs;
}

void Builder::positionalValues(const Node *node, AtomSet &out) {
  std::vector<std::vector<Atom>> byLength(options.maxLen);
  for (int64_t n = 1; n <= options.maxLen; ++n) {
    const std::optional<std::vector<Atom>> &run = runsOf(node)[n - 1];
    if (!run)
      continue;
    AtomSet here(node, options.limit);
    for (const Atom &v : *run) {
      out.insert(v);
      here.insert(v);
    }
    byLength[n - 1] = std::move(here).sorted();
  }
  memo.byLength[node] = std::move(byLength);
}

const Node *Builder::prefixCount(const Node *node) {
  auto cached = prefixCounts.find(node);
  if (cached != prefixCounts.end())
    return cached->second;
  const Node *indices = nullptr;
  const Node *mean = prefixCountMean(node, options.maxLen, indices);
  return prefixCounts[node] = mean;
}

bool Builder::countSums(const Node *node, AtomSet &out) {
  const Node *mean = prefixCount(node);
  if (!mean)
    return false;
  const std::vector<Atom> &values = sets.at(mean->inputs[1]);
  if (values.empty() ||
      !std::all_of(values.begin(), values.end(), [](const Atom &v) { return v.isInt(); }))
    return false;
  int64_t lo = values.front().integral(), hi = values.back().integral();
  if (hi - lo + 1 != static_cast<int64_t>(values.size()))
    return false;
  for (int64_t w = 1; w <= options.maxLen; ++w)
    for (int64_t sum = w * lo; sum <= w * hi; ++sum)
      out.insert(Atom::integer(sum));
  return true;
}

void Builder::aggregate(const Node *node, AtomSet &out) {
  const std::vector<Atom> &values = sets.at(node->inputs[1]);
  // (A shift of the keys must be finite and keep them apart: its set is
  // computed if need be.)
  auto magnitude = [&](const Node *shift) -> std::optional<double> {
    ensure(shift);
    auto it = sets.find(shift);
    return it == sets.end() ? std::nullopt : largestMagnitude(it->second);
  };
  auto integral = [&](const Node *n) {
    ensure(n);
    auto it = sets.find(n);
    return it != sets.end() && !it->second.empty() &&
           std::all_of(it->second.begin(), it->second.end(),
                       [](const Atom &v) { return v.isIntegral(); });
  };
  // A query selects at most `most` keys: a mean of at most that many values.
  int64_t most = mostKeysSelected(node->inputs[0], options.maxLen, magnitude, integral);
  // Values that depend on the position: the means length by length. (A
  // function of the index alone under a selector that may select any
  // positions takes, over all lengths, the means of subsets of positions
  // 0..N-1: the sums below find those at once.)
  bool every = selectsEveryKey(node->inputs[0]);
  // Every key selected holds one value (a value the same at every position
  // of an input, a count of every "a"; the keys holding the largest value):
  // the mean is that value (exactly, as the sets hold numbers), or the
  // default where nothing is selected.
  if (selectsOneValue(node->inputs[0], node->inputs[1])) {
    if (!every)
      out.insert(node->constant);
    for (const Atom &v : values)
      out.insert(v);
    return;
  }
  if (every && groupCountMeans(node, out))
    return;
  if ((every || !valuesByIndex(node->inputs[1], options.maxLen)) &&
      cellMeans(node, most, every, out))
    return;
  out.insert(node->constant);
  for (const Atom &v : values)
    out.insert(v);
  if (most <= 1)
    return; // One value or the default, never a mean of several.
  bool numbers = !values.empty() && std::all_of(values.begin(), values.end(),
                                                [](const Atom &v) { return v.isNumber(); });
  if (!numbers)
    return; // Averaging non-numbers fails in the evaluator.
  // Values fixed per position: a selection takes each at most once.
  if (std::optional<std::vector<int64_t>> byIndex = valuesByIndex(node->inputs[1], options.maxLen))
    if (forEachSubsetMean(*byIndex, most, [&](const Atom &mean) { out.insert(mean); }))
      return;
  forEachMean(node, values, most, options.limit, [&](const Atom &mean) { out.insert(mean); });
}

detail::BuilderMemo &ValueSets::builderMemo() const {
  if (!memo.memo)
    memo.memo = std::make_shared<detail::BuilderMemo>();
  return *memo.memo;
}

std::optional<double> codegen::largestMagnitude(const std::vector<Atom> &values) {
  double most = 0;
  for (const Atom &v : values) {
    if (!v.isNumber() || !std::isfinite(v.number()))
      return std::nullopt;
    most = std::max(most, std::fabs(v.number()));
  }
  return most;
}

const std::vector<Atom> &ValueSets::at(const Node *node) const {
  if (auto it = known.find(node); it != known.end())
    return it->second;
  if (!unknown.count(node))
    Builder(options, known, unknown, builderMemo()).ensure(node);
  if (auto it = known.find(node); it != known.end())
    return it->second;
  throw unknown.at(node);
}

bool ValueSets::has(const Node *node) const {
  try {
    at(node);
    return true;
  } catch (const ValueSetError &) {
    return false;
  }
}

std::optional<std::vector<ValueSets::MeanRange>>
ValueSets::wholeMeanRange(const Node *values) const {
  if (!has(values))
    return std::nullopt;
  return Builder(options, known, unknown, builderMemo()).wholeMeanRange(values);
}

bool ValueSets::hasSetsPerLength(const Node *node) const {
  return builderMemo().byLength.count(node) > 0;
}

const std::vector<std::vector<Atom>> *ValueSets::setsPerLength(const Node *node) const {
  const detail::BuilderMemo &m = builderMemo();
  auto it = m.byLength.find(node);
  return it == m.byLength.end() ? nullptr : &it->second;
}

bool ValueSets::canOccurTogether(const std::vector<const Node *> &nodes,
                                 const std::vector<Atom> &values) const {
  const detail::BuilderMemo &m = builderMemo();
  std::vector<const std::vector<std::vector<Atom>> *> perLength;
  std::vector<size_t> which;
  for (size_t j = 0; j < nodes.size(); ++j)
    if (auto it = m.byLength.find(nodes[j]); it != m.byLength.end()) {
      perLength.push_back(&it->second);
      which.push_back(j);
    }
  if (perLength.size() < 2)
    return true; // (One node's sets per length relate it to nothing.)
  // (Sets are sorted: numbers ascending, then strings.)
  auto before = [](const Atom &a, const Atom &b) {
    if (a.isString() != b.isString())
      return !a.isString();
    if (a.isString())
      return a.asString() < b.asString();
    return a.number() < b.number();
  };
  for (int64_t n = 0; n < options.maxLen; ++n) {
    bool all = true;
    for (size_t k = 0; k < perLength.size() && all; ++k) {
      const std::vector<Atom> &set = (*perLength[k])[n];
      const Atom &v = values[which[k]];
      auto it = std::lower_bound(set.begin(), set.end(), v, before);
      all = it != set.end() && it->equals(v);
    }
    if (all)
      return true;
  }
  return false;
}

void ValueSets::computeAll(const Node *root) const {
  for (const Node *node : graph::topologicalOrder(root))
    if (!node->isSelector())
      Builder(options, known, unknown, builderMemo()).ensure(node);
}

ValueSets codegen::lazyValueSets(const Node *root, const ValueSetOptions &options) {
  (void)root; // Sets are computed on first use, below any root.
  ValueSets sets;
  sets.options = options;
  return sets;
}
