// The language server's speed (targets: at most 50 ms per change while
// typing in a 200-line file; diagnostics of a 2,000-line file in under
// 200 ms).
//
// A change costs what `rasp lsp` does on didChange: the whole document
// analysed again (parse, with recovery when it does not parse; elaboration
// with the library; the name index) and its diagnostics made into JSON.
//   * BM_TypingIn200Lines: the 200-line file with one character missing, at
//     every position in turn, so most states are mid-edit and many have
//     syntax errors (the recovery parses are in the time);
//   * BM_TypingFromScratch: every prefix of the 200-line file in turn, as
//     the replay test types it;
//   * BM_ReplayExamples: every prefix of every example and library file,
//     as the replay test (tests/lsp/replay.py) types them; the files are
//     at most 83 lines, so this is the cost of the repository's own code;
//   * BM_Diagnostics2000Lines: the 2,000-line file, clean, with a syntax
//     error in its middle, and with a function never closed near its top
//     (the recovery's worst case: the rest of the file never parses);
//   * BM_ServerSession200Lines: the whole server, framing and JSON included,
//     over 200 didChange messages; the time per change is the counter
//     `per_change`.
#include "compiler/lsp/Document.h"
#include "compiler/lsp/Features.h"
#include "compiler/lsp/Server.h"

#include "llvm/Support/JSON.h"
#include "llvm/Support/raw_ostream.h"

#include <benchmark/benchmark.h>

#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>

namespace {

using namespace rasp;

/// `lines` lines of RASP in the style of the paper's programs: functions,
/// selectors, aggregates, selector widths, maps, lists and comments.
std::string generateProgram(int lines) {
  std::string text = "# example: \"hello\"\n";
  int count = 1;
  for (int i = 0; count < lines; ++i) {
    std::string n = std::to_string(i);
    text += "# block " + n +
            ": a histogram, a reverse and a sort\n"
            "def hist_" +
            n +
            "(seq) {\n"
            "  same = select(seq, seq, ==);\n"
            "  return selector_width(same);\n"
            "}\n"
            "counts_" +
            n + " = hist_" + n +
            "(tokens);\n"
            "flip_" +
            n +
            " = select(indices, length - indices - 1, ==);\n"
            "rev_" +
            n + " = aggregate(flip_" + n +
            ", tokens);\n"
            "smaller_" +
            n +
            " = select(tokens, tokens, <);\n"
            "rank_" +
            n + " = selector_width(smaller_" + n + ") + " + n +
            " % 3;\n"
            "vals_" +
            n + " = [x * 2 for x in range(" + std::to_string(i % 7 + 1) + ")];\n";
    count += 11;
  }
  return text;
}

const std::string &program(int lines) {
  static std::map<int, std::string> cache;
  auto [it, added] = cache.try_emplace(lines);
  if (added)
    it->second = generateProgram(lines);
  return it->second;
}

lsp::DocumentOptions documentOptions() {
  static lsp::ExternalNames stdlib;
  static lsp::DocumentOptions options;
  static bool ready = false;
  if (!ready) {
    llvm::raw_null_ostream quiet;
    DiagnosticEngine diags(&quiet);
    options.elaborate = lsp::ServerOptions::defaults().elaborate;
    lsp::collectFileNames(diags, options.elaborate.stdlibPath, "the standard library",
                          options.elaborate.searchPath, stdlib);
    options.stdlib = &stdlib;
    ready = true;
  }
  return options;
}

/// What didChange does with a text.
size_t change(const std::string &text, const lsp::DocumentOptions &options,
              const std::string &path = "/bench.rasp") {
  std::unique_ptr<lsp::Document> doc =
      lsp::analyzeDocument(lsp::pathToUri(path), path, text, options);
  std::string json;
  llvm::raw_string_ostream os(json);
  os << lsp::diagnosticsJson(*doc);
  return os.str().size();
}

void BM_TypingIn200Lines(benchmark::State &state) {
  const std::string &text = program(200);
  lsp::DocumentOptions options = documentOptions();
  size_t at = 0;
  for (auto _ : state) {
    std::string edited = text.substr(0, at) + text.substr(at + 1);
    benchmark::DoNotOptimize(change(edited, options));
    at = (at + 37) % text.size(); // Every position, in a scattered order.
  }
}

void BM_TypingFromScratch(benchmark::State &state) {
  const std::string &text = program(200);
  lsp::DocumentOptions options = documentOptions();
  size_t length = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(change(text.substr(0, length), options));
    length = (length + 41) % (text.size() + 1);
  }
}

void BM_ReplayExamples(benchmark::State &state) {
  // Each file at its own path, so that its loads find what they load.
  static std::vector<std::string> paths;
  static const std::vector<std::string> texts = [] {
    std::vector<std::string> all;
    for (const char *name :
         {"examples/bos.rasp", "examples/double_histogram.rasp", "examples/dyck.rasp",
          "examples/histogram.rasp", "examples/long_addition.rasp", "examples/most_freq.rasp",
          "examples/reverse.rasp", "examples/sort.rasp", "stdlib/rasplib.rasp"}) {
      paths.push_back(std::string(RASP_SOURCE_DIR) + "/" + name);
      std::ifstream in(paths.back());
      std::stringstream text;
      text << in.rdbuf();
      all.push_back(text.str());
    }
    return all;
  }();
  lsp::DocumentOptions options = documentOptions();
  size_t file = 0, length = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(change(texts[file].substr(0, length), options, paths[file]));
    length += 7; // Every 7th prefix, so that each file is reached soon.
    if (length > texts[file].size()) {
      length = 0;
      file = (file + 1) % texts.size();
    }
  }
}

void BM_Diagnostics2000Lines(benchmark::State &state) {
  std::string text = program(2000);
  if (state.range(0) == 1) // A syntax error in the middle.
    text.insert(text.size() / 2, "oops = 1 +;\n");
  if (state.range(0) == 2) // A function never closed, near the top.
    text.insert(text.find("\n", text.size() / 20) + 1, "def open(x) {\n  y = x;\n");
  lsp::DocumentOptions options = documentOptions();
  for (auto _ : state)
    benchmark::DoNotOptimize(change(text, options));
  const char *labels[] = {"clean", "with a syntax error", "with a def never closed"};
  state.SetLabel(labels[state.range(0)]);
}

void BM_ServerSession200Lines(benchmark::State &state) {
  const std::string &text = program(200);
  const int changes = 200;
  std::string session = lsp::frameMessage(llvm::json::Object{
      {"jsonrpc", "2.0"}, {"id", 1}, {"method", "initialize"}, {"params", llvm::json::Object{}}});
  session += lsp::frameMessage(llvm::json::Object{
      {"jsonrpc", "2.0"},
      {"method", "textDocument/didOpen"},
      {"params", llvm::json::Object{{"textDocument", llvm::json::Object{{"uri", "file:///b.rasp"},
                                                                        {"text", text}}}}}});
  for (int i = 0; i < changes; ++i) {
    size_t at = (static_cast<size_t>(i) * 997) % text.size();
    session += lsp::frameMessage(llvm::json::Object{
        {"jsonrpc", "2.0"},
        {"method", "textDocument/didChange"},
        {"params",
         llvm::json::Object{
             {"textDocument", llvm::json::Object{{"uri", "file:///b.rasp"}, {"version", i}}},
             {"contentChanges", llvm::json::Array{llvm::json::Object{
                                    {"text", text.substr(0, at) + text.substr(at + 1)}}}}}}});
  }
  session += lsp::frameMessage(llvm::json::Object{{"jsonrpc", "2.0"}, {"method", "exit"}});
  for (auto _ : state) {
    std::FILE *in = fmemopen(session.data(), session.size(), "r");
    llvm::raw_null_ostream out;
    benchmark::DoNotOptimize(lsp::runServer(in, out, nullptr));
    std::fclose(in);
  }
  state.counters["per_change"] = benchmark::Counter(static_cast<double>(changes),
                                                    benchmark::Counter::kIsIterationInvariantRate |
                                                        benchmark::Counter::kInvert);
}

} // namespace

BENCHMARK(BM_TypingIn200Lines)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_TypingFromScratch)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_ReplayExamples)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Diagnostics2000Lines)->Arg(0)->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_ServerSession200Lines)->Unit(benchmark::kMillisecond);

BENCHMARK_MAIN();
