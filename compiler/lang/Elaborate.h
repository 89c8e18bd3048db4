// Stage 3: elaboration, which runs the RASP meta-language.
//
// The Elaborator executes statements: atoms, lists and dicts are computed
// at once; functions close over their defining scope (late binding);
// `for` runs in the enclosing scope and comprehensions in a fresh one;
// `load "name";` runs name.rasp in a child of the base environment and
// exports its public names. S-op and selector expressions build nodes of
// the RASP graph (Graph.h) without evaluating them.
//
// Scopes, as in the original: the base environment holds the constants
// (tokens_str ... indices, True, False), the primitives (selector_width)
// and the standard library, then `tokens = tokens_str`. Programs run in a
// child of it, where the library's names may be shadowed.
//
// Errors are located diagnostics; a failing statement is reported and
// skipped, and the next statement runs.
#pragma once

#include "compiler/frontend/AST.h"
#include "compiler/graph/Graph.h"
#include "compiler/lang/Value.h"
#include "compiler/support/Diagnostics.h"

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

namespace rasp::lang {

/// A scope.
struct Env {
  std::shared_ptr<Env> parent;
  std::string name; ///< The creator shown for functions defined here.
  std::unordered_map<std::string, Value> vars;
  /// Where public names assigned here are also exported (a loader's scope).
  std::shared_ptr<Env> exportTo;
  /// Library names may not be assigned here (the REPL's scope).
  bool reservesLibrary = false;

  const Value *find(const std::string &name) const;
};

struct LangError {
  SourceLoc loc;
  std::string message;
};

/// The error of a statement that ran out of memory past every budget: the
/// statement fails, what it held is freed, and the next one runs.
inline constexpr const char *OutOfMemoryMessage =
    "out of memory: this statement needs more memory than the system allows";

struct ElaborateOptions {
  /// Directories searched by `load` after the loading file's own directory.
  std::vector<std::string> searchPath;
  /// The standard library file, loaded into the base environment.
  std::string stdlibPath;
  /// Most statements and expressions one Elaborator executes (every RASP
  /// program terminates, but nested loops can take very long).
  uint64_t maxSteps = 100'000'000;
  /// Most graph nodes a program may create.
  size_t maxNodes = size_t(1) << 22;

  /// The standard library of this build (stdlib/ of the source tree) and
  /// its directory as the search path.
  static ElaborateOptions defaults();
};

/// A value a statement shows at the REPL, with the name it is shown under.
struct Shown {
  std::string name;
  Value value;
};

/// Checks a new s-op or selector on a running example (the REPL's trial
/// evaluation): `backup` is the input of an enclosing `sop(INPUT)`, if any.
/// Throws LangError or eval::EvalError to reject the statement.
using TrialHook =
    std::function<void(const graph::Node *node, const std::vector<Atom> *backup, SourceLoc loc)>;

/// Runs a REPL command (set example, examples on/off, ..., and draw) met
/// while a file loads, so that it acts on the REPL.
using CommandHook = std::function<void(const ast::Stmt &stmt)>;

class Elaborator {
public:
  Elaborator(DiagnosticEngine &diags, const ElaborateOptions &options);
  ~Elaborator();

  /// Loads the standard library; false (with diagnostics) if it failed.
  bool loadStdlib();
  /// A new scope for a program: a child of the base environment.
  std::shared_ptr<Env> newProgramScope(const std::string &name);
  /// The REPL's scope (`console`), where library names are reserved.
  std::shared_ptr<Env> newConsoleScope();
  /// Runs one statement of `program` (which the Elaborator keeps alive) and
  /// returns what it shows at the REPL; throws LangError or eval::EvalError.
  /// A load shows what it exported.
  std::vector<Shown> runStatement(const ast::Stmt &stmt, const std::shared_ptr<Env> &scope);
  /// Keeps a parsed program alive for the functions defined in it.
  const ast::Program &adopt(ast::Program program);
  /// Whether a statement of the files loaded by the last `load` failed.
  bool lastLoadFailed() const;
  /// Installs the REPL's trial evaluation (none by default).
  void setTrialHook(TrialHook hook);
  /// Installs the REPL's handler of REPL commands (by default they only
  /// check their operands).
  void setCommandHook(CommandHook hook);
  /// Parses and runs `file` in `scope`; returns how many statements failed
  /// (syntax errors count as one).
  unsigned runFile(FileId file, const std::shared_ptr<Env> &scope);
  /// Evaluates one expression (for inputs given on the command line).
  std::optional<Value> evaluateExpression(const ast::Expr &expr, const std::shared_ptr<Env> &scope);

  class Impl;

private:
  DiagnosticEngine &diags;
  ElaborateOptions options;
  graph::Graph nodes;
  std::unique_ptr<Impl> impl;
};

/// Converts an input value (a string, or a list or dict of atoms) to the
/// atoms an s-op is applied to; throws LangError at `loc`.
std::vector<Atom> inputAtoms(const Value &input, SourceLoc loc);

} // namespace rasp::lang
