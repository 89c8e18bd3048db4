// A selector's matrix one row at a time.
#include "compiler/eval/SelectorRows.h"

#include <cassert>
#include <unordered_map>

using namespace rasp;
using namespace rasp::eval;
using graph::CompareKind;
using graph::Node;
using graph::NodeKind;

namespace {

template <typename T, typename Cmp>
void compareRow(uint8_t *out, const T *keys, T query, size_t n, Cmp cmp) {
  for (size_t k = 0; k < n; ++k)
    out[k] = cmp(keys[k], query);
}

/// out[k] = keys[k] CMP query, as the original compares (for long double,
/// NaN compares unequal to everything).
template <typename T>
void compareRow(uint8_t *out, const T *keys, T query, size_t n, CompareKind cmp) {
  switch (cmp) {
  case CompareKind::Eq:
    return compareRow(out, keys, query, n, [](T k, T q) { return k == q; });
  case CompareKind::Ne:
    return compareRow(out, keys, query, n, [](T k, T q) { return k != q; });
  case CompareKind::Lt:
    return compareRow(out, keys, query, n, [](T k, T q) { return k < q; });
  case CompareKind::Gt:
    return compareRow(out, keys, query, n, [](T k, T q) { return k > q; });
  case CompareKind::Le:
    return compareRow(out, keys, query, n, [](T k, T q) { return k <= q; });
  case CompareKind::Ge:
    return compareRow(out, keys, query, n, [](T k, T q) { return k >= q; });
  }
}

} // namespace

SelectorRows::SelectorRows(const Node *selector, const ColumnsOf &columnsOf, size_t n) : n(n) {
  std::unordered_map<const Node *, int> stepOf;
  auto notSelector = [](const Node *node) { return !node->isSelector(); };
  for (const Node *node : graph::topologicalOrder(selector, notSelector)) {
    Step step;
    step.node = node;
    if (node->kind == NodeKind::Select) {
      step.columns = &columnsOf(node);
    } else {
      step.a = stepOf.at(node->inputs[0]);
      if (node->kind != NodeKind::SelectorNot)
        step.b = stepOf.at(node->inputs[1]);
    }
    step.bytes.resize(n);
    stepOf.emplace(node, static_cast<int>(steps.size()));
    steps.push_back(std::move(step));
  }
}

void SelectorRows::fillSelect(Step &step, size_t q) {
  const SelectColumns &c = *step.columns;
  CompareKind cmp = step.node->cmp;
  uint8_t *out = step.bytes.data();
  switch (c.kind) {
  case ColumnsKind::Incomparable: // (An order is an error at the select.)
    std::fill(out, out + n, cmp == CompareKind::Ne);
    return;
  case ColumnsKind::Reals:
    return compareRow(out, c.realKeys.data(), c.realQueries[q], n, cmp);
  case ColumnsKind::Ranks:
    return compareRow(out, c.keys.data(), c.queries[q], n, cmp);
  }
}

const uint8_t *SelectorRows::row(size_t q) {
  for (Step &step : steps) {
    uint8_t *out = step.bytes.data();
    switch (step.node->kind) {
    case NodeKind::Select:
      fillSelect(step, q);
      break;
    case NodeKind::SelectorNot: {
      const uint8_t *a = steps[step.a].bytes.data();
      for (size_t k = 0; k < n; ++k)
        out[k] = a[k] ^ 1;
      break;
    }
    case NodeKind::SelectorAnd:
    case NodeKind::SelectorOr: {
      const uint8_t *a = steps[step.a].bytes.data(), *b = steps[step.b].bytes.data();
      if (step.node->kind == NodeKind::SelectorAnd)
        for (size_t k = 0; k < n; ++k)
          out[k] = a[k] & b[k];
      else
        for (size_t k = 0; k < n; ++k)
          out[k] = a[k] | b[k];
      break;
    }
    default:
      assert(false && "a selector's formula holds selects, and, or and not");
    }
  }
  return steps.back().bytes.data();
}

void SelectorRows::packRow(size_t q, uint64_t *words) {
  const uint8_t *bytes = row(q);
  for (size_t w = 0; w * 64 < n; ++w) {
    uint64_t word = 0;
    size_t end = std::min(n, (w + 1) * 64);
    for (size_t k = w * 64; k < end; ++k)
      word |= uint64_t{bytes[k]} << (k % 64);
    words[w] = word;
  }
}
