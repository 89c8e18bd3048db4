// The plan's prefix counts: round((indices + 1) * m), where m is a mean over
// select(indices, indices, <=) of integers, is the count s of the values
// summed, since at index i that selector picks exactly i + 1 keys (m =
// s / (i + 1)). A map that reads several such means only through one
// integer combination L = sum(b_j * count_j) + c is a function of the index
// and of the linear form t = sum(b_j * m_j) of the residual: at index i,
// L = (i + 1) * t + c. Its lookup reads t as its one numerical input, with
// the levels t can take at each index (k / (i + 1) for k in L's range
// there), so that no layer is spent making the counts first.
#include "compiler/codegen/MapProgram.h"
#include "compiler/codegen/PlannerImpl.h"
#include "compiler/codegen/PrefixCount.h"

#include <algorithm>
#include <cassert>
#include <numeric>

using namespace rasp;
using namespace rasp::codegen;
using namespace rasp::codegen::detail;

const Node *Planner::countMean(const Node *y, const Node *&indices) {
  const Node *mean = prefixCountMean(y, options.maxLen, indices);
  if (!mean || findFeature(mean, EncodingKind::Numerical) < 0)
    return nullptr;
  try {
    const std::vector<Atom> &values = sets.at(mean->inputs[1]);
    if (values.empty() ||
        !std::all_of(values.begin(), values.end(), [](const Atom &v) { return v.isInt(); }))
      return nullptr;
  } catch (const ValueSetError &) {
    return nullptr;
  }
  return mean;
}

std::optional<Planner::CountForm> Planner::countForm(const Node *y, const Node *&indices) {
  if (const Node *mean = countMean(y, indices))
    return CountForm{{{mean, 1}}, 0};
  if (y->kind == NodeKind::Constant)
    return y->constant.isInt() ? std::optional<CountForm>(CountForm{{}, y->constant.integral()})
                               : std::nullopt;
  if (y->kind != NodeKind::Map)
    return std::nullopt;
  std::vector<CountForm> parts;
  for (const graph::Operand &operand : y->operands) {
    if (operand.input < 0) {
      if (!operand.constant.isInt())
        return std::nullopt;
      parts.push_back(CountForm{{}, operand.constant.integral()});
      continue;
    }
    std::optional<CountForm> part = countForm(y->inputs[operand.input], indices);
    if (!part)
      return std::nullopt;
    parts.push_back(std::move(*part));
  }
  auto scaled = [](CountForm form, int64_t k) {
    for (auto &term : form.terms)
      term.second *= k;
    form.constant *= k;
    return form;
  };
  auto sum = [](CountForm a, const CountForm &b) {
    for (const auto &term : b.terms) {
      auto it = std::find_if(a.terms.begin(), a.terms.end(),
                             [&](const auto &t) { return t.first == term.first; });
      if (it == a.terms.end())
        a.terms.push_back(term);
      else
        it->second += term.second;
    }
    a.constant += b.constant;
    return a;
  };
  if ((y->mapOp == graph::MapOpKind::Neg || y->mapOp == graph::MapOpKind::Plus) &&
      parts.size() == 1)
    return scaled(parts[0], y->mapOp == graph::MapOpKind::Neg ? -1 : 1);
  if (y->mapOp != graph::MapOpKind::Atom || parts.size() != 2)
    return std::nullopt;
  switch (y->atomOp) {
  case lang::AtomOpKind::Add:
    return sum(parts[0], parts[1]);
  case lang::AtomOpKind::Sub:
    return sum(parts[0], scaled(parts[1], -1));
  case lang::AtomOpKind::Mul:
    if (parts[0].terms.empty())
      return scaled(parts[1], parts[0].constant);
    if (parts[1].terms.empty())
      return scaled(parts[0], parts[1].constant);
    return std::nullopt;
  default:
    return std::nullopt;
  }
}

std::optional<Planner::CountLookup> Planner::countLookup(const Node *x) {
  CountLookup lookup;
  std::unordered_set<const Node *> seen;
  bool ok = true;
  std::vector<const Node *> stack = {x};
  while (!stack.empty() && ok) {
    const Node *y = stack.back();
    stack.pop_back();
    if (!seen.insert(y).second || y->kind == NodeKind::Constant)
      continue;
    const Node *indices = nullptr;
    if (std::optional<CountForm> form = countForm(y, indices)) {
      if (!form->terms.empty()) {
        // One combination of counts only.
        ok = !lookup.form || lookup.form == y;
        lookup.form = y;
        lookup.counts = std::move(*form);
        lookup.indices = indices;
        continue;
      }
    }
    int f = bestFeature(y, true);
    if (f < 0 && (y->kind == NodeKind::Tokens || y->kind == NodeKind::Indices))
      f = embedding(y);
    if (f >= 0) {
      ok = feature(f).encoding == EncodingKind::Categorical;
      if (std::find(lookup.categorical.begin(), lookup.categorical.end(), f) ==
          lookup.categorical.end())
        lookup.categorical.push_back(f);
      continue;
    }
    if (y->kind != NodeKind::Map) {
      ok = false;
      continue;
    }
    for (const Node *input : y->inputs)
      stack.push_back(input);
  }
  if (!ok || !lookup.form)
    return std::nullopt;
  lookup.counts.terms.erase(
      std::remove_if(lookup.counts.terms.begin(), lookup.counts.terms.end(),
                     [](const auto &t) { return t.second == 0; }),
      lookup.counts.terms.end());
  if (lookup.counts.terms.empty())
    return std::nullopt;
  int indexBlock = embedding(lookup.indices);
  if (std::find(lookup.categorical.begin(), lookup.categorical.end(), indexBlock) ==
      lookup.categorical.end()) {
    lookup.categorical.push_back(indexBlock);
    lookup.indexOnlyInForm = true;
  }
  std::sort(lookup.categorical.begin(), lookup.categorical.end());
  return lookup;
}

int Planner::materializeCounts(const Node *x, EncodingKind encoding, const CountLookup &lookup) {
  // The numerical input t = sum(b_j * m_j) and, per index, the range of
  // L - c = sum(b_j * s_j) with s_j in [w * min v_j, w * max v_j], w = i + 1.
  Sparse form;
  int latestInput = latest(lookup.categorical);
  std::vector<std::pair<int64_t, int64_t>> unitRange; // per term: min, max of v_j
  for (const auto &[mean, k] : lookup.counts.terms) {
    int f = findFeature(mean, EncodingKind::Numerical);
    addScaled(form, numericReading(f), static_cast<double>(k));
    latestInput = std::max(latestInput, feature(f).time);
    int64_t lo = INT64_MAX, hi = INT64_MIN;
    for (const Atom &v : sets.at(mean->inputs[1])) {
      lo = std::min(lo, v.integral());
      hi = std::max(hi, v.integral());
    }
    unitRange.emplace_back(lo, hi);
  }
  auto range = [&](int64_t w) {
    int64_t lo = 0, hi = 0;
    for (size_t j = 0; j < unitRange.size(); ++j) {
      int64_t k = lookup.counts.terms[j].second;
      int64_t a = k * w * unitRange[j].first, b = k * w * unitRange[j].second;
      lo += std::min(a, b);
      hi += std::max(a, b);
    }
    return std::make_pair(lo, hi);
  };
  // The levels of t: every k / w, reduced.
  std::map<std::pair<int64_t, int64_t>, int> levelOf;
  for (int64_t w = 1; w <= options.maxLen; ++w) {
    auto [lo, hi] = range(w);
    if (static_cast<double>(levelOf.size()) + static_cast<double>(hi - lo + 1) >
        static_cast<double>(options.maxUnits))
      throw CompileError{x, "'" + x->name + "' reads counts whose combination '" +
                                lookup.form->name + "' takes too many values"};
    for (int64_t k = lo; k <= hi; ++k) {
      int64_t g = std::gcd(k < 0 ? -k : k, w);
      levelOf.emplace(std::make_pair(k / g, w / g), 0);
    }
  }
  std::vector<std::pair<int64_t, int64_t>> rational;
  NumericInput numeric;
  numeric.form = form;
  for (auto &[r, index] : levelOf) {
    index = static_cast<int>(rational.size());
    rational.push_back(r);
    numeric.levels.push_back(static_cast<double>(r.first) / static_cast<double>(r.second));
  }
  numeric.noise = noiseOf(numeric.levels);

  int f = addMlpFeature(x, blockOf(x, encoding, valuesOf(x)), latestInput);
  int time = feature(f).time;

  LookupSpec spec = lookupSpec();
  std::vector<const Node *> bound;
  int indexSlot = -1;
  for (int c : lookup.categorical) {
    if (featureNode[c] == lookup.indices)
      indexSlot = static_cast<int>(bound.size());
    spec.categorical.push_back(blockDims(c));
    bound.push_back(featureNode[c]);
  }
  assert(indexSlot >= 0 && "the lookup reads the indices");
  bound.push_back(lookup.form);
  spec.numeric = numeric;
  const std::vector<Atom> &indexValues = feature(lookup.categorical[indexSlot]).values;
  // The count combination at this index for level n, if it can occur.
  auto countAt = [&](const std::vector<int> &combo, int n) -> std::optional<int64_t> {
    int64_t w = indexValues[combo[indexSlot]].integral() + 1;
    auto [p, q] = rational[n];
    if (w % q != 0)
      return std::nullopt;
    int64_t k = p * (w / q);
    auto [lo, hi] = range(w);
    if (k < lo || k > hi)
      return std::nullopt;
    return k;
  };
  // Per width w, the levels k / w for k in the range.
  std::vector<std::vector<int>> levelsOfWidth(options.maxLen + 1);
  for (int64_t w = 1; w <= options.maxLen; ++w) {
    auto [lo, hi] = range(w);
    for (int64_t k = lo; k <= hi; ++k) {
      int64_t g = std::gcd(k < 0 ? -k : k, w);
      levelsOfWidth[w].push_back(levelOf.at({k / g, w / g}));
    }
  }
  spec.levelsAt = [&](const std::vector<int> &combo) -> std::vector<int> {
    int64_t w = indexValues[combo[indexSlot]].integral() + 1;
    return w >= 1 && w <= options.maxLen ? levelsOfWidth[w] : std::vector<int>{};
  };
  MapProgram program(x, bound);
  std::vector<const Atom *> values(bound.size());
  Atom count;
  // When x reads the index only through the counts, its output depends on
  // the other blocks and the combination's value alone: computed once each.
  int64_t lowest = range(options.maxLen).first, highest = range(options.maxLen).second;
  for (int64_t w = 1; w < options.maxLen; ++w) {
    lowest = std::min(lowest, range(w).first);
    highest = std::max(highest, range(w).second);
  }
  size_t others = 1;
  for (size_t c = 0; c < spec.categorical.size(); ++c)
    if (static_cast<int>(c) != indexSlot)
      others *= spec.categorical[c].size();
  size_t span = static_cast<size_t>(highest - lowest + 1);
  std::vector<std::optional<Sparse>> cache(
      lookup.indexOnlyInForm && others * span <= 10'000'000 ? others * span : 0);
  spec.output = [&](const std::vector<int> &combo, int n) {
    int64_t k = *countAt(combo, n);
    size_t slot = 0;
    if (!cache.empty()) {
      for (size_t c = 0; c < combo.size(); ++c)
        if (static_cast<int>(c) != indexSlot)
          slot = slot * spec.categorical[c].size() + static_cast<size_t>(combo[c]);
      slot = slot * span + static_cast<size_t>(k - lowest);
      if (cache[slot])
        return *cache[slot];
    }
    for (size_t c = 0; c < lookup.categorical.size(); ++c)
      values[c] = &feature(lookup.categorical[c]).values[combo[c]];
    count = Atom::integer(k + lookup.counts.constant);
    values.back() = &count;
    Sparse encoded = encode(f, program.run(values));
    if (!cache.empty())
      cache[slot] = encoded;
    return encoded;
  };
  MlpBlock block;
  block.units = lookupUnits(x, spec);
  std::string names;
  for (int c : lookup.categorical)
    names += blockName(c) + ", ";
  block.description = "'" + x->name + "' (" +
                      (encoding == EncodingKind::Categorical
                           ? std::to_string(feature(f).values.size()) + " values"
                           : std::string("numerical")) +
                      ") from " + names + "'" + lookup.form->name +
                      "' (prefix counts, read as means): " + std::to_string(block.units.size()) +
                      " units";
  mlps[time].push_back(std::move(block));
  return f;
}
