// Value sets per length and per position: an s-op's values on the inputs of
// each length n, and at each position i < n, where those are sharper than
// its set (ValueSets.h, rules 2 and 3). The length and the index are
// related (i < n), and so are the values that depend on them: a mean over
// the positions of bit * 2 ^ (length - 1 - indices) at length n is k / n for
// 0 <= k < 2^n, and length times it an integer below 2^n, where the product
// of the separate sets holds every m * k / n.
#include "compiler/codegen/values/ValueSetsImpl.h"

#include "compiler/codegen/values/Exact.h"
#include "compiler/codegen/values/Means.h"

#include "compiler/eval/Evaluate.h"

#include <algorithm>
#include <cmath>

using namespace rasp;
using namespace rasp::codegen;
using namespace rasp::codegen::detail;

namespace {

/// Most lengths tracked per position (cells grow as N^2).
constexpr int64_t MostCellLengths = 256;
/// Most map evaluations spent on one s-op's cells.
constexpr double MostCellWork = 1e6;
/// Deepest map chain followed down to positional s-ops.
constexpr int MostCellDepth = 32;
/// Most values kept per length for one s-op, all lengths together.
constexpr size_t MostKeptByLength = 200'000;

/// Every combination of `choices` (one list per operand), odometer style;
/// false when a list is empty.
template <typename F>
void forEachCombination(const std::vector<const std::vector<Atom> *> &choices, F &&visit) {
  for (const std::vector<Atom> *c : choices)
    if (c->empty())
      return;
  std::vector<size_t> at(choices.size(), 0);
  std::vector<const Atom *> operands(choices.size());
  while (true) {
    for (size_t i = 0; i < choices.size(); ++i)
      operands[i] = &(*choices[i])[at[i]];
    visit(operands);
    size_t i = 0;
    while (i < at.size() && ++at[i] == choices[i]->size())
      at[i++] = 0;
    if (i == at.size())
      break;
  }
}

/// The map's value on `operands` (one per node->operands, constants
/// included); nothing where the evaluator fails.
std::optional<Atom> apply(const Node *node, const std::vector<const Atom *> &operands) {
  try {
    return exactMap(node, operands.data());
  } catch (const eval::EvalError &) {
    return std::nullopt;
  }
}

/// The sorted, deduplicated values of a list.
std::vector<Atom> distinct(const Node *node, const std::vector<Atom> &values, size_t limit) {
  AtomSet set(node, std::max(limit, values.size()));
  for (const Atom &v : values)
    set.insert(v);
  return std::move(set).sorted();
}

} // namespace

std::optional<Cells> Builder::cellsOf(const Node *node, int depth) {
  int64_t maxLen = options.maxLen;
  if (maxLen > MostCellLengths || options.vocab.empty())
    return std::nullopt;
  if (node->kind == NodeKind::Indices || byPosition(node)) {
    // One value per position: the index, or the evaluator's on the inputs
    // of each length (none where it fails there).
    Cells cells(maxLen);
    for (int64_t n = 1; n <= maxLen; ++n) {
      const std::vector<Atom> *run = nullptr;
      if (node->kind != NodeKind::Indices) {
        const std::optional<std::vector<Atom>> &values = runsOf(node)[n - 1];
        if (!values)
          continue;
        run = &*values;
      }
      cells[n - 1].resize(n);
      for (int64_t i = 0; i < n; ++i)
        cells[n - 1][i] = {run ? (*run)[i] : Atom::integer(i)};
    }
    return cells;
  }
  if (node->kind != NodeKind::Map || depth >= MostCellDepth)
    return std::nullopt;
  // A map: its operands' cells (or their whole sets, the same at every
  // position) combined cell by cell.
  std::vector<std::optional<Cells>> below(node->inputs.size());
  bool any = false;
  for (size_t k = 0; k < node->inputs.size(); ++k)
    any = (below[k] = cellsOf(node->inputs[k], depth + 1)).has_value() || any;
  if (!any)
    return std::nullopt; // (Without computing sets no one asked for.)
  for (size_t k = 0; k < node->inputs.size(); ++k) {
    if (below[k])
      continue;
    ensure(node->inputs[k]);
    if (!sets.count(node->inputs[k]))
      return std::nullopt;
  }
  std::vector<std::vector<Atom>> constants;
  constants.reserve(node->operands.size());
  for (const graph::Operand &operand : node->operands)
    if (operand.input < 0)
      constants.push_back({operand.constant});
  // The work: every combination in every cell.
  auto choicesAt = [&](int64_t n, int64_t i) {
    std::vector<const std::vector<Atom> *> choices;
    size_t constant = 0;
    for (const graph::Operand &operand : node->operands) {
      if (operand.input < 0) {
        choices.push_back(&constants[constant++]);
        continue;
      }
      const std::optional<Cells> &cells = below[operand.input];
      choices.push_back(cells ? &(*cells)[n - 1][i] : &sets.at(node->inputs[operand.input]));
    }
    return choices;
  };
  double work = 0;
  for (int64_t n = 1; n <= maxLen; ++n) {
    bool fails = std::any_of(below.begin(), below.end(), [&](const std::optional<Cells> &c) {
      return c && (*c)[n - 1].empty();
    });
    if (fails)
      continue;
    for (int64_t i = 0; i < n; ++i) {
      double product = 1;
      for (const std::vector<Atom> *c : choicesAt(n, i))
        product *= static_cast<double>(c->size());
      work += product;
    }
  }
  if (work > MostCellWork)
    return std::nullopt;
  Cells cells(maxLen);
  for (int64_t n = 1; n <= maxLen; ++n) {
    bool fails = std::any_of(below.begin(), below.end(), [&](const std::optional<Cells> &c) {
      return c && (*c)[n - 1].empty();
    });
    if (fails)
      continue; // (The evaluator fails on every input of this length.)
    cells[n - 1].resize(n);
    for (int64_t i = 0; i < n; ++i) {
      std::vector<Atom> values;
      forEachCombination(choicesAt(n, i), [&](const std::vector<const Atom *> &operands) {
        if (std::optional<Atom> v = apply(node, operands))
          values.push_back(*v);
      });
      cells[n - 1][i] = distinct(node, values, options.limit);
    }
  }
  return cells;
}

bool Builder::cellMeans(const Node *node, int64_t most, bool every, AtomSet &out) {
  std::optional<Cells> cells = cellsOf(node->inputs[1]);
  if (!cells)
    return every && wholeMeans(node, out);
  int64_t maxLen = options.maxLen;
  // The values of each length, kept while they are few in all (the means
  // of subsets of up to k positions grow with n, and a set per length of
  // them relates little); past that, only the whole set.
  std::vector<AtomSet> atLength;
  size_t kept = 0;
  bool record = true;
  auto stopRecording = [&] {
    for (AtomSet &set : atLength)
      for (const Atom &v : std::move(set).sorted())
        out.insert(v);
    atLength.clear();
    record = false;
  };
  for (int64_t n = 1; n <= maxLen; ++n) {
    const std::vector<std::vector<Atom>> &row = (*cells)[n - 1];
    if (record)
      atLength.emplace_back(node, options.limit);
    auto add = [&](const Atom &v) {
      if (!record) {
        out.insert(v);
        return;
      }
      atLength.back().insert(v);
      if (++kept > MostKeptByLength)
        stopRecording();
    };
    if (row.empty())
      continue; // (The evaluator fails on every input of this length.)
    if (!every)
      add(node->constant); // A query may select nothing.
    if (most >= 1 && (!every || n == 1))
      for (const std::vector<Atom> &cell : row)
        for (const Atom &v : cell)
          add(v); // One key: its value passes through.
    bool averages = every ? n >= 2 : std::min(most, n) >= 2;
    if (averages) {
      // Integers over the row's common denominator (strings and floats
      // that name no rational: the sets of means below).
      std::vector<Atom> all;
      for (const std::vector<Atom> &cell : row)
        all.insert(all.end(), cell.begin(), cell.end());
      std::optional<ScaledIntegers> scaled =
          overCommonDenominator(all, MostMeanDenominator, int64_t{1} << 40);
      if (!scaled)
        return false;
      std::vector<std::vector<int64_t>> integers(n);
      auto next = scaled->numerators.begin();
      for (int64_t i = 0; i < n; ++i)
        for (size_t j = 0; j < row[i].size(); ++j)
          integers[i].push_back(*next++);
      if (!forEachCellMean(integers, most, every, add, scaled->denominator))
        return false; // (What was added holds: the sets below add the rest.)
    }
  }
  if (!record)
    return true;
  std::vector<std::vector<Atom>> byLength(maxLen);
  for (int64_t n = 1; n <= maxLen; ++n) {
    byLength[n - 1] = std::move(atLength[n - 1]).sorted();
    for (const Atom &v : byLength[n - 1])
      out.insert(v);
  }
  memo.byLength[node] = std::move(byLength);
  return true;
}

bool Builder::wholeMeans(const Node *node, AtomSet &out) {
  int64_t maxLen = options.maxLen;
  const std::vector<Atom> &values = sets.at(node->inputs[1]);
  if (maxLen > MostCellLengths || values.empty())
    return false;
  // Integers over the values' common denominator.
  std::optional<ScaledIntegers> scaled =
      overCommonDenominator(values, MostMeanDenominator, int64_t{1} << 40);
  if (!scaled)
    return false;
  const std::vector<int64_t> &integers = scaled->numerators;
  int64_t den = scaled->denominator;
  int64_t lo = *std::min_element(integers.begin(), integers.end());
  int64_t hi = *std::max_element(integers.begin(), integers.end());
  // The n-fold sums, as flags offset by n * lo, for n = 1..N: the work is
  // N * |values| shifts of up to N * (hi - lo) bits.
  double bits = static_cast<double>(hi - lo) * static_cast<double>(maxLen) + 1;
  if (bits > 1e8 ||
      static_cast<double>(maxLen) * static_cast<double>(values.size()) * bits / 64 > 1e8)
    return false;
  size_t words = (static_cast<size_t>(bits) + 63) / 64;
  std::vector<uint64_t> sums(words, 0), next(words);
  sums[0] = 1;
  std::vector<std::vector<Atom>> byLength(maxLen);
  for (int64_t n = 1; n <= maxLen; ++n) {
    std::fill(next.begin(), next.end(), 0);
    for (int64_t v : integers) {
      size_t shift = static_cast<size_t>(v - lo), whole = shift / 64, part = shift % 64;
      for (size_t i = words; i-- > whole;) {
        uint64_t moved = sums[i - whole] << part;
        if (part && i > whole)
          moved |= sums[i - whole - 1] >> (64 - part);
        next[i] |= moved;
      }
    }
    std::swap(sums, next);
    AtomSet here(node, options.limit);
    if (n == 1) {
      for (const Atom &v : values)
        here.insert(v); // One key: its value passes through.
    } else {
      for (size_t s = 0; s < static_cast<size_t>(bits); ++s)
        if (sums[s / 64] >> (s % 64) & 1)
          here.insert(exactRatio(static_cast<int64_t>(s) + n * lo, n * den));
    }
    byLength[n - 1] = std::move(here).sorted();
  }
  memo.byLength[node] = byLength;
  for (const std::vector<Atom> &set : byLength)
    for (const Atom &v : set)
      out.insert(v);
  return true;
}

std::optional<std::vector<ValueSets::MeanRange>> Builder::wholeMeanRange(const Node *values) {
  ensure(values);
  std::optional<double> most = largestMagnitude(sets.at(values));
  if (!most || sets.at(values).empty())
    return std::nullopt; // (Not all finite numbers.)
  ValueSets::MeanRange whole{INFINITY, -INFINITY, *most};
  for (const Atom &v : sets.at(values)) {
    whole.least = std::min(whole.least, v.number());
    whole.greatest = std::max(whole.greatest, v.number());
  }
  std::vector<ValueSets::MeanRange> out(options.maxLen, whole);
  std::optional<Cells> cells = cellsOf(values);
  if (!cells)
    return out;
  for (int64_t n = 1; n <= options.maxLen; ++n) {
    ValueSets::MeanRange sum;
    bool any = true;
    for (const std::vector<Atom> &cell : (*cells)[n - 1]) {
      if (cell.empty()) {
        any = false; // (The evaluator fails at this length.)
        break;
      }
      double least = INFINITY, greatest = -INFINITY, magnitude = 0;
      for (const Atom &v : cell) {
        least = std::min(least, v.number());
        greatest = std::max(greatest, v.number());
        magnitude = std::max(magnitude, std::fabs(v.number()));
      }
      sum.least += least;
      sum.greatest += greatest;
      sum.magnitude += magnitude;
    }
    double count = static_cast<double>(n);
    if (any)
      out[n - 1] = {sum.least / count, sum.greatest / count, sum.magnitude / count};
  }
  return out;
}

bool Builder::groupCountMeans(const Node *node, AtomSet &out) {
  const Node *ratio = node->inputs[1];
  if (ratio->kind != NodeKind::Map || ratio->mapOp != graph::MapOpKind::Atom ||
      ratio->atomOp != AtomOpKind::Div || ratio->operands.size() != 2)
    return false;
  // The numerator: a number, the same everywhere; the denominator: the
  // width of an equality of an s-op with itself.
  const graph::Operand &top = ratio->operands[0], &bottom = ratio->operands[1];
  std::optional<Atom> numerator;
  if (top.input < 0)
    numerator = top.constant;
  else if (ratio->inputs[top.input]->kind == NodeKind::Constant)
    numerator = ratio->inputs[top.input]->constant;
  if (!numerator || !numerator->isNumber() || numerator->isBool() || bottom.input < 0)
    return false;
  const Node *width = ratio->inputs[bottom.input];
  if (width->kind != NodeKind::SelectorWidth)
    return false;
  const Node *select = width->inputs[0];
  if (select->kind != NodeKind::Select || select->cmp != graph::CompareKind::Eq ||
      select->inputs[0] != select->inputs[1])
    return false;
  const Node *classes = select->inputs[0];
  ensure(classes);
  auto it = sets.find(classes);
  if (it == sets.end() || it->second.empty())
    return false;
  // c as p / q exactly (c * d / n is then one correctly rounded ratio).
  std::optional<ScaledIntegers> c =
      overCommonDenominator({*numerator}, int64_t{1} << 20, int64_t{1} << 30);
  if (!c)
    return false;
  // (Values that compare equal are one class: the set holds each once.)
  int64_t kinds = static_cast<int64_t>(it->second.size());
  std::vector<std::vector<Atom>> byLength(options.maxLen);
  for (int64_t n = 1; n <= options.maxLen; ++n) {
    AtomSet here(node, options.limit);
    for (int64_t d = 1; d <= std::min(n, kinds); ++d)
      here.insert(exactRatio(c->numerators[0] * d, c->denominator * n));
    byLength[n - 1] = std::move(here).sorted();
  }
  for (const std::vector<Atom> &set : byLength)
    for (const Atom &v : set)
      out.insert(v);
  memo.byLength[node] = std::move(byLength);
  return true;
}

bool Builder::mapByLength(const Node *node, AtomSet &out) {
  bool any = false;
  for (const Node *input : node->inputs) {
    if (memo.byLength.count(input))
      any = true;
    else if (!sets.count(input))
      return false;
  }
  if (!any)
    return false;
  int64_t maxLen = options.maxLen;
  std::vector<std::vector<Atom>> constants;
  constants.reserve(node->operands.size());
  for (const graph::Operand &operand : node->operands)
    if (operand.input < 0)
      constants.push_back({operand.constant});
  auto choicesAt = [&](int64_t n) {
    std::vector<const std::vector<Atom> *> choices;
    size_t constant = 0;
    for (const graph::Operand &operand : node->operands) {
      if (operand.input < 0) {
        choices.push_back(&constants[constant++]);
        continue;
      }
      const Node *input = node->inputs[operand.input];
      auto it = memo.byLength.find(input);
      choices.push_back(it != memo.byLength.end() ? &it->second[n - 1] : &sets.at(input));
    }
    return choices;
  };
  double work = 0;
  for (int64_t n = 1; n <= maxLen; ++n) {
    double product = 1;
    for (const std::vector<Atom> *c : choicesAt(n))
      product *= static_cast<double>(c->size());
    work += product;
  }
  // (Length by length where that costs little more than the product of the
  // whole sets: a comparison of a count with 2 * indices + 3 gains little
  // from taking the index's n values at each n.)
  double whole = 1;
  for (const Node *input : node->inputs) {
    auto it = sets.find(input);
    whole *= it != sets.end() ? static_cast<double>(it->second.size()) : HUGE_VAL;
  }
  if (work > static_cast<double>(options.limit) * 16 || work > 2 * whole + 10'000)
    return false;
  std::vector<std::vector<Atom>> byLength(maxLen);
  for (int64_t n = 1; n <= maxLen; ++n) {
    AtomSet here(node, options.limit);
    forEachCombination(choicesAt(n), [&](const std::vector<const Atom *> &operands) {
      if (std::optional<Atom> v = apply(node, operands)) {
        here.insert(*v);
        out.insert(*v);
      }
    });
    byLength[n - 1] = std::move(here).sorted();
  }
  memo.byLength[node] = std::move(byLength);
  return true;
}
