// Elaboration: the RASP meta-language interpreter that builds the RASP graph.
#include "compiler/lang/Elaborate.h"

#include "compiler/frontend/Parse.h"

#include "llvm/Support/Casting.h"
#include "llvm/Support/ConvertUTF.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"

#include <sys/resource.h>

#include <cassert>
#include <algorithm>
#include <set>

using namespace rasp;
using namespace rasp::lang;
using namespace rasp::ast;
using graph::MapOpKind;
using GNode = graph::Node;
using graph::NodeKind;
using llvm::cast;

namespace {

/// Names no program may assign (the original's reserved words and
/// constants of every scope).
const std::set<std::string> &reservedNames() {
  static const std::set<std::string> names = {
      "if",         "else",        "not",        "and",       "or",
      "out",        "def",         "return",     "range",     "for",
      "in",         "zip",         "len",        "get",       "tokens_asis",
      "tokens_str", "tokens_int",  "tokens_bool", "tokens_float", "indices",
      "True",       "False"};
  return names;
}

/// Lists and dicts may not nest deeper than this (display and destruction
/// recurse over them).
constexpr unsigned MaxValueDepth = 2000;
/// Function calls may not nest deeper than this.
constexpr unsigned MaxCallDepth = 2000;
/// Lists made by range, `*` and comprehensions stay below this size.
constexpr size_t MaxListSize = size_t(1) << 20;

[[noreturn]] void fail(SourceLoc loc, std::string message) {
  throw LangError{loc, std::move(message)};
}

/// A shortened description for messages.
std::string brief(const Value &value) {
  std::string text = value.describe();
  if (text.size() > 80)
    text = text.substr(0, 77) + "...";
  return text;
}

/// How a call's argument is written in the name of its result (the
/// original's strdesc with a cap of 20 characters).
std::string argumentText(const Value &value) {
  switch (value.kind()) {
  case ValueKind::Atom:
    return value.atom().isString() ? "\"" + value.atom().asString() + "\""
                                   : value.atom().str();
  case ValueKind::List: {
    std::string text = value.repr();
    return text.size() > 20 ? "(list)" : text;
  }
  case ValueKind::Dict: {
    std::string text = value.repr();
    return text.size() > 20 ? "(dict)" : text;
  }
  case ValueKind::SOp:
  case ValueKind::Selector:
    return value.node()->name;
  case ValueKind::Function:
    return value.function()->name;
  case ValueKind::Applied:
    return "(value)";
  }
  return "";
}

void setName(GNode *node, const std::string &name) {
  node->name = name.size() > 30 ? (node->isSelector() ? "sel" : "s-op") : name;
}

lang::AtomOpKind atomOpOf(BinaryOpKind op) {
  switch (op) {
  case BinaryOpKind::Pow:
    return AtomOpKind::Pow;
  case BinaryOpKind::Mul:
    return AtomOpKind::Mul;
  case BinaryOpKind::Div:
    return AtomOpKind::Div;
  case BinaryOpKind::Mod:
    return AtomOpKind::Mod;
  case BinaryOpKind::Add:
    return AtomOpKind::Add;
  case BinaryOpKind::Sub:
    return AtomOpKind::Sub;
  case BinaryOpKind::Eq:
    return AtomOpKind::Eq;
  case BinaryOpKind::Le:
    return AtomOpKind::Le;
  case BinaryOpKind::Ge:
    return AtomOpKind::Ge;
  case BinaryOpKind::Gt:
    return AtomOpKind::Gt;
  case BinaryOpKind::Lt:
    return AtomOpKind::Lt;
  default:
    break;
  }
  assert(false && "and, or and in are not atom operations");
  return AtomOpKind::Add;
}

const char *binarySpelling(BinaryOpKind op) {
  static const char *const names[] = {"^",  "*",  "/",  "%", "+",   "-",  "==",
                                      "<=", ">=", ">",  "<", "and", "or", "in"};
  return names[static_cast<int>(op)];
}

graph::CompareKind compareOf(CompareKind cmp) {
  return static_cast<graph::CompareKind>(static_cast<int>(cmp));
}

/// The bytes of a string, one code point at a time.
std::vector<std::string> codePoints(const std::string &s) {
  std::vector<std::string> out;
  for (size_t i = 0; i < s.size();) {
    size_t length = llvm::getNumBytesForUTF8(static_cast<llvm::UTF8>(s[i]));
    out.push_back(s.substr(i, length));
    i += length;
  }
  return out;
}

} // namespace

const Value *Env::find(const std::string &key) const {
  for (const Env *env = this; env; env = env->parent.get()) {
    auto found = env->vars.find(key);
    if (found != env->vars.end())
      return &found->second;
  }
  return nullptr;
}

std::vector<Atom> lang::inputAtoms(const Value &input, SourceLoc loc) {
  std::vector<Atom> atoms;
  switch (input.kind()) {
  case ValueKind::Atom:
    if (!input.atom().isString())
      fail(loc, "an input must be a string or a list of atoms, not " + brief(input));
    for (std::string &c : codePoints(input.atom().asString()))
      atoms.push_back(Atom::string(std::move(c)));
    break;
  case ValueKind::List:
    for (const Value &item : input.listValue().items) {
      if (!item.isAtom())
        fail(loc, "an input list may hold only atoms, but it holds " + brief(item));
      atoms.push_back(item.atom());
    }
    break;
  case ValueKind::Dict:
    for (const auto &entry : input.dictValue().entries)
      atoms.push_back(entry.first);
    break;
  default:
    fail(loc, "an input must be a string or a list of atoms, not " + brief(input));
  }
  if (atoms.empty())
    fail(loc, "an input must not be empty");
  return atoms;
}

class Elaborator::Impl {
public:
  Impl(Elaborator &owner) : owner(owner), diags(owner.diags), g(owner.nodes) {
    stackBase = reinterpret_cast<char *>(__builtin_frame_address(0));
    struct rlimit limit;
    size_t size = 8 << 20;
    if (getrlimit(RLIMIT_STACK, &limit) == 0 && limit.rlim_cur != RLIM_INFINITY)
      size = limit.rlim_cur;
    stackBudget = std::min<size_t>(size, 256 << 20) - (1 << 20) - size / 8;
    makeBase();
  }

  Elaborator &owner;
  DiagnosticEngine &diags;
  graph::Graph &g;
  std::shared_ptr<Env> base;
  std::vector<std::unique_ptr<Program>> programs;
  std::vector<std::string> loading; ///< Files being loaded, outermost first.
  unsigned callDepth = 0;
  char *stackBase;
  size_t stackBudget;
  GNode *tokensStr = nullptr, *indicesNode = nullptr;
  /// The internal selector of `atom in sop` (created on first use).
  GNode *fullAverage = nullptr;

  // ------------------------------------------------------------- scopes

  void makeBase() {
    base = newEnv(nullptr, "base");
    auto tokens = [&](const char *name, graph::TokensKind kind) {
      GNode *node = g.add(NodeKind::Tokens, name, SourceLoc());
      node->tokens = kind;
      base->vars[name] = Value::node(node);
      return node;
    };
    tokensStr = tokens("tokens_str", graph::TokensKind::Str);
    tokens("tokens_int", graph::TokensKind::Int);
    tokens("tokens_float", graph::TokensKind::Float);
    tokens("tokens_bool", graph::TokensKind::Bool);
    tokens("tokens_asis", graph::TokensKind::AsIs);
    indicesNode = g.add(NodeKind::Indices, "indices", SourceLoc());
    base->vars["indices"] = Value::node(indicesNode);
    base->vars["True"] = Value(Atom::boolean(true));
    base->vars["False"] = Value(Atom::boolean(false));
    auto width = std::make_shared<Function>();
    width->name = "selector_width";
    width->params = {"sel"};
    width->creator = "built-in";
    width->builtin = BuiltinKind::SelectorWidth;
    base->vars["selector_width"] = Value::function(width);
    for (auto [name, kind] : {std::pair{"categorical", BuiltinKind::Categorical},
                              std::pair{"numerical", BuiltinKind::Numerical}}) {
      auto hint = std::make_shared<Function>();
      hint->name = name;
      hint->params = {"sop"};
      hint->creator = "built-in";
      hint->builtin = kind;
      base->vars[name] = Value::function(hint);
    }
  }

  uint64_t steps = 0;
  TrialHook trial;
  CommandHook command;
  /// The input of the innermost `sop(INPUT)` being elaborated.
  std::vector<const std::vector<Atom> *> backups;
  /// While the REPL loads a file: what its top-level statements show, for
  /// the load listing (statements inside loops show nothing).
  std::vector<Shown> *listing = nullptr;
  /// Every scope made, to break the cycles between scopes and the functions
  /// defined in them when the Elaborator goes away.
  std::vector<std::weak_ptr<Env>> scopes;

  std::shared_ptr<Env> newEnv(std::shared_ptr<Env> parent, std::string name) {
    auto env = std::make_shared<Env>();
    env->parent = std::move(parent);
    env->name = std::move(name);
    if (scopes.size() >= 64 && scopes.size() == scopes.capacity())
      scopes.erase(std::remove_if(scopes.begin(), scopes.end(),
                                  [](const std::weak_ptr<Env> &w) { return w.expired(); }),
                   scopes.end());
    scopes.push_back(env);
    return env;
  }

  ~Impl() {
    for (const std::weak_ptr<Env> &weak : scopes)
      if (std::shared_ptr<Env> env = weak.lock()) {
        env->vars.clear();
        env->parent.reset();
        env->exportTo.reset();
      }
  }

  /// Counts one step of execution and checks the limits on steps, graph
  /// size and stack depth.
  void step(SourceLoc loc) {
    if (++steps > owner.options.maxSteps)
      fail(loc, "the program runs too long: more than " +
                    std::to_string(owner.options.maxSteps) +
                    " statements and expressions");
    if (g.size() > owner.options.maxNodes)
      fail(loc, "the program builds too many s-ops and selectors (more than " +
                    std::to_string(owner.options.maxNodes) + ")");
    checkStack(loc);
  }

  void checkStack(SourceLoc loc) {
    char *here = reinterpret_cast<char *>(__builtin_frame_address(0));
    std::ptrdiff_t used = stackBase - here; // The stack grows down.
    if (used > static_cast<std::ptrdiff_t>(stackBudget))
      fail(loc, "the program nests calls and expressions too deeply for the "
                "stack");
  }

  void assign(Env &env, const std::string &name, const Value &value,
              SourceLoc loc) {
    if (reservedNames().count(name))
      fail(loc, "cannot assign to reserved name '" + name + "'");
    if (env.reservesLibrary && libraryNames.count(name))
      fail(loc, "cannot assign to '" + name +
                    "', a name of the standard library");
    env.vars[name] = value;
    if (env.exportTo && isPublic(name))
      assign(*env.exportTo, name, value, loc);
  }

  void bindName(Env &env, const Identifier &id, const Value &value) {
    if (value.isNode())
      setName(value.node(), id.name);
    assign(env, id.name, value, id.loc);
  }

  /// Binds loop or comprehension variables to one item.
  void unpack(Env &env, const std::vector<Identifier> &ids, const Value &item,
              SourceLoc loc) {
    if (ids.size() == 1) {
      assign(env, ids[0].name, item, ids[0].loc);
      return;
    }
    std::vector<Value> parts = iterate(item, loc, "unpack into several names");
    if (parts.size() != ids.size())
      fail(loc, "iterating with " + std::to_string(ids.size()) +
                    " names but got " + std::to_string(parts.size()) +
                    " values (" + item.repr() + ")");
    for (size_t i = 0; i < ids.size(); ++i)
      assign(env, ids[i].name, parts[i], ids[i].loc);
  }

  /// The items of a list, or the keys of a dict.
  std::vector<Value> iterate(const Value &container, SourceLoc loc,
                             const char *what) {
    if (container.kind() == ValueKind::List)
      return container.listValue().items;
    if (container.kind() == ValueKind::Dict) {
      std::vector<Value> keys;
      for (const auto &entry : container.dictValue().entries)
        keys.push_back(Value(entry.first));
      return keys;
    }
    fail(loc, std::string("cannot ") + what + ": expected a list or dict, got " +
                  brief(container));
  }

  std::set<std::string> libraryNames;

  /// Names a loaded file exports: not private (`_x`) and not `out`.
  static bool isPublic(const std::string &name) {
    return !name.empty() && name[0] != '_' && name != "out";
  }

  // --------------------------------------------------------- statements

  void exec(const Stmt &stmt, const std::shared_ptr<Env> &env) {
    step(stmt.loc());
    bool replCommand = stmt.kind() == StmtKind::SetExample ||
                       stmt.kind() == StmtKind::ShowExample ||
                       stmt.kind() == StmtKind::ToggleExamples ||
                       stmt.kind() == StmtKind::ToggleFullSeq ||
                       stmt.kind() == StmtKind::Draw;
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
      for (const Value &item :
           iterate(iterable, loop.iterable->loc(), "loop over this value")) {
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
                                 "not " + brief(example));
      if (example.isAtom() && !example.atom().isString())
        fail(set.example->loc(), "an example must be a string, list or dict, "
                                 "not " + brief(example));
      return;
    }
    case StmtKind::ShowExample:
    case StmtKind::ToggleExamples:
    case StmtKind::ToggleFullSeq:
    case StmtKind::Exit:
      return; // REPL commands; they print nothing outside the REPL.
    }
  }

  /// Runs a statement and returns what the REPL shows for it.
  std::vector<Shown> runStatement(const Stmt &stmt, const std::shared_ptr<Env> &env) {
    switch (stmt.kind()) {
    case StmtKind::Expr: {
      auto &e = cast<ExprStmt>(stmt);
      Value value = eval(*e.expr, env); // Sets `out`.
      std::string name = llvm::isa<NameExpr>(*e.expr)
                             ? cast<NameExpr>(*e.expr).name
                             : "out";
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
      return {{cast<DefStmt>(stmt).name.name,
               *env->find(cast<DefStmt>(stmt).name.name)}};
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

  void execAssign(const AssignStmt &stmt, const std::shared_ptr<Env> &env) {
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
        fail(stmt.values[0]->loc(),
             "cannot assign " + brief(values[0]) + " to " +
                 std::to_string(stmt.targets.size()) + " names");
      values = values[0].listValue().items;
    }
    if (values.size() != stmt.targets.size())
      fail(stmt.loc(), "expected " + std::to_string(stmt.targets.size()) +
                           " values, but got " + std::to_string(values.size()));
    for (size_t i = 0; i < values.size(); ++i)
      bindName(*env, stmt.targets[i], values[i]);
  }

  void execLoad(const LoadStmt &load, const std::shared_ptr<Env> &env) {
    std::string fileName = load.name + ".rasp";
    // The loading file's directory, then the current directory (the
    // original's only place), then the search path.
    std::vector<std::string> dirs;
    if (!loading.empty())
      dirs.push_back(llvm::sys::path::parent_path(loading.back()).str());
    dirs.push_back(".");
    for (const std::string &dir : owner.options.searchPath)
      dirs.push_back(dir);
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
        fail(load.nameLoc, "'" + found + "' is already being loaded (a load "
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

  bool loadFailed = false;

  unsigned runFile(FileId file, const std::shared_ptr<Env> &scope) {
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
      }
    }
    loading.pop_back();
    return failures;
  }

  // -------------------------------------------------------- expressions

  /// An s-op for `value`: itself, or a constant s-op for an atom.
  GNode *toSOp(const Value &value, SourceLoc loc, const std::string &what) {
    if (value.isSOp())
      return value.node();
    if (value.isAtom()) {
      GNode *node = g.add(NodeKind::Constant, value.atom().str(), loc);
      node->constant = value.atom();
      return node;
    }
    fail(loc, what + " must be an s-op or an atom, not " + brief(value));
  }

  /// A map node over operands that are s-ops or atoms.
  GNode *makeMap(MapOpKind op, const std::vector<std::pair<Value, SourceLoc>> &args,
                SourceLoc loc, const std::string &name,
                AtomOpKind atomOp = AtomOpKind::Add) {
    GNode *node = g.add(NodeKind::Map, "", loc);
    node->mapOp = op;
    node->atomOp = atomOp;
    for (const auto &[value, at] : args) {
      graph::Operand operand;
      if (value.isSOp()) {
        operand.input = static_cast<int>(node->inputs.size());
        node->inputs.push_back(value.node());
      } else if (value.isAtom()) {
        operand.constant = value.atom();
      } else {
        fail(at, "an elementwise operation on s-ops can combine them only "
                 "with atoms, not with " + brief(value));
      }
      node->operands.push_back(operand);
    }
    setName(node, name);
    return node;
  }

  static std::string nameOf(const Value &value) {
    if (value.isNode())
      return value.node()->name;
    return value.isAtom() ? value.atom().str() : value.repr();
  }

  Value eval(const Expr &expr, const std::shared_ptr<Env> &env) {
    step(expr.loc());
    Value value = evalInner(expr, env);
    if (value.depth() > MaxValueDepth)
      fail(expr.loc(), "lists and dicts nest too deeply (more than " +
                           std::to_string(MaxValueDepth) + " levels)");
    // Every expression leaves its value in `out` (an application of an
    // s-op does not, as in the original).
    if (value.kind() != ValueKind::Applied)
      env->vars["out"] = value;
    if (trial && value.isNode()) {
      try {
        trial(value.node(), backups.empty() ? nullptr : backups.back(), expr.loc());
      } catch (const eval::EvalError &e) {
        // A built-in s-op (tokens_int ...) has no location of its own.
        throw eval::EvalError{e.loc.isValid() ? e.loc : expr.loc(), e.message};
      }
    }
    return value;
  }

  Value evalInner(const Expr &expr, const std::shared_ptr<Env> &env) {
    switch (expr.kind()) {
    case ExprKind::Int:
      return Value(Atom::integer(cast<IntExpr>(expr).value));
    case ExprKind::Float:
      return Value(Atom::real(cast<FloatExpr>(expr).value));
    case ExprKind::String:
      return Value(Atom::string(cast<StringExpr>(expr).value));
    case ExprKind::Name: {
      const std::string &name = cast<NameExpr>(expr).name;
      const Value *value = env->find(name);
      if (!value)
        fail(expr.loc(), "undefined name '" + name + "'");
      return *value;
    }
    case ExprKind::List: {
      std::vector<Value> items;
      for (const ExprPtr &e : cast<ListExpr>(expr).elements)
        items.push_back(eval(*e, env));
      return Value::list(std::move(items));
    }
    case ExprKind::Dict: {
      auto dict = std::make_shared<Dict>();
      for (const DictEntry &entry : cast<DictExpr>(expr).entries) {
        Value key = eval(*entry.key, env);
        if (!key.isAtom())
          fail(entry.key->loc(), "dict keys must be atoms, not " + brief(key));
        dict->set(key.atom(), eval(*entry.value, env));
      }
      return Value::dict(dict);
    }
    case ExprKind::ListComp:
      return evalListComp(cast<ListCompExpr>(expr), env);
    case ExprKind::DictComp:
      return evalDictComp(cast<DictCompExpr>(expr), env);
    case ExprKind::Index:
      return evalIndex(cast<IndexExpr>(expr), env);
    case ExprKind::Call:
      return evalCall(cast<CallExpr>(expr), env);
    case ExprKind::Unary:
      return evalUnary(cast<UnaryExpr>(expr), env);
    case ExprKind::Binary:
      return evalBinary(cast<BinaryExpr>(expr), env);
    case ExprKind::Ternary:
      return evalTernary(cast<TernaryExpr>(expr), env);
    case ExprKind::Select: {
      auto &s = cast<SelectExpr>(expr);
      Value keys = eval(*s.keys, env);
      Value queries = eval(*s.queries, env);
      GNode *k = toSOp(keys, s.keys->loc(), "the keys of select");
      GNode *q = toSOp(queries, s.queries->loc(), "the queries of select");
      // The original's default name for a select.
      GNode *node = g.add(NodeKind::Select, "plain select", expr.loc(), {k, q});
      node->cmp = compareOf(s.cmp);
      return Value::node(node);
    }
    case ExprKind::Aggregate:
      return evalAggregate(cast<AggregateExpr>(expr), env);
    case ExprKind::Range:
      return evalRange(cast<RangeExpr>(expr), env);
    case ExprKind::Zip:
      return evalZip(cast<ZipExpr>(expr), env);
    case ExprKind::Len: {
      auto &len = cast<LenExpr>(expr);
      Value list = eval(*len.operand, env);
      if (list.kind() != ValueKind::List)
        fail(len.operand->loc(),
             "len expects a list, not " + brief(list));
      return Value(Atom::integer(static_cast<int64_t>(list.listValue().items.size())));
    }
    }
    assert(false && "unknown expression kind");
    return Value();
  }

  Value evalListComp(const ListCompExpr &comp, const std::shared_ptr<Env> &env) {
    Value iterable = eval(*comp.iterable, env);
    std::vector<Value> out;
    for (const Value &item :
         iterate(iterable, comp.iterable->loc(), "loop over this value")) {
      auto scope = newEnv(env, env->name);
      unpack(*scope, comp.ids, item, comp.loc());
      out.push_back(eval(*comp.value, scope));
    }
    return Value::list(std::move(out));
  }

  Value evalDictComp(const DictCompExpr &comp, const std::shared_ptr<Env> &env) {
    Value iterable = eval(*comp.iterable, env);
    auto dict = std::make_shared<Dict>();
    for (const Value &item :
         iterate(iterable, comp.iterable->loc(), "loop over this value")) {
      auto scope = newEnv(env, env->name);
      unpack(*scope, comp.ids, item, comp.loc());
      Value key = eval(*comp.key, scope);
      if (!key.isAtom())
        fail(comp.key->loc(), "dict keys must be atoms, not " + brief(key));
      dict->set(key.atom(), eval(*comp.value, scope));
    }
    return Value::dict(dict);
  }

  Value evalRange(const RangeExpr &range, const std::shared_ptr<Env> &env) {
    std::vector<int64_t> args;
    for (const ExprPtr &e : range.args) {
      Value v = eval(*e, env);
      if (!v.isAtom() || !v.atom().isIntegral())
        fail(e->loc(), "range expects integers, not " + brief(v));
      args.push_back(v.atom().integral());
    }
    if (args.empty() || args.size() > 3)
      fail(range.loc(), "range expects 1, 2 or 3 arguments, got " +
                            std::to_string(args.size()));
    int64_t start = args.size() > 1 ? args[0] : 0;
    int64_t stop = args.size() > 1 ? args[1] : args[0];
    int64_t step = args.size() > 2 ? args[2] : 1;
    if (step == 0)
      fail(range.args[2]->loc(), "the step of range must not be zero");
    __int128 count = step > 0 ? ((__int128)stop - start + step - 1) / step
                              : ((__int128)start - stop - step - 1) / -step;
    if (count < 0)
      count = 0;
    if (count > static_cast<__int128>(MaxListSize))
      fail(range.loc(), "range is too large: it would hold " +
                            std::to_string(static_cast<long long>(count)) +
                            " values (at most " + std::to_string(MaxListSize) +
                            ")");
    std::vector<Value> items;
    items.reserve(static_cast<size_t>(count));
    for (__int128 i = 0; i < count; ++i)
      items.push_back(Value(Atom::integer(static_cast<int64_t>(start + i * step))));
    return Value::list(std::move(items));
  }

  Value evalZip(const ZipExpr &zip, const std::shared_ptr<Env> &env) {
    std::vector<Value> lists;
    for (const ExprPtr &e : zip.args) {
      Value v = eval(*e, env);
      if (v.kind() != ValueKind::List)
        fail(e->loc(), "zip expects lists, not " + brief(v));
      lists.push_back(v);
    }
    size_t n = lists[0].listValue().items.size();
    for (size_t i = 0; i < lists.size(); ++i)
      if (lists[i].listValue().items.size() != n)
        fail(zip.args[i]->loc(),
             "zip expects lists of equal length: the first has " +
                 std::to_string(n) + " items, list " + std::to_string(i + 1) +
                 " has " + std::to_string(lists[i].listValue().items.size()));
    std::vector<Value> out;
    for (size_t k = 0; k < n; ++k) {
      std::vector<Value> row;
      for (const Value &list : lists)
        row.push_back(list.listValue().items[k]);
      out.push_back(Value::list(std::move(row)));
    }
    return Value::list(std::move(out));
  }

  Value evalIndex(const IndexExpr &index, const std::shared_ptr<Env> &env) {
    Value base = eval(*index.base, env);
    Value key = eval(*index.index, env);
    SourceLoc at = index.index->loc();
    switch (base.kind()) {
    case ValueKind::List:
    case ValueKind::Atom: {
      bool isString = base.isAtom() && base.atom().isString();
      if (base.isAtom() && !isString)
        break;
      if (key.isSOp())
        return lookupNode(base, key, index);
      if (!key.isAtom() || !key.atom().isIntegral())
        fail(at, std::string("an index into a ") + (isString ? "string" : "list") +
                     " must be an s-op or an integer, not " + brief(key));
      std::vector<std::string> chars;
      if (isString)
        chars = codePoints(base.atom().asString());
      int64_t size = isString ? static_cast<int64_t>(chars.size())
                              : static_cast<int64_t>(base.listValue().items.size());
      int64_t i = key.atom().integral();
      if (i < -size || i >= size)
        fail(at, "index " + std::to_string(i) + " is out of range for a " +
                     (isString ? "string" : "list") + " of length " +
                     std::to_string(size));
      size_t position = static_cast<size_t>(i < 0 ? i + size : i);
      if (isString)
        return Value(Atom::string(chars[position]));
      return base.listValue().items[position];
    }
    case ValueKind::Dict:
      if (key.isSOp())
        return lookupNode(base, key, index);
      if (!key.isAtom())
        fail(at, "an index into a dict must be an s-op or an atom, not " + brief(key));
      if (const Value *found = base.dictValue().find(key.atom()))
        return *found;
      fail(at, "key " + key.atom().repr() + " is not in the dict");
    case ValueKind::SOp:
      return indexSOp(base, key, index, env);
    default:
      break;
    }
    fail(index.base->loc(), "only lists, strings, dicts and s-ops can be "
                            "indexed, not " + brief(base));
  }

  /// `container[sop]`: an elementwise lookup in a copy of the container.
  Value lookupNode(const Value &container, const Value &key, const IndexExpr &index) {
    auto table = std::make_shared<graph::Table>();
    table->text = container.repr();
    if (table->text.size() > 40)
      table->text = table->text.substr(0, 37) + "...";
    auto add = [&](const Value &entry) {
      table->entries.push_back(entry.isAtom() ? std::optional<Atom>(entry.atom())
                                              : std::nullopt);
      table->entryText.push_back(entry.isAtom() ? "" : brief(entry));
    };
    if (container.kind() == ValueKind::Dict) {
      table->kind = graph::Table::TableKind::Dict;
      for (const auto &[k, v] : container.dictValue().entries) {
        table->keys.push_back(k);
        add(v);
      }
    } else if (container.isAtom()) {
      table->kind = graph::Table::TableKind::String;
      for (std::string &c : codePoints(container.atom().asString()))
        add(Value(Atom::string(std::move(c))));
    } else {
      table->kind = graph::Table::TableKind::List;
      for (const Value &item : container.listValue().items)
        add(item);
    }
    GNode *node = makeMap(MapOpKind::Lookup, {{key, index.index->loc()}},
                         index.loc(), nameOf(container) + "[" + nameOf(key) + "]");
    node->table = table;
    return Value::node(node);
  }

  /// `sop[i]`: every position reads position i (counted from the end when
  /// negative, through the library's `length`).
  Value indexSOp(const Value &sop, const Value &key, const IndexExpr &index,
                 const std::shared_ptr<Env> &env) {
    if (!key.isAtom() || !key.atom().isIntegral())
      fail(index.index->loc(), "an index into an s-op must be an integer, not " +
                                   brief(key));
    int64_t i = key.atom().integral();
    GNode *query;
    if (i >= 0) {
      query = toSOp(key, index.index->loc(), "an index");
    } else {
      const Value *length = env->find("length");
      if (!length || !length->isSOp())
        fail(index.loc(), "a negative index into an s-op needs the library's "
                          "s-op 'length'");
      query = makeMap(MapOpKind::Atom, {{*length, index.loc()}, {key, index.loc()}},
                      index.loc(), length->node()->name + std::to_string(i),
                      AtomOpKind::Add);
    }
    GNode *select = g.add(NodeKind::Select, "load from " + std::to_string(i),
                         index.loc(), {indicesNode, query});
    select->cmp = graph::CompareKind::Eq;
    GNode *node = g.add(NodeKind::Aggregate, "", index.loc(), {select, sop.node()});
    node->constant = Atom::integer(0);
    setName(node, sop.node()->name + "[" + std::to_string(i) + "]");
    return Value::node(node);
  }

  Value evalAggregate(const AggregateExpr &agg, const std::shared_ptr<Env> &env) {
    Value sel = eval(*agg.selector, env);
    Value values = eval(*agg.values, env);
    if (!sel.isSelector())
      fail(agg.selector->loc(), "aggregate expects a selector, not " + brief(sel));
    GNode *valuesNode = toSOp(values, agg.values->loc(), "the values of aggregate");
    Atom fallback = Atom::integer(0);
    if (agg.fallback) {
      Value v = eval(*agg.fallback, env);
      if (!v.isAtom())
        fail(agg.fallback->loc(),
             "the default of aggregate must be an atom, not " + brief(v));
      fallback = v.atom();
    }
    GNode *node = g.add(NodeKind::Aggregate, "", agg.loc(), {sel.node(), valuesNode});
    node->constant = fallback;
    setName(node, "aggregate(" + sel.node()->name + ", " + valuesNode->name + ")");
    return Value::node(node);
  }

  Value evalTernary(const TernaryExpr &t, const std::shared_ptr<Env> &env) {
    Value cond = eval(*t.cond, env);
    if (cond.isSelector())
      fail(t.cond->loc(), "the condition of a conditional expression cannot be "
                          "a selector");
    if (!cond.isSOp())
      return eval(cond.truthy() ? *t.thenValue : *t.elseValue, env);
    Value a = eval(*t.thenValue, env);
    Value b = eval(*t.elseValue, env);
    return Value::node(makeMap(MapOpKind::Ternary,
                               {{cond, t.cond->loc()},
                                {a, t.thenValue->loc()},
                                {b, t.elseValue->loc()}},
                               t.loc(),
                               nameOf(a) + " if " + nameOf(cond) + " else " + nameOf(b)));
  }

  Value evalUnary(const UnaryExpr &u, const std::shared_ptr<Env> &env) {
    Value v = eval(*u.operand, env);
    SourceLoc at = u.loc();
    try {
      switch (u.op) {
      case UnaryOpKind::Not:
        if (v.isSOp())
          return Value::node(makeMap(MapOpKind::Not, {{v, at}}, at,
                                     "( not " + v.node()->name + " )"));
        if (v.isSelector()) {
          GNode *node = g.add(NodeKind::SelectorNot, "", at, {v.node()});
          setName(node, "( not " + v.node()->name + " )");
          return Value::node(node);
        }
        return Value(Atom::boolean(!v.truthy()));
      case UnaryOpKind::Neg:
      case UnaryOpKind::Plus: {
        bool neg = u.op == UnaryOpKind::Neg;
        if (v.isSOp())
          return Value::node(makeMap(neg ? MapOpKind::Neg : MapOpKind::Plus,
                                     {{v, at}}, at,
                                     (neg ? "-" : "+") + v.node()->name));
        if (v.isAtom())
          return Value(neg ? negate(v.atom()) : unaryPlus(v.atom()));
        fail(at, std::string("cannot apply unary ") + (neg ? "-" : "+") +
                     " to " + brief(v));
      }
      case UnaryOpKind::Round:
        if (v.isSOp())
          return Value::node(makeMap(MapOpKind::Round, {{v, at}}, at,
                                     "round(" + v.node()->name + ")"));
        if (v.isAtom())
          return Value(pythonRound(v.atom()));
        fail(at, "round expects a number or an s-op, not " + brief(v));
      case UnaryOpKind::Indicator:
        if (v.isSOp())
          return Value::node(makeMap(MapOpKind::Indicator, {{v, at}}, at,
                                     "I(" + v.node()->name + ")"));
        fail(at, "indicator expects an s-op, not " + brief(v));
      }
    } catch (const AtomError &e) {
      fail(at, e.message);
    }
    assert(false && "unknown unary operator");
    return Value();
  }

  Value evalBinary(const BinaryExpr &b, const std::shared_ptr<Env> &env) {
    if (b.op == BinaryOpKind::In)
      return evalIn(b, env);
    Value lhs = eval(*b.lhs, env);
    Value rhs = eval(*b.rhs, env);
    SourceLoc at = b.loc();
    bool anySOp = lhs.isSOp() || rhs.isSOp();
    bool anySelector = lhs.isSelector() || rhs.isSelector();
    std::string name = "(" + nameOf(lhs) + " " + binarySpelling(b.op) + " " +
                       nameOf(rhs) + ")";
    if (b.op == BinaryOpKind::And || b.op == BinaryOpKind::Or) {
      bool both = b.op == BinaryOpKind::And;
      if (anySOp || anySelector) {
        if (anySelector) {
          if (!(lhs.isSelector() && rhs.isSelector()))
            fail(b.opLoc, std::string("cannot apply '") + binarySpelling(b.op) +
                              "' between a selector and a non-selector");
          GNode *node = g.add(both ? NodeKind::SelectorAnd : NodeKind::SelectorOr,
                             "", at, {lhs.node(), rhs.node()});
          setName(node, name);
          return Value::node(node);
        }
        return Value::node(makeMap(both ? MapOpKind::And : MapOpKind::Or,
                                   {{lhs, b.lhs->loc()}, {rhs, b.rhs->loc()}},
                                   at, name));
      }
      // Python's and/or return one of their operands.
      if (both)
        return lhs.truthy() ? rhs : lhs;
      return lhs.truthy() ? lhs : rhs;
    }
    if (anySelector)
      fail(b.opLoc, std::string("cannot apply '") + binarySpelling(b.op) +
                        "' to a selector");
    AtomOpKind op = atomOpOf(b.op);
    if (anySOp)
      return Value::node(makeMap(MapOpKind::Atom,
                                 {{lhs, b.lhs->loc()}, {rhs, b.rhs->loc()}},
                                 at, name, op));
    try {
      if (lhs.isAtom() && rhs.isAtom())
        return Value(applyAtomOp(op, lhs.atom(), rhs.atom()));
      return Value(listOp(op, lhs, rhs, at));
    } catch (const AtomError &e) {
      fail(b.opLoc, e.message);
    }
  }

  /// Operations on lists and dicts, as Python does them.
  Value listOp(AtomOpKind op, const Value &lhs, const Value &rhs, SourceLoc at) {
    if (op == AtomOpKind::Eq)
      return Value(Atom::boolean(lhs.equals(rhs)));
    bool leftList = lhs.kind() == ValueKind::List;
    bool rightList = rhs.kind() == ValueKind::List;
    if (op == AtomOpKind::Add && leftList && rightList) {
      std::vector<Value> items = lhs.listValue().items;
      for (const Value &v : rhs.listValue().items)
        items.push_back(v);
      return Value::list(std::move(items));
    }
    if (op == AtomOpKind::Mul && (leftList || rightList)) {
      const Value &list = leftList ? lhs : rhs;
      const Value &times = leftList ? rhs : lhs;
      if (times.isAtom() && times.atom().isIntegral()) {
        int64_t n = std::max<int64_t>(0, times.atom().integral());
        size_t size = list.listValue().items.size();
        if (size && static_cast<uint64_t>(n) > MaxListSize / size)
          fail(at, "list repetition is too large");
        std::vector<Value> items;
        for (int64_t i = 0; i < n; ++i)
          for (const Value &v : list.listValue().items)
            items.push_back(v);
        return Value::list(std::move(items));
      }
    }
    throw AtomError{std::string("unsupported operand types for ") +
                    atomOpSpelling(op) + ": " + brief(lhs) + " and " +
                    brief(rhs)};
  }

  Value evalIn(const BinaryExpr &b, const std::shared_ptr<Env> &env) {
    Value item = eval(*b.lhs, env);
    Value container = eval(*b.rhs, env);
    SourceLoc at = b.loc();
    if (item.isSOp()) {
      if (container.kind() != ValueKind::List)
        fail(b.rhs->loc(), "'s-op in X' expects X to be a list of atoms, not " +
                               brief(container));
      auto table = std::make_shared<graph::Table>();
      table->kind = graph::Table::TableKind::List;
      for (const Value &v : container.listValue().items) {
        if (!v.isAtom())
          fail(b.rhs->loc(), "'s-op in X' expects X to be a list of atoms, "
                             "but it holds " + brief(v));
        table->entries.push_back(v.atom());
        table->entryText.push_back("");
      }
      table->text = container.repr();
      std::string containerName =
          llvm::isa<NameExpr>(*b.rhs) ? cast<NameExpr>(*b.rhs).name : container.repr();
      GNode *node = makeMap(MapOpKind::InList, {{item, b.lhs->loc()}}, at,
                           item.node()->name + " in " + containerName);
      node->table = table;
      return Value::node(node);
    }
    if (item.isAtom()) {
      if (container.kind() == ValueKind::List) {
        for (const Value &v : container.listValue().items)
          if (v.equals(item))
            return Value(Atom::boolean(true));
        return Value(Atom::boolean(false));
      }
      if (container.isSOp()) {
        // aggregate(full, indicator(sop == atom)) > 0: one attention layer.
        // As in the original, every `atom in sop` shares one full selector.
        if (!fullAverage) {
          fullAverage = g.add(NodeKind::Select, "full average", SourceLoc());
          fullAverage->cmp = graph::CompareKind::Eq;
          GNode *one = toSOp(Value(Atom::integer(1)), SourceLoc(), "");
          fullAverage->inputs = {one, one};
        }
        GNode *full = fullAverage;
        GNode *same = makeMap(MapOpKind::Atom, {{container, b.rhs->loc()}, {item, b.lhs->loc()}},
                             at, "(" + container.node()->name + " == " + item.atom().str() + ")",
                             AtomOpKind::Eq);
        GNode *indicator = makeMap(MapOpKind::Indicator, {{Value::node(same), at}}, at,
                                  "I(" + same->name + ")");
        GNode *mean = g.add(NodeKind::Aggregate, "", at, {full, indicator});
        mean->constant = Atom::integer(0);
        setName(mean, "aggregate(full average, " + indicator->name + ")");
        return Value::node(makeMap(MapOpKind::Atom,
                                   {{Value::node(mean), at}, {Value(Atom::integer(0)), at}},
                                   at, "(" + item.atom().str() + " in " +
                                           container.node()->name + ")",
                                   AtomOpKind::Gt));
      }
      fail(b.rhs->loc(), "'atom in X' expects X to be a list or an s-op, not " +
                             brief(container));
    }
    if (item.isSelector() || item.kind() == ValueKind::Function)
      fail(b.lhs->loc(), "cannot test whether " + brief(item) +
                             " is in a container: such values are only equal "
                             "to themselves");
    fail(b.lhs->loc(), "'A in X' expects A to be an s-op or an atom, not " +
                           brief(item));
  }

  Value evalCall(const CallExpr &call, const std::shared_ptr<Env> &env) {
    // As in the original, a single argument is evaluated first, and serves
    // as the example on which the callee's s-ops are tried.
    std::vector<Value> args;
    for (const ExprPtr &e : call.args)
      args.push_back(eval(*e, env));
    std::vector<Atom> backup;
    if (args.size() == 1) {
      try {
        backup = inputAtoms(args[0], call.loc());
      } catch (const LangError &) {
      }
    }
    if (!backup.empty())
      backups.push_back(&backup);
    struct PopBackup {
      std::vector<const std::vector<Atom> *> &stack;
      bool pushed;
      ~PopBackup() {
        if (pushed)
          stack.pop_back();
      }
    } popBackup{backups, !backup.empty()};
    Value callee = eval(*call.callee, env);
    if (callee.kind() == ValueKind::Function)
      return callFunction(*callee.function(), args, call);
    if (callee.isNode()) {
      if (!args.empty())
        env->vars["out"] = args.back(); // The original evaluates it last.
      if (args.size() != 1)
        fail(call.loc(), "an s-op or selector is applied to exactly one input, "
                         "got " + std::to_string(args.size()) + " arguments");
      auto applied = std::make_shared<Applied>();
      applied->node = callee.node();
      applied->input = inputAtoms(args[0], call.args[0]->loc());
      eval::Evaluator evaluator(applied->input);
      try {
        if (callee.isSelector())
          applied->matrix = evaluator.selector(callee.node());
        else
          applied->sequence = evaluator.sequence(callee.node());
      } catch (const eval::EvalError &e) {
        throw eval::EvalError{e.loc.isValid() ? e.loc : call.loc(), e.message};
      }
      return Value::applied(applied);
    }
    fail(call.callee->loc(), "cannot call " + brief(callee) +
                                 ": only functions, s-ops and selectors can be "
                                 "called");
  }

  Value callFunction(const Function &f, const std::vector<Value> &args,
                     const CallExpr &call) {
    if (args.size() != f.params.size())
      fail(call.loc(), f.name + " takes " + std::to_string(f.params.size()) +
                           (f.params.size() == 1 ? " argument" : " arguments") +
                           ", but " + std::to_string(args.size()) +
                           (args.size() == 1 ? " was" : " were") + " given");
    std::string resultName = f.name + "(";
    for (size_t i = 0; i < args.size(); ++i)
      resultName += (i ? " , " : "") + argumentText(args[i]);
    resultName += ")";
    if (f.builtin == BuiltinKind::SelectorWidth) {
      if (!args[0].isSelector())
        fail(call.args[0]->loc(), "selector_width expects a selector, not " +
                                      brief(args[0]));
      GNode *node = g.add(NodeKind::SelectorWidth, "", call.loc(), {args[0].node()});
      setName(node, resultName);
      return Value::node(node);
    }
    if (f.builtin == BuiltinKind::Categorical || f.builtin == BuiltinKind::Numerical) {
      if (!args[0].isSOp())
        fail(call.args[0]->loc(),
             f.name + " expects an s-op, not " + brief(args[0]));
      args[0].node()->encoding = f.builtin == BuiltinKind::Categorical
                                     ? graph::EncodingHintKind::Categorical
                                     : graph::EncodingHintKind::Numerical;
      return args[0];
    }
    if (callDepth >= MaxCallDepth)
      fail(call.loc(), "maximum recursion depth (" + std::to_string(MaxCallDepth) +
                           " calls) exceeded");
    auto scope = newEnv(f.closure, f.closure->name + "'");
    for (size_t i = 0; i < args.size(); ++i)
      scope->vars[f.params[i]] = args[i];
    ++callDepth;
    struct Leave {
      unsigned &depth;
      ~Leave() { --depth; }
    } leave{callDepth};
    for (const StmtPtr &stmt : f.def->body)
      exec(*stmt, scope);
    std::vector<Value> results;
    for (const ExprPtr &e : f.def->returnValues)
      results.push_back(eval(*e, scope));
    Value result = results.size() == 1 ? results[0] : Value::list(results);
    if (result.isNode())
      setName(result.node(), resultName);
    return result;
  }
};

ElaborateOptions ElaborateOptions::defaults() {
  ElaborateOptions options;
  options.searchPath.push_back(RASP_STDLIB_DIR);
  options.stdlibPath = std::string(RASP_STDLIB_DIR) + "/rasplib.rasp";
  return options;
}

Elaborator::Elaborator(DiagnosticEngine &diags, const ElaborateOptions &options)
    : diags(diags), options(options), impl(std::make_unique<Impl>(*this)) {}

Elaborator::~Elaborator() = default;

bool Elaborator::loadStdlib() {
  std::optional<FileId> file = diags.loadFile(options.stdlibPath);
  if (!file)
    return false;
  std::shared_ptr<Env> base = impl->base;
  if (impl->runFile(*file, base))
    return false;
  for (const auto &[name, value] : base->vars)
    impl->libraryNames.insert(name);
  for (const std::string &name : reservedNames())
    impl->libraryNames.erase(name);
  // `tokens = tokens_str;`, which also renames the s-op, as in the original.
  base->vars["tokens"] = base->vars["tokens_str"];
  impl->tokensStr->name = "tokens";
  return true;
}

std::shared_ptr<Env> Elaborator::newProgramScope(const std::string &name) {
  return impl->newEnv(impl->base, name);
}

std::shared_ptr<Env> Elaborator::newConsoleScope() {
  std::shared_ptr<Env> console = impl->newEnv(impl->base, "console");
  console->reservesLibrary = true;
  return console;
}

std::vector<Shown> Elaborator::runStatement(const ast::Stmt &stmt,
                                            const std::shared_ptr<Env> &scope) {
  return impl->runStatement(stmt, scope);
}

const ast::Program &Elaborator::adopt(ast::Program program) {
  impl->programs.push_back(std::make_unique<Program>(std::move(program)));
  return *impl->programs.back();
}

void Elaborator::setTrialHook(TrialHook hook) { impl->trial = std::move(hook); }

void Elaborator::setCommandHook(CommandHook hook) { impl->command = std::move(hook); }

bool Elaborator::lastLoadFailed() const { return impl->loadFailed; }

unsigned Elaborator::runFile(FileId file, const std::shared_ptr<Env> &scope) {
  return impl->runFile(file, scope);
}

std::optional<Value> Elaborator::evaluateExpression(const ast::Expr &expr,
                                                    const std::shared_ptr<Env> &scope) {
  try {
    return impl->eval(expr, scope);
  } catch (const LangError &e) {
    if (!e.message.empty())
      diags.error(e.loc, e.message);
  } catch (const eval::EvalError &e) {
    diags.error(e.loc, e.message);
  }
  return std::nullopt;
}
