// Maps tokens and rule contexts to SourceLocs (internal to the front end).
//
// Tokens come from lexRasp (Lexer.h), whose start and stop indices are byte
// offsets into the file's text, and whose lines and columns are counted as
// DiagnosticEngine::locate counts them ('\n' ends a line; columns in bytes).
#pragma once

#include "compiler/support/Diagnostics.h"

#include "antlr4-runtime.h"

namespace rasp::frontend {

class TokenLocator {
public:
  TokenLocator(const DiagnosticEngine &diags, FileId file)
      : diags(diags), fileId(file), firstLine(diags.locate(file, 0, 0).line) {}

  FileId file() const { return fileId; }
  /// The whole token (EOF: an empty range at the end of the text).
  SourceLoc of(const antlr4::Token *token) const { return span(token, token); }
  /// From the first to the last token of `ctx`.
  SourceLoc of(antlr4::ParserRuleContext *ctx) const;
  /// From the start of `first` to the end of `last`.
  SourceLoc span(const antlr4::Token *first, const antlr4::Token *last) const;
  /// An empty range just after `token`: where a missing token belongs.
  SourceLoc after(const antlr4::Token *token) const;

private:
  const DiagnosticEngine &diags;
  FileId fileId;
  uint32_t firstLine; ///< The number of the file's first line.
};

} // namespace rasp::frontend
