// The reference evaluator's selectors: select matrices, built a 64-bit word
// of keys at a time, and their and/or/not.
#include "compiler/eval/Evaluate.h"

#include <algorithm>
#include <cassert>
#include <map>

using namespace rasp;
using namespace rasp::eval;
using graph::Node;
using graph::NodeKind;

namespace {

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

SelectorMatrix Evaluator::evaluateSelector(const Node *node) {
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
