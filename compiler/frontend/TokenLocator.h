// Maps ANTLR tokens and parse-tree contexts to SourceLocs (internal to the front end).
//
// ANTLR indexes its input by code point; SourceLocs use byte offsets. For an
// all-ASCII file the two are the same; otherwise a table maps one to the other.
#pragma once

#include "compiler/support/Diagnostics.h"

#include "antlr4-runtime.h"

#include <vector>

namespace rasp::frontend {

class TokenLocator {
public:
  /// `text` must be valid UTF-8.
  TokenLocator(const DiagnosticEngine &diags, FileId file);

  FileId file() const { return fileId; }
  /// The byte offset of code point `index` (index may be one past the end).
  uint32_t byteOffset(size_t index) const {
    return byteOfCodePoint.empty() ? static_cast<uint32_t>(index)
                                   : byteOfCodePoint[index];
  }
  /// The whole token (EOF: an empty range at the end of the text).
  SourceLoc of(const antlr4::Token *token) const;
  /// From the first to the last token of `ctx`.
  SourceLoc of(antlr4::ParserRuleContext *ctx) const;
  /// From the start of `first` to the end of `last`.
  SourceLoc span(const antlr4::Token *first, const antlr4::Token *last) const;
  /// An empty range just after `token`: where a missing token belongs.
  SourceLoc after(const antlr4::Token *token) const;

private:
  const DiagnosticEngine &diags;
  FileId fileId;
  std::vector<uint32_t> byteOfCodePoint; ///< Empty for ASCII text.
};

} // namespace rasp::frontend
