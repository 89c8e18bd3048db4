// Checks the hand-written lexer against the lexer that ANTLR generates from
// grammar/RASP.g4.
#pragma once

#include <string>

namespace rasp::testing {

/// Lexes valid UTF-8 `text` with both lexers and returns a description of
/// the first difference (token type, text, line, byte range, or comment
/// position), or "" if they agree on every token.
std::string compareWithAntlrLexer(const std::string &text);

} // namespace rasp::testing
