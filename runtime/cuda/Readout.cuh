// The readout kernel: outputs decoded on the device, so that only one number
// per output and token position comes back to the host.
#pragma once

#include "runtime/cuda/Plan.h"

#include <cstdint>

namespace rasp::runtime::cuda {

/// readouts[o * tokens + t], for output o < outputCount and token position
/// t < tokens (row tokenRow[t] of x, rows d wide): for a categorical output
/// the index i of its largest dims[first + i] (the first one on a tie), as
/// the CPU backend reads it; for a numerical one, in double,
/// sum_i weights[first + i] * x[dims[first + i]], or x[dims[first]]
/// unweighted. Every pointer is on the device.
template <typename T>
void launchReadout(const T *x, int64_t d, const int32_t *tokenRow, int64_t tokens,
                   const OutputSpec *specs, int32_t outputCount, const int32_t *dims,
                   const double *weights, double *readouts);

} // namespace rasp::runtime::cuda
