// The plan's heads: a count read only as whether it is 0 (`width > 0`,
// `bos_width(sel) == 0`), whose head scores BOS below the selected keys, so
// that its share is 1 where none is selected and about 0 where any is: a
// number of two levels, which packs with any other.
#include "compiler/codegen/plan/HeadPlannerImpl.h"

#include <cmath>
#include <set>

using namespace rasp;
using namespace rasp::codegen;

bool HeadPlanner::readOnlyAsZero(const Node *x, const std::function<Atom(int64_t)> &valueAt,
                                 int64_t most) {
  // (The planner's own nodes, which no s-op reads, are read by lookups
  // that it makes, counts and all.)
  if (x == root || most < 1 || !users.count(x))
    return false;
  // Every path from x to what reads it passes through maps of x alone
  // (each input x or such a map) until one that takes one value at every
  // count from 1 up: what reads x then tells only 0 from the rest.
  std::set<const Node *> chain{x};
  std::vector<const Node *> pending{x};
  while (!pending.empty()) {
    const Node *node = pending.back();
    pending.pop_back();
    auto it = users.find(node);
    if (it == users.end())
      continue;
    for (const Node *user : it->second) {
      if (chain.count(user))
        continue;
      if (user->kind != NodeKind::Map)
        return false;
      for (const Node *input : user->inputs)
        if (!chain.count(input))
          return false;
      std::optional<Atom> first = cx.evaluate(user, {{x, valueAt(1)}});
      bool constant = first.has_value() && cx.evaluate(user, {{x, valueAt(0)}}).has_value();
      for (int64_t w = 2; w <= most && constant; ++w) {
        std::optional<Atom> v = cx.evaluate(user, {{x, valueAt(w)}});
        constant = v && v->kind() == first->kind() && v->equals(*first);
      }
      if (constant)
        continue; // (Read no further: one value for every count from 1.)
      if (user == root)
        return false; // (The output shows every count.)
      chain.insert(user);
      pending.push_back(user);
    }
  }
  return true;
}

bool HeadPlanner::planAnyShare(const Node *x, Scores scores, Atom none, Atom some,
                               const std::string &what) {
  double groupsCount = static_cast<double>(scores.groups.size());
  // BOS half the scale below a selected key (its scores off by up to
  // `error`): beside one, its weight is at most exp(-(scale / 2 - error));
  // beside none, each of the N keys not selected, a scale below a selected
  // key's score, weighs at most that beside BOS. Either way the share is
  // within N + 1 such weights of its level, plus the rounding of the
  // normaliser's sum (each tiny term rounds away by at most itself) and of
  // the division: past 1e-6 (PlanContext::leakOf), the count head instead.
  double error = scoreError(scores);
  double off =
      static_cast<double>(cx.options.maxLen + 1) * std::exp(-(cx.scale() / 2 - error)) + 1.2e-7;
  if (off > 1e-6)
    return false;
  int time = attentionAfter(scores.time);
  Block raw;
  raw.label = x->name + "#any";
  raw.encoding = EncodingKind::Numerical;
  raw.values = {std::move(none), std::move(some)};
  raw.levels = {1.0, 0.0};
  raw.levelsAreValues = false;
  raw.representative = true;
  raw.levelsAre = "BOS's share: 1 where no key is selected (the value for a count of 0), about "
                  "0 where any is (the value for 1, which stands for every count from 1)";
  raw.bosRow = {1.0};
  // (Its readers add leakOf's 1e-6 at every level, and this times the
  // level: at most `off` either way.)
  raw.relativeNoise = off;
  raw.time = time;
  raw.producer = "L" + std::to_string((time + 1) / 2) + " attention";
  raw.why = "read only as whether its count is 0: BOS scores half the scale below the selected "
            "keys, so that its share is 1 or within 1e-6 of 0, two levels where a count's "
            "share has one per count";
  refuseOversized(x, scores);
  int f = layout.add(x, std::move(raw));
  HeadPlan head;
  head.description.push_back(what + ": BOS share 1 where none is selected, about 0 where any is");
  for (const std::string &line : scores.lines)
    head.description.push_back(line);
  // BOS half the scale below a selected key: its weight beside one is
  // exp(-scale / 2) = e^-14 / (N + 1); beside no selected key, the keys
  // that are not (a scale below) weigh that each.
  buildScores(scores.groups, {cx.scale(), groupsCount - 0.5, layout.oneDim(), layout.bosDim()},
              head);
  head.value.push_back({{layout.bosDim(), 1.0}});
  head.outDims.push_back(layout.block(f).firstDim);
  cx.heads[time].push_back(std::move(head));
  return true;
}
