// The CPU backend's cached decode (PreparedModel::startDecode) against its
// full forward pass: on causal compiled programs, a sequence extended a
// token at a time gives at every appended position the outputs that run()
// gives on the whole sequence (categorical labels equal, numbers within
// CpuOracleTolerance), and the tokens of the model without the causal mask.
#include "compiler/analysis/Causal.h"
#include "compiler/codegen/Pipeline.h"
#include "runtime/Backend.h"
#include "tests/differential/DifferentialTable.h"
#include "tests/unit/ElaboratedProgram.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>

using namespace rasp;
using namespace rasp::runtime;

namespace {

using Program = unittests::ElaboratedProgram;

/// The reversed copy of tests/lit/generate/Inputs/revcopy.rasp: three
/// layers, categorical.
const char *const RevCopy =
    "seen = selector_width(select(tokens, \"#\", ==) and select(indices, indices, <=)) > 0;"
    "written = selector_width(select(seen, True, ==) and select(indices, indices, <=)) - 1;"
    "source = indices - 2 * written - 1 if seen else -1;"
    "next = aggregate(select(indices, source, ==) and select(indices, indices, <=), tokens, "
    "\"$\");";

/// A numerical output: the mean of the tokens so far.
const char *const PrefixMean =
    "next = numerical(aggregate(select(indices, indices, <=), numerical(tokens_int)));";

/// `count` random sequences of 1..maxLen token ids below `vocab`.
std::vector<TokenIds> randomSequences(int64_t vocab, int64_t maxLen, size_t count) {
  std::mt19937_64 random(11);
  std::vector<TokenIds> out;
  for (size_t i = 0; i < count; ++i) {
    TokenIds ids(1 + static_cast<int64_t>(i) % maxLen);
    for (int64_t &id : ids)
      id = static_cast<int64_t>(random() % vocab);
    out.push_back(ids);
  }
  return out;
}

bool near(double got, double want) {
  return std::fabs(got - want) <= CpuOracleTolerance * std::max(1.0, std::fabs(want));
}

/// Compiles `next` with the causal mask, as `rasp generate` does, and
/// checks the cached decode of random sequences, split at every prompt
/// length, against run() on the masked and the unmasked model.
void expectCachedAsFull(const graph::Node *next, const std::vector<Atom> &vocab, int64_t maxLen) {
  ASSERT_EQ(analysis::firstLookAhead(next, maxLen), nullptr);
  codegen::CompiledProgram compiled = codegen::compileProgram(next, {vocab, maxLen});
  Model unmasked = compiled.model;
  Model &model = compiled.model;
  model.config.causal = true;
  std::unique_ptr<Backend> backend = makeCpuBackend();
  std::unique_ptr<PreparedModel> prepared = backend->prepare(model);
  std::vector<TokenIds> sequences =
      randomSequences(static_cast<int64_t>(vocab.size()), maxLen, 120);
  std::vector<RunResult> full = prepared->run(sequences, {});
  std::vector<RunResult> plain = backend->run(unmasked, sequences, {});
  for (size_t b = 0; b < sequences.size(); ++b) {
    const TokenIds &ids = sequences[b];
    SCOPED_TRACE("sequence " + std::to_string(b));
    for (size_t p = 0; p < ids.size(); ++p)
      EXPECT_TRUE(near(full[b].values[0][p], plain[b].values[0][p]))
          << "position " << p << ": " << full[b].values[0][p] << " masked, "
          << plain[b].values[0][p] << " without the mask";
    if (model.outputs[0].kind == OutputKind::Categorical) {
      EXPECT_EQ(full[b].outputs[0], plain[b].outputs[0]);
    }
    // The prompt: the first b % n + 1 tokens; then one token a call.
    size_t prompt = b % ids.size() + 1;
    std::unique_ptr<CachedDecode> decode = prepared->startDecode();
    ASSERT_NE(decode, nullptr);
    RunResult first = decode->extend(TokenIds(ids.begin(), ids.begin() + prompt));
    std::vector<double> values = first.values[0];
    std::vector<std::string> labels = first.outputs[0];
    for (size_t p = prompt; p < ids.size(); ++p) {
      RunResult one = decode->extend({ids[p]});
      ASSERT_EQ(one.values[0].size(), 1u);
      values.push_back(one.values[0][0]);
      labels.push_back(one.outputs[0][0]);
    }
    ASSERT_EQ(values.size(), ids.size());
    for (size_t p = 0; p < ids.size(); ++p) {
      EXPECT_TRUE(near(values[p], full[b].values[0][p]))
          << "position " << p << ": " << values[p] << " vs " << full[b].values[0][p];
      if (model.outputs[0].kind == OutputKind::Categorical) {
        EXPECT_EQ(labels[p], full[b].outputs[0][p]) << "position " << p;
      }
    }
  }
}

std::vector<Atom> strings(std::initializer_list<const char *> texts) {
  std::vector<Atom> out;
  for (const char *t : texts)
    out.push_back(Atom::string(t));
  return out;
}

TEST(CachedDecodeTest, CategoricalThreeLayers) {
  Program p(RevCopy);
  expectCachedAsFull(p.node("next"), strings({"a", "b", "c", "#", "$"}), 16);
}

TEST(CachedDecodeTest, NumericalMean) {
  Program p(PrefixMean);
  expectCachedAsFull(p.node("next"), strings({"0", "1", "2", "5"}), 12);
}

/// Every program of the differential table whose selectors look back only
/// at max_len 8: the mask changes no output, and the cached decode agrees.
TEST(CachedDecodeTest, EveryProgramOfTheTableThatLooksBack) {
  constexpr int64_t MaxLen = 8;
  differential::TablePrograms programs(RASP_SOURCE_DIR);
  int checked = 0;
  for (const differential::TableRow &row : differential::readTable(RASP_SOURCE_DIR)) {
    const graph::Node *node = programs.node(row);
    if (row.heavy || analysis::firstLookAhead(node, MaxLen))
      continue;
    SCOPED_TRACE(row.file + " " + row.sop);
    expectCachedAsFull(node, row.vocab, std::min(MaxLen, row.limit.value_or(MaxLen)));
    ++checked;
  }
  EXPECT_GE(checked, 3) << "too few programs of the table look back to test the cache on";
}

TEST(CachedDecodeTest, RefusesAModelWithoutTheMaskAndPastMaxLen) {
  Program p(RevCopy);
  codegen::CompiledProgram compiled =
      codegen::compileProgram(p.node("next"), {strings({"a", "#", "$"}), 4});
  std::unique_ptr<Backend> backend = makeCpuBackend();
  std::unique_ptr<PreparedModel> unmasked = backend->prepare(compiled.model);
  EXPECT_THROW(unmasked->startDecode(), std::invalid_argument);
  compiled.model.config.causal = true;
  std::unique_ptr<PreparedModel> prepared = backend->prepare(compiled.model);
  std::unique_ptr<CachedDecode> decode = prepared->startDecode();
  decode->extend({0, 0, 1});
  decode->extend({0});
  EXPECT_THROW(decode->extend({0}), std::invalid_argument);
  EXPECT_THROW(prepared->startDecode()->extend({7}), std::invalid_argument);
}

} // namespace
