// Internal to the language server: the answers to requests about documents,
// each computed from the last analysis of the document (Document.h), as
// the protocol's JSON. Positions past the end of a line or of the document
// are clamped to it.
#pragma once

#include "compiler/lsp/Document.h"

#include "llvm/Support/JSON.h"

#include <vector>

namespace rasp::lsp {

/// The semantic token types and modifiers, in the order of the legend.
llvm::json::Object semanticTokensLegend();

llvm::json::Value hover(const Document &doc, Position pos);
llvm::json::Value definition(const Document &doc, Position pos);
/// Every use and binding of the name at `pos`, in every open document.
llvm::json::Value references(const Document &doc, Position pos,
                             const std::vector<const Document *> &open, bool withDeclaration);
/// The range of the name at `pos`, if it can be renamed.
llvm::json::Value prepareRename(const Document &doc, Position pos);
/// The edits, or the reason the rename is refused (an error to answer).
llvm::Expected<llvm::json::Value> rename(const Document &doc, Position pos,
                                         const std::string &newName,
                                         const std::vector<const Document *> &open);
llvm::json::Value documentSymbols(const Document &doc);
llvm::json::Value completion(const Document &doc, Position pos);
llvm::json::Value signatureHelp(const Document &doc, Position pos);
llvm::json::Value semanticTokens(const Document &doc);
llvm::json::Value codeLenses(const Document &doc);
llvm::json::Value inlayHints(const Document &doc, Position from, Position to);
llvm::json::Value diagnosticsJson(const Document &doc);

/// An LSP range.
llvm::json::Value rangeJson(Position start, Position end);

} // namespace rasp::lsp
