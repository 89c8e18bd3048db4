// The subcommands and options that work on exported models: `compile -o`,
// `run --model`, `verify --model`, `inspect` and `compare`.
#pragma once

#include "compiler/codegen/Pipeline.h"
#include "compiler/support/Diagnostics.h"

#include "llvm/Support/JSON.h"

#include <optional>
#include <string>
#include <vector>

namespace rasp::driver {

/// Whether the arguments ask for an exported model (`--model DIR`).
bool hasModelOption(const std::vector<std::string> &args);

/// The compile report (`rasp compile --json`) of `root` compiled.
llvm::json::Object compileReportJson(const graph::Node *root,
                                     const codegen::CompiledProgram &compiled);

/// Writes `compiled` into the folder `dir` (runtime/io/ModelIO.h), with the
/// report, `sourceFile` and the compiler's version in report.json; false
/// after reporting an error.
bool exportCompiled(DiagnosticEngine &diags, const std::string &dir, const graph::Node *root,
                    const codegen::CompiledProgram &compiled, const std::string &sourceFile);

/// An exported model as the commands that run compiled programs take it:
/// the model, and the plan's vocabulary, max_len and output rebuilt from
/// config.json (no value sets). Nothing after reporting an error.
std::optional<codegen::CompiledProgram> loadExported(DiagnosticEngine &diags,
                                                     const std::string &dir);

int runExportedCommand(const std::vector<std::string> &args);
int inspectCommand(const std::vector<std::string> &args);
int compareCommand(const std::vector<std::string> &args);

} // namespace rasp::driver
