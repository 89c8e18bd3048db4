// The CPU backend's hot loops, built once per instruction set (SSE2, AVX2,
// AVX-512: KernelsSse2.cpp, KernelsAvx2.cpp, KernelsAvx512.cpp, each
// compiled with its own flags) and chosen at run time from what the CPU
// supports, so that one binary runs on any x86-64 and uses the widest
// vectors it has. The loops themselves are in KernelsImpl.h.
#pragma once

#include "runtime/Backend.h"

#include <cstdint>

namespace rasp::runtime::cpu {

enum class IsaKind { Sse2, Avx2, Avx512 };

/// "sse2", "avx2" or "avx512".
const char *isaName(IsaKind isa);

/// Rows with their zeros left out: row r holds the pairs (index[e], value[e])
/// for e in [start[r], start[r + 1]).
template <typename T> struct SparseRows {
  const int32_t *start = nullptr;
  const int32_t *index = nullptr;
  const T *value = nullptr;
  int64_t rows = 0;

  /// Rows [first, first + count) of these.
  SparseRows slice(int64_t first, int64_t count) const {
    return {start + first, index, value, count};
  }
};

/// A weight matrix, rows x cols: dense row-major, or compressed sparse rows
/// of which the densest may be kept whole (row r is then
/// denseRows[denseRowOf[r] * cols ...], where denseRowOf[r] >= 0).
template <typename T> struct WeightView {
  int64_t rows = 0, cols = 0;
  const T *dense = nullptr; ///< Set when dense.
  const int32_t *rowStart = nullptr, *col = nullptr;
  const T *value = nullptr;
  const int32_t *denseRowOf = nullptr;
  const T *denseRows = nullptr;
};

template <typename T> struct Kernels {
  IsaKind isa;
  /// out[r][j] += sum over the pairs (k, v) of row r of x: v * w[k][j];
  /// out has w.cols columns.
  void (*accumulate)(SparseRows<T> x, WeightView<T> w, T *out);
  /// The nonzeros of x (rows x cols, dense row-major), or its positive
  /// values only (a ReLU on the way), into start (rows + 1), index and value
  /// (room for rows * cols).
  void (*compress)(const T *x, int64_t rows, int64_t cols, bool positive, int32_t *start,
                   int32_t *index, T *value);
  /// One sequence's attention scores, n x n: s[q][k] = scale * sum over the
  /// pairs (j, v) of query row q: v * kt[j][k] (kt: the keys transposed,
  /// d_head x n).
  void (*scores)(SparseRows<T> queries, const T *kt, int64_t n, T scale, T *s);
  /// Softmax of each row of s (n x n) in place, over the positions up to
  /// the row's own when causal.
  void (*softmax)(T *s, int64_t n, bool causal);
  /// out[q] += sum over k of s[q][k] * v[k] (rows of dv values), skipping
  /// weights that are exactly zero.
  void (*mix)(const T *s, int64_t n, const T *v, int64_t dv, T *out);
  /// The same with the values transposed (vt: dv x n), as dot products over
  /// the positions: faster when dv is small.
  void (*mixTransposed)(const T *s, int64_t n, const T *vt, int64_t dv, T *out);
  /// c = a b, dense row-major (m x k)(k x n); m a multiple of 4 and n of 64.
  /// Only the benchmark's GEMM peak uses it.
  void (*gemm)(const T *a, const T *b, T *c, int64_t m, int64_t k, int64_t n);
};

/// Whether this CPU runs the kernels built for `isa`.
bool isaSupported(IsaKind isa);
/// The widest instruction set this CPU supports (RASP_CPU_ISA=sse2|avx2|avx512
/// in the environment asks for a narrower one).
IsaKind bestIsa();

/// The kernels built for `isa`, which the CPU must support.
const Kernels<float> &kernelsF32(IsaKind isa);
const Kernels<double> &kernelsF64(IsaKind isa);

template <typename T> const Kernels<T> &kernelsFor(IsaKind isa);
template <> inline const Kernels<float> &kernelsFor<float>(IsaKind isa) { return kernelsF32(isa); }
template <> inline const Kernels<double> &kernelsFor<double>(IsaKind isa) {
  return kernelsF64(isa);
}

/// The CPU backend (makeCpuBackend) on the kernels built for `isa`, which
/// the CPU must support: the tests run each one.
std::unique_ptr<Backend> makeCpuBackendFor(PrecisionKind precision, IsaKind isa);

} // namespace rasp::runtime::cpu
