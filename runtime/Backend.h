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
  /// Threads a backend may run one batch on (the CPU backend shares out
  /// its groups of inputs); a backend is free to ignore it.
  unsigned threads = 1;
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

/// One sequence decoded with a cache: the keys and values of every head at
/// every position are kept between calls, so that each call computes only
/// the positions it appends. That is exact for a causal model
/// (ModelConfig::causal), where no position attends to a later one: the
/// outputs are those run() gives on the whole sequence, up to the order of
/// the sums (CpuOracleTolerance for the CPU backend).
class CachedDecode {
public:
  virtual ~CachedDecode() = default;
  /// Appends `ids` to the sequence (the first call: the prompt, after BOS)
  /// and returns the outputs at the appended positions, as run() returns
  /// them there (no trace). Throws std::invalid_argument when the sequence
  /// would pass max_len or an id is outside the vocabulary.
  virtual RunResult extend(const TokenIds &ids) = 0;
};

/// A model made ready for one backend (its weights converted once), run on
/// batch after batch. run() may be called from several threads at once.
class PreparedModel {
public:
  virtual ~PreparedModel() = default;
  /// What Backend::run(model, batch, options) returns for the prepared model.
  virtual std::vector<RunResult> run(const std::vector<TokenIds> &batch,
                                     const RunOptions &options) const = 0;
  /// A new, empty cached decode of the model, which must be causal (else
  /// std::invalid_argument); null where the backend has none. Several may
  /// run at once, each on one thread.
  virtual std::unique_ptr<CachedDecode> startDecode() const { return nullptr; }
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
  /// `model` made ready to run many batches; `model` must outlive it. The
  /// default keeps a reference and calls run() one batch at a time (under a
  /// lock, so that callers on several threads are safe with any backend);
  /// backends that convert weights override it to do that once.
  virtual std::unique_ptr<PreparedModel> prepare(const Model &model) const;
};

enum class PrecisionKind { Float32, Float64 };

/// The CPU backend: weights kept sparse (CSR) or dense per matrix by their
/// density, embeddings gathered, a batch packed into one pass, its kernels
/// built for SSE2, AVX2 and AVX-512 and chosen at run time.
std::unique_ptr<Backend> makeCpuBackend(PrecisionKind precision = PrecisionKind::Float32);

/// The plain dense forward pass on Eigen, one input at a time: the oracle
/// the fast backend is tested against. Its results equal the fast one's
/// within CpuOracleTolerance (tests/unit/CpuOracleTest.cpp).
std::unique_ptr<Backend> makeDenseCpuBackend(PrecisionKind precision = PrecisionKind::Float32);

/// How far the float32 CPU backends' raw output values may be apart (times
/// max(1, |value|)): they add the same products in different orders.
constexpr double CpuOracleTolerance = 1e-4;

} // namespace rasp::runtime
