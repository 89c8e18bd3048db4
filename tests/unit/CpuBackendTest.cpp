// The CPU backends (the fast one on every instruction set this CPU has, and
// the dense oracle) against a naive forward pass written here with plain
// loops, and on a hand-built model whose output is known.
#include "runtime/Backend.h"

#include "runtime/cpu/Kernels.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <thread>

using namespace rasp::runtime;

namespace {

/// Random weights, a third of the matrices dense, the others with 10% or 40%
/// nonzeros, so that the fast backend keeps some sparse and some dense.
Matrix randomMatrix(int64_t rows, int64_t cols, std::mt19937 &random) {
  std::uniform_real_distribution<float> value(-1.0f, 1.0f);
  double density = std::vector<double>{0.1, 0.4, 1.0}[random() % 3];
  Matrix m(rows, cols);
  for (float &v : m.data)
    v = value(random) < 2 * density - 1 ? value(random) : 0.0f;
  return m;
}

/// Every CPU backend in `precision`: the fast one on each instruction set
/// this CPU supports, then the dense oracle.
std::vector<std::unique_ptr<Backend>> cpuBackends(PrecisionKind precision) {
  std::vector<std::unique_ptr<Backend>> backends;
  for (cpu::IsaKind isa : {cpu::IsaKind::Sse2, cpu::IsaKind::Avx2, cpu::IsaKind::Avx512})
    if (cpu::isaSupported(isa))
      backends.push_back(cpu::makeCpuBackendFor(precision, isa));
  backends.push_back(makeDenseCpuBackend(precision));
  return backends;
}

Model randomModel(std::mt19937 &random, bool causal) {
  Model model;
  model.config.dModel = 6;
  model.config.maxLen = 5;
  model.config.softmaxScale = 0.7f;
  model.config.causal = causal;
  model.vocab = {"x", "y", "z"};
  model.tokenEmbedding = randomMatrix(4, 6, random);
  model.positionEmbedding = randomMatrix(6, 6, random);
  for (int l = 0; l < 2; ++l) {
    Layer layer;
    for (int h = 0; h < 2; ++h)
      layer.heads.push_back({randomMatrix(6, 3, random), randomMatrix(6, 3, random),
                             randomMatrix(6, 2, random), randomMatrix(2, 6, random)});
    layer.mlp = {randomMatrix(6, 4, random), randomMatrix(1, 4, random), randomMatrix(4, 6, random),
                 randomMatrix(1, 6, random)};
    model.layers.push_back(layer);
  }
  model.residualLabels.assign(6, "d");
  model.outputs.push_back({"num", OutputKind::Numerical, {2}, {}, {}, {}});
  return model;
}

using Rows = std::vector<std::vector<double>>;

Rows multiply(const Rows &a, const Matrix &b) {
  Rows out(a.size(), std::vector<double>(b.cols, 0.0));
  for (size_t i = 0; i < a.size(); ++i)
    for (int64_t k = 0; k < b.rows; ++k)
      for (int64_t j = 0; j < b.cols; ++j)
        out[i][j] += a[i][k] * b.at(k, j);
  return out;
}

/// The forward pass of DESIGN.md §2, spelled out with loops in double.
Rows naiveForward(const Model &model, const TokenIds &ids) {
  size_t n = ids.size() + 1;
  int64_t d = model.config.dModel;
  Rows x(n, std::vector<double>(d));
  for (size_t p = 0; p < n; ++p) {
    int64_t id = p == 0 ? model.bosId() : ids[p - 1];
    for (int64_t j = 0; j < d; ++j)
      x[p][j] = double(model.tokenEmbedding.at(id, j)) + double(model.positionEmbedding.at(p, j));
  }
  for (const Layer &layer : model.layers) {
    Rows added(n, std::vector<double>(d, 0.0));
    for (const Head &head : layer.heads) {
      Rows q = multiply(x, head.wq), k = multiply(x, head.wk), v = multiply(x, head.wv);
      for (size_t i = 0; i < n; ++i) {
        std::vector<double> weights(n, 0.0);
        double total = 0, top = -1e300;
        std::vector<double> scores(n);
        for (size_t j = 0; j < n; ++j) {
          double s = 0;
          for (size_t t = 0; t < q[i].size(); ++t)
            s += q[i][t] * k[j][t];
          scores[j] = s * model.config.softmaxScale;
          if (!(model.config.causal && j > i))
            top = std::max(top, scores[j]);
        }
        for (size_t j = 0; j < n; ++j) {
          weights[j] = (model.config.causal && j > i) ? 0 : std::exp(scores[j] - top);
          total += weights[j];
        }
        std::vector<double> mixed(v[0].size(), 0.0);
        for (size_t j = 0; j < n; ++j)
          for (size_t t = 0; t < mixed.size(); ++t)
            mixed[t] += weights[j] / total * v[j][t];
        Rows out = multiply({mixed}, head.wo);
        for (int64_t t = 0; t < d; ++t)
          added[i][t] += out[0][t];
      }
    }
    for (size_t i = 0; i < n; ++i)
      for (int64_t t = 0; t < d; ++t)
        x[i][t] += added[i][t];
    Rows hidden = multiply(x, layer.mlp.w1);
    for (auto &row : hidden)
      for (int64_t t = 0; t < layer.mlp.b1.cols; ++t)
        row[t] = std::max(0.0, row[t] + layer.mlp.b1.at(0, t));
    Rows out = multiply(hidden, layer.mlp.w2);
    for (size_t i = 0; i < n; ++i)
      for (int64_t t = 0; t < d; ++t)
        x[i][t] += out[i][t] + layer.mlp.b2.at(0, t);
  }
  return x;
}

void expectMatchesNaive(PrecisionKind precision, bool causal, double tolerance) {
  std::mt19937 random(7);
  Model model = randomModel(random, causal);
  ASSERT_EQ(model.validate(), "");
  std::vector<TokenIds> batch = {{0}, {1, 2}, {2, 2, 0, 1}, {0, 1, 2, 0, 1}};
  RunOptions options;
  options.trace = true;
  for (const auto &backend : cpuBackends(precision)) {
    SCOPED_TRACE(backend->name());
    std::vector<RunResult> results = backend->run(model, batch, options);
    ASSERT_EQ(results.size(), batch.size());
    for (size_t b = 0; b < batch.size(); ++b) {
      Rows expected = naiveForward(model, batch[b]);
      const std::vector<double> &last = results[b].residual.back();
      ASSERT_EQ(results[b].residual.size(), model.layers.size() + 1);
      for (size_t p = 0; p < expected.size(); ++p)
        for (size_t j = 0; j < expected[p].size(); ++j)
          EXPECT_NEAR(last[p * 6 + j], expected[p][j], tolerance) << "input " << b;
      for (size_t p = 1; p < expected.size(); ++p)
        EXPECT_NEAR(results[b].values[0][p - 1], expected[p][2], tolerance);
    }
  }
}

TEST(CpuBackendTest, Float64MatchesTheNaiveForwardPass) {
  expectMatchesNaive(PrecisionKind::Float64, false, 1e-9);
}

TEST(CpuBackendTest, Float32MatchesTheNaiveForwardPass) {
  expectMatchesNaive(PrecisionKind::Float32, false, 1e-4);
}

TEST(CpuBackendTest, CausalMaskMatchesTheNaiveForwardPass) {
  expectMatchesNaive(PrecisionKind::Float64, true, 1e-9);
}

/// Residual layout: tokens a, b, BOS (0-2), positions 0-4 (3-7), output block
/// out:a, out:b, out:none (8-10). One head: position q attends to position
/// q - 1 and copies its token (BOS copies as "none") into the output block.
Model copyPreviousModel() {
  Model model;
  model.config.dModel = 11;
  model.config.maxLen = 4;
  model.vocab = {"a", "b"};
  model.tokenEmbedding = Matrix(3, 11);
  for (int t = 0; t < 3; ++t)
    model.tokenEmbedding.at(t, t) = 1;
  model.positionEmbedding = Matrix(5, 11);
  for (int p = 0; p < 5; ++p)
    model.positionEmbedding.at(p, 3 + p) = 1;
  Head head{Matrix(11, 5), Matrix(11, 5), Matrix(11, 3), Matrix(3, 11)};
  for (int p = 1; p < 5; ++p)
    head.wq.at(3 + p, p - 1) = 50; // Query p looks for position p - 1.
  for (int p = 0; p < 5; ++p)
    head.wk.at(3 + p, p) = 1;
  for (int t = 0; t < 3; ++t) {
    head.wv.at(t, t) = 1;     // Token a, b or BOS ...
    head.wo.at(t, 8 + t) = 1; // ... to out:a, out:b or out:none.
  }
  Layer layer;
  layer.heads.push_back(head);
  model.layers.push_back(layer);
  model.residualLabels = {"tokens:a",  "tokens:b",  "bos",   "indices:0", "indices:1", "indices:2",
                          "indices:3", "indices:4", "out:a", "out:b",     "out:none"};
  model.outputs.push_back({"out", OutputKind::Categorical, {8, 9, 10}, {}, {"a", "b", "none"}, {}});
  return model;
}

TEST(CpuBackendTest, HandBuiltHeadCopiesThePreviousToken) {
  Model model = copyPreviousModel();
  ASSERT_EQ(model.validate(), "");
  for (const auto &backend : cpuBackends(PrecisionKind::Float32)) {
    SCOPED_TRACE(backend->name());
    std::vector<RunResult> results = backend->run(model, {{1, 0, 1}, {0, 0, 1, 1}}, RunOptions());
    EXPECT_EQ(results[0].outputs[0], (std::vector<std::string>{"none", "b", "a"}));
    EXPECT_EQ(results[1].outputs[0], (std::vector<std::string>{"none", "a", "a", "b"}));
  }
}

TEST(CpuBackendTest, CountsParametersAndNonzeros) {
  Model model = copyPreviousModel();
  // Embeddings 3x11 + 5x11; the head 11x5 + 11x5 + 11x3 + 3x11; no MLP.
  EXPECT_EQ(model.parameters(), 33 + 55 + 55 + 55 + 33 + 33);
  // 3 + 5 embedding ones, 4 + 5 score weights, 3 + 3 value and output ones.
  EXPECT_EQ(model.nonzeroParameters(), 3 + 5 + 4 + 5 + 3 + 3);
}

TEST(CpuBackendTest, RejectsBadModelsAndInputs) {
  Model model = copyPreviousModel();
  model.layers[0].heads[0].wo = Matrix(2, 11);
  EXPECT_NE(model.validate().find("W_O is 2x11, expected 3x11"), std::string::npos);
  Model good = copyPreviousModel();
  for (const auto &backend : cpuBackends(PrecisionKind::Float32)) {
    EXPECT_THROW(backend->run(good, {{0, 1, 0, 1, 0}}, RunOptions()), std::invalid_argument);
    EXPECT_THROW(backend->run(good, {{7}}, RunOptions()), std::invalid_argument);
    EXPECT_THROW(backend->run(good, {{0}, {-1}}, RunOptions()), std::invalid_argument);
    EXPECT_THROW(backend->run(model, {{0}}, RunOptions()), std::invalid_argument);
  }
}

} // namespace

TEST(CpuBackendTest, EncodesTokensAndDecodesTracesByBlock) {
  Model model = copyPreviousModel();
  model.blocks = {{"tokens", 0, true, {"a", "b"}},
                  {"bos", 2, false, {}},
                  {"indices", 3, true, {"0", "1", "2", "3", "4"}},
                  {"out", 8, true, {"a", "b", "none"}}};
  ASSERT_EQ(model.validate(), "");
  EXPECT_EQ(model.encodeTokens({"b", "a", "b"}), (std::vector<int64_t>{1, 0, 1}));
  EXPECT_THROW(model.encodeTokens({"c"}), std::invalid_argument);
  RunOptions trace;
  trace.trace = true;
  RunResult result = makeCpuBackend()->run(model, {{1, 0, 1}}, trace)[0];
  ASSERT_EQ(result.residual.size(), 2u);
  auto before = model.decodeResidual(result.residual[0]);
  auto after = model.decodeResidual(result.residual[1]);
  ASSERT_EQ(after.size(), 4u);
  EXPECT_EQ(before[0].second, (std::vector<std::string>{"b", "a", "b"}));
  // Positions 1..3 (the embedding's position 0 is BOS).
  EXPECT_EQ(before[2].second, (std::vector<std::string>{"1", "2", "3"}));
  EXPECT_EQ(before[3].second, (std::vector<std::string>{"-", "-", "-"}));
  EXPECT_EQ(after[3].second, (std::vector<std::string>{"none", "b", "a"}));
  model.blocks[1].first = 3;
  EXPECT_NE(model.validate().find("the block bos starts at 3, not 2"), std::string::npos);
}

namespace {

/// A backend with only run(): today's interface, which prepare() serves.
class CountingBackend : public Backend {
public:
  std::string name() const override { return "counting"; }
  std::string supports(const Model &) const override { return ""; }
  std::vector<RunResult> run(const Model &model, const std::vector<TokenIds> &batch,
                             const RunOptions &options) const override {
    ++calls;
    return makeDenseCpuBackend()->run(model, batch, options);
  }
  mutable int calls = 0;
};

TEST(CpuBackendTest, DefaultPrepareRunsTheBackendBatchByBatch) {
  Model model = copyPreviousModel();
  CountingBackend backend;
  std::unique_ptr<PreparedModel> prepared = backend.prepare(model);
  EXPECT_EQ(prepared->run({{1, 0, 1}}, RunOptions())[0].outputs[0],
            (std::vector<std::string>{"none", "b", "a"}));
  prepared->run({{0}}, RunOptions());
  EXPECT_EQ(backend.calls, 2);
}

TEST(CpuBackendTest, PreparedModelRunsOnManyThreadsAtOnce) {
  std::mt19937 random(11);
  Model model = randomModel(random, false);
  std::vector<TokenIds> batch;
  for (int i = 0; i < 200; ++i)
    batch.push_back(TokenIds(1 + i % 5, i % 3));
  auto backend = makeCpuBackend();
  std::unique_ptr<PreparedModel> prepared = backend->prepare(model);
  std::vector<RunResult> expected = backend->run(model, batch, RunOptions());
  std::vector<std::vector<RunResult>> got(4);
  std::vector<std::thread> threads;
  for (auto &out : got)
    threads.emplace_back([&] { out = prepared->run(batch, RunOptions()); });
  for (std::thread &t : threads)
    t.join();
  for (const auto &out : got)
    for (size_t b = 0; b < batch.size(); ++b)
      EXPECT_EQ(out[b].values, expected[b].values);
}

} // namespace
