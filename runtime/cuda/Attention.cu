// The fused attention kernel: one block per (sequence, head), one warp per query row.
#include "runtime/cuda/Attention.cuh"

#include "runtime/cuda/Check.h"

#include <cmath>

namespace rasp::runtime::cuda {

namespace {

constexpr int WarpSize = 32;
constexpr int MaxWarps = 8;

/// exp in the element's own precision (expf for float, never promoted).
__device__ float expOf(float v) { return expf(v); }
__device__ double expOf(double v) { return exp(v); }

template <typename T> __device__ T warpMax(T v) {
  for (int offset = WarpSize / 2; offset > 0; offset /= 2)
    v = max(v, __shfl_xor_sync(0xffffffffu, v, offset));
  return v;
}

template <typename T> __device__ T warpSum(T v) {
  for (int offset = WarpSize / 2; offset > 0; offset /= 2)
    v += __shfl_xor_sync(0xffffffffu, v, offset);
  return v;
}

template <typename T>
__global__ void attentionKernel(const T *qkv, int64_t qkvWidth, T *attended, int64_t valueWidth,
                                const HeadSpan *heads, const int32_t *seqStart,
                                const int32_t *seqRows, int32_t longest, T scale, bool causal) {
  extern __shared__ __align__(16) unsigned char shared[];
  const HeadSpan head = heads[blockIdx.y];
  const int64_t start = seqStart[blockIdx.x];
  const int n = seqRows[blockIdx.x];
  const int warp = threadIdx.x / WarpSize, lane = threadIdx.x % WarpSize;
  const int warps = blockDim.x / WarpSize;
  T *p = reinterpret_cast<T *>(shared) + int64_t(warp) * longest; // this warp's scores

  for (int i = warp; i < n; i += warps) {
    const T *query = qkv + (start + i) * qkvWidth + head.q;
    const int keys = causal ? i + 1 : n;
    // 1. Scores, each lane a strided set of keys, and their maximum.
    T top = -INFINITY;
    for (int j = lane; j < keys; j += WarpSize) {
      const T *key = qkv + (start + j) * qkvWidth + head.k;
      T dot = 0;
      for (int t = 0; t < head.dHead; ++t)
        dot += query[t] * key[t];
      p[j] = dot * scale;
      top = max(top, p[j]);
    }
    top = warpMax(top);
    // 2. Softmax: exp(score - max), normalised before the weighted sum, as on the CPU.
    T total = 0;
    for (int j = lane; j < keys; j += WarpSize) {
      p[j] = expOf(p[j] - top);
      total += p[j];
    }
    total = warpSum(total);
    for (int j = lane; j < keys; j += WarpSize)
      p[j] /= total;
    __syncwarp();
    // 3. Weighted sum of the values, each lane a strided set of columns.
    T *out = attended + (start + i) * valueWidth + head.out;
    for (int c = lane; c < head.dValue; c += WarpSize) {
      T sum = 0;
      for (int j = 0; j < keys; ++j)
        sum += p[j] * qkv[(start + j) * qkvWidth + head.v + c];
      out[c] = sum;
    }
    __syncwarp(); // Every lane is done with p before the next row writes it.
  }
}

} // namespace

int attentionWarps(int32_t longest, size_t elementSize) {
  size_t perWarp = static_cast<size_t>(longest > 0 ? longest : 1) * elementSize;
  size_t fit = AttentionSharedBytes / perWarp;
  if (fit < 1)
    throw CudaError("attention over " + std::to_string(longest) +
                    " positions does not fit in shared memory");
  return static_cast<int>(fit < MaxWarps ? fit : MaxWarps);
}

template <typename T>
void launchAttention(const T *qkv, int64_t qkvWidth, T *attended, int64_t valueWidth,
                     const HeadSpan *heads, int32_t headCount, const int32_t *seqStart,
                     const int32_t *seqRows, int32_t sequences, int32_t longest, T scale,
                     bool causal) {
  if (sequences == 0 || headCount == 0)
    return;
  if (headCount > 65535)
    throw CudaError("a layer of " + std::to_string(headCount) + " heads is more than a grid holds");
  int warps = attentionWarps(longest, sizeof(T));
  size_t shared = static_cast<size_t>(warps) * longest * sizeof(T);
  dim3 grid(static_cast<unsigned>(sequences), static_cast<unsigned>(headCount));
  attentionKernel<<<grid, warps * WarpSize, shared>>>(qkv, qkvWidth, attended, valueWidth, heads,
                                                      seqStart, seqRows, longest, scale, causal);
  CUDA_CHECK_LAUNCH("attentionKernel");
}

template void launchAttention<float>(const float *, int64_t, float *, int64_t, const HeadSpan *,
                                     int32_t, const int32_t *, const int32_t *, int32_t, int32_t,
                                     float, bool);
template void launchAttention<double>(const double *, int64_t, double *, int64_t, const HeadSpan *,
                                      int32_t, const int32_t *, const int32_t *, int32_t, int32_t,
                                      double, bool);

} // namespace rasp::runtime::cuda
