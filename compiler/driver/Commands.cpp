// The subcommands: option parsing with Boost.Program_options, then one library
// call each.
#include "compiler/driver/Commands.h"
#include "compiler/driver/ModelCommands.h"
#include "compiler/driver/Support.h"

#include "compiler/analysis/Analyze.h"
#include "compiler/analysis/Draw.h"
#include "compiler/analysis/Report.h"
#include "compiler/frontend/AstDump.h"
#include "compiler/frontend/Parse.h"
#include "compiler/lang/Elaborate.h"
#include "compiler/repl/Repl.h"
#include "compiler/support/Diagnostics.h"

#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

#include <boost/program_options.hpp>

#include <algorithm>
#include <cstdlib>
#include <iostream>

#include <editline/readline.h>
#include <unistd.h>

using namespace rasp;
using namespace rasp::driver;
namespace po = boost::program_options;

namespace {

int checkCommand(const std::vector<std::string> &args) {
  const char *usage = "usage: rasp check [--error-limit N] FILE...\n\n"
                      "Parses and checks RASP files and prints their diagnostics, the first N\n"
                      "errors (default 100; 0: all). Exits with 1 if any file has an error,\n"
                      "0 otherwise. FILE '-' reads stdin.\n";
  po::options_description options("options");
  options.add_options()("file", po::value<std::vector<std::string>>()->required(),
                        "a RASP file")("error-limit", po::value<int64_t>()->default_value(100),
                                       "print at most this many errors (0: all)");
  int exit = ExitOk;
  auto vm = parseArgs(args, usage, options, -1, exit);
  if (!vm)
    return exit;
  int64_t limit = (*vm)["error-limit"].as<int64_t>();
  if (limit < 0 || limit > 1000000000) {
    std::cerr << "rasp: error: --error-limit must be 0 (all) to 10^9, not " << limit << "\n\n"
              << usage;
    return ExitUsage;
  }
  DiagnosticEngine diags;
  diags.setErrorLimit(static_cast<unsigned>(limit));
  std::unique_ptr<lang::Elaborator> elaborator = makeElaborator(diags);
  if (!elaborator)
    return ExitProgramError;
  for (const std::string &path : (*vm)["file"].as<std::vector<std::string>>())
    runProgram(*elaborator, diags, path);
  return diags.errorCount() ? ExitProgramError : ExitOk;
}

/// The next line of `in` without its line break, or nothing at the end of
/// the input or once `left` bytes have been read (`left` is then 0).
std::optional<std::string> readLine(std::istream &in, uint64_t &left) {
  std::string text;
  std::streambuf *buffer = in.rdbuf();
  for (bool any = false;; any = true) {
    int c = buffer->sbumpc();
    if (c == std::char_traits<char>::eof())
      return any ? std::optional<std::string>(text) : std::nullopt;
    if (left == 0)
      return std::nullopt;
    --left;
    if (c == '\n')
      return text;
    text += static_cast<char>(c);
  }
}

int replCommand(const std::vector<std::string> &args) {
  const char *usage = "usage: rasp repl [FILE...]\n\n"
                      "The RASP read-eval-print loop, compatible with the original's commands\n"
                      "and display. FILEs are loaded first. With a terminal, lines can be\n"
                      "edited and recalled; a transcript can also be piped in.\n";
  po::options_description options("options");
  options.add_options()("file", po::value<std::vector<std::string>>(), "a RASP file to load");
  int exit = ExitOk;
  auto vm = parseArgs(args, usage, options, -1, exit);
  if (!vm)
    return exit;
  DiagnosticEngine diags(&llvm::outs());
  std::unique_ptr<lang::Elaborator> elaborator = makeElaborator(diags);
  if (!elaborator)
    return ExitProgramError;
  lang::ReplOptions replOptions;
  if (vm->count("file"))
    replOptions.preload = (*vm)["file"].as<std::vector<std::string>>();
  bool terminal = isatty(STDIN_FILENO);
  replOptions.echoPrompts = !terminal;
  lang::LineReader read;
  bool tooLong = false;
  if (terminal) {
    read = [](const std::string &prompt) -> std::optional<std::string> {
      llvm::outs().flush();
      char *line = readline(prompt.c_str());
      if (!line)
        return std::nullopt;
      std::string text(line);
      std::free(line);
      if (!text.empty())
        add_history(text.c_str());
      return text;
    };
  } else {
    read = [&diags, &tooLong, left = MaxSourceBytes](const std::string &) mutable {
      std::optional<std::string> line = readLine(std::cin, left);
      if (!line && left == 0) {
        diags.error("cannot read standard input: more than the limit of " +
                    std::to_string(MaxSourceBytes >> 20) + " MiB");
        tooLong = true;
      }
      return line;
    };
  }
  int status = lang::runRepl(*elaborator, diags, read, llvm::outs(), replOptions);
  return tooLong ? ExitProgramError : status;
}

int analyzeCommand(const std::vector<std::string> &args) {
  const char *usage = "usage: rasp analyze FILE [--sop NAME]... [--json]\n\n"
                      "Reports how many transformer layers and heads each s-op needs, by the\n"
                      "rules of the paper and the original implementation, and which heads "
                      "and\n"
                      "feed-forward s-ops each layer holds. Without --sop: every s-op the "
                      "file\n"
                      "defines at top level.\n";
  po::options_description options("options");
  options.add_options()("file", po::value<std::string>()->required(), "a RASP file")(
      "sop", po::value<std::vector<std::string>>(), "an s-op to analyse (repeatable)")(
      "json", po::bool_switch(), "print JSON (schema in docs/cli.md)");
  int exit = ExitOk;
  auto vm = parseArgs(args, usage, options, 1, exit);
  if (!vm)
    return exit;
  DiagnosticEngine diags;
  std::optional<LoadedProgram> program = loadProgram(diags, (*vm)["file"].as<std::string>());
  if (!program)
    return ExitProgramError;
  const std::shared_ptr<lang::Env> &scope = program->scope;
  std::vector<std::pair<std::string, const graph::Node *>> targets;
  if (vm->count("sop")) {
    for (const std::string &name : (*vm)["sop"].as<std::vector<std::string>>())
      if (const graph::Node *node = findNode(*scope, name, diags, false))
        targets.push_back({name, node});
  } else {
    for (const auto &[name, value] : scope->vars)
      if (value.isSOp() && name != "out")
        targets.push_back({name, value.node()});
    std::sort(targets.begin(), targets.end(), [](const auto &a, const auto &b) {
      return std::make_pair(a.second->id, a.first) < std::make_pair(b.second->id, b.first);
    });
  }
  bool json = (*vm)["json"].as<bool>();
  llvm::json::Array reports;
  for (const auto &[name, node] : targets) {
    analysis::Analysis result = analysis::analyze(node);
    if (json)
      reports.push_back(analysis::reportJson(name, result, diags));
    else
      analysis::printReport(name, result, diags, llvm::outs());
  }
  if (json)
    llvm::outs() << llvm::formatv("{0:2}", llvm::json::Value(
                                               llvm::json::Object{{"sops", std::move(reports)}}))
                 << "\n";
  return diags.errorCount() ? ExitProgramError : ExitOk;
}

/// Throws the usage error for a draw -o that writeDrawing cannot write.
void checkOutput(const std::string &path) {
  if (!analysis::isDrawingPath(path))
    throw po::error("cannot draw to '" + path +
                    "': the file must end in .dot, .gv, .svg, .png or .pdf");
}

int drawCommand(const std::vector<std::string> &args) {
  const char *usage = "usage: rasp draw FILE --sop NAME [--input LIT] [-o "
                      "OUT.dot|OUT.svg|OUT.png|OUT.pdf]\n\n"
                      "Draws the computation flow of an s-op as Graphviz: one cluster per "
                      "layer,\n"
                      "with its attention heads (their selectors' matrices) and its MLP, "
                      "every\n"
                      "s-op showing its value on the input (default \"hello\"). Without -o "
                      "the\n"
                      "DOT text goes to stdout; .svg, .png and .pdf are rendered with dot.\n";
  po::options_description options("options");
  options.add_options()("file", po::value<std::string>()->required(), "a RASP file")(
      "sop", po::value<std::string>()->required(),
      "the s-op to draw")("input", po::value<std::string>()->default_value("\"hello\""),
                          "the example input, a RASP literal")(
      "output,o", po::value<std::string>()->notifier(&checkOutput), "the file to write");
  int exit = ExitOk;
  auto vm = parseArgs(args, usage, options, 1, exit);
  if (!vm)
    return exit;
  DiagnosticEngine diags;
  std::optional<LoadedProgram> program = loadProgram(diags, (*vm)["file"].as<std::string>());
  if (!program)
    return ExitProgramError;
  std::string name = (*vm)["sop"].as<std::string>();
  const graph::Node *node = findNode(*program->scope, name, diags, false);
  if (!node)
    return ExitProgramError;
  std::optional<Input> input =
      parseInputLiteral(*program->elaborator, diags, {"--input", (*vm)["input"].as<std::string>()});
  if (!input)
    return ExitProgramError;
  std::string dot;
  try {
    eval::Evaluator evaluator(input->atoms);
    llvm::raw_string_ostream text(dot);
    analysis::drawDot(name, analysis::analyze(node), evaluator, text);
  } catch (const lang::LangError &e) {
    diags.error(e.loc, e.message);
    return ExitProgramError;
  } catch (const eval::EvalError &e) {
    diags.error(e.loc.isValid() ? e.loc : input->loc, e.message);
    return ExitProgramError;
  }
  if (!vm->count("output")) {
    llvm::outs() << dot;
    return diags.errorCount() ? ExitProgramError : ExitOk;
  }
  analysis::DrawingResult written =
      analysis::writeDrawing(dot, (*vm)["output"].as<std::string>(), /*dotFallback=*/false);
  if (!written.ok) {
    diags.error(written.message);
    return ExitProgramError;
  }
  if (!written.message.empty())
    llvm::errs() << "rasp: note: " << written.message << "\n";
  return diags.errorCount() ? ExitProgramError : ExitOk;
}

int parseCommand(const std::vector<std::string> &args) {
  const char *usage = "usage: rasp parse FILE [--emit=ast]\n"
                      "       rasp parse FILE --emit=graph --sop NAME\n\n"
                      "Prints the output of a stage: ast, the typed syntax tree with source\n"
                      "ranges; graph, the RASP graph (IR 1) below the s-op or selector NAME,\n"
                      "one node per line, inputs first. FILE '-' reads stdin.\n";
  po::options_description options("options");
  options.add_options()("file", po::value<std::string>()->required(), "a RASP file")(
      "emit", po::value<std::string>()->default_value("ast"), "what to print: ast or graph")(
      "sop", po::value<std::string>(), "with --emit=graph: the s-op or selector");
  int exit = ExitOk;
  auto vm = parseArgs(args, usage, options, 1, exit);
  if (!vm)
    return exit;
  std::string emit = (*vm)["emit"].as<std::string>();
  if ((emit != "ast" && emit != "graph") || (emit == "graph") != vm->count("sop")) {
    std::cerr << "rasp: error: "
              << (emit != "ast" && emit != "graph"
                      ? "unknown --emit value '" + emit + "' (expected: ast or graph)"
                      : std::string("--sop goes with --emit=graph, and only with it"))
              << "\n\n"
              << usage;
    return ExitUsage;
  }
  DiagnosticEngine diags;
  if (emit == "graph") {
    std::optional<LoadedProgram> program = loadProgram(diags, (*vm)["file"].as<std::string>());
    if (!program)
      return ExitProgramError;
    const graph::Node *node =
        findNode(*program->scope, (*vm)["sop"].as<std::string>(), diags, true);
    if (!node)
      return ExitProgramError;
    graph::dumpGraph(node, llvm::outs(), [&](SourceLoc loc) {
      if (!loc.isValid())
        return std::string("built-in");
      return llvm::sys::path::filename(diags.fileName(loc.file)).str() + ":" +
             std::to_string(loc.line) + ":" + std::to_string(loc.col);
    });
    return diags.errorCount() ? ExitProgramError : ExitOk;
  }
  std::optional<FileId> file = loadSource(diags, (*vm)["file"].as<std::string>());
  if (!file)
    return ExitProgramError;
  frontend::ParseResult result = frontend::parseProgram(diags, *file);
  if (!result.program)
    return ExitProgramError;
  frontend::dumpAst(*result.program, diags, llvm::outs());
  return ExitOk;
}

} // namespace

const std::vector<Command> &rasp::driver::commands() {
  static const std::vector<Command> all = {
      {"analyze", "layers and heads each s-op needs", analyzeCommand},
      {"check", "parse and check RASP files; print their diagnostics", checkCommand},
      {"compare", "a compiled s-op's size next to trained models' configs", compareCommand},
      {"compile", "compile an s-op to transformer weights; print the report", compileCommand},
      {"draw", "the computation flow of an s-op, as Graphviz", drawCommand},
      {"generate", "decode autoregressively with a step program", generateCommand},
      {"inspect", "the summary of an exported model, without running it", inspectCommand},
      {"lsp", "the language server (LSP over stdio) for editors", lspCommand},
      {"parse", "print a stage's output: the syntax tree or the RASP graph", parseCommand},
      {"repl", "the interactive read-eval-print loop", replCommand},
      {"run", "evaluate s-ops of a RASP file on an input", runCommand},
      {"verify", "compare a compiled model with the reference evaluator", verifyCommand},
  };
  return all;
}
