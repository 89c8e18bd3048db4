// Model bookkeeping: parameter counts and shape validation.
#include "runtime/Model.h"

#include <algorithm>
#include <sstream>
#include <stdexcept>

using namespace rasp::runtime;

int64_t Matrix::nonzeros() const {
  int64_t count = 0;
  for (float v : data)
    count += v != 0.0f;
  return count;
}

namespace {

std::string shapeError(const std::string &what, const Matrix &m, int64_t rows, int64_t cols) {
  if (m.rows == rows && m.cols == cols && static_cast<int64_t>(m.data.size()) == rows * cols)
    return "";
  return what + " is " + std::to_string(m.rows) + "x" + std::to_string(m.cols) + ", expected " +
         std::to_string(rows) + "x" + std::to_string(cols);
}

} // namespace

std::vector<std::pair<std::string, const Matrix *>> Model::namedTensors() const {
  std::vector<std::pair<std::string, const Matrix *>> out = {
      {"token_embedding", &tokenEmbedding}, {"position_embedding", &positionEmbedding}};
  for (size_t l = 0; l < layers.size(); ++l) {
    std::string layer = "layer" + std::to_string(l + 1);
    for (size_t h = 0; h < layers[l].heads.size(); ++h) {
      std::string head = layer + ".head" + std::to_string(h);
      const Head &weights = layers[l].heads[h];
      out.insert(out.end(), {{head + ".W_Q", &weights.wq},
                             {head + ".W_K", &weights.wk},
                             {head + ".W_V", &weights.wv},
                             {head + ".W_O", &weights.wo}});
    }
    const Mlp &mlp = layers[l].mlp;
    out.insert(out.end(), {{layer + ".mlp.W1", &mlp.w1},
                           {layer + ".mlp.b1", &mlp.b1},
                           {layer + ".mlp.W2", &mlp.w2},
                           {layer + ".mlp.b2", &mlp.b2}});
  }
  return out;
}

int64_t Model::parameters() const {
  int64_t count = 0;
  for (const auto &[name, m] : namedTensors())
    count += m->rows * m->cols;
  return count;
}

int64_t Model::nonzeroParameters() const {
  int64_t count = 0;
  for (const auto &[name, m] : namedTensors())
    count += m->nonzeros();
  return count;
}

std::vector<int64_t> Model::encodeTokens(const std::vector<std::string> &tokens) const {
  std::vector<int64_t> ids;
  for (const std::string &token : tokens) {
    auto it = std::find(vocab.begin(), vocab.end(), token);
    if (it == vocab.end())
      throw std::invalid_argument("the token '" + token + "' is not in the vocabulary");
    ids.push_back(it - vocab.begin());
  }
  return ids;
}

std::vector<std::pair<std::string, std::vector<std::string>>>
Model::decodeResidual(const std::vector<double> &residual) const {
  int64_t d = config.dModel;
  int64_t rows = static_cast<int64_t>(residual.size()) / d;
  std::vector<std::pair<std::string, std::vector<std::string>>> out;
  for (const Block &block : blocks) {
    std::vector<std::string> values;
    for (int64_t p = 1; p < rows; ++p) {
      const double *row = residual.data() + p * d + block.first;
      if (!block.categorical) {
        std::ostringstream text;
        text << row[0];
        values.push_back(text.str());
        continue;
      }
      int64_t best = 0;
      for (int64_t i = 1; i < block.width(); ++i)
        if (row[i] > row[best])
          best = i;
      // A block no layer has written yet is all zeros.
      values.push_back(row[best] < 0.5 ? "-" : block.values[best]);
    }
    out.emplace_back(block.name, std::move(values));
  }
  return out;
}

std::string Model::validate() const {
  int64_t d = config.dModel;
  if (d <= 0 || config.maxLen <= 0)
    return "d_model and max_len must be positive";
  std::string error =
      shapeError("the token embedding", tokenEmbedding, static_cast<int64_t>(vocab.size()) + 1, d);
  if (error.empty())
    error = shapeError("the position embedding", positionEmbedding, config.maxLen + 1, d);
  for (size_t l = 0; l < layers.size() && error.empty(); ++l) {
    std::string where = "layer " + std::to_string(l + 1) + " ";
    for (size_t h = 0; h < layers[l].heads.size() && error.empty(); ++h) {
      const Head &head = layers[l].heads[h];
      std::string name = where + "head " + std::to_string(h + 1) + " ";
      error = shapeError(name + "W_Q", head.wq, d, head.wq.cols);
      if (error.empty())
        error = shapeError(name + "W_K", head.wk, d, head.wq.cols);
      if (error.empty())
        error = shapeError(name + "W_V", head.wv, d, head.wv.cols);
      if (error.empty())
        error = shapeError(name + "W_O", head.wo, head.wv.cols, d);
    }
    const Mlp &mlp = layers[l].mlp;
    int64_t hidden = mlp.w1.cols;
    if (error.empty() && hidden > 0) {
      error = shapeError(where + "W1", mlp.w1, d, hidden);
      if (error.empty())
        error = shapeError(where + "b1", mlp.b1, 1, hidden);
      if (error.empty())
        error = shapeError(where + "W2", mlp.w2, hidden, d);
      if (error.empty())
        error = shapeError(where + "b2", mlp.b2, 1, d);
    }
  }
  int64_t next = 0;
  for (const Block &block : blocks)
    if (error.empty() && block.first != next)
      error = "the block " + block.name + " starts at " + std::to_string(block.first) + ", not " +
              std::to_string(next);
    else
      next += block.width();
  if (error.empty() && !blocks.empty() && next != d)
    error = "the blocks cover " + std::to_string(next) + " of " + std::to_string(d) + " dimensions";
  if (error.empty() && static_cast<int64_t>(residualLabels.size()) != d)
    error = "there are " + std::to_string(residualLabels.size()) + " residual labels for d_model " +
            std::to_string(d);
  for (const Output &output : outputs) {
    if (error.empty() && output.dims.empty())
      error = "output " + output.name + " reads no dimension";
    if (error.empty() && !output.weights.empty() && output.weights.size() != output.dims.size())
      error = "output " + output.name + " has " + std::to_string(output.weights.size()) +
              " weights for " + std::to_string(output.dims.size()) + " dimensions";
  }
  for (const Output &output : outputs)
    for (int64_t dim : output.dims)
      if (error.empty() && (dim < 0 || dim >= d))
        error = "output " + output.name + " reads dimension " + std::to_string(dim) + " of " +
                std::to_string(d);
  return error;
}
