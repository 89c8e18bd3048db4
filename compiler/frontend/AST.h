// The typed abstract syntax tree of a RASP program.
//
// Nodes are built by parseProgram (Parse.h) from a syntactically valid parse
// tree and are immutable afterwards. Every node carries the SourceLoc of the
// text it came from. Kinds use LLVM-style RTTI (isa/cast/dyn_cast through
// `classof`), so later stages can switch on `kind()`.
#pragma once

#include "compiler/support/SourceLoc.h"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace rasp::ast {

struct Identifier {
  std::string name;
  SourceLoc loc;
};

// ---------------------------------------------------------------- expressions

enum class ExprKind {
  Int,
  Float,
  String,
  Name,
  List,
  Dict,
  ListComp,
  DictComp,
  Index,
  Call,
  Unary,
  Binary,
  Ternary,
  Select,
  Aggregate,
  Range,
  Zip,
  Len,
};

/// What every node has: its kind and where it came from.
template <typename KindT> class Node {
public:
  virtual ~Node() = default;
  KindT kind() const { return nodeKind; }
  SourceLoc loc() const { return location; }

protected:
  Node(KindT kind, SourceLoc loc) : nodeKind(kind), location(loc) {}

private:
  KindT nodeKind;
  SourceLoc location;
};

/// The base of the node classes of one kind K (LLVM-style `classof`).
template <typename Base, auto K> class OfKind : public Base {
public:
  static bool classof(const Base *node) { return node->kind() == K; }

protected:
  explicit OfKind(SourceLoc loc) : Base(K, loc) {}
};

class Expr : public Node<ExprKind> {
protected:
  using Node::Node;
};

using ExprPtr = std::unique_ptr<Expr>;
using ExprList = std::vector<ExprPtr>;

template <ExprKind K> using ExprOfKind = OfKind<Expr, K>;

class IntExpr : public ExprOfKind<ExprKind::Int> {
public:
  IntExpr(SourceLoc loc, int64_t value) : OfKind(loc), value(value) {}
  int64_t value;
};

class FloatExpr : public ExprOfKind<ExprKind::Float> {
public:
  FloatExpr(SourceLoc loc, double value) : OfKind(loc), value(value) {}
  double value;
};

class StringExpr : public ExprOfKind<ExprKind::String> {
public:
  StringExpr(SourceLoc loc, std::string value) : OfKind(loc), value(std::move(value)) {}
  std::string value; ///< The text between the quotes.
};

class NameExpr : public ExprOfKind<ExprKind::Name> {
public:
  NameExpr(SourceLoc loc, std::string name) : OfKind(loc), name(std::move(name)) {}
  std::string name;
};

class ListExpr : public ExprOfKind<ExprKind::List> {
public:
  ListExpr(SourceLoc loc, ExprList elements) : OfKind(loc), elements(std::move(elements)) {}
  ExprList elements;
};

struct DictEntry {
  ExprPtr key;
  ExprPtr value;
};

class DictExpr : public ExprOfKind<ExprKind::Dict> {
public:
  DictExpr(SourceLoc loc, std::vector<DictEntry> entries)
      : OfKind(loc), entries(std::move(entries)) {}
  std::vector<DictEntry> entries;
};

/// `[value for ids in iterable]`
class ListCompExpr : public ExprOfKind<ExprKind::ListComp> {
public:
  ListCompExpr(SourceLoc loc, ExprPtr value, std::vector<Identifier> ids, ExprPtr iterable)
      : OfKind(loc), value(std::move(value)), ids(std::move(ids)), iterable(std::move(iterable)) {}
  ExprPtr value;
  std::vector<Identifier> ids;
  ExprPtr iterable;
};

/// `{key: value for ids in iterable}`
class DictCompExpr : public ExprOfKind<ExprKind::DictComp> {
public:
  DictCompExpr(SourceLoc loc, ExprPtr key, ExprPtr value, std::vector<Identifier> ids,
               ExprPtr iterable)
      : OfKind(loc), key(std::move(key)), value(std::move(value)), ids(std::move(ids)),
        iterable(std::move(iterable)) {}
  ExprPtr key;
  ExprPtr value;
  std::vector<Identifier> ids;
  ExprPtr iterable;
};

class IndexExpr : public ExprOfKind<ExprKind::Index> {
public:
  IndexExpr(SourceLoc loc, ExprPtr base, ExprPtr index)
      : OfKind(loc), base(std::move(base)), index(std::move(index)) {}
  ExprPtr base;
  ExprPtr index;
};

/// A function call, or an s-op or selector applied to an input.
class CallExpr : public ExprOfKind<ExprKind::Call> {
public:
  CallExpr(SourceLoc loc, ExprPtr callee, ExprList args)
      : OfKind(loc), callee(std::move(callee)), args(std::move(args)) {}
  ExprPtr callee;
  ExprList args;
};

enum class UnaryOpKind { Not, Neg, Plus, Round, Indicator };

class UnaryExpr : public ExprOfKind<ExprKind::Unary> {
public:
  UnaryExpr(SourceLoc loc, UnaryOpKind op, ExprPtr operand)
      : OfKind(loc), op(op), operand(std::move(operand)) {}
  UnaryOpKind op;
  ExprPtr operand;
};

enum class BinaryOpKind {
  Pow,
  Mul,
  Div,
  Mod,
  Add,
  Sub,
  Eq,
  Le,
  Ge,
  Gt,
  Lt,
  And,
  Or,
  In,
};

class BinaryExpr : public ExprOfKind<ExprKind::Binary> {
public:
  BinaryExpr(SourceLoc loc, BinaryOpKind op, SourceLoc opLoc, ExprPtr lhs, ExprPtr rhs)
      : OfKind(loc), op(op), opLoc(opLoc), lhs(std::move(lhs)), rhs(std::move(rhs)) {}
  BinaryOpKind op;
  SourceLoc opLoc;
  ExprPtr lhs;
  ExprPtr rhs;
};

/// `thenValue if cond else elseValue`
class TernaryExpr : public ExprOfKind<ExprKind::Ternary> {
public:
  TernaryExpr(SourceLoc loc, ExprPtr thenValue, ExprPtr cond, ExprPtr elseValue)
      : OfKind(loc), thenValue(std::move(thenValue)), cond(std::move(cond)),
        elseValue(std::move(elseValue)) {}
  ExprPtr thenValue;
  ExprPtr cond;
  ExprPtr elseValue;
};

enum class CompareKind { Eq, Ne, Lt, Gt, Le, Ge };

/// `select(keys, queries, cmp)`: cell (q, k) holds `keys[k] cmp queries[q]`.
class SelectExpr : public ExprOfKind<ExprKind::Select> {
public:
  SelectExpr(SourceLoc loc, ExprPtr keys, ExprPtr queries, CompareKind cmp)
      : OfKind(loc), keys(std::move(keys)), queries(std::move(queries)), cmp(cmp) {}
  ExprPtr keys;
  ExprPtr queries;
  CompareKind cmp;
};

/// `aggregate(selector, values [, fallback])`
class AggregateExpr : public ExprOfKind<ExprKind::Aggregate> {
public:
  AggregateExpr(SourceLoc loc, ExprPtr selector, ExprPtr values, ExprPtr fallback)
      : OfKind(loc), selector(std::move(selector)), values(std::move(values)),
        fallback(std::move(fallback)) {}
  ExprPtr selector;
  ExprPtr values;
  ExprPtr fallback; ///< Null when the default is omitted.
};

class RangeExpr : public ExprOfKind<ExprKind::Range> {
public:
  RangeExpr(SourceLoc loc, ExprList args) : OfKind(loc), args(std::move(args)) {}
  ExprList args;
};

class ZipExpr : public ExprOfKind<ExprKind::Zip> {
public:
  ZipExpr(SourceLoc loc, ExprList args) : OfKind(loc), args(std::move(args)) {}
  ExprList args;
};

class LenExpr : public ExprOfKind<ExprKind::Len> {
public:
  LenExpr(SourceLoc loc, ExprPtr operand) : OfKind(loc), operand(std::move(operand)) {}
  ExprPtr operand;
};

// ----------------------------------------------------------------- statements

enum class StmtKind {
  Expr,
  Assign,
  Draw,
  Load,
  Def,
  For,
  SetExample,
  ShowExample,
  ToggleExamples,
  ToggleFullSeq,
  Exit,
};

class Stmt : public Node<StmtKind> {
protected:
  using Node::Node;
};

using StmtPtr = std::unique_ptr<Stmt>;
using StmtList = std::vector<StmtPtr>;

template <StmtKind K> using StmtOfKind = OfKind<Stmt, K>;

class ExprStmt : public StmtOfKind<StmtKind::Expr> {
public:
  ExprStmt(SourceLoc loc, ExprPtr expr) : OfKind(loc), expr(std::move(expr)) {}
  ExprPtr expr;
};

/// `a, b = e1, e2;` (one or more targets and values).
class AssignStmt : public StmtOfKind<StmtKind::Assign> {
public:
  AssignStmt(SourceLoc loc, std::vector<Identifier> targets, ExprList values)
      : OfKind(loc), targets(std::move(targets)), values(std::move(values)) {}
  std::vector<Identifier> targets;
  ExprList values;
};

/// `draw(target [, input]);`
class DrawStmt : public StmtOfKind<StmtKind::Draw> {
public:
  DrawStmt(SourceLoc loc, ExprPtr target, ExprPtr input)
      : OfKind(loc), target(std::move(target)), input(std::move(input)) {}
  ExprPtr target;
  ExprPtr input; ///< Null when the running example is used.
};

/// `load "name";` loads the file name.rasp.
class LoadStmt : public StmtOfKind<StmtKind::Load> {
public:
  LoadStmt(SourceLoc loc, std::string name, SourceLoc nameLoc)
      : OfKind(loc), name(std::move(name)), nameLoc(nameLoc) {}
  std::string name;
  SourceLoc nameLoc;
};

/// `def name(params) { body... return values; }`
class DefStmt : public StmtOfKind<StmtKind::Def> {
public:
  DefStmt(SourceLoc loc, Identifier name, std::vector<Identifier> params, StmtList body,
          SourceLoc returnLoc, ExprList returnValues)
      : OfKind(loc), name(std::move(name)), params(std::move(params)), body(std::move(body)),
        returnLoc(returnLoc), returnValues(std::move(returnValues)) {}
  Identifier name;
  std::vector<Identifier> params;
  StmtList body;
  SourceLoc returnLoc;
  ExprList returnValues;
};

/// `for ids in iterable { body... }` (no new scope).
class ForStmt : public StmtOfKind<StmtKind::For> {
public:
  ForStmt(SourceLoc loc, std::vector<Identifier> ids, ExprPtr iterable, StmtList body)
      : OfKind(loc), ids(std::move(ids)), iterable(std::move(iterable)), body(std::move(body)) {}
  std::vector<Identifier> ids;
  ExprPtr iterable;
  StmtList body;
};

/// Which running example a REPL command concerns.
enum class ExampleSubsetKind { Both, SOp, Selector };

class SetExampleStmt : public StmtOfKind<StmtKind::SetExample> {
public:
  SetExampleStmt(SourceLoc loc, ExampleSubsetKind subset, ExprPtr example)
      : OfKind(loc), subset(subset), example(std::move(example)) {}
  ExampleSubsetKind subset;
  ExprPtr example;
};

class ShowExampleStmt : public StmtOfKind<StmtKind::ShowExample> {
public:
  ShowExampleStmt(SourceLoc loc, ExampleSubsetKind subset) : OfKind(loc), subset(subset) {}
  ExampleSubsetKind subset;
};

class ToggleExamplesStmt : public StmtOfKind<StmtKind::ToggleExamples> {
public:
  ToggleExamplesStmt(SourceLoc loc, ExampleSubsetKind subset, bool on)
      : OfKind(loc), subset(subset), on(on) {}
  ExampleSubsetKind subset;
  bool on;
};

class ToggleFullSeqStmt : public StmtOfKind<StmtKind::ToggleFullSeq> {
public:
  ToggleFullSeqStmt(SourceLoc loc, bool on) : OfKind(loc), on(on) {}
  bool on;
};

class ExitStmt : public StmtOfKind<StmtKind::Exit> {
public:
  explicit ExitStmt(SourceLoc loc) : OfKind(loc) {}
};

/// A whole file (or one REPL input).
struct Program {
  FileId file = 0;
  StmtList statements;
};

} // namespace rasp::ast
