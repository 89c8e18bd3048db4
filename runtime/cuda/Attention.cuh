// The fused attention kernel: scores, softmax and weighted sum for every
// (sequence, head) of a laid-out batch, for the short sequences compiled
// models run (at most max_len + 1 <= 4097 rows).
#pragma once

#include "runtime/cuda/Plan.h"

#include <cstddef>
#include <cstdint>

namespace rasp::runtime::cuda {

/// Shared memory the kernel uses per block: the scores of one query row per
/// warp, so sequences of up to this many bytes of scores.
constexpr size_t AttentionSharedBytes = 48 * 1024;

/// For each sequence s (rows seqStart[s] .. + seqRows[s]) and head h, and
/// each query row i of the sequence:
///   score(i, j) = scale * Q_h[i] . K_h[j] for key rows j (j <= i when causal),
///   p(i, .) = softmax over those keys, max subtracted first, as on the CPU,
///   attended[i][heads[h].out + c] = sum_j p(i, j) V_h[j][c].
/// Q_h, K_h and V_h are column ranges of qkv (rows qkvWidth wide) given by
/// heads[h]; `attended` rows are valueWidth wide. Every pointer is on the
/// device; `longest` bounds seqRows. One block per (sequence, head), one
/// warp per query row at a time, the row's scores in shared memory.
template <typename T>
void launchAttention(const T *qkv, int64_t qkvWidth, T *attended, int64_t valueWidth,
                     const HeadSpan *heads, int32_t headCount, const int32_t *seqStart,
                     const int32_t *seqRows, int32_t sequences, int32_t longest, T scale,
                     bool causal);

/// The warps per block the kernel uses for sequences of `longest` rows: as
/// many as the scores of fit in 48 KiB of shared memory, 1 to 8.
int attentionWarps(int32_t longest, size_t elementSize);

} // namespace rasp::runtime::cuda
