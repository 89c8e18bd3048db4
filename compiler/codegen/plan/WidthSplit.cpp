// The plan's heads: a selector_width of an `or` whose sides never select a
// key together, counted side by side (one head each) and summed by the MLP
// after them, where one head would read a tuple made a layer earlier.
#include "compiler/codegen/plan/HeadPlannerImpl.h"

#include <set>

using namespace rasp;
using namespace rasp::codegen;

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

std::vector<const Node *> HeadPlanner::disjointSides(const Node *x) {
  const Node *selector = x->inputs[0];
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

bool HeadPlanner::planWidthBySides(const Node *x) {
  if (x->encoding == graph::EncodingHintKind::Numerical)
    return false;
  std::vector<const Node *> sides = disjointSides(x);
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
  ResidualLayout::Because because(
      layout, "selector_width of an `or` whose sides never select one key together: one head "
              "per side (no tuple of their blocks), the widths summed by the MLP after them "
              "from their BOS shares packed into one number");
  return lookups.packedLookup(x, EncodingKind::Categorical, sum, shares, occurs) >= 0;
}
