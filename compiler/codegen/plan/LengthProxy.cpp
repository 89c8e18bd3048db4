// The length proxy. An aggregate over a selector that selects every key, of
// values that depend on the index alone, is a function of the length n and
// nothing else. Such a mean can take values about 1/N^2 apart (the
// library's `length` reads 1/n, the share of position 0), too close for
// float32 once max_len passes 100 or so. The mean of the indices, (n - 1) /
// 2, tells the same lengths apart with gaps of 1/2: the head writes that
// mean instead, and the block holds the aggregate's value for each length
// as a level. Lookups read the block through its levels; a map that is
// affine in them (round(1 / share) = 2 m + 1) stays a linear form. It is
// used at every max_len, not only where the shares crowd: with the length
// a linear form, a map of the length and the index that is a function of
// one linear form of them (length - 1 - indices) is a lookup of that form,
// 2N units, where reading 1/n takes a set of steps per index, N^2.
//
// Tracr's length, selector_width(select(1, 1, ==)), is the same length n,
// written the same way when the program reads the indices.
//
// The first-key share. The paper's programs with a BOS marker count the
// keys a selector picks by averaging an indicator of index 0 over the
// selector or index 0: the mean is 1 / (w + 1), again about 1/N^2 apart.
// Such a mean is a function of the count of selected keys alone, which a
// head reads the way selector_width does (BOS's share c / (c + w), at
// least 1/(4N) apart): the block holds the mean for each count.
#include "compiler/atom/Rational.h"
#include "compiler/codegen/plan/HeadPlannerImpl.h"
#include "compiler/eval/Evaluate.h"

#include <algorithm>
#include <cmath>
#include <unordered_set>

using namespace rasp;
using namespace rasp::codegen;

namespace {

/// An Indices node below `node` when nothing below it reads the tokens;
/// null otherwise (or when nothing below it reads the indices either).
const Node *indicesAlone(const Node *node) {
  std::vector<const Node *> stack = {node};
  std::unordered_set<const Node *> seen;
  const Node *indices = nullptr;
  while (!stack.empty()) {
    const Node *y = stack.back();
    stack.pop_back();
    if (!seen.insert(y).second)
      continue;
    if (y->kind == NodeKind::Tokens)
      return nullptr;
    if (y->kind == NodeKind::Indices)
      indices = y;
    for (const Node *input : y->inputs)
      stack.push_back(input);
  }
  return indices;
}

/// Whether sorted numbers are closer together than `noise` allows (16 times
/// it, the lookups' margin); false for fewer than two, or equal ones.
bool crowded(std::vector<double> numbers, double noise) {
  std::sort(numbers.begin(), numbers.end());
  double gap = INFINITY;
  for (size_t i = 1; i < numbers.size(); ++i)
    gap = std::min(gap, numbers[i] - numbers[i - 1]);
  return gap > 0 && gap < 16 * noise;
}

} // namespace

namespace {
/// A block held by the mean of the indices, (n - 1) / 2, with no values or
/// levels yet (one per length, n = 1 up).
Block lengthBlock(const std::string &label) {
  Block out;
  out.label = label;
  out.encoding = EncodingKind::Numerical;
  out.levelsAreValues = false;
  out.levelsAre = "the mean of the indices, (n - 1) / 2, at the length n of each value";
  out.bosRow = {0.0};
  return out;
}
} // namespace

std::optional<HeadPlanner::Proxy> HeadPlanner::lengthProxy(const Node *x) {
  int64_t maxLen = cx.options.maxLen;
  if (maxLen < 2 || cx.options.vocab.empty() || x->encoding != graph::EncodingHintKind::Inferred ||
      !cx.selectsEveryKey(x->inputs[0]))
    return std::nullopt;
  const Node *indices = indicesAlone(x->inputs[1]);
  if (!indices)
    return std::nullopt;
  Proxy proxy{indices, lengthBlock(x->name)};
  Block &out = proxy.block;
  std::vector<double> numbers;
  for (int64_t n = 1; n <= maxLen; ++n) {
    // (Every position of an input holds the same value: all keys are read.)
    eval::Evaluator evaluator(std::vector<Atom>(n, cx.options.vocab.front()));
    Atom v;
    try {
      v = evaluator.sequence(x).values.at(0);
    } catch (const eval::EvalError &) {
      return std::nullopt;
    }
    if (!v.isNumber() || !std::isfinite(v.number()))
      return std::nullopt;
    out.values.push_back(v);
    out.levels.push_back(static_cast<double>(n - 1) / 2);
    numbers.push_back(v.number());
  }
  return proxy;
}

std::optional<HeadPlanner::Proxy> HeadPlanner::widthProxy(const Node *x) {
  if (cx.options.maxLen < 2 || !cx.indices || !cx.selectsEveryKey(x->inputs[0]))
    return std::nullopt;
  Proxy proxy{cx.indices, lengthBlock(x->name)};
  Block &out = proxy.block;
  for (int64_t n = 1; n <= cx.options.maxLen; ++n) {
    out.values.push_back(Atom::integer(n));
    out.levels.push_back(static_cast<double>(n - 1) / 2);
  }
  return proxy;
}

void HeadPlanner::planProxy(const Node *x, Scores scores, double groupsCount, Proxy proxy) {
  ValueRead value = readValue(proxy.indices, EncodingKind::Numerical);
  assert(value.reads.size() == 1 && "the indices are read as one linear form");
  int time = attentionAfter(std::max(scores.time, value.time));
  proxy.block.time = time;
  proxy.block.producer = "L" + std::to_string((time + 1) / 2) + " attention";
  if (proxy.block.why.empty())
    proxy.block.why = "held by a mean whose levels lie far apart (the mean index, 1/2 apart), "
                      "not by BOS's share (about 1/N^2 apart)";
  int f = layout.add(x, std::move(proxy.block));
  HeadPlan &head = sharedHead(x->inputs[0], time, scores, groupsCount - 0.5);
  head.description.push_back("writes '" + x->name +
                             "' (numerical, by length) as the mean of the indices, (n - 1) / 2: "
                             "its value for each length is a level");
  head.value.push_back(value.reads[0]);
  head.outDims.push_back(layout.block(f).firstDim);
}

bool HeadPlanner::selectsKeyZero(const Node *selector) {
  if (selector->kind == NodeKind::SelectorOr)
    return selectsKeyZero(selector->inputs[0]) || selectsKeyZero(selector->inputs[1]);
  if (selector->kind == NodeKind::SelectorAnd)
    return selectsKeyZero(selector->inputs[0]) && selectsKeyZero(selector->inputs[1]);
  if (selector->kind != NodeKind::Select || !cx.sourcesOf(selector->inputs[1]).empty())
    return false;
  const Node *key = selector->inputs[0];
  if (!indicesAlone(key) && !cx.sourcesOf(key).empty())
    return false;
  std::optional<Atom> query = cx.evaluate(selector->inputs[1], {});
  if (!query || cx.options.vocab.empty())
    return false;
  try {
    for (int64_t n = 1; n <= cx.options.maxLen; ++n) {
      eval::Evaluator evaluator(std::vector<Atom>(n, cx.options.vocab.front()));
      const Atom &first = evaluator.sequence(key).values.at(0);
      if (!applyAtomOp(graph::compareAtomOp(selector->cmp), first, *query).truthy())
        return false;
    }
  } catch (const AtomError &) {
    return false;
  } catch (const eval::EvalError &) {
    return false;
  }
  return true;
}

const Node *HeadPlanner::besideKeyZero(const Node *selector) {
  if (selector->kind != NodeKind::SelectorOr || cx.options.vocab.empty())
    return nullptr;
  for (int side = 0; side < 2; ++side) {
    const Node *zero = selector->inputs[side];
    if (zero->kind != NodeKind::Select || !cx.sourcesOf(zero->inputs[1]).empty() ||
        !indicesAlone(zero->inputs[0]))
      continue;
    std::optional<Atom> query = cx.evaluate(zero->inputs[1], {});
    if (!query)
      continue;
    // Key 0 and no other, at every length.
    bool onlyZero = true;
    try {
      for (int64_t n = 1; n <= cx.options.maxLen && onlyZero; ++n) {
        eval::Evaluator evaluator(std::vector<Atom>(n, cx.options.vocab.front()));
        const std::vector<Atom> &keys = evaluator.sequence(zero->inputs[0]).values;
        for (size_t j = 0; j < keys.size() && onlyZero; ++j)
          onlyZero =
              applyAtomOp(graph::compareAtomOp(zero->cmp), keys[j], *query).truthy() == (j == 0);
      }
    } catch (const AtomError &) {
      onlyZero = false;
    } catch (const eval::EvalError &) {
      onlyZero = false;
    }
    if (onlyZero)
      return selector->inputs[1 - side];
  }
  return nullptr;
}

HeadPlanner::Scores HeadPlanner::scoresBesideKeyZero(const Node *selector) {
  Scores scores = planScores(selector);
  scores.groups.push_back(keysButIndexZero());
  scores.lines.push_back("score: every key but index 0 (which counts as selected)");
  return scores;
}

ScoreGroup HeadPlanner::keysButIndexZero() {
  assert(cx.indices && "a select of index 0 reads the indices");
  int f = cx.embedding(cx.indices);
  const Block &block = layout.block(f);
  ScoreGroup group;
  group.queryReads = readsOf(SideRead{});
  group.keyReads = readsOf(SideRead{f, {}});
  group.table = BitMatrix(1, block.values.size());
  for (size_t i = 0; i < block.values.size(); ++i)
    group.table.set(0, i, !(block.values[i].isNumber() && block.values[i].number() == 0));
  return group;
}

std::optional<Block> HeadPlanner::firstKeyShare(const Node *x, bool onlyWhenCrowded) {
  int64_t maxLen = cx.options.maxLen;
  const Node *v = x->inputs[1];
  if (maxLen < 2 || cx.options.vocab.empty() || x->encoding != graph::EncodingHintKind::Inferred ||
      !indicesAlone(v) || !selectsKeyZero(x->inputs[0]))
    return std::nullopt;
  // The value at index 0, the same at every length; 0 everywhere else.
  std::optional<Atom> first;
  for (int64_t n = 1; n <= maxLen; ++n) {
    eval::Evaluator evaluator(std::vector<Atom>(n, cx.options.vocab.front()));
    std::vector<Atom> values;
    try {
      values = evaluator.sequence(v).values;
    } catch (const eval::EvalError &) {
      return std::nullopt;
    }
    if (!values[0].isNumber() || !std::isfinite(values[0].number()) || values[0].isBool() ||
        (first && (first->kind() != values[0].kind() || !first->equals(values[0]))))
      return std::nullopt;
    first = values[0];
    for (size_t j = 1; j < values.size(); ++j)
      if (!values[j].isNumber() || values[j].isBool() || values[j].number() != 0)
        return std::nullopt;
  }
  // The evaluator's mean: the value itself for one key, else the sum (the
  // first value and zeros) over the count, a float.
  Block out;
  out.label = x->name + "#bos-share";
  std::vector<double> numbers;
  for (int64_t w = 1; w <= maxLen; ++w) {
    // (As the value sets hold it: the correctly rounded double of the
    // exact first / w, where the number is a modest fraction.)
    std::optional<Rational> exact = rationalOf(*first);
    std::optional<Rational> share =
        exact ? applyRationalOp(AtomOpKind::Div, *exact, Rational{w, 1}) : std::nullopt;
    std::optional<double> rounded =
        share ? roundedDouble(static_cast<int64_t>(share->num), static_cast<int64_t>(share->den))
              : std::nullopt;
    out.values.push_back(
        w == 1 ? *first
               : Atom::real(rounded ? *rounded : first->number() / static_cast<double>(w)));
    numbers.push_back(out.values.back().number());
  }
  if (onlyWhenCrowded && !crowded(numbers, cx.noiseOf(numbers)))
    return std::nullopt;
  return out;
}
