// Row-major GEMMs on cuBLAS, which is column-major.
#pragma once

#include <cublas_v2.h>

#include <cstdint>

namespace rasp::runtime::cuda {

/// C = A B + beta C for row-major A (m x k), B (k x n) and C (m x n) with
/// leading dimensions lda, ldb, ldc, on the device. cuBLAS computes the
/// column-major C^T = B^T A^T, which is the same memory. k == 0 needs
/// beta == 1 (nothing to add). Throws CudaError.
template <typename T>
void gemmRowMajor(cublasHandle_t handle, int64_t m, int64_t n, int64_t k, const T *a, int64_t lda,
                  const T *b, int64_t ldb, T beta, T *c, int64_t ldc);

} // namespace rasp::runtime::cuda
