// The plan's heads: score groups from selectors (conjunctions; tuples for
// or/not across blocks are in HeadTuples.cpp), aggregates and selector
// widths.
#include "compiler/codegen/plan/HeadPlannerImpl.h"
#include "compiler/codegen/plan/HintChecks.h"
#include "compiler/codegen/values/Positions.h"

#include <algorithm>
#include <cassert>
#include <cmath>

using namespace rasp;
using namespace rasp::codegen;

HeadPlanner::HeadPlanner(PlanContext &cx, LookupPlanner &lookups, const Node *root)
    : cx(cx), layout(cx.layout), lookups(lookups), root(root) {
  for (const Node *node : graph::topologicalOrder(root)) {
    if (node->kind == NodeKind::Select) {
      sideUses[node->inputs[0]].emplace_back(node, true);
      sideUses[node->inputs[1]].emplace_back(node, false);
    }
    for (const Node *input : node->inputs) {
      std::vector<const Node *> &list = users[input];
      if (std::find(list.begin(), list.end(), node) == list.end())
        list.push_back(node);
    }
  }
}

void codegen::planHeads(PlanContext &cx, LookupPlanner &lookups, const Node *root) {
  HeadPlanner heads(cx, lookups, root);
  cx.copyOneHot = [&heads](const Node *x) { return heads.copyOneHot(x); };
  for (const Node *node : graph::topologicalOrder(root))
    if (node->kind == NodeKind::Aggregate || node->kind == NodeKind::SelectorWidth)
      heads.planHead(node);
  cx.copyOneHot = nullptr;
}

void HeadPlanner::conjuncts(const Node *sel, std::vector<const Node *> &out) {
  if (sel->kind == NodeKind::SelectorAnd) {
    conjuncts(sel->inputs[0], out);
    conjuncts(sel->inputs[1], out);
    return;
  }
  out.push_back(sel);
}

void HeadPlanner::leaves(const Node *sel, std::vector<const Node *> &out) {
  if (sel->kind == NodeKind::Select) {
    out.push_back(sel);
    return;
  }
  for (const Node *input : sel->inputs)
    leaves(input, out);
}

HeadPlanner::Scores HeadPlanner::planScores(const Node *selector) {
  std::vector<const Node *> parts;
  conjuncts(selector, parts);
  // Conjuncts grouped by the blocks they read; a conjunct whose selects
  // read different blocks reads the tuples of them.
  std::map<std::pair<int, int>, std::pair<std::pair<Side, Side>, std::vector<const Node *>>> groups;
  Scores scores;
  for (const Node *part : parts) {
    std::vector<const Node *> selects;
    leaves(part, selects);
    std::vector<int> queryParts, keyParts;
    for (const Node *select : selects) {
      SideRead key = readSide(select->inputs[0]);
      SideRead query = readSide(select->inputs[1]);
      if (query.block >= 0)
        queryParts.push_back(query.block);
      if (key.block >= 0)
        keyParts.push_back(key.block);
    }
    for (std::vector<int> *list : {&queryParts, &keyParts}) {
      std::sort(list->begin(), list->end());
      list->erase(std::unique(list->begin(), list->end()), list->end());
    }
    auto [queryClasses, keyClasses] = formulaClasses(part, queryParts, keyParts, selects);
    if (queryParts.size() > 1 && queryParts == keyParts) {
      // Both sides read the same blocks: one tuple, telling apart what
      // either side does, serves both.
      for (size_t i = 0; i < queryParts.size(); ++i)
        queryClasses[i] = meet(queryClasses[i], keyClasses[i]);
      keyClasses = queryClasses;
    }
    Side qs = tupleSide(queryParts, std::move(queryClasses), part);
    Side ks = tupleSide(keyParts, std::move(keyClasses), part);
    for (int f : {qs.block, ks.block})
      if (f >= 0)
        scores.time = std::max(scores.time, layout.block(f).time);
    auto &group = groups[{qs.block, ks.block}];
    group.first = {qs, ks};
    group.second.push_back(part);
  }
  for (auto &[pair, group] : groups) {
    const Side &qs = group.first.first;
    const Side &ks = group.first.second;
    const std::vector<const Node *> &members = group.second;
    ScoreGroup g;
    SideRead query, key;
    query.block = qs.block;
    key.block = ks.block;
    g.queryReads = readsOf(query);
    g.keyReads = readsOf(key);
    const Node *only = members.size() == 1 ? members[0] : nullptr;
    if (only && only->kind == NodeKind::Select && qs.classes.empty() && ks.classes.empty())
      g.table = selectTable(only); // One select over single blocks: its own table.
    else
      g.table = flatten(members, qs, g.queryReads.size(), ks, g.keyReads.size())
                    .tabulate(g.queryReads.size(), g.keyReads.size());
    std::string names;
    for (const Node *m : members)
      names += (names.empty() ? "" : ", ") + m->name;
    scores.lines.push_back("score: [" + names + "] query " + layout.name(pair.first) + ", key " +
                           layout.name(pair.second));
    scores.groups.push_back(std::move(g));
  }
  return scores;
}

double HeadPlanner::scoreError(const Scores &scores) const {
  double error = 0;
  for (const ScoreGroup &g : scores.groups) {
    double query = 0, key = 0;
    for (const LinearForm &form : g.queryReads)
      query = std::max(query, layout.oneHotError(form));
    for (const LinearForm &form : g.keyReads)
      key = std::max(key, layout.oneHotError(form));
    if (query == 0 && key == 0)
      continue;
    // score = q' T k with q = e_a + dq, k = e_b + dk: off by dq' T e_b
    // (column b's cells) plus e_a' T dk (row a's), to first order. An
    // MLP's one-hot of a number is made of cumulative steps, so the sum of
    // a run of consecutive values is the difference of two steps: a row of
    // an equality (one cell) or of an order comparison (a run) is off by
    // at most two steps' rounding.
    size_t rowMost = 0, columnMost = 0;
    std::vector<size_t> columns(g.table.cols(), 0);
    for (size_t r = 0; r < g.table.rows(); ++r) {
      rowMost = std::max(rowMost, g.table.count(r));
      g.table.forEach(r, [&](size_t c) { ++columns[c]; });
    }
    for (size_t c : columns)
      columnMost = std::max(columnMost, c);
    error += query * static_cast<double>(std::min<size_t>(columnMost, 2)) +
             key * static_cast<double>(std::min<size_t>(rowMost, 2));
  }
  return cx.scale() * error;
}

EncodingKind HeadPlanner::aggregateEncoding(const Node *x) {
  const std::vector<Atom> &values = cx.valuesOf(x->inputs[1]);
  // Bools are not averaged (the evaluator fails on a mean of several), so
  // a categorical mean is exact wherever the evaluator succeeds.
  bool numbers =
      allNumbers(values) && x->constant.isNumber() &&
      !std::all_of(values.begin(), values.end(), [](const Atom &v) { return v.isBool(); });
  if (x->encoding == graph::EncodingHintKind::Categorical) {
    if (numbers)
      checkCategoricalHint(x);
    return EncodingKind::Categorical;
  }
  if (x->encoding == graph::EncodingHintKind::Numerical) {
    if (!numbers)
      throw CompileError{x, "'" + x->name +
                                "' is marked numerical, but its values "
                                "(or its default) are not all numbers"};
    return EncodingKind::Numerical;
  }
  return numbers ? EncodingKind::Numerical : EncodingKind::Categorical;
}

Magnitude HeadPlanner::setsMagnitude() const {
  return [this](const Node *n) -> std::optional<double> {
    return cx.sets.has(n) ? largestMagnitude(cx.sets.at(n)) : std::nullopt;
  };
}

int HeadPlanner::copyOneHot(const Node *x) {
  // Only where a head that copies the one-hot lands no later than the one
  // that wrote the number: the value's one-hot is there before it.
  int numeric = layout.find(x, EncodingKind::Numerical);
  if (x->kind != NodeKind::Aggregate || numeric < 0 ||
      layout.find(x, EncodingKind::Categorical) >= 0)
    return -1;
  const Node *v = x->inputs[1];
  int source = layout.find(v, EncodingKind::Categorical);
  if (source < 0 && (v->kind == NodeKind::Tokens || v->kind == NodeKind::Indices))
    source = cx.embedding(v);
  if (source < 0 || layout.block(source).time >= layout.block(numeric).time || !cx.sets.has(v) ||
      cx.sets.at(v).size() > 64 || !cx.sets.has(x))
    return -1;
  Magnitude magnitude = setsMagnitude();
  auto integral = [&](const Node *n) {
    return cx.sets.has(n) && !cx.sets.at(n).empty() &&
           std::all_of(cx.sets.at(n).begin(), cx.sets.at(n).end(),
                       [](const Atom &a) { return a.isIntegral(); });
  };
  if (mostKeysSelected(x->inputs[0], cx.options.maxLen, magnitude, integral) != 1)
    return -1;
  planHead(x, EncodingKind::Categorical);
  int f = layout.find(x, EncodingKind::Categorical);
  return f >= 0 && layout.block(f).time <= layout.block(numeric).time ? f : -1;
}

void HeadPlanner::planHead(const Node *x, std::optional<EncodingKind> copy) {
  bool width = x->kind == NodeKind::SelectorWidth;
  // The paper's BOS share, sel or select(indices, 0, ==), before the
  // selector's scores (which would tuple sel's sides with the index).
  if (!width && !copy && x->encoding == graph::EncodingHintKind::Inferred)
    if (const Node *rest = besideKeyZero(x->inputs[0]))
      if (std::optional<Block> share = firstKeyShare(x, false)) {
        const std::vector<Atom> &counts = share->values; // (Per count besides key 0.)
        if (readOnlyAsZero(
                x, [&](int64_t w) { return counts[w]; }, static_cast<int64_t>(counts.size()) - 1)) {
          if (planAnyShare(x, scoresBesideKeyZero(rest), counts[0], counts[1],
                           "'" + x->name +
                               "' (numerical, by whether any key besides index 0 is selected)"))
            return;
        }
        if (planShareBySides(x, rest, *share, false))
          return;
        try {
          Scores scores = scoresBesideKeyZero(rest);
          double groupsCount = static_cast<double>(scores.groups.size());
          planBosShare(x, scores, groupsCount, *share, 0, cx.options.maxLen - 1,
                       "'" + x->name +
                           "' (numerical, by the count of selected keys besides index 0)");
        } catch (const CompileError &) {
          // One head cannot: a head per side, even a layer deeper.
          if (!planShareBySides(x, rest, *share, true))
            throw;
        }
        return;
      }
  if (width && !copy && disjointSides(x->inputs[0]).empty() &&
      readOnlyAsZero(
          x, [](int64_t w) { return Atom::integer(w); }, cx.options.maxLen) &&
      planAnyShare(x, planScores(x->inputs[0]), Atom::integer(0), Atom::integer(1),
                   "selector_width '" + x->name + "', read only as whether it is 0"))
    return;
  if (width) {
    // A lexicographic order's two sides, where their shares pack (a layer
    // no deeper than one head over the key); a number of them only when
    // planning again to spend layers.
    const Node *lexicographic = copy ? nullptr : lexicographicOr(x);
    if (lexicographic &&
        planWidthBySides(x, lexicographic,
                         cx.options.spendLayers ? SumMode::Deeper : SumMode::PackedOnly))
      return;
    if (!copy && planWidthBySides(x, x->inputs[0], SumMode::NoDeeper))
      return;
    try {
      Scores scores = planScores(x->inputs[0]);
      double groupsCount = static_cast<double>(scores.groups.size());
      planWidth(x, std::move(scores), groupsCount);
    } catch (const CompileError &) {
      if (copy || !planWidthBySides(x, x->inputs[0], SumMode::Deeper))
        throw;
    }
    return;
  }
  Scores scores = planScores(x->inputs[0]);
  double groupsCount = static_cast<double>(scores.groups.size());
  EncodingKind encoding = copy ? *copy : aggregateEncoding(x);
  if (encoding == EncodingKind::Numerical) {
    if (std::optional<Proxy> proxy = lengthProxy(x)) {
      planProxy(x, std::move(scores), groupsCount, std::move(*proxy));
      return;
    }
    if (std::optional<Block> share = firstKeyShare(x)) {
      planBosShare(x, std::move(scores), groupsCount, std::move(*share), 1, cx.options.maxLen,
                   "'" + x->name + "' (numerical, by the count of selected keys)");
      return;
    }
  }
  Block out;
  out.label = x->name;
  out.encoding = encoding;
  if (copy)
    out.why = "a one-hot that a select or a lookup reads, copied by a head of its own: the "
              "selector selects at most one key, so no mean is ever taken";
  else if (x->encoding == graph::EncodingHintKind::Categorical)
    out.why = "categorical(...) asks for a one-hot";
  else if (x->encoding == graph::EncodingHintKind::Numerical)
    out.why = "numerical(...) asks for one number";
  else if (encoding == EncodingKind::Numerical)
    out.why = "a mean of numbers: the head writes it as one number, read linearly";
  else
    out.why = "its values are not all numbers: the head copies a one-hot (a mean of such "
              "is one of them)";
  if (encoding == EncodingKind::Numerical && !cx.sets.has(x) && cx.sets.unknown.at(x).tooLarge) {
    // Too many means to enumerate: the block is written all the same, and
    // read linearly; only a lookup needs its values (and is refused then).
    out.valuesUnknown = true;
  } else if (encoding == EncodingKind::Numerical) {
    out.values = cx.valuesOf(x);
    for (const Atom &v : out.values)
      out.levels.push_back(v.number());
  } else {
    // The values and the default: a categorical mean is only ever one of them.
    out.values = cx.valuesOf(x->inputs[1]);
    if (std::none_of(out.values.begin(), out.values.end(),
                     [&](const Atom &v) { return v.equals(x->constant); }))
      out.values.push_back(x->constant);
  }
  // Reads first (they may add blocks), then the block itself.
  ValueRead value = [&] {
    ResidualLayout::Because because(
        layout, encoding == EncodingKind::Numerical
                    ? "averaged by the head of '" + x->name + "', which reads it linearly"
                    : "copied by the head of '" + x->name + "' as a one-hot");
    return readValue(x->inputs[1], encoding);
  }();
  int time = attentionAfter(std::max(scores.time, value.time));
  out.time = time;
  out.producer = "L" + std::to_string((time + 1) / 2) + " attention";
  int f = layout.add(x, std::move(out));
  Block &feat = layout.block(f);
  LinearForm bosValue = layout.encode(f, x->constant);
  for (const auto &[dim, w] : bosValue)
    feat.bosRow[dim - feat.firstDim] = w;
  std::vector<LinearForm> columns(feat.width());
  for (size_t i = 0; i < value.sourceValues.size(); ++i)
    for (const auto &[dim, w] : layout.encode(f, value.sourceValues[i]))
      addScaled(columns[dim - feat.firstDim], value.reads[i], w);
  for (const auto &[dim, w] : bosValue)
    addScaled(columns[dim - feat.firstDim], {{layout.bosDim(), 1.0}}, w);
  // A mean of numbers an MLP made is off by as much as they are.
  if (encoding == EncodingKind::Numerical)
    layout.block(f).numberError = layout.numberError(columns[0]);

  HeadPlan &head = sharedHead(x->inputs[0], time, scores, groupsCount - 0.5);
  head.description.push_back("writes '" + x->name + "' (" +
                             (encoding == EncodingKind::Categorical ? "categorical" : "numerical") +
                             ") from " + value.what + ", default " + x->constant.repr());
  for (int c = 0; c < feat.width(); ++c) {
    if (columns[c].empty())
      continue;
    head.value.push_back(std::move(columns[c]));
    head.outDims.push_back(feat.firstDim + c);
  }
}

void HeadPlanner::checkCategoricalHint(const Node *x) {
  // Proven where at most one key is selected, or every key holds one value.
  Magnitude magnitude = setsMagnitude();
  if (selectsAtMostOne(x->inputs[0], cx.options.maxLen, magnitude) ||
      cx.valuesOf(x->inputs[1]).size() <= 1)
    return;
  size_t tried = 0;
  bool everyInput = false;
  std::optional<MixedSelection> mixed =
      findMixedSelection(x, cx.options.vocab, cx.options.maxLen, 2000, tried, everyInput);
  if (!mixed && everyInput)
    return; // (Every input of lengths 1..max_len was tried.)
  if (!mixed) {
    cx.notes.push_back("categorical() on '" + x->name + "' is taken on trust: on none of " +
                       std::to_string(tried) +
                       " inputs (the shortest ones) do its selected positions hold "
                       "different values, but that is not proven for longer inputs");
    return;
  }
  auto text = [](const std::vector<Atom> &atoms) {
    std::string s;
    for (size_t i = 0; i < atoms.size(); ++i)
      s += (i ? ", " : "") + atoms[i].repr();
    return "[" + s + "]";
  };
  throw CompileError{x, "'" + x->name +
                            "' is marked categorical, but it averages different values: on "
                            "input " +
                            text(mixed->input) + ", position " + std::to_string(mixed->position) +
                            " selects " + text(mixed->values) +
                            "; a categorical aggregate must select positions that hold one "
                            "value (remove categorical() to compute the mean)"};
}

HeadPlan &HeadPlanner::sharedHead(const Node *selector, int time, Scores &scores, double bosScore) {
  auto key = std::make_pair(graph::selectorSignature(selector), time);
  std::vector<HeadPlan> &list = cx.heads[time];
  if (auto it = headOf.find(key); it != headOf.end())
    return list[it->second];
  refuseOversized(selector, scores);
  HeadPlan head;
  head.description.push_back("selector '" + selector->name + "'");
  for (const std::string &line : scores.lines)
    head.description.push_back(line);
  buildScores(scores.groups, {cx.scale(), bosScore, layout.oneDim(), layout.bosDim()}, head);
  headOf[key] = list.size();
  list.push_back(std::move(head));
  return list.back();
}

void HeadPlanner::refuseOversized(const Node *x, const Scores &scores) const {
  // A head dimension per value of a group's smaller side that selects
  // something (the chunked form adds a few): W_Q and W_K each hold d_head
  // columns of the residual, which is at least as wide as it is now.
  double dHead = 0;
  for (const ScoreGroup &g : scores.groups) {
    bool perKey = g.table.cols() < g.table.rows();
    size_t selecting = 0;
    if (perKey) {
      std::vector<char> any(g.table.cols(), 0);
      for (size_t r = 0; r < g.table.rows(); ++r)
        g.table.forEach(r, [&](size_t c) { any[c] = 1; });
      selecting = static_cast<size_t>(std::count(any.begin(), any.end(), 1));
    } else {
      for (size_t r = 0; r < g.table.rows(); ++r)
        selecting += g.table.count(r) > 0;
    }
    dHead += static_cast<double>(selecting);
  }
  double least = 2 * dHead * static_cast<double>(layout.dModel());
  if (least <= static_cast<double>(cx.options.maxParams))
    return;
  throw CompileError{
      x,
      "the model would have more than " + std::to_string(static_cast<int64_t>(least)) +
          " parameters, more than the budget of " + std::to_string(cx.options.maxParams) +
          " (--max-params): the scores of the head of '" + x->name + "' alone need " +
          std::to_string(static_cast<int64_t>(dHead)) +
          " head dimensions over a residual of at least " + std::to_string(layout.dModel()) +
          "; lower max_len or the vocabulary, or raise --max-params",
      true};
}

void HeadPlanner::planWidth(const Node *x, Scores scores, double groupsCount) {
  if (std::optional<Proxy> proxy = widthProxy(x)) {
    planProxy(x, std::move(scores), groupsCount, std::move(*proxy));
    return;
  }
  Block raw;
  raw.label = x->name + "#bos-share";
  for (int64_t w = 0; w <= cx.options.maxLen; ++w)
    raw.values.push_back(Atom::integer(w));
  planBosShare(x, std::move(scores), groupsCount, std::move(raw), 0, cx.options.maxLen,
               "selector_width '" + x->name + "'");
}

void HeadPlanner::planBosShare(const Node *x, Scores scores, double groupsCount, Block raw,
                               int64_t fewest, int64_t most, const std::string &what) {
  // BOS scores ln(c) above a selected key: its share is c / (c + w).
  double c = static_cast<double>(std::max<int64_t>(cx.options.maxLen, 1));
  raw.encoding = EncodingKind::Numerical;
  raw.levelsAreValues = false;
  raw.levelsAre = "BOS share c/(c+w) for w selected keys, of each value";
  for (int64_t w = fewest; w <= most; ++w)
    raw.levels.push_back(c / (c + static_cast<double>(w)));
  // (The softmax's own rounding, below.)
  double rounding = static_cast<double>(cx.options.maxLen + 1) * 6e-8;
  if (cx.options.spendLayers && sharesTooClose(raw.levels, rounding + scoreError(scores) / 2) &&
      !sharesTooClose(raw.levels, rounding))
    cleanScores(scores);
  int time = attentionAfter(scores.time);
  assert(raw.levels.size() == raw.values.size() && "one value per count of selected keys");
  raw.bosRow = {1.0};
  // Only BOS's value is not 0, and its score is the largest: its exp is 1
  // exactly, every selected key's is the same float32 number, and only the
  // normaliser, a float32 sum of 1 + w of them, rounds, by at most w + 1
  // roundings relative to itself. So the share is off by at most
  // (N + 1) * 2^-24 times itself (plus noiseOf's leaks): at 1024, where
  // consecutive shares near 1/2 are 1/(4N) apart, that is what keeps them
  // apart, while a bound on the largest share (1) would not.
  raw.relativeNoise = rounding;
  // The selected keys' scores may be off (the one-hot errors of MLP-made
  // blocks its sides read, times the scale) while BOS's is exact: the
  // share c/(c+w) then moves by up to that times share * (1 - share),
  // and 1 - share <= 1/2 (w <= N = c).
  raw.relativeNoise += scoreError(scores) / 2;
  raw.time = time;
  raw.producer = "L" + std::to_string((time + 1) / 2) + " attention";
  if (raw.why.empty())
    raw.why = "BOS's share of the head's attention holds " + what + " as one number";
  refuseOversized(x, scores);
  int f = layout.add(x, std::move(raw));
  HeadPlan head;
  head.description.push_back(what + ": BOS share c/(c+w), c = " + Atom::real(c).repr());
  for (const std::string &line : scores.lines)
    head.description.push_back(line);
  buildScores(
      scores.groups,
      {cx.scale(), groupsCount + std::log(c) / cx.scale(), layout.oneDim(), layout.bosDim()}, head);
  head.value.push_back({{layout.bosDim(), 1.0}});
  head.outDims.push_back(layout.block(f).firstDim);
  cx.heads[time].push_back(std::move(head));
}

HeadPlanner::ValueRead HeadPlanner::readValue(const Node *v, EncodingKind encoding) {
  ValueRead read;
  std::vector<int> sources = cx.sourcesOf(v);
  if (sources.empty()) {
    read.reads = {{{layout.oneDim(), 1.0}, {layout.bosDim(), -1.0}}};
    read.sourceValues = {cx.evaluate(v, {})};
    read.what = "a constant";
    return read;
  }
  if (encoding == EncodingKind::Numerical) {
    if (std::optional<LinearRead> linear = lookups.linearForm(v)) {
      read.reads = {linear->form};
      read.sourceValues = {Atom::integer(1)};
      read.time = linear->time;
      read.what = "'" + v->name + "' (linear)";
      return read;
    }
  }
  int f = sources[0];
  bool direct = sources.size() == 1 && (layout.block(f).encoding == EncodingKind::Categorical ||
                                        (layout.block(f).levelsAreValues && layout.node(f) == v &&
                                         encoding == EncodingKind::Numerical));
  // A number made by an MLP for a head to average: a one-hot where it has
  // 3 to 8 values (read as the sum of value times dimension, exactly, where
  // a number an MLP writes is off by its units' rounding, which a lookup
  // that packs the head's mean with other numbers would multiply; and that
  // lookup can read the one-hot itself). Indicators stay numbers: their
  // means are read linearly.
  bool fewValues = v->kind == NodeKind::Map && cx.sets.has(v) && cx.sets.at(v).size() >= 3 &&
                   cx.sets.at(v).size() <= 8;
  if (!direct && encoding == EncodingKind::Numerical && fewValues) {
    ResidualLayout::Because because(layout, "a few numbers a head averages: as a one-hot, read "
                                            "as the sum of value times dimension, exactly");
    f = lookups.makeBlock(v, EncodingKind::Categorical);
  } else if (!direct) {
    f = lookups.makeBlock(v, encoding);
  }
  read.time = layout.block(f).time;
  read.what = "'" + layout.block(f).label + "'";
  if (layout.block(f).encoding == EncodingKind::Numerical) {
    // The number itself: written as one unit per unit of value.
    read.reads = {layout.numericReading(f)};
    read.sourceValues = {Atom::integer(1)};
    return read;
  }
  const Node *source = layout.node(f);
  for (int i = 0; i < layout.block(f).width(); ++i) {
    read.reads.push_back(layout.reading(f, i));
    read.sourceValues.push_back(cx.evaluate(v, {{source, layout.block(f).values[i]}}));
  }
  return read;
}
