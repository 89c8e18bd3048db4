// The plan: encodings, fusion, layer and head allocation, residual layout.
#include "compiler/codegen/Planner.h"

#include "compiler/codegen/Constructions.h"
#include "compiler/codegen/MapProgram.h"
#include "compiler/eval/Evaluate.h"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <map>
#include <optional>
#include <unordered_map>
#include <unordered_set>

using namespace rasp;
using namespace rasp::codegen;
using graph::Node;
using graph::NodeKind;
using lang::Atom;

namespace {

using Binding = std::vector<std::pair<const Node *, Atom>>;

/// The smallest attention time (odd) and MLP time (even, >= 2) after t.
int attentionAfter(int t) { return t % 2 == 0 ? t + 1 : t + 2; }
int mlpAfter(int t) { return std::max(2, t % 2 == 0 ? t + 2 : t + 1); }

bool allNumbers(const std::vector<Atom> &values) {
  return std::all_of(values.begin(), values.end(), [](const Atom &v) { return v.isNumber(); });
}

/// `key CMP query` as a select compares two atoms; nullopt when the
/// evaluator would fail.
std::optional<bool> comparePair(graph::CompareKind cmp, const Atom &key, const Atom &query) {
  if (key.isString() != query.isString()) {
    if (cmp == graph::CompareKind::Eq)
      return false;
    if (cmp == graph::CompareKind::Ne)
      return true;
    return std::nullopt;
  }
  try {
    return lang::applyAtomOp(graph::compareAtomOp(cmp), key, query).truthy();
  } catch (const lang::AtomError &) {
    return std::nullopt;
  }
}

/// A select's side as a head reads it: the block it reads (-1: a constant)
/// and, per value of that block, the side's value.
struct SideRead {
  int feature = -1;
  std::vector<std::optional<Atom>> valueOf;
};

class Planner {
public:
  Planner(const ValueSets &sets, const PlanOptions &options) : sets(sets), options(options) {}

  ModelPlan run(const Node *root) {
    plan.vocab = options.vocab;
    plan.maxLen = options.maxLen;
    // Leaks of at most (N+1) e^{-S/2} next to a weight of 1: below 1e-6.
    plan.scale = 2 * (std::log(static_cast<double>(options.maxLen) + 1) + 14);
    oneDim = addFeature(nullptr, helper("one", {1}));
    bosDim = addFeature(nullptr, helper("bos", {1}));
    for (const Node *node : graph::topologicalOrder(root))
      if (node->kind == NodeKind::Aggregate || node->kind == NodeKind::SelectorWidth)
        planHead(node);
    plan.output = outputOf(root);
    finish();
    return std::move(plan);
  }

private:
  // ------------------------------------------------------------ features

  static Feature helper(const std::string &label, std::vector<double> bosRow) {
    Feature f;
    f.label = label;
    f.encoding = EncodingKind::Numerical;
    f.values = {Atom::integer(1)};
    f.levels = {1};
    f.bosRow = std::move(bosRow);
    f.producer = "embedding";
    return f;
  }

  int addFeature(const Node *node, Feature f) {
    f.firstDim = plan.dModel;
    if (f.bosRow.empty())
      f.bosRow.assign(f.width(), 0.0);
    plan.dModel += f.width();
    plan.features.push_back(std::move(f));
    featureNode.push_back(node);
    int index = static_cast<int>(plan.features.size()) - 1;
    if (node)
      byNode[node].push_back(index);
    return index;
  }

  const Feature &feature(int f) const { return plan.features[f]; }

  /// The value set of `node`; throws CompileError when it is unknown.
  const std::vector<Atom> &valuesOf(const Node *node) const {
    try {
      return sets.at(node);
    } catch (const ValueSetError &e) {
      throw CompileError{e.node, e.message};
    }
  }

  int findFeature(const Node *node, EncodingKind encoding) const {
    auto it = byNode.find(node);
    if (it == byNode.end())
      return -1;
    for (int f : it->second)
      if (feature(f).encoding == encoding && (encoding == EncodingKind::Categorical ||
                                              feature(f).plain))
        return f;
    return -1;
  }

  /// The block to read `node` from: the earliest made, categorical on a tie
  /// (or whenever one exists, with `preferCategorical`).
  int bestFeature(const Node *node, bool preferCategorical) const {
    auto it = byNode.find(node);
    if (it == byNode.end())
      return -1;
    int best = -1;
    for (int f : it->second) {
      if (best < 0) {
        best = f;
        continue;
      }
      const Feature &a = feature(f), &b = feature(best);
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

  int embedding(const Node *node) {
    if (int f = findFeature(node, EncodingKind::Categorical); f >= 0)
      return f;
    Feature f;
    f.label = node->name;
    f.values = valuesOf(node);
    f.producer = node->kind == NodeKind::Tokens ? "token embedding" : "position embedding";
    return addFeature(node, std::move(f));
  }

  /// The blocks `x` is a function of, looking through maps and constants.
  void decompose(const Node *x, std::vector<int> &out, bool preferCategorical,
                 std::unordered_set<const Node *> &seen) {
    if (!seen.insert(x).second)
      return;
    int f = bestFeature(x, preferCategorical);
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

  std::vector<int> sourcesOf(const Node *x, bool preferCategorical = false) {
    std::vector<int> out;
    std::unordered_set<const Node *> seen;
    decompose(x, out, preferCategorical, seen);
    std::sort(out.begin(), out.end());
    return out;
  }

  int latest(const std::vector<int> &features) const {
    int t = 0;
    for (int f : features)
      t = std::max(t, feature(f).time);
    return t;
  }

  // ---------------------------------------------------------- evaluation

  /// The value of `x` when the nodes in `binding` hold the given values;
  /// nullopt where the evaluator would fail.
  std::optional<Atom> evaluate(const Node *x, const Binding &binding) {
    std::vector<const Node *> nodes;
    std::vector<const Atom *> values;
    for (const auto &[node, value] : binding) {
      nodes.push_back(node);
      values.push_back(&value);
    }
    return MapProgram(x, nodes).run(values);
  }

  // ------------------------------------------------------------ readings

  /// 1 where the position holds value i of categorical block f, else 0
  /// (0 at BOS too).
  Sparse reading(int f, int i) const {
    const Feature &feat = feature(f);
    Sparse s = {{feat.firstDim + i, 1.0}};
    if (feat.bosRow[i] != 0)
      s.emplace_back(bosDim, -feat.bosRow[i]);
    return s;
  }

  Sparse numericReading(int f) const {
    const Feature &feat = feature(f);
    Sparse s = {{feat.firstDim, 1.0}};
    if (feat.bosRow[0] != 0)
      s.emplace_back(bosDim, -feat.bosRow[0]);
    return s;
  }

  /// The encoding of value v in block f (empty for a failed value, or 0).
  Sparse encode(int f, const std::optional<Atom> &v) const {
    if (!v)
      return {};
    const Feature &feat = feature(f);
    if (feat.encoding == EncodingKind::Numerical) {
      double x = v->number();
      if (x == 0)
        return {};
      return {{feat.firstDim, x}};
    }
    for (size_t i = 0; i < feat.values.size(); ++i)
      if (feat.values[i].equals(*v) && feat.values[i].isString() == v->isString())
        return {{feat.firstDim + static_cast<int>(i), 1.0}};
    return {};
  }

  SideRead readSide(const Node *x) {
    if (auto it = sides.find(x); it != sides.end())
      return it->second;
    SideRead read;
    std::vector<int> sources = sourcesOf(x, true);
    if (sources.empty()) {
      read.valueOf = {evaluate(x, {})};
    } else {
      // One categorical block, or else a block made for this side (its
      // values are usually fewer than those of what it is computed from).
      int f = sources[0];
      if (sources.size() > 1 || feature(f).encoding == EncodingKind::Numerical)
        f = materialize(x, EncodingKind::Categorical);
      read.feature = f;
      const Node *source = featureNode[f];
      for (const Atom &v : feature(f).values)
        read.valueOf.push_back(evaluate(x, {{source, v}}));
    }
    return sides[x] = read;
  }

  std::vector<Sparse> readsOf(const SideRead &side) const {
    if (side.feature < 0)
      return {{{oneDim, 1.0}, {bosDim, -1.0}}};
    std::vector<Sparse> reads;
    for (int i = 0; i < feature(side.feature).width(); ++i)
      reads.push_back(reading(side.feature, i));
    return reads;
  }

  // ----------------------------------------------------------- selectors

  void conjuncts(const Node *sel, std::vector<const Node *> &out) {
    if (sel->kind == NodeKind::SelectorAnd) {
      conjuncts(sel->inputs[0], out);
      conjuncts(sel->inputs[1], out);
      return;
    }
    out.push_back(sel);
  }

  void leaves(const Node *sel, std::vector<const Node *> &out) {
    if (sel->kind == NodeKind::Select) {
      out.push_back(sel);
      return;
    }
    for (const Node *input : sel->inputs)
      leaves(input, out);
  }

  /// The blocks one side of a score group reads: one block, a tuple block
  /// over several (`parts`, the first varying fastest), or a constant.
  struct Side {
    int feature = -1;
    std::vector<int> parts;
  };

  /// The index into feature f's values of a side value at index i.
  int component(const Side &side, int f, size_t i) const {
    for (int part : side.parts) {
      size_t width = static_cast<size_t>(feature(part).width());
      if (part == f)
        return static_cast<int>(i % width);
      i /= width;
    }
    assert(false && "the leaf's block is not part of its side");
    return 0;
  }

  /// Whether formula `sel` selects, given the group's query and key values.
  bool holds(const Node *sel, const Side &qs, size_t q, const Side &ks, size_t k) {
    switch (sel->kind) {
    case NodeKind::Select: {
      const SideRead &key = sides.at(sel->inputs[0]);
      const SideRead &query = sides.at(sel->inputs[1]);
      const auto &kv = key.valueOf[key.feature < 0 ? 0 : component(ks, key.feature, k)];
      const auto &qv = query.valueOf[query.feature < 0 ? 0 : component(qs, query.feature, q)];
      if (!kv || !qv)
        return false;
      return comparePair(sel->cmp, *kv, *qv).value_or(false);
    }
    case NodeKind::SelectorAnd:
      return holds(sel->inputs[0], qs, q, ks, k) && holds(sel->inputs[1], qs, q, ks, k);
    case NodeKind::SelectorOr:
      return holds(sel->inputs[0], qs, q, ks, k) || holds(sel->inputs[1], qs, q, ks, k);
    case NodeKind::SelectorNot:
      return !holds(sel->inputs[0], qs, q, ks, k);
    default:
      assert(false && "not a selector");
      return false;
    }
  }

  /// A side reading several blocks: one block for the tuple of their values.
  Side tupleSide(std::vector<int> parts, const Node *selector) {
    std::sort(parts.begin(), parts.end());
    parts.erase(std::unique(parts.begin(), parts.end()), parts.end());
    Side side;
    side.parts = parts;
    if (parts.size() == 1)
      side.feature = parts[0];
    if (parts.size() <= 1)
      return side;
    if (auto it = tuples.find(parts); it != tuples.end()) {
      side.feature = it->second;
      return side;
    }
    Feature out;
    std::vector<std::string> names;
    for (int p : parts)
      names.push_back(feature(p).label);
    out.label = "(";
    for (size_t i = 0; i < names.size(); ++i)
      out.label += (i ? ", " : "") + names[i];
    out.label += ")";
    LookupSpec spec;
    spec.oneDim = oneDim;
    spec.bosDim = bosDim;
    spec.maxUnits = options.maxUnits;
    std::vector<size_t> at(parts.size(), 0);
    for (int p : parts) {
      std::vector<int> dims;
      for (int i = 0; i < feature(p).width(); ++i)
        dims.push_back(feature(p).firstDim + i);
      spec.categorical.push_back(std::move(dims));
    }
    // The values, named by their parts, in the lookup's order.
    std::vector<std::vector<std::string>> partNames;
    double count = 1;
    for (int p : parts) {
      partNames.emplace_back();
      for (const Atom &v : feature(p).values)
        partNames.back().push_back(v.repr());
      count *= static_cast<double>(feature(p).width());
    }
    if (count > static_cast<double>(options.maxUnits))
      throw CompileError{selector, "the selector '" + selector->name + "' needs the tuple " + out.label + " has " +
                                      std::to_string(static_cast<long long>(count)) +
                                      " values, too many for one block"};
    for (size_t index = 0; index < static_cast<size_t>(count); ++index) {
      std::string text = "(";
      size_t rest = index;
      for (size_t i = 0; i < parts.size(); ++i) {
        size_t width = partNames[i].size();
        text += (i ? ", " : "") + partNames[i][rest % width];
        rest /= width;
      }
      out.values.push_back(Atom::string(text + ")"));
    }
    int time = mlpAfter(latest(parts));
    out.time = time;
    out.producer = "L" + std::to_string(time / 2) + " MLP";
    int f = addFeature(nullptr, std::move(out));
    spec.output = [&](const std::vector<int> &combo, int) {
      size_t index = 0, stride = 1;
      for (size_t i = 0; i < parts.size(); ++i) {
        index += static_cast<size_t>(combo[i]) * stride;
        stride *= static_cast<size_t>(feature(parts[i]).width());
      }
      return Sparse{{feature(f).firstDim + static_cast<int>(index), 1.0}};
    };
    MlpBlock block;
    try {
      block.units = buildLookup(spec);
    } catch (const LookupError &e) {
      throw CompileError{selector, "cannot build the tuple " + feature(f).label +
                                       " for the selector '" + selector->name + "': " + e.message};
    }
    block.description = "tuple " + feature(f).label + " (" +
                        std::to_string(feature(f).values.size()) + " values) for a selector: " +
                        std::to_string(block.units.size()) + " units";
    mlps[time].push_back(std::move(block));
    tuples[parts] = f;
    side.feature = f;
    return side;
  }

  struct Scores {
    std::vector<ScoreGroup> groups;
    std::vector<std::string> lines;
    int time = 0;
  };

  Scores planScores(const Node *selector) {
    std::vector<const Node *> parts;
    conjuncts(selector, parts);
    // Conjuncts grouped by the blocks they read; a conjunct whose selects
    // read different blocks reads the tuples of them.
    std::map<std::pair<int, int>, std::pair<std::pair<Side, Side>, std::vector<const Node *>>>
        groups;
    Scores scores;
    for (const Node *part : parts) {
      std::vector<const Node *> selects;
      leaves(part, selects);
      std::vector<int> queryParts, keyParts;
      for (const Node *select : selects) {
        SideRead key = readSide(select->inputs[0]);
        SideRead query = readSide(select->inputs[1]);
        if (query.feature >= 0)
          queryParts.push_back(query.feature);
        if (key.feature >= 0)
          keyParts.push_back(key.feature);
      }
      Side qs = tupleSide(queryParts, part), ks = tupleSide(keyParts, part);
      for (int f : {qs.feature, ks.feature})
        if (f >= 0)
          scores.time = std::max(scores.time, feature(f).time);
      auto &group = groups[{qs.feature, ks.feature}];
      group.first = {qs, ks};
      group.second.push_back(part);
    }
    for (auto &[pair, group] : groups) {
      const Side &qs = group.first.first;
      const Side &ks = group.first.second;
      const std::vector<const Node *> &members = group.second;
      ScoreGroup g;
      SideRead query, key;
      query.feature = qs.feature;
      key.feature = ks.feature;
      g.queryReads = readsOf(query);
      g.keyReads = readsOf(key);
      g.table.assign(g.queryReads.size(), std::vector<bool>(g.keyReads.size(), false));
      for (size_t q = 0; q < g.queryReads.size(); ++q)
        for (size_t k = 0; k < g.keyReads.size(); ++k)
          g.table[q][k] = std::all_of(members.begin(), members.end(), [&](const Node *m) {
            return holds(m, qs, q, ks, k);
          });
      std::string names;
      for (const Node *m : members)
        names += (names.empty() ? "" : ", ") + m->name;
      scores.lines.push_back("score: [" + names + "] query " + blockName(pair.first) +
                             ", key " + blockName(pair.second));
      scores.groups.push_back(std::move(g));
    }
    return scores;
  }

  std::string blockName(int f) const {
    if (f < 0)
      return "constant";
    const Feature &feat = feature(f);
    return "'" + feat.label + "' (" +
           (feat.encoding == EncodingKind::Categorical
                ? std::to_string(feat.values.size()) + " values"
                : std::string("numerical")) +
           ")";
  }

  // --------------------------------------------------------------- heads

  EncodingKind aggregateEncoding(const Node *x) {
    const std::vector<Atom> &values = valuesOf(x->inputs[1]);
    // Bools are not averaged (the evaluator fails on a mean of several), so
    // a categorical mean is exact wherever the evaluator succeeds.
    bool numbers = allNumbers(values) && x->constant.isNumber() &&
                   !std::all_of(values.begin(), values.end(),
                                [](const Atom &v) { return v.isBool(); });
    if (x->encoding == graph::EncodingHintKind::Categorical)
      return EncodingKind::Categorical;
    if (x->encoding == graph::EncodingHintKind::Numerical) {
      if (!numbers)
        throw CompileError{x, "'" + x->name + "' is marked numerical, but its values "
                                               "(or its default) are not all numbers"};
      return EncodingKind::Numerical;
    }
    return numbers ? EncodingKind::Numerical : EncodingKind::Categorical;
  }

  void planHead(const Node *x) {
    bool width = x->kind == NodeKind::SelectorWidth;
    Scores scores = planScores(x->inputs[0]);
    double groupsCount = static_cast<double>(scores.groups.size());
    if (width) {
      planWidth(x, std::move(scores), groupsCount);
      return;
    }
    EncodingKind encoding = aggregateEncoding(x);
    Feature out;
    out.label = x->name;
    out.encoding = encoding;
    if (encoding == EncodingKind::Numerical) {
      out.values = valuesOf(x);
      for (const Atom &v : out.values)
        out.levels.push_back(v.number());
    } else {
      // The values and the default: a categorical mean is only ever one of them.
      out.values = valuesOf(x->inputs[1]);
      if (std::none_of(out.values.begin(), out.values.end(),
                       [&](const Atom &v) { return v.equals(x->constant); }))
        out.values.push_back(x->constant);
    }
    // Reads first (they may add blocks), then the block itself.
    ValueRead value = readValue(x->inputs[1], encoding);
    int time = attentionAfter(std::max(scores.time, value.time));
    out.time = time;
    out.producer = "L" + std::to_string((time + 1) / 2) + " attention";
    int f = addFeature(x, std::move(out));
    Feature &feat = plan.features[f];
    Sparse bosValue = encode(f, x->constant);
    for (const auto &[dim, w] : bosValue)
      feat.bosRow[dim - feat.firstDim] = w;
    std::vector<Sparse> columns(feat.width());
    for (size_t i = 0; i < value.sourceValues.size(); ++i)
      for (const auto &[dim, w] : encode(f, value.sourceValues[i]))
        addScaled(columns[dim - feat.firstDim], value.reads[i], w);
    for (const auto &[dim, w] : bosValue)
      addScaled(columns[dim - feat.firstDim], {{bosDim, 1.0}}, w);

    HeadPlan &head = sharedHead(x->inputs[0], time, scores, groupsCount - 0.5);
    head.description.push_back("writes '" + x->name + "' (" +
                               (encoding == EncodingKind::Categorical ? "categorical"
                                                                      : "numerical") +
                               ") from " + value.what + ", default " + x->constant.repr());
    for (int c = 0; c < feat.width(); ++c) {
      if (columns[c].empty())
        continue;
      head.value.push_back(std::move(columns[c]));
      head.outDims.push_back(feat.firstDim + c);
    }
  }

  /// Selectors that select the same: the same formula over the same s-ops.
  std::string selectorKey(const Node *sel) const {
    std::string key = std::to_string(static_cast<int>(sel->kind));
    if (sel->kind == NodeKind::Select)
      return key + "(" + std::to_string(sel->inputs[0]->id) + " " +
             graph::compareSpelling(sel->cmp) + " " + std::to_string(sel->inputs[1]->id) + ")";
    for (const Node *input : sel->inputs)
      key += "[" + selectorKey(input) + "]";
    return key;
  }

  HeadPlan &sharedHead(const Node *selector, int time, Scores &scores, double bosScore) {
    auto key = std::make_pair(selectorKey(selector), time);
    std::vector<HeadPlan> &list = heads[time];
    if (auto it = headOf.find(key); it != headOf.end())
      return list[it->second];
    HeadPlan head;
    head.description.push_back("selector '" + selector->name + "'");
    for (const std::string &line : scores.lines)
      head.description.push_back(line);
    buildScores(scores.groups, {plan.scale, bosScore, oneDim, bosDim}, head);
    headOf[key] = list.size();
    list.push_back(std::move(head));
    return list.back();
  }

  void planWidth(const Node *x, Scores scores, double groupsCount) {
    int time = attentionAfter(scores.time);
    // BOS scores ln(c) above a selected key: its share is c / (c + w).
    double c = static_cast<double>(std::max<int64_t>(options.maxLen, 1));
    Feature raw;
    raw.label = x->name + "#bos-share";
    raw.encoding = EncodingKind::Numerical;
    raw.plain = false;
    for (int64_t w = 0; w <= options.maxLen; ++w) {
      raw.values.push_back(Atom::integer(w));
      raw.levels.push_back(c / (c + static_cast<double>(w)));
    }
    raw.bosRow = {1.0};
    raw.time = time;
    raw.producer = "L" + std::to_string((time + 1) / 2) + " attention";
    int f = addFeature(x, std::move(raw));
    HeadPlan head;
    head.description.push_back("selector_width '" + x->name + "': BOS share c/(c+w), c = " +
                               lang::Atom::real(c).repr());
    for (const std::string &line : scores.lines)
      head.description.push_back(line);
    buildScores(scores.groups,
                {plan.scale, groupsCount + std::log(c) / plan.scale, oneDim, bosDim}, head);
    head.value.push_back({{bosDim, 1.0}});
    head.outDims.push_back(feature(f).firstDim);
    heads[time].push_back(std::move(head));
  }

  struct ValueRead {
    std::vector<Sparse> reads;                    ///< Per source value.
    std::vector<std::optional<Atom>> sourceValues; ///< The value written for each.
    int time = 0;
    std::string what;
  };

  ValueRead readValue(const Node *v, EncodingKind encoding) {
    ValueRead read;
    std::vector<int> sources = sourcesOf(v);
    if (sources.empty()) {
      read.reads = {{{oneDim, 1.0}, {bosDim, -1.0}}};
      read.sourceValues = {evaluate(v, {})};
      read.what = "a constant";
      return read;
    }
    if (encoding == EncodingKind::Numerical) {
      if (std::optional<LinearRead> linear = linearForm(v)) {
        read.reads = {linear->form};
        read.sourceValues = {Atom::integer(1)};
        read.time = linear->time;
        read.what = "'" + v->name + "' (linear)";
        return read;
      }
    }
    int f = sources[0];
    bool direct = sources.size() == 1 &&
                  (feature(f).encoding == EncodingKind::Categorical ||
                   (feature(f).plain && featureNode[f] == v &&
                    encoding == EncodingKind::Numerical));
    if (!direct)
      f = materialize(v, encoding);
    read.time = feature(f).time;
    read.what = "'" + feature(f).label + "'";
    if (feature(f).encoding == EncodingKind::Numerical) {
      // The number itself: written as one unit per unit of value.
      read.reads = {numericReading(f)};
      read.sourceValues = {Atom::integer(1)};
      return read;
    }
    const Node *source = featureNode[f];
    for (int i = 0; i < feature(f).width(); ++i) {
      read.reads.push_back(reading(f, i));
      read.sourceValues.push_back(evaluate(v, {{source, feature(f).values[i]}}));
    }
    return read;
  }

  // ---------------------------------------------------------------- MLPs

  /// Splits a map of several numerical blocks at its largest parts with at
  /// most one (each made categorical by the MLP after its inputs).
  void split(const Node *y, bool top) {
    if (!top) {
      if (bestFeature(y, false) >= 0 || y->kind != NodeKind::Map)
        return;
      std::vector<Input> inputs = linearInputs(y);
      if (numericCount(sourcesOf(y)) <= 1 || (!inputs.empty() && numericInputs(inputs) <= 1)) {
        materialize(y, EncodingKind::Categorical);
        return;
      }
    }
    for (const Node *input : y->inputs)
      split(input, false);
  }

  int numericCount(const std::vector<int> &sources) const {
    return static_cast<int>(std::count_if(sources.begin(), sources.end(), [&](int f) {
      return feature(f).encoding == EncodingKind::Numerical;
    }));
  }

  /// An input of a lookup: a block, or a numerical s-op read as a linear
  /// form of several blocks.
  struct Input {
    const Node *node = nullptr;
    int feature = -1;
    bool numeric = false;
    Sparse form;
    std::vector<Atom> values;
    std::vector<double> levels;
    int time = 0;
    std::string name;
  };

  Input blockInput(int f) const {
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

  struct LinearRead {
    Sparse form;
    int time = 0;
  };

  /// `x` as a linear form of the residual (0 at BOS), when it is one: a
  /// numerical block, a number-valued function of one categorical block, a
  /// constant, and sums, differences and constant multiples of those.
  std::optional<LinearRead> linearForm(const Node *x) {
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

  /// The inputs of `x` when its largest linear parts over numerical blocks
  /// count as one numerical input each.
  std::vector<Input> linearInputs(const Node *x) {
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

  /// How far a numerical block may be from its level: attention leaks
  /// (1e-6 of a weight) and float32 sums over max_len + 1 positions.
  double noiseOf(const std::vector<double> &levels) const {
    double most = 1;
    for (double level : levels)
      most = std::max(most, std::fabs(level));
    return most * (1e-6 + static_cast<double>(options.maxLen + 1) * 6e-8);
  }

  static int numericInputs(const std::vector<Input> &inputs) {
    return static_cast<int>(std::count_if(inputs.begin(), inputs.end(),
                                          [](const Input &in) { return in.numeric; }));
  }

  int materialize(const Node *x, EncodingKind encoding) {
    if (int f = findFeature(x, encoding); f >= 0)
      return f;
    std::vector<int> sources = sourcesOf(x);
    std::vector<Input> inputs;
    for (int s : sources)
      inputs.push_back(blockInput(s));
    if (numericInputs(inputs) > 1) {
      inputs = linearInputs(x);
      if (inputs.empty() || numericInputs(inputs) > 1) {
        split(x, true);
        sources = sourcesOf(x, true);
        if (numericCount(sources) > 1) {
          for (int s : sources)
            if (feature(s).encoding == EncodingKind::Numerical)
              materialize(featureNode[s], EncodingKind::Categorical);
          sources = sourcesOf(x, true);
        }
        inputs.clear();
        for (int s : sources)
          inputs.push_back(blockInput(s));
      }
    }
    if (int f = findFeature(x, encoding); f >= 0)
      return f; // (splitting made it)
    Feature out;
    out.label = x->name;
    out.encoding = encoding;
    out.values = valuesOf(x);
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
    int time = mlpAfter(latestInput);
    out.time = time;
    out.producer = "L" + std::to_string(time / 2) + " MLP";
    int f = addFeature(x, std::move(out));

    LookupSpec spec;
    spec.oneDim = oneDim;
    spec.bosDim = bosDim;
    spec.maxUnits = options.maxUnits;
    std::vector<const Input *> categorical;
    const Input *numeric = nullptr;
    for (const Input &in : inputs) {
      if (in.numeric) {
        numeric = &in;
        spec.numeric = NumericInput{in.form, in.levels, noiseOf(in.levels)};
        continue;
      }
      categorical.push_back(&in);
      std::vector<int> dims;
      for (int i = 0; i < feature(in.feature).width(); ++i)
        dims.push_back(feature(in.feature).firstDim + i);
      spec.categorical.push_back(std::move(dims));
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
      return encode(f, program.run(values));
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

  // -------------------------------------------------------------- output

  OutputPlan outputOf(const Node *root) {
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
    for (int i = 0; i < feature(f).width(); ++i)
      out.dims.push_back(feature(f).firstDim + i);
    out.time = feature(f).time;
    return out;
  }

  void finish() {
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

  const ValueSets &sets;
  const PlanOptions &options;
  ModelPlan plan;
  int oneDim = 0, bosDim = 0;
  std::vector<const Node *> featureNode;
  std::unordered_map<const Node *, std::vector<int>> byNode;
  std::unordered_map<const Node *, SideRead> sides;
  std::map<int, std::vector<HeadPlan>> heads;
  std::map<std::pair<std::string, int>, size_t> headOf;
  std::map<int, std::vector<MlpBlock>> mlps;
  std::map<std::vector<int>, int> tuples;
};

} // namespace

ModelPlan codegen::planModel(const Node *root, const ValueSets &sets,
                             const PlanOptions &options) {
  return Planner(sets, options).run(root);
}
