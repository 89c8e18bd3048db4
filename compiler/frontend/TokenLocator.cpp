// Maps ANTLR tokens and parse-tree contexts to SourceLocs.
#include "compiler/frontend/TokenLocator.h"

using namespace rasp;
using namespace rasp::frontend;

TokenLocator::TokenLocator(const DiagnosticEngine &diags, FileId file)
    : diags(diags), fileId(file) {
  llvm::StringRef text = diags.fileText(file);
  bool ascii = true;
  for (char c : text)
    if (static_cast<unsigned char>(c) >= 0x80) {
      ascii = false;
      break;
    }
  if (ascii)
    return;
  for (uint32_t i = 0; i < text.size(); ++i)
    // Every byte that is not a UTF-8 continuation byte starts a code point.
    if ((static_cast<unsigned char>(text[i]) & 0xC0) != 0x80)
      byteOfCodePoint.push_back(i);
  byteOfCodePoint.push_back(static_cast<uint32_t>(text.size()));
}

SourceLoc TokenLocator::span(const antlr4::Token *first,
                             const antlr4::Token *last) const {
  uint32_t size = static_cast<uint32_t>(diags.fileText(fileId).size());
  uint32_t begin = first->getType() == antlr4::Token::EOF
                       ? size
                       : byteOffset(first->getStartIndex());
  uint32_t end = last->getType() == antlr4::Token::EOF
                     ? size
                     : byteOffset(last->getStopIndex() + 1);
  if (end < begin)
    end = begin;
  return diags.locate(fileId, begin, end);
}

SourceLoc TokenLocator::of(const antlr4::Token *token) const {
  return span(token, token);
}

SourceLoc TokenLocator::of(antlr4::ParserRuleContext *ctx) const {
  const antlr4::Token *stop = ctx->getStop() ? ctx->getStop() : ctx->getStart();
  return span(ctx->getStart(), stop);
}

SourceLoc TokenLocator::after(const antlr4::Token *token) const {
  SourceLoc whole = of(token);
  return diags.locate(fileId, whole.end, whole.end);
}
