// Semantics of elaboration and evaluation, row by row from the spec's tables
// (spec/rasp-language.md §4-§7): every expected value here is the one the
// spec gives for the original implementation.
#include "compiler/eval/Evaluate.h"
#include "compiler/lang/Display.h"
#include "compiler/lang/Elaborate.h"
#include "compiler/support/Diagnostics.h"

#include "llvm/Support/raw_ostream.h"

#include <gtest/gtest.h>

using namespace rasp;

namespace {

/// Runs `program`, then shows s-op `name` on `input` (a RASP literal) as
/// `[...] (type)`, or returns "error: MESSAGE" for the first diagnostic.
std::string run(const std::string &program, const std::string &name,
                const std::string &input = "\"hello\"",
                uint64_t maxBytes = eval::MaxEvaluatorBytes) {
  std::string diagnostics;
  llvm::raw_string_ostream os(diagnostics);
  DiagnosticEngine diags(&os);
  lang::ElaborateOptions options = lang::ElaborateOptions::defaults();
  lang::Elaborator elaborator(diags, options);
  if (!elaborator.loadStdlib())
    return "error: no stdlib";
  auto scope = elaborator.newProgramScope("test");
  elaborator.runFile(diags.addFile("t.rasp", program + "\n__input = " + input + ";"), scope);
  auto firstError = [&] {
    size_t at = os.str().find("error: ");
    return "error: " + os.str().substr(at + 7, os.str().find('\n', at) - at - 7);
  };
  if (diags.errorCount())
    return firstError();
  const lang::Value *value = scope->find(name);
  if (!value)
    return "error: no " + name;
  if (!value->isNode())
    return value->repr();
  try {
    eval::Evaluator evaluator(lang::inputAtoms(*scope->find("__input"), SourceLoc()), maxBytes);
    return lang::sequenceText(evaluator.sequence(value->node()));
  } catch (const eval::EvalError &e) {
    return "error: " + e.message;
  }
}

bool isError(const std::string &result) { return result.rfind("error: ", 0) == 0; }

TEST(LangTest, ArithmeticOnSOps) {
  EXPECT_EQ(run("x = tokens + \"!\";", "x", "\"ab\""), "[a!, b!] (strings)");
  EXPECT_EQ(run("x = \"<\" + tokens;", "x", "\"ab\""), "[<a, <b] (strings)");
  EXPECT_EQ(run("x = tokens * 0;", "x", "\"ab\""), "[]*2 (strings)");
  EXPECT_TRUE(isError(run("x = tokens + indices;", "x")));
  EXPECT_EQ(run("x = indices / 1;", "x", "\"abc\""), "[0.0, 1.0, 2.0] (floats)");
  EXPECT_TRUE(isError(run("x = indices / 0;", "x")));
}

TEST(LangTest, ModuloTakesTheSignOfTheDivisor) {
  EXPECT_EQ(run("x = (indices - 3) % 4;", "x"), "[1, 2, 3, 0, 1] (ints)");
  EXPECT_EQ(run("x = indices % -3;", "x"), "[0, -2, -1, 0, -2] (ints)");
}

TEST(LangTest, PowerMixesIntsAndFloats) {
  EXPECT_EQ(run("x = 2 ^ (indices - 2);", "x"), "[0.25, 0.5, 1, 2, 4] (floats)");
}

TEST(LangTest, ComparisonFollowsPython) {
  EXPECT_EQ(run("x = indices == True;", "x"), "[F, T, F, F, F] (bools)");
  EXPECT_TRUE(isError(run("x = indices < tokens;", "x")));
}

TEST(LangTest, UnaryMinusKeepsNegativeZero) {
  EXPECT_EQ(run("x = -(indices * 0.0);", "x"), "[-0.0]*5 (floats)");
}

TEST(LangTest, RoundTiesToEven) {
  EXPECT_EQ(run("x = round(indices * 0 + 0.5);", "x"), "[0]*5 (ints)");
  EXPECT_EQ(run("x = round(indices * 0 + 1.5);", "x"), "[2]*5 (ints)");
  EXPECT_EQ(run("x = round(indices * 0 + 2.5);", "x"), "[2]*5 (ints)");
  EXPECT_EQ(run("x = round(indices * 0 - 0.5);", "x"), "[0]*5 (ints)");
  EXPECT_EQ(run("x = round(2.5);", "x"), "2");
}

TEST(LangTest, IndicatorAndBooleanOperators) {
  EXPECT_TRUE(isError(run("x = indicator(3);", "x")));
  EXPECT_EQ(run("x = indices and 1;", "x"), "[F, T, T, T, T] (bools)");
  EXPECT_EQ(run("x = not indices;", "x"), "[T, F, F, F, F] (bools)");
  EXPECT_EQ(run("x = 3 and 5;", "x"), "5");
  EXPECT_EQ(run("x = 0 or \"a\";", "x"), "'a'");
}

TEST(LangTest, TernaryWithAnSOpCondition) {
  EXPECT_TRUE(isError(run("x = \"a\" if indices == 0 else 1;", "x")));
  EXPECT_EQ(run("x = 1 if indices == 0 else True;", "x"), "[1]*5 (ints)");
  EXPECT_EQ(run("def fact(n) { return 1 if n <= 1 else n * fact(n - 1); } x = fact(5);", "x"),
            "120");
}

TEST(LangTest, InBothDirections) {
  EXPECT_EQ(run("x = tokens in [\"l\", \"o\"];", "x"), "[F, F, T, T, T] (bools)");
  EXPECT_TRUE(isError(run("x = tokens in \"lo\";", "x")));
  EXPECT_TRUE(isError(run("x = tokens in [indices];", "x")));
  EXPECT_EQ(run("x = \"l\" in tokens;", "x"), "[T]*5 (bools)");
  EXPECT_EQ(run("x = \"z\" in tokens;", "x"), "[F]*5 (bools)");
  EXPECT_EQ(run("x = 2 in [1, 2];", "x"), "True");
  EXPECT_TRUE(isError(run("x = \"a\" in \"hello\";", "x")));
}

TEST(LangTest, Indexing) {
  EXPECT_EQ(run("x = tokens[1];", "x", "\"x\""), "[0] (ints)");
  EXPECT_EQ(run("x = tokens[0];", "x"), "[h]*5 (strings)");
  EXPECT_EQ(run("x = tokens[-1];", "x"), "[o]*5 (strings)");
  EXPECT_EQ(run("x = [10, 20, 30][indices];", "x", "\"abc\""), "[10, 20, 30] (ints)");
  EXPECT_TRUE(isError(run("x = [10, 20, 30][indices];", "x")));
  EXPECT_EQ(run("x = {\"a\": 1, \"b\": 2}[tokens];", "x", "\"ab\""), "[1, 2] (ints)");
  EXPECT_TRUE(isError(run("x = {\"a\": 1}[tokens];", "x", "\"ab\"")));
  EXPECT_TRUE(isError(run("x = tokens[indices];", "x")));
  EXPECT_EQ(run("x = [1, 2, 3][-1];", "x"), "3");
  EXPECT_TRUE(isError(run("x = [1, 2, 3][3];", "x")));
}

TEST(LangTest, SelectArguments) {
  const char *program = "a = aggregate(select(indices, 0, ==), tokens);"
                        "b = aggregate(select(2, indices, ==), indices, -1);"
                        "c = selector_width(select(1, 1, ==));";
  EXPECT_EQ(run(program, "a"), "[h]*5 (strings)");
  EXPECT_EQ(run(program, "b"), "[-1, -1, 2.0, -1, -1] (floats)");
  EXPECT_EQ(run(program, "c"), "[5]*5 (ints)");
  EXPECT_EQ(run("x = selector_width(select(indices, \"a\", ==));", "x"), "[0]*5 (ints)");
  EXPECT_TRUE(isError(run("x = selector_width(select(indices, \"a\", <));", "x")));
}

TEST(LangTest, AggregateMeansAndPassThrough) {
  EXPECT_EQ(run("x = aggregate(select(indices, indices, <=), indices);", "x", "\"abcd\""),
            "[0, 0.5, 1.0, 1.5] (floats)");
  EXPECT_EQ(run("x = aggregate(select(indices * 0, indices, ==), indices);", "x", "\"abcd\""),
            "[1.5, 0, 0, 0] (floats)");
  EXPECT_EQ(run("x = aggregate(select(indices, indices, ==), tokens);", "x"),
            "[h, e, l, l, o] (strings)");
}

TEST(LangTest, AggregateDefaultsTypeCheckWithTheRest) {
  EXPECT_TRUE(isError(run("x = aggregate(select(indices, indices - 1, ==), tokens);", "x")));
  EXPECT_EQ(run("x = aggregate(select(indices, indices - 1, ==), tokens, \"_\");", "x", "\"abc\""),
            "[_, a, b] (strings)");
  EXPECT_EQ(run("x = aggregate(select(indices, -1, ==), tokens);", "x"), "[0]*5 (ints)");
  EXPECT_EQ(run("x = aggregate(select(indices, indices - 1, ==), indices == 1);", "x", "\"abc\""),
            "[0, F, T] (ints)");
  EXPECT_EQ(run("x = aggregate(select(indices, -1, ==), 1, 2.5);", "x", "\"abc\""),
            "[2.5]*3 (floats)");
}

TEST(LangTest, AveragingNonNumbersIsAnError) {
  EXPECT_TRUE(isError(run("x = aggregate(select(1, 1, ==), tokens);", "x")));
  EXPECT_TRUE(isError(run("x = aggregate(select(1, 1, ==), indices == 1);", "x")));
  EXPECT_TRUE(isError(run("x = aggregate(tokens, indices);", "x")));
  EXPECT_TRUE(isError(run("x = aggregate(select(1, 1, ==), indices, tokens);", "x")));
}

TEST(LangTest, SequenceTyping) {
  EXPECT_EQ(run("x = tokens_asis;", "x", "[0, False, True]"), "[0, F, T] (ints)");
  EXPECT_EQ(run("x = tokens_asis;", "x", "[True, False]"), "[T, F] (bools)");
  EXPECT_EQ(run("x = tokens_asis;", "x", "[0, 0.5, 1.0]"), "[0, 0.5, 1.0] (floats)");
  EXPECT_TRUE(isError(run("x = tokens_asis;", "x", "[\"a\", 3]")));
  EXPECT_EQ(run("x = tokens_int;", "x", "\"123\""), "[1, 2, 3] (ints)");
  EXPECT_TRUE(isError(run("x = tokens_int;", "x", "\"ab\"")));
  EXPECT_EQ(run("x = tokens_int;", "x", "[2.7]"), "[2] (ints)");
  EXPECT_EQ(run("x = tokens_bool;", "x", "\"a\""), "[T] (bools)");
}

TEST(LangTest, BuiltinsOnLists) {
  EXPECT_EQ(run("x = range(2, 8, 3);", "x"), "[2, 5]");
  EXPECT_TRUE(isError(run("x = range(2.5);", "x")));
  EXPECT_EQ(run("x = zip([1, 2], [\"a\", \"b\"]);", "x"), "[[1, 'a'], [2, 'b']]");
  EXPECT_TRUE(isError(run("x = zip([1, 2], [1]);", "x")));
  EXPECT_EQ(run("x = len([1, 2, 3]);", "x"), "3");
  EXPECT_TRUE(isError(run("x = len(\"abc\");", "x")));
  EXPECT_EQ(run("x = {True: 1, 1: 2};", "x"), "{True: 2}");
}

TEST(LangTest, FunctionsClosuresAndScopes) {
  EXPECT_EQ(run("def make_adder(k) { def add(x) { return x + k; } return add; }"
                "x = make_adder(5)(2);",
                "x"),
            "7");
  EXPECT_EQ(run("def f() { return g; } g = 4; x = f();", "x"), "4"); // Late binding.
  EXPECT_EQ(run("for i in range(3) { last = i; } x = i;", "x"), "2");
  EXPECT_TRUE(isError(run("x = [j for j in range(3)]; y = j;", "y")));
  EXPECT_TRUE(isError(run("def f(a, b) { return a; } x = f(1);", "x")));
  EXPECT_TRUE(isError(run("def f(n) { return f(n); } x = f(1);", "x")));
}

TEST(LangTest, MultipleAssignment) {
  EXPECT_EQ(run("a, b = 1, 2; x = [b, a];", "x"), "[2, 1]");
  EXPECT_EQ(run("x = 1, 2;", "x"), "[1, 2]");
  EXPECT_TRUE(isError(run("a, b, c = 1, 2;", "a")));
  EXPECT_TRUE(isError(run("a, b = 5;", "a")));
  EXPECT_TRUE(isError(run("indices = 1;", "indices")));
}

TEST(LangTest, LibraryFunctions) {
  EXPECT_EQ(run("x = length;", "x"), "[5]*5 (ints)");
  EXPECT_EQ(run("x = count(tokens, \"l\");", "x"), "[2]*5 (ints)");
  EXPECT_EQ(run("x = shift(tokens, 1, \"_\");", "x"), "[_, h, e, l, l] (strings)");
  EXPECT_EQ(run("x = sort(tokens, tokens);", "x"), "[e, h, l, l, o] (strings)");
  EXPECT_EQ(run("x = mark_last_instance(tokens, \"l\");", "x"), "[F, F, F, T, F] (bools)");
  EXPECT_EQ(run("x = selector_width(select(tokens, tokens, ==));", "x"), "[1, 1, 2, 2, 1] (ints)");
}

TEST(LangTest, HugeRangesAndDeepRecursionAreCleanErrors) {
  EXPECT_TRUE(isError(run("x = range(100000000000);", "x")));
  EXPECT_TRUE(isError(run("def f(n) { return 1 if n == 0 else f(n - 1); } x = f(100000);", "x")));
  EXPECT_TRUE(isError(run("x = \"ab\" * 100000000000;", "x")));
}

// Lists that double are refused before they are allocated, naming the
// size and the budget (issue 19: they used to abort on bad_alloc; strings
// are in tests/lit/budgets/strings.test).
TEST(LangTest, DoublingListsMeetTheirBudget) {
  EXPECT_EQ(run("l = [1, 2]; for i in range(40) { l = l + l; } x = l;", "x"),
            "error: the list would hold 2097152 items, more than the budget of 1048576");
  EXPECT_EQ(run("x = [1, 2] * 1000000000000;", "x"),
            "error: the list would hold 2000000000000 items, more than the budget of 1048576");
  EXPECT_EQ(run("x = range(-5, 100000000000, 2);", "x"),
            "error: the list would hold 50000000003 items, more than the budget of 1048576");
}

// What one evaluator holds is bounded: the value that would pass the
// budget is an error at its node. Each value on [1, 2] is 2 atoms; a value
// is freed after the last node that reads it (tokens_int after x), so a
// chain holds two at a time, and z needs x, y and itself.
TEST(LangTest, TheEvaluatorsValuesMeetTheirBudget) {
  uint64_t one = 2 * sizeof(Atom);
  EXPECT_EQ(run("x = tokens_int + 1;", "x", "[1, 2]", 2 * one), "[2, 3] (ints)");
  EXPECT_EQ(run("x = tokens_int + 1; y = x + 1; w = y + 1;", "w", "[1, 2]", 2 * one),
            "[4, 5] (ints)");
  EXPECT_EQ(run("x = tokens_int + 1; y = x + 1; z = x + y;", "z", "[1, 2]", 2 * one),
            "error: the evaluator's values on this input would take " + std::to_string(3 * one) +
                " bytes (" + std::to_string(one) +
                " of them this value's), more than the budget of " + std::to_string(2 * one) +
                " bytes");
}

} // namespace
