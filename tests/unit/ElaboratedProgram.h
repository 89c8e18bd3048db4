// A RASP program elaborated for a unit test: the standard library loaded,
// the text run in a scope of its own, its s-ops found by name.
#pragma once

#include "compiler/lang/Elaborate.h"
#include "compiler/support/Diagnostics.h"

#include "llvm/Support/raw_ostream.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>

namespace rasp::unittests {

struct ElaboratedProgram {
  llvm::raw_null_ostream sink;
  DiagnosticEngine diags{&sink};
  std::unique_ptr<lang::Elaborator> elaborator;
  std::shared_ptr<lang::Env> scope;

  /// `text` must elaborate without errors (a test failure otherwise).
  explicit ElaboratedProgram(const std::string &text) {
    elaborator = std::make_unique<lang::Elaborator>(diags, lang::ElaborateOptions::defaults());
    EXPECT_TRUE(elaborator->loadStdlib());
    scope = elaborator->newProgramScope("test");
    EXPECT_EQ(elaborator->runFile(diags.addFile("t.rasp", text), scope), 0u);
  }
  /// The s-op or selector bound to `name`, which must exist.
  const graph::Node *node(const std::string &name) {
    const lang::Value *value = scope->find(name);
    EXPECT_NE(value, nullptr) << "nothing named " << name;
    return value ? value->node() : nullptr;
  }
};

} // namespace rasp::unittests
