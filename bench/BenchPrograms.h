// What the forward-pass benchmarks share: RASP files elaborated once, and
// the multiply-adds of a forward pass.
#pragma once

#include "compiler/codegen/Pipeline.h"
#include "compiler/lang/Elaborate.h"
#include "compiler/support/Diagnostics.h"
#include "runtime/Model.h"

#include "llvm/Support/raw_ostream.h"

#include <cstdlib>
#include <map>
#include <memory>
#include <string>

namespace rasp::bench {

/// Every file elaborated once, in its own scope; paths relative to the repository.
struct Programs {
  llvm::raw_null_ostream sink;
  DiagnosticEngine diags{&sink};
  std::unique_ptr<lang::Elaborator> elaborator;
  std::map<std::string, std::shared_ptr<lang::Env>> scopes;

  Programs() {
    elaborator = std::make_unique<lang::Elaborator>(diags, lang::ElaborateOptions::defaults());
    if (!elaborator->loadStdlib())
      std::abort();
  }
  const graph::Node *node(const std::string &file, const std::string &sop) {
    auto &scope = scopes[file];
    if (!scope) {
      scope = elaborator->newProgramScope(file);
      std::optional<FileId> id = diags.loadFile(std::string(RASP_SOURCE_DIR) + "/" + file);
      if (!id || elaborator->runFile(*id, scope))
        std::abort();
    }
    return scope->find(sop)->node();
  }
};

inline Programs &programs() {
  static Programs p;
  return p;
}

/// Multiply-adds of one forward pass on n positions (BOS included), x2.
inline double forwardFlops(const runtime::Model &m, double n) {
  double d = static_cast<double>(m.config.dModel), flops = 0;
  for (const runtime::Layer &layer : m.layers) {
    for (const runtime::Head &h : layer.heads) {
      double q = static_cast<double>(h.wq.cols), v = static_cast<double>(h.wv.cols);
      flops += 2 * n * d * (2 * q + v) + 2 * n * n * q + 2 * n * n * v + 2 * n * v * d;
    }
    flops += 4 * n * d * static_cast<double>(layer.mlp.w1.cols);
  }
  return flops;
}

} // namespace rasp::bench
