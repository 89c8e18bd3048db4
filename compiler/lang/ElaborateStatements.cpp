// Elaboration of statements, and of files and loads.
#include "compiler/lang/ElaborateImpl.h"

#include "compiler/frontend/Parse.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"

#include <cassert>
#include <new>

using namespace rasp;
using namespace rasp::lang;
using namespace rasp::lang::elab;

void Elaborator::Impl::exec(const Stmt &stmt, const std::shared_ptr<Env> &env) {
  step(stmt.loc());
  bool replCommand = stmt.kind() == StmtKind::SetExample || stmt.kind() == StmtKind::ShowExample ||
                     stmt.kind() == StmtKind::ToggleExamples ||
                     stmt.kind() == StmtKind::ToggleFullSeq || stmt.kind() == StmtKind::Draw;
  if (replCommand && command)
    return command(stmt);
  switch (stmt.kind()) {
  case StmtKind::Expr:
    eval(*cast<ExprStmt>(stmt).expr, env); // Sets `out`.
    return;
  case StmtKind::Assign:
    return execAssign(cast<AssignStmt>(stmt), env);
  case StmtKind::Def: {
    auto &def = cast<DefStmt>(stmt);
    auto f = std::make_shared<Function>();
    f->name = def.name.name;
    for (const Identifier &param : def.params)
      f->params.push_back(param.name);
    f->def = &def;
    f->closure = env;
    f->creator = env->name;
    assign(*env, def.name.name, Value::function(f), def.name.loc);
    return;
  }
  case StmtKind::For: {
    auto &loop = cast<ForStmt>(stmt);
    Value iterable = eval(*loop.iterable, env);
    for (const Value &item : iterate(iterable, loop.iterable->loc(), "loop over this value")) {
      unpack(*env, loop.ids, item, loop.loc());
      for (const StmtPtr &body : loop.body)
        exec(*body, env);
    }
    return;
  }
  case StmtKind::Load: {
    auto &load = cast<LoadStmt>(stmt);
    return execLoad(load, env);
  }
  case StmtKind::Draw:
    fail(stmt.loc(), "draw writes a drawing only at the REPL; use "
                     "`rasp draw FILE --sop NAME` to draw from a file");
  case StmtKind::SetExample: {
    // Only the REPL shows examples; elsewhere the value is still checked.
    auto &set = cast<SetExampleStmt>(stmt);
    Value example = eval(*set.example, env);
    if (example.kind() != ValueKind::Atom && example.kind() != ValueKind::List &&
        example.kind() != ValueKind::Dict)
      fail(set.example->loc(), "an example must be a string, list or dict, "
                               "not " +
                                   brief(example));
    if (example.isAtom() && !example.atom().isString())
      fail(set.example->loc(), "an example must be a string, list or dict, "
                               "not " +
                                   brief(example));
    return;
  }
  case StmtKind::ShowExample:
  case StmtKind::ToggleExamples:
  case StmtKind::ToggleFullSeq:
  case StmtKind::Exit:
    return; // REPL commands; they print nothing outside the REPL.
  }
}

std::vector<Shown> Elaborator::Impl::runStatement(const Stmt &stmt,
                                                  const std::shared_ptr<Env> &env) {
  switch (stmt.kind()) {
  case StmtKind::Expr: {
    auto &e = cast<ExprStmt>(stmt);
    Value value = eval(*e.expr, env); // Sets `out`.
    std::string name = llvm::isa<NameExpr>(*e.expr) ? cast<NameExpr>(*e.expr).name : "out";
    return {{name, value}};
  }
  case StmtKind::Assign: {
    exec(stmt, env);
    std::vector<Shown> shown;
    for (const Identifier &target : cast<AssignStmt>(stmt).targets)
      shown.push_back({target.name, *env->find(target.name)});
    return shown;
  }
  case StmtKind::Def:
    exec(stmt, env);
    return {{cast<DefStmt>(stmt).name.name, *env->find(cast<DefStmt>(stmt).name.name)}};
  case StmtKind::Load: {
    if (listing) { // A load inside a loaded file adds to the same listing.
      exec(stmt, env);
      return {};
    }
    std::vector<Shown> log;
    listing = &log;
    loadFailed = false;
    try {
      exec(stmt, env);
    } catch (...) {
      listing = nullptr;
      throw;
    }
    listing = nullptr;
    return log;
  }
  default:
    exec(stmt, env);
    return {};
  }
}

void Elaborator::Impl::execAssign(const AssignStmt &stmt, const std::shared_ptr<Env> &env) {
  std::vector<Value> values;
  for (const ExprPtr &e : stmt.values)
    values.push_back(eval(*e, env));
  if (stmt.targets.size() == 1) {
    Value value = values.size() == 1 ? values[0] : Value::list(values);
    bindName(*env, stmt.targets[0], value);
    return;
  }
  if (values.size() == 1) {
    if (values[0].kind() != ValueKind::List)
      fail(stmt.values[0]->loc(), "cannot assign " + brief(values[0]) + " to " +
                                      std::to_string(stmt.targets.size()) + " names");
    values = values[0].listValue().items;
  }
  if (values.size() != stmt.targets.size())
    fail(stmt.loc(), "expected " + std::to_string(stmt.targets.size()) + " values, but got " +
                         std::to_string(values.size()));
  for (size_t i = 0; i < values.size(); ++i)
    bindName(*env, stmt.targets[i], values[i]);
}

void Elaborator::Impl::execLoad(const LoadStmt &load, const std::shared_ptr<Env> &env) {
  std::string fileName = load.name + ".rasp";
  // The loading file's directory, then the current directory (the
  // original's only place), then the search path; an absolute name only
  // where it says.
  std::vector<std::string> dirs;
  if (!loading.empty())
    dirs.push_back(llvm::sys::path::parent_path(loading.back()).str());
  dirs.push_back(".");
  for (const std::string &dir : owner.options.searchPath)
    dirs.push_back(dir);
  if (llvm::sys::path::is_absolute(fileName))
    dirs = {"/"};
  std::string found;
  for (const std::string &dir : dirs) {
    llvm::SmallString<256> path(dir.empty() ? "." : dir);
    llvm::sys::path::append(path, fileName);
    if (llvm::sys::fs::is_regular_file(path)) {
      found = std::string(path.str());
      break;
    }
  }
  if (found.empty())
    fail(load.nameLoc, "could not find file " + fileName);
  for (const std::string &active : loading)
    if (llvm::sys::fs::equivalent(active, found))
      fail(load.nameLoc, "'" + found +
                             "' is already being loaded (a load "
                             "cycle)");
  std::optional<FileId> file = diags.loadFile(found, load.nameLoc);
  if (!file)
    throw LangError{SourceLoc(), ""}; // Reported by loadFile.
  auto scope = newEnv(base, load.name);
  scope->exportTo = env;
  // A failing statement of the file is reported and skipped; the load
  // itself goes on, as in the original.
  if (runFile(*file, scope))
    loadFailed = true;
}

unsigned Elaborator::Impl::runFile(FileId file, const std::shared_ptr<Env> &scope) {
  frontend::ParseResult parsed = frontend::parseProgram(diags, file);
  if (!parsed.program)
    return 1;
  programs.push_back(std::make_unique<Program>(std::move(*parsed.program)));
  const Program &program = *programs.back();
  loading.push_back(diags.fileName(file).str());
  unsigned failures = 0;
  for (const StmtPtr &stmt : program.statements) {
    if (stmt->kind() == StmtKind::Exit)
      break;
    try {
      if (listing) {
        for (Shown &shown : runStatement(*stmt, scope))
          if (isPublic(shown.name))
            listing->push_back(std::move(shown));
      } else {
        exec(*stmt, scope);
      }
    } catch (const LangError &e) {
      ++failures;
      if (!e.message.empty())
        diags.error(e.loc, e.message);
    } catch (const eval::EvalError &e) {
      ++failures;
      diags.error(e.loc, e.message);
    } catch (const std::bad_alloc &) {
      // (What the statement held is freed by now; the next one may fit.)
      ++failures;
      diags.error(stmt->loc(), OutOfMemoryMessage);
    }
  }
  loading.pop_back();
  return failures;
}
