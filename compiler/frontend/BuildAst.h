// Stage 2: the typed AST from a syntactically valid parse tree (internal to the
// front end).
//
// Requires: `statements` parsed without syntax errors (with or without a
// parse tree: only labelled parts are read) and no deeper than the front
// end's nesting limit. Adds: one AST node per construct, each with its
// SourceLoc. Reports the errors that the grammar does not catch (integer
// literals out of range, a `for` body with neither a statement nor a
// comment) and returns nothing if there were any.
#pragma once

#include "compiler/frontend/AST.h"
#include "compiler/frontend/Lexer.h"
#include "compiler/frontend/TokenLocator.h"

#include "RASPParser.h"

#include <optional>

namespace rasp::frontend {

std::optional<ast::Program>
buildAst(const std::vector<grammar::RASPParser::StatementContext *> &statements,
         TokenBuffer &tokens, const TokenLocator &locator, DiagnosticEngine &diags);

} // namespace rasp::frontend
