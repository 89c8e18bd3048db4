// Stage 8 on the CPU: the forward pass on sparse weights, a batch at a time.
//
// Compiled weights are mostly zeros (93-98.5% at max_len 64), and so is the
// residual stream (one-hot blocks). The model is prepared once:
//  1. each weight matrix is kept dense when at least SparseBelowDensity of
//     it is nonzero, else as compressed sparse rows (CSR), whose rows that
//     full are also kept whole; the embeddings are CSR rows that the first
//     step gathers;
//  2. a batch is packed into groups of inputs of any lengths, whose rows
//     (BOS and tokens of each input, one after the other) go through every
//     layer together; attention runs per input over its own rows only,
//     which masks the other inputs out;
//  3. every product skips the zeros of its left operand: each row's
//     nonzeros (compressed once per stage) scale the rows of the weight
//     matrix they meet, dense rows as vector updates, CSR rows as scatters;
//  4. the loops (Kernels.h) are built for SSE2, AVX2 and AVX-512 and
//     chosen at run time;
//  5. with RunOptions::threads above 1, the groups of a batch are shared
//     out among that many threads.
// A cached decode (startDecode, causal models only) runs the same stages on
// the appended rows alone, their attention reading the keys and values of
// the earlier rows, kept as sparse rows.
// The sums are those of the dense pass in another order: float32 results
// agree with makeDenseCpuBackend within CpuOracleTolerance.
#include "runtime/Backend.h"

#include "runtime/cpu/Kernels.h"
#include "runtime/cpu/ReadOutputs.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <limits>
#include <mutex>
#include <stdexcept>
#include <system_error>
#include <thread>

using namespace rasp::runtime;
using namespace rasp::runtime::cpu;

namespace {

/// A matrix with fewer nonzeros than this fraction is kept sparse.
constexpr double SparseBelowDensity = 0.2;
/// The most values one row-group's widest buffer holds (512 KB of floats),
/// so that the group's rows stay in cache from one stage to the next.
constexpr int64_t GroupElements = int64_t(1) << 17;
/// Heads whose values are narrower than this mix them as dot products.
constexpr int64_t TransposedMixBelow = 16;
/// The MLP's hidden values computed at a time (256 KB of floats).
constexpr int64_t MlpTileElements = int64_t(1) << 16;

/// One weight matrix in the form chosen from its density.
template <typename T> struct PreparedMatrix {
  int64_t rows = 0, cols = 0;
  std::vector<T> dense;
  std::vector<int32_t> rowStart, col;
  std::vector<T> value;
  /// CSR: the rows at least SparseBelowDensity full, also kept whole.
  std::vector<int32_t> denseRowOf;
  std::vector<T> denseRows;
  bool isDense = false;

  PreparedMatrix() = default;
  PreparedMatrix(const Matrix &m, bool allowDense) : rows(m.rows), cols(m.cols) {
    int64_t nonzeros = m.nonzeros();
    isDense = allowDense && static_cast<double>(nonzeros) >=
                                SparseBelowDensity * static_cast<double>(rows * cols);
    if (isDense) {
      dense.assign(m.data.begin(), m.data.end());
      return;
    }
    rowStart.reserve(rows + 1);
    col.reserve(nonzeros);
    value.reserve(nonzeros);
    denseRowOf.assign(rows, -1);
    for (int64_t r = 0; r < rows; ++r) {
      rowStart.push_back(static_cast<int32_t>(col.size()));
      for (int64_t c = 0; c < cols; ++c)
        if (float v = m.at(r, c); v != 0.0f) {
          col.push_back(static_cast<int32_t>(c));
          value.push_back(static_cast<T>(v));
        }
      // A row as full as a dense matrix (the `one` dimension's row of an
      // MLP's thresholds, say) is updated as a vector, not scattered.
      if (static_cast<double>(col.size() - rowStart.back()) >=
          SparseBelowDensity * static_cast<double>(cols)) {
        denseRowOf[r] = static_cast<int32_t>(denseRows.size() / cols);
        denseRows.insert(denseRows.end(), m.data.begin() + r * cols,
                         m.data.begin() + (r + 1) * cols);
      }
    }
    rowStart.push_back(static_cast<int32_t>(col.size()));
  }

  WeightView<T> view() const {
    if (isDense)
      return {rows, cols, dense.data(), nullptr, nullptr, nullptr};
    return {rows,       cols,         nullptr,           rowStart.data(),
            col.data(), value.data(), denseRowOf.data(), denseRows.data()};
  }
  /// out[j] += row r's value at column j (the embeddings' gather).
  void addRow(int64_t r, T *out) const {
    for (int32_t t = rowStart[r]; t < rowStart[r + 1]; ++t)
      out[col[t]] += value[t];
  }
};

/// A dense buffer's nonzeros, row by row.
template <typename T> struct CompressedRows {
  std::vector<int32_t> start, index;
  std::vector<T> value;

  SparseRows<T> fill(const Kernels<T> &k, const T *x, int64_t rows, int64_t cols,
                     bool positive = false) {
    start.resize(rows + 1);
    if (static_cast<int64_t>(index.size()) < rows * cols) {
      index.resize(rows * cols);
      value.resize(rows * cols);
    }
    k.compress(x, rows, cols, positive, start.data(), index.data(), value.data());
    return {start.data(), index.data(), value.data(), rows};
  }
};

/// What one run() call works in, reused from group to group.
template <typename T> struct Workspace {
  std::vector<T> x, q, keys, values, mixed, hidden, kt, vt, scores;
  CompressedRows<T> xRows, qRows, mixedRows, hiddenRows;
};

/// Sets `buffer` to `size` zeros.
template <typename T> T *zeros(std::vector<T> &buffer, int64_t size) {
  buffer.assign(size, T(0));
  return buffer.data();
}

/// Rows of values with their zeros left out, appended one at a time: the
/// keys or values of one head at every position of a cached decode.
template <typename T> struct RowStore {
  std::vector<int64_t> start = {0};
  std::vector<int32_t> index;
  std::vector<T> value;

  void append(const T *row, int64_t cols) {
    for (int64_t j = 0; j < cols; ++j)
      if (row[j] != T(0)) {
        index.push_back(static_cast<int32_t>(j));
        value.push_back(row[j]);
      }
    start.push_back(static_cast<int64_t>(index.size()));
  }
  int64_t rows() const { return static_cast<int64_t>(start.size()) - 1; }
};

/// The keys of one head at every position of a cached decode, by column:
/// column j holds the positions whose key has a nonzero j-th value, with
/// that value. A query's scores are then a sum over its own nonzeros.
template <typename T> struct KeyColumns {
  std::vector<std::vector<std::pair<int32_t, T>>> columns;

  void append(const T *row, int64_t cols, int32_t position) {
    columns.resize(cols);
    for (int64_t j = 0; j < cols; ++j)
      if (row[j] != T(0))
        columns[j].emplace_back(position, row[j]);
  }
};

/// What a cached decode keeps: the rows so far (BOS first), and per layer
/// and head (in order) their keys and values.
template <typename T> struct DecodeCache {
  int64_t rows = 0;
  std::vector<KeyColumns<T>> keys;
  std::vector<RowStore<T>> values;
  Workspace<T> work;
  std::vector<T> scores;
};

template <typename T> class PreparedCpuModel;

template <typename T> class CpuCachedDecode : public CachedDecode {
public:
  explicit CpuCachedDecode(const PreparedCpuModel<T> &prepared) : prepared(prepared) {}
  RunResult extend(const TokenIds &ids) override { return prepared.extend(cache, ids); }

private:
  const PreparedCpuModel<T> &prepared;
  DecodeCache<T> cache;
};

template <typename T> class PreparedCpuModel : public PreparedModel {
  struct HeadWeights {
    PreparedMatrix<T> wq, wk, wv, wo;
  };
  struct LayerWeights {
    std::vector<HeadWeights> heads;
    PreparedMatrix<T> w1, w2;
    std::vector<T> b1, b2;
  };

public:
  PreparedCpuModel(const Model &model, IsaKind isa)
      : model(model), kernels(kernelsFor<T>(isa)), d(model.config.dModel),
        tokens(model.tokenEmbedding, false), positions(model.positionEmbedding, false) {
    int64_t widest = d;
    for (const Layer &layer : model.layers) {
      LayerWeights out;
      for (const Head &head : layer.heads) {
        out.heads.push_back({{head.wq, true}, {head.wk, true}, {head.wv, true}, {head.wo, true}});
        widest = std::max({widest, head.wq.cols, head.wv.cols});
      }
      // The MLP runs in tiles of its own (MlpTileElements).
      if (layer.mlp.w1.cols > 0) {
        out.w1 = {layer.mlp.w1, true};
        out.w2 = {layer.mlp.w2, true};
        out.b1.assign(layer.mlp.b1.data.begin(), layer.mlp.b1.data.end());
        out.b2.assign(layer.mlp.b2.data.begin(), layer.mlp.b2.data.end());
      }
      layers.push_back(std::move(out));
    }
    groupRows = std::max(model.config.maxLen + 1, GroupElements / widest);
  }

  std::vector<RunResult> run(const std::vector<TokenIds> &batch,
                             const RunOptions &options) const override {
    for (const TokenIds &ids : batch)
      checkInput(model, ids);
    if (batch.empty())
      return {};
    // The groups: consecutive inputs whose rows fit in groupRows.
    std::vector<size_t> starts = {0};
    for (size_t b = 0, rows = 0; b < batch.size(); ++b) {
      size_t size = batch[b].size() + 1;
      if (b > starts.back() && static_cast<int64_t>(rows + size) > groupRows) {
        starts.push_back(b);
        rows = 0;
      }
      rows += size;
    }
    starts.push_back(batch.size());
    std::vector<RunResult> results(batch.size());
    std::atomic<size_t> next{0};
    auto work = [&] {
      std::unique_ptr<Workspace<T>> space = takeWorkspace();
      for (size_t g; (g = next++) + 1 < starts.size();)
        runGroup(batch, starts[g], starts[g + 1], options, *space, results);
      std::lock_guard<std::mutex> lock(idleLock);
      idle.push_back(std::move(space));
    };
    std::vector<std::thread> pool;
    for (size_t t = 1; t < std::min<size_t>(options.threads, starts.size() - 1); ++t) {
      try {
        pool.emplace_back(work);
      } catch (const std::system_error &) {
        break; // No more threads to be had: go on with fewer.
      }
    }
    work();
    for (std::thread &t : pool)
      t.join();
    return results;
  }

  std::unique_ptr<CachedDecode> startDecode() const override {
    if (!model.config.causal)
      throw std::invalid_argument("a cached decode needs a causal model");
    return std::make_unique<CpuCachedDecode<T>>(*this);
  }

  /// CachedDecode::extend on the sequence `cache` holds.
  RunResult extend(DecodeCache<T> &cache, const TokenIds &ids) const {
    checkInput(model, ids);
    bool first = cache.rows == 0;
    int64_t m = static_cast<int64_t>(ids.size()) + (first ? 1 : 0);
    if (cache.rows + m - 1 > model.config.maxLen)
      throw std::invalid_argument("a sequence of " + std::to_string(cache.rows + m - 1) +
                                  " tokens is longer than the model's max_len " +
                                  std::to_string(model.config.maxLen));
    if (first) {
      size_t slots = 0;
      for (const LayerWeights &layer : layers)
        slots += layer.heads.size();
      cache.keys.resize(slots);
      cache.values.resize(slots);
    }
    // A spare row in front, where readOutputs expects BOS.
    T *x = zeros(cache.work.x, (m + 1) * d) + d;
    for (int64_t r = 0; r < m; ++r) {
      int64_t id = first && r == 0 ? model.bosId() : ids[r - (first ? 1 : 0)];
      tokens.addRow(id, x + r * d);
      positions.addRow(cache.rows + r, x + r * d);
    }
    size_t slot = 0;
    for (const LayerWeights &layer : layers) {
      SparseRows<T> xRows = cache.work.xRows.fill(kernels, x, m, d);
      for (const HeadWeights &head : layer.heads)
        extendHead(head, xRows, cache, slot++, x);
      if (!layer.b1.empty())
        runMlp(layer, x, m, cache.work);
    }
    cache.rows += m;
    // readOutputs leaves out the first row: BOS, or the spare row.
    RunResult result;
    readOutputs(model, first ? x : x - d, first ? m : m + 1, d, result);
    return result;
  }

private:
  /// One head of a cached decode: the keys and values of the appended rows
  /// (xRows, the residual before the layer) kept, and each appended row's
  /// attention over the rows up to its own added to `x`.
  void extendHead(const HeadWeights &head, SparseRows<T> xRows, DecodeCache<T> &cache, size_t slot,
                  T *x) const {
    Workspace<T> &work = cache.work;
    int64_t m = xRows.rows, dq = head.wq.cols, dv = head.wv.cols;
    T *q = zeros(work.q, m * dq), *keys = zeros(work.keys, m * dq);
    T *values = zeros(work.values, m * dv), *mixed = zeros(work.mixed, m * dv);
    kernels.accumulate(xRows, head.wq.view(), q);
    kernels.accumulate(xRows, head.wk.view(), keys);
    kernels.accumulate(xRows, head.wv.view(), values);
    KeyColumns<T> &keyColumns = cache.keys[slot];
    RowStore<T> &valueRows = cache.values[slot];
    for (int64_t r = 0; r < m; ++r) {
      keyColumns.append(keys + r * dq, dq, static_cast<int32_t>(cache.rows + r));
      valueRows.append(values + r * dv, dv);
    }
    T scale = static_cast<T>(model.config.softmaxScale);
    for (int64_t r = 0; r < m; ++r) {
      int64_t end = cache.rows + r + 1;
      T *s = zeros(cache.scores, end);
      const T *query = q + r * dq;
      for (int64_t j = 0; j < dq; ++j) {
        if (query[j] == T(0))
          continue;
        // Positions past `end` (later rows of a prompt) are masked.
        for (const auto &[k, v] : keyColumns.columns[j]) {
          if (k >= end)
            break;
          s[k] += query[j] * v;
        }
      }
      T top = -std::numeric_limits<T>::infinity();
      for (int64_t k = 0; k < end; ++k)
        top = std::max(top, s[k] *= scale);
      T sum = T(0);
      for (int64_t k = 0; k < end; ++k)
        sum += s[k] = std::exp(s[k] - top);
      T *out = mixed + r * dv;
      for (int64_t k = 0; k < end; ++k) {
        T p = s[k] / sum;
        if (p == T(0))
          continue;
        for (int64_t e = valueRows.start[k]; e < valueRows.start[k + 1]; ++e)
          out[valueRows.index[e]] += p * valueRows.value[e];
      }
    }
    kernels.accumulate(work.mixedRows.fill(kernels, mixed, m, dv), head.wo.view(), x);
  }

  /// A workspace left by an earlier run, or a new one: its buffers are
  /// reused, not mapped and zeroed again by the system on every call.
  std::unique_ptr<Workspace<T>> takeWorkspace() const {
    std::lock_guard<std::mutex> lock(idleLock);
    if (idle.empty())
      return std::make_unique<Workspace<T>>();
    std::unique_ptr<Workspace<T>> work = std::move(idle.back());
    idle.pop_back();
    return work;
  }

  /// Inputs [first, end) of the batch, packed one after the other.
  void runGroup(const std::vector<TokenIds> &batch, size_t first, size_t end,
                const RunOptions &options, Workspace<T> &work,
                std::vector<RunResult> &results) const {
    std::vector<int64_t> offsets = {0};
    for (size_t b = first; b < end; ++b)
      offsets.push_back(offsets.back() + static_cast<int64_t>(batch[b].size()) + 1);
    int64_t rows = offsets.back();
    T *x = zeros(work.x, rows * d);
    for (size_t b = first; b < end; ++b)
      for (int64_t p = 0; p <= static_cast<int64_t>(batch[b].size()); ++p) {
        T *row = x + (offsets[b - first] + p) * d;
        tokens.addRow(p == 0 ? model.bosId() : batch[b][p - 1], row);
        positions.addRow(p, row);
      }
    auto record = [&] {
      for (size_t b = first; b < end; ++b)
        results[b].residual.emplace_back(x + offsets[b - first] * d,
                                         x + offsets[b - first + 1] * d);
    };
    if (options.trace)
      record();
    for (const LayerWeights &layer : layers) {
      SparseRows<T> xRows = work.xRows.fill(kernels, x, rows, d);
      for (const HeadWeights &head : layer.heads)
        runHead(head, xRows, offsets, work);
      if (!layer.b1.empty())
        runMlp(layer, x, rows, work);
      if (options.trace)
        record();
    }
    for (size_t b = first; b < end; ++b)
      readOutputs(model, x + offsets[b - first] * d, offsets[b - first + 1] - offsets[b - first], d,
                  results[b]);
  }

  /// Adds one head's output to the residual; every head reads xRows, the
  /// residual before the layer.
  void runHead(const HeadWeights &head, SparseRows<T> xRows, const std::vector<int64_t> &offsets,
               Workspace<T> &work) const {
    int64_t rows = offsets.back(), dq = head.wq.cols, dv = head.wv.cols;
    T *q = zeros(work.q, rows * dq), *keys = zeros(work.keys, rows * dq);
    T *values = zeros(work.values, rows * dv), *mixed = zeros(work.mixed, rows * dv);
    kernels.accumulate(xRows, head.wq.view(), q);
    kernels.accumulate(xRows, head.wk.view(), keys);
    kernels.accumulate(xRows, head.wv.view(), values);
    SparseRows<T> qRows = work.qRows.fill(kernels, q, rows, dq);
    T scale = static_cast<T>(model.config.softmaxScale);
    for (size_t s = 0; s + 1 < offsets.size(); ++s) {
      int64_t r0 = offsets[s], n = offsets[s + 1] - r0;
      work.kt.resize(dq * n);
      work.scores.resize(n * n);
      for (int64_t k = 0; k < n; ++k)
        for (int64_t j = 0; j < dq; ++j)
          work.kt[j * n + k] = keys[(r0 + k) * dq + j];
      kernels.scores(qRows.slice(r0, n), work.kt.data(), n, scale, work.scores.data());
      kernels.softmax(work.scores.data(), n, model.config.causal);
      if (dv > TransposedMixBelow) {
        kernels.mix(work.scores.data(), n, values + r0 * dv, dv, mixed + r0 * dv);
        continue;
      }
      work.vt.resize(dv * n);
      for (int64_t k = 0; k < n; ++k)
        for (int64_t j = 0; j < dv; ++j)
          work.vt[j * n + k] = values[(r0 + k) * dv + j];
      kernels.mixTransposed(work.scores.data(), n, work.vt.data(), dv, mixed + r0 * dv);
    }
    kernels.accumulate(work.mixedRows.fill(kernels, mixed, rows, dv), head.wo.view(),
                       work.x.data());
  }

  /// The MLP, a few rows at a time, so that its hidden units (thousands
  /// for some models) stay in cache between the two products.
  void runMlp(const LayerWeights &layer, T *x, int64_t rows, Workspace<T> &work) const {
    int64_t width = layer.w1.cols;
    int64_t tile = std::max<int64_t>(1, MlpTileElements / width);
    SparseRows<T> xRows = work.xRows.fill(kernels, x, rows, d);
    work.hidden.resize(std::min(tile, rows) * width);
    T *hidden = work.hidden.data();
    for (int64_t r0 = 0; r0 < rows; r0 += tile) {
      int64_t count = std::min(tile, rows - r0);
      for (int64_t r = 0; r < count; ++r)
        std::copy(layer.b1.begin(), layer.b1.end(), hidden + r * width);
      kernels.accumulate(xRows.slice(r0, count), layer.w1.view(), hidden);
      // The ReLU: only the positive units go on to W2.
      kernels.accumulate(work.hiddenRows.fill(kernels, hidden, count, width, true), layer.w2.view(),
                         x + r0 * d);
    }
    for (int64_t r = 0; r < rows; ++r)
      for (int64_t j = 0; j < d; ++j)
        x[r * d + j] += layer.b2[j];
  }

  const Model &model;
  const Kernels<T> &kernels;
  int64_t d;
  PreparedMatrix<T> tokens, positions;
  std::vector<LayerWeights> layers;
  int64_t groupRows = 0;
  /// One workspace per run() in flight at most, kept between runs.
  mutable std::vector<std::unique_ptr<Workspace<T>>> idle;
  mutable std::mutex idleLock;
};

template <typename T> class CpuBackend : public Backend {
public:
  CpuBackend(const char *name, IsaKind isa) : backendName(name), isa(isa) {}

  std::string name() const override { return backendName; }
  std::string supports(const Model &model) const override { return model.validate(); }

  std::unique_ptr<PreparedModel> prepare(const Model &model) const override {
    std::string problem = model.validate();
    if (!problem.empty())
      throw std::invalid_argument("invalid model: " + problem);
    return std::make_unique<PreparedCpuModel<T>>(model, isa);
  }

  std::vector<RunResult> run(const Model &model, const std::vector<TokenIds> &batch,
                             const RunOptions &options) const override {
    return prepare(model)->run(batch, options);
  }

private:
  const char *backendName;
  IsaKind isa;
};

} // namespace

std::unique_ptr<Backend> rasp::runtime::makeCpuBackend(PrecisionKind precision) {
  return cpu::makeCpuBackendFor(precision, bestIsa());
}

std::unique_ptr<Backend> cpu::makeCpuBackendFor(PrecisionKind precision, IsaKind isa) {
  if (precision == PrecisionKind::Float64)
    return std::make_unique<CpuBackend<double>>("cpu-f64", isa);
  return std::make_unique<CpuBackend<float>>("cpu-f32", isa);
}
