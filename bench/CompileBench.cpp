// Compiler and compiled-model speed. Targets (issue 5): compile time under
// 100 ms for every program of the differential table at max_len 64, Dyck-2
// at max_len 40 under 1 s; the CPU forward pass at batch 64 reported as a
// fraction of the Eigen GEMM peak measured in the same run (BM_EigenGemm).
// Each compile benchmark also reports the model's layers, d_model and dense
// parameters as counters.
#include "bench/BenchPrograms.h"
#include "runtime/Backend.h"

#include <Eigen/Dense>
#include <benchmark/benchmark.h>

#include <chrono>
#include <fstream>
#include <map>
#include <random>
#include <sstream>

using namespace rasp;
using rasp::bench::forwardFlops;
using rasp::bench::programs;

namespace {

struct Program {
  std::string file, sop;
  std::vector<Atom> vocab;
};

/// The differential table, parsed like run-table.py parses it.
std::vector<Program> table() {
  std::ifstream in(std::string(RASP_SOURCE_DIR) + "/tests/differential/table.txt");
  std::vector<Program> out;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#')
      continue;
    std::istringstream fields(line);
    Program p;
    std::string vocab;
    fields >> p.file >> p.sop >> vocab;
    // The vocabularies are lists of one-character strings or small ints.
    for (size_t i = 1; i + 1 < vocab.size();) {
      if (vocab[i] == '"') {
        size_t end = vocab.find('"', i + 1);
        p.vocab.push_back(Atom::string(vocab.substr(i + 1, end - i - 1)));
        i = end + 2;
      } else {
        size_t end = vocab.find_first_of(",]", i);
        p.vocab.push_back(Atom::integer(std::stoll(vocab.substr(i, end - i))));
        i = end + 1;
      }
    }
    out.push_back(p);
  }
  return out;
}

void compile(benchmark::State &state, Program p, int64_t maxLen) {
  const graph::Node *root = programs().node(p.file, p.sop);
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

/// The Eigen float GEMM peak on this machine, in FLOP/s (512^3 products).
double gemmPeak() {
  static double peak = [] {
    Eigen::MatrixXf a = Eigen::MatrixXf::Random(512, 512), b = Eigen::MatrixXf::Random(512, 512);
    Eigen::MatrixXf c(512, 512);
    c.noalias() = a * b;
    int runs = 0;
    auto start = std::chrono::steady_clock::now();
    double seconds = 0;
    while (seconds < 0.5) {
      c.noalias() = a * b;
      benchmark::DoNotOptimize(c.data());
      ++runs;
      seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    }
    return 2.0 * 512 * 512 * 512 * runs / seconds;
  }();
  return peak;
}

void BM_EigenGemm(benchmark::State &state) {
  Eigen::MatrixXf a = Eigen::MatrixXf::Random(512, 512), b = Eigen::MatrixXf::Random(512, 512);
  Eigen::MatrixXf c(512, 512);
  for (auto _ : state) {
    c.noalias() = a * b;
    benchmark::DoNotOptimize(c.data());
  }
  state.counters["FLOP/s"] =
      benchmark::Counter(2.0 * 512 * 512 * 512 * state.iterations(), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_EigenGemm)->Unit(benchmark::kMillisecond);

/// The compiled model on a batch of 64 random inputs of length max_len.
void forward(benchmark::State &state, Program p, int64_t maxLen) {
  codegen::CompiledProgram compiled =
      codegen::compileProgram(programs().node(p.file, p.sop), {p.vocab, maxLen});
  std::mt19937 random(7);
  std::vector<runtime::TokenIds> batch(64, runtime::TokenIds(maxLen));
  for (auto &ids : batch)
    for (int64_t &id : ids)
      id = static_cast<int64_t>(random() % p.vocab.size());
  auto backend = runtime::makeCpuBackend();
  double peak = gemmPeak();
  for (auto _ : state)
    benchmark::DoNotOptimize(backend->run(compiled.model, batch, {}));
  double flops = 64 * forwardFlops(compiled.model, static_cast<double>(maxLen + 1));
  state.counters["FLOP/s"] = benchmark::Counter(flops * static_cast<double>(state.iterations()),
                                                benchmark::Counter::kIsRate);
  state.counters["gemm_peak"] = peak;
  state.counters["inputs/s"] = benchmark::Counter(64.0 * static_cast<double>(state.iterations()),
                                                  benchmark::Counter::kIsRate);
}

/// Registers the compile benchmarks (each table program at 64, and at 40
/// for Dyck-2) and the forward passes.
int registered = [] {
  for (const Program &p : table()) {
    benchmark::RegisterBenchmark(("BM_Compile/" + p.sop + "/64").c_str(), compile, p, 64)
        ->Unit(benchmark::kMillisecond);
    if (p.sop == "dyck2_ptf")
      benchmark::RegisterBenchmark(("BM_Compile/" + p.sop + "/40").c_str(), compile, p, 40)
          ->Unit(benchmark::kMillisecond);
    if (p.sop == "reverse" || p.sop == "tracr_sort" || p.sop == "dyck1_ptf")
      benchmark::RegisterBenchmark(("BM_Forward64/" + p.sop + "/16").c_str(), forward, p, 16)
          ->Unit(benchmark::kMillisecond);
  }
  return 0;
}();

} // namespace

BENCHMARK_MAIN();
