// Elaboration: the RASP meta-language interpreter that builds the RASP graph
// (scopes and the public entry points; see ElaborateImpl.h for the rest).
#include "compiler/lang/ElaborateImpl.h"

#include "compiler/frontend/Parse.h"

#include "llvm/Support/ConvertUTF.h"
#include "llvm/Support/FormatVariadic.h"

#include <cassert>

using namespace rasp;
using namespace rasp::lang;
using namespace rasp::lang::elab;

namespace rasp::lang::elab {

const std::set<std::string> &reservedNames() {
  static const std::set<std::string> names = {
      "if",           "else",    "not",         "and",        "or",         "out",
      "def",          "return",  "range",       "for",        "in",         "zip",
      "len",          "get",     "tokens_asis", "tokens_str", "tokens_int", "tokens_bool",
      "tokens_float", "indices", "True",        "False"};
  return names;
}

[[noreturn]] void fail(SourceLoc loc, std::string message) {
  throw LangError{loc, std::move(message)};
}

void checkListSize(double items, SourceLoc loc) {
  if (items > static_cast<double>(MaxListSize))
    fail(loc, "the list would hold " + llvm::formatv("{0:f0}", items).str() +
                  " items, more than the budget of " + std::to_string(MaxListSize));
}

std::string brief(const Value &value) {
  std::string text = value.describe();
  if (text.size() > 80)
    text = text.substr(0, 77) + "...";
  return text;
}

std::string argumentText(const Value &value) {
  switch (value.kind()) {
  case ValueKind::Atom:
    return value.atom().isString() ? "\"" + value.atom().asString() + "\"" : value.atom().str();
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

AtomOpKind atomOpOf(BinaryOpKind op) {
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
  static const char *const names[] = {
      "^", "*", "/", "%", "+", "-", "==", "<=", ">=", ">", "<", "and", "or", "in"};
  return names[static_cast<int>(op)];
}

graph::CompareKind compareOf(CompareKind cmp) {
  return static_cast<graph::CompareKind>(static_cast<int>(cmp));
}

std::vector<std::string> codePoints(const std::string &s) {
  std::vector<std::string> out;
  for (size_t i = 0; i < s.size();) {
    size_t length = llvm::getNumBytesForUTF8(static_cast<llvm::UTF8>(s[i]));
    out.push_back(s.substr(i, length));
    i += length;
  }
  return out;
}

} // namespace rasp::lang::elab

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

void Elaborator::Impl::makeBase() {
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

std::shared_ptr<Env> Elaborator::Impl::newEnv(std::shared_ptr<Env> parent, std::string name) {
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

void Elaborator::Impl::step(SourceLoc loc) {
  if (++steps > owner.options.maxSteps)
    fail(loc, "the program runs too long: more than " + std::to_string(owner.options.maxSteps) +
                  " statements and expressions");
  if (g.size() > owner.options.maxNodes)
    fail(loc, "the program builds too many s-ops and selectors (more than " +
                  std::to_string(owner.options.maxNodes) + ")");
  checkStack(loc);
}

void Elaborator::Impl::checkStack(SourceLoc loc) {
  char *here = reinterpret_cast<char *>(__builtin_frame_address(0));
  std::ptrdiff_t used = stackBase - here; // The stack grows down.
  if (used > static_cast<std::ptrdiff_t>(stackBudget))
    fail(loc, "the program nests calls and expressions too deeply for the "
              "stack");
}

void Elaborator::Impl::assign(Env &env, const std::string &name, const Value &value,
                              SourceLoc loc) {
  if (reservedNames().count(name))
    fail(loc, "cannot assign to reserved name '" + name + "'");
  if (env.reservesLibrary && libraryNames.count(name))
    fail(loc, "cannot assign to '" + name + "', a name of the standard library");
  env.vars[name] = value;
  if (env.exportTo && isPublic(name))
    assign(*env.exportTo, name, value, loc);
}

void Elaborator::Impl::bindName(Env &env, const Identifier &id, const Value &value) {
  if (value.isNode())
    setName(value.node(), id.name);
  assign(env, id.name, value, id.loc);
}

void Elaborator::Impl::unpack(Env &env, const std::vector<Identifier> &ids, const Value &item,
                              SourceLoc loc) {
  if (ids.size() == 1) {
    assign(env, ids[0].name, item, ids[0].loc);
    return;
  }
  std::vector<Value> parts = iterate(item, loc, "unpack into several names");
  if (parts.size() != ids.size())
    fail(loc, "iterating with " + std::to_string(ids.size()) + " names but got " +
                  std::to_string(parts.size()) + " values (" + item.repr() + ")");
  for (size_t i = 0; i < ids.size(); ++i)
    assign(env, ids[i].name, parts[i], ids[i].loc);
}

std::vector<Value> Elaborator::Impl::iterate(const Value &container, SourceLoc loc,
                                             const char *what) {
  if (container.kind() == ValueKind::List)
    return container.listValue().items;
  if (container.kind() == ValueKind::Dict) {
    std::vector<Value> keys;
    for (const auto &entry : container.dictValue().entries)
      keys.push_back(Value(entry.first));
    return keys;
  }
  fail(loc, std::string("cannot ") + what + ": expected a list or dict, got " + brief(container));
}

bool Elaborator::Impl::isPublic(const std::string &name) {
  return !name.empty() && name[0] != '_' && name != "out";
}

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
