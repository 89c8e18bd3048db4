// Sizes that took quadratic time (issue 19), at growing sizes, so that the
// time per item can be read off: compiling chains of n maps (a plain chain,
// a select over one, and a numerical chain read through prefix counts), the
// REPL on n chained statements, and hist_nobos over a vocabulary of V
// tokens. Linear work shows as a constant time per item (the items/s
// counter, over wall time: compiling runs on a thread of its own); the
// figures are in docs/benchmarks.md.
#include "compiler/codegen/Pipeline.h"
#include "compiler/lang/Elaborate.h"
#include "compiler/repl/Repl.h"
#include "compiler/support/Diagnostics.h"

#include "llvm/Support/raw_ostream.h"

#include <benchmark/benchmark.h>

#include <string>

using namespace rasp;

namespace {

/// One elaborated program, built outside the timed loop.
struct Built {
  llvm::raw_null_ostream sink;
  DiagnosticEngine diags{&sink};
  lang::Elaborator elaborator{diags, lang::ElaborateOptions::defaults()};
  std::shared_ptr<lang::Env> scope;

  explicit Built(const std::string &program) {
    if (!elaborator.loadStdlib())
      std::abort();
    scope = elaborator.newProgramScope("bench");
    if (elaborator.runFile(diags.addFile("bench.rasp", program), scope))
      std::abort();
  }
  const graph::Node *node(const char *name) { return scope->find(name)->node(); }
};

/// A loop of n steps builds the chain (a file of n statements would time
/// the parser too).
std::string chain(int64_t n) {
  return "x = tokens_int;\nfor i in range(" + std::to_string(n) + ") { x = x + 1; }\n" +
         "y = aggregate(select(x, x, ==), tokens_int);\n" +
         "w = numerical(aggregate(select(indices, indices, <=), numerical(tokens_int)));\n" +
         "for i in range(" + std::to_string(n) + ") { w = w + 1; }\n";
}

void compileChain(benchmark::State &state, const char *sop) {
  Built built(chain(state.range(0)));
  const graph::Node *root = built.node(sop);
  std::vector<Atom> vocab = {Atom::integer(1), Atom::integer(2), Atom::integer(3)};
  for (auto _ : state)
    benchmark::DoNotOptimize(codegen::compileProgram(root, {vocab, 8}).model.config.dModel);
  state.SetItemsProcessed(state.iterations() * state.range(0));
}

/// x(n) = x(n-1) + 1: value sets over the cheapest cut, linear leaves.
void BM_CompileMapChain(benchmark::State &state) { compileChain(state, "x"); }
/// A select whose keys are the chain: positions that differ everywhere.
void BM_CompileSelectOverChain(benchmark::State &state) { compileChain(state, "y"); }
/// A numerical chain over a prefix mean: the count planner's forms.
void BM_CompileNumericalChain(benchmark::State &state) { compileChain(state, "w"); }

/// The REPL on n statements x1 = x0 + 1; ... each tried on the running
/// example: the evaluator pays for new nodes only.
void BM_ReplChain(benchmark::State &state) {
  std::vector<std::string> lines = {"x0 = indices;"};
  for (int64_t i = 1; i <= state.range(0); ++i)
    lines.push_back("x" + std::to_string(i) + " = x" + std::to_string(i - 1) + " + 1;");
  for (auto _ : state) {
    llvm::raw_null_ostream sink;
    DiagnosticEngine diags(&sink);
    lang::Elaborator elaborator(diags, lang::ElaborateOptions::defaults());
    if (!elaborator.loadStdlib())
      std::abort();
    size_t next = 0;
    lang::LineReader read = [&](const std::string &) -> std::optional<std::string> {
      if (next == lines.size())
        return std::nullopt;
      return lines[next++];
    };
    lang::runRepl(elaborator, diags, read, sink, {});
  }
  state.SetItemsProcessed(state.iterations() * state.range(0));
}

/// hist_nobos (selector_width of tokens == tokens) over V string tokens:
/// the select's table is filled from the values' ranks, a row of words at
/// a time. The dense model has about 2 V^2 parameters, mostly untouched
/// zero pages.
void BM_CompileHistogramVocab(benchmark::State &state) {
  Built built("hist = selector_width(select(tokens, tokens, ==));\n");
  const graph::Node *root = built.node("hist");
  std::vector<Atom> vocab;
  for (int64_t v = 0; v < state.range(0); ++v)
    vocab.push_back(Atom::string(std::to_string(v)));
  codegen::CompileOptions options{vocab, 8};
  options.maxParams = int64_t{1} << 40;
  for (auto _ : state)
    benchmark::DoNotOptimize(codegen::compileProgram(root, options).model.config.dModel);
  state.SetItemsProcessed(state.iterations() * state.range(0));
}

} // namespace

BENCHMARK(BM_CompileMapChain)
    ->Arg(1000)
    ->Arg(10000)
    ->Arg(100000)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();
BENCHMARK(BM_CompileSelectOverChain)
    ->Arg(1000)
    ->Arg(10000)
    ->Arg(100000)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();
BENCHMARK(BM_CompileNumericalChain)
    ->Arg(1000)
    ->Arg(10000)
    ->Arg(100000)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();
BENCHMARK(BM_ReplChain)->Arg(2000)->Arg(20000)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_CompileHistogramVocab)
    ->Arg(1000)
    ->Arg(5000)
    ->Arg(20000)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

BENCHMARK_MAIN();
