// A select's keys and queries as ranks of their values.
#include "compiler/eval/SelectColumns.h"
#include "compiler/eval/Evaluate.h"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <string_view>
#include <unordered_map>

using namespace rasp;
using namespace rasp::eval;

namespace {

/// Dense ranks of `values` (keys then queries): equal values share a rank,
/// a smaller value has a smaller one. `less` orders two values of T.
template <typename T, typename Less>
std::vector<uint32_t> denseRanks(const std::vector<T> &values, Less less) {
  std::vector<uint32_t> order(values.size());
  for (size_t i = 0; i < order.size(); ++i)
    order[i] = static_cast<uint32_t>(i);
  std::stable_sort(order.begin(), order.end(),
                   [&](uint32_t a, uint32_t b) { return less(values[a], values[b]); });
  std::vector<uint32_t> ranks(values.size());
  uint32_t rank = 0;
  for (size_t i = 0; i < order.size(); ++i) {
    if (i && less(values[order[i - 1]], values[order[i]]))
      ++rank;
    ranks[order[i]] = rank;
  }
  return ranks;
}

/// Ranks of integers: a table over their range when it is at most 4x their
/// count, a sort otherwise.
std::vector<uint32_t> integerRanks(const std::vector<int64_t> &values) {
  auto [low, high] = std::minmax_element(values.begin(), values.end());
  unsigned __int128 span = static_cast<unsigned __int128>(static_cast<__int128>(*high) - *low);
  if (span >= 4 * static_cast<unsigned __int128>(values.size()))
    return denseRanks(values, [](int64_t a, int64_t b) { return a < b; });
  std::vector<uint32_t> table(static_cast<size_t>(span) + 1, 0);
  for (int64_t v : values)
    table[static_cast<size_t>(v - *low)] = 1;
  uint32_t next = 0;
  for (uint32_t &slot : table) {
    uint32_t present = slot;
    slot = next;
    next += present;
  }
  std::vector<uint32_t> ranks(values.size());
  for (size_t i = 0; i < values.size(); ++i)
    ranks[i] = table[static_cast<size_t>(values[i] - *low)];
  return ranks;
}

/// Ranks of strings: the distinct ones (hashed), sorted by their bytes.
std::vector<uint32_t> stringRanks(const std::vector<std::string_view> &values) {
  std::unordered_map<std::string_view, uint32_t> distinct;
  for (std::string_view v : values)
    distinct.emplace(v, 0);
  std::vector<std::string_view> sorted;
  sorted.reserve(distinct.size());
  for (const auto &entry : distinct)
    sorted.push_back(entry.first);
  std::sort(sorted.begin(), sorted.end());
  for (size_t i = 0; i < sorted.size(); ++i)
    distinct[sorted[i]] = static_cast<uint32_t>(i);
  std::vector<uint32_t> ranks(values.size());
  for (size_t i = 0; i < values.size(); ++i)
    ranks[i] = distinct[values[i]];
  return ranks;
}

/// A number as the original compares it: long double holds every int64
/// and every double exactly.
long double real(const Atom &a) {
  return a.isIntegral() ? static_cast<long double>(a.integral()) : a.asFloat();
}

bool allSame(const uint32_t *ranks, size_t n) {
  return std::all_of(ranks, ranks + n, [&](uint32_t r) { return r == ranks[0]; });
}

} // namespace

uint8_t eval::relationOf(graph::CompareKind cmp) {
  switch (cmp) {
  case graph::CompareKind::Eq:
    return KeyEqual;
  case graph::CompareKind::Ne:
    return KeyBelow | KeyAbove;
  case graph::CompareKind::Lt:
    return KeyBelow;
  case graph::CompareKind::Le:
    return KeyBelow | KeyEqual;
  case graph::CompareKind::Gt:
    return KeyAbove;
  case graph::CompareKind::Ge:
    return KeyAbove | KeyEqual;
  }
  return 0;
}

SelectColumns eval::prepareColumns(const Sequence &keys, const Sequence &queries) {
  size_t n = keys.values.size();
  assert(queries.values.size() == n && "keys and queries of one input");
  SelectColumns out;
  bool keyStrings = keys.type == SeqTypeKind::Strings;
  if (keyStrings != (queries.type == SeqTypeKind::Strings)) {
    out.kind = ColumnsKind::Incomparable;
    return out;
  }
  std::vector<uint32_t> ranks;
  if (keyStrings) {
    std::vector<std::string_view> all;
    all.reserve(2 * n);
    for (const Sequence *side : {&keys, &queries})
      for (const Atom &v : side->values)
        all.push_back(v.asString());
    ranks = stringRanks(all);
  } else {
    bool integral = true, nan = false;
    for (const Sequence *side : {&keys, &queries})
      for (const Atom &v : side->values) {
        integral &= v.isIntegral();
        nan |= v.isFloat() && std::isnan(v.asFloat());
      }
    if (nan) {
      out.kind = ColumnsKind::Reals;
      for (size_t i = 0; i < n; ++i) {
        out.realKeys.push_back(real(keys.values[i]));
        out.realQueries.push_back(real(queries.values[i]));
      }
      return out;
    }
    if (integral) {
      std::vector<int64_t> all;
      all.reserve(2 * n);
      for (const Sequence *side : {&keys, &queries})
        for (const Atom &v : side->values)
          all.push_back(v.integral());
      ranks = integerRanks(all);
    } else {
      std::vector<long double> all;
      all.reserve(2 * n);
      for (const Sequence *side : {&keys, &queries})
        for (const Atom &v : side->values)
          all.push_back(real(v));
      ranks = denseRanks(all, [](long double a, long double b) { return a < b; });
    }
  }
  out.keys.assign(ranks.begin(), ranks.begin() + static_cast<ptrdiff_t>(n));
  out.queries.assign(ranks.begin() + static_cast<ptrdiff_t>(n), ranks.end());
  out.keysConstant = allSame(out.keys.data(), n);
  out.queriesConstant = allSame(out.queries.data(), n);
  return out;
}
