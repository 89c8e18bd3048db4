// The plan's selector tables: select decisions per pair of side values
// (bit rows, numbers compared without building atoms), and selector
// formulas flattened and tabulated a row of words at a time.
#include "compiler/codegen/plan/HeadPlannerImpl.h"

#include <algorithm>
#include <cassert>
#include <functional>
#include <numeric>
#include <string>

using namespace rasp;
using namespace rasp::codegen;

int HeadPlanner::component(const Side &side, int f, size_t i) const {
  if (side.classes.empty())
    return static_cast<int>(i); // One block, no tuple.
  if (!side.joint.empty())
    i = side.joint[i];
  for (size_t p = 0; p < side.parts.size(); ++p) {
    size_t width = side.classes[p].size();
    if (side.parts[p] == f)
      return side.classes[p][i % width][0];
    i /= width;
  }
  assert(false && "the leaf's block is not part of its side");
  return 0;
}

namespace {

/// Fills the table of `key CMP query` on values given by their ranks in a
/// total order (equal ranks: equal values), a row of words at a time: an
/// equality sets the keys of the query's rank, an order copies the running
/// set of keys below (or above) the query's rank, queries taken in rank
/// order. O(rows x words + keys): no comparison per cell.
void fillRanks(BitMatrix &table, graph::CompareKind kind, const std::vector<int64_t> &queries,
               const std::vector<int64_t> &keys) {
  size_t words = table.wordsPerRow();
  int64_t ranks = 0;
  for (int64_t r : queries)
    ranks = std::max(ranks, r + 1);
  for (int64_t r : keys)
    ranks = std::max(ranks, r + 1);
  std::vector<std::vector<size_t>> keysOf(static_cast<size_t>(ranks));
  for (size_t k = 0; k < keys.size(); ++k)
    keysOf[keys[k]].push_back(k);
  auto setBit = [](uint64_t *row, size_t k) { row[k / 64] ^= uint64_t{1} << (k % 64); };
  if (kind == graph::CompareKind::Eq || kind == graph::CompareKind::Ne) {
    bool ne = kind == graph::CompareKind::Ne;
    for (size_t q = 0; q < queries.size(); ++q) {
      uint64_t *row = table.row(q);
      if (ne && words) {
        std::fill(row, row + words, ~uint64_t{0});
        row[words - 1] = table.lastWordMask();
      }
      for (size_t k : keysOf[queries[q]])
        setBit(row, k); // (Set for ==, cleared for !=.)
    }
    return;
  }
  // Lt and Le take keys from the lowest rank up, Gt and Ge from the highest
  // down; Le and Ge take the query's own rank too.
  bool up = kind == graph::CompareKind::Lt || kind == graph::CompareKind::Le;
  bool own = kind == graph::CompareKind::Le || kind == graph::CompareKind::Ge;
  std::vector<size_t> order(queries.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    return up ? queries[a] < queries[b] : queries[a] > queries[b];
  });
  std::vector<uint64_t> taken(words, 0);
  int64_t next = up ? 0 : ranks - 1; // The next rank to take.
  for (size_t q : order) {
    int64_t limit = queries[q];
    while (up ? (next < limit || (own && next == limit))
              : (next > limit || (own && next == limit))) {
      for (size_t k : keysOf[next])
        setBit(taken.data(), k);
      next += up ? 1 : -1;
    }
    std::copy(taken.begin(), taken.end(), table.row(q));
  }
}

/// The ranks of the values in their order (equal values, equal ranks).
template <typename Value, typename Less>
void rankValues(const std::vector<Value> &queries, const std::vector<Value> &keys,
                std::vector<int64_t> &queryRanks, std::vector<int64_t> &keyRanks, Less less) {
  std::vector<Value> all(queries);
  all.insert(all.end(), keys.begin(), keys.end());
  std::sort(all.begin(), all.end(), less);
  all.erase(std::unique(all.begin(), all.end(),
                        [&](const Value &a, const Value &b) { return !less(a, b) && !less(b, a); }),
            all.end());
  auto rank = [&](const Value &v) {
    return static_cast<int64_t>(std::lower_bound(all.begin(), all.end(), v, less) - all.begin());
  };
  for (const Value &v : queries)
    queryRanks.push_back(rank(v));
  for (const Value &v : keys)
    keyRanks.push_back(rank(v));
}

/// Sets cell [q][k] where cmp(key k, query q) holds.
template <typename Number, typename Compare>
void fillNumbers(BitMatrix &table, const std::vector<Number> &queries,
                 const std::vector<Number> &keys, Compare cmp) {
  size_t words = table.wordsPerRow();
  for (size_t q = 0; q < queries.size(); ++q) {
    uint64_t *row = table.row(q);
    Number query = queries[q];
    for (size_t w = 0; w < words; ++w) {
      size_t end = std::min<size_t>(64, keys.size() - w * 64);
      const Number *at = keys.data() + w * 64;
      uint64_t bits = 0;
      for (size_t j = 0; j < end; ++j)
        bits |= static_cast<uint64_t>(cmp(at[j], query)) << j;
      row[w] = bits;
    }
  }
}

/// The table of a comparison of numbers, in the type Number.
template <typename Number>
void compareNumbers(BitMatrix &table, graph::CompareKind kind,
                    const std::vector<std::optional<Atom>> &queryAtoms,
                    const std::vector<std::optional<Atom>> &keyAtoms) {
  auto numbers = [](const std::vector<std::optional<Atom>> &atoms) {
    std::vector<Number> out;
    out.reserve(atoms.size());
    for (const std::optional<Atom> &a : atoms)
      out.push_back(a->isIntegral() ? static_cast<Number>(a->integral())
                                    : static_cast<Number>(a->asFloat()));
    return out;
  };
  std::vector<Number> q = numbers(queryAtoms), k = numbers(keyAtoms);
  auto isNaN = [](Number x) { return x != x; };
  if (std::none_of(q.begin(), q.end(), isNaN) && std::none_of(k.begin(), k.end(), isNaN)) {
    std::vector<int64_t> queryRanks, keyRanks; // (Ordered: NaN alone is not.)
    rankValues(q, k, queryRanks, keyRanks, std::less<Number>());
    return fillRanks(table, kind, queryRanks, keyRanks);
  }
  switch (kind) {
  case graph::CompareKind::Eq:
    fillNumbers(table, q, k, std::equal_to<>());
    break;
  case graph::CompareKind::Ne:
    fillNumbers(table, q, k, std::not_equal_to<>());
    break;
  case graph::CompareKind::Lt:
    fillNumbers(table, q, k, std::less<>());
    break;
  case graph::CompareKind::Gt:
    fillNumbers(table, q, k, std::greater<>());
    break;
  case graph::CompareKind::Le:
    fillNumbers(table, q, k, std::less_equal<>());
    break;
  case graph::CompareKind::Ge:
    fillNumbers(table, q, k, std::greater_equal<>());
    break;
  }
}

} // namespace

const BitMatrix &HeadPlanner::selectTable(const Node *select) {
  if (auto it = selectTables.find(select); it != selectTables.end())
    return it->second;
  const std::vector<std::optional<Atom>> &keys = sides.at(select->inputs[0]).valueOf;
  const std::vector<std::optional<Atom>> &queries = sides.at(select->inputs[1]).valueOf;
  BitMatrix table(queries.size(), keys.size());
  // Numbers on both sides compare as numbers without building atoms.
  auto number = [](const std::optional<Atom> &a) { return a && a->isNumber(); };
  if (std::all_of(keys.begin(), keys.end(), number) &&
      std::all_of(queries.begin(), queries.end(), number)) {
    // Doubles compare exactly while every integer fits in 53 bits.
    auto small = [](const std::optional<Atom> &a) {
      constexpr int64_t most = int64_t{1} << 53;
      return !a->isIntegral() || (a->integral() >= -most && a->integral() <= most);
    };
    if (std::all_of(keys.begin(), keys.end(), small) &&
        std::all_of(queries.begin(), queries.end(), small))
      compareNumbers<double>(table, select->cmp, queries, keys);
    else
      compareNumbers<long double>(table, select->cmp, queries, keys);
    return selectTables[select] = std::move(table);
  }
  // Strings on both sides compare by their order (bytes, as Python's).
  auto string = [](const std::optional<Atom> &a) { return a && a->isString(); };
  if (std::all_of(keys.begin(), keys.end(), string) &&
      std::all_of(queries.begin(), queries.end(), string)) {
    auto text = [](const std::vector<std::optional<Atom>> &atoms) {
      std::vector<std::string> out;
      out.reserve(atoms.size());
      for (const std::optional<Atom> &a : atoms)
        out.push_back(a->asString());
      return out;
    };
    std::vector<int64_t> queryRanks, keyRanks;
    rankValues(text(queries), text(keys), queryRanks, keyRanks, std::less<std::string>());
    fillRanks(table, select->cmp, queryRanks, keyRanks);
    return selectTables[select] = std::move(table);
  }
  for (size_t q = 0; q < queries.size(); ++q)
    for (size_t k = 0; k < keys.size(); ++k)
      if (keys[k] && queries[q] && comparePair(select->cmp, *keys[k], *queries[q]).value_or(false))
        table.set(q, k);
  return selectTables[select] = std::move(table);
}

HeadPlanner::Formula HeadPlanner::flatten(const std::vector<const Node *> &members, const Side &qs,
                                          size_t qCount, const Side &ks, size_t kCount) {
  Formula formula;
  // Per block read on a side: the block's value index at each side index.
  std::map<std::pair<bool, int>, size_t> componentsOf;
  auto components = [&](bool keySide, int f) -> const std::vector<int> * {
    if (f < 0)
      return nullptr;
    auto [it, added] = componentsOf.emplace(std::make_pair(keySide, f), formula.components.size());
    if (added) {
      const Side &side = keySide ? ks : qs;
      std::vector<int> values(keySide ? kCount : qCount);
      for (size_t i = 0; i < values.size(); ++i)
        values[i] = component(side, f, i);
      formula.components.push_back(std::move(values));
    }
    return &formula.components[it->second];
  };
  std::function<int(const Node *)> add = [&](const Node *sel) -> int {
    Formula::Op op;
    op.kind = sel->kind;
    if (sel->kind == NodeKind::Select) {
      const SideRead &key = sides.at(sel->inputs[0]);
      const SideRead &query = sides.at(sel->inputs[1]);
      op.table = &selectTable(sel);
      op.keyComponent = key.block;
      op.queryComponent = query.block;
    } else {
      assert(sel->isSelector() && "a selector formula");
      for (const Node *input : sel->inputs)
        op.children.push_back(add(input));
    }
    formula.ops.push_back(std::move(op));
    return static_cast<int>(formula.ops.size()) - 1;
  };
  for (const Node *m : members)
    formula.roots.push_back(add(m));
  // Components after every op is added: the vector of them is stable now.
  std::vector<std::pair<int, int>> wanted;
  for (Formula::Op &op : formula.ops)
    if (op.kind == NodeKind::Select)
      wanted.emplace_back(op.keyComponent, op.queryComponent);
  size_t w = 0;
  for (Formula::Op &op : formula.ops) {
    if (op.kind != NodeKind::Select)
      continue;
    components(true, wanted[w].first);
    components(false, wanted[w].second);
    ++w;
  }
  w = 0;
  for (Formula::Op &op : formula.ops) {
    if (op.kind != NodeKind::Select)
      continue;
    op.keys = components(true, wanted[w].first);
    op.queries = components(false, wanted[w].second);
    ++w;
  }
  return formula;
}

const uint64_t *HeadPlanner::Formula::row(int index, size_t q, size_t keyCount, Rows &rows) const {
  const Op &op = ops[index];
  size_t words = (keyCount + 63) / 64;
  if (op.kind == NodeKind::Select) {
    // The select's row for this query value, over the side's key indices.
    size_t qv = op.queries ? static_cast<size_t>((*op.queries)[q]) : 0;
    std::vector<std::vector<uint64_t>> &leafRows = rows.leaf[index];
    if (leafRows.empty())
      leafRows.resize(op.table->rows());
    std::vector<uint64_t> &out = leafRows[qv];
    if (out.empty()) {
      out.assign(words, 0);
      const uint64_t *decisions = op.table->row(qv); // Over the key values.
      size_t values = op.table->cols();
      if (op.keys && values * words <= 2 * keyCount) {
        // Few key values: the row is the union of the key indices holding
        // each value the select takes (those sets made once per select).
        std::vector<std::vector<uint64_t>> &holding = rows.holding[index];
        if (holding.empty()) {
          holding.assign(values, std::vector<uint64_t>(words, 0));
          for (size_t k = 0; k < keyCount; ++k)
            holding[(*op.keys)[k]][k / 64] |= uint64_t{1} << (k % 64);
        }
        op.table->forEach(qv, [&](size_t kv) {
          for (size_t w = 0; w < words; ++w)
            out[w] |= holding[kv][w];
        });
        return out.data();
      }
      for (size_t k = 0; k < keyCount; ++k) {
        size_t kv = op.keys ? static_cast<size_t>((*op.keys)[k]) : 0;
        out[k / 64] |= (decisions[kv / 64] >> (kv % 64) & 1) << (k % 64);
      }
    }
    return out.data();
  }
  std::vector<uint64_t> &out = rows.op[index];
  out.resize(words);
  const uint64_t *first = row(op.children[0], q, keyCount, rows);
  std::copy(first, first + words, out.begin());
  switch (op.kind) {
  case NodeKind::SelectorAnd: {
    const uint64_t *other = row(op.children[1], q, keyCount, rows);
    for (size_t w = 0; w < words; ++w)
      out[w] &= other[w];
    break;
  }
  case NodeKind::SelectorOr: {
    const uint64_t *other = row(op.children[1], q, keyCount, rows);
    for (size_t w = 0; w < words; ++w)
      out[w] |= other[w];
    break;
  }
  case NodeKind::SelectorNot:
    for (uint64_t &word : out)
      word = ~word;
    if (keyCount % 64)
      out.back() &= (uint64_t{1} << (keyCount % 64)) - 1;
    break;
  default:
    assert(false && "not a selector");
  }
  return out.data();
}

BitMatrix HeadPlanner::Formula::tabulate(size_t queryCount, size_t keyCount) const {
  BitMatrix table(queryCount, keyCount);
  Rows rows;
  rows.leaf.resize(ops.size());
  rows.op.resize(ops.size());
  rows.holding.resize(ops.size());
  size_t words = table.wordsPerRow();
  for (size_t q = 0; q < queryCount; ++q) {
    uint64_t *out = table.row(q);
    for (size_t r = 0; r < roots.size(); ++r) {
      const uint64_t *bits = row(roots[r], q, keyCount, rows);
      for (size_t w = 0; w < words; ++w)
        out[w] = r ? (out[w] & bits[w]) : bits[w];
    }
  }
  return table;
}
