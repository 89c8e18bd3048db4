// The CUDA backend's host side, plain C++ that runs (and is tested) without a
// GPU: the model's weights packed for a few wide GEMMs per layer, a batch
// laid out as rows, and the device's readouts turned into RunResults.
//
// The device computes on a batch as one matrix x of `rows` x d_model, the
// sequences (BOS first) one after another, no padding:
//  1. x = token embedding[id] + position embedding[position], per row;
//  2. per layer with heads: qkv = x Wqkv, every head's Q, K and V side by
//     side; attention per (sequence, head) writes its weighted values into
//     `attended`; x += attended Wo, the heads' W_O stacked, so that the sum
//     over heads and the residual add are one GEMM;
//  3. per layer with an MLP: hidden = ReLU(x W1 + b1); x += hidden W2; x += b2;
//  4. per output and token position: the readout (argmax index, or the
//     weighted sum in double), the only values copied back.
#pragma once

#include "runtime/Backend.h"

#include <cstdint>
#include <utility>
#include <vector>

namespace rasp::runtime::cuda {

/// Where one head reads and writes: column offsets into a row of qkv (its
/// Q, K and V) and into a row of `attended` (its weighted values).
struct HeadSpan {
  int32_t q = 0, k = 0, v = 0;
  int32_t dHead = 0, dValue = 0;
  int32_t out = 0;
};

/// One layer's weights, row-major, in the backend's precision.
template <typename T> struct PackedLayer {
  std::vector<HeadSpan> heads;
  int64_t qkvWidth = 0;   ///< columns of qkv: 2 * sum(d_head) + sum(d_value)
  int64_t valueWidth = 0; ///< columns of attended: sum(d_value)
  int64_t hidden = 0;     ///< MLP width; 0: no MLP
  std::vector<T> wqkv;    ///< d_model x qkvWidth: [W_Q of each head | W_K ... | W_V ...]
  std::vector<T> wo;      ///< valueWidth x d_model: each head's W_O, stacked
  std::vector<T> w1, b1, w2, b2;
};

/// How the device reads one output: dims[first, first + count), with
/// weights[first, first + count) when `weighted`.
struct OutputSpec {
  int32_t categorical = 0;
  int32_t first = 0;
  int32_t count = 0;
  int32_t weighted = 0;
};

struct PackedOutputs {
  std::vector<OutputSpec> specs;
  std::vector<int32_t> dims;
  std::vector<double> weights; ///< aligned with dims (0 where unweighted)
};

/// The whole model, ready to upload once.
template <typename T> struct PackedModel {
  int64_t dModel = 0;
  std::vector<T> tokens;    ///< (vocab + 1) x d_model
  std::vector<T> positions; ///< (max_len + 1) x d_model
  std::vector<PackedLayer<T>> layers;
  PackedOutputs outputs;
  /// Widest qkv, attended and hidden over the layers (workspace sizes).
  int64_t maxQkv = 0, maxValue = 0, maxHidden = 0;

  /// Workspace elements one row of a batch needs: x, qkv, attended, hidden.
  int64_t rowWidth() const { return dModel + maxQkv + maxValue + maxHidden; }
};

/// Packs a model that validate() accepts (asserted); every dimension must fit
/// in 32 bits (throws std::invalid_argument otherwise).
template <typename T> PackedModel<T> packModel(const Model &model);

/// A checksum of the model's configuration, shapes, every weight and the
/// outputs: one pass over the weights; the key of the backend's uploads.
uint64_t modelChecksum(const Model &model);

/// A run of consecutive sequences of a batch laid out as rows.
struct BatchLayout {
  size_t first = 0, count = 0;                ///< batch[first, first + count)
  int32_t rows = 0;                           ///< sum of (tokens + 1)
  int32_t longest = 0;                        ///< the most rows of one sequence
  std::vector<int32_t> seqStart, seqRows;     ///< per sequence
  std::vector<int32_t> rowToken, rowPosition; ///< per row: the id (BOS first) and position
  std::vector<int32_t> tokenRow;              ///< per token position (BOS excluded): its row
  std::vector<int32_t> tokenStart;            ///< per sequence: its first index into tokenRow
};

/// Lays out batch[first, first + count); throws std::invalid_argument, as the
/// CPU backend does, for an input longer than max_len or an unknown token id.
BatchLayout layoutBatch(const Model &model, const std::vector<TokenIds> &batch, size_t first,
                        size_t count);

/// Splits a batch into runs of consecutive sequences of at most `rowBudget`
/// rows each (a sequence longer than the budget gets a run of its own).
std::vector<std::pair<size_t, size_t>> chunkBatch(const std::vector<TokenIds> &batch,
                                                  int64_t rowBudget);

/// The RunResults of a laid-out run: `readouts[o * tokens + t]` is output o
/// at token position t (an argmax index for a categorical output, the
/// number for a numerical one), tokens = layout.tokenRow.size(); `traces`,
/// when non-empty, holds x (rows x d_model) after each stage.
template <typename T>
std::vector<RunResult> assembleResults(const Model &model, const BatchLayout &layout,
                                       const std::vector<double> &readouts,
                                       const std::vector<std::vector<T>> &traces);

} // namespace rasp::runtime::cuda
