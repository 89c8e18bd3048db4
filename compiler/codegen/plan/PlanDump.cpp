// The text dump of the layer/head IR (`rasp compile --emit=plan`).
#include "compiler/codegen/plan/Plan.h"

#include "llvm/Support/Format.h"
#include "llvm/Support/raw_ostream.h"

using namespace rasp;
using namespace rasp::codegen;

namespace {

std::string valuesText(const Block &f) {
  std::string text;
  size_t shown = std::min<size_t>(f.values.size(), 12);
  for (size_t i = 0; i < shown; ++i)
    text += (i ? ", " : "") + f.values[i].repr();
  if (shown < f.values.size())
    text += ", ... (" + std::to_string(f.values.size()) + " in all)";
  return "{" + text + "}";
}

size_t hiddenWidth(const LayerPlan &layer) {
  size_t units = 0;
  for (const MlpBlock &block : layer.mlps)
    units += block.units.size();
  return units;
}

} // namespace

void codegen::dumpPlan(const ModelPlan &plan, llvm::raw_ostream &out) {
  out << "plan: max_len " << plan.maxLen << ", vocab {";
  for (size_t i = 0; i < plan.vocab.size(); ++i)
    out << (i ? ", " : "") << plan.vocab[i].repr();
  out << "}, " << plan.layers.size() << " layers, d_model " << plan.dModel << ", softmax scale "
      << llvm::format("%.3f", plan.scale) << "\n";
  out << "residual:\n";
  for (const Block &f : plan.blocks) {
    out << "  [" << f.firstDim;
    if (f.width() > 1)
      out << ".." << f.firstDim + f.width() - 1;
    out << "] '" << f.label << "' ";
    if (f.encoding == EncodingKind::Categorical)
      out << "categorical " << valuesText(f);
    else if (f.levelsAreValues)
      out << "numerical";
    else
      out << "numerical (" << f.levelsAre << ": " << valuesText(f) << ")";
    out << "  <- " << f.producer;
    if (!f.why.empty())
      out << "  [why: " << f.why << "]";
    out << "\n";
  }
  for (size_t l = 0; l < plan.layers.size(); ++l) {
    const LayerPlan &layer = plan.layers[l];
    out << "layer " << l + 1 << ": " << layer.heads.size() << " heads, MLP hidden "
        << hiddenWidth(layer) << "\n";
    for (size_t h = 0; h < layer.heads.size(); ++h) {
      const HeadPlan &head = layer.heads[h];
      out << "  head " << h << " (d_head " << head.query.size() << ", d_value " << head.value.size()
          << ")";
      for (size_t i = 0; i < head.description.size(); ++i)
        out << (i ? "\n    " : ": ") << head.description[i];
      out << "\n";
    }
    for (const MlpBlock &block : layer.mlps)
      out << "  mlp: " << block.description << "\n";
  }
  const OutputPlan &output = plan.output;
  out << "output: '" << output.label << "' ";
  if (output.encoding == EncodingKind::Categorical) {
    out << "argmax of [" << output.dims.front();
    if (output.dims.size() > 1)
      out << ".." << output.dims.back();
    out << "]";
  } else {
    out << "number";
    for (const auto &[dim, w] : output.form)
      out << llvm::format(" %+g*[%d]", w, dim);
    if (output.integral && output.values.empty())
      out << ", rounded to the nearest integer";
  }
  if (!output.why.empty())
    out << "  [why: " << output.why << "]";
  out << "\n";
  for (const std::string &note : plan.notes)
    out << "note: " << note << "\n";
}

std::string codegen::describeEncoding(EncodingKind encoding, size_t values) {
  if (encoding == EncodingKind::Numerical)
    return "numerical";
  return std::to_string(values) + " values";
}
