// The compiler's pipeline, from an s-op of the RASP graph to a runtime model:
// value sets -> plan (encodings, fusion, layers, heads, residual layout) ->
// pruning (blocks nothing reads) -> assembly. Parsing and elaboration come before it (the driver's
// loadProgram); execution after it (runtime/).
#pragma once

#include "compiler/codegen/plan/Plan.h"
#include "compiler/codegen/plan/Planner.h"
#include "compiler/codegen/values/ValueSets.h"
#include "runtime/Model.h"

namespace rasp::codegen {

struct CompileOptions {
  std::vector<Atom> vocab;
  int64_t maxLen = 0;
  size_t valueLimit = 100'000; ///< Most values in one value set.
  size_t maxUnits = 200'000;   ///< Most hidden units in one MLP block.
  /// Most dense parameters the model may have (4 bytes each, as float32):
  /// past it the plan is refused before any weight is allocated.
  int64_t maxParams = DefaultMaxParams;
  /// Most s-ops and selectors on one chain below the s-op (the stages
  /// recurse along chains).
  size_t maxDepth = 400'000;

  static constexpr int64_t DefaultMaxParams = 1'000'000'000;
};

struct CompiledProgram {
  ValueSets values;
  ModelPlan plan;
  runtime::Model model;
  /// The model's nonzero weights, counted as assembly wrote them.
  int64_t nonzeroParameters = 0;
  double compileMs = 0; ///< Wall time of the three stages.
  /// The process's peak resident memory when compiling ended, in MiB (the
  /// operating system's count: parsing and evaluation before are in it).
  double peakMemoryMiB = 0;
};

/// Compiles `root`, the stages on a thread with a stack deep enough for
/// chains of `maxDepth`; throws CompileError (naming the s-op at fault, or
/// `root` for a chain past `maxDepth` or a model larger than `maxParams`).
CompiledProgram compileProgram(const graph::Node *root, const CompileOptions &options);

/// A lower max_len that compiles, for a refusal at options.maxLen.
struct LowerMaxLen {
  std::optional<int64_t> compiles; ///< The largest found (planned, in budget).
};
/// Bisects max_len between 1 and options.maxLen - 1 for the largest that
/// plans within the budgets (value sets, plan and --max-params; no weights
/// are made), taking refusals to start at some max_len and go on from
/// there; spends at most about `budgetMs` (the best found by then). Where
/// refusals are not monotone the one found still planned; nothing when no
/// max_len tried planned.
LowerMaxLen largestCompilingMaxLen(const graph::Node *root, const CompileOptions &options,
                                   double budgetMs);

/// The `--emit=values` dump: each s-op's value set, inputs first.
void dumpValueSets(const graph::Node *root, const ValueSets &sets, llvm::raw_ostream &out);

} // namespace rasp::codegen
