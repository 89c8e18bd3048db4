// The CUDA backend's host side: packing, batch layout and decoding, without a GPU.
#include "runtime/cuda/Plan.h"

#include "runtime/Decode.h"

#include <cassert>
#include <cstring>
#include <functional>
#include <limits>
#include <stdexcept>
#include <string>

using namespace rasp::runtime;
using namespace rasp::runtime::cuda;

namespace {

int32_t narrow(int64_t v, const char *what) {
  if (v < 0 || v > std::numeric_limits<int32_t>::max())
    throw std::invalid_argument(std::string("the CUDA backend cannot index ") + what + " of " +
                                std::to_string(v));
  return static_cast<int32_t>(v);
}

template <typename T> std::vector<T> convert(const Matrix &m) {
  return std::vector<T>(m.data.begin(), m.data.end());
}

/// Copies `m` into columns [column, column + m.cols) of `out`, whose rows are `width` wide.
template <typename T>
void placeColumns(std::vector<T> &out, int64_t width, int64_t column, const Matrix &m) {
  for (int64_t r = 0; r < m.rows; ++r)
    for (int64_t c = 0; c < m.cols; ++c)
      out[r * width + column + c] = static_cast<T>(m.at(r, c));
}

template <typename T> PackedLayer<T> packLayer(const Layer &layer, int64_t d) {
  PackedLayer<T> out;
  int64_t queryWidth = 0;
  for (const Head &head : layer.heads) {
    queryWidth += head.wq.cols;
    out.valueWidth += head.wv.cols;
  }
  out.qkvWidth = 2 * queryWidth + out.valueWidth;
  out.wqkv.assign(d * out.qkvWidth, T(0));
  out.wo.assign(out.valueWidth * d, T(0));
  int64_t q = 0, v = 0;
  for (const Head &head : layer.heads) {
    HeadSpan span;
    span.q = narrow(q, "a column");
    span.k = narrow(queryWidth + q, "a column");
    span.v = narrow(2 * queryWidth + v, "a column");
    span.dHead = narrow(head.wq.cols, "a head width");
    span.dValue = narrow(head.wv.cols, "a head width");
    span.out = narrow(v, "a column");
    placeColumns(out.wqkv, out.qkvWidth, span.q, head.wq);
    placeColumns(out.wqkv, out.qkvWidth, span.k, head.wk);
    placeColumns(out.wqkv, out.qkvWidth, span.v, head.wv);
    // W_O's rows follow the heads' value columns in `attended`.
    for (int64_t r = 0; r < head.wo.rows; ++r)
      for (int64_t c = 0; c < d; ++c)
        out.wo[(v + r) * d + c] = static_cast<T>(head.wo.at(r, c));
    out.heads.push_back(span);
    q += head.wq.cols;
    v += head.wv.cols;
  }
  out.hidden = layer.mlp.w1.cols;
  if (out.hidden > 0) {
    out.w1 = convert<T>(layer.mlp.w1);
    out.b1 = convert<T>(layer.mlp.b1);
    out.w2 = convert<T>(layer.mlp.w2);
    out.b2 = convert<T>(layer.mlp.b2);
  }
  return out;
}

PackedOutputs packOutputs(const Model &model) {
  PackedOutputs out;
  for (const Output &output : model.outputs) {
    OutputSpec spec;
    spec.categorical = output.kind == OutputKind::Categorical;
    spec.first = narrow(static_cast<int64_t>(out.dims.size()), "an output dimension");
    spec.count = narrow(static_cast<int64_t>(output.dims.size()), "an output width");
    spec.weighted = !spec.categorical && !output.weights.empty();
    for (size_t i = 0; i < output.dims.size(); ++i) {
      out.dims.push_back(narrow(output.dims[i], "a dimension"));
      out.weights.push_back(spec.weighted ? output.weights[i] : 0.0);
    }
    out.specs.push_back(spec);
  }
  return out;
}

} // namespace

template <typename T> PackedModel<T> cuda::packModel(const Model &model) {
  assert(model.validate().empty() && "the backend validates the model first");
  PackedModel<T> out;
  out.dModel = narrow(model.config.dModel, "d_model");
  out.tokens = convert<T>(model.tokenEmbedding);
  out.positions = convert<T>(model.positionEmbedding);
  for (const Layer &layer : model.layers) {
    out.layers.push_back(packLayer<T>(layer, out.dModel));
    const PackedLayer<T> &packed = out.layers.back();
    out.maxQkv = std::max(out.maxQkv, packed.qkvWidth);
    out.maxValue = std::max(out.maxValue, packed.valueWidth);
    out.maxHidden = std::max(out.maxHidden, packed.hidden);
  }
  narrow(out.rowWidth(), "a workspace row");
  out.outputs = packOutputs(model);
  return out;
}

uint64_t cuda::modelChecksum(const Model &model) {
  // Four independent multiply-xor lanes over 64-bit words, so that the pass
  // runs near memory speed; then the lanes and the sizes are mixed.
  constexpr uint64_t Prime = 0x100000001b3ull;
  uint64_t lanes[4] = {1, 2, 3, 4};
  auto mix = [&](uint64_t v) { lanes[0] = (lanes[0] ^ v) * Prime; };
  float scale = model.config.softmaxScale;
  uint32_t scaleBits = 0;
  std::memcpy(&scaleBits, &scale, sizeof scaleBits);
  for (uint64_t v :
       {uint64_t(model.config.dModel), uint64_t(model.config.maxLen), uint64_t(scaleBits),
        uint64_t(model.config.causal), uint64_t(model.vocab.size()), uint64_t(model.layers.size())})
    mix(v);
  for (const auto &[name, m] : model.namedTensors()) {
    mix(std::hash<std::string>{}(name)); // Which layer and head it belongs to.
    mix(uint64_t(m->rows));
    mix(uint64_t(m->cols));
    const float *data = m->data.data();
    size_t n = m->data.size(), i = 0;
    for (; i + 8 <= n; i += 8) {
      uint64_t w[4];
      std::memcpy(w, data + i, sizeof w);
      for (int l = 0; l < 4; ++l)
        lanes[l] = (lanes[l] ^ w[l]) * Prime;
    }
    for (; i < n; ++i) {
      uint32_t bits = 0;
      std::memcpy(&bits, data + i, sizeof bits);
      mix(bits);
    }
  }
  for (const Output &output : model.outputs) {
    mix(uint64_t(output.kind));
    for (int64_t dim : output.dims)
      mix(uint64_t(dim));
    for (double w : output.weights) {
      uint64_t bits = 0;
      std::memcpy(&bits, &w, sizeof bits);
      mix(bits);
    }
  }
  return lanes[0] ^ (lanes[1] * 3) ^ (lanes[2] * 5) ^ (lanes[3] * 7);
}

BatchLayout cuda::layoutBatch(const Model &model, const std::vector<TokenIds> &batch, size_t first,
                              size_t count) {
  assert(first + count <= batch.size() && "a run inside the batch");
  BatchLayout out;
  out.first = first;
  out.count = count;
  int64_t rows = 0;
  for (size_t b = first; b < first + count; ++b) {
    const TokenIds &ids = batch[b];
    int64_t n = static_cast<int64_t>(ids.size()) + 1;
    if (n - 1 > model.config.maxLen)
      throw std::invalid_argument("an input of " + std::to_string(n - 1) +
                                  " tokens is longer than the model's max_len " +
                                  std::to_string(model.config.maxLen));
    out.seqStart.push_back(narrow(rows, "a row"));
    out.seqRows.push_back(narrow(n, "a sequence length"));
    out.tokenStart.push_back(narrow(static_cast<int64_t>(out.tokenRow.size()), "a token"));
    out.longest = std::max(out.longest, static_cast<int32_t>(n));
    for (int64_t p = 0; p < n; ++p) {
      int64_t id = p == 0 ? model.bosId() : ids[p - 1];
      if (p > 0 && (id < 0 || id >= model.bosId()))
        throw std::invalid_argument("token id " + std::to_string(id) + " is not in the vocabulary");
      out.rowToken.push_back(static_cast<int32_t>(id));
      out.rowPosition.push_back(static_cast<int32_t>(p));
      if (p > 0)
        out.tokenRow.push_back(narrow(rows + p, "a row"));
    }
    rows += n;
  }
  out.rows = narrow(rows, "a row count");
  return out;
}

std::vector<std::pair<size_t, size_t>> cuda::chunkBatch(const std::vector<TokenIds> &batch,
                                                        int64_t rowBudget) {
  std::vector<std::pair<size_t, size_t>> chunks;
  int64_t rows = 0;
  for (size_t b = 0; b < batch.size(); ++b) {
    int64_t n = static_cast<int64_t>(batch[b].size()) + 1;
    if (chunks.empty() || rows + n > rowBudget) {
      chunks.emplace_back(b, 0);
      rows = 0;
    }
    ++chunks.back().second;
    rows += n;
  }
  return chunks;
}

template <typename T>
std::vector<RunResult> cuda::assembleResults(const Model &model, const BatchLayout &layout,
                                             const std::vector<double> &readouts,
                                             const std::vector<std::vector<T>> &traces) {
  size_t tokens = layout.tokenRow.size();
  assert(readouts.size() == model.outputs.size() * tokens && "a readout per output and token");
  int64_t d = model.config.dModel;
  std::vector<RunResult> results(layout.count);
  for (size_t s = 0; s < layout.count; ++s) {
    RunResult &result = results[s];
    size_t length = static_cast<size_t>(layout.seqRows[s]) - 1;
    for (size_t o = 0; o < model.outputs.size(); ++o) {
      std::vector<std::string> texts;
      std::vector<double> values;
      std::vector<int64_t> choices;
      for (size_t p = 0; p < length; ++p) {
        DecodedValue decoded =
            decodeReadout(model.outputs[o], readouts[o * tokens + layout.tokenStart[s] + p]);
        texts.push_back(std::move(decoded.text));
        values.push_back(decoded.value);
        choices.push_back(decoded.choice);
      }
      result.outputs.push_back(std::move(texts));
      result.values.push_back(std::move(values));
      result.choices.push_back(std::move(choices));
    }
    for (const std::vector<T> &stage : traces) {
      assert(static_cast<int64_t>(stage.size()) == layout.rows * d && "a trace of every row");
      auto begin = stage.begin() + static_cast<int64_t>(layout.seqStart[s]) * d;
      result.residual.emplace_back(begin, begin + static_cast<int64_t>(layout.seqRows[s]) * d);
    }
  }
  return results;
}

template PackedModel<float> cuda::packModel<float>(const Model &);
template PackedModel<double> cuda::packModel<double>(const Model &);
template std::vector<RunResult>
cuda::assembleResults<float>(const Model &, const BatchLayout &, const std::vector<double> &,
                             const std::vector<std::vector<float>> &);
template std::vector<RunResult>
cuda::assembleResults<double>(const Model &, const BatchLayout &, const std::vector<double> &,
                              const std::vector<std::vector<double>> &);
