// Shared by the fuzz targets that run programs: arbitrary bytes elaborated
// as a RASP file, with the standard library, under bounded step and node
// limits (makeElaborator, which the literal and REPL targets use alone).
// Diagnostics go nowhere.
#pragma once

#include "compiler/lang/Elaborate.h"
#include "compiler/support/Diagnostics.h"

#include "llvm/Support/raw_ostream.h"

#include <cstddef>
#include <cstdint>
#include <memory>

namespace rasp::fuzz {

/// An elaborator with the standard library, under bounded step and node
/// limits.
inline std::unique_ptr<lang::Elaborator> makeElaborator(DiagnosticEngine &diags) {
  lang::ElaborateOptions options = lang::ElaborateOptions::defaults();
  options.maxSteps = 200'000;
  options.maxNodes = 20'000;
  auto elaborator = std::make_unique<lang::Elaborator>(diags, options);
  if (!elaborator->loadStdlib())
    __builtin_trap(); // The library itself must always load.
  return elaborator;
}

struct FuzzProgram {
  llvm::raw_null_ostream sink;
  DiagnosticEngine diags{&sink};
  std::unique_ptr<lang::Elaborator> elaborator;
  std::shared_ptr<lang::Env> scope;

  FuzzProgram(const uint8_t *data, size_t size) {
    elaborator = makeElaborator(diags);
    FileId file =
        diags.addFile("fuzz.rasp", llvm::StringRef(reinterpret_cast<const char *>(data), size));
    scope = elaborator->newProgramScope("fuzz");
    elaborator->runFile(file, scope);
  }
};

} // namespace rasp::fuzz
