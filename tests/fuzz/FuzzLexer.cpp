// libFuzzer target: the hand-written lexer must agree with the ANTLR-generated
// lexer on every valid UTF-8 input; a difference aborts with a description.
#include "tests/oracle/LexerOracle.h"

#include "llvm/Support/ConvertUTF.h"

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  const llvm::UTF8 *cursor = data;
  if (!llvm::isLegalUTF8String(&cursor, data + size))
    return 0; // Invalid UTF-8 is rejected before lexing.
  std::string text(reinterpret_cast<const char *>(data), size);
  std::string difference = rasp::testing::compareWithAntlrLexer(text);
  if (!difference.empty()) {
    std::fprintf(stderr, "lexers disagree: %s\n", difference.c_str());
    std::abort();
  }
  return 0;
}
