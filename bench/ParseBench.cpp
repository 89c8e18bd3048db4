// Parse + AST throughput on large generated RASP files (target: >= 5 MB/s on
// files of any size, so time must grow linearly with the length).
//
// Two kinds of file, each at several sizes: BM_ParseAst on programs in the
// style of the paper's, and BM_ParseOperators on statements heavy in binary
// '+' and '-', calls and indexes, each of which once made prediction read
// to the end of the file (quadratic time). Each family fits its times to a
// complexity, printed as its `_BigO` line: O(N) is linear. BM_ParseLongRuns
// shows the cost that remains: prediction may read to the end of the
// statement it is in, so a statement-level run such as `a - b - c ...` costs
// time quadratic in its length (at most 1000 operators, the nesting limit).
//
// Baselines measured in the same run: the lexer that ANTLR generates from
// the grammar (which the front end replaces with an equivalent hand-written
// one, BM_HandLexer), and parsing with full LL prediction from the start (no
// SLL first stage). Compare the bytes_per_second counters; the ratios are
// what to report.
#include "compiler/frontend/Lexer.h"
#include "compiler/frontend/Parse.h"
#include "compiler/support/Diagnostics.h"

#include "RASPLexer.h"

#include "llvm/Support/raw_ostream.h"

#include <benchmark/benchmark.h>

#include <map>
#include <string>

namespace {

/// About `bytes` of RASP in the style of the paper's programs: functions,
/// selectors, aggregates, comprehensions, dicts, ternaries and comments.
std::string generateProgram(size_t bytes) {
  std::string text;
  for (int i = 0; text.size() < bytes; ++i) {
    std::string n = std::to_string(i);
    text += "# block " + n +
            ": a sort, a prefix count and some plain values\n"
            "def sort_" +
            n +
            "(vals, key) {\n"
            "  before = select(key, key, <) or (select(key, key, ==) and "
            "select(indices, indices, <));\n"
            "  target = selector_width(before);\n"
            "  return aggregate(select(target, indices, ==), vals);\n"
            "}\n"
            "sorted_" +
            n + " = sort_" + n +
            "(tokens, tokens);\n"
            "prefix_" +
            n +
            " = select(indices, indices, <=);\n"
            "opens_" +
            n + " = round((indices + 1) * aggregate(prefix_" + n +
            ", indicator(tokens == \"(\")));\n"
            "state_" +
            n + " = \"F\" if opens_" + n +
            " < 0 else (\"T\" if "
            "opens_" +
            n +
            " == 0 else \"P\");\n"
            "table_" +
            n +
            " = {\"a\": 1, \"b\": 2.5, \"c\": -3};\n"
            "squares_" +
            n + " = [v ^ 2 % 7 for v in range(" + n +
            ")];\n"
            "for k in [\"x\", \"y\"] { last_" +
            n + " = k; }\n";
  }
  return text;
}

/// `statements` statements heavy in binary operators, calls and indexes;
/// the first is the one that showed the quadratic parse.
std::string generateOperators(int64_t statements) {
  static const char *const lines[] = {
      "n = 2 - 1;\n",
      "x = a + b * c - d;\n",
      "y = f(x)[0] - g(1, 2) + 3;\n",
      "z = -x + (y - 1) % 2 == 0 and not w;\n",
  };
  std::string text;
  for (int64_t i = 0; i < statements; ++i)
    text += lines[i % 4];
  return text;
}

/// About 256 KiB of statements that each chain `operators` subtractions.
std::string generateRuns(int64_t operators) {
  std::string statement = "x = a";
  for (int64_t i = 0; i < operators; ++i)
    statement += " - a";
  statement += ";\n";
  std::string text;
  while (text.size() < (256u << 10))
    text += statement;
  return text;
}

/// The text for `key`, generated once.
const std::string &cached(std::string (*generate)(int64_t), int64_t key) {
  static std::map<std::pair<std::string (*)(int64_t), int64_t>, std::string> texts;
  auto [it, inserted] = texts.try_emplace({generate, key});
  if (inserted)
    it->second = generate(key);
  return it->second;
}

std::string generateKiB(int64_t kib) { return generateProgram(static_cast<size_t>(kib) << 10); }

const std::string &program() { return cached(generateKiB, 2048); }

void parseOnce(benchmark::State &state, const std::string &text,
               const rasp::frontend::ParseOptions &options = {}) {
  for (auto _ : state) {
    llvm::raw_null_ostream sink;
    rasp::DiagnosticEngine diags(&sink);
    rasp::FileId file = diags.addFile("bench.rasp", text);
    rasp::frontend::ParseResult result = rasp::frontend::parseProgram(diags, file, options);
    if (!result.program)
      state.SkipWithError("the generated program did not parse");
    benchmark::DoNotOptimize(result.program);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * text.size());
  state.SetComplexityN(static_cast<int64_t>(text.size()));
}

/// A program of range(0) KiB.
void BM_ParseAst(benchmark::State &state) { parseOnce(state, cached(generateKiB, state.range(0))); }

/// range(0) operator-heavy statements.
void BM_ParseOperators(benchmark::State &state) {
  parseOnce(state, cached(generateOperators, state.range(0)));
}

/// Statements of range(0) operators each.
void BM_ParseLongRuns(benchmark::State &state) {
  parseOnce(state, cached(generateRuns, state.range(0)));
}

void BM_ParseAstLLOnly(benchmark::State &state) {
  rasp::frontend::ParseOptions options;
  options.sllFirst = false;
  parseOnce(state, program(), options);
}

void BM_HandLexer(benchmark::State &state) {
  const std::string &text = program();
  for (auto _ : state) {
    auto tokens = rasp::frontend::lexRasp(text, "bench.rasp");
    benchmark::DoNotOptimize(tokens->tokens().size());
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * text.size());
}

void BM_AntlrLexer(benchmark::State &state) {
  const std::string &text = program();
  for (auto _ : state) {
    antlr4::ANTLRInputStream input(text);
    rasp::grammar::RASPLexer lexer(&input);
    antlr4::CommonTokenStream tokens(&lexer);
    tokens.fill();
    benchmark::DoNotOptimize(tokens.size());
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * text.size());
}

} // namespace

BENCHMARK(BM_AntlrLexer)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_HandLexer)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_ParseAst)
    ->Arg(64)
    ->Arg(2048)
    ->Arg(16384)
    ->Unit(benchmark::kMillisecond)
    ->Complexity(benchmark::oAuto);
BENCHMARK(BM_ParseOperators)
    ->Arg(1000)
    ->Arg(10000)
    ->Arg(100000)
    ->Unit(benchmark::kMillisecond)
    ->Complexity(benchmark::oAuto);
BENCHMARK(BM_ParseLongRuns)->Arg(10)->Arg(100)->Arg(1000)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_ParseAstLLOnly)->Unit(benchmark::kMillisecond);

BENCHMARK_MAIN();
