// The CUDA backend against the CPU backend on random models of odd shapes:
// the same outputs and choices, values and traces to rounding, in float and
// double, causal and not, on ragged batches; weights kept across batches
// yet never reused for another model; bad input refused as on the CPU.
// Skipped, with the reason, where there is no CUDA device.
#include "runtime/cuda/CudaBackend.h"
#include "tests/gpu/PackedReference.h"

#include <gtest/gtest.h>

#include <memory>
#include <stdexcept>

using namespace rasp;
using namespace rasp::runtime;

namespace {

class CudaBackendTest : public ::testing::TestWithParam<PrecisionKind> {
protected:
  void SetUp() override {
    try {
      backend = makeCudaBackend(GetParam());
    } catch (const CudaUnavailable &e) {
      GTEST_SKIP() << "no CUDA device available: " << e.what();
    }
    cpu = makeCpuBackend(GetParam());
  }
  /// Runs `batch` on both backends (with traces) and compares, to rounding.
  void expectSameAsCpu(const Model &model, const std::vector<TokenIds> &batch) {
    RunOptions trace;
    trace.trace = true;
    test::expectSameResults(backend->run(model, batch, trace), cpu->run(model, batch, trace),
                            GetParam() == PrecisionKind::Float32 ? 1e-4 : 1e-9);
  }

  std::unique_ptr<Backend> backend, cpu;
  std::mt19937 random{23};
};

TEST_P(CudaBackendTest, MatchesTheCpuBackend) {
  for (bool causal : {false, true}) {
    Model model = test::randomModel(random, causal, 40);
    expectSameAsCpu(model, test::randomBatch({0, 1, 7, 40, 33, 2, 40}, 3, random));
  }
}

TEST_P(CudaBackendTest, NamesItsPrecision) {
  EXPECT_EQ(backend->name(), GetParam() == PrecisionKind::Float32 ? "cuda-f32" : "cuda-f64");
}

TEST_P(CudaBackendTest, KeepsWeightsButNeverForAnotherModel) {
  Model model = test::randomModel(random, false);
  std::vector<TokenIds> batch = test::randomBatch({6, 3, 1}, 3, random);
  expectSameAsCpu(model, batch);
  expectSameAsCpu(model, batch); // from the cache
  // Changed in place: same address, same buffers, other weights.
  for (float &v : model.layers[0].mlp.w2.data)
    v = -v;
  expectSameAsCpu(model, batch);
  // Many models in turn, more than the cache keeps, some at reused addresses.
  for (int i = 0; i < 6; ++i) {
    auto other = std::make_unique<Model>(test::randomModel(random, i % 2 == 1));
    expectSameAsCpu(*other, batch);
  }
  expectSameAsCpu(model, batch);
}

TEST_P(CudaBackendTest, RefusesWhatTheCpuBackendRefuses) {
  Model model = test::randomModel(random, false, 4);
  EXPECT_THROW(backend->run(model, {{0, 1, 2, 0, 1}}, RunOptions()), std::invalid_argument);
  EXPECT_THROW(backend->run(model, {{0, 3}}, RunOptions()), std::invalid_argument);
  EXPECT_TRUE(backend->run(model, {}, RunOptions()).empty());
  model.layers[0].heads[0].wo = Matrix(1, 7);
  EXPECT_NE(backend->supports(model), "");
  EXPECT_THROW(backend->run(model, {{0}}, RunOptions()), std::invalid_argument);
}

INSTANTIATE_TEST_SUITE_P(Precisions, CudaBackendTest,
                         ::testing::Values(PrecisionKind::Float32, PrecisionKind::Float64),
                         [](const auto &info) {
                           return info.param == PrecisionKind::Float32 ? "f32" : "f64";
                         });

} // namespace
