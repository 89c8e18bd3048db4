// A deterministic text dump of the AST (`rasp parse FILE --emit=ast`).
//
// One node per line, indented two spaces per level, as
// `kind [detail] @line:col-line:col`, where the range is that of the node's
// source text (the end is the column of its last character).
#pragma once

#include "compiler/frontend/AST.h"

namespace llvm {
class raw_ostream;
}

namespace rasp {
class DiagnosticEngine;
}

namespace rasp::frontend {

void dumpAst(const ast::Program &program, const DiagnosticEngine &diags, llvm::raw_ostream &out);

} // namespace rasp::frontend
