// `rasp generate`: autoregressive decoding with a step program. The value an
// s-op has at the last position is appended to the sequence, step after
// step, on the reference evaluator or on a compiled model (--backend
// cpu|cuda, or an exported one with --model).
#include "compiler/driver/Commands.h"
#include "compiler/driver/ModelCommands.h"
#include "compiler/driver/Support.h"

#include "compiler/analysis/Causal.h"
#include "compiler/eval/Evaluate.h"
#include "compiler/lang/Display.h"

#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/raw_ostream.h"

#include <boost/program_options.hpp>

#include <algorithm>
#include <atomic>
#include <iostream>
#include <mutex>
#include <system_error>
#include <thread>

using namespace rasp;
using namespace rasp::driver;
namespace po = boost::program_options;
namespace json = llvm::json;

// The command reads as its phases: parse the options; load the program (or
// the exported model), compile NEXT for a compiled backend, and read the
// stop token; read and check the prompts; decode them all together, one
// step for every unfinished prompt at a time; print.
namespace {

const char *const GenerateUsage =
    "usage: rasp generate FILE --sop NEXT (--prompt LIT | --prompts PATH)\n"
    "                     [--stop TOKEN] [--max-steps K] [--json]\n"
    "                     [--backend interp|cpu|cuda] [--vocab V] [--max-len N]\n"
    "                     [--no-cache]\n"
    "       rasp generate [FILE --sop NEXT] --model DIR (--prompt LIT | --prompts PATH)\n"
    "                     [--stop TOKEN] [--max-steps K] [--json] [--backend cpu|cuda]\n"
    "                     [--no-cache]\n\n"
    "Autoregressive decoding with a step program: evaluates NEXT on the\n"
    "sequence, appends its value at the last position, and repeats until that\n"
    "value is the stop token (it is appended), K steps are done (max-steps),\n"
    "or the sequence is max_len tokens long (max-len). LIT is a RASP literal,\n"
    "as `rasp run --input` takes it; TOKEN is one atom ('\"$\"' or '0').\n"
    "--prompts reads one prompt a line ('-': stdin) and decodes them together.\n"
    "--backend interp (the default) runs NEXT on the reference evaluator;\n"
    "max_len is N (default 4096) and V, if given, is enforced. --backend cpu\n"
    "compiles NEXT once for V and N and runs the model on the CPU (cuda: on an\n"
    "NVIDIA GPU); --model runs a model `rasp compile -o DIR` exported (FILE\n"
    "and NEXT, if given, only show whether it may use the cache). Where\n"
    "every selector of NEXT provably looks back only, the model is compiled\n"
    "with a causal mask and the CPU decodes with a cache, each step computing\n"
    "the new position alone (--no-cache: every position, every step). Prints\n"
    "the final sequence, the steps and why it stopped; --json prints an object\n"
    "per prompt (with --prompts, one a line: JSON Lines).\n";

po::options_description generateOptions() {
  po::options_description options("options");
  options.add_options()("file", po::value<std::string>(),
                        "a RASP file")("sop", po::value<std::string>(), "the step s-op NEXT")(
      "model", po::value<std::string>(),
      "run the model `rasp compile -o` wrote in this folder instead of compiling NEXT")(
      "prompt", po::value<std::string>(),
      "the prompt, a RASP literal")("prompts", po::value<std::string>(),
                                    "a file of prompts, one RASP literal a line ('-': stdin)")(
      "stop", po::value<std::string>(), "the stop token, one atom as a RASP literal")(
      "max-steps", po::value<int64_t>(), "stop after this many steps")(
      "json", po::bool_switch(),
      "print JSON: {\"prompt\", \"generated\", \"sequence\", \"type\", \"steps\", "
      "\"stop_reason\"} (with --prompts, one object a line, with its \"line\")")(
      "backend", po::value<std::string>(),
      "interp (the reference evaluator; default), cpu or cuda (the compiled model)")(
      "vocab", po::value<std::string>(), "the vocabulary, a RASP list (needed by cpu|cuda)")(
      "max-len", maxLenValue(), "the longest sequence (1..4096; needed by cpu|cuda)")(
      "no-cache", po::bool_switch(),
      "recompute every position at every step, even where a cached decode is exact");
  return options;
}

/// What `rasp generate` is asked to do, its usage checked.
struct GenerateRequest {
  std::optional<std::string> file, sop, model, vocab, prompt, prompts, stop;
  std::string backend;
  int64_t maxLen = 0;
  std::optional<int64_t> maxSteps;
  bool json = false, noCache = false;

  /// Whether NEXT runs as a compiled model (--backend cpu or cuda).
  bool compiled() const { return backend != "interp"; }
};

/// The usage error in `request`, or "".
std::string usageError(const GenerateRequest &request) {
  if (request.model) {
    if (request.vocab || request.maxLen)
      return "--model runs the exported model for its own vocabulary and max_len: it takes no "
             "--vocab or --max-len";
    if (request.file.has_value() != request.sop.has_value())
      return "with --model, give FILE and --sop NEXT together (the program the model was "
             "compiled from) or neither";
    if (!request.compiled())
      return "--model runs on --backend cpu or cuda, not '" + request.backend + "'";
  } else if (!request.file || !request.sop) {
    return "give the program as FILE --sop NEXT (or an exported model with --model DIR)";
  }
  if (request.backend != "interp" && request.backend != "cpu" && request.backend != "cuda")
    return "--backend must be interp, cpu or cuda, not '" + request.backend + "'";
  if (!request.model && request.compiled() && (!request.vocab || !request.maxLen))
    return "--backend " + request.backend + " needs --vocab and --max-len";
  if (request.prompt.has_value() == request.prompts.has_value())
    return "give the prompt with --prompt or with --prompts (one of them)";
  if (request.maxSteps && *request.maxSteps < 0)
    return "--max-steps must be at least 0, not " + std::to_string(*request.maxSteps);
  return "";
}

/// Phase 1: the command line. Nothing when the command ends here, with
/// `exit` set (ExitUsage, or ExitOk after --help).
std::optional<GenerateRequest> parseGenerateRequest(const std::vector<std::string> &args,
                                                    int &exit) {
  auto vm = parseArgs(args, GenerateUsage, generateOptions(), 1, exit);
  if (!vm)
    return std::nullopt;
  auto optional = [&](const char *name) {
    return vm->count(name) ? std::optional<std::string>((*vm)[name].as<std::string>())
                           : std::nullopt;
  };
  GenerateRequest request;
  request.file = optional("file");
  request.sop = optional("sop");
  request.model = optional("model");
  request.vocab = optional("vocab");
  request.prompt = optional("prompt");
  request.prompts = optional("prompts");
  request.stop = optional("stop");
  request.backend = optional("backend").value_or(request.model ? "cpu" : "interp");
  request.maxLen = vm->count("max-len") ? (*vm)["max-len"].as<int64_t>() : 0;
  if (vm->count("max-steps"))
    request.maxSteps = (*vm)["max-steps"].as<int64_t>();
  request.json = (*vm)["json"].as<bool>();
  request.noCache = (*vm)["no-cache"].as<bool>();
  std::string error = usageError(request);
  if (error.empty())
    return request;
  std::cerr << "rasp: error: " << error << "\n\n" << GenerateUsage;
  exit = ExitUsage;
  return std::nullopt;
}

/// One prompt and what has been generated from it.
struct Generation {
  Literal literal;
  std::optional<Input> prompt;
  /// The prompt's tokens, then the generated ones.
  std::vector<Atom> sequence;
  /// The sequence as the compiled model's token ids (compiled backends).
  runtime::TokenIds ids;
  int64_t steps = 0;
  /// Why the generation stopped: "stop-token", "max-steps" or "max-len".
  const char *stop = nullptr;
  /// Set when it failed: the first line of its diagnostics (--json), or "".
  std::optional<std::string> error;

  bool done() const { return stop || error; }
};

/// Everything the decoding needs, loaded once for all the prompts.
struct Session {
  explicit Session(bool capture) : captured(capturedText), diags(capture ? &captured : nullptr) {}

  /// With --json, diagnostics are caught here, so that each prompt's first
  /// error can go into its object; flushDiagnostics passes them on to stderr.
  std::string capturedText;
  llvm::raw_string_ostream captured;
  DiagnosticEngine diags;
  LoadedProgram program;
  /// The step s-op; null for --model without FILE.
  const graph::Node *next = nullptr;
  std::string nextName;
  std::optional<codegen::CompiledProgram> compiled;
  std::unique_ptr<runtime::Backend> backend;
  std::unique_ptr<runtime::PreparedModel> prepared;
  /// Empty when the tokens are not restricted (interp without --vocab).
  std::vector<Atom> vocab;
  int64_t maxLen = MaxMaxLen;
  std::optional<int64_t> maxSteps;
  std::optional<Atom> stop;
  /// Whether the compiled model decodes with a cache (decodeCached).
  bool cached = false;

  /// The diagnostics caught since the last call, now written to stderr.
  std::string flushDiagnostics() {
    captured.flush();
    std::string text = std::move(capturedText);
    capturedText.clear();
    llvm::errs() << text;
    return text;
  }

  /// Marks `g` failed with the diagnostics just reported about it.
  void failed(Generation &g) {
    std::string text = flushDiagnostics();
    g.error = text.substr(0, text.find('\n'));
  }

  void fail(Generation &g, const llvm::Twine &message) {
    diags.error(g.prompt->loc, message);
    failed(g);
  }
};

/// Phase 2a: FILE and NEXT, compiled for a compiled backend; false after
/// reporting an error.
bool loadProgram(Session &s, const GenerateRequest &request) {
  std::optional<LoadedProgram> program = driver::loadProgram(s.diags, *request.file);
  if (!program || s.diags.errorCount())
    return false;
  s.program = std::move(*program);
  s.nextName = *request.sop;
  if (request.compiled()) {
    s.compiled =
        compileNamed(s.diags, s.program, s.nextName, *request.vocab, request.maxLen, &s.next);
    // No selector looks ahead: a causal mask hides only positions that no
    // head selects, and makes a cached decode exact.
    if (s.compiled && !analysis::firstLookAhead(s.next, request.maxLen))
      s.compiled->model.config.causal = true;
    return s.compiled.has_value();
  }
  s.next = findNode(*s.program.scope, s.nextName, s.diags, false);
  if (!s.next)
    return false;
  if (request.vocab) {
    std::optional<std::vector<Atom>> vocab =
        parseVocab(*s.program.elaborator, s.diags, *request.vocab);
    if (!vocab)
      return false;
    s.vocab = std::move(*vocab);
  }
  if (request.maxLen)
    s.maxLen = request.maxLen;
  return true;
}

/// Phase 2b: the exported model of --model; false after reporting an error.
/// With FILE --sop NEXT, the program the model was compiled from: where
/// NEXT only looks back, the model gets the causal mask (and the cache).
bool loadModel(Session &s, const GenerateRequest &request) {
  if (request.file) {
    std::optional<LoadedProgram> program = driver::loadProgram(s.diags, *request.file);
    if (!program || s.diags.errorCount())
      return false;
    s.program = std::move(*program);
    s.next = findNode(*s.program.scope, *request.sop, s.diags, false);
    if (!s.next)
      return false;
  }
  s.compiled = loadExported(s.diags, *request.model);
  if (!s.compiled)
    return false;
  s.nextName = s.compiled->plan.output.label;
  if (!s.next) {
    s.program.elaborator = makeElaborator(s.diags);
    return s.program.elaborator != nullptr;
  }
  if (s.next->name != s.nextName) {
    s.diags.error("the model in " + *request.model + " computes '" + s.nextName + "', not '" +
                  s.next->name + "' (--sop " + *request.sop + ")");
    return false;
  }
  if (!analysis::firstLookAhead(s.next, s.compiled->model.config.maxLen))
    s.compiled->model.config.causal = true;
  return true;
}

/// Phase 2c: the backend and the model prepared for it, the vocabulary and
/// max_len of a compiled model, and the stop token; false after reporting
/// an error.
bool prepare(Session &s, const GenerateRequest &request) {
  if (s.compiled) {
    s.backend = makeBackend(s.diags, request.backend, runtime::PrecisionKind::Float32);
    if (!s.backend)
      return false;
    try {
      s.prepared = s.backend->prepare(s.compiled->model);
    } catch (const std::exception &e) {
      s.diags.error(llvm::Twine("the ") + s.backend->name() +
                    " backend cannot run the model: " + e.what());
      return false;
    }
    s.cached = !request.noCache && s.compiled->model.config.causal && s.prepared->startDecode();
    s.vocab = s.compiled->plan.vocab;
    s.maxLen = s.compiled->model.config.maxLen;
  }
  s.maxSteps = request.maxSteps;
  if (!request.stop)
    return true;
  SourceLoc loc;
  std::optional<lang::Value> stop =
      parseInput(*s.program.elaborator, s.diags, {"--stop", *request.stop}, loc);
  if (!stop)
    return false;
  if (!stop->isAtom()) {
    s.diags.error(loc, "the stop token must be one atom, such as \"$\" or 0");
    return false;
  }
  s.stop = stop->atom();
  if (!s.vocab.empty() && !vocabIndex(s.vocab, *s.stop)) {
    s.diags.error(loc, "the stop token " + s.stop->repr() + " is not in the vocabulary");
    return false;
  }
  return true;
}

/// Phase 3: a prompt read and checked: not longer than max_len, its tokens
/// in the vocabulary and of one sequence type. Failed (reported) otherwise.
Generation readPrompt(Session &s, const Literal &literal) {
  Generation g;
  g.literal = literal;
  g.prompt = parseInputLiteral(*s.program.elaborator, s.diags, literal);
  if (!g.prompt) {
    s.failed(g);
    return g;
  }
  g.sequence = g.prompt->atoms;
  if (static_cast<int64_t>(g.sequence.size()) > s.maxLen) {
    s.fail(g, "the prompt has " + std::to_string(g.sequence.size()) +
                  " tokens, more than max_len " + std::to_string(s.maxLen));
    return g;
  }
  for (const Atom &atom : g.sequence) {
    if (s.vocab.empty())
      break;
    std::optional<int64_t> id = vocabIndex(s.vocab, atom);
    if (!id) {
      s.fail(g, "the prompt token " + atom.repr() + " is not in the vocabulary");
      return g;
    }
    g.ids.push_back(*id);
  }
  try {
    eval::typeSequence(g.sequence, g.prompt->loc);
  } catch (const eval::EvalError &e) {
    s.fail(g, "the prompt is no sequence: " + e.message);
  }
  return g;
}

/// Appends `value`, generated by step g.steps + 1, if the next step can take
/// it: a token of the vocabulary (when there is one) that keeps the sequence
/// of one type. Then stops at the stop token.
void append(Session &s, Generation &g, const Atom &value) {
  std::string step = "step " + std::to_string(g.steps + 1) + " generated " + value.repr();
  std::optional<int64_t> id;
  if (!s.vocab.empty() && !(id = vocabIndex(s.vocab, value)))
    return s.fail(g, step + ", which is not in the vocabulary");
  // The sequence so far has one type: only a string after numbers or a
  // number after strings breaks it.
  g.sequence.push_back(value);
  if (value.isString() != g.sequence.front().isString()) {
    try {
      eval::typeSequence(g.sequence, SourceLoc());
    } catch (const eval::EvalError &e) {
      g.sequence.pop_back();
      return s.fail(g, step + ", which the next step cannot take: " + e.message);
    }
  }
  if (id)
    g.ids.push_back(*id);
  ++g.steps;
  if (s.stop && vocabIndex({*s.stop}, value))
    g.stop = "stop-token";
}

/// One step on the reference evaluator: NEXT's value at the last position
/// of each sequence; nothing for a sequence on which it fails (reported).
std::vector<std::optional<Atom>> interpStep(Session &s, const std::vector<Generation *> &active) {
  std::vector<std::optional<Atom>> values;
  for (Generation *g : active) {
    try {
      eval::Evaluator evaluator(g->sequence);
      values.push_back(evaluator.sequence(s.next).values.back());
      continue;
    } catch (const eval::EvalError &e) {
      s.diags.error(e.loc.isValid() ? e.loc : g->prompt->loc, e.message);
      s.diags.note(s.next->loc.isValid() ? s.next->loc : g->prompt->loc,
                   "while evaluating '" + s.nextName + "' on " + eval::valuesText(g->sequence) +
                       ", step " + std::to_string(g->steps + 1) + " from " +
                       lang::inputText(g->prompt->value));
      s.failed(*g);
    }
    values.push_back(std::nullopt);
  }
  return values;
}

/// How many sequences one run of a compiled model takes: enough to keep the
/// threads busy, few enough to bound the memory of the residual streams.
constexpr size_t StepBatch = 64;

/// One step on the compiled model, every sequence in batches of StepBatch.
std::vector<std::optional<Atom>> compiledStep(Session &s, const std::vector<Generation *> &active) {
  runtime::RunOptions options;
  options.threads = std::max(1u, std::thread::hardware_concurrency());
  std::vector<std::optional<Atom>> values;
  for (size_t first = 0; first < active.size(); first += StepBatch) {
    size_t last = std::min(active.size(), first + StepBatch);
    std::vector<runtime::TokenIds> batch;
    for (size_t i = first; i < last; ++i)
      batch.push_back(active[i]->ids);
    std::vector<runtime::RunResult> results;
    try {
      results = s.prepared->run(batch, options);
    } catch (const std::exception &e) {
      for (size_t i = first; i < last; ++i) {
        s.fail(*active[i],
               llvm::Twine("the ") + s.backend->name() + " backend failed: " + e.what());
        values.push_back(std::nullopt);
      }
      continue;
    }
    for (size_t i = first; i < last; ++i)
      values.push_back(
          outputAtom(s.compiled->plan, results[i - first], batch[i - first].size() - 1));
  }
  return values;
}

/// Whether `g` is done, or stops now at --max-steps or max_len (set).
bool stopsHere(const Session &s, Generation &g) {
  if (g.done())
    return true;
  if (s.maxSteps && g.steps >= *s.maxSteps)
    g.stop = "max-steps";
  else if (static_cast<int64_t>(g.sequence.size()) >= s.maxLen)
    g.stop = "max-len";
  return g.stop != nullptr;
}

/// Phase 4: decodes every prompt that did not fail, one step for all of them
/// at a time, until each has stopped or failed.
void decode(Session &s, std::vector<Generation> &generations) {
  for (;;) {
    std::vector<Generation *> active;
    for (Generation &g : generations)
      if (!stopsHere(s, g))
        active.push_back(&g);
    if (active.empty())
      return;
    std::vector<std::optional<Atom>> values =
        s.compiled ? compiledStep(s, active) : interpStep(s, active);
    for (size_t i = 0; i < active.size(); ++i)
      if (values[i])
        append(s, *active[i], *values[i]);
  }
}

/// Phase 4 with a cache (a causal model on a backend that has one): each
/// prompt is decoded to its end on its own, on as many threads as the
/// hardware has, and each step computes the appended position alone.
void decodeCached(Session &s, std::vector<Generation> &generations) {
  std::atomic<size_t> next{0};
  std::mutex lock; // Around what reports errors: the diagnostics.
  auto decodeOne = [&](Generation &g) {
    std::unique_ptr<runtime::CachedDecode> decode = s.prepared->startDecode();
    runtime::TokenIds appended = g.ids;
    while (!stopsHere(s, g)) {
      runtime::RunResult result;
      try {
        result = decode->extend(appended);
      } catch (const std::exception &e) {
        std::lock_guard<std::mutex> guard(lock);
        return s.fail(g, llvm::Twine("the ") + s.backend->name() + " backend failed: " + e.what());
      }
      Atom value = outputAtom(s.compiled->plan, result, result.choices[0].size() - 1);
      std::lock_guard<std::mutex> guard(lock);
      append(s, g, value);
      appended = {g.ids.back()};
    }
  };
  auto work = [&] {
    for (size_t i; (i = next++) < generations.size();) {
      try {
        decodeOne(generations[i]);
      } catch (const std::exception &e) { // Out of memory, say: that prompt fails.
        std::lock_guard<std::mutex> guard(lock);
        s.fail(generations[i], llvm::Twine("the cached decode failed: ") + e.what());
      }
    }
  };
  std::vector<std::thread> pool;
  for (unsigned t = 1; t < std::thread::hardware_concurrency() && t < generations.size(); ++t) {
    try {
      pool.emplace_back(work);
    } catch (const std::system_error &) {
      break; // No more threads to be had: go on with fewer.
    }
  }
  work();
  for (std::thread &t : pool)
    t.join();
}

json::Array atomsJson(std::vector<Atom>::const_iterator begin,
                      std::vector<Atom>::const_iterator end) {
  json::Array atoms;
  for (auto it = begin; it != end; ++it)
    atoms.push_back(atomJson(*it));
  return atoms;
}

/// A generation as its JSON object; `line` for --prompts.
json::Object generationJson(const Generation &g, bool line, bool cached) {
  json::Object out{{"cached", cached}};
  if (line)
    out["line"] = static_cast<int64_t>(g.literal.line);
  if (g.prompt) {
    out["prompt"] = inputJson(g.prompt->value, g.prompt->atoms);
    size_t promptSize = g.prompt->atoms.size();
    out["generated"] = atomsJson(g.sequence.begin() + promptSize, g.sequence.end());
    out["sequence"] = atomsJson(g.sequence.begin(), g.sequence.end());
    out["steps"] = g.steps;
  }
  if (g.error) {
    out["error"] = *g.error;
    return out;
  }
  out["type"] = eval::seqTypeName(eval::typeSequence(g.sequence, SourceLoc()));
  out["stop_reason"] = g.stop;
  return out;
}

/// Phase 5: a generation that did not fail, as text: the prompt, the final
/// sequence as `rasp run` shows a sequence, the steps and why it stopped.
void printText(const Generation &g) {
  eval::Sequence sequence{g.sequence, eval::typeSequence(g.sequence, SourceLoc())};
  llvm::outs() << lang::inputText(g.prompt->value) << " -> " << lang::sequenceText(sequence) << "\n"
               << "steps: " << g.steps << ", stop: " << g.stop << "\n";
}

} // namespace

int driver::generateCommand(const std::vector<std::string> &args) {
  int exit = ExitOk;
  std::optional<GenerateRequest> request = parseGenerateRequest(args, exit);
  if (!request)
    return exit;
  Session s(request->json);
  bool loaded = request->model ? loadModel(s, *request) : loadProgram(s, *request);
  if (!loaded || !prepare(s, *request)) {
    s.flushDiagnostics();
    return ExitProgramError;
  }
  std::optional<std::vector<Literal>> literals =
      request->prompts ? readLiterals(s.diags, *request->prompts)
                       : std::vector<Literal>{{"--prompt", *request->prompt}};
  if (!literals) {
    s.flushDiagnostics();
    return ExitProgramError;
  }
  std::vector<Generation> generations;
  for (const Literal &literal : *literals)
    generations.push_back(readPrompt(s, literal));
  if (s.cached)
    decodeCached(s, generations);
  else
    decode(s, generations);
  s.flushDiagnostics();
  bool batch = request->prompts.has_value();
  for (const Generation &g : generations) {
    if (request->json) {
      json::Value out(generationJson(g, batch, s.cached));
      if (batch)
        llvm::outs() << llvm::formatv("{0}", out) << "\n";
      else
        llvm::outs() << llvm::formatv("{0:2}", out) << "\n";
    } else if (!g.error) {
      printText(g);
    }
  }
  return s.diags.errorCount() ? ExitProgramError : ExitOk;
}
