// The fast CPU backend, on every instruction set this CPU has, against the
// dense one (the oracle) on every program of the differential table: the same
// categorical outputs, and numbers (raw values and the levels read from them)
// within CpuOracleTolerance, on random inputs of every length.
#include "compiler/codegen/Pipeline.h"
#include "runtime/Backend.h"
#include "runtime/cpu/Kernels.h"
#include "tests/differential/DifferentialTable.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>

using namespace rasp;
using namespace rasp::runtime;

namespace {

/// `count` random inputs whose lengths cycle through 1..maxLen.
std::vector<TokenIds> randomInputs(size_t vocab, int64_t maxLen, size_t count) {
  std::mt19937_64 random(5);
  std::vector<TokenIds> inputs;
  for (size_t i = 0; i < count; ++i) {
    TokenIds ids(1 + static_cast<int64_t>(i) % maxLen);
    for (int64_t &id : ids)
      id = static_cast<int64_t>(random() % vocab);
    inputs.push_back(ids);
  }
  return inputs;
}

bool near(double got, double want) {
  return std::fabs(got - want) <= CpuOracleTolerance * std::max(1.0, std::fabs(want));
}

/// Whether the levels are all integers (a sum's, decoded as the nearest).
bool isIntegralSet(const std::vector<double> &levels) {
  return std::all_of(levels.begin(), levels.end(), [](double v) { return v == std::nearbyint(v); });
}

/// One output of one input: the fast backend's against the dense one's.
void expectSameOutput(const Output &output, const RunResult &fast, const RunResult &dense,
                      size_t o) {
  if (output.kind == OutputKind::Categorical) {
    EXPECT_EQ(fast.outputs[o], dense.outputs[o]);
    return;
  }
  // A value set may hold levels 1e-16 apart, either of which is right: the
  // levels read are compared as numbers. A number decoded as the nearest
  // integer (a sum over every key, off by up to 3/8 by the planner's
  // bound) must give the same integer, and be within a quarter of it.
  for (size_t p = 0; p < dense.values[o].size(); ++p) {
    double read = fast.values[o][p], oracle = dense.values[o][p];
    if (output.integral || (!output.levels.empty() && isIntegralSet(output.levels))) {
      EXPECT_LE(std::fabs(read - oracle), 0.25)
          << "position " << p << ": " << read << " vs " << oracle;
      EXPECT_EQ(std::nearbyint(read), std::nearbyint(oracle)) << "position " << p;
    } else {
      EXPECT_TRUE(near(read, oracle)) << "position " << p << ": " << read << " vs " << oracle;
    }
    int64_t got = fast.choices[o][p], want = dense.choices[o][p];
    ASSERT_EQ(got < 0, want < 0);
    if (want < 0)
      continue;
    EXPECT_TRUE(near(output.levels[got], output.levels[want]))
        << "position " << p << ": level " << output.levels[got] << " vs " << output.levels[want];
  }
}

/// Both backends on `count` inputs of the row's program compiled at maxLen,
/// the fast one running each batch on `threads` threads.
void expectSameAsDense(differential::TablePrograms &programs, const differential::TableRow &row,
                       int64_t maxLen, size_t count, unsigned threads = 1) {
  SCOPED_TRACE(row.sop + " at max_len " + std::to_string(maxLen));
  codegen::CompiledProgram compiled =
      codegen::compileProgram(programs.node(row), {row.vocab, maxLen});
  const Model &model = compiled.model;
  // The dense pass costs its parameters per token: a model past a million
  // (rle_lengths, 84M at 16) runs on fewer inputs, at least 4, so that the
  // sanitizer build's run stays near a minute.
  double parameters = static_cast<double>(model.parameters());
  if (parameters > 1e6)
    count = std::max<size_t>(4, static_cast<size_t>(static_cast<double>(count) * 1e6 / parameters));
  std::vector<TokenIds> inputs = randomInputs(row.vocab.size(), maxLen, count);
  std::vector<RunResult> dense = makeDenseCpuBackend()->run(model, inputs, {});
  for (cpu::IsaKind isa : {cpu::IsaKind::Sse2, cpu::IsaKind::Avx2, cpu::IsaKind::Avx512}) {
    if (!cpu::isaSupported(isa))
      continue;
    SCOPED_TRACE(cpu::isaName(isa));
    RunOptions options;
    options.threads = threads;
    std::vector<RunResult> fast =
        cpu::makeCpuBackendFor(PrecisionKind::Float32, isa)->run(model, inputs, options);
    ASSERT_EQ(fast.size(), dense.size());
    for (size_t b = 0; b < dense.size(); ++b)
      for (size_t o = 0; o < model.outputs.size(); ++o) {
        SCOPED_TRACE("input " + std::to_string(b));
        expectSameOutput(model.outputs[o], fast[b], dense[b], o);
      }
  }
}

TEST(CpuOracleTest, EveryTableProgramAtMaxLen16) {
  differential::TablePrograms programs(RASP_SOURCE_DIR);
  std::vector<differential::TableRow> rows = differential::readTable(RASP_SOURCE_DIR);
  ASSERT_GT(rows.size(), 50u);
  for (const differential::TableRow &row : rows)
    expectSameAsDense(programs, row, std::min<int64_t>(16, row.limit.value_or(16)), 48);
}

/// The models of the speed targets at the max_len they are measured at,
/// whose batches span several of the fast backend's row groups (about 14
/// inputs each for reverse), shared out among three threads.
TEST(CpuOracleTest, SpeedTargetsAtMaxLen64) {
  differential::TablePrograms programs(RASP_SOURCE_DIR);
  for (const differential::TableRow &row : differential::readTable(RASP_SOURCE_DIR))
    if (row.sop == "reverse" || row.sop == "sorted" || row.sop == "dyck2_ptf")
      expectSameAsDense(programs, row, 64, 192, 3);
}

} // namespace
