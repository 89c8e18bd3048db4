// libFuzzer target, differential: elaborate arbitrary programs, compile each
// s-op they define for a small vocabulary and max_len, and run the model on
// every input against the reference evaluator. A refusal (CompileError) is
// fine; a crash, a hang, a sanitizer report, a model that disagrees with
// the evaluator on any input, or a nonzero count that disagrees with the
// weights is a bug.
#include "compiler/codegen/Pipeline.h"
#include "compiler/codegen/Verify.h"
#include "runtime/Backend.h"
#include "tests/fuzz/FuzzProgram.h"

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>

using namespace rasp;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  fuzz::FuzzProgram program(data, size);
  const auto &scope = program.scope;
  static const auto backend = runtime::makeCpuBackend();
  codegen::CompileOptions compile;
  compile.vocab = {Atom::string("a"), Atom::string("b"), Atom::integer(1)};
  compile.maxLen = 3;
  compile.valueLimit = 2'000;
  compile.maxUnits = 4'000;
  int compiled = 0;
  for (const auto &[name, value] : scope->vars) {
    if (!value.isSOp() || compiled == 4)
      continue;
    try {
      codegen::CompiledProgram program = codegen::compileProgram(value.node(), compile);
      ++compiled;
      if (program.model.parameters() > 20'000'000)
        continue;
      if (program.nonzeroParameters != program.model.nonzeroParameters()) {
        std::fprintf(stderr, "assembly counted %lld nonzeros in '%s', the weights hold %lld\n",
                     static_cast<long long>(program.nonzeroParameters), name.c_str(),
                     static_cast<long long>(program.model.nonzeroParameters()));
        __builtin_trap();
      }
      codegen::VerifyReport report =
          codegen::verifyModel(value.node(), program, *backend, {0, 1, 100});
      if (std::getenv("RASP_FUZZ_VERBOSE"))
        std::fprintf(stderr, "'%s': %zu inputs agree, %zu skipped\n", name.c_str(), report.agree,
                     report.referenceErrors);
      if (report.mismatches) {
        std::fprintf(stderr, "miscompiled '%s'\n", name.c_str());
        __builtin_trap();
      }
    } catch (const codegen::CompileError &) {
    }
  }
  return 0;
}
