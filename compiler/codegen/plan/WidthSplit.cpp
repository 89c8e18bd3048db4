// The plan's heads: a selector_width (or the paper's BOS share) of an `or`
// whose sides never select a key together, counted side by side (one head
// each) and summed by the MLP after them, where one head would read a tuple
// made a layer earlier; and a comparison of lexicographic keys as such an
// `or`.
#include "compiler/codegen/plan/HeadPlannerImpl.h"

#include "compiler/codegen/constructions/MapProgram.h"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <set>

using namespace rasp;
using namespace rasp::codegen;
using graph::CompareKind;

namespace {

void disjuncts(const Node *sel, std::vector<const Node *> &out) {
  if (sel->kind == NodeKind::SelectorOr) {
    disjuncts(sel->inputs[0], out);
    disjuncts(sel->inputs[1], out);
    return;
  }
  out.push_back(sel);
}

} // namespace

std::vector<const Node *> HeadPlanner::disjointSides(const Node *selector) {
  if (selector->kind != NodeKind::SelectorOr)
    return {};
  std::vector<const Node *> sides;
  disjuncts(selector, sides);
  if (sides.size() > 4)
    return {};
  std::vector<std::vector<const Node *>> selects(sides.size());
  for (size_t i = 0; i < sides.size(); ++i) {
    for (size_t j = 0; j < i; ++j)
      if (!neverTogether(sides[i], sides[j]))
        return {};
    conjuncts(sides[i], selects[i]);
  }
  // Only where one head would need a tuple: its selects read different
  // blocks on one side.
  std::set<int> queryBlocks, keyBlocks;
  for (const std::vector<const Node *> &list : selects)
    for (const Node *s : list) {
      if (int f = readSide(s->inputs[0]).block; f >= 0)
        keyBlocks.insert(f);
      if (int f = readSide(s->inputs[1]).block; f >= 0)
        queryBlocks.insert(f);
    }
  if (queryBlocks.size() <= 1 && keyBlocks.size() <= 1)
    return {};
  return sides;
}

bool HeadPlanner::planWidthBySides(const Node *x, const Node *selector, SumMode mode) {
  if (x->encoding == graph::EncodingHintKind::Numerical)
    return false;
  std::vector<const Node *> sides = disjointSides(selector);
  if (sides.empty())
    return false;
  // The sides' widths, and their sum: s-ops of the planner's own.
  std::vector<graph::Node *> widths;
  std::vector<int> shares;
  for (size_t i = 0; i < sides.size(); ++i) {
    graph::Node *w = cx.made.add(NodeKind::SelectorWidth, x->name + "#" + std::to_string(i + 1),
                                 x->loc, {const_cast<Node *>(sides[i])});
    try {
      planHead(w);
    } catch (const CompileError &) {
      return false; // (What it made goes unread, and is pruned.)
    }
    int f = layout.best(w, false);
    if (f < 0 || layout.block(f).encoding != EncodingKind::Numerical)
      return false; // (The head just made goes unread, and is pruned.)
    widths.push_back(w);
    shares.push_back(f);
  }
  graph::Node *sum = widths[0];
  for (size_t i = 1; i < widths.size(); ++i) {
    graph::Node *add = cx.made.add(NodeKind::Map, x->name + "#sum", x->loc, {sum, widths[i]});
    add->mapOp = graph::MapOpKind::Atom;
    add->atomOp = AtomOpKind::Add;
    for (int input = 0; input < 2; ++input) {
      add->operands.emplace_back();
      add->operands.back().input = input;
    }
    sum = add;
  }
  // The sides never select one key together: their widths sum to at most
  // the length.
  int64_t most = cx.options.maxLen;
  LookupPlanner::JointFilter occurs = [most](const std::vector<Atom> &joint) {
    int64_t total = 0;
    for (const Atom &w : joint)
      total += static_cast<int64_t>(w.number());
    return total <= most;
  };
  // The output is read as the sum itself: no one-hot of it (a lookup per
  // share, where the packed one-hot takes a unit per joint value).
  bool output = x == root;
  if (!output) {
    ResidualLayout::Because because(
        layout, "selector_width of an `or` whose sides never select one key together: one head "
                "per side (no tuple of their blocks), the widths summed by the MLP after them "
                "from their BOS shares packed into one number");
    if (lookups.packedLookup(x, EncodingKind::Categorical, sum, shares, occurs) >= 0)
      return true;
  }
  // Too many joint widths to pack: their sum as one number instead (a
  // lookup per share), where the tuple one head would read costs the same
  // layer as the one-hot made of that number later.
  if (!output &&
      (mode == SumMode::PackedOnly || (mode == SumMode::NoDeeper && !sumNoDeeper(x, sides))))
    return false;
  Block out;
  out.label = x->name;
  out.encoding = EncodingKind::Numerical;
  for (int64_t w = 0; w <= cx.options.maxLen; ++w) {
    out.values.push_back(Atom::integer(w));
    out.levels.push_back(static_cast<double>(w));
  }
  out.why = "selector_width of an `or` whose sides never select one key together: one head per "
            "side (no tuple of their blocks), the widths summed as one number by the MLP after "
            "them, a lookup per side (" +
            std::string(output ? "the output, read as that number"
                               : "their joint values are too many to pack") +
            ")";
  sumOfCounts(x, std::move(out), shares);
  return true;
}

bool HeadPlanner::sumNoDeeper(const Node *x, const std::vector<const Node *> &sides) {
  if (x == root)
    return true; // (Read out as the number, in the MLP after the heads.)
  // The tuple of what the sides read is made by the MLP after the latest
  // of it, and its head comes after that: where that latest is made by an
  // MLP (not an embedding, whose tuple a leading MLP-only layer makes), the
  // sides' heads come a layer earlier, their sum in their MLP, and what
  // reads it one MLP later, no later than it would read the tuple's head.
  int latest = 0;
  for (const Node *side : sides) {
    std::vector<const Node *> selects;
    leaves(side, selects);
    for (const Node *s : selects)
      for (const Node *input : s->inputs)
        if (int f = readSide(input).block; f >= 0)
          latest = std::max(latest, layout.block(f).time);
  }
  return latest > 0 && latest % 2 == 0;
}

int HeadPlanner::sumOfCounts(const Node *x, Block out, const std::vector<int> &shares) {
  int latest = 0;
  for (int f : shares)
    latest = std::max(latest, layout.block(f).time);
  int f = layout.addMadeByMlp(x, std::move(out), latest);
  double error = 0;
  for (int share : shares) {
    LookupSpec spec = cx.lookupSpec();
    std::vector<LookupInput> inputs = {lookups.blockInput(share)};
    LookupPlanner::BoundInputs bound = lookups.bindInputs(inputs, spec);
    assert(bound.numeric && "a share is a number");
    const std::vector<Atom> &counts = layout.block(share).values;
    int dim = layout.block(f).firstDim;
    spec.output = [&](const std::vector<int> &, int n) {
      double count = counts[n].number();
      return count == 0 ? LinearForm{} : LinearForm{{dim, count}};
    };
    std::vector<HiddenUnit> units = cx.lookupUnits(x, spec, inputs[0].name);
    cx.addMlp(f, "'" + x->name + "', the count of '" + layout.block(share).label + "'",
              "from " + inputs[0].name, std::move(units), &spec);
    error += spec.outputError;
  }
  // Each lookup's float32 rounding adds into the sum.
  layout.block(f).numberError = std::max(layout.block(f).numberError, error);
  return f;
}

bool HeadPlanner::planShareBySides(const Node *x, const Node *rest, const Block &share,
                                   bool deeper) {
  std::vector<const Node *> sides = disjointSides(rest);
  if (sides.empty() || (!deeper && !sumNoDeeper(x, sides)))
    return false;
  // A head per side, each counting the keys its side selects besides key 0
  // by BOS's share.
  std::vector<int> shares;
  int64_t most = cx.options.maxLen - 1;
  for (size_t i = 0; i < sides.size(); ++i) {
    graph::Node *w = cx.made.add(NodeKind::SelectorWidth, x->name + "#" + std::to_string(i + 1),
                                 x->loc, {const_cast<Node *>(sides[i])});
    Scores scores = scoresBesideKeyZero(sides[i]);
    double groupsCount = static_cast<double>(scores.groups.size());
    Block raw;
    raw.label = w->name + "#bos-share";
    for (int64_t count = 0; count <= most; ++count)
      raw.values.push_back(Atom::integer(count));
    planBosShare(w, std::move(scores), groupsCount, std::move(raw), 0, most,
                 "side " + std::to_string(i + 1) + " of '" + x->name +
                     "' (the count of keys it selects besides index 0)");
    shares.push_back(layout.best(w, false));
  }
  // x is share.values[w] for w keys selected besides key 0, the sum of the
  // sides' counts (they never select one key together): held as w.
  Block out;
  out.label = x->name;
  out.encoding = EncodingKind::Numerical;
  out.values = share.values;
  for (int64_t count = 0; count <= most; ++count)
    out.levels.push_back(static_cast<double>(count));
  out.levelsAreValues = false;
  out.levelsAre = "the count w of keys selected besides index 0, summed over the sides of the "
                  "`or`, of each value";
  out.why = "a BOS share of an `or` whose sides never select one key together: one head per side "
            "(no tuple of their blocks), their counts summed as one number by the MLP after them";
  sumOfCounts(x, std::move(out), shares);
  return true;
}

const Node *HeadPlanner::lexicographicOr(const Node *x) {
  // selector_width(select(k, k, cmp)), cmp an order, k a map of a and b.
  const Node *selector = x->inputs[0];
  if (selector->kind != NodeKind::Select || selector->inputs[0] != selector->inputs[1])
    return nullptr;
  CompareKind cmp = selector->cmp;
  if (cmp == CompareKind::Eq || cmp == CompareKind::Ne)
    return nullptr;
  const Node *k = selector->inputs[0];
  if (k->kind != NodeKind::Map || k->inputs.size() != 2 || k->inputs[0] == k->inputs[1])
    return nullptr;
  const Node *a = k->inputs[0], *b = k->inputs[1];
  if (!cx.sets.has(a) || !cx.sets.has(b))
    return nullptr;
  std::vector<Atom> as = cx.sets.at(a), bs = cx.sets.at(b);
  auto byNumber = [](const Atom &l, const Atom &r) { return l.number() < r.number(); };
  if (!allNumbers(as) || !allNumbers(bs) || as.size() < 2 || bs.size() < 2 ||
      static_cast<double>(as.size()) * static_cast<double>(bs.size()) > 4e6)
    return nullptr;
  std::sort(as.begin(), as.end(), byNumber);
  std::sort(bs.begin(), bs.end(), byNumber);
  // k over every pair of their values (a superset of those that occur):
  // strictly monotone in b, the same way for every a, and each a's range
  // of k apart from every other's, in the order of a (or its reverse).
  MapProgram program(k, {a, b});
  struct Range {
    double lo, hi;
    size_t a;
  };
  std::vector<Range> ranges;
  int bDirection = 0;
  for (size_t i = 0; i < as.size(); ++i) {
    std::vector<double> row;
    for (const Atom &bv : bs) {
      std::optional<Atom> v = program.run({&as[i], &bv});
      if (!v || !v->isNumber() || v->isBool() || !std::isfinite(v->number()))
        return nullptr;
      row.push_back(v->number());
    }
    for (size_t j = 1; j < row.size(); ++j) {
      int direction = row[j] > row[j - 1] ? 1 : row[j] < row[j - 1] ? -1 : 0;
      if (direction == 0 || (bDirection != 0 && direction != bDirection))
        return nullptr;
      bDirection = direction;
    }
    auto [lo, hi] = std::minmax_element(row.begin(), row.end());
    ranges.push_back({*lo, *hi, i});
  }
  std::sort(ranges.begin(), ranges.end(),
            [](const Range &l, const Range &r) { return l.lo < r.lo; });
  int aDirection = ranges[1].a > ranges[0].a ? 1 : -1;
  for (size_t i = 1; i < ranges.size(); ++i)
    if (!(ranges[i].lo > ranges[i - 1].hi) ||
        (ranges[i].a > ranges[i - 1].a ? 1 : -1) != aDirection)
      return nullptr;
  // key < query (or >, <=, >=): a's order first, then b's on a tie.
  bool below = cmp == CompareKind::Lt || cmp == CompareKind::Le;
  bool strict = cmp == CompareKind::Lt || cmp == CompareKind::Gt;
  auto order = [&](int direction, bool orEqual) {
    bool less = (direction > 0) == below;
    return less ? (orEqual ? CompareKind::Le : CompareKind::Lt)
                : (orEqual ? CompareKind::Ge : CompareKind::Gt);
  };
  auto select = [&](const Node *side, CompareKind c, const std::string &name) {
    graph::Node *s = cx.made.add(NodeKind::Select, name, selector->loc,
                                 {const_cast<Node *>(side), const_cast<Node *>(side)});
    s->cmp = c;
    return s;
  };
  graph::Node *first = select(a, order(aDirection, false), selector->name + "#first");
  graph::Node *tie = select(a, CompareKind::Eq, selector->name + "#tie");
  graph::Node *then = select(b, order(bDirection, !strict), selector->name + "#then");
  graph::Node *second =
      cx.made.add(NodeKind::SelectorAnd, selector->name + "#second", selector->loc, {tie, then});
  return cx.made.add(NodeKind::SelectorOr, selector->name, selector->loc, {first, second});
}
