// Unit tests of the front end: precedence, statement forms, locations, limits.
#include "compiler/frontend/Parse.h"

#include "llvm/Support/Casting.h"
#include "llvm/Support/raw_ostream.h"

#include <gtest/gtest.h>

#include <cstring>

using namespace rasp;
using namespace rasp::ast;
using llvm::cast;

namespace {

struct Parsed {
  std::optional<Program> program;
  bool endedEarly = false;
  std::string diagnostics;
  unsigned errors = 0;
};

Parsed parse(const std::string &text) {
  Parsed out;
  llvm::raw_string_ostream os(out.diagnostics);
  DiagnosticEngine diags(&os);
  FileId file = diags.addFile("t.rasp", text);
  frontend::ParseResult result = frontend::parseProgram(diags, file);
  out.program = std::move(result.program);
  out.endedEarly = result.endedEarly;
  out.errors = diags.errorCount();
  return out;
}

const char *binaryText(BinaryOpKind op) {
  static const char *const names[] = {
      "^", "*", "/", "%", "+", "-", "==", "<=", ">=", ">", "<", "and", "or", "in"};
  return names[static_cast<int>(op)];
}

/// A fully parenthesised rendering of an expression, written independently
/// of the AST dump so that the two check each other.
std::string sexpr(const Expr &e) {
  switch (e.kind()) {
  case ExprKind::Int:
    return std::to_string(cast<IntExpr>(e).value);
  case ExprKind::Name:
    return cast<NameExpr>(e).name;
  case ExprKind::String:
    return "\"" + cast<StringExpr>(e).value + "\"";
  case ExprKind::Unary: {
    auto &u = cast<UnaryExpr>(e);
    static const char *const names[] = {"not", "neg", "pos", "round", "indicator"};
    return std::string("(") + names[static_cast<int>(u.op)] + " " + sexpr(*u.operand) + ")";
  }
  case ExprKind::Binary: {
    auto &b = cast<BinaryExpr>(e);
    return std::string("(") + binaryText(b.op) + " " + sexpr(*b.lhs) + " " + sexpr(*b.rhs) + ")";
  }
  case ExprKind::Ternary: {
    auto &t = cast<TernaryExpr>(e);
    return "(if " + sexpr(*t.thenValue) + " " + sexpr(*t.cond) + " " + sexpr(*t.elseValue) + ")";
  }
  case ExprKind::Call: {
    auto &c = cast<CallExpr>(e);
    std::string out = "(call " + sexpr(*c.callee);
    for (const ExprPtr &arg : c.args)
      out += " " + sexpr(*arg);
    return out + ")";
  }
  case ExprKind::Index: {
    auto &i = cast<IndexExpr>(e);
    return "(index " + sexpr(*i.base) + " " + sexpr(*i.index) + ")";
  }
  default:
    return "<other>";
  }
}

/// Parses `x = TEXT;` and renders the right-hand side.
std::string shape(const std::string &text) {
  Parsed p = parse("x = " + text + ";");
  if (!p.program)
    return "error: " + p.diagnostics;
  auto &assign = cast<AssignStmt>(*p.program->statements.at(0));
  return sexpr(*assign.values.at(0));
}

TEST(ParseTest, UnaryOperatorsBindTighterThanEveryBinaryOperator) {
  EXPECT_EQ(shape("-indices ^ 2"), "(^ (neg indices) 2)");
  EXPECT_EQ(shape("not x == 0"), "(== (not x) 0)");
  EXPECT_EQ(shape("-a * b"), "(* (neg a) b)");
  EXPECT_EQ(shape("a * -b"), "(* a (neg b))");
  EXPECT_EQ(shape("- - a"), "(neg (neg a))");
}

TEST(ParseTest, PostfixFormsBindTighterThanUnary) {
  EXPECT_EQ(shape("-f(x)"), "(neg (call f x))");
  EXPECT_EQ(shape("-l[0]"), "(neg (index l 0))");
  EXPECT_EQ(shape("f(x)[0]"), "(index (call f x) 0)");
  EXPECT_EQ(shape("f(1)(2)"), "(call (call f 1) 2)");
}

TEST(ParseTest, PowerIsLeftAssociative) { EXPECT_EQ(shape("2^2^x"), "(^ (^ 2 2) x)"); }

TEST(ParseTest, ModuloIsLooserThanMultiplication) {
  EXPECT_EQ(shape("a % 3 * 2"), "(% a (* 3 2))");
  EXPECT_EQ(shape("a * 3 % 2"), "(% (* a 3) 2)");
  EXPECT_EQ(shape("a % 3 + 2"), "(+ (% a 3) 2)");
}

TEST(ParseTest, ArithmeticLevelsAndAssociativity) {
  EXPECT_EQ(shape("a + b * c"), "(+ a (* b c))");
  EXPECT_EQ(shape("a - b - c"), "(- (- a b) c)");
  EXPECT_EQ(shape("a / b * c"), "(* (/ a b) c)");
}

TEST(ParseTest, ComparisonsDoNotChain) {
  EXPECT_EQ(shape("1 < x < 3"), "(< (< 1 x) 3)");
  EXPECT_EQ(shape("a + 1 == b"), "(== (+ a 1) b)");
}

TEST(ParseTest, AndOrShareOneLevel) {
  EXPECT_EQ(shape("a or b and c"), "(and (or a b) c)");
  EXPECT_EQ(shape("a and b or c"), "(or (and a b) c)");
  EXPECT_EQ(shape("a == b and c"), "(and (== a b) c)");
}

TEST(ParseTest, TernaryIsLeftAssociativeAndLooserThanAndOr) {
  EXPECT_EQ(shape("a if c1 else b if c2 else d"), "(if (if a c1 b) c2 d)");
  EXPECT_EQ(shape("a + b if c else d"), "(if (+ a b) c d)");
  EXPECT_EQ(shape("a if b else c and d"), "(if a b (and c d))");
}

TEST(ParseTest, InIsLoosest) {
  EXPECT_EQ(shape("not tokens in L"), "(in (not tokens) L)");
  EXPECT_EQ(shape("x + \"a\" in L"), "(in (+ x \"a\") L)");
  EXPECT_EQ(shape("a if c else b in L"), "(in (if a c b) L)");
  EXPECT_EQ(shape("a in b in c"), "(in (in a b) c)");
}

TEST(ParseTest, SeveralStatementsOnOneLine) {
  Parsed p = parse("a = 1; b = 2; c = a + b;");
  ASSERT_TRUE(p.program) << p.diagnostics;
  EXPECT_EQ(p.program->statements.size(), 3u);
}

TEST(ParseTest, MultiAssignmentKeepsTargetsAndValues) {
  Parsed p = parse("a, b = 1, 2;");
  ASSERT_TRUE(p.program) << p.diagnostics;
  auto &assign = cast<AssignStmt>(*p.program->statements.at(0));
  ASSERT_EQ(assign.targets.size(), 2u);
  EXPECT_EQ(assign.targets[1].name, "b");
  EXPECT_EQ(assign.values.size(), 2u);
}

TEST(ParseTest, DefKeepsBodyAndReturnValues) {
  Parsed p = parse("def f(a, b) {\n  c = a;\n  def g() { return 1; }\n  return c, b;\n}");
  ASSERT_TRUE(p.program) << p.diagnostics;
  auto &def = cast<DefStmt>(*p.program->statements.at(0));
  EXPECT_EQ(def.name.name, "f");
  EXPECT_EQ(def.params.size(), 2u);
  EXPECT_EQ(def.body.size(), 2u);
  EXPECT_EQ(def.body[1]->kind(), StmtKind::Def);
  EXPECT_EQ(def.returnValues.size(), 2u);
  EXPECT_EQ(def.returnLoc.line, 4u);
}

TEST(ParseTest, ReplCommandsTakeNoSemicolon) {
  Parsed p = parse("set s-op example \"hey\"\nshow example\nselector examples "
                   "off\nfull seq display on\nquit()");
  ASSERT_TRUE(p.program) << p.diagnostics;
  ASSERT_EQ(p.program->statements.size(), 5u);
  auto &set = cast<SetExampleStmt>(*p.program->statements[0]);
  EXPECT_EQ(set.subset, ExampleSubsetKind::SOp);
  auto &toggle = cast<ToggleExamplesStmt>(*p.program->statements[2]);
  EXPECT_EQ(toggle.subset, ExampleSubsetKind::Selector);
  EXPECT_FALSE(toggle.on);
  EXPECT_EQ(p.program->statements[4]->kind(), StmtKind::Exit);
}

TEST(ParseTest, CommentsMayAppearAnywhere) {
  Parsed p = parse("x = [1, # one\n 2]; # end\nfor i in x { # only a comment\n}");
  ASSERT_TRUE(p.program) << p.diagnostics;
  EXPECT_EQ(p.program->statements.size(), 2u);
}

TEST(ParseTest, ForBodyWithNothingIsAnError) {
  Parsed p = parse("for i in x { }");
  EXPECT_FALSE(p.program);
  EXPECT_NE(p.diagnostics.find("t.rasp:1:1: error: a for loop body"), std::string::npos)
      << p.diagnostics;
}

TEST(ParseTest, LocationsCountBytesAndCoverTheWholeNode) {
  // "é" is two bytes, so `b` starts at byte column 12, and the sum spans
  // the 8 bytes of `"é" + b`.
  Parsed p = parse("x = \"é\" + b;");
  ASSERT_TRUE(p.program) << p.diagnostics;
  auto &assign = cast<AssignStmt>(*p.program->statements.at(0));
  auto &sum = cast<BinaryExpr>(*assign.values.at(0));
  EXPECT_EQ(sum.rhs->loc().col, 12u);
  EXPECT_EQ(sum.loc().col, 5u);
  EXPECT_EQ(sum.loc().end - sum.loc().begin, 8u);
  EXPECT_EQ(cast<StringExpr>(*sum.lhs).value, "é");
}

TEST(ParseTest, ReportsEveryBrokenStatementOnce) {
  Parsed p = parse("a = 1 +;\nb = 2;\nc = (3;\nd = ] 4;\n");
  EXPECT_FALSE(p.program);
  EXPECT_EQ(p.errors, 3u) << p.diagnostics;
}

TEST(ParseTest, StopsAfterTwentyErrors) {
  std::string text;
  for (int i = 0; i < 50; ++i)
    text += "x = ;\n";
  Parsed p = parse(text);
  EXPECT_EQ(p.errors, 21u); // 20 errors and the notice that parsing stopped.
}

TEST(ParseTest, UnfinishedInputIsFlaggedAsEndingEarly) {
  EXPECT_TRUE(parse("def f(x) {\n  y = x;").endedEarly);
  EXPECT_TRUE(parse("x = (1 +").endedEarly);
  EXPECT_FALSE(parse("x = 1 2;").endedEarly);
}

TEST(ParseTest, DeepBracketNestingIsAnErrorNotACrash) {
  Parsed p = parse("x = " + std::string(100000, '(') + "1" + std::string(100000, ')') + ";");
  EXPECT_FALSE(p.program);
  EXPECT_NE(p.diagnostics.find("nesting is too deep"), std::string::npos);
}

TEST(ParseTest, LongPrefixChainsAreAnErrorNotACrash) {
  std::string text = "x = ";
  for (int i = 0; i < 100000; ++i)
    text += "not ";
  Parsed p = parse(text + "1;");
  EXPECT_FALSE(p.program);
  EXPECT_NE(p.diagnostics.find("nesting is too deep"), std::string::npos);
}

TEST(ParseTest, LongOperatorChainsAreAnErrorNotACrash) {
  std::string text = "x = 1";
  for (int i = 0; i < 100000; ++i)
    text += "+1";
  Parsed p = parse(text + ";");
  EXPECT_FALSE(p.program);
  EXPECT_NE(p.diagnostics.find("too deeply nested"), std::string::npos);
}

TEST(ParseTest, LongListsAreFine) {
  std::string text = "x = [0";
  for (int i = 0; i < 100000; ++i)
    text += ", 1";
  Parsed p = parse(text + "];");
  ASSERT_TRUE(p.program) << p.diagnostics.substr(0, 500);
  auto &assign = cast<AssignStmt>(*p.program->statements.at(0));
  EXPECT_EQ(cast<ListExpr>(*assign.values[0]).elements.size(), 100001u);
}

/// The prediction counters of parsing `count` copies of `statement`.
frontend::PredictionStats predictionStats(const std::string &statement, int count) {
  std::string text;
  for (int i = 0; i < count; ++i)
    text += statement + "\n";
  std::string diagnostics;
  llvm::raw_string_ostream os(diagnostics);
  DiagnosticEngine diags(&os);
  FileId file = diags.addFile("t.rasp", text);
  frontend::PredictionStats stats;
  frontend::ParseOptions options;
  options.stats = &stats;
  frontend::ParseResult result = frontend::parseProgram(diags, file, options);
  EXPECT_TRUE(result.program) << statement << ": " << diagnostics;
  return stats;
}

// Prediction once read from each binary '+' or '-' (or call, or index) to
// the end of the file, since another statement may follow a `set example`
// command and may start with '-', '+', '(' or '[': quadratic time. Four
// times the statements must cost four times the prediction work, no
// prediction may read past its statement, and SLL alone must settle every
// decision.
TEST(ParseTest, PredictionWorkGrowsLinearlyWithTheFile) {
  const char *const statements[] = {"n = 2 - 1;",
                                    "n = 2 + 1;",
                                    "2 - 1;",
                                    "n = f(1);",
                                    "n = a[1];",
                                    "n = -a;",
                                    "a, b = x, y - 1;",
                                    "set example 2 - 1",
                                    "def f(x) { y = x - 1; return y + 1; }",
                                    "for i in l - 1 { y = i + 1; }"};
  for (const char *statement : statements) {
    SCOPED_TRACE(statement);
    frontend::PredictionStats small = predictionStats(statement, 100);
    frontend::PredictionStats large = predictionStats(statement, 400);
    EXPECT_EQ(large.decisions, 4 * small.decisions);
    EXPECT_LE(large.lookahead, 4 * small.lookahead);
    EXPECT_EQ(large.maxLookahead, small.maxLookahead);
    // No further than its statement, which has fewer tokens than bytes.
    EXPECT_LE(large.maxLookahead, std::strlen(statement));
    EXPECT_EQ(large.llFallbacks, 0u);
    EXPECT_FALSE(large.llPass);
  }
}

TEST(ParseTest, PredictionStatsCoverBothPasses) {
  for (bool sllFirst : {true, false}) {
    for (const char *text : {"x = 1;", "x = ;"}) {
      SCOPED_TRACE(std::string(text) + (sllFirst ? " SLL first" : " LL only"));
      llvm::raw_null_ostream sink;
      DiagnosticEngine diags(&sink);
      FileId file = diags.addFile("t.rasp", text);
      frontend::PredictionStats stats;
      frontend::ParseOptions options;
      options.sllFirst = sllFirst;
      options.stats = &stats;
      frontend::parseProgram(diags, file, options);
      EXPECT_GT(stats.decisions, 0u);
      EXPECT_GT(stats.lookahead, 0u);
      // The LL pass runs after a syntax error, or from the start.
      EXPECT_EQ(stats.llPass, !sllFirst || diags.errorCount() > 0);
    }
  }
}

TEST(ParseTest, InvalidUtf8IsLocated) {
  Parsed p = parse("x = 1;\ny = \"\xff\";");
  EXPECT_FALSE(p.program);
  EXPECT_NE(p.diagnostics.find("t.rasp:2:6: error: invalid UTF-8 byte 0xFF"), std::string::npos)
      << p.diagnostics;
}

TEST(ParseTest, IntegerLiteralsAreRangeChecked) {
  EXPECT_EQ(shape("9223372036854775807"), "9223372036854775807");
  Parsed p = parse("x = 9223372036854775808;");
  EXPECT_FALSE(p.program);
  EXPECT_NE(p.diagnostics.find("integer literal is too large"), std::string::npos);
}

} // namespace
