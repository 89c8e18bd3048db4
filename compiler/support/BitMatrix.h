// A boolean matrix packed in 64-bit words, one row per query and one bit per
// key: the evaluator's selector values (n x n) and the select decisions the
// planner tabulates over value sets. Rows combine word by word (and, or,
// not), so a table of millions of cells takes milliseconds to build and scan.
#pragma once

#include <cassert>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace rasp {

class BitMatrix {
public:
  BitMatrix() = default;
  BitMatrix(size_t rows, size_t cols)
      : rowCount(rows), colCount(cols), words((cols + 63) / 64), bits(rows * words, 0) {}

  size_t rows() const { return rowCount; }
  size_t cols() const { return colCount; }
  size_t wordsPerRow() const { return words; }

  bool get(size_t r, size_t c) const {
    assert(r < rowCount && c < colCount && "a cell inside the table");
    return (bits[r * words + c / 64] >> (c % 64)) & 1;
  }
  void set(size_t r, size_t c, bool value = true) {
    assert(r < rowCount && c < colCount && "a cell inside the table");
    uint64_t mask = uint64_t{1} << (c % 64);
    uint64_t &word = bits[r * words + c / 64];
    word = value ? (word | mask) : (word & ~mask);
  }

  uint64_t *row(size_t r) { return bits.data() + r * words; }
  const uint64_t *row(size_t r) const { return bits.data() + r * words; }

  /// The bits of the last word of a row that are cells.
  uint64_t lastWordMask() const {
    return colCount % 64 == 0 ? ~uint64_t{0} : (uint64_t{1} << (colCount % 64)) - 1;
  }

  /// How many cells of row r hold.
  size_t count(size_t r) const {
    size_t n = 0;
    for (size_t w = 0; w < words; ++w)
      n += static_cast<size_t>(__builtin_popcountll(row(r)[w]));
    return n;
  }

  /// Calls f(c) for every column c set in row r, in increasing order.
  template <typename F> void forEach(size_t r, F &&f) const {
    const uint64_t *at = row(r);
    for (size_t w = 0; w < words; ++w)
      for (uint64_t word = at[w]; word; word &= word - 1)
        f(w * 64 + static_cast<size_t>(__builtin_ctzll(word)));
  }

  bool operator==(const BitMatrix &other) const {
    return rowCount == other.rowCount && colCount == other.colCount && bits == other.bits;
  }

private:
  size_t rowCount = 0, colCount = 0, words = 0;
  std::vector<uint64_t> bits;
};

} // namespace rasp
