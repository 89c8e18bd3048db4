// Internal to elaboration (Elaborate.cpp and the Elaborate*.cpp files): the
// interpreter class behind Elaborator and its small helpers. Not part of
// the interface (that is Elaborate.h). Scopes and the public entry points:
// Elaborate.cpp; statements and files: ElaborateStatements.cpp; values,
// comprehensions and indexing: ElaborateExpressions.cpp; aggregates,
// operators and calls: ElaborateOperators.cpp.
#pragma once

#include "compiler/lang/Elaborate.h"

#include "llvm/Support/Casting.h"

#include <sys/resource.h>

#include <algorithm>
#include <set>

namespace rasp::lang::elab {

using namespace rasp::ast;
using graph::MapOpKind;
using GNode = graph::Node;
using graph::NodeKind;
using llvm::cast;

/// Lists and dicts may not nest deeper than this (display and destruction
/// recurse over them).
inline constexpr unsigned MaxValueDepth = 2000;

/// Function calls may not nest deeper than this.
inline constexpr unsigned MaxCallDepth = 2000;

/// Lists made by range, `*`, `+` and comprehensions stay below this size.
inline constexpr size_t MaxListSize = size_t(1) << 20;

/// Fails at `loc` unless a list of `items` fits MaxListSize (a double:
/// the sizes asked for can pass every integer type).
void checkListSize(double items, SourceLoc loc);

/// Names no program may assign (the original's reserved words and
/// constants of every scope).
const std::set<std::string> &reservedNames();

[[noreturn]] void fail(SourceLoc loc, std::string message);

/// A shortened description for messages.
std::string brief(const Value &value);

/// How a call's argument is written in the name of its result (the
/// original's strdesc with a cap of 20 characters).
std::string argumentText(const Value &value);

void setName(GNode *node, const std::string &name);

AtomOpKind atomOpOf(BinaryOpKind op);

const char *binarySpelling(BinaryOpKind op);

graph::CompareKind compareOf(CompareKind cmp);

/// The bytes of a string, one code point at a time.
std::vector<std::string> codePoints(const std::string &s);

} // namespace rasp::lang::elab

namespace rasp::lang {

using namespace rasp::lang::elab;

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

  void makeBase();

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

  std::shared_ptr<Env> newEnv(std::shared_ptr<Env> parent, std::string name);

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
  void step(SourceLoc loc);

  void checkStack(SourceLoc loc);

  void assign(Env &env, const std::string &name, const Value &value, SourceLoc loc);

  void bindName(Env &env, const Identifier &id, const Value &value);

  /// Binds loop or comprehension variables to one item.
  void unpack(Env &env, const std::vector<Identifier> &ids, const Value &item, SourceLoc loc);

  /// The items of a list, or the keys of a dict.
  std::vector<Value> iterate(const Value &container, SourceLoc loc, const char *what);

  std::set<std::string> libraryNames;

  /// Names a loaded file exports: not private (`_x`) and not `out`.
  static bool isPublic(const std::string &name);

  // --------------------------------------------------------- statements

  void exec(const Stmt &stmt, const std::shared_ptr<Env> &env);

  /// Runs a statement and returns what the REPL shows for it.
  std::vector<Shown> runStatement(const Stmt &stmt, const std::shared_ptr<Env> &env);

  void execAssign(const AssignStmt &stmt, const std::shared_ptr<Env> &env);

  void execLoad(const LoadStmt &load, const std::shared_ptr<Env> &env);

  bool loadFailed = false;

  unsigned runFile(FileId file, const std::shared_ptr<Env> &scope);

  // -------------------------------------------------------- expressions

  /// An s-op for `value`: itself, or a constant s-op for an atom.
  GNode *toSOp(const Value &value, SourceLoc loc, const std::string &what);

  /// A map node over operands that are s-ops or atoms.
  GNode *makeMap(MapOpKind op, const std::vector<std::pair<Value, SourceLoc>> &args, SourceLoc loc,
                 const std::string &name, AtomOpKind atomOp = AtomOpKind::Add);

  static std::string nameOf(const Value &value);

  Value eval(const Expr &expr, const std::shared_ptr<Env> &env);

  Value evalInner(const Expr &expr, const std::shared_ptr<Env> &env);

  Value evalListComp(const ListCompExpr &comp, const std::shared_ptr<Env> &env);

  Value evalDictComp(const DictCompExpr &comp, const std::shared_ptr<Env> &env);

  Value evalRange(const RangeExpr &range, const std::shared_ptr<Env> &env);

  Value evalZip(const ZipExpr &zip, const std::shared_ptr<Env> &env);

  Value evalIndex(const IndexExpr &index, const std::shared_ptr<Env> &env);

  /// `container[sop]`: an elementwise lookup in a copy of the container.
  Value lookupNode(const Value &container, const Value &key, const IndexExpr &index);

  /// `sop[i]`: every position reads position i (counted from the end when
  /// negative, through the library's `length`).
  Value indexSOp(const Value &sop, const Value &key, const IndexExpr &index,
                 const std::shared_ptr<Env> &env);

  Value evalAggregate(const AggregateExpr &agg, const std::shared_ptr<Env> &env);

  Value evalTernary(const TernaryExpr &t, const std::shared_ptr<Env> &env);

  Value evalUnary(const UnaryExpr &u, const std::shared_ptr<Env> &env);

  Value evalBinary(const BinaryExpr &b, const std::shared_ptr<Env> &env);

  /// Operations on lists and dicts, as Python does them.
  Value listOp(AtomOpKind op, const Value &lhs, const Value &rhs, SourceLoc at);

  Value evalIn(const BinaryExpr &b, const std::shared_ptr<Env> &env);

  Value evalCall(const CallExpr &call, const std::shared_ptr<Env> &env);

  Value callFunction(const Function &f, const std::vector<Value> &args, const CallExpr &call);
};

} // namespace rasp::lang
