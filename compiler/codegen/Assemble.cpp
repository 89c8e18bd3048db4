// Assembly: dense matrices from the layer/head IR.
#include "compiler/codegen/Assemble.h"

#include <cstdint>
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

  /// The pages of m written so far.
  std::vector<bool> &touched(const Matrix &m) {
    const float *base = m.data.data();
    if (base != lastBase) {
      std::vector<bool> &pages = pagesOf[base];
      if (pages.empty())
        pages.assign(pageOf(base + m.data.size() - 1) - pageOf(base) + 1, false);
      lastBase = base;
      lastPages = &pages;
    }
    return *lastPages;
  }
  std::unordered_map<const float *, std::vector<bool>> pagesOf;
  const float *lastBase = nullptr;
  std::vector<bool> *lastPages = nullptr;

public:
  /// Column `col` of `m` (d_model rows) gets the sparse form.
  void column(Matrix &m, int64_t col, const Sparse &form) {
    for (const auto &[dim, w] : form)
      add(m, dim, col, w);
  }
  void row(Matrix &m, int64_t row, const Sparse &form) {
    for (const auto &[dim, w] : form)
      add(m, row, dim, w);
  }
};

runtime::Head assembleHead(const HeadPlan &plan, int64_t d, Writer &write) {
  runtime::Head head;
  int64_t width = static_cast<int64_t>(plan.query.size());
  head.wq = Matrix(d, width);
  head.wk = Matrix(d, width);
  for (int64_t j = 0; j < width; ++j) {
    write.column(head.wq, j, plan.query[j]);
    write.column(head.wk, j, plan.key[j]);
  }
  int64_t values = static_cast<int64_t>(plan.value.size());
  head.wv = Matrix(d, values);
  head.wo = Matrix(values, d);
  for (int64_t c = 0; c < values; ++c) {
    write.column(head.wv, c, plan.value[c]);
    write.add(head.wo, c, plan.outDims[c], 1.0);
  }
  return head;
}

runtime::Mlp assembleMlp(const LayerPlan &layer, int64_t d, Writer &write) {
  int64_t hidden = 0;
  for (const MlpBlock &block : layer.mlps)
    hidden += static_cast<int64_t>(block.units.size());
  runtime::Mlp mlp;
  mlp.w1 = Matrix(d, hidden);
  mlp.b1 = Matrix(1, hidden);
  mlp.w2 = Matrix(hidden, d);
  mlp.b2 = Matrix(1, d);
  int64_t u = 0;
  for (const MlpBlock &block : layer.mlps)
    for (const HiddenUnit &unit : block.units) {
      write.column(mlp.w1, u, unit.in);
      write.add(mlp.b1, 0, u, unit.bias);
      write.row(mlp.w2, u, unit.out);
      ++u;
    }
  if (hidden == 0)
    mlp = runtime::Mlp();
  return mlp;
}

} // namespace

runtime::Model codegen::assembleModel(const ModelPlan &plan, int64_t *nonzeros) {
  runtime::Model model;
  Writer write;
  int64_t d = plan.dModel;
  model.config.dModel = d;
  model.config.maxLen = plan.maxLen;
  model.config.softmaxScale = 1.0f;
  for (const lang::Atom &v : plan.vocab)
    model.vocab.push_back(v.str());
  model.tokenEmbedding = Matrix(static_cast<int64_t>(plan.tokenRows.size()), d);
  for (size_t i = 0; i < plan.tokenRows.size(); ++i)
    write.row(model.tokenEmbedding, static_cast<int64_t>(i), plan.tokenRows[i]);
  model.positionEmbedding = Matrix(static_cast<int64_t>(plan.positionRows.size()), d);
  for (size_t p = 0; p < plan.positionRows.size(); ++p)
    write.row(model.positionEmbedding, static_cast<int64_t>(p), plan.positionRows[p]);
  for (const LayerPlan &layer : plan.layers) {
    runtime::Layer out;
    for (const HeadPlan &head : layer.heads)
      out.heads.push_back(assembleHead(head, d, write));
    out.mlp = assembleMlp(layer, d, write);
    model.layers.push_back(std::move(out));
  }
  for (const Feature &f : plan.features) {
    runtime::Block block;
    block.name = f.label;
    block.first = f.firstDim;
    block.categorical = f.encoding == EncodingKind::Categorical;
    if (block.categorical)
      for (const lang::Atom &v : f.values)
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
    for (const lang::Atom &v : plannedOutput.values)
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
    output.levels = plannedOutput.levels;
  }
  model.outputs.push_back(std::move(output));
  if (nonzeros)
    *nonzeros = write.nonzeros;
  return model;
}
