// The plan's lookups of prefix counts (recognised in CountForms.cpp): a map
// of the index, categorical blocks and combinations of counts, made in one
// MLP that reads the combinations' means as one linear form.
//
//   1. Combination q reads the linear form t_q = sum(b_j * m_j); at index i
//      (w = i + 1) it is D_q / w, with the integer D_q = sum(b_j * s_j) in a
//      range known from the means' values.
//   2. Several combinations are packed in mixed radix: t = sum(R_q * t_q),
//      with R_0 = 1 and R_q+1 = R_q times the width of D_q's window over
//      every index, so that w * t = sum(R_q * D_q) gives back every D_q.
//   3. The lookup reads t with, at each index, only the levels k / w its
//      combinations can give there (the steps follow those gaps), and the
//      output at each is the map evaluated on the decoded D_q: a count form
//      is D_q + c, a sign form the comparison of D_q with 0.
// Packing several combinations is tried only where it is exact: when the
// levels are too many, or too close for float32 with the noise of the
// means multiplied by the radix, nothing is added (the caller splits the
// map instead).
#include "compiler/codegen/constructions/MapProgram.h"
#include "compiler/codegen/plan/CountPlanner.h"
#include "compiler/codegen/plan/PackedLevels.h"
#include "compiler/codegen/values/Exact.h"
#include "compiler/eval/Evaluate.h"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <functional>
#include <map>
#include <memory>
#include <numeric>
#include <set>
#include <unordered_map>

using namespace rasp;
using namespace rasp::codegen;

namespace {

/// Phases 1 and 2: the combinations' means packed into one linear form.
struct Packing {
  const CountLookup *lookup = nullptr;
  /// Per combination and term: the range of the integers its mean averages.
  std::vector<std::vector<std::pair<int64_t, int64_t>>> unitRange;
  /// Per combination: its lowest integer over every width, the width of its
  /// window (the radix) and its weight in the packed value.
  std::vector<int64_t> low, radix, weight;
  LinearForm form;
  /// How far the packed form may be from its level (from its means').
  double noise = 0;
  int latestInput = 0;
  /// Some combination's packed values pass 1e12 (the later ones are unset).
  bool tooWide = false;

  /// The range of combination q's integer at width w.
  std::pair<int64_t, int64_t> range(size_t q, int64_t w) const {
    int64_t lo = 0, hi = 0;
    for (size_t j = 0; j < unitRange[q].size(); ++j) {
      int64_t k = lookup->combinations[q].terms[j].second;
      int64_t a = k * w * unitRange[q][j].first, b = k * w * unitRange[q][j].second;
      lo += std::min(a, b);
      hi += std::max(a, b);
    }
    return std::make_pair(lo, hi);
  }
  /// The packed value of every combination at its lowest.
  int64_t lowest() const {
    int64_t k = 0;
    for (size_t q = 0; q < low.size(); ++q)
      k += weight[q] * low[q];
    return k;
  }
};

/// Phase 1: per combination, its form and the range of each mean's values.
Packing readCombinations(PlanContext &cx, const CountLookup &lookup) {
  const ResidualLayout &layout = cx.layout;
  size_t combinations = lookup.combinations.size();
  Packing packing;
  packing.lookup = &lookup;
  packing.latestInput = layout.latest(lookup.categorical);
  packing.unitRange.resize(combinations);
  std::vector<LinearForm> forms(combinations);
  double meanNoise = 0;
  for (size_t q = 0; q < combinations; ++q)
    for (const auto &[mean, k] : lookup.combinations[q].terms) {
      int f = layout.find(mean, EncodingKind::Numerical);
      addScaled(forms[q], layout.numericReading(f), static_cast<double>(k));
      packing.latestInput = std::max(packing.latestInput, layout.block(f).time);
      int64_t lo = INT64_MAX, hi = INT64_MIN;
      for (const Atom &v : cx.sets.at(mean->inputs[1])) {
        lo = std::min(lo, v.integral());
        hi = std::max(hi, v.integral());
      }
      packing.unitRange[q].emplace_back(lo, hi);
      // (Every selector here selects a key: the mean lies between the
      // values, and its noise needs no set of its own, which may be too
      // large to list.)
      meanNoise =
          std::max(meanNoise, cx.noiseOf({static_cast<double>(lo), static_cast<double>(hi)}) *
                                  std::fabs(double(k)));
    }
  // Phase 2: the window of each combination over every width, the radix,
  // and the packed form.
  packing.low.resize(combinations);
  packing.radix.resize(combinations);
  packing.weight.assign(combinations, 1);
  for (size_t q = 0; q < combinations; ++q) {
    int64_t lo = INT64_MAX, hi = INT64_MIN;
    for (int64_t w = 1; w <= cx.options.maxLen; ++w) {
      lo = std::min(lo, packing.range(q, w).first);
      hi = std::max(hi, packing.range(q, w).second);
    }
    packing.low[q] = lo;
    packing.radix[q] = hi - lo + 1;
    if (q > 0)
      packing.weight[q] = packing.weight[q - 1] * packing.radix[q - 1];
    packing.noise += static_cast<double>(packing.weight[q]) * meanNoise *
                     static_cast<double>(lookup.combinations[q].terms.size());
    // (Past 1e12 no packing is exact; the weights beyond could overflow.)
    if (static_cast<double>(packing.weight[q]) * static_cast<double>(packing.radix[q]) > 1e12) {
      packing.tooWide = true;
      break;
    }
  }
  for (size_t q = 0; q < combinations; ++q)
    addScaled(packing.form, forms[q], static_cast<double>(packing.weight[q]));
  return packing;
}

/// Whether several combinations packed stay exact: the packed values fit in
/// 1e12, and, ahead of tabulating (the lookup's own checks), at width N the
/// levels are 1/N apart, so the steps' slopes reach 2N; neither the noise
/// nor float32 rounding over the form's range may move a step by an eighth.
bool packingFits(const Packing &packing, int64_t maxLen) {
  if (packing.tooWide)
    return false;
  size_t combinations = packing.low.size();
  double slope = 2.0 * static_cast<double>(maxLen), most = 0;
  for (int64_t w = 1; w <= maxLen; ++w) {
    double lo = 0, hi = 0;
    for (size_t q = 0; q < combinations; ++q) {
      lo += static_cast<double>(packing.weight[q] * packing.range(q, w).first) /
            static_cast<double>(w);
      hi += static_cast<double>(packing.weight[q] * packing.range(q, w).second) /
            static_cast<double>(w);
    }
    most = std::max({most, std::fabs(lo), std::fabs(hi)});
  }
  return stepFitsFloat32(slope, packing.noise, slope * 2 * most);
}

/// The lookup's numerical input: the packed form, with the levels listed
/// (the integers k read by width, else every k / w).
NumericInput packedInput(PlanContext &cx, const Packing &packing, PackedLevels &levels,
                         bool packed) {
  NumericInput numeric;
  numeric.form = packing.form;
  std::sort(levels.packed.begin(), levels.packed.end());
  levels.packed.erase(std::unique(levels.packed.begin(), levels.packed.end()), levels.packed.end());
  numeric.levels.assign(levels.packed.begin(), levels.packed.end());
  for (const auto &[p, q] : levels.rational)
    numeric.levels.push_back(static_cast<double>(p) / static_cast<double>(q));
  // (The noise grows with the largest number the form holds.)
  std::vector<double> extremes;
  for (size_t w = 1; w < levels.lowest.size(); ++w)
    if (levels.lowest[w] <= levels.highest[w])
      extremes.insert(extremes.end(), {levels.lowest[w], levels.highest[w]});
  numeric.noise = cx.noiseOf(extremes);
  if (packed)
    numeric.noise = std::max(numeric.noise, packing.noise);
  return numeric;
}

/// The map x as a function of some nodes below it, evaluated lazily: a
/// ternary whose condition is known evaluates only its branch, and `and`
/// (`or`) with a falsy (truthy) first side is known without the second.
/// A bound node may be unknown; so is a node below the bound ones that is
/// not a map (an aggregate). Besides the value, it gives the bound nodes
/// the value needed: where a map of categorical blocks and counts reads a
/// count only on some combinations of the blocks (`a_count if tokens ==
/// "a" else b_count`), a lookup per group of combinations reads only its
/// counts. (The evaluator computes every branch; where an untaken one
/// fails, it fails and no input is compared, and any output is right.)
class LazyMap {
public:
  LazyMap(const Node *root, const std::vector<const Node *> &bound) : root(root) {
    for (size_t i = 0; i < bound.size(); ++i)
      slot.emplace(bound[i], i);
  }

  struct Result {
    std::optional<Atom> value; ///< Unknown, or the evaluation failed.
    bool failed = false;
    std::vector<bool> needs; ///< Per bound node: its value was needed.
  };

  /// values[i]: bound node i's value, or null when unknown.
  Result run(const std::vector<const Atom *> &values) {
    Result out;
    out.needs.assign(slot.size(), false);
    memo.clear();
    bool failed = false;
    const Atom *v = eval(root, values, out.needs, failed);
    out.failed = failed;
    if (v && !failed)
      out.value = *v;
    return out;
  }

private:
  /// Null when unknown (or failed, which sets `failed`).
  const Atom *eval(const Node *node, const std::vector<const Atom *> &values,
                   std::vector<bool> &needs, bool &failed) {
    if (auto it = slot.find(node); it != slot.end()) {
      needs[it->second] = true;
      return values[it->second];
    }
    if (node->kind == NodeKind::Constant)
      return &node->constant;
    if (node->kind != NodeKind::Map)
      return nullptr;
    if (auto it = memo.find(node); it != memo.end())
      return it->second ? &*it->second : nullptr;
    auto operand = [&](size_t i) -> const Atom * {
      const graph::Operand &o = node->operands[i];
      return o.input < 0 ? &o.constant : eval(node->inputs[o.input], values, needs, failed);
    };
    std::optional<Atom> result;
    bool known = true;
    if (node->mapOp == graph::MapOpKind::Ternary && node->operands.size() == 3) {
      const Atom *c = operand(0);
      if (c) {
        const Atom *branch = operand(c->truthy() ? 1 : 2);
        if (branch)
          result = *branch;
        known = branch != nullptr;
      } else {
        operand(1), operand(2); // (Both branches' needs.)
        known = false;
      }
    } else if ((node->mapOp == graph::MapOpKind::And || node->mapOp == graph::MapOpKind::Or) &&
               node->operands.size() == 2) {
      bool isAnd = node->mapOp == graph::MapOpKind::And;
      const Atom *a = operand(0);
      if (a && a->truthy() != isAnd) {
        result = Atom::boolean(!isAnd);
      } else {
        const Atom *b = operand(1);
        if (a && b)
          result = Atom::boolean(b->truthy());
        known = a && b;
      }
    } else {
      std::vector<const Atom *> args;
      for (size_t i = 0; i < node->operands.size(); ++i) {
        const Atom *a = operand(i);
        known = known && a;
        args.push_back(a);
      }
      if (known) {
        try {
          result = exactMap(node, args.data());
        } catch (const eval::EvalError &) {
          failed = true;
        }
      }
    }
    auto [it, added] = memo.emplace(node, known ? std::move(result) : std::nullopt);
    return it->second ? &*it->second : nullptr;
  }

  const Node *root;
  std::unordered_map<const Node *, size_t> slot;
  std::unordered_map<const Node *, std::optional<Atom>> memo;
};

/// Phase 4: the lookup's spec for block f of x, and the state its output
/// reads. When x reads the index only through the counts, its output
/// depends on the other blocks and the packed value k alone (the decoding
/// does not depend on the width): the steps are placed between consecutive
/// k, with a threshold per width read from the index's one-hot, instead of
/// a gate and its own steps per index.
class CountLookupSpec {
public:
  /// With `group`, only those combinations of the categorical blocks have
  /// an output (the others' is 0), evaluated lazily: they read only this
  /// lookup's counts.
  CountLookupSpec(PlanContext &cx, const Node *x, int f, const CountLookup &lookup,
                  const Packing &packing, const PackedLevels &levels, NumericInput numeric,
                  int reciprocal, const std::set<std::vector<int>> *group = nullptr);
  CountLookupSpec(const CountLookupSpec &) = delete;
  LookupSpec spec;

private:
  /// The packed value at level n: k itself read by width, else the integer
  /// that the level k / w stands for at this combination's width.
  int64_t packedAt(const std::vector<int> &combo, int n) const;
  LinearForm output(const std::vector<int> &combo, int n);

  const ResidualLayout &layout;
  const CountLookup &lookup;
  const Packing &packing;
  const PackedLevels &levels;
  int block;
  std::vector<const Node *> bound;
  std::vector<int> blocks; ///< The categorical blocks bound, in order.
  int indexSlot = -1;
  const std::vector<Atom> *indexValues = nullptr;
  std::optional<MapProgram> program;
  const std::set<std::vector<int>> *group = nullptr;
  std::optional<LazyMap> lazy;
  std::vector<const Atom *> values;
  std::vector<Atom> formValues;
  int64_t lowest = 0;
};

CountLookupSpec::CountLookupSpec(PlanContext &cx, const Node *x, int f, const CountLookup &lookup,
                                 const Packing &packing, const PackedLevels &levels,
                                 NumericInput numeric, int reciprocal,
                                 const std::set<std::vector<int>> *group)
    : spec(cx.lookupSpec()), layout(cx.layout), lookup(lookup), packing(packing), levels(levels),
      block(f), group(group), lowest(packing.lowest()) {
  int indexBlock = -1;
  for (int c : lookup.categorical) {
    if (!lookup.overLength && layout.node(c) == lookup.indices) {
      indexBlock = c;
      if (levels.byWidth)
        continue;
      indexSlot = static_cast<int>(bound.size());
    }
    spec.categorical.push_back(layout.dims(c));
    bound.push_back(layout.node(c));
    blocks.push_back(c);
  }
  assert((indexBlock >= 0 || lookup.overLength) && "the lookup reads the indices");
  for (const CountLookup::Form &packedForm : lookup.forms)
    bound.push_back(packedForm.node);
  spec.numeric = std::move(numeric);
  int64_t maxLen = cx.options.maxLen;
  if (lookup.overLength) {
    // Widths 1..N, the lengths, read as 1/n.
    assert(levels.byWidth && reciprocal >= 0 && "counts over every key are read by width");
    LookupSpec::Widths widths;
    widths.reciprocalDim = layout.block(reciprocal).firstDim;
    for (int64_t w = 1; w <= maxLen; ++w) {
      bool some = static_cast<size_t>(w) < levels.lowest.size();
      widths.widths.push_back(w);
      widths.lowest.push_back(some ? levels.lowest[w] : HUGE_VAL);
      widths.highest.push_back(some ? levels.highest[w] : -HUGE_VAL);
    }
    widths.most = maxLen;
    spec.widths = std::move(widths);
    if (group)
      lazy.emplace(x, bound);
    else
      program.emplace(x, bound);
    values.resize(bound.size());
    formValues.resize(lookup.forms.size());
    spec.output = [this](const std::vector<int> &combo, int n) { return output(combo, n); };
    return;
  }
  indexValues = &layout.block(indexBlock).values;
  if (levels.byWidth) {
    LookupSpec::Widths widths;
    widths.dims = layout.dims(indexBlock);
    for (const Atom &i : *indexValues) {
      size_t w = static_cast<size_t>(i.integral() + 1);
      widths.widths.push_back(i.integral() + 1);
      bool some = w < levels.lowest.size();
      widths.lowest.push_back(some ? levels.lowest[w] : HUGE_VAL);
      widths.highest.push_back(some ? levels.highest[w] : -HUGE_VAL);
    }
    widths.most = maxLen;
    spec.widths = std::move(widths);
  } else {
    spec.levelsAt = [this, maxLen](const std::vector<int> &combo) -> std::vector<int> {
      int64_t w = (*indexValues)[combo[indexSlot]].integral() + 1;
      return w >= 1 && w <= maxLen ? this->levels.ofWidth[w] : std::vector<int>{};
    };
  }
  if (group)
    lazy.emplace(x, bound);
  else
    program.emplace(x, bound);
  values.resize(bound.size());
  formValues.resize(lookup.forms.size());
  spec.output = [this](const std::vector<int> &combo, int n) { return output(combo, n); };
}

int64_t CountLookupSpec::packedAt(const std::vector<int> &combo, int n) const {
  if (levels.byWidth)
    return levels.packed[n];
  auto [p, q] = levels.rational[n];
  int64_t w = (*indexValues)[combo[indexSlot]].integral() + 1;
  assert(w % q == 0 && "the level is one of this width's");
  return p * (w / q);
}

LinearForm CountLookupSpec::output(const std::vector<int> &combo, int n) {
  if (group && !group->count(combo))
    return {};
  int64_t k = packedAt(combo, n);
  for (size_t c = 0; c < blocks.size(); ++c)
    values[c] = &layout.block(blocks[c]).values[combo[c]];
  auto digit = [&](size_t q) {
    return packing.low[q] + ((k - lowest) / packing.weight[q]) % packing.radix[q];
  };
  for (size_t i = 0; i < lookup.forms.size(); ++i) {
    const CountLookup::Form &packedForm = lookup.forms[i];
    int64_t d = packedForm.over.empty() ? digit(packedForm.combination) : 0;
    for (const auto &[q, b] : packedForm.over)
      d += b * digit(q);
    formValues[i] = packedForm.compare
                        ? applyAtomOp(*packedForm.compare, Atom::integer(d), Atom::integer(0))
                        : Atom::integer(d + packedForm.constant);
    values[blocks.size() + i] = &formValues[i];
  }
  if (lazy)
    return layout.encode(block, lazy->run(values).value);
  return layout.encode(block, program->run(values));
}

} // namespace

int CountPlanner::makeSplit(const Node *x, EncodingKind encoding, const CountLookup &lookup) {
  // The categorical blocks the table is over, as CountLookupSpec binds them.
  std::vector<int> blocks;
  for (int c : lookup.categorical)
    if (lookup.overLength || layout.node(c) != lookup.indices || !lookup.indexOnlyInForm)
      blocks.push_back(c);
  if (lookup.forms.size() < 2 || blocks.empty())
    return -1;
  size_t combos = 1;
  for (int c : blocks)
    if ((combos *= layout.block(c).values.size()) > 4096)
      return -1;
  // Per combination, the forms x needs there.
  std::vector<const Node *> bound;
  for (int c : blocks)
    bound.push_back(layout.node(c));
  for (const CountLookup::Form &form : lookup.forms)
    bound.push_back(form.node);
  LazyMap lazy(x, bound);
  std::map<std::vector<bool>, std::set<std::vector<int>>> byNeeds;
  std::vector<int> at(blocks.size(), 0);
  std::vector<const Atom *> values(bound.size(), nullptr);
  for (size_t n = 0; n < combos; ++n) {
    for (size_t i = 0; i < blocks.size(); ++i)
      values[i] = &layout.block(blocks[i]).values[at[i]];
    LazyMap::Result r = lazy.run(values);
    byNeeds[std::vector<bool>(r.needs.begin() + static_cast<long>(blocks.size()), r.needs.end())]
        .insert(at);
    for (size_t i = 0; i < blocks.size() && ++at[i] == int(layout.block(blocks[i]).values.size());
         ++i)
      at[i] = 0;
  }
  // Combinations that need no form go with the first group that needs some.
  std::vector<bool> none(lookup.forms.size(), false), all(lookup.forms.size(), true);
  std::set<std::vector<int>> constant;
  if (auto it = byNeeds.find(none); it != byNeeds.end()) {
    constant = std::move(it->second);
    byNeeds.erase(it);
  }
  if (byNeeds.empty() || (byNeeds.size() == 1 && byNeeds.begin()->first == all))
    return -1;
  byNeeds.begin()->second.insert(constant.begin(), constant.end());
  // A lookup per group, over its forms alone.
  struct Part {
    CountLookup sub;
    std::set<std::vector<int>> combos;
    Packing packing;
    PackedLevels levels;
    NumericInput numeric;
    int reciprocal = -1;
  };
  std::vector<std::unique_ptr<Part>> parts;
  int latest = 0;
  for (auto &[needs, group] : byNeeds) {
    auto part = std::make_unique<Part>();
    CountLookup &sub = part->sub;
    sub = lookup;
    sub.forms.clear();
    sub.combinations.clear();
    std::map<size_t, size_t> renumbered;
    auto use = [&](size_t q) {
      auto [it, added] = renumbered.emplace(q, sub.combinations.size());
      if (added)
        sub.combinations.push_back(lookup.combinations[q]);
      return it->second;
    };
    for (size_t i = 0; i < lookup.forms.size(); ++i) {
      if (!needs[i])
        continue;
      CountLookup::Form form = lookup.forms[i];
      if (form.over.empty())
        form.combination = use(form.combination);
      for (auto &term : form.over)
        term.first = use(term.first);
      sub.forms.push_back(std::move(form));
    }
    part->combos = std::move(group);
    part->packing = readCombinations(cx, sub);
    bool packed =
        sub.combinations.size() > 1 || std::any_of(sub.forms.begin(), sub.forms.end(),
                                                   [](const auto &form) { return form.compare; });
    if (packed && !packingFits(part->packing, cx.options.maxLen))
      return -1;
    std::optional<std::vector<int64_t>> steps = tokenSteps(sub, part->packing.weight);
    part->levels.byWidth = sub.indexOnlyInForm;
    auto range = [&](size_t q, int64_t w) { return part->packing.range(q, w); };
    if (!part->levels.list(steps, part->packing.weight, range, cx.options.maxLen,
                           cx.options.maxUnits))
      return -1;
    part->numeric = packedInput(cx, part->packing, part->levels, packed);
    if (sub.overLength) {
      if ((part->reciprocal = reciprocalOfLength(sub.combinations[0].terms[0].first)) < 0)
        return -1;
      part->numeric.noise *= 2;
    }
    latest = std::max(latest, part->packing.latestInput);
    parts.push_back(std::move(part));
  }
  int f = layout.addMadeByMlp(x, cx.blockOf(x, encoding, cx.valuesOf(x)), latest);
  std::vector<std::unique_ptr<CountLookupSpec>> specs;
  std::vector<std::vector<HiddenUnit>> units;
  for (const auto &part : parts) {
    // (Packing points at the lookup it packs: this part's.)
    part->packing.lookup = &part->sub;
    specs.push_back(std::make_unique<CountLookupSpec>(cx, x, f, part->sub, part->packing,
                                                      part->levels, part->numeric, part->reciprocal,
                                                      &part->combos));
    try {
      units.push_back(buildLookup(specs.back()->spec));
    } catch (const LookupError &) {
      layout.dropLast(f);
      return -1;
    }
  }
  for (size_t i = 0; i < parts.size(); ++i) {
    std::string names, read;
    for (int c : lookup.categorical)
      names += layout.name(c) + ", ";
    for (const CountLookup::Form &form : parts[i]->sub.forms)
      read += (read.empty() ? "'" : ", '") + form.node->name + "'";
    cx.addMlp(f, "'" + x->name + "'",
              "from " + names + read + " (" +
                  (lookup.overLength ? "counts over every key" : "prefix counts") + ", read on " +
                  std::to_string(parts[i]->combos.size()) + " of the " + std::to_string(combos) +
                  " combinations of the other inputs)",
              std::move(units[i]), &specs[i]->spec);
  }
  return f;
}

int CountPlanner::makeBlock(const Node *x, EncodingKind encoding, const CountLookup &lookup) {
  if (int f = makeSplit(x, encoding, lookup); f >= 0)
    return f;
  size_t combinations = lookup.combinations.size();
  bool packed =
      combinations > 1 || std::any_of(lookup.forms.begin(), lookup.forms.end(),
                                      [](const CountLookup::Form &form) { return form.compare; });
  // 1, 2. The combinations' means packed into one linear form.
  Packing packing = readCombinations(cx, lookup);
  if (packed && !packingFits(packing, cx.options.maxLen))
    return -1;
  // 3. The levels of t: every k / w, k a packed value at width w. When
  // the means average functions of the tokens alone, k is a sum of w steps,
  // one per position (the step of its token), and only those sums occur;
  // otherwise k ranges over the box of the combinations' ranges at w.
  std::optional<std::vector<int64_t>> steps = tokenSteps(lookup, packing.weight);
  PackedLevels levels;
  levels.byWidth = lookup.indexOnlyInForm;
  auto range = [&](size_t q, int64_t w) { return packing.range(q, w); };
  if (!levels.list(steps, packing.weight, range, cx.options.maxLen, cx.options.maxUnits)) {
    if (packed)
      return -1;
    throw CompileError{x,
                       "'" + x->name + "' reads counts whose combination '" +
                           lookup.forms[0].node->name + "' takes too many values",
                       true};
  }
  NumericInput numeric = packedInput(cx, packing, levels, packed);
  int reciprocal = -1;
  if (lookup.overLength) {
    reciprocal = reciprocalOfLength(lookup.combinations[0].terms[0].first);
    if (reciprocal < 0)
      return -1;
    // A threshold k / n is k times 1/n, which is off by at most (N + 1)
    // roundings relative to itself (a BOS-like share: one value is not 0),
    // so by no more than the largest |k / n| times that: the noise of t
    // again, at most.
    numeric.noise *= 2;
  }
  int f = layout.addMadeByMlp(x, cx.blockOf(x, encoding, cx.valuesOf(x)), packing.latestInput);
  // 4. The lookup.
  CountLookupSpec table(cx, x, f, lookup, packing, levels, std::move(numeric), reciprocal);
  std::string names, read;
  for (int c : lookup.categorical)
    names += layout.name(c) + ", ";
  for (const CountLookup::Form &packedForm : lookup.forms)
    read += (read.empty() ? "'" : ", '") + packedForm.node->name + "'";
  std::vector<HiddenUnit> units;
  // (A count over every key that float32 cannot read this way may still be
  // read by the lookup of the length and the mean: leave it to that.)
  if (packed || lookup.overLength) {
    try {
      units = buildLookup(table.spec);
    } catch (const LookupError &) {
      layout.dropLast(f);
      return -1;
    }
  } else {
    units = cx.lookupUnits(x, table.spec,
                           "the count " + read +
                               (lookup.overLength ? " over every key" : " over the prefix") +
                               " as its mean, with " + std::to_string(levels.packed.size()) +
                               " sums at " + std::to_string(cx.options.maxLen) + " widths");
  }
  const char *how = !lookup.forms[0].over.empty() ? "packed means, one per count"
                    : combinations > 1            ? "packed means"
                                                  : "means";
  cx.addMlp(
      f, "'" + x->name + "'",
      "from " + names + read +
          (lookup.overLength ? " (counts over every key, read as " : " (prefix counts, read as ") +
          how + (lookup.overLength ? " and 1/length" : "") + ")",
      std::move(units), &table.spec);
  return f;
}

int CountPlanner::reciprocalOfLength(const Node *meanNode) {
  // The head that writes the mean: it selects every key.
  int mean = layout.find(meanNode, EncodingKind::Numerical);
  int dim = layout.block(mean).firstDim, time = layout.block(mean).time;
  HeadPlan *head = nullptr;
  int headIndex = 0;
  for (HeadPlan &h : cx.heads[time]) {
    if (std::find(h.outDims.begin(), h.outDims.end(), dim) != h.outDims.end())
      break;
    ++headIndex;
  }
  if (headIndex < static_cast<int>(cx.heads[time].size()))
    head = &cx.heads[time][headIndex];
  if (!head || !cx.indices)
    return -1;
  // (One per head: every mean the head writes has the same length.)
  if (auto it = reciprocals.find({time, headIndex}); it != reciprocals.end())
    return it->second;
  int indexBlock = cx.embedding(cx.indices);
  const std::vector<Atom> &indexValues = layout.block(indexBlock).values;
  auto zero = std::find_if(indexValues.begin(), indexValues.end(),
                           [](const Atom &v) { return v.isNumber() && v.number() == 0; });
  if (zero == indexValues.end())
    return -1;
  // (Adding the block below may move the layout's blocks: nothing read from
  // them before is used after.)
  LinearForm atZero = layout.reading(indexBlock, static_cast<int>(zero - indexValues.begin()));
  Block r;
  r.label = "1/length";
  r.encoding = EncodingKind::Numerical;
  for (int64_t n = 1; n <= cx.options.maxLen; ++n) {
    r.values.push_back(Atom::real(1.0 / static_cast<double>(n)));
    r.levels.push_back(1.0 / static_cast<double>(n));
  }
  // (Only index 0's value is not 0: as for a BOS share, the normaliser's
  // rounding is relative to the mean.)
  r.relativeNoise = static_cast<double>(cx.options.maxLen + 1) * 6e-8;
  r.bosRow = {0.0};
  r.time = time;
  r.producer = layout.block(mean).producer;
  r.why = "the width of the counts over every key: each threshold k/n is k times it";
  int f = layout.add(nullptr, std::move(r));
  head->description.push_back("writes '1/length' (numerical) from 'I((indices == 0))', the width "
                              "of the counts over every key");
  head->value.push_back(std::move(atZero));
  head->outDims.push_back(layout.block(f).firstDim);
  reciprocals.emplace(std::make_pair(time, headIndex), f);
  return f;
}
