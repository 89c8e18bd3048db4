// Helpers the subcommands share: option parsing, loading a program, finding
// an s-op, reading a literal from the command line, JSON atoms.
#pragma once

#include "compiler/codegen/Pipeline.h"
#include "compiler/eval/Evaluate.h"
#include "compiler/lang/Elaborate.h"
#include "compiler/support/Diagnostics.h"
#include "runtime/Backend.h"

#include "llvm/Support/JSON.h"

#include <boost/program_options.hpp>

#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace rasp::driver {

/// Parses `args` against `options` (plus -h/--help), the first `files`
/// positional arguments (-1: all of them) going to "file". Returns nothing
/// when the command ends here, with `exit` set: ExitUsage on bad usage (the
/// error and `usage` printed), ExitOk for --help (the help printed).
std::optional<boost::program_options::variables_map>
parseArgs(const std::vector<std::string> &args, const char *usage,
          boost::program_options::options_description options, int files, int &exit);

/// The longest input a model is compiled for (`--max-len`).
constexpr int64_t MaxMaxLen = 4096;

/// The value of `--max-len`: outside 1..MaxMaxLen, a usage error.
boost::program_options::typed_value<int64_t> *maxLenValue();

/// Reads a file (or stdin for "-") into `diags`.
std::optional<FileId> loadSource(DiagnosticEngine &diags, const std::string &path);

/// An elaborator with the standard library loaded, or null (reported).
std::unique_ptr<lang::Elaborator> makeElaborator(DiagnosticEngine &diags);

/// Parses and runs a file in a new program scope; returns the scope, or
/// null if the file could not be read.
std::shared_ptr<lang::Env> runProgram(lang::Elaborator &elaborator, DiagnosticEngine &diags,
                                      const std::string &path);

/// A program run in a fresh elaborator, for the commands that read one file.
struct LoadedProgram {
  std::unique_ptr<lang::Elaborator> elaborator;
  std::shared_ptr<lang::Env> scope;
};

/// Loads the standard library, then runs `path`; nothing if either failed
/// to start (errors inside the program are reported and counted).
std::optional<LoadedProgram> loadProgram(DiagnosticEngine &diags, const std::string &path);

/// The s-op (or, when `selectors` is true, s-op or selector) bound to
/// `name`; reports an error and returns null otherwise.
const graph::Node *findNode(const lang::Env &scope, const std::string &name,
                            DiagnosticEngine &diags, bool selectors);

/// A RASP literal given on the command line, and where it came from: the
/// option (`--vocab`), or the file and line number (`--input-file`), which
/// its diagnostics are labelled with.
struct Literal {
  std::string origin;
  std::string text;
  unsigned line = 1;
};

/// The literals of a file of inputs: one a line, blank lines and lines
/// that start with `#` left out, each labelled with `name` and its line.
std::vector<Literal> splitLiterals(llvm::StringRef name, llvm::StringRef text);

/// The literals of `--input-file PATH` (or stdin for "-"), as
/// splitLiterals finds them. Nothing (reported) if the file cannot be read
/// or holds no literal.
std::optional<std::vector<Literal>> readLiterals(DiagnosticEngine &diags, const std::string &path);

/// The `--vocab` list: distinct atoms, at least one; nothing (reported)
/// otherwise.
std::optional<std::vector<Atom>> parseVocab(lang::Elaborator &elaborator, DiagnosticEngine &diags,
                                            const std::string &text);

/// An input: its value, its atoms and where it was given.
struct Input {
  lang::Value value;
  std::vector<Atom> atoms;
  SourceLoc loc;
};

/// A literal evaluated as an input (a string, or a list or dict of atoms);
/// nothing (reported) if it is not one.
std::optional<Input> parseInputLiteral(lang::Elaborator &elaborator, DiagnosticEngine &diags,
                                       const Literal &literal);

/// A literal evaluated as a RASP expression; `loc` is set to its text.
/// Diagnostics show the text as given, under `origin:line:col`.
std::optional<lang::Value> parseInput(lang::Elaborator &elaborator, DiagnosticEngine &diags,
                                      const Literal &literal, SourceLoc &loc);

llvm::json::Value atomJson(const Atom &atom);
/// An input as JSON: its atom, or the list of its atoms.
llvm::json::Value inputJson(const lang::Value &input, const std::vector<Atom> &atoms);

/// Parses the vocabulary, finds the s-op `name` and compiles it, refusing a
/// model of more than `maxParams` dense parameters; nothing after reporting
/// an error. Sets *root to the s-op when given.
std::optional<codegen::CompiledProgram>
compileNamed(DiagnosticEngine &diags, const LoadedProgram &program, const std::string &name,
             const std::string &vocabText, int64_t maxLen, const graph::Node **root,
             int64_t maxParams = codegen::CompileOptions::DefaultMaxParams);

/// `input` as token ids of the compiled model; an input longer than its
/// max_len, or with a token outside its vocabulary, is an error at `loc`.
std::optional<runtime::TokenIds> tokenIds(DiagnosticEngine &diags,
                                          const codegen::CompiledProgram &compiled,
                                          const std::vector<Atom> &input, SourceLoc loc);

/// The index of `atom` in the vocabulary `vocab` (a string never matches a
/// number), or nothing.
std::optional<int64_t> vocabIndex(const std::vector<Atom> &vocab, const Atom &atom);

/// The value a compiled model's output has at `position` of `result` (the
/// first output): the value its choice names, or, for a numerical output
/// without levels, the number read.
Atom outputAtom(const codegen::ModelPlan &plan, const runtime::RunResult &result, size_t position);

/// The backend `--backend` names, "cpu" or "cuda", in `precision`; null
/// after reporting why there is none (`no CUDA device available: ...`).
std::unique_ptr<runtime::Backend> makeBackend(DiagnosticEngine &diags, const std::string &name,
                                              runtime::PrecisionKind precision);

/// Runs the compiled model on `backend` on `input`; the decoded outputs (a
/// numerical output as the nearest value it can take). With `trace`, first
/// prints every block of the residual stream, decoded, after the embeddings
/// and after each layer. An input the model does not take is an error at
/// `inputLoc` (tokenIds), as is a failure of the device.
std::optional<eval::Sequence> runModel(DiagnosticEngine &diags,
                                       const codegen::CompiledProgram &compiled,
                                       const runtime::Backend &backend,
                                       const std::vector<Atom> &input, SourceLoc inputLoc,
                                       bool trace);

int compileCommand(const std::vector<std::string> &args);
int runCommand(const std::vector<std::string> &args);
int verifyCommand(const std::vector<std::string> &args);
int generateCommand(const std::vector<std::string> &args);
int lspCommand(const std::vector<std::string> &args);

} // namespace rasp::driver
