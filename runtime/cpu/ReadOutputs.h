// What both CPU backends share around the forward pass: checking an input,
// and reading the outputs from the final residual stream.
#pragma once

#include "runtime/Backend.h"
#include "runtime/Decode.h"

#include <cstdint>
#include <string>
#include <vector>

namespace rasp::runtime::cpu {

/// Throws std::invalid_argument if `ids` is longer than the model's max_len
/// or holds an id outside its vocabulary.
void checkInput(const Model &model, const TokenIds &ids);

/// Fills result.outputs, values and choices from the residual stream `x`
/// of `rows` rows (BOS first), row r at x + r * stride.
template <typename T>
void readOutputs(const Model &model, const T *x, int64_t rows, int64_t stride, RunResult &result) {
  for (const Output &output : model.outputs) {
    std::vector<std::string> texts;
    std::vector<double> values;
    std::vector<int64_t> choices;
    for (int64_t p = 1; p < rows; ++p) {
      const T *row = x + p * stride;
      double readout = 0;
      if (output.kind == OutputKind::Numerical) {
        if (output.weights.empty())
          readout = static_cast<double>(row[output.dims[0]]);
        for (size_t i = 0; i < output.weights.size(); ++i)
          readout += output.weights[i] * static_cast<double>(row[output.dims[i]]);
      } else {
        size_t best = 0;
        for (size_t i = 1; i < output.dims.size(); ++i)
          if (row[output.dims[i]] > row[output.dims[best]])
            best = i;
        readout = static_cast<double>(best);
      }
      DecodedValue decoded = decodeReadout(output, readout);
      values.push_back(decoded.value);
      choices.push_back(decoded.choice);
      texts.push_back(std::move(decoded.text));
    }
    result.outputs.push_back(std::move(texts));
    result.values.push_back(std::move(values));
    result.choices.push_back(std::move(choices));
  }
}

} // namespace rasp::runtime::cpu
