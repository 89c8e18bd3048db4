// The compiler's pipeline: 6a value sets, 6b plan, 6c prune, 7 assemble.
#include "compiler/codegen/Pipeline.h"

#include "compiler/codegen/assemble/Assemble.h"
#include "compiler/codegen/assemble/Prune.h"

#include "llvm/Support/raw_ostream.h"

#include <cassert>
#include <chrono>

using namespace rasp;
using namespace rasp::codegen;

CompiledProgram codegen::compileProgram(const graph::Node *root, const CompileOptions &options) {
  auto start = std::chrono::steady_clock::now();
  CompiledProgram out;
  // 6a: lazy, each set computed when the plan first asks for it.
  out.values = lazyValueSets(root, {options.vocab, options.maxLen, options.valueLimit});
  out.plan = planModel(root, out.values, {options.vocab, options.maxLen, options.maxUnits}); // 6b
  pruneUnread(out.plan);                                                                     // 6c
  out.model = assembleModel(out.plan, &out.nonzeroParameters);                               // 7
  assert(out.model.validate().empty() && "assembly made inconsistent shapes");
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
