// Row-major GEMMs on cuBLAS.
#include "runtime/cuda/Gemm.h"

#include "runtime/cuda/Check.h"

#include <cassert>
#include <limits>

namespace rasp::runtime::cuda {

namespace {

int fit(int64_t v) {
  if (v > std::numeric_limits<int>::max())
    throw CudaError("a GEMM dimension of " + std::to_string(v) + " is more than cuBLAS takes");
  return static_cast<int>(v);
}

cublasStatus_t gemm(cublasHandle_t h, int m, int n, int k, const float *alpha, const float *a,
                    int lda, const float *b, int ldb, const float *beta, float *c, int ldc) {
  return cublasSgemm(h, CUBLAS_OP_N, CUBLAS_OP_N, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}

cublasStatus_t gemm(cublasHandle_t h, int m, int n, int k, const double *alpha, const double *a,
                    int lda, const double *b, int ldb, const double *beta, double *c, int ldc) {
  return cublasDgemm(h, CUBLAS_OP_N, CUBLAS_OP_N, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}

} // namespace

template <typename T>
void gemmRowMajor(cublasHandle_t handle, int64_t m, int64_t n, int64_t k, const T *a, int64_t lda,
                  const T *b, int64_t ldb, T beta, T *c, int64_t ldc) {
  if (m == 0 || n == 0)
    return;
  if (k == 0) {
    assert(beta == T(1) && "an empty product only adds nothing");
    return;
  }
  const T one = 1;
  // Column-major: C^T (n x m) = B^T (n x k) A^T (k x m).
  CUBLAS_CHECK(
      gemm(handle, fit(n), fit(m), fit(k), &one, b, fit(ldb), a, fit(lda), &beta, c, fit(ldc)));
}

template void gemmRowMajor<float>(cublasHandle_t, int64_t, int64_t, int64_t, const float *, int64_t,
                                  const float *, int64_t, float, float *, int64_t);
template void gemmRowMajor<double>(cublasHandle_t, int64_t, int64_t, int64_t, const double *,
                                   int64_t, const double *, int64_t, double, double *, int64_t);

} // namespace rasp::runtime::cuda
