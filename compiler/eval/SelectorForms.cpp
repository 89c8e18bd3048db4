// Selectors as sums of products of comparisons, counted without a matrix.
#include "compiler/eval/SelectorForms.h"

#include <algorithm>
#include <cassert>
#include <map>
#include <tuple>
#include <unordered_map>

using namespace rasp;
using namespace rasp::eval;
using graph::Node;
using graph::NodeKind;

namespace {

constexpr uint32_t NoGroup = UINT32_MAX;

bool pairBefore(const Factor &a, const Factor &b) {
  return std::less<>()(a.keys, b.keys) || (a.keys == b.keys && std::less<>()(a.queries, b.queries));
}

/// Both sides of the factor's columns vary.
bool varying(const Factor &f) { return !f.columns->keysConstant && !f.columns->queriesConstant; }
bool ordersVaryingSides(const Factor &f) { return varying(f) && f.relation != KeyEqual; }

/// The product of two terms; nullopt when it vanishes.
std::optional<Term> multiply(const Term &a, const Term &b) {
  Term out;
  out.coefficient = a.coefficient * b.coefficient;
  size_t i = 0, j = 0;
  while (i < a.factors.size() || j < b.factors.size()) {
    if (j == b.factors.size() || (i < a.factors.size() && pairBefore(a.factors[i], b.factors[j]))) {
      out.factors.push_back(a.factors[i++]);
    } else if (i == a.factors.size() || pairBefore(b.factors[j], a.factors[i])) {
      out.factors.push_back(b.factors[j++]);
    } else {
      Factor merged = a.factors[i++];
      merged.relation &= b.factors[j++].relation;
      if (!merged.relation)
        return std::nullopt;
      if (merged.relation != AnyOrder)
        out.factors.push_back(merged);
    }
  }
  return out;
}

/// Adds like terms; drops those whose coefficients cancel.
LinearForm normalize(LinearForm terms) {
  auto key = [](const Term &t) {
    std::vector<std::tuple<const void *, const void *, uint8_t>> k;
    for (const Factor &f : t.factors)
      k.emplace_back(f.keys, f.queries, f.relation);
    return k;
  };
  std::map<std::vector<std::tuple<const void *, const void *, uint8_t>>, size_t> seen;
  LinearForm out;
  for (Term &t : terms) {
    auto [at, fresh] = seen.emplace(key(t), out.size());
    if (fresh)
      out.push_back(std::move(t));
    else
      out[at->second].coefficient += t.coefficient;
  }
  out.erase(std::remove_if(out.begin(), out.end(), [](const Term &t) { return !t.coefficient; }),
            out.end());
  return out;
}

std::optional<LinearForm> product(const LinearForm &a, const LinearForm &b) {
  LinearForm out;
  for (const Term &x : a)
    for (const Term &y : b)
      if (std::optional<Term> t = multiply(x, y)) {
        if (std::count_if(t->factors.begin(), t->factors.end(), ordersVaryingSides) > 2)
          return std::nullopt;
        out.push_back(std::move(*t));
      }
  return normalize(std::move(out));
}

LinearForm sum(LinearForm a, const LinearForm &b, int64_t sign) {
  for (Term t : b) {
    t.coefficient *= sign;
    a.push_back(std::move(t));
  }
  return normalize(std::move(a));
}

const LinearForm One = {Term{}};

std::optional<LinearForm> leaf(const Node *select, const SelectColumns &columns) {
  uint8_t relation = relationOf(select->cmp);
  if (columns.kind == ColumnsKind::Reals)
    return std::nullopt;
  if (columns.kind == ColumnsKind::Incomparable)
    return relation == KeyEqual ? LinearForm{} : One; // (An order is an error at the select.)
  Factor factor{select->inputs[0], select->inputs[1], &columns, relation};
  if (columns.keysConstant && columns.queriesConstant)
    return related(columns.keys[0], columns.queries[0], relation) ? One : LinearForm{};
  if (varying(factor) && relation == (KeyBelow | KeyAbove)) {
    factor.relation = KeyEqual;
    return sum(One, {Term{1, {factor}}}, -1);
  }
  return LinearForm{Term{1, {factor}}};
}

/// What one term adds to the rows: step 1 of the header's algorithm.
struct TermShape {
  std::vector<uint8_t> keyIn, queryIn;
  std::vector<const SelectColumns *> equal;
  const Factor *order = nullptr; ///< Slices each group.
  const Factor *sweep = nullptr; ///< A second order factor: swept.
};

std::optional<TermShape> shapeOf(const Term &term, size_t n) {
  TermShape shape;
  shape.keyIn.assign(n, 1);
  shape.queryIn.assign(n, 1);
  for (const Factor &f : term.factors) {
    const SelectColumns &c = *f.columns;
    if (c.keysConstant && c.queriesConstant) {
      if (!related(c.keys[0], c.queries[0], f.relation))
        return std::nullopt;
    } else if (c.queriesConstant) {
      for (size_t k = 0; k < n; ++k)
        shape.keyIn[k] &= related(c.keys[k], c.queries[0], f.relation);
    } else if (c.keysConstant) {
      for (size_t q = 0; q < n; ++q)
        shape.queryIn[q] &= related(c.keys[0], c.queries[q], f.relation);
    } else if (f.relation == KeyEqual) {
      shape.equal.push_back(&c);
    } else {
      assert(!shape.sweep && "decompose keeps two order factors per term");
      (shape.order ? shape.sweep : shape.order) = &f;
    }
  }
  return shape;
}

uint32_t rankCount(const SelectColumns &c) {
  uint32_t high = 0;
  for (const std::vector<uint32_t> *side : {&c.keys, &c.queries})
    for (uint32_t r : *side)
      high = std::max(high, r);
  return high + 1;
}

/// Step 2: the keys' and queries' groups (NoGroup: a query whose tuple no
/// key has); returns the number of groups.
uint32_t group(const TermShape &shape, size_t n, std::vector<uint32_t> &keyGroup,
               std::vector<uint32_t> &queryGroup) {
  if (shape.equal.empty()) {
    keyGroup.assign(n, 0);
    queryGroup.assign(n, 0);
    return 1;
  }
  keyGroup = shape.equal[0]->keys;
  queryGroup = shape.equal[0]->queries;
  uint32_t groups = rankCount(*shape.equal[0]);
  for (size_t i = 1; i < shape.equal.size(); ++i) {
    const SelectColumns &c = *shape.equal[i];
    std::unordered_map<uint64_t, uint32_t> ids;
    ids.reserve(n);
    for (size_t k = 0; k < n; ++k)
      if (shape.keyIn[k])
        keyGroup[k] =
            ids.emplace(uint64_t{keyGroup[k]} << 32 | c.keys[k], static_cast<uint32_t>(ids.size()))
                .first->second;
    for (size_t q = 0; q < n; ++q) {
      if (queryGroup[q] == NoGroup)
        continue;
      auto found = ids.find(uint64_t{queryGroup[q]} << 32 | c.queries[q]);
      queryGroup[q] = found == ids.end() ? NoGroup : found->second;
    }
    groups = static_cast<uint32_t>(ids.size());
  }
  return groups;
}

/// A stable counting sort of `members` by `bucket(member)` < `buckets`;
/// `starts` gets each bucket's first position (and the end).
template <typename Bucket>
void countingSort(std::vector<uint32_t> &members, uint32_t buckets, Bucket bucket,
                  std::vector<uint32_t> &starts) {
  starts.assign(size_t{buckets} + 1, 0);
  for (uint32_t m : members)
    ++starts[bucket(m) + 1];
  for (size_t b = 0; b < buckets; ++b)
    starts[b + 1] += starts[b];
  std::vector<uint32_t> next(starts.begin(), starts.end() - 1), sorted(members.size());
  for (uint32_t m : members)
    sorted[next[bucket(m)]++] = m;
  members.swap(sorted);
}

/// Steps 2 and 3 for one term: adds its coefficient times each row's
/// count, position sum and weight sum to `out`.
/// A Fenwick tree of sums over positions 0..size-1.
template <typename T> class PrefixSums {
public:
  explicit PrefixSums(size_t size) : tree(size + 1, 0) {}
  void add(size_t at, T value) {
    for (size_t i = at + 1; i < tree.size(); i += i & -i)
      tree[i] += value;
  }
  /// The sum over [0, end).
  T before(size_t end) const {
    T sum = 0;
    for (size_t i = end; i; i -= i & -i)
      sum += tree[i];
    return sum;
  }

private:
  std::vector<T> tree;
};

/// Where a query's keys lie in its group's slice [lo, hi) of `ranks`
/// (sorted), by the order factor's relation; narrows [lo, hi).
void narrow(const Factor &order, size_t q, const std::vector<uint32_t> &ranks, uint32_t &lo,
            uint32_t &hi) {
  uint32_t r = order.columns->queries[q];
  auto first = ranks.begin() + lo, last = ranks.begin() + hi;
  uint8_t relation = order.relation;
  auto bound = relation == KeyBelow || relation == (KeyAbove | KeyEqual)
                   ? std::lower_bound(first, last, r)
                   : std::upper_bound(first, last, r);
  uint32_t at = static_cast<uint32_t>(bound - ranks.begin());
  (relation & KeyBelow ? hi : lo) = at;
}

/// Step 3 with a second order factor (a 2-D dominance count): the keys
/// enter a Fenwick tree over their places in `members` in the order of
/// the swept factor's ranks, and each query reads its slice once the keys
/// its swept comparison accepts have entered. O(n log n).
void addSwept(const TermShape &shape, const std::vector<uint32_t> &queryGroup,
              const std::vector<uint32_t> &members, const std::vector<uint32_t> &starts,
              const std::vector<uint32_t> &ranks, const std::vector<int64_t> *weights,
              int64_t coefficient, RowStats &out) {
  const Factor &sweep = *shape.sweep;
  size_t n = queryGroup.size(), groups = starts.size() - 1;
  // Keys above (at or above) the query: the same as below on flipped ranks.
  uint32_t top = rankCount(*sweep.columns) - 1;
  bool flip = !(sweep.relation & KeyBelow), strict = !(sweep.relation & KeyEqual);
  auto rankOf = [&](const std::vector<uint32_t> &side, size_t i) {
    return flip ? top - side[i] : side[i];
  };
  std::vector<uint32_t> byRank(members.size()), queries, unused;
  for (uint32_t i = 0; i < members.size(); ++i)
    byRank[i] = i;
  countingSort(
      byRank, top + 1, [&](uint32_t i) { return rankOf(sweep.columns->keys, members[i]); }, unused);
  for (size_t q = 0; q < n; ++q)
    if (shape.queryIn[q] && queryGroup[q] < groups)
      queries.push_back(static_cast<uint32_t>(q));
  countingSort(
      queries, top + 1, [&](uint32_t q) { return rankOf(sweep.columns->queries, q); }, unused);
  PrefixSums<int64_t> counts(members.size()), positions(members.size());
  PrefixSums<__int128> weightSums(weights ? members.size() : 0);
  size_t entered = 0;
  for (uint32_t q : queries) {
    uint32_t r = rankOf(sweep.columns->queries, q);
    for (; entered < byRank.size(); ++entered) {
      uint32_t i = byRank[entered], k = members[i], kr = rankOf(sweep.columns->keys, k);
      if (strict ? kr >= r : kr > r)
        break;
      counts.add(i, 1);
      positions.add(i, k);
      if (weights)
        weightSums.add(i, (*weights)[k]);
    }
    uint32_t lo = starts[queryGroup[q]], hi = starts[queryGroup[q] + 1];
    narrow(*shape.order, q, ranks, lo, hi);
    out.count[q] += coefficient * (counts.before(hi) - counts.before(lo));
    out.positionSum[q] += coefficient * (positions.before(hi) - positions.before(lo));
    if (weights)
      out.weightSum[q] += coefficient * (weightSums.before(hi) - weightSums.before(lo));
  }
}

/// Steps 2 and 3 for one term: adds its coefficient times each row's
/// count, position sum and weight sum to `out`.
void addTerm(const Term &term, size_t n, const std::vector<int64_t> *weights, RowStats &out) {
  std::optional<TermShape> shape = shapeOf(term, n);
  if (!shape)
    return;
  std::vector<uint32_t> keyGroup, queryGroup;
  uint32_t groups = group(*shape, n, keyGroup, queryGroup);
  std::vector<uint32_t> members, starts;
  for (size_t k = 0; k < n; ++k)
    if (shape->keyIn[k])
      members.push_back(static_cast<uint32_t>(k));
  const std::vector<uint32_t> *orderKeys = shape->order ? &shape->order->columns->keys : nullptr;
  if (orderKeys)
    countingSort(
        members, rankCount(*shape->order->columns), [&](uint32_t k) { return (*orderKeys)[k]; },
        starts);
  countingSort(
      members, groups, [&](uint32_t k) { return keyGroup[k]; }, starts);
  std::vector<uint32_t> ranks;
  if (orderKeys)
    for (uint32_t k : members)
      ranks.push_back((*orderKeys)[k]);
  if (shape->sweep)
    return addSwept(*shape, queryGroup, members, starts, ranks, weights, term.coefficient, out);

  std::vector<int64_t> positions(members.size() + 1, 0);
  std::vector<__int128> weightSums(weights ? members.size() + 1 : 0, 0);
  for (size_t i = 0; i < members.size(); ++i) {
    positions[i + 1] = positions[i] + members[i];
    if (weights)
      weightSums[i + 1] = weightSums[i] + (*weights)[members[i]];
  }
  int64_t c = term.coefficient;
  for (size_t q = 0; q < n; ++q) {
    if (!shape->queryIn[q] || queryGroup[q] >= groups)
      continue;
    uint32_t lo = starts[queryGroup[q]], hi = starts[queryGroup[q] + 1];
    if (orderKeys)
      narrow(*shape->order, q, ranks, lo, hi);
    out.count[q] += c * (hi - lo);
    out.positionSum[q] += c * (positions[hi] - positions[lo]);
    if (weights)
      out.weightSum[q] += c * (weightSums[hi] - weightSums[lo]);
  }
}

} // namespace

std::optional<LinearForm> eval::decompose(const Node *selector, const ColumnsOf &columnsOf) {
  std::unordered_map<const Node *, LinearForm> forms;
  auto notSelector = [](const Node *node) { return !node->isSelector(); };
  for (const Node *node : graph::topologicalOrder(selector, notSelector)) {
    std::optional<LinearForm> form;
    switch (node->kind) {
    case NodeKind::Select:
      form = leaf(node, columnsOf(node));
      break;
    case NodeKind::SelectorNot:
      form = sum(One, forms.at(node->inputs[0]), -1);
      break;
    case NodeKind::SelectorAnd:
      form = product(forms.at(node->inputs[0]), forms.at(node->inputs[1]));
      break;
    case NodeKind::SelectorOr:
      if ((form = product(forms.at(node->inputs[0]), forms.at(node->inputs[1]))))
        form = sum(sum(forms.at(node->inputs[0]), forms.at(node->inputs[1]), 1), *form, -1);
      break;
    default:
      assert(false && "a selector's inputs below its selects are s-ops");
    }
    if (!form || form->size() > MaxTerms)
      return std::nullopt;
    forms.emplace(node, std::move(*form));
  }
  return std::move(forms.at(selector));
}

RowStats eval::fusedStats(const LinearForm &form, size_t n, const std::vector<int64_t> *weights) {
  RowStats out;
  out.count.assign(n, 0);
  out.positionSum.assign(n, 0);
  if (weights)
    out.weightSum.assign(n, 0);
  for (const Term &term : form)
    addTerm(term, n, weights, out);
  return out;
}

std::optional<OrderedSelection> eval::selectInOrder(const LinearForm &form, size_t n) {
  OrderedSelection out;
  out.first.assign(n, 0);
  out.count.assign(n, 0);
  if (form.empty())
    return out;
  if (form.size() > 1 || form[0].coefficient != 1)
    return std::nullopt;
  std::optional<TermShape> shape = shapeOf(form[0], n);
  if (!shape)
    return out;
  if (shape->sweep)
    return std::nullopt;
  std::vector<uint32_t> keyGroup, queryGroup, starts;
  uint32_t groups = group(*shape, n, keyGroup, queryGroup);
  for (size_t k = 0; k < n; ++k)
    if (shape->keyIn[k])
      out.members.push_back(static_cast<uint32_t>(k));
  countingSort(
      out.members, groups, [&](uint32_t k) { return keyGroup[k]; }, starts);
  out.starts = starts;
  std::vector<uint32_t> ranks;
  bool rising = true;
  if (shape->order) {
    rising = shape->order->relation & KeyBelow;
    for (uint32_t k : out.members)
      ranks.push_back(shape->order->columns->keys[k]);
    for (uint32_t g = 0; g < groups; ++g)
      for (uint32_t i = starts[g] + 1; i < starts[g + 1]; ++i)
        if (rising ? ranks[i] < ranks[i - 1] : ranks[i] > ranks[i - 1])
          return std::nullopt;
  }
  for (size_t q = 0; q < n; ++q) {
    if (!shape->queryIn[q] || queryGroup[q] >= groups)
      continue;
    uint32_t lo = starts[queryGroup[q]], hi = starts[queryGroup[q] + 1];
    if (shape->order) {
      uint32_t r = shape->order->columns->queries[q];
      auto first = ranks.begin() + lo, last = ranks.begin() + hi;
      uint8_t relation = shape->order->relation;
      // The selected keys lead the group: those below (at or below) the
      // query's rank in a rising group, above (at or above) it in a falling one.
      auto end = relation == KeyBelow                ? std::lower_bound(first, last, r)
                 : relation == (KeyBelow | KeyEqual) ? std::upper_bound(first, last, r)
                 : relation == KeyAbove ? std::lower_bound(first, last, r, std::greater<>())
                                        : std::upper_bound(first, last, r, std::greater<>());
      hi = static_cast<uint32_t>(end - ranks.begin());
    }
    out.first[q] = lo;
    out.count[q] = hi - lo;
  }
  return out;
}
