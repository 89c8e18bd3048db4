// Compiler speed. Targets (issue 5): compile time under 100 ms for every
// program of the differential table at max_len 64, Dyck-2 at max_len 40
// under 1 s. Each benchmark also reports the model's layers, d_model and
// dense parameters as counters. Compiled models' forward passes are timed
// in bench_forward (ForwardBench.cpp).
#include "compiler/codegen/Pipeline.h"
#include "tests/differential/DifferentialTable.h"

#include <benchmark/benchmark.h>

using namespace rasp;

namespace {

using Program = differential::TableRow;

differential::TablePrograms &programs() {
  static differential::TablePrograms p(RASP_SOURCE_DIR);
  return p;
}

void compile(benchmark::State &state, Program p, int64_t maxLen) {
  const graph::Node *root = programs().node(p);
  codegen::CompiledProgram compiled;
  for (auto _ : state) {
    codegen::CompiledProgram next;
    try {
      next = codegen::compileProgram(root, {p.vocab, maxLen});
    } catch (const codegen::CompileError &e) {
      state.SkipWithError(("refused: " + e.message).c_str());
      return;
    }
    benchmark::DoNotOptimize(next.model.config.dModel);
    // Freeing the previous model (gigabytes for the largest) is not part
    // of compiling this one.
    state.PauseTiming();
    compiled = std::move(next);
    state.ResumeTiming();
  }
  state.counters["layers"] = static_cast<double>(compiled.model.layers.size());
  state.counters["d_model"] = static_cast<double>(compiled.model.config.dModel);
  state.counters["params"] = static_cast<double>(compiled.model.parameters());
}

/// Registers the compile benchmarks (each table program at 64, and at 40
/// for Dyck-2).
int registered = [] {
  for (const Program &p : differential::readTable(RASP_SOURCE_DIR)) {
    benchmark::RegisterBenchmark(("BM_Compile/" + p.sop + "/64").c_str(), compile, p, 64)
        ->Unit(benchmark::kMillisecond);
    if (p.sop == "dyck2_ptf")
      benchmark::RegisterBenchmark(("BM_Compile/" + p.sop + "/40").c_str(), compile, p, 40)
          ->Unit(benchmark::kMillisecond);
  }
  return 0;
}();

} // namespace

BENCHMARK_MAIN();
