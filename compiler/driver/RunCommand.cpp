// `rasp run`: evaluates s-ops of a RASP file on one input, with the reference
// evaluator or a compiled model (--backend cpu).
#include "compiler/driver/Commands.h"
#include "compiler/driver/Support.h"

#include "compiler/eval/Evaluate.h"
#include "compiler/lang/Display.h"
#include "compiler/support/Diagnostics.h"

#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/raw_ostream.h"

#include <boost/program_options.hpp>

#include <iostream>
#include <optional>

using namespace rasp;
using namespace rasp::driver;
namespace po = boost::program_options;

int driver::runCommand(const std::vector<std::string> &args) {
  const char *usage =
      "usage: rasp run FILE --sop NAME [--sop NAME]... --input LIT [--json]\n"
      "                [--backend interp|cpu --vocab V --max-len N "
      "[--trace]]\n\n"
      "Runs a RASP file, then evaluates the named s-ops (or selectors) on the\n"
      "input with the reference evaluator and prints NAME(INPUT) = VALUE,\n"
      "as the original REPL shows values. LIT is a RASP literal: a string\n"
      "('\"hello\"', a sequence of characters) or a list ('[3, 1, 2]').\n"
      "With --backend cpu, each s-op (not a selector) is compiled for the\n"
      "vocabulary and max_len, and the model runs on the CPU instead; --trace\n"
      "prints the residual stream after each layer, decoded into the s-ops it\n"
      "holds.\n";
  po::options_description options("options");
  options.add_options()("file", po::value<std::string>()->required(),
                        "a RASP file")(
      "sop", po::value<std::vector<std::string>>()->required(),
      "an s-op or selector to evaluate (repeatable)")(
      "input", po::value<std::string>()->required(),
      "the input, a RASP literal")(
      "json", po::bool_switch(),
      "print JSON: {\"input\": ..., \"outputs\": "
      "{NAME: {\"type\": ..., \"values\": [...]}}}")(
      "backend", po::value<std::string>()->default_value("interp"),
      "interp (the reference evaluator) or cpu (the compiled model)")(
      "vocab", po::value<std::string>(),
      "with --backend cpu: the vocabulary, a RASP list")(
      "max-len", po::value<int64_t>(), "with --backend cpu: the longest input")(
      "trace", po::bool_switch(),
      "with --backend cpu: print every s-op's block, decoded, after each "
      "layer");
  int exit = ExitOk;
  auto vm = parseArgs(args, usage, options, 1, exit);
  if (!vm)
    return exit;
  DiagnosticEngine diags;
  std::optional<LoadedProgram> program =
      loadProgram(diags, (*vm)["file"].as<std::string>());
  if (!program)
    return ExitProgramError;
  SourceLoc inputLoc;
  std::optional<lang::Value> input = parseInput(
      *program->elaborator, diags, (*vm)["input"].as<std::string>(), inputLoc);
  if (!input)
    return ExitProgramError;
  std::vector<lang::Atom> atoms;
  try {
    atoms = lang::inputAtoms(*input, inputLoc);
  } catch (const lang::LangError &e) {
    diags.error(e.loc, e.message);
    return ExitProgramError;
  }
  bool json = (*vm)["json"].as<bool>();
  std::string backend = (*vm)["backend"].as<std::string>();
  if (backend != "interp" && backend != "cpu") {
    std::cerr << "rasp: error: --backend must be interp or cpu, not '"
              << backend << "'\n\n"
              << usage;
    return ExitUsage;
  }
  if (backend == "cpu" && (!vm->count("vocab") || !vm->count("max-len"))) {
    std::cerr << "rasp: error: --backend cpu needs --vocab and --max-len\n\n"
              << usage;
    return ExitUsage;
  }
  eval::Evaluator evaluator(atoms);
  llvm::json::Object outputs;
  std::string inputShown = lang::inputText(*input);
  for (const std::string &name : (*vm)["sop"].as<std::vector<std::string>>()) {
    const graph::Node *node = findNode(*program->scope, name, diags, true);
    if (!node)
      continue;
    if (backend == "cpu" && node->isSelector()) {
      diags.error("'" + name + "' is a selector; --backend cpu runs a compiled model, "
                  "which computes s-ops, not selectors (--backend interp prints its matrix)");
      continue;
    }
    try {
      if (node->isSelector()) {
        const eval::SelectorMatrix &matrix = evaluator.selector(node);
        if (json) {
          llvm::json::Array rows;
          for (size_t q = 0; q < atoms.size(); ++q) {
            llvm::json::Array row;
            for (size_t k = 0; k < atoms.size(); ++k)
              row.push_back(matrix.get(q, k));
            rows.push_back(std::move(row));
          }
          outputs[name] = llvm::json::Object{{"type", "selector"},
                                             {"matrix", std::move(rows)}};
        } else {
          llvm::outs() << name << "(" << inputShown << ") =\n";
          for (const std::string &line : lang::selectorLines(matrix, atoms))
            llvm::outs() << line << "\n";
        }
        continue;
      }
      std::optional<eval::Sequence> compiled;
      if (backend == "cpu") {
        compiled = runCompiled(diags, *program, name, atoms, inputLoc,
                               (*vm)["vocab"].as<std::string>(),
                               (*vm)["max-len"].as<int64_t>(),
                               (*vm)["trace"].as<bool>());
        if (!compiled)
          continue;
      }
      const eval::Sequence &sequence =
          compiled ? *compiled : evaluator.sequence(node);
      if (json) {
        llvm::json::Array values;
        for (const lang::Atom &atom : sequence.values)
          values.push_back(atomJson(atom));
        outputs[name] =
            llvm::json::Object{{"type", eval::seqTypeName(sequence.type)},
                               {"values", std::move(values)}};
      } else {
        llvm::outs() << name << "(" << inputShown
                     << ") = " << lang::sequenceText(sequence) << "\n";
      }
    } catch (const eval::EvalError &e) {
      diags.error(e.loc.isValid() ? e.loc : inputLoc, e.message);
      if (node->loc.isValid())
        diags.note(node->loc,
                   "while evaluating '" + name + "' on " + inputShown);
    }
  }
  if (json) {
    llvm::json::Object result{{"input", inputJson(*input, atoms)},
                              {"outputs", std::move(outputs)}};
    llvm::outs() << llvm::formatv("{0:2}", llvm::json::Value(std::move(result)))
                 << "\n";
  }
  return diags.errorCount() ? ExitProgramError : ExitOk;
}
