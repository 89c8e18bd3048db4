// The means an aggregate, or a linear combination of aggregates, can produce.
#include "compiler/codegen/values/Means.h"

#include "compiler/codegen/constructions/MapProgram.h"
#include "compiler/codegen/values/Exact.h"

#include "compiler/atom/Rational.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <set>

using namespace rasp;
using namespace rasp::codegen;
using graph::Node;
using graph::NodeKind;

namespace {

/// The error of means past `limit` distinct sums.
[[noreturn]] void throwTooManyMeans(const Node *node, size_t limit) {
  throw ValueSetError{
      node, "the means of '" + node->name + "' take more than " + std::to_string(limit) + " values",
      true};
}

/// The w-fold sums of `base` (integers in [lo, hi], at most 2^40 in
/// magnitude) for w = 2..maxLen as
/// flags, each mean (sum / (w * den)) given to `add`. False when the sums'
/// range is too wide to keep as flags.
bool flagMeans(const std::vector<int64_t> &base, int64_t lo, int64_t hi, int64_t den,
               int64_t maxLen, const std::function<void(const Atom &)> &add) {
  int64_t most = std::max<int64_t>(maxLen, 1);
  if (hi - lo > 10'000'000 / most)
    return false;
  std::vector<char> sums(hi - lo + 1, 0);
  for (int64_t b : base)
    sums[b - lo] = 1;
  for (int64_t w = 2; w <= maxLen; ++w) {
    // sums covers [(w-1)*lo, (w-1)*hi]; next covers [w*lo, w*hi].
    std::vector<char> next(w * (hi - lo) + 1, 0);
    for (size_t s = 0; s < sums.size(); ++s)
      if (sums[s])
        for (int64_t b : base)
          next[s + (b - lo)] = 1;
    sums = std::move(next);
    for (size_t s = 0; s < sums.size(); ++s)
      if (sums[s])
        add(exactRatio(static_cast<int64_t>(s) + w * lo, w * den));
  }
  return true;
}

/// The w-fold sums of `values` (all naming rationals) as exact rationals,
/// each mean given to `add` as its correctly rounded double. False, having
/// added nothing, when a sum does not fit in 64 bits.
bool rationalMeans(const Node *node, const std::vector<Atom> &values, int64_t maxLen, size_t limit,
                   const std::function<void(const Atom &)> &add) {
  std::set<Rational> base;
  for (const Atom &v : values)
    base.insert(*rationalOf(v));
  std::vector<std::set<Rational>> byCount;
  std::set<Rational> sums = base;
  for (int64_t w = 2; w <= maxLen; ++w) {
    std::set<Rational> next;
    for (const Rational &s : sums)
      for (const Rational &b : base) {
        std::optional<Rational> sum = applyRationalOp(AtomOpKind::Add, s, b);
        if (!sum)
          return false;
        next.insert(*sum);
        if (next.size() > limit)
          throwTooManyMeans(node, limit);
      }
    sums = std::move(next);
    byCount.push_back(sums);
  }
  std::vector<Atom> means;
  for (size_t i = 0; i < byCount.size(); ++i)
    for (const Rational &s : byCount[i]) {
      std::optional<Rational> mean = makeRational(s.num, static_cast<__int128>(s.den) * (i + 2));
      std::optional<double> rounded = mean ? roundedDouble(mean->num, mean->den) : std::nullopt;
      if (!rounded)
        return false;
      means.push_back(Atom::real(*rounded));
    }
  for (const Atom &mean : means)
    add(mean);
  return true;
}

} // namespace

void codegen::forEachMean(const Node *node, const std::vector<Atom> &values, int64_t maxLen,
                          size_t limit, const std::function<void(const Atom &)> &add) {
  // Integers over the values' common denominator, summed exactly as flags;
  // each mean divided once (exactRatio), so that one number is one double.
  std::optional<ScaledIntegers> scaled =
      overCommonDenominator(values, MostMeanDenominator, int64_t{1} << 40);
  // (front and back are the smallest and largest: the set is sorted.)
  if (scaled && !values.empty() &&
      flagMeans(scaled->numerators, scaled->numerators.front(), scaled->numerators.back(),
                scaled->denominator, maxLen, add))
    return;
  bool exact = std::all_of(values.begin(), values.end(),
                           [](const Atom &v) { return rationalOf(v).has_value(); });
  if (exact && rationalMeans(node, values, maxLen, limit, add))
    return;
  // Floats that name no rational: summed as the evaluator sums them.
  std::set<double> base, sums;
  for (const Atom &v : values)
    base.insert(v.number());
  sums = base;
  for (int64_t w = 2; w <= maxLen; ++w) {
    std::set<double> next;
    for (double s : sums)
      for (double b : base) {
        next.insert(s + b);
        if (next.size() > limit)
          throwTooManyMeans(node, limit);
      }
    sums = std::move(next);
    for (double s : sums)
      if (double mean = s * 1.0 / static_cast<double>(w); std::isfinite(mean))
        add(Atom::real(mean)); // (An overflowing mean fails in the evaluator.)
  }
}

namespace {

/// The Indices node below a map chain of it and constants; null when the
/// chain reads anything else, or no indices at all.
const Node *indicesBelow(const Node *node) {
  if (node->kind == NodeKind::Indices)
    return node;
  if (node->kind != NodeKind::Map)
    return nullptr;
  const Node *found = nullptr;
  for (const Node *input : node->inputs) {
    if (input->kind == NodeKind::Constant)
      continue;
    const Node *below = indicesBelow(input);
    if (!below || (found && found != below))
      return nullptr;
    found = below;
  }
  return found;
}

} // namespace

std::optional<std::vector<int64_t>> codegen::valuesByIndex(const Node *node, int64_t maxLen) {
  const Node *indices = indicesBelow(node);
  if (!indices)
    return std::nullopt;
  MapProgram program(node, {indices});
  std::vector<int64_t> out;
  for (int64_t i = 0; i < maxLen; ++i) {
    Atom index = Atom::integer(i);
    std::optional<Atom> v = program.run({&index});
    if (!v)
      continue;
    if (!v->isIntegral() || std::llabs(v->integral()) > 1'000'000)
      return std::nullopt;
    out.push_back(v->integral());
  }
  return out;
}

bool codegen::forEachSubsetMean(const std::vector<int64_t> &byIndex, int64_t maxLen,
                                const std::function<void(const Atom &)> &add) {
  if (byIndex.empty())
    return true;
  int64_t lo = *std::min_element(byIndex.begin(), byIndex.end());
  int64_t hi = *std::max_element(byIndex.begin(), byIndex.end());
  int64_t most = std::min<int64_t>(maxLen, static_cast<int64_t>(byIndex.size()));
  if ((hi - lo) * most > 10'000'000 / std::max<int64_t>(most, 1))
    return false;
  // sums[w] holds a bit per sum of w positions, offset by w * lo; each
  // position joins the subsets of the ones before it (larger w first, so
  // that it joins each subset once).
  size_t bits = static_cast<size_t>((hi - lo) * most + 1), words = (bits + 63) / 64;
  std::vector<std::vector<uint64_t>> sums(most + 1, std::vector<uint64_t>(words, 0));
  sums[0][0] = 1;
  for (int64_t v : byIndex) {
    size_t shift = static_cast<size_t>(v - lo), whole = shift / 64, part = shift % 64;
    for (int64_t w = most - 1; w >= 0; --w) {
      const std::vector<uint64_t> &from = sums[w];
      std::vector<uint64_t> &to = sums[w + 1];
      for (size_t i = words; i-- > whole;) {
        uint64_t moved = from[i - whole] << part;
        if (part && i > whole)
          moved |= from[i - whole - 1] >> (64 - part);
        to[i] |= moved;
      }
    }
  }
  for (int64_t w = 2; w <= most; ++w)
    for (size_t s = 0; s < bits; ++s)
      if (sums[w][s / 64] >> (s % 64) & 1)
        add(exactRatio(static_cast<int64_t>(s) + w * lo, w));
  return true;
}

namespace {

/// to |= from shifted up by `shift` bits (both `words` long).
void orShifted(std::vector<uint64_t> &to, const std::vector<uint64_t> &from, size_t shift) {
  size_t words = to.size(), whole = shift / 64, part = shift % 64;
  for (size_t i = words; i-- > whole;) {
    uint64_t moved = from[i - whole] << part;
    if (part && i > whole)
      moved |= from[i - whole - 1] >> (64 - part);
    to[i] |= moved;
  }
}

} // namespace

bool codegen::forEachCellMean(const std::vector<std::vector<int64_t>> &cells, int64_t most,
                              bool every, const std::function<void(const Atom &)> &add,
                              int64_t denominator) {
  int64_t n = static_cast<int64_t>(cells.size());
  if (n == 0 || std::any_of(cells.begin(), cells.end(),
                            [](const std::vector<int64_t> &c) { return c.empty(); }))
    return true; // (No input of this length: nothing to add.)
  int64_t lo = INT64_MAX, hi = INT64_MIN;
  double choices = 0;
  for (const std::vector<int64_t> &cell : cells)
    for (int64_t v : cell) {
      lo = std::min(lo, v), hi = std::max(hi, v);
      choices += 1;
    }
  most = every ? n : std::min(most, n);
  if (most < 2)
    return true;
  double bits = static_cast<double>(hi - lo) * static_cast<double>(most) + 1;
  // The flags, and the work of shifting them for every value of every cell.
  if (bits > 1e8 || choices * static_cast<double>(every ? 1 : most) * (bits / 64) > 1e8)
    return false;
  size_t words = (static_cast<size_t>(bits) + 63) / 64;
  auto emit = [&](const std::vector<uint64_t> &flags, int64_t w) {
    for (size_t s = 0; s < static_cast<size_t>(bits); ++s)
      if (flags[s / 64] >> (s % 64) & 1)
        add(exactRatio(static_cast<int64_t>(s) + w * lo, w * denominator));
  };
  if (every) {
    // One sum of all n positions, each adding one of its values.
    std::vector<uint64_t> sums(words, 0);
    sums[0] = 1;
    for (const std::vector<int64_t> &cell : cells) {
      std::vector<uint64_t> next(words, 0);
      for (int64_t v : cell)
        orShifted(next, sums, static_cast<size_t>(v - lo));
      sums = std::move(next);
    }
    emit(sums, n);
    return true;
  }
  // sums[w]: a flag per sum of w positions, offset by w * lo; each position
  // joins the subsets of the ones before it (larger w first, so that it
  // joins each subset once).
  std::vector<std::vector<uint64_t>> sums(most + 1, std::vector<uint64_t>(words, 0));
  sums[0][0] = 1;
  for (const std::vector<int64_t> &cell : cells)
    for (int64_t w = most - 1; w >= 0; --w)
      for (int64_t v : cell)
        orShifted(sums[w + 1], sums[w], static_cast<size_t>(v - lo));
  for (int64_t w = 2; w <= most; ++w)
    emit(sums[w], w);
  return true;
}

namespace {

/// A map that a linear chain may hold: unary + and -, +, -, * and /.
bool linearMap(const Node *node) {
  if (node->kind != NodeKind::Map)
    return false;
  if (node->mapOp == graph::MapOpKind::Neg || node->mapOp == graph::MapOpKind::Plus)
    return true;
  return node->mapOp == graph::MapOpKind::Atom &&
         (node->atomOp == AtomOpKind::Add || node->atomOp == AtomOpKind::Sub ||
          node->atomOp == AtomOpKind::Mul || node->atomOp == AtomOpKind::Div);
}

} // namespace

const std::vector<const Node *> *LinearLeaves::of(const Node *node) {
  // Operands first, without recursion (chains can be long): a node is
  // combined once every map operand below it is known.
  std::vector<std::pair<const Node *, bool>> stack = {{node, false}};
  while (!stack.empty()) {
    auto [x, expanded] = stack.back();
    if (known.count(x)) {
      stack.pop_back();
      continue;
    }
    if (!expanded && linearMap(x)) {
      stack.back().second = true;
      for (const Node *input : x->inputs)
        if (!known.count(input))
          stack.push_back({input, false});
      continue;
    }
    stack.pop_back();
    known.emplace(x, combine(x));
  }
  const auto &answer = known.at(node);
  return answer ? &*answer : nullptr;
}

std::optional<std::vector<const Node *>> LinearLeaves::combine(const Node *node) {
  using Leaves = std::vector<const Node *>;
  if (node->kind == NodeKind::Constant)
    return node->constant.isNumber() ? std::optional<Leaves>(Leaves{}) : std::nullopt;
  if (node->kind == NodeKind::Aggregate)
    return Leaves{node};
  if (node->kind != NodeKind::Map)
    return std::nullopt;
  if (!linearMap(node))
    return std::nullopt;
  bool scaled = node->mapOp == graph::MapOpKind::Atom &&
                (node->atomOp == AtomOpKind::Mul || node->atomOp == AtomOpKind::Div);
  Leaves out;
  int variable = 0;
  for (const graph::Operand &operand : node->operands) {
    if (operand.input < 0) {
      if (!operand.constant.isNumber())
        return std::nullopt;
      continue;
    }
    const Node *input = node->inputs[operand.input];
    if (input->kind != NodeKind::Constant)
      ++variable;
    const std::optional<Leaves> &below = known.at(input);
    if (!below)
      return std::nullopt;
    for (const Node *aggregate : *below)
      if (std::find(out.begin(), out.end(), aggregate) == out.end())
        out.push_back(aggregate);
  }
  if (scaled && variable > 1)
    return std::nullopt;
  return out;
}

bool codegen::forEachLinearMean(const Node *node, const std::vector<const Node *> &aggregates,
                                const std::vector<const std::vector<Atom> *> &values,
                                int64_t maxLen, size_t limit,
                                const std::function<void(const Atom &)> &add) {
  for (const std::vector<Atom> *set : values)
    for (const Atom &v : *set)
      if (!v.isIntegral() || std::llabs(v.integral()) > 1'000'000)
        return false;
  // w-fold sums per mean, w = 1..N, and the work they imply.
  size_t n = aggregates.size();
  std::vector<std::vector<std::vector<int64_t>>> sums(n);
  double work = 0;
  for (size_t j = 0; j < n; ++j) {
    std::set<int64_t> current = {0};
    for (int64_t w = 1; w <= maxLen; ++w) {
      std::set<int64_t> next;
      for (int64_t s : current)
        for (const Atom &v : *values[j])
          next.insert(s + v.integral());
      current = std::move(next);
      sums[j].emplace_back(current.begin(), current.end());
      if (current.size() > limit)
        return false;
    }
  }
  for (int64_t w = 1; w <= maxLen; ++w) {
    double product = 1;
    for (size_t j = 0; j < n; ++j)
      product *= static_cast<double>(sums[j][w - 1].size());
    work += product;
  }
  if (work > static_cast<double>(limit) * 16)
    return false;
  MapProgram program(node, aggregates);
  std::vector<Atom> atoms(n);
  std::vector<const Atom *> pointers(n);
  auto run = [&] {
    for (size_t j = 0; j < n; ++j)
      pointers[j] = &atoms[j];
    if (std::optional<Atom> v = program.run(pointers))
      add(*v);
  };
  for (size_t j = 0; j < n; ++j)
    atoms[j] = aggregates[j]->constant;
  run(); // Nothing selected: every default.
  std::vector<size_t> at(n);
  for (int64_t w = 1; w <= maxLen; ++w) {
    std::fill(at.begin(), at.end(), 0);
    while (true) {
      for (size_t j = 0; j < n; ++j)
        atoms[j] = w == 1 ? (*values[j])[at[j]] : exactRatio(sums[j][w - 1][at[j]], w);
      run();
      size_t i = 0;
      size_t limitOf = w == 1 ? values[0]->size() : sums[0][w - 1].size();
      while (i < n) {
        limitOf = w == 1 ? values[i]->size() : sums[i][w - 1].size();
        if (++at[i] < limitOf)
          break;
        at[i++] = 0;
      }
      if (i == n)
        break;
    }
  }
  return true;
}
