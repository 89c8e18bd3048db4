// The REPL loop, its running examples and its entry point (ReplImpl.h).
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

using namespace rasp;
using namespace rasp::lang;
using namespace rasp::lang::repl;
using llvm::cast;

namespace {
/// Counts the `def`s in pending input, for the continuation prompt.
size_t countDefs(const std::string &text) {
  size_t count = 0;
  for (size_t at = text.find("def"); at != std::string::npos; at = text.find("def", at + 3)) {
    bool startOk =
        at == 0 || !(std::isalnum(static_cast<unsigned char>(text[at - 1])) || text[at - 1] == '_');
    bool endOk = at + 3 >= text.size() ||
                 !(std::isalnum(static_cast<unsigned char>(text[at + 3])) || text[at + 3] == '_');
    count += startOk && endOk;
  }
  return count;
}

bool isBlank(const std::string &text) {
  return text.find_first_not_of(" \t\r\n") == std::string::npos;
}

} // namespace

namespace rasp::lang::repl {

bool sameInput(const std::vector<Atom> &a, const std::vector<Atom> &b) {
  if (a.size() != b.size())
    return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (a[i].kind() != b[i].kind() || !a[i].equals(b[i]))
      return false;
  return true;
}

std::string atomText(const Atom &atom) {
  return atom.isString() ? "\"" + atom.asString() + "\"" : atom.str();
}

bool isFlat(const Value &value) {
  auto simple = [](const Value &v) {
    return v.kind() == ValueKind::Atom || v.kind() == ValueKind::Function ||
           v.kind() == ValueKind::Applied;
  };
  if (value.kind() == ValueKind::List) {
    for (const Value &item : value.listValue().items)
      if (!simple(item))
        return false;
    return true;
  }
  for (const auto &entry : value.dictValue().entries)
    if (!simple(entry.second))
      return false;
  return true;
}

void Repl::setExample(const Value &example, bool sop, bool selector) {
  std::vector<Atom> atoms;
  try {
    atoms = inputAtoms(example, SourceLoc());
  } catch (const LangError &) {
    atoms.clear(); // An empty example: every s-op then fails on it.
  }
  if (sop) {
    sopExample = example;
    sopAtoms = atoms;
    sopEvaluator.reset();
  }
  if (selector) {
    selectorExample = example;
    selectorAtoms = atoms;
    selectorEvaluator.reset();
  }
}

eval::Evaluator *Repl::evaluatorFor(const std::vector<Atom> &atoms) {
  if (atoms.empty())
    return nullptr;
  if (&atoms == &sopAtoms) {
    if (!sopEvaluator)
      sopEvaluator = std::make_unique<eval::Evaluator>(sopAtoms);
    return sopEvaluator.get();
  }
  if (&atoms == &selectorAtoms) {
    if (!selectorEvaluator)
      selectorEvaluator = std::make_unique<eval::Evaluator>(selectorAtoms);
    return selectorEvaluator.get();
  }
  // Another input (a backup example): evaluated afresh, never confused
  // with a cached result for a different input (see spec §13.4).
  if (!scratch || !sameInput(scratch->input(), atoms))
    scratch = std::make_unique<eval::Evaluator>(atoms);
  return scratch.get();
}

void Repl::tryOn(const graph::Node *node, const std::vector<Atom> &atoms) {
  eval::Evaluator *evaluator = evaluatorFor(atoms);
  if (!evaluator)
    throw LangError{node->loc, "s-ops and selectors need a non-empty example, "
                               "but the running example is empty"};
  try {
    if (node->isSelector())
      evaluator->selector(node);
    else
      evaluator->sequence(node);
  } catch (const eval::EvalError &e) {
    if (&atoms != &sopAtoms && &atoms != &selectorAtoms)
      throw;
    // The user may not know that each new s-op is tried on the example.
    const Value &example = &atoms == &sopAtoms ? sopExample : selectorExample;
    throw eval::EvalError{e.loc, e.message + " (on the running example " + example.repr() +
                                     "; `set example` sets another)"};
  }
}

int Repl::run(LineReader &read, const ReplOptions &options) {
  out << "RASP 0.1\n";
  out << "running example is: "
      << (sopExample.isAtom() ? sopExample.atom().str() : sopExample.repr()) << "\n";
  for (const std::string &path : options.preload) {
    llvm::StringRef name(path);
    if (!name.consume_back(".rasp")) {
      diags.error("cannot load '" + path + "': RASP files end in .rasp");
      continue;
    }
    if (!llvm::sys::fs::is_regular_file(path)) {
      diags.loadFile(path); // Says why not (missing, a directory), reading nothing.
      continue;
    }
    // A load statement made here rather than parsed from pasted text, so
    // that any file name works (quotes, backslashes), and that loads this
    // very file (the current directory comes first for a relative name).
    ast::Program program;
    program.statements.push_back(
        std::make_unique<ast::LoadStmt>(SourceLoc(), name.str(), SourceLoc()));
    bool exit = false;
    statement(*elaborator.adopt(std::move(program)).statements[0], exit);
  }
  std::string pending;
  unsigned line = 1, pendingLine = 1;
  while (true) {
    std::string prompt = pending.empty() ? ">> " : ".. " + std::string(2 * countDefs(pending), ' ');
    if (options.echoPrompts)
      out << prompt;
    out.flush();
    std::optional<std::string> text = read(prompt);
    if (!text) {
      if (!isBlank(pending)) {
        FileId file = diags.addFile("<stdin>", pending, pendingLine);
        frontend::parseProgram(diags,
                               file); // Reports the unfinished statement.
      }
      out << "\n";
      return 0;
    }
    if (pending.empty())
      pendingLine = line;
    pending += *text + "\n";
    ++line;
    if (isBlank(pending))
      continue; // As in the original, an empty line waits for more.
    // Read more lines while the statement is unfinished, or while there is
    // nothing but comments (the original waits for a statement then, too).
    {
      llvm::raw_null_ostream sink;
      DiagnosticEngine scratch(&sink);
      FileId file = scratch.addFile("<stdin>", pending, pendingLine);
      frontend::ParseResult trial = frontend::parseProgram(scratch, file);
      if (trial.endedEarly || (trial.program && trial.program->statements.empty()))
        continue;
    }
    FileId file = diags.addFile("<stdin>", pending, pendingLine);
    pending.clear();
    frontend::ParseResult parsed = frontend::parseProgram(diags, file);
    if (!parsed.program)
      continue;
    const ast::Program &program = elaborator.adopt(std::move(*parsed.program));
    bool exit = false;
    for (const ast::StmtPtr &stmt : program.statements) {
      statement(*stmt, exit);
      if (exit)
        return 0;
    }
  }
}

} // namespace rasp::lang::repl

int lang::runRepl(Elaborator &elaborator, DiagnosticEngine &diags, LineReader read,
                  llvm::raw_ostream &out, const ReplOptions &options) {
  repl::Repl repl(elaborator, diags, out);
  return repl.run(read, options);
}
