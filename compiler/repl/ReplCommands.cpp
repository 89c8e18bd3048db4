// The REPL's commands: examples, drawing, analysis, display options.
#include "compiler/repl/ReplImpl.h"

#include "compiler/analysis/Analyze.h"
#include "compiler/analysis/Draw.h"
#include "compiler/frontend/Parse.h"
#include "compiler/lang/Display.h"
#include "compiler/support/FloatFormat.h"

#include "llvm/Support/Casting.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/raw_ostream.h"

#include <algorithm>
#include <map>
#include <new>

using namespace rasp;
using namespace rasp::lang;
using namespace rasp::lang::repl;
using llvm::cast;

namespace rasp::lang::repl {

bool Repl::command(const ast::Stmt &stmt, bool &exit) {
  using ast::ExampleSubsetKind;
  switch (stmt.kind()) {
  case ast::StmtKind::SetExample: {
    auto &set = cast<ast::SetExampleStmt>(stmt);
    std::optional<Value> example = elaborator.evaluateExpression(*set.example, console);
    if (!example)
      return true;
    bool iterable = example->kind() == ValueKind::List || example->kind() == ValueKind::Dict ||
                    (example->isAtom() && example->atom().isString());
    if (!iterable) {
      diags.error(set.example->loc(), "an example must be a string, list or "
                                      "dict, not " +
                                          example->describe());
      return true;
    }
    setExample(*example, set.subset != ExampleSubsetKind::Selector,
               set.subset != ExampleSubsetKind::SOp);
    return true;
  }
  case ast::StmtKind::ShowExample: {
    auto subset = cast<ast::ShowExampleStmt>(stmt).subset;
    if (subset != ExampleSubsetKind::Selector)
      out << "\ts-op example: " << inputText(sopExample) << "\n";
    if (subset != ExampleSubsetKind::SOp)
      out << "\tselector example: " << inputText(selectorExample) << "\n";
    return true;
  }
  case ast::StmtKind::ToggleExamples: {
    auto &toggle = cast<ast::ToggleExamplesStmt>(stmt);
    if (toggle.subset != ExampleSubsetKind::Selector)
      sopExamples = toggle.on;
    if (toggle.subset != ExampleSubsetKind::SOp)
      selectorExamples = toggle.on;
    return true;
  }
  case ast::StmtKind::ToggleFullSeq:
    fullSeq = cast<ast::ToggleFullSeqStmt>(stmt).on;
    return true;
  case ast::StmtKind::Exit:
    exit = true;
    return true;
  case ast::StmtKind::Draw:
    draw(cast<ast::DrawStmt>(stmt));
    return true;
  default:
    return false;
  }
}

void Repl::draw(const ast::DrawStmt &stmt) {
  std::optional<Value> target = elaborator.evaluateExpression(*stmt.target, console);
  if (!target)
    return;
  if (!target->isSOp())
    throw LangError{stmt.target->loc(), "draw expects an s-op, not " + target->describe()};
  Value input = sopExample;
  if (stmt.input) {
    std::optional<Value> given = elaborator.evaluateExpression(*stmt.input, console);
    if (!given)
      return;
    input = *given;
  }
  std::vector<Atom> atoms = inputAtoms(input, stmt.input ? stmt.input->loc() : stmt.loc());
  eval::Evaluator evaluator(atoms);
  const graph::Node *node = target->node();
  std::string dot;
  llvm::raw_string_ostream text(dot);
  analysis::drawDot(node->name, analysis::analyze(node), evaluator, text);
  llvm::sys::fs::create_directories("comp_flows");
  analysis::DrawingResult written = analysis::writeDrawing(
      text.str(), "comp_flows/" + node->name + "(" + inputText(input) + ").pdf",
      /*dotFallback=*/true);
  if (!written.ok)
    diags.error(stmt.loc(), written.message);
  else if (!written.message.empty())
    diags.note(stmt.loc(), written.message);
  out << "\t =  " << sequenceText(evaluator.sequence(node)) << "\n";
}

void Repl::statement(const ast::Stmt &stmt, bool &exit) {
  try {
    if (command(stmt, exit))
      return;
    std::vector<Shown> shown = elaborator.runStatement(stmt, console);
    if (stmt.kind() == ast::StmtKind::Load) {
      showLoad(shown, elaborator.lastLoadFailed());
      return;
    }
    std::vector<std::string> lines;
    for (const Shown &s : shown)
      for (const std::string &line : show(s.name, s.value))
        lines.push_back(line);
    print(lines);
  } catch (const LangError &e) {
    if (!e.message.empty())
      diags.error(e.loc, e.message);
  } catch (const eval::EvalError &e) {
    diags.error(e.loc, e.message);
  } catch (const std::bad_alloc &) {
    diags.error(stmt.loc(), OutOfMemoryMessage);
  }
}

void Repl::showLoad(const std::vector<Shown> &exported, bool failed) {
  std::map<std::string, size_t> last;
  for (size_t i = 0; i < exported.size(); ++i)
    last[exported[i].name] = i;
  bool sop = sopExamples, selector = selectorExamples;
  sopExamples = selectorExamples = false;
  std::vector<std::string> lines;
  for (size_t i = 0; i < exported.size(); ++i)
    if (failed || last[exported[i].name] == i)
      for (const std::string &line : show(exported[i].name, exported[i].value))
        lines.push_back(line);
  sopExamples = sop;
  selectorExamples = selector;
  print(lines);
}

} // namespace rasp::lang::repl
