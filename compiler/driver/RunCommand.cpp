// `rasp run`: evaluates s-ops of a RASP file on one input, with the reference
// evaluator or a compiled model (--backend cpu, or cuda on an NVIDIA GPU).
#include "compiler/driver/Commands.h"
#include "compiler/driver/ModelCommands.h"
#include "compiler/driver/Support.h"

#include "compiler/eval/Evaluate.h"
#include "compiler/lang/Display.h"
#include "compiler/support/Diagnostics.h"

#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/raw_ostream.h"

#include <boost/program_options.hpp>

#include <iostream>
#include <map>
#include <optional>

using namespace rasp;
using namespace rasp::driver;
namespace po = boost::program_options;

// The command reads as its phases: parse the options, load the program and
// choose the s-ops, read the inputs, compile the s-ops (--backend cpu|cuda), then
// for each input run each s-op on the interpreter or the compiled model and
// print.
namespace {

const char *const RunUsage =
    "usage: rasp run FILE --sop NAME [--sop NAME]... (--input LIT | --input-file PATH)\n"
    "                [--json] [--backend interp|cpu|cuda --vocab V --max-len N [--trace]]\n\n"
    "Runs a RASP file, then evaluates the named s-ops (or selectors) on the\n"
    "input with the reference evaluator and prints NAME(INPUT) = VALUE,\n"
    "as the original REPL shows values. LIT is a RASP literal: a string\n"
    "('\"hello\"', a sequence of characters) or a list ('[3, 1, 2]').\n"
    "--input-file reads the inputs from a file, one literal a line, and runs\n"
    "each in turn. With --backend cpu, each s-op (not a selector) is compiled\n"
    "for the vocabulary and max_len, and the model runs on the CPU instead\n"
    "(--backend cuda: on an NVIDIA GPU);\n"
    "--trace prints the residual stream after each layer, decoded into the\n"
    "s-ops it holds. `rasp run --model DIR` runs an exported model instead\n"
    "(rasp run --model --help).\n";

po::options_description runOptions() {
  po::options_description options("options");
  options.add_options()("file", po::value<std::string>()->required(),
                        "a RASP file")("sop", po::value<std::vector<std::string>>()->required(),
                                       "an s-op or selector to evaluate (repeatable)")(
      "input", po::value<std::string>(),
      "the input, a RASP literal")("input-file", po::value<std::string>(),
                                   "a file of inputs, one RASP literal a line ('-': stdin)")(
      "json", po::bool_switch(),
      "print JSON: {\"input\": ..., \"outputs\": "
      "{NAME: {\"type\": ..., \"values\": [...]}}} (with --input-file, a list of them)")(
      "backend", po::value<std::string>()->default_value("interp"),
      "interp (the reference evaluator), cpu or cuda (the compiled model on the CPU or "
      "an NVIDIA GPU)")("vocab", po::value<std::string>(),
                        "with --backend cpu|cuda: the vocabulary, a RASP list")(
      "max-len", maxLenValue(), "with --backend cpu|cuda: the longest input (1..4096)")(
      "trace", po::bool_switch(),
      "with --backend cpu|cuda: print every s-op's block, decoded, after each "
      "layer");
  return options;
}

/// What `rasp run` is asked to do, its usage checked.
struct RunRequest {
  std::string file, backend, vocab;
  /// Exactly one of them.
  std::optional<std::string> input, inputFile;
  std::vector<std::string> sops;
  int64_t maxLen = 0;
  bool json = false, trace = false;

  /// Whether the s-ops run as compiled models (--backend cpu or cuda).
  bool compiled() const { return backend == "cpu" || backend == "cuda"; }
};

/// Phase 1: the command line. Nothing when the command ends here, with
/// `exit` set (ExitUsage, or ExitOk after --help).
std::optional<RunRequest> parseRunRequest(const std::vector<std::string> &args, int &exit) {
  auto vm = parseArgs(args, RunUsage, runOptions(), 1, exit);
  if (!vm)
    return std::nullopt;
  auto optional = [&](const char *name) {
    return vm->count(name) ? std::optional<std::string>((*vm)[name].as<std::string>())
                           : std::nullopt;
  };
  RunRequest request{(*vm)["file"].as<std::string>(),
                     (*vm)["backend"].as<std::string>(),
                     optional("vocab").value_or(""),
                     optional("input"),
                     optional("input-file"),
                     (*vm)["sop"].as<std::vector<std::string>>(),
                     vm->count("max-len") ? (*vm)["max-len"].as<int64_t>() : 0,
                     (*vm)["json"].as<bool>(),
                     (*vm)["trace"].as<bool>()};
  std::string error;
  if (request.backend != "interp" && !request.compiled())
    error = "--backend must be interp, cpu or cuda, not '" + request.backend + "'";
  else if (request.compiled() && (!vm->count("vocab") || !vm->count("max-len")))
    error = "--backend " + request.backend + " needs --vocab and --max-len";
  else if (request.input.has_value() == request.inputFile.has_value())
    error = "give the input with --input or with --input-file (one of them)";
  if (error.empty())
    return request;
  std::cerr << "rasp: error: " << error << "\n\n" << RunUsage;
  exit = ExitUsage;
  return std::nullopt;
}

/// The program run and the s-ops (or selectors) to evaluate; with
/// --backend cpu or cuda, each s-op compiled, and the backend that runs them.
struct LoadedRun {
  LoadedProgram program;
  std::vector<std::pair<std::string, const graph::Node *>> sops;
  std::map<std::string, codegen::CompiledProgram> models;
  std::unique_ptr<runtime::Backend> backend;
};

/// Phase 2: loads the program; nothing if it fails. A name that is no
/// s-op, or a selector for a compiled model (which computes s-ops
/// only), is reported and left out.
std::optional<LoadedRun> loadRun(const RunRequest &request, DiagnosticEngine &diags) {
  std::optional<LoadedProgram> program = loadProgram(diags, request.file);
  if (!program)
    return std::nullopt;
  LoadedRun run;
  // A name the file means to define may be missing only because of its
  // errors: those are the report, not "nothing named".
  bool fileErrors = diags.errorCount() > 0;
  for (const std::string &name : request.sops) {
    if (fileErrors && !program->scope->find(name))
      continue;
    const graph::Node *node = findNode(*program->scope, name, diags, true);
    if (node && request.compiled() && node->isSelector())
      diags.error("'" + name + "' is a selector; --backend " + request.backend +
                  " runs a compiled "
                  "model, which computes s-ops, not selectors (--backend "
                  "interp prints its matrix)");
    else if (node)
      run.sops.emplace_back(name, node);
  }
  run.program = std::move(*program);
  return run;
}

/// Phase 3: the inputs, from --input or --input-file.
std::optional<std::vector<Literal>> readInputs(const RunRequest &request, DiagnosticEngine &diags) {
  if (request.input)
    return std::vector<Literal>{{"--input", *request.input}};
  return readLiterals(diags, *request.inputFile);
}

/// Phase 4 (--backend cpu|cuda): compiles each s-op once, for all the inputs; an
/// s-op that does not compile is reported and left out.
void compileModels(const RunRequest &request, LoadedRun &run, DiagnosticEngine &diags) {
  std::vector<std::pair<std::string, const graph::Node *>> compiled;
  for (const auto &[name, node] : run.sops)
    if (std::optional<codegen::CompiledProgram> model =
            compileNamed(diags, run.program, name, request.vocab, request.maxLen, nullptr)) {
      run.models.emplace(name, std::move(*model));
      compiled.emplace_back(name, node);
    }
  run.sops = std::move(compiled);
}

/// An s-op's values, or (from the interpreter only) a selector's matrix.
struct RunOutput {
  std::optional<eval::Sequence> sequence;
  const eval::SelectorMatrix *matrix = nullptr;
};

/// Phase 6: the s-op on the reference evaluator, or its compiled model on
/// the backend; an evaluation error is reported, with a note at the s-op.
std::optional<RunOutput> runOne(const LoadedRun &run, const Input &input,
                                eval::Evaluator &evaluator, const std::string &name,
                                const graph::Node *node, bool trace, DiagnosticEngine &diags) {
  try {
    auto model = run.models.find(name);
    if (model != run.models.end()) {
      std::optional<eval::Sequence> sequence =
          runModel(diags, model->second, *run.backend, input.atoms, input.loc, trace);
      if (!sequence)
        return std::nullopt;
      return RunOutput{std::move(sequence), nullptr};
    }
    if (node->isSelector())
      return RunOutput{std::nullopt, &evaluator.selector(node)};
    return RunOutput{evaluator.sequence(node), nullptr};
  } catch (const eval::EvalError &e) {
    diags.error(e.loc.isValid() ? e.loc : input.loc, e.message);
    if (node->loc.isValid())
      diags.note(node->loc, "while evaluating '" + name + "' on " + lang::inputText(input.value));
    return std::nullopt;
  }
}

llvm::json::Value outputJson(const RunOutput &output, size_t length) {
  if (output.matrix) {
    llvm::json::Array rows;
    for (size_t q = 0; q < length; ++q) {
      llvm::json::Array row;
      for (size_t k = 0; k < length; ++k)
        row.push_back(output.matrix->get(q, k));
      rows.push_back(std::move(row));
    }
    return llvm::json::Object{{"type", "selector"}, {"matrix", std::move(rows)}};
  }
  llvm::json::Array values;
  for (const Atom &atom : output.sequence->values)
    values.push_back(atomJson(atom));
  return llvm::json::Object{{"type", eval::seqTypeName(output.sequence->type)},
                            {"values", std::move(values)}};
}

/// Phase 7: NAME(INPUT) = VALUE as the original REPL shows it (a selector
/// as its matrix), or, for --json, the output kept for the input's object.
/// Flushed, so that an error about a later input comes after it.
void printOutput(const std::string &name, const RunOutput &output, const Input &input, bool json,
                 llvm::json::Object &outputs) {
  if (json) {
    outputs[name] = outputJson(output, input.atoms.size());
    return;
  }
  llvm::outs() << name << "(" << lang::inputText(input.value) << ") =";
  if (output.sequence) {
    llvm::outs() << " " << lang::sequenceText(*output.sequence) << "\n";
  } else {
    llvm::outs() << "\n";
    for (const std::string &line : lang::selectorLines(*output.matrix, input.atoms))
      llvm::outs() << line << "\n";
  }
  llvm::outs().flush();
}

/// Phase 5, the input evaluated (parseInputLiteral), then phases 6 and 7
/// for each s-op; the input's JSON object (for --json), or nothing if the
/// input itself fails.
std::optional<llvm::json::Object> runInput(const RunRequest &request, const LoadedRun &run,
                                           const Literal &literal, DiagnosticEngine &diags) {
  std::optional<Input> input = parseInputLiteral(*run.program.elaborator, diags, literal);
  if (!input)
    return std::nullopt;
  eval::Evaluator evaluator(input->atoms);
  llvm::json::Object outputs;
  for (const auto &[name, node] : run.sops)
    if (std::optional<RunOutput> output =
            runOne(run, *input, evaluator, name, node, request.trace, diags))
      printOutput(name, *output, *input, request.json, outputs);
  return llvm::json::Object{{"input", inputJson(input->value, input->atoms)},
                            {"outputs", std::move(outputs)}};
}

} // namespace

int driver::runCommand(const std::vector<std::string> &args) {
  if (hasModelOption(args))
    return runExportedCommand(args);
  int exit = ExitOk;
  std::optional<RunRequest> request = parseRunRequest(args, exit);
  if (!request)
    return exit;
  DiagnosticEngine diags;
  std::optional<LoadedRun> run = loadRun(*request, diags);
  if (!run)
    return ExitProgramError;
  std::optional<std::vector<Literal>> inputs = readInputs(*request, diags);
  if (!inputs)
    return ExitProgramError;
  if (request->compiled()) {
    run->backend = makeBackend(diags, request->backend, runtime::PrecisionKind::Float32);
    if (!run->backend)
      return ExitProgramError;
    compileModels(*request, *run, diags);
  }
  llvm::json::Array results;
  for (const Literal &literal : *inputs)
    if (std::optional<llvm::json::Object> result = runInput(*request, *run, literal, diags))
      results.push_back(std::move(*result));
  if (request->json && (request->inputFile || !results.empty())) {
    llvm::json::Value printed =
        request->inputFile ? llvm::json::Value(std::move(results)) : std::move(results[0]);
    llvm::outs() << llvm::formatv("{0:2}", printed) << "\n";
  }
  return diags.errorCount() ? ExitProgramError : ExitOk;
}
