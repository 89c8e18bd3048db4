// The CUDA backend (runtime/cuda/): the forward pass of runtime::Backend on
// an NVIDIA GPU, with cuBLAS GEMMs and small fused kernels, whose decoded
// outputs match the CPU backend's. Built only where nvcc is found (RASP_CUDA);
// elsewhere makeCudaBackend says that the build has no CUDA.
#pragma once

#include "runtime/Backend.h"

#include <memory>
#include <stdexcept>

namespace rasp::runtime {

/// No device can run the backend: no driver, no GPU, or a build without
/// CUDA. what() says which.
struct CudaUnavailable : std::runtime_error {
  using std::runtime_error::runtime_error;
};

/// The CUDA backend on the current device (device 0 unless CUDA_VISIBLE_DEVICES
/// says otherwise), named cuda-f32 or cuda-f64; throws CudaUnavailable.
///
/// float32 runs with cuBLAS in pedantic math (no TF32, no reduced-precision
/// or emulated GEMMs), so that it computes what the CPU backend computes up
/// to the order of additions; float64 as on the CPU. A model's weights are
/// uploaded the first time it runs and kept for later batches (the last
/// four models run), keyed by a checksum of its configuration and weights
/// computed on every run (one pass on the host, much less than an upload),
/// so that another model at the same address, or one changed in place, is
/// uploaded afresh. Errors of the device later on (out of memory, ...)
/// throw std::runtime_error.
std::unique_ptr<Backend> makeCudaBackend(PrecisionKind precision = PrecisionKind::Float32);

/// Whether this build has the CUDA backend (RASP_CUDA, nvcc found).
bool cudaBackendBuilt();

} // namespace rasp::runtime
