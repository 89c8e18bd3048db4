// Every CUDA and cuBLAS call of the backend goes through CUDA_CHECK or
// CUBLAS_CHECK, which throw CudaError naming the call and the reason; and
// DeviceBuffer, device memory that frees itself.
#pragma once

#include <cublas_v2.h>
#include <cuda_runtime.h>

#include <cstddef>
#include <stdexcept>
#include <string>
#include <utility>

namespace rasp::runtime::cuda {

/// A CUDA or cuBLAS call failed (out of device memory, a lost device, ...).
struct CudaError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

inline void check(cudaError_t status, const char *call) {
  if (status != cudaSuccess)
    throw CudaError(std::string("CUDA error in ") + call + ": " + cudaGetErrorString(status));
}

inline void check(cublasStatus_t status, const char *call) {
  if (status != CUBLAS_STATUS_SUCCESS)
    throw CudaError(std::string("cuBLAS error in ") + call + ": " + cublasGetStatusString(status));
}

#define CUDA_CHECK(call) ::rasp::runtime::cuda::check((call), #call)
#define CUBLAS_CHECK(call) ::rasp::runtime::cuda::check((call), #call)
/// After a kernel launch: a bad configuration is reported here.
#define CUDA_CHECK_LAUNCH(kernel) ::rasp::runtime::cuda::check(cudaGetLastError(), kernel)

/// `count` elements of T in device memory, uninitialised.
template <typename T> class DeviceBuffer {
public:
  DeviceBuffer() = default;
  explicit DeviceBuffer(size_t count) : count(count) {
    if (count)
      CUDA_CHECK(cudaMalloc(reinterpret_cast<void **>(&ptr), count * sizeof(T)));
  }
  DeviceBuffer(const DeviceBuffer &) = delete;
  DeviceBuffer &operator=(const DeviceBuffer &) = delete;
  DeviceBuffer(DeviceBuffer &&other) noexcept
      : ptr(std::exchange(other.ptr, nullptr)), count(std::exchange(other.count, 0)) {}
  DeviceBuffer &operator=(DeviceBuffer &&other) noexcept {
    std::swap(ptr, other.ptr);
    std::swap(count, other.count);
    return *this;
  }
  ~DeviceBuffer() {
    if (ptr)
      cudaFree(ptr); // Nothing to report from a destructor.
  }

  T *get() const { return ptr; }
  size_t size() const { return count; }

  /// Copies `n` elements from the host (synchronously).
  void upload(const T *host, size_t n, size_t offset = 0) {
    if (n)
      CUDA_CHECK(cudaMemcpy(ptr + offset, host, n * sizeof(T), cudaMemcpyHostToDevice));
  }
  /// Copies `n` elements to the host (synchronously, after earlier work).
  void download(T *host, size_t n, size_t offset = 0) const {
    if (n)
      CUDA_CHECK(cudaMemcpy(host, ptr + offset, n * sizeof(T), cudaMemcpyDeviceToHost));
  }

private:
  T *ptr = nullptr;
  size_t count = 0;
};

} // namespace rasp::runtime::cuda
