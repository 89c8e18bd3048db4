// Compiled models' forward passes on the CPU. Targets (issue 20): at max_len
// 64, tokens/s at batch 1024 at least 10x the dense pass's for reverse,
// sorted and Dyck-2 (BM_Forward/<sop>/<backend>/<batch>, fast and dense in
// the same run). Each forward benchmark reports tokens/s and inputs/s, its
// FLOP rate counted two ways, dense_FLOP/s (every weight, as a dense pass
// multiplies them) and nonzero_FLOP/s (the nonzero weights only, and the
// attention products), and gemm_peak: the best dense GEMM this machine
// runs here (BM_Gemm: our kernel on each instruction set the CPU has, and
// Eigen as the rest of the binary is built, SSE2).
#include "compiler/codegen/Pipeline.h"
#include "runtime/Backend.h"
#include "runtime/cpu/Kernels.h"
#include "tests/differential/DifferentialTable.h"

#include <Eigen/Dense>
#include <benchmark/benchmark.h>

#include <algorithm>
#include <ctime>
#include <random>
#include <thread>

using namespace rasp;
using namespace rasp::runtime;

namespace {

constexpr int64_t GemmSize = 512;
constexpr double GemmFlops = 2.0 * GemmSize * GemmSize * GemmSize;

/// This thread's CPU time in seconds: the rates of Google Benchmark are per
/// CPU second, and so is the peak they are read against.
double cpuSeconds() {
  timespec t;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) + 1e-9 * static_cast<double>(t.tv_nsec);
}

/// The best GEMM rate seen in this run, in FLOP/s of CPU time.
double &gemmPeak() {
  static double peak = 0;
  return peak;
}

/// Our dense GEMM kernel built for `isa`, on 512x512 floats.
void gemmKernel(benchmark::State &state, cpu::IsaKind isa) {
  if (!cpu::isaSupported(isa)) {
    state.SkipWithError("this CPU lacks the instruction set");
    return;
  }
  const cpu::Kernels<float> &kernels = cpu::kernelsF32(isa);
  std::mt19937 random(3);
  std::uniform_real_distribution<float> value(-1, 1);
  std::vector<float> a(GemmSize * GemmSize), b(a.size()), c(a.size());
  for (float &v : a)
    v = value(random);
  for (float &v : b)
    v = value(random);
  double start = cpuSeconds();
  for (auto _ : state) {
    kernels.gemm(a.data(), b.data(), c.data(), GemmSize, GemmSize, GemmSize);
    benchmark::DoNotOptimize(c.data());
  }
  double seconds = cpuSeconds() - start;
  gemmPeak() = std::max(gemmPeak(), GemmFlops * static_cast<double>(state.iterations()) / seconds);
  state.counters["FLOP/s"] = benchmark::Counter(GemmFlops * static_cast<double>(state.iterations()),
                                                benchmark::Counter::kIsRate);
}

/// Eigen's float GEMM as this binary builds it (baseline x86-64: SSE2).
void gemmEigen(benchmark::State &state) {
  Eigen::MatrixXf a = Eigen::MatrixXf::Random(GemmSize, GemmSize);
  Eigen::MatrixXf b = Eigen::MatrixXf::Random(GemmSize, GemmSize), c(GemmSize, GemmSize);
  double start = cpuSeconds();
  for (auto _ : state) {
    c.noalias() = a * b;
    benchmark::DoNotOptimize(c.data());
  }
  double seconds = cpuSeconds() - start;
  gemmPeak() = std::max(gemmPeak(), GemmFlops * static_cast<double>(state.iterations()) / seconds);
  state.counters["FLOP/s"] = benchmark::Counter(GemmFlops * static_cast<double>(state.iterations()),
                                                benchmark::Counter::kIsRate);
}

/// Multiply-adds (x2) of one input of n positions (BOS included): with
/// every weight (`dense`), or with the nonzero weights only.
double forwardFlops(const Model &m, double n, bool dense) {
  auto weights = [&](const Matrix &w) {
    return dense ? static_cast<double>(w.rows * w.cols) : static_cast<double>(w.nonzeros());
  };
  double flops = 0;
  for (const Layer &layer : m.layers) {
    for (const Head &h : layer.heads) {
      double q = static_cast<double>(h.wq.cols), v = static_cast<double>(h.wv.cols);
      flops += 2 * n * (weights(h.wq) + weights(h.wk) + weights(h.wv) + weights(h.wo));
      flops += 2 * n * n * (q + v);
    }
    flops += 2 * n * (weights(layer.mlp.w1) + weights(layer.mlp.w2));
  }
  return flops;
}

differential::TableRow row(const std::string &sop) {
  for (const differential::TableRow &r : differential::readTable(RASP_SOURCE_DIR))
    if (r.sop == sop)
      return r;
  std::abort();
}

/// The program `sop` of the table compiled at max_len 64, on `batch` random
/// inputs of 64 tokens, by the fast backend (prepared once; on `threads`
/// threads) or the dense one.
void forward(benchmark::State &state, std::string sop, bool fast, int64_t batch, unsigned threads) {
  constexpr int64_t MaxLen = 64;
  static differential::TablePrograms programs(RASP_SOURCE_DIR);
  differential::TableRow r = row(sop);
  codegen::CompiledProgram compiled = codegen::compileProgram(programs.node(r), {r.vocab, MaxLen});
  std::mt19937 random(7);
  std::vector<TokenIds> inputs(batch, TokenIds(MaxLen));
  for (TokenIds &ids : inputs)
    for (int64_t &id : ids)
      id = static_cast<int64_t>(random() % r.vocab.size());
  std::unique_ptr<Backend> backend = fast ? makeCpuBackend() : makeDenseCpuBackend();
  std::unique_ptr<PreparedModel> prepared = backend->prepare(compiled.model);
  RunOptions options;
  options.threads = threads;
  for (auto _ : state)
    benchmark::DoNotOptimize(prepared->run(inputs, options));
  double runs = static_cast<double>(state.iterations()), inputsRun = runs * double(batch);
  double n = static_cast<double>(MaxLen + 1);
  auto rate = [](double count) { return benchmark::Counter(count, benchmark::Counter::kIsRate); };
  state.counters["tokens/s"] = rate(inputsRun * MaxLen);
  state.counters["inputs/s"] = rate(inputsRun);
  state.counters["dense_FLOP/s"] = rate(inputsRun * forwardFlops(compiled.model, n, true));
  state.counters["nonzero_FLOP/s"] = rate(inputsRun * forwardFlops(compiled.model, n, false));
  state.counters["gemm_peak"] = gemmPeak();
}

int registered = [] {
  for (cpu::IsaKind isa : {cpu::IsaKind::Sse2, cpu::IsaKind::Avx2, cpu::IsaKind::Avx512})
    benchmark::RegisterBenchmark((std::string("BM_Gemm/") + cpu::isaName(isa)).c_str(), gemmKernel,
                                 isa)
        ->Unit(benchmark::kMillisecond);
  benchmark::RegisterBenchmark("BM_Gemm/eigen", gemmEigen)->Unit(benchmark::kMillisecond);
  for (const char *sop : {"reverse", "sorted", "dyck2_ptf"}) {
    for (int64_t batch : {1, 64, 1024})
      for (bool fast : {true, false})
        benchmark::RegisterBenchmark(("BM_Forward/" + std::string(sop) + "/" +
                                      (fast ? "fast" : "dense") + "/" + std::to_string(batch))
                                         .c_str(),
                                     forward, sop, fast, batch, 1u)
            ->Unit(benchmark::kMillisecond);
    // The groups of a batch shared out among every hardware thread (rates
    // in wall time: the CPU time of the other threads is not counted).
    unsigned threads = std::max(1u, std::thread::hardware_concurrency());
    for (int64_t batch : {64, 1024})
      benchmark::RegisterBenchmark(
          ("BM_Forward/" + std::string(sop) + "/fast-threads/" + std::to_string(batch)).c_str(),
          forward, sop, true, batch, threads)
          ->Unit(benchmark::kMillisecond)
          ->UseRealTime();
  }
  return 0;
}();

} // namespace

BENCHMARK_MAIN();
