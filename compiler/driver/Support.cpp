// Helpers the subcommands share (Support.h).
#include "compiler/driver/Support.h"

#include "compiler/driver/Commands.h"
#include "compiler/frontend/Parse.h"
#include "compiler/support/FloatFormat.h"
#include "runtime/cuda/CudaBackend.h"

#include "llvm/Support/Casting.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

#include <cassert>
#include <cmath>
#include <cstdlib>
#include <iostream>
#include <unordered_set>

using namespace rasp;
namespace po = boost::program_options;

namespace rasp::driver {

/// Parses `args` against `options` (plus -h/--help) and the positional
/// arguments; on bad usage prints the error and `usage` and returns nothing.
std::optional<po::variables_map> parseArgs(const std::vector<std::string> &args, const char *usage,
                                           po::options_description options, int files, int &exit) {
  options.add_options()("help,h", "show this help");
  po::positional_options_description positional;
  positional.add("file", files);
  po::variables_map vm;
  try {
    po::store(po::command_line_parser(args).options(options).positional(positional).run(), vm);
    if (vm.count("help")) {
      std::cout << usage << "\n" << options;
      exit = ExitOk;
      return std::nullopt;
    }
    po::notify(vm);
  } catch (const po::error &e) {
    std::cerr << "rasp: error: " << e.what() << "\n\n" << usage << "\n" << options;
    exit = ExitUsage;
    return std::nullopt;
  }
  return vm;
}

/// Throws the usage error for a --max-len outside 1..MaxMaxLen.
static void checkMaxLen(const int64_t &maxLen) {
  if (maxLen < 1 || maxLen > MaxMaxLen)
    throw po::error("--max-len must be between 1 and " + std::to_string(MaxMaxLen) + ", not " +
                    std::to_string(maxLen));
}

po::typed_value<int64_t> *maxLenValue() { return po::value<int64_t>()->notifier(&checkMaxLen); }

/// Reads a file (or stdin for "-") into `diags`.
std::optional<FileId> loadSource(DiagnosticEngine &diags, const std::string &path) {
  return path == "-" ? diags.loadStdin("<stdin>") : diags.loadFile(path);
}

/// Where `load` looks after the loading file's directory: the standard
/// library's directory, then the directories of $RASP_PATH.
lang::ElaborateOptions elaborateOptions() {
  lang::ElaborateOptions options = lang::ElaborateOptions::defaults();
  if (const char *extra = std::getenv("RASP_PATH")) {
    llvm::SmallVector<llvm::StringRef, 4> dirs;
    llvm::StringRef(extra).split(dirs, ':', -1, false);
    for (llvm::StringRef dir : dirs)
      options.searchPath.push_back(dir.str());
  }
  return options;
}

/// An elaborator with the standard library loaded, or null (reported).
std::unique_ptr<lang::Elaborator> makeElaborator(DiagnosticEngine &diags) {
  lang::ElaborateOptions options = elaborateOptions();
  auto elaborator = std::make_unique<lang::Elaborator>(diags, options);
  if (!elaborator->loadStdlib()) {
    diags.error("could not load the standard library " + options.stdlibPath);
    return nullptr;
  }
  return elaborator;
}

/// Parses and runs a file in a new program scope; returns the scope, or
/// null if the file could not be read.
std::shared_ptr<lang::Env> runProgram(lang::Elaborator &elaborator, DiagnosticEngine &diags,
                                      const std::string &path) {
  std::optional<FileId> file = loadSource(diags, path);
  if (!file)
    return nullptr;
  auto scope = elaborator.newProgramScope(llvm::sys::path::stem(diags.fileName(*file)).str());
  elaborator.runFile(*file, scope);
  return scope;
}

/// Loads the standard library, then runs `path`; nothing if either failed
/// to start (errors inside the program are reported and counted).
std::optional<LoadedProgram> loadProgram(DiagnosticEngine &diags, const std::string &path) {
  LoadedProgram loaded;
  loaded.elaborator = makeElaborator(diags);
  if (!loaded.elaborator)
    return std::nullopt;
  loaded.scope = runProgram(*loaded.elaborator, diags, path);
  if (!loaded.scope)
    return std::nullopt;
  return loaded;
}

/// The s-op (or, when `selectors` is true, s-op or selector) bound to
/// `name`; reports an error and returns null otherwise.
const graph::Node *findNode(const lang::Env &scope, const std::string &name,
                            DiagnosticEngine &diags, bool selectors) {
  const lang::Value *value = scope.find(name);
  if (value && (value->isSOp() || (selectors && value->isSelector())))
    return value->node();
  std::string wanted = selectors ? "an s-op or selector" : "an s-op";
  diags.error(value ? "'" + name + "' is " + value->describe() + ", not " + wanted
                    : "nothing named '" + name + "' in the program");
  return nullptr;
}

std::vector<Literal> splitLiterals(llvm::StringRef name, llvm::StringRef text) {
  std::vector<Literal> literals;
  llvm::SmallVector<llvm::StringRef, 16> lines;
  text.split(lines, '\n');
  for (size_t i = 0; i < lines.size(); ++i) {
    llvm::StringRef line = lines[i];
    line.consume_back("\r");
    llvm::StringRef content = line.trim();
    if (!content.empty() && !content.startswith("#"))
      literals.push_back({name.str(), line.str(), static_cast<unsigned>(i + 1)});
  }
  return literals;
}

std::optional<std::vector<Literal>> readLiterals(DiagnosticEngine &diags, const std::string &path) {
  std::optional<FileId> file = loadSource(diags, path);
  if (!file)
    return std::nullopt;
  std::vector<Literal> literals = splitLiterals(diags.fileName(*file), diags.fileText(*file));
  if (literals.empty()) {
    diags.error("'" + diags.fileName(*file) + "' holds no input: it needs one RASP literal a line");
    return std::nullopt;
  }
  return literals;
}

/// A literal evaluated as a RASP expression; `loc` is set to its text.
std::optional<lang::Value> parseInput(lang::Elaborator &elaborator, DiagnosticEngine &diags,
                                      const Literal &literal, SourceLoc &loc) {
  // A statement needs a `;`: it goes on a line of its own, so that the line
  // shown under an error is the text as given. Text that does not parse so
  // is parsed as given, for errors that say what is missing ("unexpected
  // end of input") rather than show a `;` that nobody typed.
  const std::string &text = literal.text;
  std::string terminated = text + "\n;";
  llvm::raw_null_ostream sink;
  DiagnosticEngine trial(&sink);
  bool parses =
      frontend::parseProgram(trial, trial.addFile(literal.origin, terminated)).program.has_value();
  FileId file = diags.addFile(literal.origin, parses ? terminated : text, literal.line);
  loc = diags.locate(file, 0, static_cast<uint32_t>(text.size()));
  frontend::ParseResult parsed = frontend::parseProgram(diags, file);
  if (!parsed.program)
    return std::nullopt;
  const auto &statements = parsed.program->statements;
  if (statements.size() != 1 || !llvm::isa<ast::ExprStmt>(*statements[0])) {
    diags.error(loc, "the input must be one expression, such as \"hello\" or [1, 2]");
    return std::nullopt;
  }
  return elaborator.evaluateExpression(*llvm::cast<ast::ExprStmt>(*statements[0]).expr,
                                       elaborator.newProgramScope("input"));
}

std::optional<Input> parseInputLiteral(lang::Elaborator &elaborator, DiagnosticEngine &diags,
                                       const Literal &literal) {
  Input input;
  std::optional<lang::Value> value = parseInput(elaborator, diags, literal, input.loc);
  if (!value)
    return std::nullopt;
  input.value = *value;
  try {
    input.atoms = lang::inputAtoms(input.value, input.loc);
  } catch (const lang::LangError &e) {
    diags.error(e.loc, e.message);
    return std::nullopt;
  }
  return input;
}

std::optional<std::vector<Atom>> parseVocab(lang::Elaborator &elaborator, DiagnosticEngine &diags,
                                            const std::string &text) {
  SourceLoc loc;
  std::optional<lang::Value> value = parseInput(elaborator, diags, {"--vocab", text}, loc);
  if (!value)
    return std::nullopt;
  std::vector<Atom> atoms;
  try {
    atoms = lang::inputAtoms(*value, loc);
  } catch (const lang::LangError &e) {
    diags.error(e.loc, "the vocabulary must be a list of atoms: " + e.message);
    return std::nullopt;
  }
  if (atoms.empty()) {
    diags.error(loc, "the vocabulary is empty");
    return std::nullopt;
  }
  std::unordered_set<Atom, AtomHash, AtomEq> seen;
  for (const Atom &a : atoms)
    if (!seen.insert(a).second) {
      diags.error(loc, "the vocabulary lists " + a.repr() + " twice");
      return std::nullopt;
    }
  return atoms;
}

llvm::json::Value atomJson(const Atom &atom) {
  switch (atom.kind()) {
  case AtomKind::Bool:
    return atom.asBool();
  case AtomKind::Int:
    return atom.asInt();
  case AtomKind::Float:
    if (!std::isfinite(atom.asFloat()))
      return formatPythonFloat(atom.asFloat()); // JSON has no inf or nan.
    return atom.asFloat();
  case AtomKind::String:
    return atom.asString();
  }
  return nullptr;
}

llvm::json::Value inputJson(const lang::Value &input, const std::vector<Atom> &atoms) {
  if (input.isAtom())
    return atomJson(input.atom());
  llvm::json::Array items;
  for (const Atom &atom : atoms)
    items.push_back(atomJson(atom));
  return llvm::json::Value(std::move(items));
}

} // namespace rasp::driver

std::unique_ptr<runtime::Backend> driver::makeBackend(DiagnosticEngine &diags,
                                                      const std::string &name,
                                                      runtime::PrecisionKind precision) {
  if (name == "cpu")
    return runtime::makeCpuBackend(precision);
  assert(name == "cuda" && "--backend is checked as an option");
  try {
    return runtime::makeCudaBackend(precision);
  } catch (const runtime::CudaUnavailable &e) {
    diags.error(llvm::Twine("no CUDA device available: ") + e.what());
  }
  return nullptr;
}
