// Exported models on the command line: `compile -o DIR` writes one,
// `run --model DIR` runs one on the runtime alone, `inspect DIR` shows one.
#include "compiler/driver/ModelCommands.h"

#include "compiler/driver/Commands.h"
#include "compiler/driver/Support.h"
#include "compiler/lang/Display.h"
#include "compiler/support/FloatFormat.h"
#include "runtime/io/ModelIO.h"

#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/raw_ostream.h"

#include <boost/program_options.hpp>

#include <cstdlib>
#include <iostream>

using namespace rasp;
using namespace rasp::driver;
namespace po = boost::program_options;
namespace json = llvm::json;

namespace {

runtime::TypedValue typedAtom(const Atom &atom) {
  static const char *const names[] = {"bool", "int", "float", "string"};
  return {atomJson(atom), names[static_cast<int>(atom.kind())]};
}

/// The atom a typed value of config.json stands for (its JSON kind already
/// checked against its type by the loader); nothing for a float string that
/// is not inf, -inf or nan.
std::optional<Atom> typedToAtom(const runtime::TypedValue &v) {
  if (v.type == "string")
    return Atom::string(v.value.getAsString()->str());
  if (v.type == "bool")
    return Atom::boolean(*v.value.getAsBoolean());
  if (v.type == "int")
    return Atom::integer(*v.value.getAsInteger());
  if (auto number = v.value.getAsNumber())
    return Atom::real(*number);
  std::string text = v.value.getAsString()->str();
  if (text == "inf" || text == "-inf" || text == "nan")
    return Atom::real(std::strtod(text.c_str(), nullptr));
  return std::nullopt;
}

std::optional<std::vector<Atom>> typedAtoms(DiagnosticEngine &diags, const std::string &dir,
                                            const std::vector<runtime::TypedValue> &values,
                                            const char *key) {
  std::vector<Atom> atoms;
  for (size_t i = 0; i < values.size(); ++i) {
    std::optional<Atom> atom = typedToAtom(values[i]);
    if (!atom) {
      diags.error(dir + "/config.json: \"" + key + "[" + std::to_string(i) +
                  "]\" is a string but no float (inf, -inf or nan)");
      return std::nullopt;
    }
    atoms.push_back(*atom);
  }
  return atoms;
}

} // namespace

bool driver::hasModelOption(const std::vector<std::string> &args) {
  for (const std::string &arg : args)
    if (arg == "--model" || arg.rfind("--model=", 0) == 0)
      return true;
  return false;
}

bool driver::exportCompiled(DiagnosticEngine &diags, const std::string &dir,
                            const graph::Node *root, const codegen::CompiledProgram &compiled,
                            const std::string &sourceFile) {
  runtime::ModelExtras extras;
  for (const Atom &atom : compiled.plan.vocab)
    extras.vocab.push_back(typedAtom(atom));
  // The output's values, one per label (runtime::Output): a numerical
  // output with very many values has neither.
  const runtime::Output &output = compiled.model.outputs[0];
  if (output.kind == runtime::OutputKind::Categorical || !output.levels.empty())
    for (const Atom &atom : compiled.plan.output.values)
      extras.outputValues.push_back(typedAtom(atom));
  extras.report = compileReportJson(root, compiled);
  extras.report["source_file"] = sourceFile == "-" ? "<stdin>" : sourceFile;
  extras.report["compiler_version"] = "rasp " RASP_VERSION;
  try {
    runtime::exportModel(dir, compiled.model, extras);
  } catch (const runtime::ModelFormatError &e) {
    diags.error(e.what());
    return false;
  }
  return true;
}

std::optional<codegen::CompiledProgram> driver::loadExported(DiagnosticEngine &diags,
                                                             const std::string &dir) {
  runtime::ExportedModel exported;
  try {
    exported = runtime::loadModel(dir);
  } catch (const runtime::ModelFormatError &e) {
    diags.error(std::string("cannot load the model: ") + e.what());
    return std::nullopt;
  }
  std::optional<std::vector<Atom>> vocab =
      typedAtoms(diags, dir, exported.extras.vocab, "vocab.tokens");
  std::optional<std::vector<Atom>> values =
      typedAtoms(diags, dir, exported.extras.outputValues, "output.values");
  if (!vocab || !values)
    return std::nullopt;
  codegen::CompiledProgram program;
  const runtime::Output &output = exported.model.outputs[0];
  program.plan.vocab = std::move(*vocab);
  program.plan.maxLen = exported.model.config.maxLen;
  program.plan.dModel = static_cast<int>(exported.model.config.dModel);
  program.plan.output.label = output.name;
  program.plan.output.encoding = output.kind == runtime::OutputKind::Categorical
                                     ? codegen::EncodingKind::Categorical
                                     : codegen::EncodingKind::Numerical;
  program.plan.output.values = std::move(*values);
  program.plan.output.levels = output.levels;
  program.plan.output.integral = output.integral;
  program.nonzeroParameters = exported.model.nonzeroParameters();
  program.model = std::move(exported.model);
  return program;
}

namespace {

const char *const RunModelUsage =
    "usage: rasp run --model DIR (--input LIT | --input-file PATH) [--json] [--trace]\n"
    "                     [--backend cpu|cuda]\n\n"
    "Runs a model that `rasp compile -o DIR` exported, on the runtime alone (no\n"
    "program is compiled), and prints OUTPUT(INPUT) = VALUE as `rasp run` does.\n"
    "LIT is a RASP literal over the model's vocabulary; --input-file reads one\n"
    "literal a line. --trace prints the residual stream after each layer.\n";

/// One input through the model, printed as `rasp run` prints; the input's
/// JSON object for --json, or nothing after reporting an error.
std::optional<json::Object> runExportedInput(lang::Elaborator &elaborator, DiagnosticEngine &diags,
                                             const codegen::CompiledProgram &program,
                                             const runtime::Backend &backend,
                                             const Literal &literal, bool json, bool trace) {
  std::optional<Input> input = parseInputLiteral(elaborator, diags, literal);
  if (!input)
    return std::nullopt;
  std::optional<eval::Sequence> output =
      runModel(diags, program, backend, input->atoms, input->loc, trace);
  if (!output)
    return std::nullopt;
  const std::string &name = program.plan.output.label;
  if (!json) {
    llvm::outs() << name << "(" << lang::inputText(input->value)
                 << ") = " << lang::sequenceText(*output) << "\n";
    llvm::outs().flush();
  }
  json::Array values;
  for (const Atom &atom : output->values)
    values.push_back(atomJson(atom));
  json::Object outputs{{name, json::Object{{"type", eval::seqTypeName(output->type)},
                                           {"values", std::move(values)}}}};
  return json::Object{{"input", inputJson(input->value, input->atoms)},
                      {"outputs", std::move(outputs)}};
}

} // namespace

int driver::runExportedCommand(const std::vector<std::string> &args) {
  po::options_description options("options");
  options.add_options()("model", po::value<std::string>()->required(),
                        "the folder `rasp compile -o` wrote")("input", po::value<std::string>(),
                                                              "the input, a RASP literal")(
      "input-file", po::value<std::string>(),
      "a file of inputs, one RASP literal a line ('-': stdin)")("json", po::bool_switch(),
                                                                "print JSON, as `rasp run` does")(
      "trace", po::bool_switch(), "print every block, decoded, after each layer")(
      "backend", po::value<std::string>()->default_value("cpu"), "cpu, or cuda (an NVIDIA GPU)");
  int exit = ExitOk;
  auto vm = parseArgs(args, RunModelUsage, options, 0, exit);
  if (!vm)
    return exit;
  std::string backendName = (*vm)["backend"].as<std::string>();
  if (backendName != "cpu" && backendName != "cuda") {
    std::cerr << "rasp: error: --backend must be cpu or cuda, not '" << backendName << "'\n\n"
              << RunModelUsage;
    return ExitUsage;
  }
  if (vm->count("input") == vm->count("input-file")) {
    std::cerr << "rasp: error: give the input with --input or with --input-file (one of them)\n\n"
              << RunModelUsage;
    return ExitUsage;
  }
  DiagnosticEngine diags;
  std::optional<codegen::CompiledProgram> program =
      loadExported(diags, (*vm)["model"].as<std::string>());
  if (!program)
    return ExitProgramError;
  std::unique_ptr<lang::Elaborator> elaborator = makeElaborator(diags);
  if (!elaborator)
    return ExitProgramError;
  std::unique_ptr<runtime::Backend> backend =
      makeBackend(diags, backendName, runtime::PrecisionKind::Float32);
  if (!backend)
    return ExitProgramError;
  bool asFile = vm->count("input-file") > 0;
  std::optional<std::vector<Literal>> literals =
      asFile ? readLiterals(diags, (*vm)["input-file"].as<std::string>())
             : std::vector<Literal>{{"--input", (*vm)["input"].as<std::string>()}};
  if (!literals)
    return ExitProgramError;
  bool asJson = (*vm)["json"].as<bool>();
  json::Array results;
  for (const Literal &literal : *literals)
    if (std::optional<json::Object> result = runExportedInput(
            *elaborator, diags, *program, *backend, literal, asJson, (*vm)["trace"].as<bool>()))
      results.push_back(std::move(*result));
  if (asJson && (asFile || !results.empty())) {
    json::Value printed = asFile ? json::Value(std::move(results)) : std::move(results[0]);
    llvm::outs() << llvm::formatv("{0:2}", printed) << "\n";
  }
  return diags.errorCount() ? ExitProgramError : ExitOk;
}

namespace {

std::string listText(const std::vector<int64_t> &items) {
  std::string s;
  for (size_t i = 0; i < items.size(); ++i)
    s += (i ? ", " : "") + std::to_string(items[i]);
  return "[" + s + "]";
}

/// Up to `most` items, then how many more.
std::string shortList(const std::vector<std::string> &items, size_t most = 8) {
  std::string s;
  for (size_t i = 0; i < items.size() && i < most; ++i)
    s += (i ? ", " : "") + items[i];
  if (items.size() > most)
    s += ", ... (" + std::to_string(items.size() - most) + " more)";
  return s;
}

void printInspect(const std::string &dir, const runtime::ExportedModel &exported) {
  const runtime::Model &model = exported.model;
  const json::Object &report = exported.extras.report;
  auto reportText = [&](llvm::StringRef key) {
    if (auto s = report.getString(key))
      return s->str();
    return std::string("?");
  };
  std::vector<int64_t> heads, hidden;
  for (const runtime::Layer &layer : model.layers) {
    heads.push_back(static_cast<int64_t>(layer.heads.size()));
    hidden.push_back(layer.mlp.w1.cols);
  }
  const runtime::Output &output = model.outputs[0];
  std::string analysis;
  if (auto layers = report.getInteger("analysis_layers"))
    analysis = " (analysis: " + std::to_string(*layers) + ")";
  llvm::outs() << "model in " << dir << ": '" << output.name << "' from "
               << reportText("source_file") << ", compiled by " << reportText("compiler_version")
               << "\n"
               << "  vocabulary:      " << model.vocab.size() << " tokens ["
               << shortList(model.vocab) << "], BOS id " << model.bosId() << "\n"
               << "  max_len:         " << model.config.maxLen << "\n"
               << "  layers:          " << model.layers.size() << analysis << "\n"
               << "  heads per layer: " << listText(heads) << "\n"
               << "  d_model:         " << model.config.dModel << "\n"
               << "  MLP hidden:      " << listText(hidden) << "\n"
               << "  parameters:      " << model.parameters() << " dense, "
               << model.nonzeroParameters() << " nonzero\n"
               << "  attention:       " << (model.config.causal ? "causal" : "no mask")
               << ", scale " << formatPythonFloat(model.config.softmaxScale) << "\n"
               << "  output:          " << output.name << ", "
               << (output.kind == runtime::OutputKind::Categorical
                       ? "categorical, argmax of " + std::to_string(output.dims.size()) +
                             " dimensions [" + shortList(output.labels) + "]"
                       : "numerical, a linear readout of " + std::to_string(output.dims.size()) +
                             " dimensions")
               << "\n";
  if (const json::Array *notes = report.getArray("notes"))
    for (const json::Value &note : *notes)
      if (auto text = note.getAsString())
        llvm::outs() << "  note: " << *text << "\n";
  for (size_t l = 0; l < model.layers.size(); ++l) {
    llvm::outs() << "  layer " << l + 1 << ":";
    for (const runtime::Head &head : model.layers[l].heads)
      llvm::outs() << " head (query/key " << head.wq.cols << ", value " << head.wv.cols << ");";
    llvm::outs() << " MLP " << model.layers[l].mlp.w1.cols << "\n";
  }
  llvm::outs() << "residual layout (" << model.config.dModel << " dimensions):\n";
  for (const runtime::Block &block : model.blocks) {
    int64_t last = block.first + block.width() - 1;
    std::string range = std::to_string(block.first) +
                        (last > block.first ? "-" + std::to_string(last) : std::string());
    range.resize(std::max<size_t>(range.size() + 1, 10), ' ');
    llvm::outs() << "  " << range << block.name
                 << (block.categorical ? ": " + shortList(block.values) : " (numerical)") << "\n";
  }
}

} // namespace

int driver::inspectCommand(const std::vector<std::string> &args) {
  const char *usage = "usage: rasp inspect DIR [--json]\n\n"
                      "Prints the summary of a model that `rasp compile -o DIR` exported,\n"
                      "without running it: the compile report, the layers and the residual\n"
                      "layout. --json prints report.json, the architecture of config.json and\n"
                      "the blocks of residual.json.\n";
  po::options_description options("options");
  options.add_options()("file", po::value<std::string>()->required(),
                        "the model's folder")("json", po::bool_switch(), "print JSON");
  int exit = ExitOk;
  auto vm = parseArgs(args, usage, options, 1, exit);
  if (!vm)
    return exit;
  std::string dir = (*vm)["file"].as<std::string>();
  runtime::ExportedModel exported;
  try {
    exported = runtime::loadModel(dir);
  } catch (const runtime::ModelFormatError &e) {
    DiagnosticEngine diags;
    diags.error(std::string("cannot load the model: ") + e.what());
    return ExitProgramError;
  }
  if (!(*vm)["json"].as<bool>()) {
    printInspect(dir, exported);
    return ExitOk;
  }
  json::Object config = runtime::modelConfigJson(exported.model, exported.extras);
  config.erase("tensors");
  json::Object residual = runtime::residualJson(exported.model);
  json::Object out{{"model", dir},
                   {"report", json::Object(exported.extras.report)},
                   {"config", std::move(config)},
                   {"blocks", std::move(*residual.get("blocks"))},
                   {"params_dense", exported.model.parameters()},
                   {"params_nonzero", exported.model.nonzeroParameters()}};
  llvm::outs() << llvm::formatv("{0:2}", json::Value(std::move(out))) << "\n";
  return ExitOk;
}
