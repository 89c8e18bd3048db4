// The CUDA backend next to the CPU backend (issue 17): forward throughput
// (tokens/s) and latency (the time of one batch) at batch 1, 64 and 1024,
// for reverse, sort and Dyck-2 at max_len 64 and 256, and the share of the
// GPU's GEMM peak that the forward pass achieves, the peak measured in the
// same run by BM_CublasSgemm (8192^3, pedantic math as in the backend: no
// TF32). Inputs are max_len tokens long. Without a CUDA device the CUDA
// benchmarks are skipped with the reason; the CPU skips the batches that
// would take it minutes (over CpuFlopBudget), saying so.
#include "bench/BenchPrograms.h"
#include "runtime/Backend.h"
#include "runtime/cuda/Check.h"
#include "runtime/cuda/CudaBackend.h"
#include "runtime/cuda/Gemm.h"
#include "runtime/cuda/Plan.h"

#include <benchmark/benchmark.h>

#include <chrono>
#include <map>
#include <random>

using namespace rasp;
using rasp::bench::forwardFlops;
using rasp::bench::programs;

namespace {

struct Task {
  std::string name, file, sop;
  std::vector<Atom> vocab;
};

std::vector<Task> tasks() {
  auto strings = [](std::initializer_list<const char *> values) {
    std::vector<Atom> out;
    for (const char *v : values)
      out.push_back(Atom::string(v));
    return out;
  };
  std::vector<Atom> digits;
  for (int i = 1; i <= 5; ++i)
    digits.push_back(Atom::integer(i));
  // Tracr's reverse: examples/reverse.rasp is refused at max_len 256
  // (float32 cannot tell its 1/n steps apart there).
  return {
      {"reverse", "tests/differential/tracr.rasp", "tracr_reverse", strings({"a", "b", "c", "d"})},
      {"sort", "examples/sort.rasp", "sorted", digits},
      {"dyck2", "examples/dyck.rasp", "dyck2_ptf", strings({"(", ")", "{", "}"})}};
}

/// A batch whose FLOPs pass this runs on the CPU only in a longer session.
constexpr double CpuFlopBudget = 200e9;

/// Each task compiled once per max_len; null with `why` when refused.
const runtime::Model *compiled(const Task &task, int64_t maxLen, std::string &why) {
  static std::map<std::pair<std::string, int64_t>, codegen::CompiledProgram> models;
  static std::map<std::pair<std::string, int64_t>, std::string> refused;
  auto key = std::make_pair(task.name, maxLen);
  if (auto it = models.find(key); it != models.end())
    return &it->second.model;
  if (auto it = refused.find(key); it != refused.end()) {
    why = it->second;
    return nullptr;
  }
  try {
    auto &out = models[key] =
        codegen::compileProgram(programs().node(task.file, task.sop), {task.vocab, maxLen});
    return &out.model;
  } catch (const codegen::CompileError &e) {
    why = refused[key] = "refused: " + e.message;
  }
  return nullptr;
}

/// The CUDA backend, made once; null with `why` where no device is.
runtime::Backend *cudaBackend(std::string &why) {
  static std::string error;
  static std::unique_ptr<runtime::Backend> backend = []() -> std::unique_ptr<runtime::Backend> {
    try {
      return runtime::makeCudaBackend();
    } catch (const runtime::CudaUnavailable &e) {
      error = std::string("no CUDA device available: ") + e.what();
    }
    return nullptr;
  }();
  why = error;
  return backend.get();
}

/// cuBLAS SGEMM FLOP/s on 8192^3 products, in the backend's math mode;
/// measured once (call only with a device).
double cublasPeak() {
  static double peak = [] {
    using runtime::cuda::DeviceBuffer;
    const int64_t n = 8192;
    DeviceBuffer<float> a(n * n), b(n * n), c(n * n);
    CUDA_CHECK(cudaMemset(a.get(), 0, n * n * sizeof(float)));
    CUDA_CHECK(cudaMemset(b.get(), 0, n * n * sizeof(float)));
    cublasHandle_t handle = nullptr;
    CUBLAS_CHECK(cublasCreate(&handle));
    CUBLAS_CHECK(cublasSetMathMode(handle, CUBLAS_PEDANTIC_MATH));
    auto gemm = [&] {
      runtime::cuda::gemmRowMajor(handle, n, n, n, a.get(), n, b.get(), n, 0.0f, c.get(), n);
    };
    gemm();
    CUDA_CHECK(cudaDeviceSynchronize());
    const int runs = 10;
    auto start = std::chrono::steady_clock::now();
    for (int i = 0; i < runs; ++i)
      gemm();
    CUDA_CHECK(cudaDeviceSynchronize());
    double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    cublasDestroy(handle);
    return 2.0 * n * n * n * runs / seconds;
  }();
  return peak;
}

void BM_CublasSgemm(benchmark::State &state) {
  std::string why;
  if (!cudaBackend(why)) {
    state.SkipWithError(why.c_str());
    return;
  }
  for (auto _ : state)
    benchmark::DoNotOptimize(cublasPeak());
  state.counters["FLOP/s"] = cublasPeak();
}
BENCHMARK(BM_CublasSgemm)->Iterations(1);

void forward(benchmark::State &state, Task task, int64_t maxLen, int64_t batchSize, bool cuda) {
  std::string why;
  const runtime::Model *model = compiled(task, maxLen, why);
  std::unique_ptr<runtime::Backend> cpu;
  runtime::Backend *backend = cuda ? cudaBackend(why) : (cpu = runtime::makeCpuBackend()).get();
  if (!model || !backend) {
    state.SkipWithError(why.c_str());
    return;
  }
  double flops = static_cast<double>(batchSize) * forwardFlops(*model, double(maxLen + 1));
  if (!cuda && flops > CpuFlopBudget) {
    why = "skipped on the CPU: " + std::to_string(static_cast<int64_t>(flops / 1e9)) +
          " GFLOP a batch, over the budget of " +
          std::to_string(static_cast<int64_t>(CpuFlopBudget / 1e9));
    state.SkipWithError(why.c_str());
    return;
  }
  std::mt19937 random(7);
  std::vector<runtime::TokenIds> batch(batchSize, runtime::TokenIds(maxLen));
  for (auto &ids : batch)
    for (int64_t &id : ids)
      id = static_cast<int64_t>(random() % task.vocab.size());
  if (cuda)
    backend->run(*model, batch, {}); // Weights uploaded, workspace allocated.
  auto start = std::chrono::steady_clock::now();
  for (auto _ : state)
    benchmark::DoNotOptimize(backend->run(*model, batch, {}));
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  double iterations = static_cast<double>(state.iterations());
  state.counters["tokens/s"] =
      benchmark::Counter(double(batchSize * maxLen) * iterations, benchmark::Counter::kIsRate);
  state.counters["FLOP/s"] = benchmark::Counter(flops * iterations, benchmark::Counter::kIsRate);
  state.counters["d_model"] = static_cast<double>(model->config.dModel);
  if (cuda)
    state.counters["gemm_peak_share"] = flops * iterations / seconds / cublasPeak();
}

/// The host's share of every CUDA run: the checksum that keys the uploads.
void checksum(benchmark::State &state, Task task, int64_t maxLen) {
  std::string why;
  const runtime::Model *model = compiled(task, maxLen, why);
  if (!model) {
    state.SkipWithError(why.c_str());
    return;
  }
  for (auto _ : state)
    benchmark::DoNotOptimize(runtime::cuda::modelChecksum(*model));
  double bytes = 4.0 * static_cast<double>(model->parameters());
  state.counters["bytes/s"] = benchmark::Counter(bytes * static_cast<double>(state.iterations()),
                                                 benchmark::Counter::kIsRate);
  state.counters["params"] = static_cast<double>(model->parameters());
}

/// BM_Forward/BACKEND/TASK/MAX_LEN/BATCH, the CPU next to CUDA, and
/// BM_ModelChecksum/TASK/MAX_LEN.
int registered = [] {
  for (const Task &task : tasks())
    for (int64_t maxLen : {64, 256}) {
      benchmark::RegisterBenchmark(
          ("BM_ModelChecksum/" + task.name + "/" + std::to_string(maxLen)).c_str(), checksum, task,
          maxLen)
          ->Unit(benchmark::kMillisecond);
      for (int64_t batch : {1, 64, 1024})
        for (bool cuda : {false, true}) {
          std::string name = std::string("BM_Forward/") + (cuda ? "cuda" : "cpu") + "/" +
                             task.name + "/" + std::to_string(maxLen) + "/" + std::to_string(batch);
          benchmark::RegisterBenchmark(name.c_str(), forward, task, maxLen, batch, cuda)
              ->Unit(benchmark::kMillisecond)
              ->UseRealTime();
        }
    }
  return 0;
}();

} // namespace

BENCHMARK_MAIN();
