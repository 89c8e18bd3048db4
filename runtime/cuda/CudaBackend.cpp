// Stage 8 on an NVIDIA GPU: weights uploaded once per model, the batch as one
// matrix of rows, cuBLAS GEMMs and the kernels of Elementwise, Attention and
// Readout (the steps are listed in Plan.h). Built as a module that
// makeCudaBackend loads (Loader.cpp), so that rasp itself does not load
// the CUDA libraries until a GPU is asked for.
#include "runtime/cuda/CudaBackend.h"

#include "runtime/cuda/Attention.cuh"
#include "runtime/cuda/Check.h"
#include "runtime/cuda/Elementwise.cuh"
#include "runtime/cuda/Gemm.h"
#include "runtime/cuda/Plan.h"
#include "runtime/cuda/Readout.cuh"

#include <algorithm>
#include <cstdint>
#include <iterator>
#include <list>
#include <mutex>

using namespace rasp::runtime;
using namespace rasp::runtime::cuda;

namespace {

template <typename T> DeviceBuffer<T> uploaded(const std::vector<T> &host) {
  DeviceBuffer<T> out(host.size());
  out.upload(host.data(), host.size());
  return out;
}

/// One layer on the device.
template <typename T> struct DeviceLayer {
  int32_t headCount = 0;
  int64_t qkvWidth = 0, valueWidth = 0, hidden = 0;
  DeviceBuffer<HeadSpan> heads;
  DeviceBuffer<T> wqkv, wo, w1, b1, w2, b2;

  explicit DeviceLayer(const PackedLayer<T> &layer)
      : headCount(static_cast<int32_t>(layer.heads.size())), qkvWidth(layer.qkvWidth),
        valueWidth(layer.valueWidth), hidden(layer.hidden), heads(uploaded(layer.heads)),
        wqkv(uploaded(layer.wqkv)), wo(uploaded(layer.wo)), w1(uploaded(layer.w1)),
        b1(uploaded(layer.b1)), w2(uploaded(layer.w2)), b2(uploaded(layer.b2)) {}
};

/// A model's weights and output readers on the device, kept across batches.
template <typename T> struct DeviceModel {
  uint64_t checksum; ///< modelChecksum: the key, the model's contents
  int64_t dModel, rowWidth, maxQkv, maxValue;
  DeviceBuffer<T> tokens, positions;
  std::vector<DeviceLayer<T>> layers;
  int32_t outputCount;
  DeviceBuffer<OutputSpec> specs;
  DeviceBuffer<int32_t> dims;
  DeviceBuffer<double> weights;

  DeviceModel(uint64_t checksum, const PackedModel<T> &packed)
      : checksum(checksum), dModel(packed.dModel), rowWidth(packed.rowWidth()),
        maxQkv(packed.maxQkv), maxValue(packed.maxValue), tokens(uploaded(packed.tokens)),
        positions(uploaded(packed.positions)),
        outputCount(static_cast<int32_t>(packed.outputs.specs.size())),
        specs(uploaded(packed.outputs.specs)), dims(uploaded(packed.outputs.dims)),
        weights(uploaded(packed.outputs.weights)) {
    for (const PackedLayer<T> &layer : packed.layers)
      layers.emplace_back(layer);
  }
};

/// Models kept on the device at once; the least recently run goes first.
constexpr size_t CachedModels = 4;
/// Workspace for the activations of one run of rows; a larger batch runs in
/// several (Plan.h, chunkBatch).
constexpr int64_t WorkspaceBytes = int64_t(1) << 30;

template <typename T> class CudaBackend final : public Backend {
public:
  explicit CudaBackend(const char *name) : backendName(name) {
    CUBLAS_CHECK(cublasCreate(&handle));
    try {
      CUBLAS_CHECK(cublasSetMathMode(handle, CUBLAS_PEDANTIC_MATH));
    } catch (...) {
      cublasDestroy(handle);
      throw;
    }
  }
  ~CudaBackend() override {
    cache.clear();
    cublasDestroy(handle);
  }

  std::string name() const override { return backendName; }

  std::string supports(const Model &model) const override {
    std::string problem = model.validate();
    if (!problem.empty())
      return problem;
    if ((model.config.maxLen + 1) * static_cast<int64_t>(sizeof(T)) >
        static_cast<int64_t>(AttentionSharedBytes))
      return "max_len " + std::to_string(model.config.maxLen) +
             " is longer than the CUDA attention kernel holds in shared memory";
    return "";
  }

  std::vector<RunResult> run(const Model &model, const std::vector<TokenIds> &batch,
                             const RunOptions &options) const override {
    std::string problem = supports(model);
    if (!problem.empty())
      throw std::invalid_argument("invalid model: " + problem);
    std::vector<RunResult> results;
    if (batch.empty())
      return results;
    std::lock_guard<std::mutex> lock(mutex);
    const DeviceModel<T> &device = deviceModel(model);
    int64_t budget = std::max<int64_t>(model.config.maxLen + 1,
                                       WorkspaceBytes / (device.rowWidth * int64_t(sizeof(T))));
    for (const auto &[first, count] : chunkBatch(batch, budget)) {
      BatchLayout layout = layoutBatch(model, batch, first, count);
      std::vector<RunResult> part = forward(model, device, layout, options);
      std::move(part.begin(), part.end(), std::back_inserter(results));
    }
    return results;
  }

private:
  /// The model on the device, uploaded if it is not there yet. The key is
  /// the model's contents: another model at the same address, or one
  /// changed in place, is not mistaken for the one uploaded.
  const DeviceModel<T> &deviceModel(const Model &model) const {
    uint64_t checksum = modelChecksum(model);
    for (auto it = cache.begin(); it != cache.end(); ++it)
      if (it->checksum == checksum) {
        cache.splice(cache.begin(), cache, it);
        return cache.front();
      }
    if (cache.size() >= CachedModels)
      cache.pop_back();
    PackedModel<T> packed = packModel<T>(model);
    try {
      cache.emplace_front(checksum, packed);
    } catch (const CudaError &) {
      if (cache.empty())
        throw;
      cache.clear(); // Out of device memory, maybe for the models kept: one more try.
      cache.emplace_front(checksum, packed);
    }
    return cache.front();
  }

  /// Device memory of at least `count` elements, kept between runs.
  template <typename U> static U *reserve(DeviceBuffer<U> &buffer, size_t count) {
    if (buffer.size() < count) {
      buffer = DeviceBuffer<U>(); // Free the old one first.
      buffer = DeviceBuffer<U>(count);
    }
    return buffer.get();
  }

  std::vector<RunResult> forward(const Model &model, const DeviceModel<T> &m,
                                 const BatchLayout &layout, const RunOptions &options) const {
    const int64_t rows = layout.rows, d = m.dModel;
    const int64_t tokens = static_cast<int64_t>(layout.tokenRow.size());
    T *x = reserve(work, static_cast<size_t>(rows * m.rowWidth));
    T *qkv = x + rows * d;
    T *attended = qkv + rows * m.maxQkv;
    T *hidden = attended + rows * m.maxValue;

    // The layout in one upload: rowToken, rowPosition, seqStart, seqRows, tokenRow.
    std::vector<int32_t> ints;
    for (const std::vector<int32_t> *part : {&layout.rowToken, &layout.rowPosition,
                                             &layout.seqStart, &layout.seqRows, &layout.tokenRow})
      ints.insert(ints.end(), part->begin(), part->end());
    int32_t *rowToken = reserve(layoutInts, ints.size());
    layoutInts.upload(ints.data(), ints.size());
    int32_t *rowPosition = rowToken + rows;
    int32_t *seqStart = rowPosition + rows;
    int32_t *seqRows = seqStart + layout.count;
    int32_t *tokenRow = seqRows + layout.count;

    std::vector<std::vector<T>> traces;
    auto trace = [&] {
      if (!options.trace)
        return;
      traces.emplace_back(static_cast<size_t>(rows * d));
      CUDA_CHECK(cudaMemcpy(traces.back().data(), x, traces.back().size() * sizeof(T),
                            cudaMemcpyDeviceToHost));
    };

    launchEmbed(x, m.tokens.get(), m.positions.get(), rowToken, rowPosition, rows, d);
    trace();
    const T scale = static_cast<T>(model.config.softmaxScale);
    const int32_t sequences = static_cast<int32_t>(layout.count);
    for (const DeviceLayer<T> &layer : m.layers) {
      if (layer.headCount > 0) {
        gemmRowMajor(handle, rows, layer.qkvWidth, d, x, d, layer.wqkv.get(), layer.qkvWidth, T(0),
                     qkv, layer.qkvWidth);
        launchAttention(qkv, layer.qkvWidth, attended, layer.valueWidth, layer.heads.get(),
                        layer.headCount, seqStart, seqRows, sequences, layout.longest, scale,
                        model.config.causal);
        // x += attended W_O: the heads summed and the residual added in one GEMM.
        gemmRowMajor(handle, rows, d, layer.valueWidth, attended, layer.valueWidth, layer.wo.get(),
                     d, T(1), x, d);
      }
      if (layer.hidden > 0) {
        gemmRowMajor(handle, rows, layer.hidden, d, x, d, layer.w1.get(), layer.hidden, T(0),
                     hidden, layer.hidden);
        launchAddBias(hidden, layer.b1.get(), rows, layer.hidden, true);
        gemmRowMajor(handle, rows, d, layer.hidden, hidden, layer.hidden, layer.w2.get(), d, T(1),
                     x, d);
        launchAddBias(x, layer.b2.get(), rows, d, false);
      }
      trace();
    }

    std::vector<double> readouts(static_cast<size_t>(m.outputCount * tokens));
    double *out = reserve(readoutBuffer, readouts.size());
    launchReadout(x, d, tokenRow, tokens, m.specs.get(), m.outputCount, m.dims.get(),
                  m.weights.get(), out);
    readoutBuffer.download(readouts.data(), readouts.size());
    return assembleResults(model, layout, readouts, traces);
  }

  const char *backendName;
  cublasHandle_t handle = nullptr;
  mutable std::mutex mutex;
  mutable std::list<DeviceModel<T>> cache;
  mutable DeviceBuffer<T> work;
  mutable DeviceBuffer<int32_t> layoutInts;
  mutable DeviceBuffer<double> readoutBuffer;
};

} // namespace

/// The module's entry point (runtime/cuda/Loader.cpp opens the module and
/// calls it): a new backend, or null with `error` saying why there is none.
extern "C" __attribute__((visibility("default"))) Backend *
raspCudaBackendCreate(PrecisionKind precision, std::string *error) {
  int devices = 0;
  cudaError_t status = cudaGetDeviceCount(&devices);
  if (status != cudaSuccess) {
    *error = cudaGetErrorString(status);
    return nullptr;
  }
  if (devices == 0) {
    *error = "no CUDA-capable device is detected";
    return nullptr;
  }
  try {
    if (precision == PrecisionKind::Float64)
      return new CudaBackend<double>("cuda-f64");
    return new CudaBackend<float>("cuda-f32");
  } catch (const CudaError &e) {
    *error = e.what();
  }
  return nullptr;
}
