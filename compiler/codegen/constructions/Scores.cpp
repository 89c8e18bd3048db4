// Attention scores from boolean tables: plain and chunked head dimensions.
#include "compiler/codegen/constructions/Scores.h"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <numeric>
#include <optional>

using namespace rasp;
using namespace rasp::codegen;

namespace {

constexpr size_t None = static_cast<size_t>(-1);

/// Sums of sparse forms over a dense scratch row (fast for wide sums); the
/// result is sorted by dimension.
class Accumulator {
public:
  void add(const LinearForm &form, double weight) {
    for (const auto &[dim, w] : form) {
      if (static_cast<size_t>(dim) >= sums.size())
        sums.resize(dim + 1, 0.0), seen.resize(dim + 1, 0);
      if (!seen[dim])
        seen[dim] = 1, touched.push_back(dim);
      sums[dim] += w * weight;
    }
  }
  LinearForm take() {
    if (!std::is_sorted(touched.begin(), touched.end()))
      std::sort(touched.begin(), touched.end());
    LinearForm out;
    out.reserve(touched.size());
    for (int dim : touched) {
      if (sums[dim] != 0)
        out.emplace_back(dim, sums[dim]);
      sums[dim] = 0;
      seen[dim] = 0;
    }
    touched.clear();
    return out;
  }

private:
  std::vector<double> sums;
  std::vector<char> seen;
  std::vector<int> touched;
};

/// A table whose rows nest: T[q][k] = [position[k] < length[q]], with
/// positions 0..K-1 for the keys some query selects (None for the rest).
struct Staircase {
  std::vector<size_t> length;
  std::vector<size_t> position;
};

std::optional<Staircase> staircaseOf(const BitMatrix &table) {
  size_t nq = table.rows(), words = table.wordsPerRow();
  Staircase s;
  s.length.resize(nq);
  for (size_t q = 0; q < nq; ++q)
    s.length[q] = table.count(q);
  std::vector<size_t> order(nq);
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return s.length[a] < s.length[b]; });
  // Rows by size: each must hold the previous; its new keys come next.
  s.position.assign(table.cols(), None);
  std::vector<uint64_t> previous(words, 0);
  size_t next = 0;
  for (size_t q : order) {
    const uint64_t *row = table.row(q);
    for (size_t w = 0; w < words; ++w) {
      if (previous[w] & ~row[w])
        return std::nullopt;
      for (uint64_t fresh = row[w] & ~previous[w]; fresh; fresh &= fresh - 1)
        s.position[w * 64 + static_cast<size_t>(__builtin_ctzll(fresh))] = next++;
      previous[w] = row[w];
    }
  }
  return s;
}

/// One head dimension: the form read on the side that has a dimension per
/// value (`own`) and the sum read on the other side (`other`).
struct Dimension {
  LinearForm own, other;
};

/// The chunked form of T[o][d] = [position[d] < length[o]].
std::vector<Dimension> chunkedDimensions(const std::vector<size_t> &position,
                                         const std::vector<LinearForm> &ownReads,
                                         const std::vector<size_t> &length,
                                         const std::vector<LinearForm> &otherReads) {
  std::vector<size_t> byPosition;
  for (size_t d = 0; d < position.size(); ++d)
    if (position[d] != None) {
      if (byPosition.size() <= position[d])
        byPosition.resize(position[d] + 1, None);
      byPosition[position[d]] = d;
    }
  size_t total = byPosition.size();
  if (total == 0)
    return {};
  size_t chunk = static_cast<size_t>(std::ceil(std::sqrt(static_cast<double>(total))));
  size_t chunks = (total + chunk - 1) / chunk;
  // The other side's values by the chunk where their prefix ends.
  std::vector<std::vector<size_t>> endingIn(chunks + 1);
  for (size_t o = 0; o < length.size(); ++o)
    endingIn[std::min(length[o] / chunk, chunks)].push_back(o);
  std::vector<Dimension> out;
  Accumulator sum;
  // 1. Whole chunks: chunk c is covered by every prefix ending past it.
  for (size_t c = 0; c < chunks; ++c) {
    Dimension dim;
    for (size_t p = c * chunk; p < std::min(total, (c + 1) * chunk); ++p)
      sum.add(ownReads[byPosition[p]], 1.0);
    dim.own = sum.take();
    for (size_t o = 0; o < length.size(); ++o) // (In order: no sort to take.)
      if (std::min(length[o] / chunk, chunks) > c)
        sum.add(otherReads[o], 1.0);
    dim.other = sum.take();
    if (!dim.own.empty() && !dim.other.empty())
      out.push_back(std::move(dim));
  }
  // 2. The chunk where a prefix ends: its values before the end.
  for (size_t p = 0; p < total; ++p) {
    for (size_t o : endingIn[p / chunk])
      if (length[o] > p)
        sum.add(otherReads[o], 1.0);
    Dimension dim{ownReads[byPosition[p]], sum.take()};
    if (!dim.own.empty() && !dim.other.empty())
      out.push_back(std::move(dim));
  }
  return out;
}

/// The chunked form of a staircase, with a dimension per value of the
/// smaller side; nothing when the table is not one.
std::optional<std::vector<Dimension>> chunked(const ScoreGroup &g, bool perKey) {
  std::optional<Staircase> s = staircaseOf(g.table);
  if (!s)
    return std::nullopt;
  if (perKey)
    return chunkedDimensions(s->position, g.keyReads, s->length, g.queryReads);
  // Per query: the queries by decreasing length make the order, and each
  // key is selected by the first (number of lengths past its position).
  std::vector<size_t> order(g.table.rows());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return s->length[a] > s->length[b]; });
  std::vector<size_t> rank(order.size(), None);
  for (size_t r = 0; r < order.size(); ++r)
    if (s->length[order[r]] > 0)
      rank[order[r]] = r;
  std::vector<size_t> sorted = s->length;
  std::sort(sorted.begin(), sorted.end());
  std::vector<size_t> selectedBy(g.table.cols(), 0);
  for (size_t k = 0; k < selectedBy.size(); ++k)
    if (s->position[k] != None)
      selectedBy[k] = static_cast<size_t>(
          sorted.end() - std::upper_bound(sorted.begin(), sorted.end(), s->position[k]));
  return chunkedDimensions(rank, g.queryReads, selectedBy, g.keyReads);
}

/// The plain form: a dimension per value of the smaller side.
std::vector<Dimension> plainDimensions(const ScoreGroup &g, bool perKey) {
  std::vector<Dimension> out;
  Accumulator sum;
  size_t nq = g.table.rows(), nk = g.table.cols();
  if (perKey) {
    for (size_t k = 0; k < nk; ++k) {
      for (size_t q = 0; q < nq; ++q)
        if (g.table.get(q, k))
          sum.add(g.queryReads[q], 1.0);
      Dimension dim{g.keyReads[k], sum.take()};
      if (!dim.other.empty())
        out.push_back(std::move(dim));
    }
    return out;
  }
  for (size_t q = 0; q < nq; ++q) {
    g.table.forEach(q, [&](size_t k) { sum.add(g.keyReads[k], 1.0); });
    Dimension dim{g.queryReads[q], sum.take()};
    if (!dim.other.empty())
      out.push_back(std::move(dim));
  }
  return out;
}

} // namespace

void codegen::buildScores(const std::vector<ScoreGroup> &groups, const ScoreOptions &options,
                          HeadPlan &head) {
  double s = options.scale;
  for (const ScoreGroup &g : groups) {
    size_t nq = g.queryReads.size(), nk = g.keyReads.size();
    assert(g.table.rows() == nq && g.table.cols() == nk && "a table over both sides' values");
    // One head dimension per value of the smaller side (the query's on a
    // tie: the table is read along its rows).
    bool perKey = nk < nq;
    std::optional<std::vector<Dimension>> dims;
    if (std::min(nq, nk) >= options.chunkedFrom)
      dims = chunked(g, perKey);
    if (!dims)
      dims = plainDimensions(g, perKey);
    for (Dimension &dim : *dims) {
      LinearForm query = perKey ? std::move(dim.other) : dim.own;
      for (auto &entry : query)
        entry.second *= s;
      head.query.push_back(std::move(query));
      head.key.push_back(perKey ? std::move(dim.own) : std::move(dim.other));
    }
  }
  // BOS: bosScore for every query; the BOS query (whose readings are all
  // zero) scores it far above every other key.
  double groupsCount = static_cast<double>(groups.size());
  head.query.push_back({{options.oneDim, s * options.bosScore},
                        {options.bosDim, s * (std::fabs(options.bosScore) + groupsCount + 2)}});
  head.key.push_back({{options.bosDim, 1.0}});
}
