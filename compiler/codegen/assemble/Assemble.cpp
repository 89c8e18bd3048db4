// Assembly: dense matrices from the layer/head IR.
#include "compiler/codegen/assemble/Assemble.h"

#include <algorithm>
#include <array>
#include <atomic>
#include <cstdint>
#include <exception>
#include <functional>
#include <numeric>
#include <system_error>
#include <thread>
#include <unordered_map>

using namespace rasp;
using namespace rasp::codegen;
using runtime::Matrix;

namespace {

/// Writes cells, counting the nonzero cells as it goes (every other cell of
/// a fresh matrix is zero, so the count is the matrices' nonzeros without
/// reading their untouched pages).
///
/// A fresh matrix's pages are not mapped yet. Reading a cell first maps the
/// shared zero page and the write then faults again to copy it; so the
/// first access to each page is a write of 0 (the page is still all zero),
/// which maps a zeroed page at once: one fault per page instead of two,
/// which is most of the assembly time of a model of hundreds of millions of
/// mostly zero weights.
struct Writer {
  int64_t nonzeros = 0;

  void add(Matrix &m, int64_t row, int64_t col, double w) {
    float &cell = m.at(row, col);
    std::vector<bool> &pages = touched(m);
    size_t page = pageOf(&cell) - pageOf(m.data.data());
    if (!pages[page]) {
      pages[page] = true;
      *static_cast<volatile float *>(&cell) = 0.0f;
    }
    nonzeros -= cell != 0.0f;
    cell += static_cast<float>(w);
    nonzeros += cell != 0.0f;
  }

private:
  static constexpr unsigned pageBits = 12; // 4 KiB pages.
  static uintptr_t pageOf(const float *p) { return reinterpret_cast<uintptr_t>(p) >> pageBits; }

  /// The pages of m written so far (the last few matrices are remembered,
  /// since a job's writes alternate between two or three of them).
  std::vector<bool> &touched(const Matrix &m) {
    const float *base = m.data.data();
    for (const auto &[known, pages] : recent)
      if (pages && known == base)
        return *pages;
    std::vector<bool> &pages = pagesOf[base];
    if (pages.empty())
      pages.assign(pageOf(base + m.data.size() - 1) - pageOf(base) + 1, false);
    recent[next] = {base, &pages};
    next = (next + 1) % recent.size();
    return pages;
  }
  std::unordered_map<const float *, std::vector<bool>> pagesOf;
  std::array<std::pair<const float *, std::vector<bool> *>, 4> recent{};
  size_t next = 0;

public:
  /// Column `col` of `m` (d_model rows) gets the sparse form.
  void column(Matrix &m, int64_t col, const LinearForm &form) {
    for (const auto &[dim, w] : form)
      add(m, dim, col, w);
  }
  void row(Matrix &m, int64_t row, const LinearForm &form) {
    for (const auto &[dim, w] : form)
      add(m, row, dim, w);
  }
};

/// A batch of writes. The jobs of one model touch disjoint cells, so they
/// may run on different threads, each with its own Writer.
using Job = std::function<void(Writer &)>;

/// Jobs of at most this many columns or rows, so that the work of one big
/// matrix spreads over the threads.
constexpr int64_t jobSpan = 2048;

/// Calls f(first, last) for consecutive ranges of [0, n) of jobSpan each.
template <typename F> void inSpans(int64_t n, F f) {
  for (int64_t first = 0; first < n; first += jobSpan)
    f(first, std::min(n, first + jobSpan));
}

void headJobs(const HeadPlan &plan, int64_t d, runtime::Head &head, std::vector<Job> &jobs) {
  int64_t width = static_cast<int64_t>(plan.query.size());
  head.wq = Matrix(d, width);
  head.wk = Matrix(d, width);
  inSpans(width, [&](int64_t first, int64_t last) {
    jobs.push_back([&plan, &head, first, last](Writer &write) {
      for (int64_t j = first; j < last; ++j)
        write.column(head.wq, j, plan.query[j]);
    });
    jobs.push_back([&plan, &head, first, last](Writer &write) {
      for (int64_t j = first; j < last; ++j)
        write.column(head.wk, j, plan.key[j]);
    });
  });
  int64_t values = static_cast<int64_t>(plan.value.size());
  head.wv = Matrix(d, values);
  head.wo = Matrix(values, d);
  jobs.push_back([&plan, &head, values](Writer &write) {
    for (int64_t c = 0; c < values; ++c) {
      write.column(head.wv, c, plan.value[c]);
      write.add(head.wo, c, plan.outDims[c], 1.0);
    }
  });
}

/// `units` holds the layer's hidden units in order, for the jobs to read.
void mlpJobs(const LayerPlan &layer, int64_t d, runtime::Mlp &mlp,
             std::vector<const HiddenUnit *> &units, std::vector<Job> &jobs) {
  for (const MlpBlock &block : layer.mlps)
    for (const HiddenUnit &unit : block.units)
      units.push_back(&unit);
  int64_t hidden = static_cast<int64_t>(units.size());
  if (hidden == 0)
    return;
  mlp.w1 = Matrix(d, hidden);
  mlp.b1 = Matrix(1, hidden);
  mlp.w2 = Matrix(hidden, d);
  mlp.b2 = Matrix(1, d);
  inSpans(hidden, [&](int64_t first, int64_t last) {
    jobs.push_back([&units, &mlp, first, last](Writer &write) {
      for (int64_t u = first; u < last; ++u) {
        write.column(mlp.w1, u, units[u]->in);
        write.add(mlp.b1, 0, u, units[u]->bias);
      }
    });
    jobs.push_back([&units, &mlp, first, last](Writer &write) {
      for (int64_t u = first; u < last; ++u)
        write.row(mlp.w2, u, units[u]->out);
    });
  });
}

/// Runs the jobs on up to `threads` threads; returns the nonzeros written.
/// A job that throws (memory that runs out) stops every thread, and the
/// first exception is rethrown here once they have all ended.
int64_t runJobs(const std::vector<Job> &jobs, unsigned threads) {
  std::atomic<size_t> next{0};
  std::vector<int64_t> nonzeros(threads, 0);
  std::vector<std::exception_ptr> failures(threads);
  auto work = [&](unsigned t) {
    try {
      Writer write;
      for (size_t i; (i = next++) < jobs.size();)
        jobs[i](write);
      nonzeros[t] = write.nonzeros;
    } catch (...) {
      failures[t] = std::current_exception();
      next = jobs.size();
    }
  };
  std::vector<std::thread> pool;
  pool.reserve(threads);
  for (unsigned t = 1; t < threads; ++t) {
    try {
      pool.emplace_back(work, t);
    } catch (const std::system_error &) {
      break; // (No more threads to be had: the ones running take every job.)
    }
  }
  work(0);
  for (std::thread &thread : pool)
    thread.join();
  for (const std::exception_ptr &failure : failures)
    if (failure)
      std::rethrow_exception(failure);
  return std::accumulate(nonzeros.begin(), nonzeros.end(), int64_t{0});
}

/// One thread for a small model; for a large one, most of the time goes to
/// mapping fresh zeroed pages, which the system does for several threads
/// at once.
unsigned threadsFor(const runtime::Model &model) {
  int64_t cells = 0;
  for (const auto &[name, m] : model.namedTensors())
    cells += m->rows * m->cols;
  if (cells < (int64_t{4} << 20))
    return 1;
  return std::clamp(std::thread::hardware_concurrency(), 1u, 8u);
}

} // namespace

int64_t codegen::denseParameters(const ModelPlan &plan) {
  // Saturating: a plan's shapes are ints, but their products can add up
  // past int64 for a program far beyond any budget.
  int64_t total = 0;
  auto add = [&total](int64_t rows, int64_t cols) {
    int64_t cells = 0;
    if (__builtin_mul_overflow(rows, cols, &cells) || __builtin_add_overflow(total, cells, &total))
      total = INT64_MAX;
  };
  int64_t d = plan.dModel;
  add(static_cast<int64_t>(plan.tokenRows.size()), d);
  add(static_cast<int64_t>(plan.positionRows.size()), d);
  for (const LayerPlan &layer : plan.layers) {
    for (const HeadPlan &head : layer.heads) {
      add(2 * d, static_cast<int64_t>(head.query.size())); // W_Q and W_K
      add(2 * d, static_cast<int64_t>(head.value.size())); // W_V and W_O
    }
    int64_t hidden = 0;
    for (const MlpBlock &block : layer.mlps)
      hidden += static_cast<int64_t>(block.units.size());
    if (hidden)
      add(2 * d + 1, hidden), add(1, d); // W1, W2 and b1; b2
  }
  return total;
}

runtime::Model codegen::assembleModel(const ModelPlan &plan, int64_t *nonzeros) {
  runtime::Model model;
  int64_t d = plan.dModel;
  model.config.dModel = d;
  model.config.maxLen = plan.maxLen;
  model.config.softmaxScale = 1.0f;
  for (const Atom &v : plan.vocab)
    model.vocab.push_back(v.str());
  std::vector<Job> jobs;
  model.tokenEmbedding = Matrix(static_cast<int64_t>(plan.tokenRows.size()), d);
  model.positionEmbedding = Matrix(static_cast<int64_t>(plan.positionRows.size()), d);
  jobs.push_back([&plan, &model](Writer &write) {
    for (size_t i = 0; i < plan.tokenRows.size(); ++i)
      write.row(model.tokenEmbedding, static_cast<int64_t>(i), plan.tokenRows[i]);
    for (size_t p = 0; p < plan.positionRows.size(); ++p)
      write.row(model.positionEmbedding, static_cast<int64_t>(p), plan.positionRows[p]);
  });
  // The layers are laid out before any job is made, so that the matrices
  // the jobs hold stay where they are.
  model.layers.resize(plan.layers.size());
  std::vector<std::vector<const HiddenUnit *>> units(plan.layers.size());
  for (size_t l = 0; l < plan.layers.size(); ++l) {
    runtime::Layer &out = model.layers[l];
    out.heads.resize(plan.layers[l].heads.size());
    for (size_t h = 0; h < out.heads.size(); ++h)
      headJobs(plan.layers[l].heads[h], d, out.heads[h], jobs);
    mlpJobs(plan.layers[l], d, out.mlp, units[l], jobs);
  }
  int64_t written = runJobs(jobs, threadsFor(model));
  for (const Block &f : plan.blocks) {
    runtime::Block block;
    block.name = f.label;
    block.first = f.firstDim;
    block.categorical = f.encoding == EncodingKind::Categorical;
    if (block.categorical)
      for (const Atom &v : f.values)
        block.values.push_back(v.str());
    if (!block.categorical)
      model.residualLabels.push_back(f.label);
    for (const std::string &v : block.values)
      model.residualLabels.push_back(f.label + ":" + v);
    model.blocks.push_back(std::move(block));
  }
  const OutputPlan &plannedOutput = plan.output;
  runtime::Output output;
  output.name = plannedOutput.label;
  // (A numerical output with very many values shows the number it reads.)
  if (plannedOutput.encoding == EncodingKind::Categorical || plannedOutput.values.size() <= 10'000)
    for (const Atom &v : plannedOutput.values)
      output.labels.push_back(v.str());
  if (plannedOutput.encoding == EncodingKind::Categorical) {
    output.kind = runtime::OutputKind::Categorical;
    output.dims.assign(plannedOutput.dims.begin(), plannedOutput.dims.end());
  } else {
    output.kind = runtime::OutputKind::Numerical;
    for (const auto &[dim, w] : plannedOutput.form) {
      output.dims.push_back(dim);
      output.weights.push_back(w);
    }
    if (output.dims.empty()) { // (The form is 0: x - x, say.)
      output.dims.push_back(0);
      output.weights.push_back(0);
    }
    output.levels = plannedOutput.levels;
    output.integral = plannedOutput.integral && plannedOutput.levels.empty();
  }
  model.outputs.push_back(std::move(output));
  if (nonzeros)
    *nonzeros = written;
  return model;
}
