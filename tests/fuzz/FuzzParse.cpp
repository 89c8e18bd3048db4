// libFuzzer target: parse and build the AST of arbitrary bytes, then dump it.
// Any crash, hang, leak or sanitizer report is a bug; diagnostics are fine.
#include "compiler/frontend/AstDump.h"
#include "compiler/frontend/Parse.h"
#include "compiler/support/Diagnostics.h"

#include "llvm/Support/raw_ostream.h"

#include <cstddef>
#include <cstdint>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  llvm::raw_null_ostream sink;
  rasp::DiagnosticEngine diags(&sink);
  rasp::FileId file =
      diags.addFile("fuzz.rasp", llvm::StringRef(reinterpret_cast<const char *>(data), size));
  rasp::frontend::ParseResult result = rasp::frontend::parseProgram(diags, file);
  if (result.program)
    rasp::frontend::dumpAst(*result.program, diags, sink);
  return 0;
}
