// Model bookkeeping: parameter counts and shape validation.
#include "runtime/Model.h"

using namespace rasp::runtime;

int64_t Matrix::nonzeros() const {
  int64_t count = 0;
  for (float v : data)
    count += v != 0.0f;
  return count;
}

namespace {

template <typename F> void forEachMatrix(const Model &model, F f) {
  f(model.tokenEmbedding);
  f(model.positionEmbedding);
  for (const Layer &layer : model.layers) {
    for (const Head &head : layer.heads) {
      f(head.wq);
      f(head.wk);
      f(head.wv);
      f(head.wo);
    }
    f(layer.mlp.w1);
    f(layer.mlp.b1);
    f(layer.mlp.w2);
    f(layer.mlp.b2);
  }
}

std::string shapeError(const std::string &what, const Matrix &m, int64_t rows,
                       int64_t cols) {
  if (m.rows == rows && m.cols == cols &&
      static_cast<int64_t>(m.data.size()) == rows * cols)
    return "";
  return what + " is " + std::to_string(m.rows) + "x" + std::to_string(m.cols) +
         ", expected " + std::to_string(rows) + "x" + std::to_string(cols);
}

} // namespace

int64_t Model::parameters() const {
  int64_t count = 0;
  forEachMatrix(*this, [&](const Matrix &m) { count += m.rows * m.cols; });
  return count;
}

int64_t Model::nonzeroParameters() const {
  int64_t count = 0;
  forEachMatrix(*this, [&](const Matrix &m) { count += m.nonzeros(); });
  return count;
}

std::string Model::validate() const {
  int64_t d = config.dModel;
  if (d <= 0 || config.maxLen <= 0)
    return "d_model and max_len must be positive";
  std::string error = shapeError("the token embedding", tokenEmbedding,
                                 static_cast<int64_t>(vocab.size()) + 1, d);
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
  if (error.empty() && static_cast<int64_t>(residualLabels.size()) != d)
    error = "there are " + std::to_string(residualLabels.size()) +
            " residual labels for d_model " + std::to_string(d);
  for (const Output &output : outputs)
    for (int64_t dim : output.dims)
      if (error.empty() && (dim < 0 || dim >= d))
        error = "output " + output.name + " reads dimension " + std::to_string(dim) +
                " of " + std::to_string(d);
  return error;
}
