// Test helpers for the CUDA backend: random models of awkward shapes, and
// each step of the device's forward pass (runtime/cuda/Plan.h) spelled out
// as a plain loop over the packed weights, accumulating in double. The unit
// tests run the whole pipeline of loops against the CPU backend (checking
// the packing and the layout without a GPU); the GPU tests check each
// kernel against its loop.
#pragma once

#include "runtime/Backend.h"
#include "runtime/cuda/Plan.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

namespace rasp::test {

using runtime::cuda::BatchLayout;
using runtime::cuda::HeadSpan;
using runtime::cuda::OutputSpec;
using runtime::cuda::PackedModel;

inline runtime::Matrix randomMatrix(int64_t rows, int64_t cols, std::mt19937 &random) {
  std::uniform_real_distribution<float> value(-1.0f, 1.0f);
  runtime::Matrix m(rows, cols);
  for (float &v : m.data)
    v = value(random);
  return m;
}

/// A model of odd sizes: d_model 7, vocab 3, max_len `maxLen`; layer 1 has
/// heads of different widths and an MLP of 5, layer 2 no heads, layer 3 one
/// head and no MLP; a categorical output, a numerical one and a weighted one.
inline runtime::Model randomModel(std::mt19937 &random, bool causal, int64_t maxLen = 6) {
  using namespace runtime;
  const int64_t d = 7;
  Model model;
  model.config.dModel = d;
  model.config.maxLen = maxLen;
  model.config.softmaxScale = 0.9f;
  model.config.causal = causal;
  model.vocab = {"x", "y", "z"};
  model.tokenEmbedding = randomMatrix(4, d, random);
  model.positionEmbedding = randomMatrix(maxLen + 1, d, random);
  auto head = [&](int64_t dHead, int64_t dValue) {
    return Head{randomMatrix(d, dHead, random), randomMatrix(d, dHead, random),
                randomMatrix(d, dValue, random), randomMatrix(dValue, d, random)};
  };
  auto mlp = [&](int64_t hidden) {
    return Mlp{randomMatrix(d, hidden, random), randomMatrix(1, hidden, random),
               randomMatrix(hidden, d, random), randomMatrix(1, d, random)};
  };
  Layer first;
  first.heads = {head(3, 2), head(1, 5), head(4, 1)};
  first.mlp = mlp(5);
  Layer second;
  second.mlp = mlp(9);
  Layer third;
  third.heads = {head(2, 3)};
  model.layers = {first, second, third};
  model.residualLabels.assign(d, "d");
  model.outputs.push_back({"cat", OutputKind::Categorical, {1, 4, 6}, {}, {"p", "q", "r"}, {}});
  model.outputs.push_back({"num", OutputKind::Numerical, {2}, {}, {}, {}});
  model.outputs.push_back(
      {"mix", OutputKind::Numerical, {0, 5, 3}, {0.5, -2.0, 1.25}, {"lo", "hi"}, {-1.0, 1.0}});
  return model;
}

/// Random token ids for inputs of the given lengths.
inline std::vector<runtime::TokenIds> randomBatch(const std::vector<size_t> &lengths, int64_t vocab,
                                                  std::mt19937 &random) {
  std::vector<runtime::TokenIds> batch;
  for (size_t n : lengths) {
    runtime::TokenIds ids(n);
    for (int64_t &id : ids)
      id = static_cast<int64_t>(random() % static_cast<uint64_t>(vocab));
    batch.push_back(ids);
  }
  return batch;
}

/// Two backends' results agree: the same outputs and choices, values and
/// traces within `tolerance` relative to their size (absolute below 1).
inline void expectSameResults(const std::vector<runtime::RunResult> &got,
                              const std::vector<runtime::RunResult> &want, double tolerance) {
  auto near = [&](double w) { return tolerance * std::max(1.0, std::fabs(w)); };
  ASSERT_EQ(got.size(), want.size());
  for (size_t b = 0; b < got.size(); ++b) {
    EXPECT_EQ(got[b].outputs, want[b].outputs) << "input " << b;
    EXPECT_EQ(got[b].choices, want[b].choices) << "input " << b;
    ASSERT_EQ(got[b].values.size(), want[b].values.size());
    for (size_t o = 0; o < got[b].values.size(); ++o)
      for (size_t p = 0; p < got[b].values[o].size(); ++p)
        EXPECT_NEAR(got[b].values[o][p], want[b].values[o][p], near(want[b].values[o][p]));
    ASSERT_EQ(got[b].residual.size(), want[b].residual.size());
    for (size_t s = 0; s < got[b].residual.size(); ++s) {
      ASSERT_EQ(got[b].residual[s].size(), want[b].residual[s].size());
      for (size_t i = 0; i < got[b].residual[s].size(); ++i)
        ASSERT_NEAR(got[b].residual[s][i], want[b].residual[s][i], near(want[b].residual[s][i]))
            << "input " << b << ", stage " << s << ", element " << i;
    }
  }
}

/// Step 1, launchEmbed: x = token + position embedding, per row.
template <typename T>
std::vector<T> embedLoop(const PackedModel<T> &m, const std::vector<int32_t> &rowToken,
                         const std::vector<int32_t> &rowPosition) {
  int64_t d = m.dModel;
  std::vector<T> x(rowToken.size() * d);
  for (size_t r = 0; r < rowToken.size(); ++r)
    for (int64_t j = 0; j < d; ++j)
      x[r * d + j] = m.tokens[rowToken[r] * d + j] + m.positions[rowPosition[r] * d + j];
  return x;
}

/// gemmRowMajor: C = A B + beta C, row-major, in double.
template <typename T>
void gemmLoop(int64_t m, int64_t n, int64_t k, const T *a, int64_t lda, const T *b, int64_t ldb,
              T beta, T *c, int64_t ldc) {
  for (int64_t i = 0; i < m; ++i)
    for (int64_t j = 0; j < n; ++j) {
      double sum = 0;
      for (int64_t t = 0; t < k; ++t)
        sum += double(a[i * lda + t]) * double(b[t * ldb + j]);
      c[i * ldc + j] = static_cast<T>(sum + double(beta) * double(c[i * ldc + j]));
    }
}

/// launchAttention, every (sequence, head, query row) in turn.
template <typename T>
void attentionLoop(const std::vector<T> &qkv, int64_t qkvWidth, std::vector<T> &attended,
                   int64_t valueWidth, const std::vector<HeadSpan> &heads,
                   const std::vector<int32_t> &seqStart, const std::vector<int32_t> &seqRows,
                   double scale, bool causal) {
  for (size_t s = 0; s < seqStart.size(); ++s)
    for (const HeadSpan &h : heads)
      for (int64_t i = 0; i < seqRows[s]; ++i) {
        int64_t qi = seqStart[s] + i, keys = causal ? i + 1 : seqRows[s];
        std::vector<double> p(keys);
        for (int64_t j = 0; j < keys; ++j) {
          double dot = 0;
          for (int t = 0; t < h.dHead; ++t)
            dot += double(qkv[qi * qkvWidth + h.q + t]) *
                   double(qkv[(seqStart[s] + j) * qkvWidth + h.k + t]);
          p[j] = dot * scale;
        }
        double top = *std::max_element(p.begin(), p.end()), total = 0;
        for (double &v : p)
          total += (v = std::exp(v - top));
        for (int c = 0; c < h.dValue; ++c) {
          double sum = 0;
          for (int64_t j = 0; j < keys; ++j)
            sum += p[j] / total * double(qkv[(seqStart[s] + j) * qkvWidth + h.v + c]);
          attended[qi * valueWidth + h.out + c] = static_cast<T>(sum);
        }
      }
}

/// launchAddBias.
template <typename T> void addBiasLoop(T *m, const T *bias, int64_t rows, int64_t cols, bool relu) {
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t c = 0; c < cols; ++c) {
      T v = m[r * cols + c] + bias[c];
      m[r * cols + c] = relu && v < T(0) ? T(0) : v;
    }
}

/// launchReadout.
template <typename T>
std::vector<double>
readoutLoop(const std::vector<T> &x, int64_t d, const std::vector<int32_t> &tokenRow,
            const std::vector<OutputSpec> &specs, const std::vector<int32_t> &dims,
            const std::vector<double> &weights) {
  size_t tokens = tokenRow.size();
  std::vector<double> out(specs.size() * tokens);
  for (size_t o = 0; o < specs.size(); ++o)
    for (size_t t = 0; t < tokens; ++t) {
      const T *row = x.data() + tokenRow[t] * d;
      const OutputSpec &s = specs[o];
      double v = 0;
      if (s.categorical) {
        int best = 0;
        for (int k = 1; k < s.count; ++k)
          if (row[dims[s.first + k]] > row[dims[s.first + best]])
            best = k;
        v = best;
      } else if (!s.weighted) {
        v = double(row[dims[s.first]]);
      } else {
        for (int k = 0; k < s.count; ++k)
          v += weights[s.first + k] * double(row[dims[s.first + k]]);
      }
      out[o * tokens + t] = v;
    }
  return out;
}

/// The device's whole forward pass as loops: the readouts, and x after each
/// stage in `traces`.
template <typename T>
std::vector<double> forwardLoop(const PackedModel<T> &m, const BatchLayout &layout, double scale,
                                bool causal, std::vector<std::vector<T>> &traces) {
  int64_t rows = layout.rows, d = m.dModel;
  std::vector<T> x = embedLoop(m, layout.rowToken, layout.rowPosition);
  traces.push_back(x);
  for (const auto &layer : m.layers) {
    if (!layer.heads.empty()) {
      std::vector<T> qkv(rows * layer.qkvWidth), attended(rows * layer.valueWidth);
      gemmLoop(rows, layer.qkvWidth, d, x.data(), d, layer.wqkv.data(), layer.qkvWidth, T(0),
               qkv.data(), layer.qkvWidth);
      attentionLoop(qkv, layer.qkvWidth, attended, layer.valueWidth, layer.heads, layout.seqStart,
                    layout.seqRows, scale, causal);
      gemmLoop(rows, d, layer.valueWidth, attended.data(), layer.valueWidth, layer.wo.data(), d,
               T(1), x.data(), d);
    }
    if (layer.hidden > 0) {
      std::vector<T> hidden(rows * layer.hidden);
      gemmLoop(rows, layer.hidden, d, x.data(), d, layer.w1.data(), layer.hidden, T(0),
               hidden.data(), layer.hidden);
      addBiasLoop(hidden.data(), layer.b1.data(), rows, layer.hidden, true);
      gemmLoop(rows, d, layer.hidden, hidden.data(), layer.hidden, layer.w2.data(), d, T(1),
               x.data(), d);
      addBiasLoop(x.data(), layer.b2.data(), rows, d, false);
    }
    traces.push_back(x);
  }
  return readoutLoop(x, d, layout.tokenRow, m.outputs.specs, m.outputs.dims, m.outputs.weights);
}

} // namespace rasp::test
