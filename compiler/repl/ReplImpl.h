// Internal to the REPL (Repl.cpp and the Repl*.cpp files): the session
// class behind runRepl and its small helpers. Not part of the interface
// (that is Repl.h). The examples, the loop and the entry point: Repl.cpp;
// the original's display of values: ReplDisplay.cpp; the commands:
// ReplCommands.cpp.
#pragma once

#include "compiler/repl/Repl.h"

#include "compiler/eval/Evaluate.h"
#include "compiler/lang/Elaborate.h"

#include "llvm/Support/raw_ostream.h"

#include <memory>
#include <string>
#include <vector>

namespace rasp::lang::repl {

/// Whether two inputs are the same atoms, of the same types (1, 1.0 and
/// True are different inputs).
bool sameInput(const std::vector<Atom> &a, const std::vector<Atom> &b);

/// An atom as the REPL shows a value: strings in double quotes.
std::string atomText(const Atom &atom);

/// Whether a list or dict is shown on one line (no element is a list, dict,
/// s-op or selector).
bool isFlat(const Value &value);

class Repl {
public:
  Repl(Elaborator &elaborator, DiagnosticEngine &diags, llvm::raw_ostream &out)
      : elaborator(elaborator), diags(diags), out(out), console(elaborator.newConsoleScope()) {
    setExample(Value(Atom::string("hello")), true, true);
    elaborator.setTrialHook([this](const graph::Node *node, const std::vector<Atom> *backup,
                                   SourceLoc) { tryOn(node, backup ? *backup : sopAtoms); });
    elaborator.setCommandHook([this](const ast::Stmt &stmt) {
      bool exit = false;
      command(stmt, exit);
    });
  }

  int run(LineReader &read, const ReplOptions &options);

private:
  // ------------------------------------------------------------ examples

  void setExample(const Value &example, bool sop, bool selector);

  /// The evaluator for `atoms` (cached for the two running examples).
  eval::Evaluator *evaluatorFor(const std::vector<Atom> &atoms);

  void tryOn(const graph::Node *node, const std::vector<Atom> &atoms);

  // ------------------------------------------------------------- display

  /// An s-op shown under `name`, after `head` (the original's prefixes).
  std::vector<std::string> showSOp(const std::string &pref, const std::string &head,
                                   const std::string &name, const graph::Node *node);

  /// Whether all values are equal (as elements of a Python set).
  static bool identical(const eval::Sequence &seq);

  /// The aligned input and output rows of the full sequence display.
  static std::vector<std::string> fullRows(const std::vector<Atom> &inputAtoms,
                                           const eval::Sequence &seq);

  /// The cells of the full sequence display: values in full precision;
  /// when the first value is a bool, as in the original, every value shows
  /// as T or F by its truth, and only the rarer of the two (both on a tie).
  static std::vector<std::string> fullCells(const std::vector<Atom> &values);

  std::vector<std::string> showSelector(const std::string &pref, const std::string &head,
                                        const std::string &name, const graph::Node *node);

  /// The display of a value, as the original's print_named_val: under
  /// `name` (none inside lists and dicts), indented by `ntabs` tabs, after
  /// `extra` (a dict entry's key).
  std::vector<std::string> show(const std::optional<std::string> &name, const Value &value,
                                unsigned ntabs = 0, const std::string &extra = "");

  void print(const std::vector<std::string> &lines);

  // ------------------------------------------------------------ commands

  /// Runs a REPL command; false for a statement the Elaborator runs.
  bool command(const ast::Stmt &stmt, bool &exit);

  /// `draw(sop [, input]);`: writes comp_flows/NAME(INPUT).pdf (or .dot
  /// without Graphviz) and shows the s-op's value on the input.
  void draw(const ast::DrawStmt &stmt);

  /// Runs one statement and prints what it shows.
  void statement(const ast::Stmt &stmt, bool &exit);

  /// A load lists each exported name once, at its last binding, without
  /// examples; after an error, it lists every binding in order.
  void showLoad(const std::vector<Shown> &exported, bool failed);

  Elaborator &elaborator;
  DiagnosticEngine &diags;
  llvm::raw_ostream &out;
  std::shared_ptr<Env> console;
  Value sopExample, selectorExample;
  std::vector<Atom> sopAtoms, selectorAtoms;
  std::unique_ptr<eval::Evaluator> sopEvaluator, selectorEvaluator, scratch;
  bool sopExamples = true, selectorExamples = true, fullSeq = false;
};

} // namespace rasp::lang::repl
