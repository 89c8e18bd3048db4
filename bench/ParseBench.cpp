// Parse + AST throughput on a large generated RASP file (target: >= 5 MB/s).
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

const std::string &program() {
  static const std::string text = generateProgram(2 << 20); // 2 MiB
  return text;
}

void parseOnce(benchmark::State &state, const rasp::frontend::ParseOptions &options) {
  const std::string &text = program();
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
}

void BM_ParseAst(benchmark::State &state) { parseOnce(state, {}); }

void BM_ParseAstLLOnly(benchmark::State &state) {
  rasp::frontend::ParseOptions options;
  options.sllFirst = false;
  parseOnce(state, options);
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
BENCHMARK(BM_ParseAst)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_ParseAstLLOnly)->Unit(benchmark::kMillisecond);

BENCHMARK_MAIN();
