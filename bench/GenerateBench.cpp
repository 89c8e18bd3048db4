// Autoregressive decoding on the CPU backend, cached (PreparedModel::
// startDecode: each step computes the appended position alone) against
// recomputing every position at every step, on the reversed copy of
// tests/lit/generate/Inputs/revcopy.rasp, whose selectors look back only.
// Both decodes must write the same tokens (checked before timing);
// BM_CachedOverRecomputed times both in the same run and reports the ratio.
#include "bench/BenchPrograms.h"
#include "compiler/analysis/Causal.h"
#include "runtime/Backend.h"

#include <benchmark/benchmark.h>

#include <chrono>
#include <cstdio>
#include <random>

using namespace rasp;
using namespace rasp::runtime;

namespace {

constexpr int64_t Prompts = 8;

/// The model compiled at `maxLen` with the causal mask, as `rasp generate`
/// compiles it, prepared on the CPU backend; and the prompts: letters, then
/// "#", half of max_len long, so that each decodes to max_len.
struct Workload {
  codegen::CompiledProgram compiled;
  std::unique_ptr<Backend> backend = makeCpuBackend();
  std::unique_ptr<PreparedModel> prepared;
  std::vector<TokenIds> prompts;
  /// The vocabulary id of each output label (-1: none).
  std::vector<int64_t> tokenOf;

  explicit Workload(int64_t maxLen) {
    const graph::Node *next =
        bench::programs().node("tests/lit/generate/Inputs/revcopy.rasp", "next");
    if (analysis::firstLookAhead(next, maxLen))
      std::abort();
    std::vector<Atom> vocab;
    for (const char *t : {"a", "b", "c", "#", "$"})
      vocab.push_back(Atom::string(t));
    compiled = codegen::compileProgram(next, {vocab, maxLen});
    compiled.model.config.causal = true;
    prepared = backend->prepare(compiled.model);
    const Output &output = compiled.model.outputs[0];
    for (const std::string &label : output.labels) {
      int64_t id = -1;
      for (size_t v = 0; v < compiled.model.vocab.size(); ++v)
        if (compiled.model.vocab[v] == label)
          id = static_cast<int64_t>(v);
      tokenOf.push_back(id);
    }
    std::mt19937 random(3);
    for (int64_t p = 0; p < Prompts; ++p) {
      TokenIds ids(maxLen / 2 - 1);
      for (int64_t &id : ids)
        id = static_cast<int64_t>(random() % 3);
      ids.push_back(3); // "#"
      prompts.push_back(ids);
    }
  }

  int64_t maxLen() const { return compiled.model.config.maxLen; }

  /// The next token of each sequence, from recomputing all of them.
  std::vector<TokenIds> recomputed() const {
    std::vector<TokenIds> sequences = prompts;
    while (static_cast<int64_t>(sequences[0].size()) < maxLen()) {
      std::vector<RunResult> results = prepared->run(sequences, {});
      for (size_t s = 0; s < sequences.size(); ++s)
        sequences[s].push_back(tokenOf[results[s].choices[0].back()]);
    }
    return sequences;
  }

  /// The same with a cache, a sequence at a time.
  std::vector<TokenIds> cached() const {
    std::vector<TokenIds> sequences = prompts;
    for (TokenIds &ids : sequences) {
      std::unique_ptr<CachedDecode> decode = prepared->startDecode();
      RunResult result = decode->extend(ids);
      while (static_cast<int64_t>(ids.size()) < maxLen()) {
        ids.push_back(tokenOf[result.choices[0].back()]);
        if (static_cast<int64_t>(ids.size()) < maxLen())
          result = decode->extend({ids.back()});
      }
    }
    return sequences;
  }
};

Workload &workload(int64_t maxLen) {
  static std::map<int64_t, std::unique_ptr<Workload>> made;
  std::unique_ptr<Workload> &w = made[maxLen];
  if (!w) {
    w = std::make_unique<Workload>(maxLen);
    if (w->cached() != w->recomputed()) {
      std::fprintf(stderr, "the cached decode writes other tokens at max_len %lld\n",
                   static_cast<long long>(maxLen));
      std::abort();
    }
  }
  return *w;
}

void setTokens(benchmark::State &state, const Workload &w) {
  double generated = static_cast<double>(Prompts * (w.maxLen() - w.prompts[0].size()));
  state.counters["tokens/s"] = benchmark::Counter(
      generated * static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}

void BM_DecodeCached(benchmark::State &state) {
  Workload &w = workload(state.range(0));
  for (auto _ : state)
    benchmark::DoNotOptimize(w.cached());
  setTokens(state, w);
}

void BM_DecodeRecomputed(benchmark::State &state) {
  Workload &w = workload(state.range(0));
  for (auto _ : state)
    benchmark::DoNotOptimize(w.recomputed());
  setTokens(state, w);
}

/// Both decodes in every iteration, each timed: the ratio of their times.
void BM_CachedOverRecomputed(benchmark::State &state) {
  Workload &w = workload(state.range(0));
  using Clock = std::chrono::steady_clock;
  double cachedSeconds = 0, recomputedSeconds = 0;
  for (auto _ : state) {
    Clock::time_point start = Clock::now();
    benchmark::DoNotOptimize(w.cached());
    Clock::time_point middle = Clock::now();
    benchmark::DoNotOptimize(w.recomputed());
    cachedSeconds += std::chrono::duration<double>(middle - start).count();
    recomputedSeconds += std::chrono::duration<double>(Clock::now() - middle).count();
  }
  state.counters["cached_s"] = cachedSeconds / static_cast<double>(state.iterations());
  state.counters["recomputed_s"] = recomputedSeconds / static_cast<double>(state.iterations());
  state.counters["speedup"] = recomputedSeconds / cachedSeconds;
}

BENCHMARK(BM_DecodeCached)->Arg(64)->Arg(256)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_DecodeRecomputed)->Arg(64)->Arg(256)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_CachedOverRecomputed)->Arg(64)->Arg(256)->Unit(benchmark::kMillisecond);

} // namespace

BENCHMARK_MAIN();
