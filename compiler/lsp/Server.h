// The RASP language server: the Language Server Protocol over a byte stream.
//
// runServer reads JSON-RPC messages framed by `Content-Length` headers from
// `in` and writes responses and notifications to `out` until `exit` (or the
// end of the input). It:
//   1. answers `initialize` (full document sync, UTF-16 positions) and
//      refuses other requests before it, as the protocol says;
//   2. on didOpen and didChange, analyses the whole document again
//      (Document.h) and publishes its diagnostics;
//   3. answers hover, definition, references, rename, document symbols,
//      completion, signature help, semantic tokens, code lens and inlay
//      hints from the last analysis of the document (Features.h);
//   4. answers malformed input (bad headers, bodies that are not JSON,
//      unknown methods, bad parameters) with a JSON-RPC error, or drops it
//      when it has no id; nothing a client sends makes it crash.
// `log`, when given, receives one line per problem with the input.
#pragma once

#include "compiler/lang/Elaborate.h"

#include "llvm/Support/JSON.h"
#include "llvm/Support/raw_ostream.h"

#include <cstdio>
#include <string>

namespace rasp::lsp {

struct ServerOptions {
  /// The library and search path, and the budgets of one analysis.
  lang::ElaborateOptions elaborate;

  /// The library of this build; steps (5 million) and graph nodes (262,144)
  /// capped lower than for commands, so that a document being typed stays
  /// responsive.
  static ServerOptions defaults();
};

/// Serves until `exit`; returns the exit status the protocol asks for (0
/// after `shutdown`, 1 otherwise).
int runServer(std::FILE *in, llvm::raw_ostream &out, llvm::raw_ostream *log,
              const ServerOptions &options = ServerOptions::defaults());

/// A message as it travels: `Content-Length: N`, a blank line, the JSON
/// (what the server writes, and what clients such as tests write to it).
std::string frameMessage(const llvm::json::Value &message);

} // namespace rasp::lsp
