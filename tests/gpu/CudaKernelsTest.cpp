// Every kernel of the CUDA backend, and its GEMM wrapper, against the plain
// loop that says what it computes (tests/gpu/PackedReference.h): random
// values, odd sizes, sequences longer than a warp, causal and not, in float
// and double. Skipped, with the reason, where there is no CUDA device.
#include "runtime/cuda/Attention.cuh"
#include "runtime/cuda/Check.h"
#include "runtime/cuda/Elementwise.cuh"
#include "runtime/cuda/Gemm.h"
#include "runtime/cuda/Readout.cuh"
#include "tests/gpu/PackedReference.h"

#include <gtest/gtest.h>

using namespace rasp;
using namespace rasp::runtime;
using namespace rasp::runtime::cuda;

namespace {

/// Why no device can run the tests, or "" if one can.
std::string noDevice() {
  int count = 0;
  cudaError_t status = cudaGetDeviceCount(&count);
  if (status != cudaSuccess)
    return cudaGetErrorString(status);
  return count == 0 ? "no CUDA-capable device is detected" : "";
}

template <typename T> class CudaKernelsTest : public ::testing::Test {
public:
  void SetUp() override {
    std::string why = noDevice();
    if (!why.empty())
      GTEST_SKIP() << "no CUDA device available: " << why;
  }
  std::mt19937 random{17};

  std::vector<T> randomValues(size_t n) {
    std::uniform_real_distribution<double> value(-1.0, 1.0);
    std::vector<T> out(n);
    for (T &v : out)
      v = static_cast<T>(value(random));
    return out;
  }
  /// float agrees to rounding over short sums, double to far less.
  static double tolerance() { return sizeof(T) == 4 ? 2e-5 : 1e-12; }
};

using Precisions = ::testing::Types<float, double>;
TYPED_TEST_SUITE(CudaKernelsTest, Precisions);

template <typename T> DeviceBuffer<T> onDevice(const std::vector<T> &host) {
  DeviceBuffer<T> out(host.size());
  out.upload(host.data(), host.size());
  return out;
}

template <typename T> std::vector<T> toHost(const DeviceBuffer<T> &device) {
  std::vector<T> out(device.size());
  device.download(out.data(), out.size());
  return out;
}

template <typename T>
void expectNear(const std::vector<T> &got, const std::vector<T> &want, double tolerance) {
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < got.size(); ++i)
    ASSERT_NEAR(double(got[i]), double(want[i]),
                tolerance * std::max(1.0, std::fabs(double(want[i]))))
        << "element " << i;
}

/// A layout of ragged sequences over a model with `vocab` tokens.
BatchLayout layoutOf(const std::vector<size_t> &lengths, int64_t maxLen, std::mt19937 &random) {
  Model model;
  model.vocab = {"a", "b", "c"};
  model.config.maxLen = maxLen;
  std::vector<TokenIds> batch = test::randomBatch(lengths, 3, random);
  return layoutBatch(model, batch, 0, batch.size());
}

TYPED_TEST(CudaKernelsTest, EmbedGathersTokenAndPositionRows) {
  using T = TypeParam;
  const int64_t d = 13;
  BatchLayout layout = layoutOf({0, 5, 40, 1}, 40, this->random);
  PackedModel<T> model;
  model.dModel = d;
  model.tokens = this->randomValues(4 * d);
  model.positions = this->randomValues(41 * d);
  auto tokens = onDevice(model.tokens), positions = onDevice(model.positions);
  auto rowToken = onDevice(layout.rowToken), rowPosition = onDevice(layout.rowPosition);
  DeviceBuffer<T> x(static_cast<size_t>(layout.rows * d));
  launchEmbed(x.get(), tokens.get(), positions.get(), rowToken.get(), rowPosition.get(),
              layout.rows, d);
  EXPECT_EQ(toHost(x), test::embedLoop(model, layout.rowToken, layout.rowPosition));
}

TYPED_TEST(CudaKernelsTest, AddBiasWithAndWithoutReLU) {
  using T = TypeParam;
  const int64_t rows = 37, cols = 11;
  std::vector<T> m = this->randomValues(rows * cols), bias = this->randomValues(cols);
  for (bool relu : {false, true}) {
    std::vector<T> want = m;
    test::addBiasLoop(want.data(), bias.data(), rows, cols, relu);
    auto device = onDevice(m), deviceBias = onDevice(bias);
    launchAddBias(device.get(), deviceBias.get(), rows, cols, relu);
    EXPECT_EQ(toHost(device), want) << "relu " << relu;
  }
}

TYPED_TEST(CudaKernelsTest, GemmRowMajorWithStridesAndBeta) {
  using T = TypeParam;
  cublasHandle_t handle = nullptr;
  ASSERT_EQ(cublasCreate(&handle), CUBLAS_STATUS_SUCCESS);
  ASSERT_EQ(cublasSetMathMode(handle, CUBLAS_PEDANTIC_MATH), CUBLAS_STATUS_SUCCESS);
  // A is 37 x 19 inside rows of 23, B 19 x 29 inside rows of 31, C 37 x 29 inside rows of 30.
  const int64_t m = 37, n = 29, k = 19, lda = 23, ldb = 31, ldc = 30;
  std::vector<T> a = this->randomValues(m * lda), b = this->randomValues(k * ldb);
  for (T beta : {T(0), T(1)}) {
    std::vector<T> c = this->randomValues(m * ldc), want = c;
    test::gemmLoop(m, n, k, a.data(), lda, b.data(), ldb, beta, want.data(), ldc);
    auto da = onDevice(a), db = onDevice(b), dc = onDevice(c);
    gemmRowMajor(handle, m, n, k, da.get(), lda, db.get(), ldb, beta, dc.get(), ldc);
    expectNear(toHost(dc), want, this->tolerance() * 10);
  }
  cublasDestroy(handle);
}

/// Attention over random Q, K and V for heads of odd widths (one with more
/// value columns than a warp has lanes), on sequences from 1 to `longest` rows.
template <typename T>
void checkAttention(CudaKernelsTest<T> &test, bool causal, std::vector<size_t> lengths) {
  int64_t maxLen = static_cast<int64_t>(*std::max_element(lengths.begin(), lengths.end()));
  BatchLayout layout = layoutOf(lengths, maxLen, test.random);
  std::vector<HeadSpan> heads = {
      {0, 10, 20, 3, 2, 0}, {3, 13, 22, 7, 37, 2}, {10, 17, 59, 0, 1, 39}};
  const int64_t qkvWidth = 60, valueWidth = 40;
  std::vector<T> qkv = test.randomValues(layout.rows * qkvWidth);
  std::vector<T> want(layout.rows * valueWidth, T(0));
  const double scale = 1.7;
  test::attentionLoop(qkv, qkvWidth, want, valueWidth, heads, layout.seqStart, layout.seqRows,
                      double(T(scale)), causal);
  auto dqkv = onDevice(qkv);
  auto dheads = onDevice(heads);
  auto seqStart = onDevice(layout.seqStart), seqRows = onDevice(layout.seqRows);
  auto attended = onDevice(std::vector<T>(want.size(), T(0)));
  launchAttention(dqkv.get(), qkvWidth, attended.get(), valueWidth, dheads.get(),
                  static_cast<int32_t>(heads.size()), seqStart.get(), seqRows.get(),
                  static_cast<int32_t>(layout.count), layout.longest, T(scale), causal);
  expectNear(toHost(attended), want, test.tolerance() * 10);
}

TYPED_TEST(CudaKernelsTest, AttentionMatchesTheLoop) {
  checkAttention(*this, false, {0, 1, 5, 33, 70, 2});
}

TYPED_TEST(CudaKernelsTest, CausalAttentionMatchesTheLoop) {
  checkAttention(*this, true, {0, 1, 5, 33, 70, 2});
}

TYPED_TEST(CudaKernelsTest, AttentionOnLongSequencesWithFewerWarps) {
  // 2,001 rows: 3 warps in double, 6 in float, within 48 KiB of scores.
  EXPECT_LT(attentionWarps(2001, sizeof(TypeParam)), 8);
  checkAttention(*this, false, {2000, 17});
  checkAttention(*this, true, {2000});
}

TYPED_TEST(CudaKernelsTest, ReadoutDecodesEveryOutputKind) {
  using T = TypeParam;
  const int64_t d = 9;
  BatchLayout layout = layoutOf({3, 0, 41}, 41, this->random);
  std::vector<T> x = this->randomValues(layout.rows * d);
  x[layout.tokenRow[0] * d + 4] = x[layout.tokenRow[0] * d + 2]; // a tie: the first dim wins
  std::vector<OutputSpec> specs = {{1, 0, 3, 0}, {0, 3, 1, 0}, {0, 4, 3, 1}, {1, 7, 1, 0}};
  std::vector<int32_t> dims = {2, 4, 8, 5, 0, 1, 7, 3};
  std::vector<double> weights = {0, 0, 0, 0, 0.5, -2, 1.25, 0};
  std::vector<double> want = test::readoutLoop(x, d, layout.tokenRow, specs, dims, weights);
  auto dx = onDevice(x);
  auto rows = onDevice(layout.tokenRow);
  auto dspecs = onDevice(specs);
  auto ddims = onDevice(dims);
  auto dweights = onDevice(weights);
  DeviceBuffer<double> readouts(want.size());
  launchReadout(dx.get(), d, rows.get(), static_cast<int64_t>(layout.tokenRow.size()), dspecs.get(),
                static_cast<int32_t>(specs.size()), ddims.get(), dweights.get(), readouts.get());
  std::vector<double> got = toHost(readouts);
  ASSERT_EQ(got.size(), want.size());
  size_t tokens = layout.tokenRow.size();
  for (size_t i = 0; i < got.size(); ++i)
    if (specs[i / tokens].categorical)
      EXPECT_EQ(got[i], want[i]) << "readout " << i;
    else
      EXPECT_NEAR(got[i], want[i], 1e-12) << "readout " << i;
}

} // namespace
