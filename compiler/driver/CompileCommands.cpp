// The subcommands that compile to weights: compile, verify (and the helper
// `run --backend cpu` uses).
#include "compiler/driver/Commands.h"
#include "compiler/driver/ModelCommands.h"
#include "compiler/driver/Progress.h"
#include "compiler/driver/Support.h"

#include "compiler/analysis/Analyze.h"
#include "compiler/codegen/Pipeline.h"
#include "compiler/codegen/Verify.h"
#include "compiler/eval/Evaluate.h"

#include "llvm/Support/Format.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/raw_ostream.h"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <iostream>

using namespace rasp;
using namespace rasp::driver;
namespace po = boost::program_options;

namespace {

/// A program and an s-op of it compiled, kept together: the s-op and the
/// value sets point into the program's graph.
struct CompiledFile {
  LoadedProgram program;
  const graph::Node *root = nullptr;
  codegen::CompiledProgram compiled;
};

/// Loads FILE and compiles --sop for --vocab and --max-len (the options of
/// compileOptions()); nothing after reporting an error.
std::optional<CompiledFile> compileFile(const po::variables_map &vm, DiagnosticEngine &diags) {
  std::optional<LoadedProgram> program = loadProgram(diags, vm["file"].as<std::string>());
  if (!program || diags.errorCount())
    return std::nullopt;
  CompiledFile file;
  std::optional<codegen::CompiledProgram> compiled =
      compileNamed(diags, *program, vm["sop"].as<std::string>(), vm["vocab"].as<std::string>(),
                   vm["max-len"].as<int64_t>(), &file.root, vm["max-params"].as<int64_t>());
  if (!compiled)
    return std::nullopt;
  file.program = std::move(*program);
  file.compiled = std::move(*compiled);
  return file;
}

/// FILE and its --sop, with the model exported in --model DIR (`verify
/// --model`); nothing after reporting an error.
std::optional<CompiledFile> loadExportedFile(const po::variables_map &vm, DiagnosticEngine &diags) {
  std::optional<LoadedProgram> program = loadProgram(diags, vm["file"].as<std::string>());
  if (!program || diags.errorCount())
    return std::nullopt;
  const graph::Node *root = findNode(*program->scope, vm["sop"].as<std::string>(), diags, false);
  if (!root)
    return std::nullopt;
  std::optional<codegen::CompiledProgram> model =
      loadExported(diags, vm["model"].as<std::string>());
  if (!model)
    return std::nullopt;
  CompiledFile file;
  file.program = std::move(*program);
  file.root = root;
  file.compiled = std::move(*model);
  return file;
}

/// The options of `verify --model DIR FILE --sop NAME`: the vocabulary and
/// max_len are the model's.
po::options_description exportedOptions() {
  po::options_description options("options");
  options.add_options()("file", po::value<std::string>()->required(), "a RASP file")(
      "sop", po::value<std::string>()->required(), "the s-op the model computes")(
      "model", po::value<std::string>()->required(),
      "the folder `rasp compile -o` wrote")("json", po::bool_switch(), "print JSON");
  return options;
}

/// `verify --samples` past this needs --max-samples: a million inputs at
/// max_len 4096 take hours.
constexpr int64_t DefaultMaxSamples = 1'000'000;

/// The usage error of a budget option that is not positive, or "".
std::string budgetError(const po::variables_map &vm) {
  int64_t maxParams = vm["max-params"].as<int64_t>();
  if (maxParams < 1)
    return "--max-params must be at least 1, not " + std::to_string(maxParams);
  return "";
}

po::options_description compileOptions() {
  po::options_description options("options");
  options.add_options()("file", po::value<std::string>()->required(), "a RASP file")(
      "sop", po::value<std::string>()->required(),
      "the s-op to compile")("vocab", po::value<std::string>()->required(),
                             "the vocabulary, a RASP list: '[\"a\",\"b\"]' or '[0,1,2]'")(
      "max-len", maxLenValue()->required(),
      "the longest input (1..4096)")("json", po::bool_switch(), "print JSON")(
      "max-params", po::value<int64_t>()->default_value(codegen::CompileOptions::DefaultMaxParams),
      "refuse a model of more dense parameters (4 bytes each)");
  return options;
}

/// Where a compile error about `node` is reported: where the program made
/// it, or, for a built-in s-op (tokens, indices), where it marked it
/// numerical or categorical; failing both, at the s-op compiled, `root`.
SourceLoc compileErrorLoc(const graph::Node *node, const graph::Node *root) {
  for (const graph::Node *candidate : {node, root})
    for (SourceLoc loc : {candidate->loc, candidate->encodingLoc})
      if (loc.isValid())
        return loc;
  return SourceLoc();
}

} // namespace

/// Loads, finds and compiles the s-op named in `vm`; nothing after
/// reporting an error.
std::optional<codegen::CompiledProgram>
driver::compileNamed(DiagnosticEngine &diags, const LoadedProgram &program, const std::string &name,
                     const std::string &vocabText, int64_t maxLen, const graph::Node **root,
                     int64_t maxParams) {
  assert(maxLen >= 1 && maxLen <= MaxMaxLen && "--max-len is checked as an option");
  // Errors reported before (`run` compiles one s-op after another) are not
  // this vocabulary's.
  unsigned errorsBefore = diags.errorCount();
  std::optional<std::vector<Atom>> vocab = parseVocab(*program.elaborator, diags, vocabText);
  if (!vocab || diags.errorCount() > errorsBefore)
    return std::nullopt;
  const graph::Node *node = findNode(*program.scope, name, diags, false);
  if (!node)
    return std::nullopt;
  if (root)
    *root = node;
  try {
    codegen::CompileOptions options{*vocab, maxLen};
    options.maxParams = maxParams;
    return codegen::compileProgram(node, options);
  } catch (const codegen::CompileError &e) {
    std::string message = e.message;
    if (e.sizeLimit) {
      // Which lower max_len compiles, when that is quick to find.
      codegen::CompileOptions options{*vocab, maxLen};
      options.maxParams = maxParams;
      codegen::LowerMaxLen lower = codegen::largestCompilingMaxLen(node, options, 3000);
      if (lower.compiles)
        message += " (max_len " + std::to_string(*lower.compiles) + " compiles)";
    }
    diags.error(compileErrorLoc(e.node ? e.node : node, node), message);
  }
  return std::nullopt;
}

namespace {

void printWeights(const runtime::Model &model, llvm::raw_ostream &out) {
  for (const auto &[name, m] : model.namedTensors()) {
    if (m->rows * m->cols == 0)
      continue;
    // Embedding rows are token ids and positions, W_O and W2 rows are head
    // and hidden dimensions; every d_model axis is a residual dimension.
    bool rowsAreResidual =
        m->rows == model.config.dModel && name.find("embedding") == std::string::npos &&
        name.find("W_O") == std::string::npos && name.find("W2") == std::string::npos;
    bool colsAreResidual = !rowsAreResidual && m->cols == model.config.dModel;
    out << name << " " << m->rows << "x" << m->cols << ", " << m->nonzeros() << " nonzero\n";
    for (int64_t r = 0; r < m->rows; ++r)
      for (int64_t c = 0; c < m->cols; ++c) {
        float v = m->at(r, c);
        if (v == 0.0f)
          continue;
        out << "  " << (rowsAreResidual ? model.residualLabels[r] : std::to_string(r)) << " -> "
            << (colsAreResidual ? model.residualLabels[c] : std::to_string(c)) << ": "
            << llvm::format("%g", v) << "\n";
      }
  }
}

} // namespace

std::optional<runtime::TokenIds> driver::tokenIds(DiagnosticEngine &diags,
                                                  const codegen::CompiledProgram &compiled,
                                                  const std::vector<Atom> &input, SourceLoc loc) {
  const std::vector<Atom> &vocab = compiled.plan.vocab;
  int64_t maxLen = compiled.model.config.maxLen;
  if (static_cast<int64_t>(input.size()) > maxLen) {
    diags.error(loc, "the input has " + std::to_string(input.size()) +
                         " tokens, more than --max-len " + std::to_string(maxLen));
    return std::nullopt;
  }
  runtime::TokenIds ids;
  for (const Atom &atom : input) {
    std::optional<int64_t> id = vocabIndex(vocab, atom);
    if (!id) {
      diags.error(loc, "the input token " + atom.repr() + " is not in the vocabulary");
      return std::nullopt;
    }
    ids.push_back(*id);
  }
  return ids;
}

std::optional<int64_t> driver::vocabIndex(const std::vector<Atom> &vocab, const Atom &atom) {
  auto it = std::find_if(vocab.begin(), vocab.end(), [&](const Atom &v) {
    return v.equals(atom) && v.isString() == atom.isString();
  });
  if (it == vocab.end())
    return std::nullopt;
  return it - vocab.begin();
}

Atom driver::outputAtom(const codegen::ModelPlan &plan, const runtime::RunResult &result,
                        size_t position) {
  int64_t choice = result.choices[0][position];
  if (choice < 0 && plan.output.integral)
    return Atom::integer(static_cast<int64_t>(std::nearbyint(result.values[0][position])));
  if (choice < 0)
    return Atom::real(result.values[0][position]);
  return plan.output.values[choice];
}

std::optional<eval::Sequence> driver::runModel(DiagnosticEngine &diags,
                                               const codegen::CompiledProgram &compiled,
                                               const runtime::Backend &backend,
                                               const std::vector<Atom> &input, SourceLoc inputLoc,
                                               bool trace) {
  const codegen::ModelPlan &plan = compiled.plan;
  std::optional<runtime::TokenIds> ids = tokenIds(diags, compiled, input, inputLoc);
  if (!ids)
    return std::nullopt;
  runtime::RunResult result;
  try {
    result = backend.run(compiled.model, {*ids}, {trace})[0];
  } catch (const std::runtime_error &e) {
    diags.error(inputLoc, llvm::Twine("the ") + backend.name() + " backend failed: " + e.what());
    return std::nullopt;
  }
  for (size_t stage = 0; stage < result.residual.size(); ++stage) {
    llvm::outs() << (stage == 0 ? "embeddings" : "after layer " + std::to_string(stage)) << ":\n";
    for (const auto &[block, values] : compiled.model.decodeResidual(result.residual[stage])) {
      llvm::outs() << "  " << block << " = [";
      for (size_t i = 0; i < values.size(); ++i)
        llvm::outs() << (i ? ", " : "") << values[i];
      llvm::outs() << "]\n";
    }
  }
  eval::Sequence out;
  for (size_t p = 0; p < input.size(); ++p)
    out.values.push_back(outputAtom(plan, result, p));
  try {
    out.type = eval::typeSequence(out.values, SourceLoc());
  } catch (const eval::EvalError &e) {
    diags.error(inputLoc, "the compiled model's output cannot be shown: " + e.message);
    return std::nullopt;
  }
  return out;
}

llvm::json::Object driver::compileReportJson(const graph::Node *root,
                                             const codegen::CompiledProgram &compiled) {
  const runtime::Model &model = compiled.model;
  llvm::json::Array heads, hidden;
  for (const runtime::Layer &layer : model.layers) {
    heads.push_back(static_cast<int64_t>(layer.heads.size()));
    hidden.push_back(layer.mlp.w1.cols);
  }
  llvm::json::Array notes;
  for (const std::string &note : compiled.plan.notes)
    notes.push_back(note);
  return llvm::json::Object{{"sop", root->name},
                            {"max_len", model.config.maxLen},
                            {"vocab_size", static_cast<int64_t>(model.vocab.size())},
                            {"layers", static_cast<int64_t>(model.layers.size())},
                            {"analysis_layers", analysis::analyze(root).layerCount()},
                            {"heads_per_layer", std::move(heads)},
                            {"d_model", model.config.dModel},
                            {"mlp_hidden_per_layer", std::move(hidden)},
                            {"params_dense", model.parameters()},
                            {"params_nonzero", compiled.nonzeroParameters},
                            {"compile_ms", compiled.compileMs},
                            {"peak_memory_mib", compiled.peakMemoryMiB},
                            {"notes", std::move(notes)}};
}

int driver::compileCommand(const std::vector<std::string> &args) {
  const char *usage = "usage: rasp compile FILE --sop NAME --vocab V --max-len N [--json]\n"
                      "                    [--emit=report|values|plan|weights] [--max-params P]\n"
                      "                    [-o DIR]\n\n"
                      "Compiles an s-op into transformer weights that compute it exactly for\n"
                      "every input of length 1..N over the vocabulary, and prints the report:\n"
                      "layers, heads per layer, d_model, MLP hidden width per layer,\n"
                      "parameters (dense and nonzero), compile time and the process's peak\n"
                      "memory. --emit prints a stage instead: the value sets, the layer/head\n"
                      "plan, or the weights. A model of\n"
                      "more than P dense parameters (default 10^9) is refused. -o DIR also\n"
                      "exports the model: model.safetensors, config.json, residual.json and\n"
                      "report.json (docs/model-format.md).\n";
  po::options_description options = compileOptions();
  options.add_options()("emit", po::value<std::string>()->default_value("report"),
                        "report, values, plan or weights")("output,o", po::value<std::string>(),
                                                           "export the model into the folder DIR");
  int exit = ExitOk;
  auto vm = parseArgs(args, usage, options, 1, exit);
  if (!vm)
    return exit;
  std::string emit = (*vm)["emit"].as<std::string>();
  std::string error = budgetError(*vm);
  if (emit != "report" && emit != "values" && emit != "plan" && emit != "weights")
    error = "--emit must be report, values, plan or weights, not '" + emit + "'";
  if (!error.empty()) {
    std::cerr << "rasp: error: " << error << "\n\n" << usage;
    return ExitUsage;
  }
  DiagnosticEngine diags;
  std::optional<CompiledFile> file = compileFile(*vm, diags);
  if (!file)
    return ExitProgramError;
  const graph::Node *root = file->root;
  const codegen::CompiledProgram *compiled = &file->compiled;
  if (vm->count("output") && !exportCompiled(diags, (*vm)["output"].as<std::string>(), root,
                                             *compiled, (*vm)["file"].as<std::string>()))
    return ExitProgramError;
  if (emit == "values") {
    codegen::dumpValueSets(root, compiled->values, llvm::outs());
    return ExitOk;
  }
  if (emit == "plan") {
    codegen::dumpPlan(compiled->plan, llvm::outs());
    return ExitOk;
  }
  if (emit == "weights") {
    printWeights(compiled->model, llvm::outs());
    return ExitOk;
  }
  if ((*vm)["json"].as<bool>()) {
    llvm::outs() << llvm::formatv("{0:2}", llvm::json::Value(compileReportJson(root, *compiled)))
                 << "\n";
    return ExitOk;
  }
  const runtime::Model &model = compiled->model;
  std::vector<int64_t> heads, hidden;
  for (const runtime::Layer &layer : model.layers) {
    heads.push_back(static_cast<int64_t>(layer.heads.size()));
    hidden.push_back(layer.mlp.w1.cols);
  }
  int analysisLayers = analysis::analyze(root).layerCount();
  auto list = [](const std::vector<int64_t> &v) {
    std::string s;
    for (size_t i = 0; i < v.size(); ++i)
      s += (i ? ", " : "") + std::to_string(v[i]);
    return "[" + s + "]";
  };
  llvm::outs() << "compiled '" << root->name << "' for " << model.vocab.size()
               << " tokens, max_len " << model.config.maxLen << "\n"
               << "  layers:          " << model.layers.size() << " (analysis: " << analysisLayers
               << ")\n"
               << "  heads per layer: " << list(heads) << "\n"
               << "  d_model:         " << model.config.dModel << "\n"
               << "  MLP hidden:      " << list(hidden) << "\n"
               << "  parameters:      " << model.parameters() << " dense, "
               << compiled->nonzeroParameters << " nonzero\n"
               << "  compile time:    " << llvm::formatv("{0:f2}", compiled->compileMs) << " ms\n"
               << "  peak memory:     " << llvm::formatv("{0:f1}", compiled->peakMemoryMiB)
               << " MiB (the process)\n";
  if (vm->count("output"))
    llvm::outs() << "  exported to:     " << (*vm)["output"].as<std::string>() << "\n";
  for (const std::string &note : compiled->plan.notes)
    llvm::outs() << "  note: " << note << "\n";
  return ExitOk;
}

namespace {

std::string listText(const std::vector<std::string> &items) {
  std::string s;
  for (size_t i = 0; i < items.size(); ++i)
    s += (i ? ", " : "") + items[i];
  return "[" + s + "]";
}

/// The inputs of `--input-file PATH` as token ids of the model; nothing if
/// any line is not an input the model takes (each one reported).
std::optional<std::vector<runtime::TokenIds>>
readInputIds(DiagnosticEngine &diags, const CompiledFile &file, const std::string &path) {
  std::optional<std::vector<Literal>> literals = readLiterals(diags, path);
  if (!literals)
    return std::nullopt;
  unsigned errorsBefore = diags.errorCount();
  std::vector<runtime::TokenIds> inputs;
  for (const Literal &literal : *literals)
    if (std::optional<Input> input = parseInputLiteral(*file.program.elaborator, diags, literal))
      if (std::optional<runtime::TokenIds> ids =
              tokenIds(diags, file.compiled, input->atoms, input->loc))
        inputs.push_back(std::move(*ids));
  if (diags.errorCount() > errorsBefore)
    return std::nullopt;
  return inputs;
}

/// `inputFile`: the --input-file the inputs came from, or empty.
void printVerifyJson(const codegen::VerifyReport &report, const CompiledFile &file,
                     const runtime::Backend &backend, const std::string &inputFile) {
  // "samples" and "reference_errors" are the older names of "compared" and
  // "evaluator_failures", kept for existing readers.
  llvm::json::Object out{
      {"sop", file.root->name},
      {"max_len", file.compiled.model.config.maxLen},
      {"backend", backend.name()},
      {"exhaustive", report.exhaustive},
      {"asked", static_cast<int64_t>(report.inputs)},
      {"compared", static_cast<int64_t>(report.compared)},
      {"evaluator_failures", static_cast<int64_t>(report.referenceErrors)},
      {"samples", static_cast<int64_t>(report.compared)},
      {"agree", static_cast<int64_t>(report.agree)},
      {"mismatches", static_cast<int64_t>(report.mismatches)},
      {"reference_errors", static_cast<int64_t>(report.referenceErrors)},
      {"max_numeric_deviation", report.maxDeviation},
      {"threads", static_cast<int64_t>(report.threads)},
      {"seconds", report.seconds},
      {"inputs_per_second",
       report.seconds > 0 ? static_cast<double>(report.inputs) / report.seconds : 0.0}};
  if (!inputFile.empty())
    out["input_file"] = inputFile;
  if (report.first) {
    llvm::json::Array input;
    for (const Atom &a : report.first->input)
      input.push_back(atomJson(a));
    out["first_mismatch"] = llvm::json::Object{{"input", std::move(input)},
                                               {"expected", listText(report.first->expected)},
                                               {"compiled", listText(report.first->actual)}};
  }
  llvm::outs() << llvm::formatv("{0:2}", llvm::json::Value(std::move(out))) << "\n";
}

void printVerifyText(const codegen::VerifyReport &report, const CompiledFile &file,
                     const runtime::Backend &backend, const std::string &inputFile) {
  llvm::outs() << "verify '" << file.root->name << "' at max_len "
               << file.compiled.model.config.maxLen << " on " << backend.name() << ": "
               << report.agree << "/" << report.compared << " inputs agree"
               << (!inputFile.empty()  ? " (from " + inputFile + ")"
                   : report.exhaustive ? " (every input)"
                                       : " (random)");
  if (report.referenceErrors)
    llvm::outs() << "; " << report.referenceErrors << " of " << report.inputs
                 << " inputs skipped, the evaluator fails on them";
  llvm::outs() << "\n";
  if (!report.first)
    return;
  std::vector<std::string> input;
  for (const Atom &a : report.first->input)
    input.push_back(a.repr());
  llvm::outs() << "first mismatch: input " << listText(input) << "\n  expected "
               << listText(report.first->expected) << "\n  compiled "
               << listText(report.first->actual) << "\n";
}

/// A run that compared nothing, or skipped inputs the evaluator fails on
/// without --allow-evaluator-failures, is an error: it did not check what it
/// was asked to. Returns whether it is one (reported, with the first
/// failure as a note).
bool reportIncomplete(const codegen::VerifyReport &report, bool allowFailures,
                      DiagnosticEngine &diags) {
  std::string inputs = std::to_string(report.inputs);
  if (report.compared == 0)
    diags.error("no input was compared: the evaluator fails on all " + inputs + " inputs");
  else if (report.referenceErrors && !allowFailures)
    diags.error("the evaluator fails on " + std::to_string(report.referenceErrors) + " of " +
                inputs + " inputs, which were skipped (" + std::to_string(report.compared) +
                " compared); pass --allow-evaluator-failures to accept that");
  else
    return false;
  assert(report.firstFailure && "inputs were skipped, none recorded");
  const codegen::EvaluatorFailure &failure = *report.firstFailure;
  std::vector<std::string> input;
  for (const Atom &a : failure.input)
    input.push_back(a.repr());
  diags.note(failure.error.loc,
             "first failure, on input " + listText(input) + ": " + failure.error.message);
  return true;
}

} // namespace

int driver::verifyCommand(const std::vector<std::string> &args) {
  const char *usage =
      "usage: rasp verify FILE --sop NAME --vocab V --max-len N [--samples K]\n"
      "                   [--seed S] [--input-file PATH] [--f64]\n"
      "                   [--backend cpu|cuda] [--allow-evaluator-failures]\n"
      "                   [--json] [--max-samples M] [--max-params P] [--threads T]\n"
      "       rasp verify --model DIR FILE --sop NAME [the options above]\n\n"
      "Compiles an s-op, then runs the model on the CPU (--backend cuda: on an\n"
      "NVIDIA GPU) and compares it with the reference evaluator: on every input\n"
      "of length 1..N when there are at most 2000 of them, else on K random\n"
      "inputs (default 500, at most M: 10^6) spread over every length; with\n"
      "--input-file, on exactly the inputs of the file, one RASP literal a\n"
      "line. The inputs are split across T threads (default: one per hardware\n"
      "thread), with a progress bar on a terminal. Prints the agreement; exits\n"
      "3 on any mismatch, showing the first.\n"
      "Inputs on which the evaluator fails cannot be compared: exits 1 if there\n"
      "are any (unless --allow-evaluator-failures) or if none is left.\n"
      "With --model, the model `rasp compile -o DIR` exported is verified\n"
      "instead, on the runtime alone, for its own vocabulary and max_len.\n";
  bool exported = hasModelOption(args);
  po::options_description options = exported ? exportedOptions() : compileOptions();
  options.add_options()("samples", po::value<int64_t>()->default_value(500),
                        "random inputs when the input space is large")(
      "max-samples", po::value<int64_t>()->default_value(DefaultMaxSamples),
      "refuse a --samples above this")("seed", po::value<uint64_t>()->default_value(1),
                                       "the random seed")(
      "input-file", po::value<std::string>(),
      "verify on exactly these inputs, one RASP literal a line ('-': stdin)")(
      "f64", po::bool_switch(), "run the model in float64 (float32 by default)")(
      "backend", po::value<std::string>()->default_value("cpu"),
      "cpu (Eigen) or cuda (an NVIDIA GPU) runs the model")(
      "allow-evaluator-failures", po::bool_switch(),
      "succeed when the evaluator fails on some inputs (they are skipped)")(
      "threads", po::value<int64_t>()->default_value(0),
      "threads to verify on (0: one per hardware thread)");
  int exit = ExitOk;
  auto vm = parseArgs(args, usage, options, 1, exit);
  if (!vm)
    return exit;
  int64_t samples = (*vm)["samples"].as<int64_t>();
  int64_t maxSamples = (*vm)["max-samples"].as<int64_t>();
  std::string error = exported ? "" : budgetError(*vm);
  std::string backendName = (*vm)["backend"].as<std::string>();
  if (backendName != "cpu" && backendName != "cuda")
    error = "--backend must be cpu or cuda, not '" + backendName + "'";
  else if (samples < 1)
    error = "--samples must be at least 1, not " + std::to_string(samples);
  else if (samples > maxSamples)
    error = "--samples " + std::to_string(samples) + " is more than the budget of " +
            std::to_string(maxSamples) + " samples (--max-samples)";
  else if (int64_t threads = (*vm)["threads"].as<int64_t>(); threads < 0 || threads > 1024)
    error = "--threads must be 0 (one per hardware thread) to 1024, not " + std::to_string(threads);
  if (!error.empty()) {
    std::cerr << "rasp: error: " << error << "\n\n" << usage;
    return ExitUsage;
  }
  DiagnosticEngine diags;
  std::optional<CompiledFile> file =
      exported ? loadExportedFile(*vm, diags) : compileFile(*vm, diags);
  if (!file)
    return ExitProgramError;
  auto backend = makeBackend(diags, backendName,
                             (*vm)["f64"].as<bool>() ? runtime::PrecisionKind::Float64
                                                     : runtime::PrecisionKind::Float32);
  if (!backend)
    return ExitProgramError;
  codegen::VerifyOptions verifyOptions;
  verifyOptions.samples = static_cast<size_t>(samples);
  verifyOptions.seed = (*vm)["seed"].as<uint64_t>();
  verifyOptions.threads = static_cast<unsigned>((*vm)["threads"].as<int64_t>());
  std::string inputFile = vm->count("input-file") ? (*vm)["input-file"].as<std::string>() : "";
  if (!inputFile.empty()) {
    std::optional<std::vector<runtime::TokenIds>> inputs = readInputIds(diags, *file, inputFile);
    if (!inputs)
      return ExitProgramError;
    verifyOptions.inputs = std::move(*inputs);
    if (inputFile == "-")
      inputFile = "<stdin>";
  }
  std::optional<ProgressBar> progress(std::in_place, "verify");
  verifyOptions.progress = [&](size_t done, size_t total) { progress->update(done, total); };
  codegen::VerifyReport report;
  try {
    report = codegen::verifyModel(file->root, file->compiled, *backend, verifyOptions);
  } catch (const std::runtime_error &e) {
    progress.reset();
    diags.error(llvm::Twine("the ") + backend->name() + " backend failed: " + e.what());
    return ExitProgramError;
  }
  progress.reset();
  if ((*vm)["json"].as<bool>())
    printVerifyJson(report, *file, *backend, inputFile);
  else
    printVerifyText(report, *file, *backend, inputFile);
  bool incomplete = reportIncomplete(report, (*vm)["allow-evaluator-failures"].as<bool>(), diags);
  if (report.mismatches)
    return ExitMismatch;
  return incomplete ? ExitProgramError : ExitOk;
}
