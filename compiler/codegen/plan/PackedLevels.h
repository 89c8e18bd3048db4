// Internal to the count lookups (CountLookup.cpp): the levels a packed
// combination of prefix counts takes at each width.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <unordered_map>
#include <utility>
#include <vector>

namespace rasp::codegen {

/// The levels k / w, reduced, for every packed value k at every width w
/// (only `packed` and the ranges when the lookup reads them by width).
struct PackedLevels {
  bool byWidth = false;
  struct Hash {
    size_t operator()(const std::pair<int64_t, int64_t> &r) const {
      return std::hash<int64_t>()(r.first * 1'000'003 + r.second);
    }
  };
  std::unordered_map<std::pair<int64_t, int64_t>, int, Hash> indexOf;
  std::vector<std::pair<int64_t, int64_t>> rational;
  std::vector<std::vector<int>> ofWidth; ///< Per width: the level of each k.
  std::vector<int64_t> packed;           ///< Every k at some width.
  std::vector<double> lowest, highest;   ///< Per width: the range of k / w.

  /// Adds packed value k at width w; the index of its level k / w (-1 read
  /// by width, where only k is kept).
  int add(int64_t k, int64_t w);

  /// Lists the levels of widths 1..maxLen: at width w, the sums of w of
  /// the tokens' `steps` when they are given, else the box of the
  /// combinations' windows (`range`) packed with `weight`. False past
  /// maxUnits levels in all (50 x that read by width, where the levels of
  /// every width share one set of steps and the lookup counts its units).
  bool list(const std::optional<std::vector<int64_t>> &steps, const std::vector<int64_t> &weight,
            const std::function<std::pair<int64_t, int64_t>(size_t, int64_t)> &range,
            int64_t maxLen, size_t maxUnits);
};

} // namespace rasp::codegen
