// Formats layer and head requirements.
#include "compiler/analysis/Report.h"

#include "compiler/support/Diagnostics.h"

#include "llvm/Support/raw_ostream.h"

using namespace rasp;
using namespace rasp::analysis;

namespace {

/// `file:line:col` of a node, or `built-in` for the primitives.
std::string where(const graph::Node *node, const DiagnosticEngine &diags) {
  if (!node->loc.isValid())
    return "built-in";
  return diags.fileName(node->loc.file).str() + ":" + std::to_string(node->loc.line) + ":" +
         std::to_string(node->loc.col);
}

std::string joined(const std::vector<int> &values) {
  std::string out;
  for (size_t i = 0; i < values.size(); ++i)
    out += (i ? ", " : "") + std::to_string(values[i]);
  return out.empty() ? "-" : out;
}

} // namespace

void analysis::printReport(const std::string &name, const Analysis &analysis,
                           const DiagnosticEngine &diags, llvm::raw_ostream &out) {
  auto plural = [](int n, const char *word) {
    return std::to_string(n) + " " + word + (n == 1 ? "" : "s");
  };
  out << name << ": " << plural(analysis.layerCount(), "layer") << ", at most "
      << plural(analysis.maxHeads(), "head")
      << " in a layer; heads per layer: " << joined(analysis.headsPerLayer()) << "\n";
  for (size_t i = 0; i < analysis.layers.size(); ++i) {
    const Layer &layer = analysis.layers[i];
    if (i == 0 && layer.mlp.empty())
      continue;
    out << "  layer " << i << (i == 0 ? " (embedding and feed-forward only)" : "") << ":\n";
    for (const graph::Node *head : layer.heads)
      out << "    head " << head->name << " (" << where(head, diags) << ")\n";
    for (const graph::Node *node : layer.attention)
      out << "      " << (node->kind == graph::NodeKind::SelectorWidth ? "width" : "aggregate")
          << " " << node->name << " <- " << node->inputs[0]->name << "\n";
    for (const graph::Node *node : layer.mlp)
      out << "    mlp " << node->name << "\n";
  }
}

llvm::json::Object analysis::reportJson(const std::string &name, const Analysis &analysis,
                                        const DiagnosticEngine &diags) {
  llvm::json::Array perLayer;
  for (size_t i = 0; i < analysis.layers.size(); ++i) {
    const Layer &layer = analysis.layers[i];
    llvm::json::Array heads, mlp, attention;
    for (const graph::Node *head : layer.heads)
      heads.push_back(
          llvm::json::Object{{"selector", head->name}, {"location", where(head, diags)}});
    for (const graph::Node *node : layer.attention)
      attention.push_back(llvm::json::Object{
          {"sop", node->name},
          {"kind", node->kind == graph::NodeKind::SelectorWidth ? "selector_width" : "aggregate"},
          {"selector", node->inputs[0]->name}});
    for (const graph::Node *node : layer.mlp)
      mlp.push_back(node->name);
    perLayer.push_back(llvm::json::Object{{"layer", static_cast<int64_t>(i)},
                                          {"heads", std::move(heads)},
                                          {"attention", std::move(attention)},
                                          {"mlp", std::move(mlp)}});
  }
  llvm::json::Array headsPerLayer;
  for (int heads : analysis.headsPerLayer())
    headsPerLayer.push_back(heads);
  return llvm::json::Object{{"name", name},
                            {"layers", analysis.layerCount()},
                            {"max_heads", analysis.maxHeads()},
                            {"heads_per_layer", std::move(headsPerLayer)},
                            {"per_layer", std::move(perLayer)}};
}
