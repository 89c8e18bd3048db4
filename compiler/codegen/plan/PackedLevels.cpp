// The levels of packed prefix counts, width by width.
#include "compiler/codegen/plan/PackedLevels.h"

#include <algorithm>
#include <cmath>
#include <numeric>

using namespace rasp::codegen;

int PackedLevels::add(int64_t k, int64_t w) {
  if (lowest.size() <= static_cast<size_t>(w))
    lowest.resize(w + 1, HUGE_VAL), highest.resize(w + 1, -HUGE_VAL);
  lowest[w] = std::min(lowest[w], static_cast<double>(k) / static_cast<double>(w));
  highest[w] = std::max(highest[w], static_cast<double>(k) / static_cast<double>(w));
  if (byWidth) {
    packed.push_back(k);
    return -1;
  }
  int64_t g = std::gcd(k < 0 ? -k : k, w);
  auto [it, added] = indexOf.emplace(std::make_pair(k / g, w / g), 0);
  if (added) {
    it->second = static_cast<int>(rational.size());
    rational.push_back(it->first);
  }
  return it->second;
}
bool PackedLevels::list(const std::optional<std::vector<int64_t>> &steps,
                        const std::vector<int64_t> &weight,
                        const std::function<std::pair<int64_t, int64_t>(size_t, int64_t)> &range,
                        int64_t maxLen, size_t maxUnits) {
  size_t combinations = weight.size();
  double most = static_cast<double>(maxUnits) * (byWidth ? 50 : 1);
  std::vector<int64_t> sums = {0}, next;
  ofWidth.resize(maxLen + 1);
  double count = 0;
  for (int64_t w = 1; w <= maxLen; ++w) {
    double box = 1;
    if (steps && static_cast<double>(sums.size()) * static_cast<double>(steps->size()) >
                     50.0 * static_cast<double>(maxUnits)) {
      box = HUGE_VAL; // (Too many to list, let alone to tabulate.)
    } else if (steps) {
      next.clear();
      for (int64_t k : sums)
        for (int64_t step : *steps)
          next.push_back(k + step);
      std::sort(next.begin(), next.end());
      next.erase(std::unique(next.begin(), next.end()), next.end());
      sums.swap(next);
      box = static_cast<double>(sums.size());
    } else {
      for (size_t q = 0; q < combinations; ++q)
        box *= static_cast<double>(range(q, w).second - range(q, w).first + 1);
    }
    count += box;
    if (count > most)
      return false;
    if (steps) {
      for (int64_t k : sums)
        if (int level = add(k, w); level >= 0)
          ofWidth[w].push_back(level);
      continue;
    }
    std::vector<int64_t> digit(combinations);
    for (size_t q = 0; q < combinations; ++q)
      digit[q] = range(q, w).first;
    while (true) {
      int64_t k = 0;
      for (size_t q = 0; q < combinations; ++q)
        k += weight[q] * digit[q];
      if (int level = add(k, w); level >= 0)
        ofWidth[w].push_back(level);
      size_t q = 0;
      while (q < combinations && ++digit[q] > range(q, w).second)
        digit[q] = range(q, w).first, ++q;
      if (q == combinations)
        break;
    }
  }
  return true;
}