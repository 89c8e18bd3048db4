// Stage 2: the typed AST from a syntactically valid parse tree (internal to the
// front end).
//
// Requires: each statement parsed without syntax errors (with or without a
// parse tree: only labelled parts are read) and no deeper than the front
// end's nesting limit. Adds: one AST node per construct, each with its
// SourceLoc. Reports the errors that the grammar does not catch (integer
// literals out of range, a `for` body with neither a statement nor a
// comment) and returns nothing if there were any.
//
// Statements are added one at a time, as the parser finishes each, so that
// the parser's contexts for a statement can be freed before the next one
// is parsed: the memory a parse needs then grows with the AST alone. The
// errors are held until `finish`, so that none is reported for a text that
// turns out to have a syntax error further on.
#pragma once

#include "compiler/frontend/AST.h"
#include "compiler/frontend/Lexer.h"
#include "compiler/frontend/TokenLocator.h"

#include "RASPParser.h"

#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace rasp::frontend {

class ProgramBuilder {
public:
  ProgramBuilder(TokenBuffer &tokens, const TokenLocator &locator);

  /// Builds the AST of one parsed statement and appends it to the program.
  void add(grammar::RASPParser::StatementContext *statement);
  /// Reports the errors found, in source order; the program if there were none.
  std::optional<ast::Program> finish(DiagnosticEngine &diags);

private:
  TokenBuffer *tokens;
  const TokenLocator *locator;
  ast::Program program;
  std::vector<std::pair<SourceLoc, std::string>> errors;
};

} // namespace rasp::frontend
