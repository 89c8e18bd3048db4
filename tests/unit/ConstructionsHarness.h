// The harness of the construction tests: a hand-made residual layout, a
// construction's weights assembled into a one-layer model and run in
// float32 on the CPU backend.
#pragma once

#include "compiler/codegen/assemble/Assemble.h"
#include "compiler/codegen/constructions/Constructions.h"

#include "runtime/Backend.h"

#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

namespace rasp::codegen::harness {

constexpr int One = 0, Bos = 1;

/// A residual layout: `one`, `bos`, then `tokens` one-hot dimensions, then
/// any scratch dimensions. Token t also writes `tokenNumbers[t]` into the
/// dimension `numberDim` when that is set.
struct Layout {
  int tokens = 0;
  int extra = 0;
  int numberDim = -1;
  std::vector<double> tokenNumbers;
  int64_t maxLen = 8;

  int token(int t) const { return 2 + t; }
  int scratch(int i) const { return 2 + tokens + i; }

  ModelPlan plan() const {
    ModelPlan p;
    for (int t = 0; t < tokens; ++t)
      p.vocab.push_back(Atom::integer(t));
    p.maxLen = maxLen;
    p.dModel = 2 + tokens + extra;
    for (int d = 0; d < p.dModel; ++d) {
      Block f;
      f.label = "d" + std::to_string(d);
      f.encoding = EncodingKind::Numerical;
      f.firstDim = d;
      p.blocks.push_back(f);
    }
    for (int t = 0; t < tokens; ++t) {
      LinearForm row = {{One, 1.0}, {token(t), 1.0}};
      if (numberDim >= 0)
        row.emplace_back(numberDim, tokenNumbers[t]);
      p.tokenRows.push_back(row);
    }
    p.tokenRows.push_back({{One, 1.0}, {Bos, 1.0}});
    p.positionRows.assign(maxLen + 1, {});
    p.layers.resize(1);
    p.output.encoding = EncodingKind::Numerical;
    p.output.form = {{One, 1.0}};
    return p;
  }
};

/// The residual after the last layer, row p + 1 for token position p.
inline std::vector<std::vector<double>> run(const ModelPlan &plan,
                                            const std::vector<int64_t> &ids) {
  int64_t counted = -1;
  runtime::Model model = assembleModel(plan, &counted);
  EXPECT_EQ(model.validate(), "");
  // Assembly's count of the nonzeros it wrote is what reading every weight finds.
  EXPECT_EQ(counted, model.nonzeroParameters());
  auto backend = runtime::makeCpuBackend(runtime::PrecisionKind::Float32);
  runtime::RunResult result = backend->run(model, {ids}, {true})[0];
  const std::vector<double> &last = result.residual.back();
  std::vector<std::vector<double>> rows;
  for (size_t p = 0; p < ids.size(); ++p)
    rows.emplace_back(last.begin() + (p + 1) * plan.dModel, last.begin() + (p + 2) * plan.dModel);
  return rows;
}

inline std::vector<LinearForm> tokenReads(const Layout &layout) {
  std::vector<LinearForm> reads;
  for (int t = 0; t < layout.tokens; ++t)
    reads.push_back({{layout.token(t), 1.0}});
  return reads;
}

/// A table with cell [q][k] = holds(q, k).
template <typename Holds> BitMatrix tableOf(size_t queries, size_t keys, Holds holds) {
  BitMatrix table(queries, keys);
  for (size_t q = 0; q < queries; ++q)
    for (size_t k = 0; k < keys; ++k)
      table.set(q, k, holds(q, k));
  return table;
}

inline double scaleFor(int64_t maxLen) { return 2 * (std::log(double(maxLen) + 1) + 14); }

} // namespace rasp::codegen::harness
