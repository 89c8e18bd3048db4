// The element-wise kernels of the forward pass: the embedding gather, and a
// row bias added (with the ReLU fused for the MLP's hidden layer).
#pragma once

#include <cstdint>

namespace rasp::runtime::cuda {

/// x[r][j] = tokens[rowToken[r]][j] + positions[rowPosition[r]][j] for every
/// row r < rows and column j < d (all row-major, device pointers).
template <typename T>
void launchEmbed(T *x, const T *tokens, const T *positions, const int32_t *rowToken,
                 const int32_t *rowPosition, int64_t rows, int64_t d);

/// m[r][c] += bias[c] for every row r < rows, then ReLU when `relu`.
template <typename T>
void launchAddBias(T *m, const T *bias, int64_t rows, int64_t cols, bool relu);

} // namespace rasp::runtime::cuda
