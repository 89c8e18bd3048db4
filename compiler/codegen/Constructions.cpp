// Weight constructions: attention scores and gated lookup MLPs.
#include "compiler/codegen/Constructions.h"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <map>
#include <numeric>

using namespace rasp;
using namespace rasp::codegen;

void codegen::addScaled(Sparse &a, const Sparse &b, double weight) {
  if (weight == 0)
    return;
  for (const auto &entry : b) {
    int dim = entry.first;
    double w = entry.second;
    auto it = std::find_if(a.begin(), a.end(), [&](const auto &e) { return e.first == dim; });
    if (it == a.end())
      a.emplace_back(dim, w * weight);
    else
      it->second += w * weight;
  }
  a.erase(std::remove_if(a.begin(), a.end(), [](const auto &e) { return e.second == 0; }),
          a.end());
}

namespace {

/// Sums of sparse forms over a dense scratch row (fast for wide sums); the
/// result is sorted by dimension.
class Accumulator {
public:
  void add(const Sparse &form, double weight) {
    for (const auto &[dim, w] : form) {
      if (static_cast<size_t>(dim) >= sums.size())
        sums.resize(dim + 1, 0.0), seen.resize(dim + 1, 0);
      if (!seen[dim])
        seen[dim] = 1, touched.push_back(dim);
      sums[dim] += w * weight;
    }
  }
  Sparse take() {
    if (!std::is_sorted(touched.begin(), touched.end()))
      std::sort(touched.begin(), touched.end());
    Sparse out;
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

} // namespace

void codegen::buildScores(const std::vector<ScoreGroup> &groups,
                          const ScoreOptions &options, HeadPlan &head) {
  double s = options.scale;
  Accumulator sum;
  for (const ScoreGroup &g : groups) {
    size_t nq = g.queryReads.size(), nk = g.keyReads.size();
    // One head dimension per value of the smaller side (the query's on a
    // tie: the table is read along its rows).
    if (nk < nq) {
      for (size_t k = 0; k < nk; ++k) {
        for (size_t q = 0; q < nq; ++q)
          if (g.table[q][k])
            sum.add(g.queryReads[q], s);
        Sparse query = sum.take();
        if (query.empty())
          continue;
        head.query.push_back(std::move(query));
        head.key.push_back(g.keyReads[k]);
      }
      continue;
    }
    for (size_t q = 0; q < nq; ++q) {
      for (size_t k = 0; k < nk; ++k)
        if (g.table[q][k])
          sum.add(g.keyReads[k], 1.0);
      Sparse key = sum.take();
      if (key.empty())
        continue;
      Sparse query;
      addScaled(query, g.queryReads[q], s);
      head.query.push_back(std::move(query));
      head.key.push_back(std::move(key));
    }
  }
  // BOS: bosScore for every query; the BOS query (whose readings are all
  // zero) scores it far above every other key.
  double groupsCount = static_cast<double>(groups.size());
  head.query.push_back({{options.oneDim, s * options.bosScore},
                        {options.bosDim, s * (std::fabs(options.bosScore) + groupsCount + 2)}});
  head.key.push_back({{options.bosDim, 1.0}});
}

namespace {

/// Switches a unit off at BOS: subtracts more than its largest activation
/// there, where one-hot readings are at most 1.5 and the numerical input's
/// contribution at most `numericBound`.
void killAtBos(HiddenUnit &unit, double numericBound, const Sparse &numericPart, int bosDim) {
  double most = std::fabs(unit.bias) + numericBound + 1;
  for (const auto &[dim, w] : unit.in) {
    double numeric = 0;
    for (const auto &[d, v] : numericPart)
      if (d == dim)
        numeric += v;
    most += std::fabs(w - numeric) * 1.5;
  }
  unit.in.emplace_back(bosDim, -most);
}

Sparse difference(const Sparse &a, const Sparse &b) {
  Sparse out = a;
  addScaled(out, b, -1.0);
  return out;
}

} // namespace

namespace {

/// Appends a form's bytes to a signature.
void appendSignature(std::string &signature, const Sparse &form) {
  for (const auto &[dim, w] : form) {
    signature.append(reinterpret_cast<const char *>(&dim), sizeof dim);
    signature.append(reinterpret_cast<const char *>(&w), sizeof w);
  }
  signature.push_back('|');
}

} // namespace

std::vector<HiddenUnit> codegen::buildLookup(const LookupSpec &spec) {
  size_t m = spec.categorical.size();
  if (std::any_of(spec.categorical.begin(), spec.categorical.end(),
                  [](const auto &dims) { return dims.empty(); }))
    return {};
  std::vector<int> order;
  double lo = 0, hi = 0;
  if (spec.numeric) {
    const std::vector<double> &levels = spec.numeric->levels;
    order.resize(levels.size());
    std::iota(order.begin(), order.end(), 0);
    std::sort(order.begin(), order.end(), [&](int a, int b) { return levels[a] < levels[b]; });
    lo = levels[order.front()];
    hi = levels[order.back()];
  } else {
    order = {-1};
  }
  double numericMost = std::max(std::fabs(lo), std::fabs(hi)) + 1;

  // 1. The output of every combination at each numerical level it can
  // take (positions in `order`, ascending).
  double combos = 1;
  for (const auto &dims : spec.categorical)
    combos *= static_cast<double>(dims.size());
  if (!spec.levelsAt &&
      combos * static_cast<double>(order.size()) > 50.0 * static_cast<double>(spec.maxUnits))
    throw LookupError{"its inputs combine in " +
                      std::to_string(static_cast<long long>(combos * order.size())) +
                      " ways, too many to tabulate"};
  size_t count = static_cast<size_t>(combos);
  std::vector<int> positionOf(order.size());
  for (size_t j = 0; j < order.size(); ++j)
    if (order[j] >= 0)
      positionOf[order[j]] = static_cast<int>(j);
  std::vector<int> everyPosition(order.size());
  std::iota(everyPosition.begin(), everyPosition.end(), 0);
  struct Row {
    std::vector<int> positions;
    std::vector<Sparse> outputs;
  };
  std::vector<Row> table(count);
  double entries = 0;
  std::vector<int> at(m, 0);
  for (size_t c = 0; c < count; ++c) {
    Row &row = table[c];
    if (spec.levelsAt) {
      for (int level : spec.levelsAt(at))
        row.positions.push_back(positionOf[level]);
      std::sort(row.positions.begin(), row.positions.end());
    } else {
      row.positions = everyPosition;
    }
    entries += static_cast<double>(row.positions.size());
    if (entries > 50.0 * static_cast<double>(spec.maxUnits))
      throw LookupError{"its inputs combine in more than " +
                        std::to_string(50 * spec.maxUnits) + " ways, too many to tabulate"};
    for (int j : row.positions)
      row.outputs.push_back(spec.output(at, order[j]));
    for (size_t i = 0; i < m && ++at[i] == static_cast<int>(spec.categorical[i].size()); ++i)
      at[i] = 0;
  }
  // 2. Values of an input that give the same outputs with every combination
  // of the others form a class, gated as one (the sum of their one-hots).
  std::vector<std::vector<std::vector<int>>> classes(m);
  {
    std::vector<std::vector<std::string>> signatures(m);
    for (size_t i = 0; i < m; ++i)
      signatures[i].resize(spec.categorical[i].size());
    std::fill(at.begin(), at.end(), 0);
    std::string rowSignature;
    for (size_t c = 0; c < count; ++c) {
      rowSignature.clear();
      const Row &row = table[c];
      for (size_t r = 0; r < row.positions.size(); ++r) {
        if (spec.levelsAt)
          rowSignature.append(reinterpret_cast<const char *>(&row.positions[r]), sizeof(int));
        appendSignature(rowSignature, row.outputs[r]);
      }
      rowSignature.push_back('#');
      for (size_t i = 0; i < m; ++i)
        signatures[i][at[i]] += rowSignature;
      for (size_t i = 0; i < m && ++at[i] == static_cast<int>(spec.categorical[i].size()); ++i)
        at[i] = 0;
    }
    for (size_t i = 0; i < m; ++i) {
      std::map<std::string, size_t> classOf;
      for (size_t v = 0; v < signatures[i].size(); ++v) {
        auto [it, added] = classOf.emplace(std::move(signatures[i][v]), classes[i].size());
        if (added)
          classes[i].emplace_back();
        classes[i][it->second].push_back(static_cast<int>(v));
      }
    }
  }
  std::vector<size_t> strides(m, 1);
  for (size_t i = 1; i < m; ++i)
    strides[i] = strides[i - 1] * spec.categorical[i - 1].size();

  std::vector<HiddenUnit> units;
  std::vector<size_t> cls(m, 0);
  auto add = [&](HiddenUnit unit, double slope = 0) {
    Sparse numericPart;
    if (slope != 0)
      addScaled(numericPart, spec.numeric->form, slope);
    killAtBos(unit, slope * numericMost, numericPart, spec.bosDim);
    units.push_back(std::move(unit));
    if (units.size() > spec.maxUnits)
      throw LookupError{"it needs more than " + std::to_string(spec.maxUnits) +
                        " units in one MLP"};
  };
  while (true) {
    // The gate: exactly 1 on this combination of classes, <= -1 on any other.
    Sparse gate;
    size_t representative = 0;
    for (size_t i = 0; i < m; ++i) {
      for (int v : classes[i][cls[i]])
        gate.emplace_back(spec.categorical[i][v], 2.0);
      representative += strides[i] * static_cast<size_t>(classes[i][cls[i]][0]);
    }
    double gateBias = 1.0 - 2.0 * static_cast<double>(m);
    gate.emplace_back(spec.oneDim, gateBias);
    const Row &row = table[representative];
    if (!spec.numeric) {
      if (!row.outputs[0].empty())
        add({gate, 0, row.outputs[0]});
    } else if (!row.positions.empty()) {
      const std::vector<double> &levels = spec.numeric->levels;
      const Sparse *previous = &row.outputs[0];
      if (!previous->empty())
        add({gate, 0, *previous});
      for (size_t r = 1; r < row.positions.size(); ++r) {
        Sparse delta = difference(row.outputs[r], *previous);
        previous = &row.outputs[r];
        double left = levels[order[row.positions[r - 1]]];
        double right = levels[order[row.positions[r]]];
        if (delta.empty())
          continue;
        assert(right > left && "numerical levels must be distinct");
        double slope = 2.0 / (right - left), threshold = (left + right) / 2;
        // Pre-activations are within 1/2 of a switch point only between the
        // levels; noise and float32 rounding must stay well inside that.
        double magnitude = slope * std::max(std::fabs(hi - threshold), std::fabs(threshold - lo));
        if (slope * spec.numeric->noise > 0.125 || magnitude * 4e-7 > 0.125)
          throw LookupError{"its numerical input takes the values " + std::to_string(left) +
                            " and " + std::to_string(right) +
                            ", too close to tell apart exactly in float32 (a precision "
                            "limit at this max_len)"};
        // Off the combination the gate is <= -1: shifting by half the gap
        // pushes both step units below zero at every level.
        double shift = m ? (slope * std::max(hi - threshold, threshold - lo) + 1) : 0;
        HiddenUnit up;
        addScaled(up.in, spec.numeric->form, slope);
        addScaled(up.in, gate, shift / 2);
        addScaled(up.in, {{spec.oneDim, 1.0}}, -slope * threshold + 0.5 - shift / 2);
        HiddenUnit down = up;
        addScaled(down.in, {{spec.oneDim, 1.0}}, -1.0);
        up.out = delta;
        down.out = delta;
        for (auto &e : down.out)
          e.second = -e.second;
        add(std::move(up), slope);
        add(std::move(down), slope);
      }
    }
    size_t i = 0;
    while (i < m && ++cls[i] == classes[i].size())
      cls[i++] = 0;
    if (i == m)
      break;
  }
  return units;
}
