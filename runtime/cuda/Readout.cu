// The readout kernel: one thread per (output, token position).
#include "runtime/cuda/Readout.cuh"

#include "runtime/cuda/Check.h"

namespace rasp::runtime::cuda {

namespace {

constexpr int Threads = 256;

template <typename T>
__global__ void readoutKernel(const T *x, int64_t d, const int32_t *tokenRow, int64_t tokens,
                              const OutputSpec *specs, int32_t outputCount, const int32_t *dims,
                              const double *weights, double *readouts) {
  int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x;
  if (i >= tokens * outputCount)
    return;
  const OutputSpec spec = specs[i / tokens];
  const T *row = x + int64_t(tokenRow[i % tokens]) * d;
  const int32_t *at = dims + spec.first;
  if (spec.categorical) {
    int best = 0;
    for (int k = 1; k < spec.count; ++k)
      if (row[at[k]] > row[at[best]])
        best = k;
    readouts[i] = best;
    return;
  }
  if (!spec.weighted) {
    readouts[i] = static_cast<double>(row[at[0]]);
    return;
  }
  double sum = 0;
  for (int k = 0; k < spec.count; ++k)
    sum += weights[spec.first + k] * static_cast<double>(row[at[k]]);
  readouts[i] = sum;
}

} // namespace

template <typename T>
void launchReadout(const T *x, int64_t d, const int32_t *tokenRow, int64_t tokens,
                   const OutputSpec *specs, int32_t outputCount, const int32_t *dims,
                   const double *weights, double *readouts) {
  int64_t n = tokens * outputCount;
  if (n == 0)
    return;
  unsigned blocks = static_cast<unsigned>((n + Threads - 1) / Threads);
  readoutKernel<<<blocks, Threads>>>(x, d, tokenRow, tokens, specs, outputCount, dims, weights,
                                     readouts);
  CUDA_CHECK_LAUNCH("readoutKernel");
}

template void launchReadout<float>(const float *, int64_t, const int32_t *, int64_t,
                                   const OutputSpec *, int32_t, const int32_t *, const double *,
                                   double *);
template void launchReadout<double>(const double *, int64_t, const int32_t *, int64_t,
                                    const OutputSpec *, int32_t, const int32_t *, const double *,
                                    double *);

} // namespace rasp::runtime::cuda
