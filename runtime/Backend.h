// Stage 8, execution: the one small interface every backend implements (ggml-style).
#pragma once

#include "runtime/Model.h"

#include <memory>
#include <string>
#include <vector>

namespace rasp::runtime {

/// One input: token ids (BOS is added by the backend).
using TokenIds = std::vector<int64_t>;

struct RunOptions {
  /// Keep the residual stream after the embedding and after every layer.
  bool trace = false;
};

/// The result for one input.
struct RunResult {
  /// outputs[o][p]: output o at token position p (BOS excluded), as text:
  /// the categorical label, or the numerical value.
  std::vector<std::vector<std::string>> outputs;
  /// The raw numerical values (categorical outputs: the argmax index).
  std::vector<std::vector<double>> values;
  /// The label chosen per position: the argmax, or the nearest level; -1
  /// for a numerical output without levels.
  std::vector<std::vector<int64_t>> choices;
  /// With trace: residual[i] is (n + 1) x d_model after stage i
  /// (0: embeddings, then one per layer), row-major, BOS first.
  std::vector<std::vector<double>> residual;
};

class Backend {
public:
  virtual ~Backend() = default;
  virtual std::string name() const = 0;
  /// "" if the backend can run `model`, else why not.
  virtual std::string supports(const Model &model) const = 0;
  /// Runs a batch of inputs, each at most max_len tokens.
  virtual std::vector<RunResult> run(const Model &model, const std::vector<TokenIds> &batch,
                                     const RunOptions &options) const = 0;
};

enum class PrecisionKind { Float32, Float64 };

/// The reference CPU backend on Eigen.
std::unique_ptr<Backend> makeCpuBackend(PrecisionKind precision = PrecisionKind::Float32);

} // namespace rasp::runtime
