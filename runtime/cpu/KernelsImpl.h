// The CPU kernels' loops, written once and compiled once per instruction set:
// KernelsSse2.cpp, KernelsAvx2.cpp and KernelsAvx512.cpp each define
// RASP_KERNEL_NAMESPACE and RASP_KERNEL_ISA and include this file, with their
// own -m flags. Everything here lives in that namespace, and the loops call
// no inline function from another header, so that no code built for a wider
// instruction set can be shared (through the linker's merging of inline
// functions) with a caller on a CPU that lacks it. The compiler vectorises
// the inner loops; __restrict tells it the arrays do not overlap.
#include "runtime/cpu/Kernels.h"

#if defined(__AVX512F__)
#include <immintrin.h>
#endif

#if !defined(RASP_KERNEL_NAMESPACE) || !defined(RASP_KERNEL_ISA)
#error "define RASP_KERNEL_NAMESPACE and RASP_KERNEL_ISA before including KernelsImpl.h"
#endif

namespace rasp::runtime::cpu::RASP_KERNEL_NAMESPACE {
namespace {

/// e^x for x <= 0, as a polynomial the compiler vectorises (Cephes' expf:
/// within 2 ulp of the C library's), 0 below -87 (e^-87 < 2^-125, where
/// the scaling by 2^n would leave the normal floats).
inline float expOf(float x) {
  const float n = (x * 1.44269504088896341f + 12582912.0f) - 12582912.0f; // round(x / ln 2)
  const float r = x - n * 0.693359375f + n * 2.12194440e-4f;
  float p = 1.9875691500e-4f;
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  p = p * r * r + r + 1.0f;
  // (Shifted unsigned: below -87 the exponent is out of range, and the
  // result, unused, must not be undefined behaviour.)
  const float scale =
      __builtin_bit_cast(float, static_cast<uint32_t>(static_cast<int32_t>(n) + 127) << 23);
  return x < -87.0f ? 0.0f : p * scale;
}
inline double expOf(double x) { return __builtin_exp(x); }

/// The largest and the sum of x[0..n), in lanes the compiler can keep in
/// vector registers (one running value would have to stay in order).
template <typename T> inline T maxOf(const T *__restrict x, int64_t n) {
  constexpr int64_t Lanes = 16;
  T top = x[0];
  int64_t k = 0;
  if (n >= Lanes) {
    T lanes[Lanes];
    for (int64_t t = 0; t < Lanes; ++t)
      lanes[t] = x[t];
    for (k = Lanes; k + Lanes <= n; k += Lanes)
      for (int64_t t = 0; t < Lanes; ++t)
        lanes[t] = x[k + t] > lanes[t] ? x[k + t] : lanes[t];
    for (int64_t t = 0; t < Lanes; ++t)
      top = lanes[t] > top ? lanes[t] : top;
  }
  for (; k < n; ++k)
    top = x[k] > top ? x[k] : top;
  return top;
}
template <typename T> inline T sumOf(const T *__restrict x, int64_t n) {
  constexpr int64_t Lanes = 16;
  T lanes[Lanes] = {};
  int64_t k = 0;
  for (; k + Lanes <= n; k += Lanes)
    for (int64_t t = 0; t < Lanes; ++t)
      lanes[t] += x[k + t];
  T sum = 0;
  for (; k < n; ++k)
    sum += x[k];
  for (int64_t t = 0; t < Lanes; ++t)
    sum += lanes[t];
  return sum;
}

template <typename T> inline void axpy(T a, const T *__restrict x, T *__restrict y, int64_t n) {
  for (int64_t j = 0; j < n; ++j)
    y[j] += a * x[j];
}

/// The sum of x[0..n) * y[0..n), in 16 lanes that the compiler can keep in
/// vector registers (a single running sum would have to stay in order).
template <typename T> inline T dot(const T *__restrict x, const T *__restrict y, int64_t n) {
  constexpr int64_t Lanes = 16;
  T lanes[Lanes] = {};
  int64_t k = 0;
  for (; k + Lanes <= n; k += Lanes)
    for (int64_t t = 0; t < Lanes; ++t)
      lanes[t] += x[k + t] * y[k + t];
  T sum = 0;
  for (; k < n; ++k)
    sum += x[k] * y[k];
  for (int64_t t = 0; t < Lanes; ++t)
    sum += lanes[t];
  return sum;
}

template <typename T> void accumulate(SparseRows<T> x, WeightView<T> w, T *out) {
  const int64_t c = w.cols;
  for (int64_t r = 0; r < x.rows; ++r) {
    T *__restrict o = out + r * c;
    for (int32_t e = x.start[r]; e < x.start[r + 1]; ++e) {
      const int64_t k = x.index[e];
      const T v = x.value[e];
      if (w.dense) {
        axpy(v, w.dense + k * c, o, c);
        continue;
      }
      if (w.denseRowOf[k] >= 0) {
        axpy(v, w.denseRows + static_cast<int64_t>(w.denseRowOf[k]) * c, o, c);
        continue;
      }
      const int32_t *__restrict col = w.col;
      const T *__restrict value = w.value;
      for (int32_t t = w.rowStart[k]; t < w.rowStart[k + 1]; ++t)
        o[col[t]] += v * value[t];
    }
  }
}

/// Whether compress keeps v.
template <typename T> inline bool keep(T v, bool positive) {
  return positive ? v > T(0) : v != T(0);
}

/// Compresses x[0..Block) (the columns base..base + Block of a row) into
/// index and value; returns how many it kept: a test of the whole block
/// (all zeros, most often), then a branch-free loop that writes every value
/// and keeps the ones that count.
constexpr int64_t Block = 16;
template <typename T>
inline int32_t compressBlock(const T *x, int32_t base, bool positive, int32_t *index, T *value) {
  int any = 0;
  for (int64_t t = 0; t < Block; ++t)
    any |= positive ? x[t] > T(0) : x[t] != T(0);
  if (!any)
    return 0;
  int32_t count = 0;
  for (int64_t t = 0; t < Block; ++t) {
    index[count] = base + static_cast<int32_t>(t);
    value[count] = x[t];
    count += keep(x[t], positive);
  }
  return count;
}
#if defined(__AVX512F__)
/// The same for floats as two compressing stores.
template <>
inline int32_t compressBlock(const float *x, int32_t base, bool positive, int32_t *index,
                             float *value) {
  __m512 v = _mm512_loadu_ps(x);
  __mmask16 m = positive ? _mm512_cmp_ps_mask(v, _mm512_setzero_ps(), _CMP_GT_OQ)
                         : _mm512_cmp_ps_mask(v, _mm512_setzero_ps(), _CMP_NEQ_UQ);
  if (!m)
    return 0;
  _mm512_mask_compressstoreu_ps(value, m, v);
  __m512i columns =
      _mm512_add_epi32(_mm512_set1_epi32(base),
                       _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15));
  _mm512_mask_compressstoreu_epi32(index, m, columns);
  return __builtin_popcount(m);
}
#endif

template <typename T>
void compress(const T *x, int64_t rows, int64_t cols, bool positive, int32_t *start, int32_t *index,
              T *value) {
  int32_t count = 0;
  for (int64_t r = 0; r < rows; ++r) {
    start[r] = count;
    const T *row = x + r * cols;
    int64_t j = 0;
    for (; j + Block <= cols; j += Block)
      count +=
          compressBlock(row + j, static_cast<int32_t>(j), positive, index + count, value + count);
    for (; j < cols; ++j) {
      index[count] = static_cast<int32_t>(j);
      value[count] = row[j];
      count += keep(row[j], positive);
    }
  }
  start[rows] = count;
}

template <typename T> void scores(SparseRows<T> queries, const T *kt, int64_t n, T scale, T *s) {
  for (int64_t q = 0; q < queries.rows; ++q) {
    T *__restrict row = s + q * n;
    for (int64_t k = 0; k < n; ++k)
      row[k] = T(0);
    for (int32_t e = queries.start[q]; e < queries.start[q + 1]; ++e)
      axpy(queries.value[e], kt + static_cast<int64_t>(queries.index[e]) * n, row, n);
    for (int64_t k = 0; k < n; ++k)
      row[k] *= scale;
  }
}

template <typename T> void softmax(T *s, int64_t n, bool causal) {
  for (int64_t q = 0; q < n; ++q) {
    T *__restrict row = s + q * n;
    const int64_t end = causal ? q + 1 : n;
    const T top = maxOf(row, end);
    for (int64_t k = 0; k < end; ++k)
      row[k] = expOf(row[k] - top);
    for (int64_t k = end; k < n; ++k)
      row[k] = T(0);
    const T sum = sumOf(row, end);
    for (int64_t k = 0; k < end; ++k)
      row[k] /= sum;
  }
}

template <typename T> void mix(const T *s, int64_t n, const T *v, int64_t dv, T *out) {
  for (int64_t q = 0; q < n; ++q)
    for (int64_t k = 0; k < n; ++k) {
      const T p = s[q * n + k];
      if (p != T(0))
        axpy(p, v + k * dv, out + q * dv, dv);
    }
}

template <typename T> void mixTransposed(const T *s, int64_t n, const T *vt, int64_t dv, T *out) {
  for (int64_t q = 0; q < n; ++q)
    for (int64_t c = 0; c < dv; ++c)
      out[q * dv + c] += dot(s + q * n, vt + c * n, n);
}

template <typename T> void gemm(const T *a, const T *b, T *c, int64_t m, int64_t k, int64_t n) {
  constexpr int64_t Rows = 4, Cols = 64;
  for (int64_t i0 = 0; i0 < m; i0 += Rows)
    for (int64_t j0 = 0; j0 < n; j0 += Cols) {
      T acc[Rows][Cols] = {};
      for (int64_t p = 0; p < k; ++p) {
        const T *__restrict brow = b + p * n + j0;
        for (int64_t r = 0; r < Rows; ++r) {
          const T x = a[(i0 + r) * k + p];
          for (int64_t j = 0; j < Cols; ++j)
            acc[r][j] += x * brow[j];
        }
      }
      for (int64_t r = 0; r < Rows; ++r)
        for (int64_t j = 0; j < Cols; ++j)
          c[(i0 + r) * n + j0 + j] = acc[r][j];
    }
}

template <typename T> Kernels<T> table() {
  return {RASP_KERNEL_ISA, accumulate<T>, compress<T>,      scores<T>,
          softmax<T>,      mix<T>,        mixTransposed<T>, gemm<T>};
}

} // namespace

const Kernels<float> &kernelsF32() {
  static const Kernels<float> kernels = table<float>();
  return kernels;
}
const Kernels<double> &kernelsF64() {
  static const Kernels<double> kernels = table<double>();
  return kernels;
}

} // namespace rasp::runtime::cpu::RASP_KERNEL_NAMESPACE
