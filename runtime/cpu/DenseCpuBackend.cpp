// Stage 8 on the CPU, the oracle: the plain dense forward pass on Eigen, one
// input at a time, in float or double (the fast backend is CpuBackend.cpp).
#include "runtime/Backend.h"

#include "runtime/cpu/ReadOutputs.h"

#include <Eigen/Dense>

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>

using namespace rasp::runtime;

namespace {

template <typename T> class DenseCpuBackend : public Backend {
  using Mat = Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
  using RowVec = Eigen::Matrix<T, 1, Eigen::Dynamic>;

public:
  explicit DenseCpuBackend(const char *name) : backendName(name) {}

  std::string name() const override { return backendName; }

  std::string supports(const Model &model) const override { return model.validate(); }

  std::vector<RunResult> run(const Model &model, const std::vector<TokenIds> &batch,
                             const RunOptions &options) const override {
    std::string problem = model.validate();
    if (!problem.empty())
      throw std::invalid_argument("invalid model: " + problem);
    Weights weights(model);
    std::vector<RunResult> results;
    results.reserve(batch.size());
    for (const TokenIds &ids : batch)
      results.push_back(runOne(model, weights, ids, options));
    return results;
  }

private:
  static Mat convert(const Matrix &m) {
    Mat out(m.rows, m.cols);
    for (int64_t i = 0; i < m.rows * m.cols; ++i)
      out.data()[i] = static_cast<T>(m.data[i]);
    return out;
  }

  /// The model's matrices in this backend's precision, converted once per batch.
  struct Weights {
    struct HeadWeights {
      Mat wq, wk, wv, wo;
    };
    struct LayerWeights {
      std::vector<HeadWeights> heads;
      Mat w1, w2;
      RowVec b1, b2;
      bool hasMlp = false;
    };
    Mat tokens, positions;
    std::vector<LayerWeights> layers;

    explicit Weights(const Model &model)
        : tokens(convert(model.tokenEmbedding)), positions(convert(model.positionEmbedding)) {
      for (const Layer &layer : model.layers) {
        LayerWeights out;
        for (const Head &head : layer.heads)
          out.heads.push_back(
              {convert(head.wq), convert(head.wk), convert(head.wv), convert(head.wo)});
        out.hasMlp = layer.mlp.w1.cols > 0;
        if (out.hasMlp) {
          out.w1 = convert(layer.mlp.w1);
          out.w2 = convert(layer.mlp.w2);
          out.b1 = convert(layer.mlp.b1);
          out.b2 = convert(layer.mlp.b2);
        }
        layers.push_back(std::move(out));
      }
    }
  };

  static void record(RunResult &result, const Mat &x) {
    result.residual.emplace_back(x.data(), x.data() + x.size());
  }

  RunResult runOne(const Model &model, const Weights &w, const TokenIds &ids,
                   const RunOptions &options) const {
    cpu::checkInput(model, ids);
    int64_t n = static_cast<int64_t>(ids.size()) + 1;
    Mat x(n, model.config.dModel);
    for (int64_t p = 0; p < n; ++p)
      x.row(p) = w.tokens.row(p == 0 ? model.bosId() : ids[p - 1]) + w.positions.row(p);
    RunResult result;
    if (options.trace)
      record(result, x);
    T scale = static_cast<T>(model.config.softmaxScale);
    for (const auto &layer : w.layers) {
      Mat attention = Mat::Zero(n, model.config.dModel);
      for (const auto &head : layer.heads) {
        Mat scores = (x * head.wq) * (x * head.wk).transpose() * scale;
        for (int64_t q = 0; q < n; ++q) {
          if (model.config.causal)
            for (int64_t k = q + 1; k < n; ++k)
              scores(q, k) = -std::numeric_limits<T>::infinity();
          T top = scores.row(q).maxCoeff();
          scores.row(q) = (scores.row(q).array() - top).exp().matrix();
          scores.row(q) /= scores.row(q).sum();
        }
        attention.noalias() += scores * (x * head.wv) * head.wo;
      }
      x += attention;
      if (layer.hasMlp) {
        Mat hidden = ((x * layer.w1).rowwise() + layer.b1).cwiseMax(T(0));
        x.noalias() += hidden * layer.w2;
        x.rowwise() += layer.b2;
      }
      if (options.trace)
        record(result, x);
    }
    cpu::readOutputs(model, x.data(), n, model.config.dModel, result);
    return result;
  }

  const char *backendName;
};

} // namespace

std::unique_ptr<Backend> rasp::runtime::makeDenseCpuBackend(PrecisionKind precision) {
  if (precision == PrecisionKind::Float64)
    return std::make_unique<DenseCpuBackend<double>>("cpu-dense-f64");
  return std::make_unique<DenseCpuBackend<float>>("cpu-dense-f32");
}
