// The compiler's pipeline: 6a value sets, 6b plan, 6c prune, 7 assemble.
#include "compiler/codegen/Pipeline.h"

#include "compiler/codegen/assemble/Assemble.h"
#include "compiler/codegen/assemble/Prune.h"

#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/raw_ostream.h"

#include <cassert>
#include <chrono>

using namespace rasp;
using namespace rasp::codegen;

namespace {

/// "1.5 GiB", "14.4 KiB": a size in the largest binary unit it reaches.
std::string bytesText(double bytes) {
  const char *units[] = {"bytes", "KiB", "MiB", "GiB", "TiB"};
  int unit = 0;
  for (; unit < 4 && bytes >= 1024; ++unit)
    bytes /= 1024;
  return llvm::formatv(unit ? "{0:f1} {1}" : "{0:f0} {1}", bytes, units[unit]).str();
}

/// Refuses a plan whose dense matrices would pass the parameter budget.
void checkModelSize(const graph::Node *root, const ModelPlan &plan, int64_t maxParams) {
  int64_t params = denseParameters(plan);
  if (params <= maxParams)
    return;
  throw CompileError{root, "the model of '" + root->name + "' would have " +
                               std::to_string(params) + " parameters (" + bytesText(params * 4.0) +
                               " as float32), more than the budget of " +
                               std::to_string(maxParams) +
                               " (--max-params); lower max_len or the vocabulary"};
}

} // namespace

CompiledProgram codegen::compileProgram(const graph::Node *root, const CompileOptions &options) {
  auto start = std::chrono::steady_clock::now();
  CompiledProgram out;
  // 6a: lazy, each set computed when the plan first asks for it.
  out.values = lazyValueSets(root, {options.vocab, options.maxLen, options.valueLimit});
  out.plan = planModel(root, out.values, {options.vocab, options.maxLen, options.maxUnits}); // 6b
  pruneUnread(out.plan);                                                                     // 6c
  checkModelSize(root, out.plan, options.maxParams);
  out.model = assembleModel(out.plan, &out.nonzeroParameters); // 7
  assert(out.model.validate().empty() && "assembly made inconsistent shapes");
  assert(out.model.parameters() == denseParameters(out.plan) && "the budget counts every weight");
  out.compileMs =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  return out;
}

void codegen::dumpValueSets(const graph::Node *root, const ValueSets &sets,
                            llvm::raw_ostream &out) {
  sets.computeAll(root);
  for (const graph::Node *node : graph::topologicalOrder(root)) {
    if (auto unknown = sets.unknown.find(node); unknown != sets.unknown.end()) {
      out << "'" << node->name << "': unknown: " << unknown->second.message << "\n";
      continue;
    }
    auto it = sets.known.find(node);
    if (it == sets.known.end())
      continue;
    out << "'" << node->name << "': " << it->second.size() << " values {";
    size_t shown = std::min<size_t>(it->second.size(), 20);
    for (size_t i = 0; i < shown; ++i)
      out << (i ? ", " : "") << it->second[i].repr();
    if (shown < it->second.size())
      out << ", ...";
    out << "}\n";
  }
}
