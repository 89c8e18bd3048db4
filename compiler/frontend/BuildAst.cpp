// Builds the typed AST from the ANTLR parse tree.
#include "compiler/frontend/BuildAst.h"

#include "RASPBaseVisitor.h"

#include <cassert>
#include <cerrno>
#include <cstdlib>

using namespace rasp;
using namespace rasp::frontend;
using namespace rasp::ast;
using rasp::grammar::RASPParser;

namespace {

/// Visits one parse-tree node and leaves its AST in `expr` or `stmt`; the
/// visitor's return values are unused (double dispatch without `Any`).
class AstBuilder : public grammar::RASPBaseVisitor {
public:
  using ErrorList = std::vector<std::pair<SourceLoc, std::string>>;
  AstBuilder(TokenBuffer &tokens, const TokenLocator &locator, ErrorList &errors)
      : tokens(tokens), locator(locator), errors(errors) {}

  ExprPtr build(RASPParser::ExprContext *ctx) {
    assert(ctx && "valid parse trees have every expression");
    ctx->accept(this);
    assert(expr && "every expression alternative builds a node");
    return std::move(expr);
  }
  StmtPtr build(antlr4::ParserRuleContext *ctx) {
    ctx->accept(this);
    assert(stmt && "every statement alternative builds a node");
    return std::move(stmt);
  }

private:
  SourceLoc loc(antlr4::ParserRuleContext *ctx) const { return locator.of(ctx); }
  Identifier ident(antlr4::Token *token) const {
    return Identifier{token->getText(), locator.of(token)};
  }
  std::vector<Identifier> ids(RASPParser::IdListContext *ctx) {
    std::vector<Identifier> out;
    if (ctx)
      for (antlr4::Token *id : ctx->names)
        out.push_back(ident(id));
    return out;
  }
  ExprList exprs(RASPParser::ExprListContext *ctx) {
    ExprList out;
    if (ctx)
      for (RASPParser::ExprContext *e : ctx->items)
        out.push_back(build(e));
    return out;
  }
  template <typename Ctx> StmtList body(const std::vector<Ctx *> &statements) {
    StmtList out;
    for (Ctx *s : statements)
      out.push_back(build(s));
    return out;
  }
  static ExampleSubsetKind subset(const antlr4::Token *token) {
    if (!token)
      return ExampleSubsetKind::Both;
    return token->getText() == "s-op" ? ExampleSubsetKind::SOp : ExampleSubsetKind::Selector;
  }
  template <typename T, typename... Args> antlrcpp::Any make(Args &&...args) {
    expr = std::make_unique<T>(std::forward<Args>(args)...);
    return nullptr;
  }
  template <typename T, typename... Args> antlrcpp::Any makeStmt(Args &&...args) {
    stmt = std::make_unique<T>(std::forward<Args>(args)...);
    return nullptr;
  }

  // Statements.
  antlrcpp::Any visitStatement(RASPParser::StatementContext *ctx) override {
    if (ctx->rasp)
      return ctx->rasp->accept(this);
    return ctx->repl->accept(this);
  }
  antlrcpp::Any visitExprStatement(RASPParser::ExprStatementContext *ctx) override {
    return makeStmt<ExprStmt>(loc(ctx), build(ctx->value));
  }
  antlrcpp::Any visitAssignStatement(RASPParser::AssignStatementContext *ctx) override {
    return makeStmt<AssignStmt>(loc(ctx), ids(ctx->targets), exprs(ctx->values));
  }
  antlrcpp::Any visitDrawStatement(RASPParser::DrawStatementContext *ctx) override {
    ExprPtr input = ctx->input ? build(ctx->input) : nullptr;
    return makeStmt<DrawStmt>(loc(ctx), build(ctx->target), std::move(input));
  }
  antlrcpp::Any visitLoadStatement(RASPParser::LoadStatementContext *ctx) override {
    std::string quoted = ctx->fileName->getText();
    return makeStmt<LoadStmt>(loc(ctx), quoted.substr(1, quoted.size() - 2),
                              locator.of(ctx->fileName));
  }
  antlrcpp::Any visitDefStatement(RASPParser::DefStatementContext *ctx) override {
    StmtList statements = body(ctx->body);
    RASPParser::ReturnStatementContext *ret = ctx->ret;
    ExprList values = exprs(ret->values);
    return makeStmt<DefStmt>(loc(ctx), ident(ctx->name), ids(ctx->params), std::move(statements),
                             loc(ret), std::move(values));
  }
  antlrcpp::Any visitForStatement(RASPParser::ForStatementContext *ctx) override {
    if (ctx->body.empty() && !hasCommentInside(ctx))
      errors.emplace_back(loc(ctx), "a for loop body must contain at least one statement");
    ExprPtr iterable = build(ctx->iterable);
    return makeStmt<ForStmt>(loc(ctx), ids(ctx->vars), std::move(iterable), body(ctx->body));
  }
  antlrcpp::Any visitSetExample(RASPParser::SetExampleContext *ctx) override {
    return makeStmt<SetExampleStmt>(loc(ctx), subset(ctx->subset), build(ctx->value));
  }
  antlrcpp::Any visitShowExample(RASPParser::ShowExampleContext *ctx) override {
    return makeStmt<ShowExampleStmt>(loc(ctx), subset(ctx->subset));
  }
  antlrcpp::Any visitToggleExamples(RASPParser::ToggleExamplesContext *ctx) override {
    return makeStmt<ToggleExamplesStmt>(loc(ctx), subset(ctx->subset),
                                        ctx->onOff->getText() == "on");
  }
  antlrcpp::Any visitToggleFullSeq(RASPParser::ToggleFullSeqContext *ctx) override {
    return makeStmt<ToggleFullSeqStmt>(loc(ctx), ctx->onOff->getText() == "on");
  }
  antlrcpp::Any visitExit(RASPParser::ExitContext *ctx) override {
    return makeStmt<ExitStmt>(loc(ctx));
  }

  // Expressions.
  antlrcpp::Any visitParen(RASPParser::ParenContext *ctx) override {
    expr = build(ctx->inner);
    return nullptr;
  }
  antlrcpp::Any visitIndex(RASPParser::IndexContext *ctx) override {
    ExprPtr base = build(ctx->base);
    return make<IndexExpr>(loc(ctx), std::move(base), build(ctx->index));
  }
  antlrcpp::Any visitCall(RASPParser::CallContext *ctx) override {
    ExprPtr callee = build(ctx->callee);
    return make<CallExpr>(loc(ctx), std::move(callee), exprs(ctx->args));
  }
  antlrcpp::Any visitUnary(RASPParser::UnaryContext *ctx) override {
    std::string op = ctx->op->getText();
    UnaryOpKind kind = op == "not" ? UnaryOpKind::Not
                       : op == "-" ? UnaryOpKind::Neg
                                   : UnaryOpKind::Plus;
    return make<UnaryExpr>(loc(ctx), kind, build(ctx->operand));
  }
  antlrcpp::Any visitBuiltin(RASPParser::BuiltinContext *ctx) override {
    UnaryOpKind kind = ctx->op->getText() == "round" ? UnaryOpKind::Round : UnaryOpKind::Indicator;
    return make<UnaryExpr>(loc(ctx), kind, build(ctx->operand));
  }
  antlrcpp::Any visitBinary(RASPParser::BinaryContext *ctx) override {
    ExprPtr lhs = build(ctx->lhs);
    ExprPtr rhs = build(ctx->rhs);
    return make<BinaryExpr>(loc(ctx), binaryKind(ctx->op->getText()), locator.of(ctx->op),
                            std::move(lhs), std::move(rhs));
  }
  antlrcpp::Any visitSelect(RASPParser::SelectContext *ctx) override {
    ExprPtr keys = build(ctx->keys);
    ExprPtr queries = build(ctx->queries);
    return make<SelectExpr>(loc(ctx), std::move(keys), std::move(queries),
                            compareKind(ctx->cmp->getText()));
  }
  antlrcpp::Any visitTernary(RASPParser::TernaryContext *ctx) override {
    ExprPtr thenValue = build(ctx->thenValue);
    ExprPtr cond = build(ctx->cond);
    return make<TernaryExpr>(loc(ctx), std::move(thenValue), std::move(cond),
                             build(ctx->elseValue));
  }
  antlrcpp::Any visitName(RASPParser::NameContext *ctx) override {
    return make<NameExpr>(loc(ctx), ctx->name->getText());
  }
  antlrcpp::Any visitIntLiteral(RASPParser::IntLiteralContext *ctx) override {
    std::string digits = ctx->value->getText();
    errno = 0;
    unsigned long long value = std::strtoull(digits.c_str(), nullptr, 10);
    if (errno == ERANGE || value > static_cast<unsigned long long>(INT64_MAX)) {
      errors.emplace_back(loc(ctx),
                          "integer literal is too large; the largest is 9223372036854775807");
      value = 0;
    }
    return make<IntExpr>(loc(ctx), static_cast<int64_t>(value));
  }
  antlrcpp::Any visitFloatLiteral(RASPParser::FloatLiteralContext *ctx) override {
    // Like Python, a literal too large for a double becomes infinity.
    return make<FloatExpr>(loc(ctx), std::strtod(ctx->value->getText().c_str(), nullptr));
  }
  antlrcpp::Any visitStringLiteral(RASPParser::StringLiteralContext *ctx) override {
    std::string quoted = ctx->value->getText();
    return make<StringExpr>(loc(ctx), quoted.substr(1, quoted.size() - 2));
  }
  antlrcpp::Any visitListLiteral(RASPParser::ListLiteralContext *ctx) override {
    return make<ListExpr>(loc(ctx), exprs(ctx->items));
  }
  antlrcpp::Any visitDictLiteral(RASPParser::DictLiteralContext *ctx) override {
    std::vector<DictEntry> entries;
    for (RASPParser::DictEntryContext *entry : ctx->entries) {
      ExprPtr key = build(entry->key);
      entries.push_back(DictEntry{std::move(key), build(entry->value)});
    }
    return make<DictExpr>(loc(ctx), std::move(entries));
  }
  antlrcpp::Any visitAggregate(RASPParser::AggregateContext *ctx) override {
    ExprPtr selector = build(ctx->selector);
    ExprPtr values = build(ctx->values);
    ExprPtr fallback = ctx->fallback ? build(ctx->fallback) : nullptr;
    return make<AggregateExpr>(loc(ctx), std::move(selector), std::move(values),
                               std::move(fallback));
  }
  antlrcpp::Any visitRange(RASPParser::RangeContext *ctx) override {
    return make<RangeExpr>(loc(ctx), exprs(ctx->args));
  }
  antlrcpp::Any visitListComp(RASPParser::ListCompContext *ctx) override {
    ExprPtr value = build(ctx->value);
    ExprPtr iterable = build(ctx->iterable);
    return make<ListCompExpr>(loc(ctx), std::move(value), ids(ctx->vars), std::move(iterable));
  }
  antlrcpp::Any visitDictComp(RASPParser::DictCompContext *ctx) override {
    ExprPtr key = build(ctx->key);
    ExprPtr value = build(ctx->value);
    ExprPtr iterable = build(ctx->iterable);
    return make<DictCompExpr>(loc(ctx), std::move(key), std::move(value), ids(ctx->vars),
                              std::move(iterable));
  }
  antlrcpp::Any visitZip(RASPParser::ZipContext *ctx) override {
    return make<ZipExpr>(loc(ctx), exprs(ctx->args));
  }
  antlrcpp::Any visitLen(RASPParser::LenContext *ctx) override {
    return make<LenExpr>(loc(ctx), build(ctx->operand));
  }

  static BinaryOpKind binaryKind(const std::string &op) {
    static const std::pair<const char *, BinaryOpKind> table[] = {
        {"^", BinaryOpKind::Pow}, {"*", BinaryOpKind::Mul}, {"/", BinaryOpKind::Div},
        {"%", BinaryOpKind::Mod}, {"+", BinaryOpKind::Add}, {"-", BinaryOpKind::Sub},
        {"==", BinaryOpKind::Eq}, {"<=", BinaryOpKind::Le}, {">=", BinaryOpKind::Ge},
        {">", BinaryOpKind::Gt},  {"<", BinaryOpKind::Lt},  {"and", BinaryOpKind::And},
        {"or", BinaryOpKind::Or}, {"in", BinaryOpKind::In}};
    for (auto &[text, kind] : table)
      if (op == text)
        return kind;
    assert(false && "the grammar has no other binary operator");
    return BinaryOpKind::Add;
  }
  static CompareKind compareKind(const std::string &op) {
    if (op == "==")
      return CompareKind::Eq;
    if (op == "!=")
      return CompareKind::Ne;
    if (op == "<")
      return CompareKind::Lt;
    if (op == ">")
      return CompareKind::Gt;
    if (op == "<=")
      return CompareKind::Le;
    assert(op == ">=" && "the grammar has no other comparison");
    return CompareKind::Ge;
  }
  bool hasCommentInside(antlr4::ParserRuleContext *ctx) {
    return tokens.hasCommentIn(static_cast<uint32_t>(ctx->getStart()->getStartIndex()),
                               static_cast<uint32_t>(ctx->getStop()->getStopIndex() + 1));
  }

  TokenBuffer &tokens;
  const TokenLocator &locator;
  ErrorList &errors;
  ExprPtr expr;
  StmtPtr stmt;
};

} // namespace

ProgramBuilder::ProgramBuilder(TokenBuffer &tokens, const TokenLocator &locator)
    : tokens(&tokens), locator(&locator) {
  program.file = locator.file();
}

void ProgramBuilder::add(RASPParser::StatementContext *statement) {
  AstBuilder builder(*tokens, *locator, errors);
  program.statements.push_back(builder.build(statement));
}

std::optional<Program> ProgramBuilder::finish(DiagnosticEngine &diags) {
  for (auto &[loc, message] : errors)
    diags.error(loc, message);
  if (!errors.empty())
    return std::nullopt;
  return std::move(program);
}
