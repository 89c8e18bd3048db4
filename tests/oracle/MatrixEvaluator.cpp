// The matrix evaluator of issue 20's oracle: the evaluator's selects and
// aggregates as they were, over n x n bit matrices.
#include "tests/oracle/MatrixEvaluator.h"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <map>

using namespace rasp;
using namespace rasp::eval;
using namespace rasp::oracle;
using graph::Node;
using graph::NodeKind;

namespace {

[[noreturn]] void fail(const Node *node, std::string message) {
  throw EvalError{node->loc, std::move(message)};
}

/// `[v0, v1, ...]` in Python notation, shortened after 12 values.
std::string listText(const std::vector<Atom> &values) {
  std::string out = "[";
  for (size_t i = 0; i < values.size(); ++i) {
    if (i == 12) {
      out += ", ... (" + std::to_string(values.size()) + " values)";
      break;
    }
    out += (i ? ", " : "") + values[i].repr();
  }
  return out + "]";
}

/// Fills a select matrix: bit (q, k) is `cmp(keys[k], queries[q])`. Rows
/// are built a 64-bit word at a time.
template <typename T, typename Cmp>
void fillRows(SelectorMatrix &out, const std::vector<T> &keys, const std::vector<T> &queries,
              Cmp cmp) {
  size_t n = keys.size();
  for (size_t q = 0; q < n; ++q) {
    const T query = queries[q];
    uint64_t *row = out.row(q);
    for (size_t w = 0; w < out.wordsPerRow(); ++w) {
      uint64_t word = 0;
      size_t end = std::min(n, (w + 1) * 64);
      for (size_t k = w * 64; k < end; ++k)
        word |= uint64_t(cmp(keys[k], query)) << (k % 64);
      row[w] = word;
    }
  }
}

/// The comparison of a select cell, on values mapped to numbers.
template <typename T>
void fillSelect(SelectorMatrix &out, const std::vector<T> &keys, const std::vector<T> &queries,
                graph::CompareKind cmp) {
  switch (cmp) {
  case graph::CompareKind::Eq:
    return fillRows(out, keys, queries, [](T k, T q) { return k == q; });
  case graph::CompareKind::Ne:
    return fillRows(out, keys, queries, [](T k, T q) { return k != q; });
  case graph::CompareKind::Lt:
    return fillRows(out, keys, queries, [](T k, T q) { return k < q; });
  case graph::CompareKind::Gt:
    return fillRows(out, keys, queries, [](T k, T q) { return k > q; });
  case graph::CompareKind::Le:
    return fillRows(out, keys, queries, [](T k, T q) { return k <= q; });
  case graph::CompareKind::Ge:
    return fillRows(out, keys, queries, [](T k, T q) { return k >= q; });
  }
}

} // namespace

MatrixEvaluator::MatrixEvaluator(std::vector<Atom> input) : items(std::move(input)) {}

const Sequence &MatrixEvaluator::sequence(const Node *node) {
  evaluateAll(node);
  return sequences.at(node);
}

const SelectorMatrix &MatrixEvaluator::selector(const Node *node) {
  evaluateAll(node);
  return selectors.at(node);
}

void MatrixEvaluator::evaluateAll(const Node *root) {
  auto evaluated = [this](const Node *node) {
    return sequences.count(node) || selectors.count(node);
  };
  for (const Node *node : graph::topologicalOrder(root, evaluated)) {
    if (node->isSelector())
      selectors.emplace(node, evaluateSelector(node));
    else
      sequences.emplace(node, evaluateSequence(node));
  }
}

Sequence MatrixEvaluator::evaluateSequence(const Node *node) {
  size_t n = items.size();
  Sequence out;
  switch (node->kind) {
  case NodeKind::Tokens:
    for (const Atom &item : items)
      out.values.push_back(convertToken(node, item));
    out.type = typeSequence(out.values, node->loc);
    return out;
  case NodeKind::Indices:
    out.values.reserve(n);
    for (size_t i = 0; i < n; ++i)
      out.values.push_back(Atom::integer(static_cast<int64_t>(i)));
    out.type = SeqTypeKind::Ints;
    return out;
  case NodeKind::Constant:
    out.values.assign(n, node->constant);
    out.type = typeSequence(out.values, node->loc);
    return out;
  case NodeKind::Map:
    return evaluateMap(node);
  case NodeKind::Aggregate:
    return evaluateAggregate(node);
  case NodeKind::SelectorWidth: {
    const SelectorMatrix &sel = selectors.at(node->inputs[0]);
    out.values.reserve(n);
    for (size_t q = 0; q < n; ++q)
      out.values.push_back(Atom::integer(static_cast<int64_t>(sel.count(q))));
    out.type = SeqTypeKind::Ints;
    return out;
  }
  default:
    break;
  }
  assert(false && "not an s-op kind");
  return out;
}

Sequence MatrixEvaluator::evaluateMap(const Node *node) {
  size_t n = items.size();
  std::vector<const std::vector<Atom> *> columns;
  for (const Node *input : node->inputs)
    columns.push_back(&sequences.at(input).values);
  std::vector<const Atom *> operands(node->operands.size());
  Sequence out;
  out.values.reserve(n);
  for (size_t p = 0; p < n; ++p) {
    for (size_t i = 0; i < operands.size(); ++i) {
      const graph::Operand &operand = node->operands[i];
      operands[i] = operand.input < 0 ? &operand.constant : &(*columns[operand.input])[p];
    }
    out.values.push_back(applyMap(node, operands.data()));
  }
  out.type = typeSequence(out.values, node->loc);
  return out;
}

Sequence MatrixEvaluator::evaluateAggregate(const Node *node) {
  const SelectorMatrix &sel = selectors.at(node->inputs[0]);
  const Sequence &values = sequences.at(node->inputs[1]);
  size_t n = items.size();
  Sequence out;
  out.values.reserve(n);
  bool numeric = values.type == SeqTypeKind::Ints || values.type == SeqTypeKind::Floats;
  for (size_t q = 0; q < n; ++q) {
    size_t count = 0, only = 0;
    // Python's sum, left to right: exact while every value is integral.
    __int128 integerSum = 0;
    double floatSum = 0;
    bool inFloats = false;
    for (size_t w = 0; w < sel.wordsPerRow(); ++w) {
      uint64_t bits = sel.row(q)[w];
      while (bits) {
        size_t k = w * 64 + __builtin_ctzll(bits);
        bits &= bits - 1;
        ++count;
        only = k;
        if (!numeric)
          continue;
        const Atom &v = values.values[k];
        if (!inFloats && v.isIntegral()) {
          integerSum += v.integral();
        } else {
          if (!inFloats)
            floatSum = static_cast<double>(integerSum), inFloats = true;
          floatSum += v.number();
        }
      }
    }
    if (count == 0) {
      out.values.push_back(node->constant);
    } else if (count == 1) {
      out.values.push_back(values.values[only]);
    } else {
      if (!numeric)
        fail(node, "cannot average several values that are not numbers (" +
                       std::string(seqTypeName(values.type)) + "); the values are " +
                       listText(values.values));
      double sum = inFloats ? floatSum : static_cast<double>(integerSum);
      double mean = sum * 1.0 / static_cast<double>(count);
      // (Python's sum overflows to inf; as with a map, that is an error here.)
      if (!std::isfinite(mean))
        fail(node, "float overflow: the mean of the selected values is not a finite number");
      out.values.push_back(Atom::real(mean));
    }
  }
  out.type = typeSequence(out.values, node->loc);
  return out;
}

SelectorMatrix MatrixEvaluator::evaluateSelector(const Node *node) {
  size_t n = items.size();
  uint64_t bits = static_cast<uint64_t>(n) * n; // (n is at most a list's or a string's size.)
  if (bits > MaxSelectorBits)
    throw EvalError{node->loc, "the selector's matrix on an input of " + std::to_string(n) +
                                   " tokens would hold " + std::to_string(bits) +
                                   " bits, more than the budget of " +
                                   std::to_string(MaxSelectorBits) +
                                   " bits (512 MiB: inputs of up to 65536 tokens)"};
  SelectorMatrix out(n, n);
  switch (node->kind) {
  case NodeKind::Select: {
    const Sequence &keys = sequences.at(node->inputs[0]);
    const Sequence &queries = sequences.at(node->inputs[1]);
    bool keyStrings = keys.type == SeqTypeKind::Strings;
    bool queryStrings = queries.type == SeqTypeKind::Strings;
    if (keyStrings != queryStrings) {
      // A string never equals a number, and they have no order.
      if (node->cmp == graph::CompareKind::Eq)
        return out;
      if (node->cmp == graph::CompareKind::Ne) {
        for (size_t q = 0; q < n; ++q)
          for (size_t k = 0; k < n; ++k)
            out.set(q, k);
        return out;
      }
      throw EvalError{node->loc, std::string("'") + graph::compareSpelling(node->cmp) +
                                     "' is not supported between " + keys.values[0].typeName() +
                                     " and " + queries.values[0].typeName()};
    }
    if (keyStrings) {
      // Strings compare through their ranks among all of them.
      std::map<std::string, int64_t> rank;
      for (const Atom &v : keys.values)
        rank.emplace(v.asString(), 0);
      for (const Atom &v : queries.values)
        rank.emplace(v.asString(), 0);
      int64_t next = 0;
      for (auto &entry : rank)
        entry.second = next++;
      std::vector<int64_t> k, q;
      for (size_t i = 0; i < n; ++i) {
        k.push_back(rank[keys.values[i].asString()]);
        q.push_back(rank[queries.values[i].asString()]);
      }
      fillSelect(out, k, q, node->cmp);
      return out;
    }
    // Numbers: long double holds every int64 and every double exactly.
    std::vector<long double> k, q;
    for (size_t i = 0; i < n; ++i) {
      const Atom &a = keys.values[i], &b = queries.values[i];
      k.push_back(a.isIntegral() ? static_cast<long double>(a.integral()) : a.asFloat());
      q.push_back(b.isIntegral() ? static_cast<long double>(b.integral()) : b.asFloat());
    }
    fillSelect(out, k, q, node->cmp);
    return out;
  }
  case NodeKind::SelectorAnd:
  case NodeKind::SelectorOr: {
    const SelectorMatrix &a = selectors.at(node->inputs[0]);
    const SelectorMatrix &b = selectors.at(node->inputs[1]);
    bool both = node->kind == NodeKind::SelectorAnd;
    for (size_t q = 0; q < n; ++q)
      for (size_t w = 0; w < out.wordsPerRow(); ++w)
        out.row(q)[w] = both ? (a.row(q)[w] & b.row(q)[w]) : (a.row(q)[w] | b.row(q)[w]);
    return out;
  }
  case NodeKind::SelectorNot: {
    const SelectorMatrix &a = selectors.at(node->inputs[0]);
    for (size_t q = 0; q < n; ++q)
      for (size_t k = 0; k < n; ++k)
        if (!a.get(q, k))
          out.set(q, k);
    return out;
  }
  default:
    break;
  }
  assert(false && "not a selector kind");
  return out;
}
