// The CUDA backend's host side (runtime/cuda/Plan.h), on the CPU: the packed
// weights and batch layout, run through plain loops that do what each
// kernel does, must give what the CPU backend gives; and the layout,
// chunking and decoding on small cases worked out by hand.
#include "runtime/cuda/Plan.h"
#include "tests/gpu/PackedReference.h"

#include <gtest/gtest.h>

#include <stdexcept>

using namespace rasp;
using namespace rasp::runtime;
using namespace rasp::runtime::cuda;

namespace {

void expectPipelineMatchesCpu(bool causal) {
  std::mt19937 random(11);
  Model model = test::randomModel(random, causal);
  ASSERT_EQ(model.validate(), "");
  std::vector<TokenIds> batch = test::randomBatch({3, 0, 6, 1, 5}, 3, random);
  RunOptions trace;
  trace.trace = true;
  std::vector<RunResult> expected =
      makeCpuBackend(PrecisionKind::Float64)->run(model, batch, trace);

  PackedModel<double> packed = packModel<double>(model);
  BatchLayout layout = layoutBatch(model, batch, 0, batch.size());
  std::vector<std::vector<double>> traces;
  std::vector<double> readouts =
      test::forwardLoop(packed, layout, model.config.softmaxScale, causal, traces);
  std::vector<RunResult> got = assembleResults(model, layout, readouts, traces);

  test::expectSameResults(got, expected, 1e-9);
}

TEST(CudaPlanTest, PackedPipelineMatchesTheCpuBackend) { expectPipelineMatchesCpu(false); }

TEST(CudaPlanTest, PackedPipelineMatchesTheCpuBackendCausal) { expectPipelineMatchesCpu(true); }

TEST(CudaPlanTest, PacksHeadsSideBySide) {
  std::mt19937 random(3);
  Model model = test::randomModel(random, false);
  PackedModel<float> packed = packModel<float>(model);
  ASSERT_EQ(packed.layers.size(), 3u);
  // Layer 1: heads (d_head, d_value) = (3, 2), (1, 5), (4, 1): Q columns
  // 0..7, K 8..15, V 16..23; attended columns 0..7.
  const PackedLayer<float> &first = packed.layers[0];
  EXPECT_EQ(first.qkvWidth, 24);
  EXPECT_EQ(first.valueWidth, 8);
  EXPECT_EQ(first.hidden, 5);
  const HeadSpan &second = first.heads[1];
  EXPECT_EQ(second.q, 3);
  EXPECT_EQ(second.k, 11);
  EXPECT_EQ(second.v, 18);
  EXPECT_EQ(second.dHead, 1);
  EXPECT_EQ(second.dValue, 5);
  EXPECT_EQ(second.out, 2);
  EXPECT_EQ(first.heads[2].v, 23);
  EXPECT_EQ(first.heads[2].out, 7);
  const Head &head = model.layers[0].heads[1];
  for (int64_t r = 0; r < 7; ++r) {
    EXPECT_EQ(first.wqkv[r * 24 + 3], head.wq.at(r, 0));
    EXPECT_EQ(first.wqkv[r * 24 + 11], head.wk.at(r, 0));
    for (int64_t c = 0; c < 5; ++c)
      EXPECT_EQ(first.wqkv[r * 24 + 18 + c], head.wv.at(r, c));
  }
  for (int64_t r = 0; r < 5; ++r)
    for (int64_t c = 0; c < 7; ++c)
      EXPECT_EQ(first.wo[(2 + r) * 7 + c], head.wo.at(r, c));
  // Layer 2 has only an MLP, layer 3 only a head.
  EXPECT_EQ(packed.layers[1].qkvWidth, 0);
  EXPECT_EQ(packed.layers[1].hidden, 9);
  EXPECT_EQ(packed.layers[2].hidden, 0);
  EXPECT_EQ(packed.rowWidth(), 7 + 24 + 8 + 9);
  // Outputs: dims side by side, weights only for the weighted one.
  const PackedOutputs &outputs = packed.outputs;
  ASSERT_EQ(outputs.specs.size(), 3u);
  EXPECT_EQ(outputs.specs[0].categorical, 1);
  EXPECT_EQ(outputs.specs[1].first, 3);
  EXPECT_EQ(outputs.specs[1].weighted, 0);
  EXPECT_EQ(outputs.specs[2].first, 4);
  EXPECT_EQ(outputs.specs[2].count, 3);
  EXPECT_EQ(outputs.specs[2].weighted, 1);
  EXPECT_EQ(outputs.dims, (std::vector<int32_t>{1, 4, 6, 2, 0, 5, 3}));
  EXPECT_EQ(outputs.weights, (std::vector<double>{0, 0, 0, 0, 0.5, -2.0, 1.25}));
}

TEST(CudaPlanTest, ChecksumSeesEveryWeight) {
  std::mt19937 random(3);
  Model model = test::randomModel(random, false);
  uint64_t before = modelChecksum(model);
  EXPECT_EQ(modelChecksum(model), before);
  Model copy = model;
  EXPECT_EQ(modelChecksum(copy), before); // The contents, not the buffers.
  copy.layers[2].heads[0].wo.data.back() += 1e-3f;
  EXPECT_NE(modelChecksum(copy), before);
  copy = model;
  copy.layers[1].mlp.b2.at(0, 6) = 0;
  EXPECT_NE(modelChecksum(copy), before);
  copy = model;
  copy.tokenEmbedding.data[1] = -copy.tokenEmbedding.data[1];
  EXPECT_NE(modelChecksum(copy), before);
  copy = model;
  copy.config.causal = true;
  EXPECT_NE(modelChecksum(copy), before);
  copy = model;
  copy.outputs[2].weights[1] = 2.0;
  EXPECT_NE(modelChecksum(copy), before);
}

TEST(CudaPlanTest, LaysOutRaggedBatches) {
  std::mt19937 random(3);
  Model model = test::randomModel(random, false); // vocab 3: BOS is id 3
  std::vector<TokenIds> batch = {{1}, {2, 1}, {}, {0}};
  BatchLayout layout = layoutBatch(model, batch, 1, 3);
  EXPECT_EQ(layout.rows, 3 + 1 + 2);
  EXPECT_EQ(layout.longest, 3);
  EXPECT_EQ(layout.seqStart, (std::vector<int32_t>{0, 3, 4}));
  EXPECT_EQ(layout.seqRows, (std::vector<int32_t>{3, 1, 2}));
  EXPECT_EQ(layout.rowToken, (std::vector<int32_t>{3, 2, 1, 3, 3, 0}));
  EXPECT_EQ(layout.rowPosition, (std::vector<int32_t>{0, 1, 2, 0, 0, 1}));
  EXPECT_EQ(layout.tokenRow, (std::vector<int32_t>{1, 2, 5}));
  EXPECT_EQ(layout.tokenStart, (std::vector<int32_t>{0, 2, 2}));
}

TEST(CudaPlanTest, RejectsInputsAsTheCpuBackendDoes) {
  std::mt19937 random(3);
  Model model = test::randomModel(random, false, 4);
  EXPECT_THROW(layoutBatch(model, {{0, 1, 2, 0, 1}}, 0, 1), std::invalid_argument);
  EXPECT_THROW(layoutBatch(model, {{0, 3}}, 0, 1), std::invalid_argument); // BOS as a token
  EXPECT_THROW(layoutBatch(model, {{-1}}, 0, 1), std::invalid_argument);
  EXPECT_NO_THROW(layoutBatch(model, {{0, 1, 2, 0}}, 0, 1));
}

TEST(CudaPlanTest, ChunksBatchesByRows) {
  std::vector<TokenIds> batch(3, TokenIds(3)); // 4 rows each
  using Chunks = std::vector<std::pair<size_t, size_t>>;
  EXPECT_EQ(chunkBatch(batch, 8), (Chunks{{0, 2}, {2, 1}}));
  EXPECT_EQ(chunkBatch(batch, 12), (Chunks{{0, 3}}));
  EXPECT_EQ(chunkBatch(batch, 3), (Chunks{{0, 1}, {1, 1}, {2, 1}})); // over budget: alone
  EXPECT_EQ(chunkBatch({}, 8), Chunks{});
}

TEST(CudaPlanTest, DecodesReadoutsAndSplitsTraces) {
  std::mt19937 random(3);
  Model model = test::randomModel(random, false);
  BatchLayout layout = layoutBatch(model, {{0, 1}, {2}}, 0, 2);
  // Outputs cat, num, mix at tokens 0, 1 (input 0) and 2 (input 1).
  std::vector<double> readouts = {2, 0, 1, 0.25, -3, 7, -0.2, 0.1, 5};
  std::vector<std::vector<float>> traces(2, std::vector<float>(5 * 7));
  for (size_t i = 0; i < traces[1].size(); ++i)
    traces[1][i] = static_cast<float>(i);
  std::vector<RunResult> results = assembleResults(model, layout, readouts, traces);
  ASSERT_EQ(results.size(), 2u);
  EXPECT_EQ(results[0].outputs[0], (std::vector<std::string>{"r", "p"}));
  EXPECT_EQ(results[1].outputs[0], (std::vector<std::string>{"q"}));
  EXPECT_EQ(results[0].choices[0], (std::vector<int64_t>{2, 0}));
  EXPECT_EQ(results[0].values[1], (std::vector<double>{0.25, -3}));
  EXPECT_EQ(results[0].choices[1], (std::vector<int64_t>{-1, -1}));
  EXPECT_EQ(results[0].outputs[1][0], std::to_string(0.25));
  // mix: levels -1 and 1 named lo and hi; the nearest one is chosen.
  EXPECT_EQ(results[0].outputs[2], (std::vector<std::string>{"lo", "hi"}));
  EXPECT_EQ(results[1].choices[2], (std::vector<int64_t>{1}));
  EXPECT_EQ(results[1].values[2], (std::vector<double>{5}));
  // Input 1's rows are 3 and 4 of the chunk.
  ASSERT_EQ(results[1].residual.size(), 2u);
  ASSERT_EQ(results[1].residual[1].size(), 2u * 7);
  EXPECT_EQ(results[1].residual[1][0], 21.0);
  EXPECT_EQ(results[1].residual[1][13], 34.0);
}

} // namespace
