// Reference-evaluator speed: sort, histogram and Dyck-2 on 100, 1,000 and
// 10,000 tokens (targets: sort on 1,000 tokens under 20 ms, on 10,000 under
// 2 s and 1 GB). The baseline measured in the same run is evaluating
// `indices` alone, which costs only the input conversion.
#include "bench/RandomInput.h"
#include "compiler/eval/Evaluate.h"
#include "compiler/lang/Elaborate.h"
#include "compiler/support/Diagnostics.h"

#include "llvm/Support/raw_ostream.h"

#include <benchmark/benchmark.h>

#include <random>

using namespace rasp;

namespace {

const char *const Program = R"rasp(
sorted = sort(tokens, tokens);
hist = selector_width(select(tokens, tokens, ==));
def dyck(pairs) {
  openers = [p[0] for p in pairs];
  closers = [p[1] for p in pairs];
  is_open = indicator(tokens in openers);
  is_close = indicator(tokens in closers);
  prefix = select(indices, indices, <=);
  depth = round((indices + 1) * aggregate(prefix, is_open)) -
          round((indices + 1) * aggregate(prefix, is_close));
  level = depth + is_close;
  nth_at_level = selector_width(select(level, level, ==) and prefix);
  partner = select(is_open, True, ==) and select(level, level, ==) and
            select(nth_at_level, nth_at_level - 1, ==);
  opener = aggregate(partner, tokens, "-");
  matches = opener + tokens in pairs;
  bad_close = is_close and not matches;
  broken = aggregate(prefix, indicator(bad_close or (depth < 0))) > 0;
  return "F" if broken else ("T" if depth == 0 else "P");
}
dyck2 = dyck(["()", "{}"]);
plain = indices;
)rasp";

/// The elaborated program, built once.
struct Fixture {
  llvm::raw_null_ostream sink;
  DiagnosticEngine diags{&sink};
  std::unique_ptr<lang::Elaborator> elaborator;
  std::shared_ptr<lang::Env> scope;

  Fixture() {
    lang::ElaborateOptions options = lang::ElaborateOptions::defaults();
    elaborator = std::make_unique<lang::Elaborator>(diags, options);
    if (!elaborator->loadStdlib())
      std::abort();
    scope = elaborator->newProgramScope("bench");
    if (elaborator->runFile(diags.addFile("bench.rasp", Program), scope))
      std::abort();
  }
  const graph::Node *node(const char *name) { return scope->find(name)->node(); }
};

Fixture &fixture() {
  static Fixture f;
  return f;
}

void evaluate(benchmark::State &state, const char *name, const std::string &alphabet) {
  const graph::Node *node = fixture().node(name);
  std::vector<Atom> input = bench::randomInput(state.range(0), alphabet);
  for (auto _ : state) {
    eval::Evaluator evaluator(input);
    benchmark::DoNotOptimize(evaluator.sequence(node).values.data());
  }
  state.SetItemsProcessed(state.iterations() * state.range(0));
}

void BM_Indices(benchmark::State &state) { evaluate(state, "plain", "abcdefgh"); }
void BM_Sort(benchmark::State &state) { evaluate(state, "sorted", "abcdefghijklmnopqrstuvwxyz"); }
void BM_Histogram(benchmark::State &state) { evaluate(state, "hist", "abcdefgh"); }
void BM_Dyck2(benchmark::State &state) { evaluate(state, "dyck2", "(){}"); }

} // namespace

BENCHMARK(BM_Indices)->Arg(100)->Arg(1000)->Arg(10000)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Sort)->Arg(100)->Arg(1000)->Arg(10000)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Histogram)->Arg(100)->Arg(1000)->Arg(10000)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Dyck2)->Arg(100)->Arg(1000)->Arg(10000)->Unit(benchmark::kMillisecond);

BENCHMARK_MAIN();
