// The plan's prefix counts, recognised: round((indices + 1) * m), where m is
// a mean over select(indices, indices, <=) of integers, is the count s of
// the values summed, since at index i that selector picks exactly i + 1
// keys (m = s / (i + 1)). A map that reads such means only through integer
// combinations L = sum(b_j * count_j) + c, or through comparisons of m_a -
// m_b (or m_a) with 0, is a function of the index and of linear forms t =
// sum(b_j * m_j) of the residual: at index i, L = (i + 1) * t + c. Its
// lookup (CountLookup.cpp) reads them as its one numerical input, so
// that no layer is spent making the counts first.
#include "compiler/codegen/constructions/MapProgram.h"
#include "compiler/codegen/plan/CountPlanner.h"
#include "compiler/codegen/values/PrefixCount.h"
#include "compiler/eval/Evaluate.h"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <functional>
#include <unordered_set>

using namespace rasp;
using namespace rasp::codegen;

bool CountPlanner::integerMeanHeld(const Node *mean) {
  if (layout.find(mean, EncodingKind::Numerical) < 0)
    return false;
  try {
    const std::vector<Atom> &values = cx.sets.at(mean->inputs[1]);
    return !values.empty() &&
           std::all_of(values.begin(), values.end(), [](const Atom &v) { return v.isInt(); });
  } catch (const ValueSetError &) {
    return false;
  }
}

const Node *CountPlanner::countMean(const Node *y, const Node *&indices) {
  const Node *mean = prefixCountMean(y, cx.options.maxLen, indices);
  if (!mean)
    mean = lengthCountMean(y);
  return mean && integerMeanHeld(mean) ? mean : nullptr;
}

const Node *CountPlanner::lengthCountMean(const Node *y) {
  auto factors = roundedProduct(y);
  if (!factors)
    return nullptr;
  for (int side = 0; side < 2; ++side) {
    const Node *mean = side == 0 ? factors->first : factors->second;
    const Node *l = side == 0 ? factors->second : factors->first;
    if (mean->kind == NodeKind::Aggregate && cx.selectsEveryKey(mean->inputs[0]) && isLength(l))
      return mean;
  }
  return nullptr;
}

bool CountPlanner::isLength(const Node *l) {
  if (auto it = lengths.find(l); it != lengths.end())
    return it->second;
  bool length = !cx.options.vocab.empty();
  // Nothing below it reads the tokens: it is then a function of the
  // length and the index, the same on every input of a length.
  std::vector<const Node *> stack = {l};
  std::unordered_set<const Node *> seen;
  while (!stack.empty() && length) {
    const Node *y = stack.back();
    stack.pop_back();
    if (!seen.insert(y).second)
      continue;
    length = y->kind != NodeKind::Tokens;
    stack.insert(stack.end(), y->inputs.begin(), y->inputs.end());
  }
  try {
    for (int64_t n = 1; n <= cx.options.maxLen && length; ++n) {
      eval::Evaluator evaluator(std::vector<Atom>(n, cx.options.vocab.front()));
      for (const Atom &v : evaluator.sequence(l).values)
        length = length && v.isNumber() && !v.isBool() && v.number() == static_cast<double>(n);
    }
  } catch (const eval::EvalError &) {
    length = false;
  }
  lengths.emplace(l, length);
  return length;
}

const Node *CountPlanner::lengthMean(const Node *m) {
  return m->kind == NodeKind::Aggregate && cx.selectsEveryKey(m->inputs[0]) && integerMeanHeld(m)
             ? m
             : nullptr;
}

std::optional<CountForm> CountPlanner::countForm(const Node *y, const Node *&indices,
                                                 CountForms &known) {
  auto it = known.find(y);
  if (it == known.end()) {
    const Node *set = nullptr; // (prefixCountMean sets a node or nothing.)
    std::optional<CountForm> form = countFormOf(y, set, known);
    it = known.emplace(y, std::make_pair(std::move(form), set)).first;
  }
  if (it->second.second)
    indices = it->second.second;
  return it->second.first;
}

std::optional<CountForm> CountPlanner::scaledMeans(const Node *y, const Node *&indices) {
  // round(g * t + c), c an integer (the float 0.0 too): c is added to the
  // count exactly, since g * t is an integer within a few roundings.
  if (y->kind != NodeKind::Map || y->mapOp != graph::MapOpKind::Round || y->inputs.size() != 1)
    return std::nullopt;
  const Node *z = y->inputs[0];
  int64_t shift = 0;
  auto integerConstant = [](const graph::Operand &o, const Node *node) -> std::optional<int64_t> {
    const Atom *c = o.input < 0 ? &o.constant
                    : node->inputs[o.input]->kind == NodeKind::Constant
                        ? &node->inputs[o.input]->constant
                        : nullptr;
    if (!c || !c->isNumber() || c->isBool() || std::fabs(c->number()) > 1e6 ||
        c->number() != std::floor(c->number()))
      return std::nullopt;
    return static_cast<int64_t>(c->number());
  };
  while (z->kind == NodeKind::Map && z->mapOp == graph::MapOpKind::Atom &&
         (z->atomOp == AtomOpKind::Add || z->atomOp == AtomOpKind::Sub) &&
         z->operands.size() == 2) {
    std::optional<int64_t> right = integerConstant(z->operands[1], z);
    std::optional<int64_t> left =
        z->atomOp == AtomOpKind::Add ? integerConstant(z->operands[0], z) : std::nullopt;
    const graph::Operand *rest = right ? &z->operands[0] : left ? &z->operands[1] : nullptr;
    if (!rest || rest->input < 0)
      break;
    shift += right ? (z->atomOp == AtomOpKind::Sub ? -*right : *right) : *left;
    z = z->inputs[rest->input];
  }
  if (z->kind != NodeKind::Map || z->mapOp != graph::MapOpKind::Atom ||
      z->atomOp != AtomOpKind::Mul || z->operands.size() != 2 || z->operands[0].input < 0 ||
      z->operands[1].input < 0)
    return std::nullopt;
  auto factors = std::make_optional(
      std::make_pair(z->inputs[z->operands[0].input], z->inputs[z->operands[1].input]));
  for (int side = 0; side < 2; ++side) {
    const Node *t = side == 0 ? factors->first : factors->second;
    const Node *g = side == 0 ? factors->second : factors->first;
    // t as sum(b_j * m_j): means of one kind, prefix (over one `indices`)
    // or over every key; small integer coefficients.
    const Node *over = nullptr;
    bool prefix = false, length = false;
    std::function<std::optional<CountForm>(const Node *)> linear =
        [&](const Node *z) -> std::optional<CountForm> {
      const Node *at = nullptr;
      if (prefixMean(z, at) && (!over || over == at)) {
        over = at;
        prefix = true;
        return CountForm{{{z, 1}}, 0};
      }
      if (lengthMean(z)) {
        length = true;
        return CountForm{{{z, 1}}, 0};
      }
      if (z->kind != NodeKind::Map)
        return std::nullopt;
      auto operand = [&](size_t i) -> std::optional<CountForm> {
        const graph::Operand &o = z->operands[i];
        if (o.input >= 0)
          return linear(z->inputs[o.input]);
        if (!o.constant.isInt() || std::llabs(o.constant.integral()) > 1000)
          return std::nullopt;
        return CountForm{{}, o.constant.integral()};
      };
      if (z->mapOp == graph::MapOpKind::Neg && z->operands.size() == 1) {
        std::optional<CountForm> inner = operand(0);
        if (inner)
          for (auto &term : inner->terms)
            term.second = -term.second;
        return inner;
      }
      if (z->mapOp != graph::MapOpKind::Atom || z->operands.size() != 2)
        return std::nullopt;
      std::optional<CountForm> a = operand(0), b = operand(1);
      if (!a || !b)
        return std::nullopt;
      if (z->atomOp == AtomOpKind::Mul && (a->terms.empty() != b->terms.empty())) {
        const CountForm &k = a->terms.empty() ? *a : *b;
        CountForm form = a->terms.empty() ? *b : *a;
        for (auto &term : form.terms)
          term.second *= k.constant;
        return form;
      }
      // (A constant term would not scale to an integer count.)
      if ((z->atomOp != AtomOpKind::Add && z->atomOp != AtomOpKind::Sub) || a->terms.empty() ||
          b->terms.empty())
        return std::nullopt;
      for (auto term : b->terms)
        a->terms.emplace_back(term.first,
                              z->atomOp == AtomOpKind::Sub ? -term.second : term.second);
      return a;
    };
    std::optional<CountForm> form = linear(t);
    if (!form || form->terms.empty() || prefix == length)
      continue;
    int64_t weight = 0;
    for (const auto &term : form->terms)
      weight += std::llabs(term.second);
    if (weight > 1000)
      continue;
    const Node *g_indices = nullptr;
    if (prefix ? !isIndexPlusOne(g, cx.options.maxLen, g_indices) || g_indices != over
               : !isLength(g))
      continue;
    if (prefix)
      indices = over;
    form->constant = shift;
    return form;
  }
  return std::nullopt;
}

std::optional<CountForm> CountPlanner::countFormOf(const Node *y, const Node *&indices,
                                                   CountForms &known) {
  if (const Node *mean = countMean(y, indices))
    return CountForm{{{mean, 1}}, 0};
  if (std::optional<CountForm> form = scaledMeans(y, indices))
    return form;
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
    std::optional<CountForm> part = countForm(y->inputs[operand.input], indices, known);
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
  case AtomOpKind::Add:
    return sum(parts[0], parts[1]);
  case AtomOpKind::Sub:
    return sum(parts[0], scaled(parts[1], -1));
  case AtomOpKind::Mul:
    if (parts[0].terms.empty())
      return scaled(parts[1], parts[0].constant);
    if (parts[1].terms.empty())
      return scaled(parts[0], parts[1].constant);
    return std::nullopt;
  default:
    return std::nullopt;
  }
}

const Node *CountPlanner::prefixMean(const Node *m, const Node *&indices) {
  if (m->kind != NodeKind::Aggregate)
    return nullptr;
  const Node *sel = m->inputs[0];
  if (sel->kind != NodeKind::Select || sel->cmp != graph::CompareKind::Le ||
      sel->inputs[0]->kind != NodeKind::Indices || sel->inputs[1]->kind != NodeKind::Indices ||
      sel->inputs[0] != sel->inputs[1] || !integerMeanHeld(m))
    return nullptr;
  indices = sel->inputs[0];
  return m;
}

std::optional<CountPlanner::SignForm> CountPlanner::signForm(const Node *y, const Node *&indices) {
  // `not m`, m a mean: m == 0 (Tracr's shuffle_dyck reads `not has_neg`).
  if (y->kind == NodeKind::Map && y->mapOp == graph::MapOpKind::Not && y->operands.size() == 1 &&
      y->operands[0].input >= 0) {
    const Node *m = y->inputs[y->operands[0].input];
    if (prefixMean(m, indices) || lengthMean(m))
      return SignForm{CountForm{{{m, 1}}, 0}, AtomOpKind::Eq};
    return std::nullopt;
  }
  if (y->kind != NodeKind::Map || y->mapOp != graph::MapOpKind::Atom || y->operands.size() != 2)
    return std::nullopt;
  if (y->atomOp != AtomOpKind::Lt && y->atomOp != AtomOpKind::Le && y->atomOp != AtomOpKind::Gt &&
      y->atomOp != AtomOpKind::Ge && y->atomOp != AtomOpKind::Eq && y->atomOp != AtomOpKind::Ne)
    return std::nullopt;
  // Each side: a prefix mean, its negation, or a sum or difference of two;
  // or the constant 0.
  // (Means compare as floats: see below. Counts are integers, compared
  // exactly whatever their combination.)
  bool floats = false;
  std::function<std::optional<CountForm>(const Node *)> side =
      [&](const Node *z) -> std::optional<CountForm> {
    if (prefixMean(z, indices) || lengthMean(z)) {
      floats = true;
      return CountForm{{{z, 1}}, 0};
    }
    if (const Node *mean = countMean(z, indices))
      return CountForm{{{mean, 1}}, 0};
    if (z->kind != NodeKind::Map)
      return std::nullopt;
    if (z->mapOp == graph::MapOpKind::Neg && z->operands.size() == 1 && z->operands[0].input >= 0) {
      std::optional<CountForm> inner = side(z->inputs[z->operands[0].input]);
      if (inner)
        for (auto &term : inner->terms)
          term.second = -term.second;
      return inner;
    }
    if (z->mapOp != graph::MapOpKind::Atom || z->operands.size() != 2 ||
        (z->atomOp != AtomOpKind::Add && z->atomOp != AtomOpKind::Sub) ||
        z->operands[0].input < 0 || z->operands[1].input < 0)
      return std::nullopt;
    std::optional<CountForm> a = side(z->inputs[z->operands[0].input]);
    std::optional<CountForm> b = side(z->inputs[z->operands[1].input]);
    if (!a || !b)
      return std::nullopt;
    for (auto term : b->terms)
      a->terms.emplace_back(term.first, z->atomOp == AtomOpKind::Sub ? -term.second : term.second);
    return a;
  };
  CountForm difference;
  for (int i = 0; i < 2; ++i) {
    const graph::Operand &operand = y->operands[i];
    if (operand.input < 0) {
      if (!operand.constant.isNumber() || operand.constant.number() != 0)
        return std::nullopt;
      continue;
    }
    std::optional<CountForm> part = side(y->inputs[operand.input]);
    if (!part)
      return std::nullopt;
    for (const auto &[mean, k] : part->terms)
      difference.terms.emplace_back(mean, i == 0 ? k : -k);
  }
  // At most two means, each once, with coefficient +-1: only then is the
  // float result's sign that of the counts' combination.
  std::sort(difference.terms.begin(), difference.terms.end());
  for (size_t i = 1; i < difference.terms.size(); ++i)
    if (difference.terms[i].first == difference.terms[i - 1].first)
      return std::nullopt;
  if (difference.terms.empty() || (floats && difference.terms.size() > 2))
    return std::nullopt;
  return SignForm{std::move(difference), y->atomOp};
}

std::optional<CountLookup> CountPlanner::countLookup(const Node *x, bool packing, bool always) {
  CountLookup lookup;
  std::unordered_set<const Node *> seen;
  CountForms forms;
  bool ok = true;
  // The combination's index among those read so far (terms compared in
  // order, without zero coefficients).
  auto combination = [&](CountForm form) {
    form.constant = 0;
    form.terms.erase(std::remove_if(form.terms.begin(), form.terms.end(),
                                    [](const auto &t) { return t.second == 0; }),
                     form.terms.end());
    std::sort(form.terms.begin(), form.terms.end());
    for (size_t q = 0; q < lookup.combinations.size(); ++q)
      if (lookup.combinations[q].terms == form.terms)
        return q;
    lookup.combinations.push_back(std::move(form));
    return lookup.combinations.size() - 1;
  };
  std::vector<const Node *> stack = {x};
  while (!stack.empty() && ok) {
    const Node *y = stack.back();
    stack.pop_back();
    if (!seen.insert(y).second || y->kind == NodeKind::Constant)
      continue;
    const Node *indices = nullptr;
    std::optional<CountForm> form = countForm(y, indices, forms);
    if (form && std::any_of(form->terms.begin(), form->terms.end(),
                            [](const auto &t) { return t.second != 0; })) {
      // (Without packing: one form only.)
      ok = (!lookup.indices || lookup.indices == indices) && (packing || lookup.forms.empty());
      lookup.indices = indices;
      lookup.forms.push_back({y, combination(*form), form->constant, std::nullopt, {}});
      continue;
    }
    if (std::optional<SignForm> sign = packing ? signForm(y, indices) : std::nullopt) {
      ok = !lookup.indices || lookup.indices == indices;
      lookup.indices = indices;
      lookup.forms.push_back({y, combination(sign->difference), 0, sign->op, {}});
      continue;
    }
    int f = layout.best(y, true);
    if (f < 0 && (y->kind == NodeKind::Tokens || y->kind == NodeKind::Indices))
      f = cx.embedding(y);
    if (f >= 0) {
      ok = layout.block(f).encoding == EncodingKind::Categorical;
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
  if (!ok || lookup.forms.empty())
    return std::nullopt;
  // Every mean over every key (the width is the length), or every one over
  // the prefix (the width is the index + 1).
  size_t overEveryKey = 0, means = 0;
  for (const CountForm &c : lookup.combinations)
    for (const auto &term : c.terms) {
      ++means;
      overEveryKey += cx.selectsEveryKey(term.first->inputs[0]) ? 1 : 0;
    }
  lookup.overLength = overEveryKey > 0;
  if (lookup.overLength && (overEveryKey != means || !cx.indices))
    return std::nullopt;
  if (!lookup.overLength && !lookup.indices)
    return std::nullopt;
  if (packing && !always && !packingSavesALayer(lookup))
    return std::nullopt;
  if (lookup.overLength) {
    lookup.indexOnlyInForm = true;
    std::sort(lookup.categorical.begin(), lookup.categorical.end());
    return lookup;
  }
  int indexBlock = cx.embedding(lookup.indices);
  if (std::find(lookup.categorical.begin(), lookup.categorical.end(), indexBlock) ==
      lookup.categorical.end()) {
    lookup.categorical.push_back(indexBlock);
    lookup.indexOnlyInForm = true;
  }
  std::sort(lookup.categorical.begin(), lookup.categorical.end());
  return lookup;
}

std::optional<CountLookup> CountPlanner::overMeans(const CountLookup &lookup) {
  std::vector<const Node *> means;
  bool differ = false;
  for (const CountForm &combination : lookup.combinations)
    for (const auto &[mean, b] : combination.terms) {
      differ = differ || b != 1 || combination.terms.size() != 1;
      if (std::find(means.begin(), means.end(), mean) == means.end())
        means.push_back(mean);
    }
  if (!differ || means.size() > lookup.combinations.size())
    return std::nullopt;
  CountLookup out = lookup;
  out.combinations.clear();
  for (const Node *mean : means)
    out.combinations.push_back(CountForm{{{mean, 1}}, 0});
  for (CountLookup::Form &form : out.forms) {
    form.over.clear();
    for (const auto &[mean, b] : lookup.combinations[form.combination].terms)
      form.over.emplace_back(
          static_cast<size_t>(std::find(means.begin(), means.end(), mean) - means.begin()), b);
  }
  return out;
}

bool CountPlanner::packingSavesALayer(const CountLookup &lookup) const {
  // Split instead, the parts of x with one number each are made a layer
  // ahead where their means are ready before the latest input: that costs
  // a layer only when two or more means made at the latest time are read
  // (by two combinations, or by one: a sign form of a difference of
  // counts).
  int latestTime = layout.latest(lookup.categorical);
  std::map<const Node *, int> timeOf;
  for (const CountForm &combination : lookup.combinations)
    for (const auto &term : combination.terms) {
      int time = layout.block(layout.find(term.first, EncodingKind::Numerical)).time;
      timeOf[term.first] = time;
      latestTime = std::max(latestTime, time);
    }
  return std::count_if(timeOf.begin(), timeOf.end(),
                       [&](const auto &entry) { return entry.second == latestTime; }) >= 2;
}

std::optional<std::vector<int64_t>> CountPlanner::tokenSteps(const CountLookup &lookup,
                                                             const std::vector<int64_t> &weight) {
  // 1. Every mean's values: maps of constants and of one tokens node, the
  // same for all of them.
  const Node *tokens = nullptr;
  std::vector<std::pair<const Node *, int64_t>> values; // (value s-op, its packed weight)
  for (size_t q = 0; q < lookup.combinations.size(); ++q)
    for (const auto &[mean, b] : lookup.combinations[q].terms) {
      values.emplace_back(mean->inputs[1], weight[q] * b);
      std::vector<const Node *> stack = {mean->inputs[1]};
      std::unordered_set<const Node *> seen;
      while (!stack.empty()) {
        const Node *y = stack.back();
        stack.pop_back();
        if (!seen.insert(y).second || y->kind == NodeKind::Constant)
          continue;
        if (y->kind == NodeKind::Tokens) {
          if (tokens && tokens != y)
            return std::nullopt;
          tokens = y;
          continue;
        }
        if (y->kind != NodeKind::Map)
          return std::nullopt;
        stack.insert(stack.end(), y->inputs.begin(), y->inputs.end());
      }
    }
  // 2. Per value of the tokens (as that node converts the vocabulary): the
  // packed value one position holding it adds.
  std::vector<Atom> tokenValues = {Atom::integer(0)}; // (None is read.)
  std::vector<const Node *> bound;
  if (tokens) {
    if (!cx.sets.has(tokens))
      return std::nullopt;
    tokenValues = cx.sets.at(tokens);
    bound.push_back(tokens);
  }
  std::vector<int64_t> steps(tokenValues.size(), 0);
  for (const auto &[value, k] : values) {
    MapProgram program(value, bound);
    for (size_t t = 0; t < tokenValues.size(); ++t) {
      std::vector<const Atom *> at;
      if (tokens)
        at.push_back(&tokenValues[t]);
      std::optional<Atom> v = program.run(at);
      if (!v || !v->isInt())
        return std::nullopt;
      steps[t] += k * v->integral();
    }
  }
  std::sort(steps.begin(), steps.end());
  steps.erase(std::unique(steps.begin(), steps.end()), steps.end());
  return steps;
}
