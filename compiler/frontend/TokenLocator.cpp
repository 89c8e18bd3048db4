// Maps tokens and rule contexts to SourceLocs.
#include "compiler/frontend/TokenLocator.h"

using namespace rasp;
using namespace rasp::frontend;

SourceLoc TokenLocator::span(const antlr4::Token *first, const antlr4::Token *last) const {
  size_t begin = first->getStartIndex();
  size_t end = last->getStopIndex() + 1; // 0 past an EOF at offset 0.
  if (end < begin)
    end = begin; // EOF, or a context that matched nothing.
  // The lexer has counted lines and columns (in bytes) as the
  // DiagnosticEngine does, without searching its table of lines.
  return SourceLoc{fileId, firstLine + static_cast<uint32_t>(first->getLine()) - 1,
                   static_cast<uint32_t>(first->getCharPositionInLine()) + 1,
                   static_cast<uint32_t>(begin), static_cast<uint32_t>(end)};
}

SourceLoc TokenLocator::of(antlr4::ParserRuleContext *ctx) const {
  const antlr4::Token *stop = ctx->getStop() ? ctx->getStop() : ctx->getStart();
  return span(ctx->getStart(), stop);
}

SourceLoc TokenLocator::after(const antlr4::Token *token) const {
  SourceLoc whole = of(token);
  return diags.locate(fileId, whole.end, whole.end);
}
