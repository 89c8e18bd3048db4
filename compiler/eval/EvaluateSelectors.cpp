// The reference evaluator's selects, aggregates and widths: counted from
// the selector's formula where it decomposes, a row at a time otherwise,
// and matrices only for the callers that ask for one.
#include "compiler/eval/Evaluate.h"
#include "compiler/eval/SelectorForms.h"
#include "compiler/eval/SelectorRows.h"

#include <cassert>
#include <cmath>

using namespace rasp;
using namespace rasp::eval;
using graph::Node;
using graph::NodeKind;

namespace {

[[noreturn]] void fail(const Node *node, std::string message) {
  throw EvalError{node->loc, std::move(message)};
}

/// Python's sum of values, left to right, as the original takes a mean's:
/// exact while every value is integral, in doubles from the first float on.
struct RunningSum {
  __int128 integerSum = 0;
  double floatSum = 0;
  bool inFloats = false;

  void add(const Atom &v) {
    if (!inFloats && v.isIntegral()) {
      integerSum += v.integral();
      return;
    }
    if (!inFloats)
      floatSum = static_cast<double>(integerSum), inFloats = true;
    floatSum += v.number();
  }
  double value() const { return inFloats ? floatSum : static_cast<double>(integerSum); }
};

/// Each value as an integer multiple of one power of two, 2^exponent, when
/// every sum of any of them in any order is exact in doubles (all ints; or
/// all finite, and the multiples' magnitudes sum to under 2^53): then the
/// original's sum, in its order, is the exact sum, and a sum of the
/// weights gives it bit for bit. nullopt otherwise.
struct ExactWeights {
  std::vector<int64_t> weights;
  int exponent = 0;
};

std::optional<ExactWeights> exactWeights(const std::vector<Atom> &values) {
  ExactWeights out;
  if (std::all_of(values.begin(), values.end(), [](const Atom &v) { return v.isIntegral(); })) {
    for (const Atom &v : values)
      out.weights.push_back(v.integral());
    return out;
  }
  // Each nonzero value as m * 2^e with m odd.
  std::vector<std::pair<int64_t, int>> parts;
  int lowest = INT32_MAX;
  for (const Atom &v : values) {
    int64_t m = 0;
    int e = 0;
    if (v.isIntegral()) {
      int64_t i = v.integral();
      if (i == INT64_MIN)
        return std::nullopt;
      if (i) {
        e = __builtin_ctzll(static_cast<uint64_t>(i));
        m = i / (int64_t{1} << e);
      }
    } else {
      double d = v.asFloat();
      if (!std::isfinite(d))
        return std::nullopt;
      if (d != 0) {
        int f = 0;
        m = static_cast<int64_t>(std::ldexp(std::frexp(d, &f), 53));
        int zeros = __builtin_ctzll(static_cast<uint64_t>(m));
        m /= int64_t{1} << zeros;
        e = f - 53 + zeros;
      }
    }
    if (m)
      lowest = std::min(lowest, e);
    parts.emplace_back(m, e);
  }
  if (lowest == INT32_MAX)
    lowest = 0;
  constexpr int64_t Limit = int64_t{1} << 53;
  int64_t total = 0;
  for (auto [m, e] : parts) {
    if (!m) {
      out.weights.push_back(0);
      continue;
    }
    int shift = e - lowest;
    int64_t magnitude = m < 0 ? -m : m;
    if (shift >= 53 || magnitude >= (Limit >> shift))
      return std::nullopt;
    int64_t w = m * (int64_t{1} << shift);
    total += w < 0 ? -w : w;
    if (total >= Limit)
      return std::nullopt;
    out.weights.push_back(w);
  }
  if (!std::isfinite(std::ldexp(static_cast<double>(total), lowest)))
    return std::nullopt;
  out.exponent = lowest;
  return out;
}

/// One row of an aggregate: `count` keys selected, `only` the one when
/// there is one, `sum` the sum of their values when there are several.
Atom aggregateRow(const Node *node, const Sequence &values, int64_t count, size_t only,
                  double sum) {
  if (count == 0)
    return node->constant;
  if (count == 1)
    return values.values[only];
  if (values.type != SeqTypeKind::Ints && values.type != SeqTypeKind::Floats)
    fail(node, "cannot average several values that are not numbers (" +
                   std::string(seqTypeName(values.type)) + "); the values are " +
                   valuesText(values.values));
  double mean = sum * 1.0 / static_cast<double>(count);
  // (Python's sum overflows to inf; as with a map, that is an error here.)
  if (!std::isfinite(mean))
    fail(node, "float overflow: the mean of the selected values is not a finite number");
  return Atom::real(mean);
}

} // namespace

SelectColumns Evaluator::evaluateSelect(const Node *node) {
  const Sequence &keys = sequences.at(node->inputs[0]);
  const Sequence &queries = sequences.at(node->inputs[1]);
  SelectColumns columns = prepareColumns(keys, queries);
  // A string never equals a number, and they have no order.
  if (columns.kind == ColumnsKind::Incomparable && node->cmp != graph::CompareKind::Eq &&
      node->cmp != graph::CompareKind::Ne)
    fail(node, std::string("'") + graph::compareSpelling(node->cmp) +
                   "' is not supported between " + keys.values[0].typeName() + " and " +
                   queries.values[0].typeName());
  return columns;
}

SelectorMatrix Evaluator::buildMatrix(const Node *node) {
  size_t n = items.size();
  uint64_t bits = static_cast<uint64_t>(n) * n; // (n is at most a list's or a string's size.)
  if (bits > MaxSelectorBits)
    fail(node, "the selector's matrix on an input of " + std::to_string(n) + " tokens would hold " +
                   std::to_string(bits) + " bits, more than the budget of " +
                   std::to_string(MaxSelectorBits) +
                   " bits (512 MiB: inputs of up to 65536 tokens)");
  SelectorMatrix out(n, n);
  SelectorRows rows(
      node, [this](const Node *select) -> const SelectColumns & { return columnsOf(select); }, n);
  for (size_t q = 0; q < n; ++q)
    rows.packRow(q, out.row(q));
  return out;
}

Sequence Evaluator::evaluateAggregate(const Node *node) {
  const Node *selector = node->inputs[0];
  const Sequence &values = sequences.at(node->inputs[1]);
  size_t n = items.size();
  ColumnsOf columns = [this](const Node *select) -> const SelectColumns & {
    return columnsOf(select);
  };
  bool numeric = values.type == SeqTypeKind::Ints || values.type == SeqTypeKind::Floats;
  std::optional<ExactWeights> exact;
  if (numeric)
    exact = exactWeights(values.values);
  std::optional<LinearForm> form = decompose(selector, columns);
  Sequence out;
  out.values.reserve(n);
  if (form && (!numeric || exact)) {
    RowStats stats = fusedStats(*form, n, exact ? &exact->weights : nullptr);
    for (size_t q = 0; q < n; ++q) {
      double sum = exact && stats.count[q] > 1
                       ? std::ldexp(static_cast<double>(stats.weightSum[q]), exact->exponent)
                       : 0;
      out.values.push_back(aggregateRow(node, values, stats.count[q],
                                        static_cast<size_t>(stats.positionSum[q]), sum));
    }
  } else if (std::optional<OrderedSelection> selection =
                 form ? selectInOrder(*form, n) : std::nullopt) {
    // Each query sums a leading run of its group, in index order: one
    // running sum per group, read where the query's run ends.
    const std::vector<uint32_t> &members = selection->members;
    std::vector<RunningSum> through(members.size());
    for (size_t g = 0; g + 1 < selection->starts.size(); ++g) {
      RunningSum sum;
      for (uint32_t i = selection->starts[g]; i < selection->starts[g + 1]; ++i) {
        sum.add(values.values[members[i]]);
        through[i] = sum;
      }
    }
    for (size_t q = 0; q < n; ++q) {
      uint32_t first = selection->first[q], count = selection->count[q];
      out.values.push_back(aggregateRow(node, values, count, count ? members[first] : 0,
                                        count ? through[first + count - 1].value() : 0));
    }
  } else {
    SelectorRows rows(selector, columns, n);
    std::vector<uint32_t> selected(n);
    for (size_t q = 0; q < n; ++q) {
      const uint8_t *row = rows.row(q);
      size_t count = 0;
      for (size_t k = 0; k < n; ++k) { // (Without a branch: the keys selected, in order.)
        selected[count] = static_cast<uint32_t>(k);
        count += row[k];
      }
      RunningSum sum;
      if (numeric && count > 1)
        for (size_t i = 0; i < count; ++i)
          sum.add(values.values[selected[i]]);
      out.values.push_back(
          aggregateRow(node, values, static_cast<int64_t>(count), selected[0], sum.value()));
    }
  }
  out.type = typeSequence(out.values, node->loc);
  return out;
}

Sequence Evaluator::evaluateWidth(const Node *node) {
  const Node *selector = node->inputs[0];
  size_t n = items.size();
  ColumnsOf columns = [this](const Node *select) -> const SelectColumns & {
    return columnsOf(select);
  };
  Sequence out;
  out.values.reserve(n);
  if (std::optional<LinearForm> form = decompose(selector, columns)) {
    RowStats stats = fusedStats(*form, n, nullptr);
    for (int64_t count : stats.count)
      out.values.push_back(Atom::integer(count));
  } else {
    SelectorRows rows(selector, columns, n);
    for (size_t q = 0; q < n; ++q) {
      const uint8_t *row = rows.row(q);
      int64_t count = 0;
      for (size_t k = 0; k < n; ++k)
        count += row[k];
      out.values.push_back(Atom::integer(count));
    }
  }
  out.type = SeqTypeKind::Ints;
  return out;
}
