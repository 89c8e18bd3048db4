// Prints the AST as an indented tree with source ranges.
#include "compiler/frontend/AstDump.h"

#include "compiler/support/Diagnostics.h"
#include "compiler/support/FloatFormat.h"

#include "llvm/Support/Casting.h"
#include "llvm/Support/raw_ostream.h"

using namespace rasp;
using namespace rasp::ast;
using llvm::cast;

namespace {

const char *unaryName(UnaryOpKind op) {
  switch (op) {
  case UnaryOpKind::Not:
    return "not";
  case UnaryOpKind::Neg:
    return "-";
  case UnaryOpKind::Plus:
    return "+";
  case UnaryOpKind::Round:
    return "round";
  case UnaryOpKind::Indicator:
    return "indicator";
  }
  return "?";
}

const char *binaryName(BinaryOpKind op) {
  switch (op) {
  case BinaryOpKind::Pow:
    return "^";
  case BinaryOpKind::Mul:
    return "*";
  case BinaryOpKind::Div:
    return "/";
  case BinaryOpKind::Mod:
    return "%";
  case BinaryOpKind::Add:
    return "+";
  case BinaryOpKind::Sub:
    return "-";
  case BinaryOpKind::Eq:
    return "==";
  case BinaryOpKind::Le:
    return "<=";
  case BinaryOpKind::Ge:
    return ">=";
  case BinaryOpKind::Gt:
    return ">";
  case BinaryOpKind::Lt:
    return "<";
  case BinaryOpKind::And:
    return "and";
  case BinaryOpKind::Or:
    return "or";
  case BinaryOpKind::In:
    return "in";
  }
  return "?";
}

const char *compareName(CompareKind cmp) {
  switch (cmp) {
  case CompareKind::Eq:
    return "==";
  case CompareKind::Ne:
    return "!=";
  case CompareKind::Lt:
    return "<";
  case CompareKind::Gt:
    return ">";
  case CompareKind::Le:
    return "<=";
  case CompareKind::Ge:
    return ">=";
  }
  return "?";
}

const char *subsetName(ExampleSubsetKind subset) {
  switch (subset) {
  case ExampleSubsetKind::Both:
    return "both";
  case ExampleSubsetKind::SOp:
    return "s-op";
  case ExampleSubsetKind::Selector:
    return "selector";
  }
  return "?";
}

class Dumper {
public:
  Dumper(const DiagnosticEngine &diags, llvm::raw_ostream &out) : diags(diags), out(out) {}

  void stmts(const StmtList &list) {
    for (const StmtPtr &s : list)
      stmt(*s);
  }

private:
  /// Starts a node's line: indentation, then the kind and detail text.
  llvm::raw_ostream &line(const llvm::Twine &text) {
    out.indent(2 * depth) << text;
    return out;
  }
  void end(SourceLoc loc) {
    SourceLoc last = diags.locate(loc.file, loc.end > loc.begin ? loc.end - 1 : loc.end,
                                  loc.end > loc.begin ? loc.end - 1 : loc.end);
    out << " @" << loc.line << ":" << loc.col << "-" << last.line << ":" << last.col << "\n";
  }
  void node(const llvm::Twine &text, SourceLoc loc) {
    line(text);
    end(loc);
  }
  void ids(const char *label, const std::vector<Identifier> &list) {
    for (const Identifier &id : list)
      node(llvm::Twine(label) + " " + id.name, id.loc);
  }
  void child(const Expr &e) {
    ++depth;
    expr(e);
    --depth;
  }
  void children(const ExprList &list) {
    for (const ExprPtr &e : list)
      child(*e);
  }
  void block(const char *label, const StmtList &list, SourceLoc loc) {
    ++depth;
    node(label, loc);
    ++depth;
    stmts(list);
    depth -= 2;
  }
  static std::string quoted(const std::string &s) { return "\"" + s + "\""; }

  void stmt(const Stmt &s);
  void expr(const Expr &e);

  const DiagnosticEngine &diags;
  llvm::raw_ostream &out;
  unsigned depth = 1;
};

void Dumper::stmt(const Stmt &s) {
  switch (s.kind()) {
  case StmtKind::Expr:
    node("expr-stmt", s.loc());
    child(*cast<ExprStmt>(s).expr);
    return;
  case StmtKind::Assign: {
    auto &a = cast<AssignStmt>(s);
    node("assign", s.loc());
    ++depth;
    ids("target", a.targets);
    --depth;
    children(a.values);
    return;
  }
  case StmtKind::Draw: {
    auto &d = cast<DrawStmt>(s);
    node("draw", s.loc());
    child(*d.target);
    if (d.input)
      child(*d.input);
    return;
  }
  case StmtKind::Load: {
    auto &l = cast<LoadStmt>(s);
    node("load " + quoted(l.name), s.loc());
    return;
  }
  case StmtKind::Def: {
    auto &d = cast<DefStmt>(s);
    node("def " + d.name.name, s.loc());
    ++depth;
    ids("param", d.params);
    --depth;
    block("body", d.body, s.loc());
    ++depth;
    node("return", d.returnLoc);
    children(d.returnValues);
    --depth;
    return;
  }
  case StmtKind::For: {
    auto &f = cast<ForStmt>(s);
    node("for", s.loc());
    ++depth;
    ids("var", f.ids);
    --depth;
    child(*f.iterable);
    block("body", f.body, s.loc());
    return;
  }
  case StmtKind::SetExample: {
    auto &e = cast<SetExampleStmt>(s);
    node(llvm::Twine("set-example ") + subsetName(e.subset), s.loc());
    child(*e.example);
    return;
  }
  case StmtKind::ShowExample:
    node(llvm::Twine("show-example ") + subsetName(cast<ShowExampleStmt>(s).subset), s.loc());
    return;
  case StmtKind::ToggleExamples: {
    auto &t = cast<ToggleExamplesStmt>(s);
    node(llvm::Twine("examples ") + subsetName(t.subset) + (t.on ? " on" : " off"), s.loc());
    return;
  }
  case StmtKind::ToggleFullSeq:
    node(llvm::Twine("full-seq-display ") + (cast<ToggleFullSeqStmt>(s).on ? "on" : "off"),
         s.loc());
    return;
  case StmtKind::Exit:
    node("exit", s.loc());
    return;
  }
}

void Dumper::expr(const Expr &e) {
  switch (e.kind()) {
  case ExprKind::Int:
    node("int " + llvm::Twine(cast<IntExpr>(e).value), e.loc());
    return;
  case ExprKind::Float: {
    node("float " + formatPythonFloat(cast<FloatExpr>(e).value), e.loc());
    return;
  }
  case ExprKind::String:
    node("string " + quoted(cast<StringExpr>(e).value), e.loc());
    return;
  case ExprKind::Name:
    node("name " + cast<NameExpr>(e).name, e.loc());
    return;
  case ExprKind::List:
    node("list", e.loc());
    children(cast<ListExpr>(e).elements);
    return;
  case ExprKind::Dict:
    node("dict", e.loc());
    for (const DictEntry &entry : cast<DictExpr>(e).entries) {
      child(*entry.key);
      child(*entry.value);
    }
    return;
  case ExprKind::ListComp: {
    auto &c = cast<ListCompExpr>(e);
    node("list-comp", e.loc());
    child(*c.value);
    ++depth;
    ids("var", c.ids);
    --depth;
    child(*c.iterable);
    return;
  }
  case ExprKind::DictComp: {
    auto &c = cast<DictCompExpr>(e);
    node("dict-comp", e.loc());
    child(*c.key);
    child(*c.value);
    ++depth;
    ids("var", c.ids);
    --depth;
    child(*c.iterable);
    return;
  }
  case ExprKind::Index: {
    auto &i = cast<IndexExpr>(e);
    node("index", e.loc());
    child(*i.base);
    child(*i.index);
    return;
  }
  case ExprKind::Call: {
    auto &c = cast<CallExpr>(e);
    node("call", e.loc());
    child(*c.callee);
    children(c.args);
    return;
  }
  case ExprKind::Unary: {
    auto &u = cast<UnaryExpr>(e);
    node(llvm::Twine("unary ") + unaryName(u.op), e.loc());
    child(*u.operand);
    return;
  }
  case ExprKind::Binary: {
    auto &b = cast<BinaryExpr>(e);
    node(llvm::Twine("binary ") + binaryName(b.op), e.loc());
    child(*b.lhs);
    child(*b.rhs);
    return;
  }
  case ExprKind::Ternary: {
    auto &t = cast<TernaryExpr>(e);
    node("ternary", e.loc());
    child(*t.thenValue);
    child(*t.cond);
    child(*t.elseValue);
    return;
  }
  case ExprKind::Select: {
    auto &s = cast<SelectExpr>(e);
    node(llvm::Twine("select ") + compareName(s.cmp), e.loc());
    child(*s.keys);
    child(*s.queries);
    return;
  }
  case ExprKind::Aggregate: {
    auto &a = cast<AggregateExpr>(e);
    node(a.fallback ? "aggregate with-default" : "aggregate", e.loc());
    child(*a.selector);
    child(*a.values);
    if (a.fallback)
      child(*a.fallback);
    return;
  }
  case ExprKind::Range:
    node("range", e.loc());
    children(cast<RangeExpr>(e).args);
    return;
  case ExprKind::Zip:
    node("zip", e.loc());
    children(cast<ZipExpr>(e).args);
    return;
  case ExprKind::Len:
    node("len", e.loc());
    child(*cast<LenExpr>(e).operand);
    return;
  }
}

} // namespace

void frontend::dumpAst(const Program &program, const DiagnosticEngine &diags,
                       llvm::raw_ostream &out) {
  out << "program " << diags.fileName(program.file) << "\n";
  Dumper dumper(diags, out);
  dumper.stmts(program.statements);
}
