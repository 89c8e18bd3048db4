// Value sets of s-ops over a vocabulary and a maximum length.
#include "compiler/codegen/ValueSets.h"

#include "compiler/codegen/MapProgram.h"
#include "compiler/codegen/Means.h"
#include "compiler/codegen/Positions.h"
#include "compiler/codegen/PrefixCount.h"

#include "compiler/eval/Evaluate.h"
#include "compiler/lang/Value.h"

#include <algorithm>
#include <cmath>
#include <cassert>
#include <optional>
#include <unordered_set>

using namespace rasp;
using namespace rasp::codegen;
using graph::Node;
using graph::NodeKind;
using lang::Atom;

namespace {

/// A set of atoms by Python equality, keeping the first spelling of each.
class AtomSet {
public:
  explicit AtomSet(const Node *node, size_t limit) : node(node), limit(limit) {}

  void insert(const Atom &atom) {
    if (seen.insert(atom).second) {
      order.push_back(atom);
      if (order.size() > limit)
        throw ValueSetError{node, "the value set of '" + node->name +
                                      "' has more than " + std::to_string(limit) +
                                      " values; lower max_len, or restructure the "
                                      "program so that fewer values reach it"};
    }
  }

  std::vector<Atom> sorted() && {
    std::sort(order.begin(), order.end(), [](const Atom &a, const Atom &b) {
      if (a.isString() != b.isString())
        return !a.isString();
      if (a.isString())
        return a.asString() < b.asString();
      return a.number() < b.number();
    });
    return std::move(order);
  }

private:
  const Node *node;
  size_t limit;
  std::unordered_set<Atom, lang::AtomHash, lang::AtomEq> seen;
  std::vector<Atom> order;
};

class Builder {
public:
  Builder(const ValueSetOptions &options,
          std::unordered_map<const Node *, std::vector<Atom>> &sets,
          std::unordered_map<const Node *, ValueSetError> &unknown)
      : options(options), sets(sets), unknown(unknown) {}

  /// Computes the set of `root` and of what it needs below it, inputs
  /// first (without recursion: map chains can be long).
  void ensure(const Node *root) {
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

private:
  bool done(const Node *node) const { return sets.count(node) || unknown.count(node); }

  /// The nodes whose sets `node`'s set is computed from.
  std::vector<const Node *> dependencies(const Node *node) {
    switch (node->kind) {
    case NodeKind::Map:
      if (prefixCount(node))
        return {prefixCount(node)->inputs[1]};
      return std::vector<const Node *>(node->inputs.begin(), node->inputs.end());
    case NodeKind::Aggregate:
      return {node->inputs[1]};
    default:
      return {};
    }
  }

  void finish(const Node *node) {
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
    } catch (const ValueSetError &e) {
      unknown.emplace(node, e);
    }
  }

  /// A map whose result is a bool (a comparison, and, or, not, in) gets
  /// {False, True}, an indicator {0, 1}: supersets, for when its inputs
  /// combine in too many ways to enumerate.
  static bool boolOrIndicator(const Node *node, AtomSet &out) {
    bool boolean = false;
    switch (node->mapOp) {
    case graph::MapOpKind::And:
    case graph::MapOpKind::Or:
    case graph::MapOpKind::Not:
    case graph::MapOpKind::InList:
      boolean = true;
      break;
    case graph::MapOpKind::Atom:
      boolean = node->atomOp == lang::AtomOpKind::Eq || node->atomOp == lang::AtomOpKind::Ne ||
                node->atomOp == lang::AtomOpKind::Lt || node->atomOp == lang::AtomOpKind::Gt ||
                node->atomOp == lang::AtomOpKind::Le || node->atomOp == lang::AtomOpKind::Ge;
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

  /// The mean of a prefix count whose values are consecutive integers.
  const Node *prefixCount(const Node *node) {
    auto cached = prefixCounts.find(node);
    if (cached != prefixCounts.end())
      return cached->second;
    const Node *indices = nullptr;
    const Node *mean = prefixCountMean(node, options.maxLen, indices);
    return prefixCounts[node] = mean;
  }

  /// A prefix count's set: the sums of w values, w = 1..N, when the values
  /// are every integer of a range (false when they are not).
  bool countSums(const Node *node, AtomSet &out) {
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

  std::vector<Atom> compute(const Node *node) {
    AtomSet out(node, options.limit);
    switch (node->kind) {
    case NodeKind::Tokens:
      for (const Atom &item : options.vocab) {
        try {
          out.insert(eval::convertToken(node, item));
        } catch (const eval::EvalError &e) {
          throw ValueSetError{node, "the vocabulary does not suit '" + node->name +
                                        "': " + e.message};
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
      if (!countSums(node, out))
        map(node, out);
      break;
    case NodeKind::Aggregate:
      aggregate(node, out);
      break;
    default:
      break;
    }
    return std::move(out).sorted();
  }

  /// Combinations of the nodes' values (infinite if one is unknown).
  double combinations(const std::vector<const Node *> &nodes) const {
    double product = 1;
    for (const Node *n : nodes) {
      auto it = sets.find(n);
      product *= it == sets.end() ? HUGE_VAL : static_cast<double>(it->second.size());
    }
    return product;
  }

  /// The nodes below a map whose values determine it, with the fewest
  /// combinations: starting from its inputs, a map in the cut is replaced by
  /// its own inputs while that does not add combinations (so `t if t < 10
  /// else t - 10` is enumerated over t alone, not over three sets).
  std::vector<const Node *> cheapestCut(const Node *node) const {
    std::vector<const Node *> cut;
    auto addUnique = [](std::vector<const Node *> &list, const Node *n) {
      if (std::find(list.begin(), list.end(), n) == list.end())
        list.push_back(n);
    };
    for (const Node *input : node->inputs)
      addUnique(cut, input);
    bool changed = true;
    while (changed) {
      changed = false;
      for (size_t i = 0; i < cut.size() && !changed; ++i) {
        if (cut[i]->kind != NodeKind::Map)
          continue;
        std::vector<const Node *> candidate;
        for (size_t j = 0; j < cut.size(); ++j)
          if (j != i)
            addUnique(candidate, cut[j]);
        for (const Node *input : cut[i]->inputs)
          addUnique(candidate, input);
        if (combinations(candidate) <= combinations(cut)) {
          cut = std::move(candidate);
          changed = true;
        }
      }
    }
    return cut;
  }

  /// The map's values over every combination of the cut's values.
  void mapOverCut(const Node *node, const std::vector<const Node *> &cut, AtomSet &out) {
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

  /// A linear combination of numerical means over equal selectors (Means.h).
  bool linearMeans(const Node *node, AtomSet &out) {
    std::vector<const Node *> aggregates;
    if (!linearLeaves(node, aggregates) || aggregates.size() < 2)
      return false;
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

  /// Every combination of operand values, odometer style.
  void map(const Node *node, AtomSet &out) {
    try {
      enumerate(node, out);
    } catch (const ValueSetError &) {
      // Too many combinations, or an unknown input: the type may still
      // bound the set.
      if (!boolOrIndicator(node, out))
        throw;
    }
  }

  void enumerate(const Node *node, AtomSet &out) {
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
      throw ValueSetError{node, "'" + node->name + "' combines " +
                                    std::to_string(static_cast<long long>(combinations)) +
                                    " combinations of input values; lower max_len, or "
                                    "restructure the program"};
    std::vector<size_t> at(choices.size(), 0);
    std::vector<const Atom *> operands(choices.size());
    if (std::any_of(choices.begin(), choices.end(),
                    [](const std::vector<Atom> *c) { return c->empty(); }))
      return;
    while (true) {
      for (size_t i = 0; i < choices.size(); ++i)
        operands[i] = &(*choices[i])[at[i]];
      try {
        out.insert(eval::applyMap(node, operands.data()));
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

  void aggregate(const Node *node, AtomSet &out) {
    const std::vector<Atom> &values = sets.at(node->inputs[1]);
    out.insert(node->constant);
    for (const Atom &v : values)
      out.insert(v);
    // (A shift of the keys must be finite: its set is computed if need be.)
    auto finite = [&](const Node *shift) {
      ensure(shift);
      auto it = sets.find(shift);
      return it != sets.end() &&
             std::all_of(it->second.begin(), it->second.end(), [](const Atom &v) {
               return v.isNumber() && std::isfinite(v.number());
             });
    };
    if (selectsAtMostOne(node->inputs[0], finite))
      return; // One value or the default, never a mean of several.
    bool numbers = !values.empty() &&
                   std::all_of(values.begin(), values.end(),
                               [](const Atom &v) { return v.isNumber(); });
    if (!numbers)
      return; // Averaging non-numbers fails in the evaluator.
    forEachMean(node, values, options.maxLen, options.limit,
                [&](const Atom &mean) { out.insert(mean); });
  }

  const ValueSetOptions &options;
  std::unordered_map<const Node *, std::vector<Atom>> &sets;
  std::unordered_map<const Node *, ValueSetError> &unknown;
  std::unordered_map<const Node *, const Node *> prefixCounts;
};

} // namespace

const std::vector<Atom> &ValueSets::at(const Node *node) const {
  if (auto it = known.find(node); it != known.end())
    return it->second;
  if (!unknown.count(node))
    Builder(options, known, unknown).ensure(node);
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

void ValueSets::computeAll(const Node *root) const {
  for (const Node *node : graph::topologicalOrder(root))
    if (!node->isSelector())
      Builder(options, known, unknown).ensure(node);
}

ValueSets codegen::computeValueSets(const Node *root, const ValueSetOptions &options) {
  (void)root; // Sets are computed on first use, below any root.
  ValueSets sets;
  sets.options = options;
  return sets;
}
