// The compiler's pipeline: value sets, plan, pruning, assembly.
#include "compiler/codegen/Pipeline.h"

#include "compiler/codegen/Assemble.h"
#include "compiler/codegen/Prune.h"

#include "llvm/Support/raw_ostream.h"

#include <cassert>
#include <chrono>

using namespace rasp;
using namespace rasp::codegen;

CompiledProgram codegen::compileProgram(const graph::Node *root,
                                        const CompileOptions &options) {
  auto start = std::chrono::steady_clock::now();
  CompiledProgram out;
  out.values = computeValueSets(root, {options.vocab, options.maxLen, options.valueLimit});
  out.plan = planModel(root, out.values, {options.vocab, options.maxLen, options.maxUnits});
  pruneUnread(out.plan);
  out.model = assembleModel(out.plan, &out.nonzeroParameters);
  assert(out.model.validate().empty() && "assembly made inconsistent shapes");
  out.compileMs = std::chrono::duration<double, std::milli>(
                      std::chrono::steady_clock::now() - start)
                      .count();
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
