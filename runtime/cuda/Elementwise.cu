// The element-wise kernels: one thread per element, in a grid-stride loop.
#include "runtime/cuda/Elementwise.cuh"

#include "runtime/cuda/Check.h"

namespace rasp::runtime::cuda {

namespace {

constexpr int Threads = 256;

/// Blocks for `n` elements, capped: the grid-stride loops cover the rest.
unsigned blocksFor(int64_t n) {
  int64_t blocks = (n + Threads - 1) / Threads;
  return static_cast<unsigned>(blocks < 65535 ? blocks : 65535);
}

template <typename T>
__global__ void embedKernel(T *x, const T *tokens, const T *positions, const int32_t *rowToken,
                            const int32_t *rowPosition, int64_t rows, int64_t d) {
  int64_t n = rows * d;
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n;
       i += int64_t(gridDim.x) * blockDim.x) {
    int64_t r = i / d, j = i % d;
    x[i] = tokens[rowToken[r] * d + j] + positions[rowPosition[r] * d + j];
  }
}

template <typename T>
__global__ void addBiasKernel(T *m, const T *bias, int64_t rows, int64_t cols, bool relu) {
  int64_t n = rows * cols;
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n;
       i += int64_t(gridDim.x) * blockDim.x) {
    T v = m[i] + bias[i % cols];
    m[i] = relu && v < T(0) ? T(0) : v;
  }
}

} // namespace

template <typename T>
void launchEmbed(T *x, const T *tokens, const T *positions, const int32_t *rowToken,
                 const int32_t *rowPosition, int64_t rows, int64_t d) {
  if (rows * d == 0)
    return;
  embedKernel<<<blocksFor(rows * d), Threads>>>(x, tokens, positions, rowToken, rowPosition, rows,
                                                d);
  CUDA_CHECK_LAUNCH("embedKernel");
}

template <typename T>
void launchAddBias(T *m, const T *bias, int64_t rows, int64_t cols, bool relu) {
  if (rows * cols == 0)
    return;
  addBiasKernel<<<blocksFor(rows * cols), Threads>>>(m, bias, rows, cols, relu);
  CUDA_CHECK_LAUNCH("addBiasKernel");
}

template void launchEmbed<float>(float *, const float *, const float *, const int32_t *,
                                 const int32_t *, int64_t, int64_t);
template void launchEmbed<double>(double *, const double *, const double *, const int32_t *,
                                  const int32_t *, int64_t, int64_t);
template void launchAddBias<float>(float *, const float *, int64_t, int64_t, bool);
template void launchAddBias<double>(double *, const double *, int64_t, int64_t, bool);

} // namespace rasp::runtime::cuda
