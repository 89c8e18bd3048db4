// The reference evaluator at scale (issue 20): sort, histogram, reverse and
// Dyck-2 from examples/ on 1,000 to 1,000,000 random tokens, in-process
// (targets: each under 1 s at 100,000 tokens, under 15 s at 1,000,000).
// BM_Matrices* runs the same programs on the matrix evaluator that the
// fused one replaced (tests/oracle/MatrixEvaluator), up to 10,000 tokens:
// past 65,536 it refuses, and before that budget it needed n^2/8 bytes per
// selector. Peak memory is the whole process's: bench/eval-scale.sh.
#include "bench/RandomInput.h"
#include "compiler/eval/Evaluate.h"
#include "compiler/lang/Elaborate.h"
#include "compiler/support/Diagnostics.h"
#include "tests/oracle/MatrixEvaluator.h"

#include "llvm/Support/raw_ostream.h"

#include <benchmark/benchmark.h>

#include <map>
#include <random>

using namespace rasp;

namespace {

struct Example {
  const char *file, *sop, *alphabet;
};

const Example Sort = {"examples/sort.rasp", "sorted", "abcdefghijklmnopqrstuvwxyz"};
const Example Histogram = {"examples/histogram.rasp", "hist_nobos", "abcdefgh"};
const Example Reverse = {"examples/reverse.rasp", "reverse", "abcdefghijklmnopqrstuvwxyz"};
const Example Dyck2 = {"examples/dyck.rasp", "dyck2_ptf", "(){}"};

/// The example files, elaborated once each.
struct Programs {
  llvm::raw_null_ostream sink;
  DiagnosticEngine diags{&sink};
  lang::Elaborator elaborator{diags, lang::ElaborateOptions::defaults()};
  std::map<std::string, std::shared_ptr<lang::Env>> scopes;

  Programs() {
    if (!elaborator.loadStdlib())
      std::abort();
  }
  const graph::Node *node(const Example &e) {
    auto &scope = scopes[e.file];
    if (!scope) {
      scope = elaborator.newProgramScope(e.file);
      std::optional<FileId> file = diags.loadFile(std::string(RASP_SOURCE_DIR) + "/" + e.file);
      if (!file || elaborator.runFile(*file, scope))
        std::abort();
    }
    return scope->find(e.sop)->node();
  }
};

Programs &programs() {
  static Programs p;
  return p;
}

template <typename E> void evaluate(benchmark::State &state, const Example &example) {
  const graph::Node *node = programs().node(example);
  std::vector<Atom> input = bench::randomInput(state.range(0), example.alphabet);
  for (auto _ : state) {
    E evaluator(input);
    benchmark::DoNotOptimize(evaluator.sequence(node).values.data());
  }
  state.SetItemsProcessed(state.iterations() * state.range(0));
}

void BM_Sort(benchmark::State &state) { evaluate<eval::Evaluator>(state, Sort); }
void BM_Histogram(benchmark::State &state) { evaluate<eval::Evaluator>(state, Histogram); }
void BM_Reverse(benchmark::State &state) { evaluate<eval::Evaluator>(state, Reverse); }
void BM_Dyck2(benchmark::State &state) { evaluate<eval::Evaluator>(state, Dyck2); }
void BM_MatricesSort(benchmark::State &state) { evaluate<oracle::MatrixEvaluator>(state, Sort); }
void BM_MatricesHistogram(benchmark::State &state) {
  evaluate<oracle::MatrixEvaluator>(state, Histogram);
}
void BM_MatricesReverse(benchmark::State &state) {
  evaluate<oracle::MatrixEvaluator>(state, Reverse);
}
void BM_MatricesDyck2(benchmark::State &state) { evaluate<oracle::MatrixEvaluator>(state, Dyck2); }

/// (100 tokens: what `rasp verify` evaluates, many times over.)
void sizes(benchmark::internal::Benchmark *b) {
  b->Arg(100)->Arg(1000)->Arg(10000)->Arg(100000)->Arg(1000000)->Unit(benchmark::kMillisecond);
}
void matrixSizes(benchmark::internal::Benchmark *b) {
  b->Arg(100)->Arg(1000)->Arg(10000)->Unit(benchmark::kMillisecond);
}

} // namespace

BENCHMARK(BM_Sort)->Apply(sizes);
BENCHMARK(BM_Histogram)->Apply(sizes);
BENCHMARK(BM_Reverse)->Apply(sizes);
BENCHMARK(BM_Dyck2)->Apply(sizes);
BENCHMARK(BM_MatricesSort)->Apply(matrixSizes);
BENCHMARK(BM_MatricesHistogram)->Apply(matrixSizes);
BENCHMARK(BM_MatricesReverse)->Apply(matrixSizes);
BENCHMARK(BM_MatricesDyck2)->Apply(matrixSizes);

BENCHMARK_MAIN();
