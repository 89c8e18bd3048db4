// libFuzzer target: the command line's literal options. Arbitrary bytes read
// as a file of inputs (`--input-file`), each line as `rasp run` reads an input
// and as `rasp compile` reads `--vocab`, and the whole text as one `--input`.
// Diagnostics are fine; any crash, hang, leak, sanitizer report or unbounded
// memory is a bug.
#include "compiler/driver/Support.h"
#include "compiler/lang/Display.h"
#include "tests/fuzz/FuzzProgram.h"

#include "llvm/Support/raw_ostream.h"

#include <cstddef>
#include <cstdint>

using namespace rasp;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  llvm::raw_null_ostream sink;
  DiagnosticEngine diags(&sink);
  std::unique_ptr<lang::Elaborator> elaborator = fuzz::makeElaborator(diags);
  llvm::StringRef text(reinterpret_cast<const char *>(data), size);
  std::vector<driver::Literal> literals = driver::splitLiterals("inputs.txt", text);
  literals.push_back({"--input", text.str()});
  for (const driver::Literal &literal : literals) {
    // As `run` reads an input and shows it, in text and in JSON.
    if (std::optional<driver::Input> input =
            driver::parseInputLiteral(*elaborator, diags, literal)) {
      sink << lang::inputText(input->value);
      sink << driver::inputJson(input->value, input->atoms);
    }
    driver::parseVocab(*elaborator, diags, literal.text);
  }
  return 0;
}
