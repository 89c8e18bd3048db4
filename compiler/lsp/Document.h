// Internal to the language server: what it knows about one open document.
//
// analyzeDocument does, for the text of one document:
//   1. parses it; on a syntax error, parses again with the lines of each
//      failing statement blanked out (offsets kept), so that the rest of the
//      document still has a syntax tree;
//   2. elaborates that tree statement by statement, keeping the value each
//      top-level assignment and definition binds; as in the REPL, every
//      s-op and selector made is tried on the running example, and a
//      statement whose s-op fails there is an error;
//   3. collects the diagnostics of both (syntax errors, then elaboration
//      errors before the first syntax error), notes as related locations;
//   4. indexes names: every binding and use of a name in the document,
//      resolved through function and comprehension scopes to the
//      document's own definitions, those of loaded files, the standard
//      library's and the built-ins.
#pragma once

#include "compiler/lang/Elaborate.h"
#include "compiler/lsp/Text.h"

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace rasp::lsp {

/// A range in some file, as the protocol gives it.
struct Place {
  std::string uri;
  Position start, end;
};

struct DocDiagnostic {
  uint32_t begin = 0, end = 0; ///< Bytes of the document.
  bool warning = false;
  std::string message;
  std::vector<std::pair<Place, std::string>> related;
};

enum class SymbolKind { Variable, Function, Parameter, LoopVariable, Builtin };

/// A name of one scope: every place that binds it.
struct Symbol {
  std::string name;
  SymbolKind kind = SymbolKind::Variable;
  int scope = -1;                  ///< -1: defined outside the document.
  std::vector<uint32_t> bindings;  ///< Begin offsets of its bindings here.
  std::optional<Place> external;   ///< Where a library or loaded name is.
  std::vector<std::string> params; ///< For functions.
  std::string origin;              ///< "standard library", a file, "built-in".
};

/// One appearance of a name in the document.
struct Occurrence {
  uint32_t begin = 0, end = 0;
  int symbol = -1;
  bool binding = false;
  bool topLevel = true; ///< Outside every function and comprehension.
};

struct Scope {
  int parent = -1;
  uint32_t begin = 0, end = 0;
  std::map<std::string, int> names;
};

/// Definitions outside the document: name to symbol template.
using ExternalNames = std::map<std::string, Symbol>;

struct DocumentOptions {
  lang::ElaborateOptions elaborate;
  /// The running example (a RASP literal) when the document names none.
  std::string example = "\"hello\"";
  /// The standard library's names (computed once by the server).
  const ExternalNames *stdlib = nullptr;
};

/// A top-level assignment target or function name, with its statement.
struct Definition {
  std::string name;
  uint32_t nameBegin = 0, nameEnd = 0, begin = 0, end = 0;
  bool function = false;
};

class Document {
public:
  std::string uri, path, text;
  std::unique_ptr<LineIndex> lines;
  std::vector<DocDiagnostic> diagnostics;
  std::vector<Symbol> symbols;
  std::vector<Occurrence> occurrences; ///< Sorted by begin.
  std::vector<Scope> scopes;
  /// The value each top-level binding gave its name, by its begin offset.
  std::map<uint32_t, lang::Value> values;
  std::vector<Definition> definitions; ///< In the order of the text.
  ExternalNames externals;             ///< Library, loaded and built-in names.
  std::vector<Atom> example;
  std::string exampleText;

  std::unique_ptr<DiagnosticEngine> diags;
  std::unique_ptr<lang::Elaborator> elaborator;
  std::shared_ptr<lang::Env> scope;
  std::vector<std::unique_ptr<ast::Program>> programs;

  /// The occurrence covering byte `offset` (or ending at it), if any.
  const Occurrence *occurrenceAt(uint32_t offset) const;
  /// The value of a top-level symbol as seen at `offset`.
  const lang::Value *valueAt(const Symbol &symbol, uint32_t offset) const;
  /// The innermost scope containing `offset`.
  int scopeAt(uint32_t offset) const;
};

std::unique_ptr<Document> analyzeDocument(const std::string &uri, const std::string &path,
                                          const std::string &text, const DocumentOptions &options);

/// The top-level public names `path` defines, and those of what it loads,
/// as symbols (their `external` set); `origin` names the file in hovers.
void collectFileNames(DiagnosticEngine &diags, const std::string &path, const std::string &origin,
                      const std::vector<std::string> &searchPath, ExternalNames &out,
                      unsigned depth = 0);

/// `file://` URIs to paths and back (percent-encoding as the protocol
/// does).
std::string uriToPath(llvm::StringRef uri);
std::string pathToUri(llvm::StringRef path);

} // namespace rasp::lsp
