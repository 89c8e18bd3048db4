// The REPL loop, its commands, trial evaluation and the original's display.
#include "compiler/repl/Repl.h"

#include "compiler/analysis/Analyze.h"
#include "compiler/analysis/Draw.h"
#include "compiler/frontend/Parse.h"
#include "compiler/lang/Display.h"
#include "compiler/support/FloatFormat.h"

#include "llvm/Support/Casting.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/raw_ostream.h"

#include <algorithm>
#include <map>

using namespace rasp;
using namespace rasp::lang;
using llvm::cast;

namespace {

/// Whether two inputs are the same atoms, of the same types (1, 1.0 and
/// True are different inputs).
bool sameInput(const std::vector<Atom> &a, const std::vector<Atom> &b) {
  if (a.size() != b.size())
    return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (a[i].kind() != b[i].kind() || !a[i].equals(b[i]))
      return false;
  return true;
}

/// An atom as the REPL shows a value: strings in double quotes.
std::string atomText(const Atom &atom) {
  return atom.isString() ? "\"" + atom.asString() + "\"" : atom.str();
}

/// Whether a list or dict is shown on one line (no element is a list, dict,
/// s-op or selector).
bool isFlat(const Value &value) {
  auto simple = [](const Value &v) {
    return v.kind() == ValueKind::Atom || v.kind() == ValueKind::Function ||
           v.kind() == ValueKind::Applied;
  };
  if (value.kind() == ValueKind::List) {
    for (const Value &item : value.listValue().items)
      if (!simple(item))
        return false;
    return true;
  }
  for (const auto &entry : value.dictValue().entries)
    if (!simple(entry.second))
      return false;
  return true;
}

class Repl {
public:
  Repl(Elaborator &elaborator, DiagnosticEngine &diags, llvm::raw_ostream &out)
      : elaborator(elaborator), diags(diags), out(out),
        console(elaborator.newConsoleScope()) {
    setExample(Value(Atom::string("hello")), true, true);
    elaborator.setTrialHook([this](const graph::Node *node,
                                   const std::vector<Atom> *backup, SourceLoc) {
      tryOn(node, backup ? *backup : sopAtoms);
    });
    elaborator.setCommandHook([this](const ast::Stmt &stmt) {
      bool exit = false;
      command(stmt, exit);
    });
  }

  int run(LineReader &read, const ReplOptions &options);

private:
  // ------------------------------------------------------------ examples

  void setExample(const Value &example, bool sop, bool selector) {
    std::vector<Atom> atoms;
    try {
      atoms = inputAtoms(example, SourceLoc());
    } catch (const LangError &) {
      atoms.clear(); // An empty example: every s-op then fails on it.
    }
    if (sop) {
      sopExample = example;
      sopAtoms = atoms;
      sopEvaluator.reset();
    }
    if (selector) {
      selectorExample = example;
      selectorAtoms = atoms;
      selectorEvaluator.reset();
    }
  }

  /// The evaluator for `atoms` (cached for the two running examples).
  eval::Evaluator *evaluatorFor(const std::vector<Atom> &atoms) {
    if (atoms.empty())
      return nullptr;
    if (&atoms == &sopAtoms) {
      if (!sopEvaluator)
        sopEvaluator = std::make_unique<eval::Evaluator>(sopAtoms);
      return sopEvaluator.get();
    }
    if (&atoms == &selectorAtoms) {
      if (!selectorEvaluator)
        selectorEvaluator = std::make_unique<eval::Evaluator>(selectorAtoms);
      return selectorEvaluator.get();
    }
    // Another input (a backup example): evaluated afresh, never confused
    // with a cached result for a different input (see spec §13.4).
    if (!scratch || !sameInput(scratch->input(), atoms))
      scratch = std::make_unique<eval::Evaluator>(atoms);
    return scratch.get();
  }

  void tryOn(const graph::Node *node, const std::vector<Atom> &atoms) {
    eval::Evaluator *evaluator = evaluatorFor(atoms);
    if (!evaluator)
      throw LangError{node->loc, "s-ops and selectors need a non-empty example, "
                                 "but the running example is empty"};
    if (node->isSelector())
      evaluator->selector(node);
    else
      evaluator->sequence(node);
  }

  // ------------------------------------------------------------- display

  /// An s-op shown under `name`, after `head` (the original's prefixes).
  std::vector<std::string> showSOp(const std::string &pref, const std::string &head,
                                   const std::string &name, const graph::Node *node) {
    std::vector<std::string> lines{head + "   s-op: " + name};
    if (!sopExamples)
      return lines;
    eval::Evaluator *evaluator = evaluatorFor(sopAtoms);
    const eval::Sequence &seq = evaluator->sequence(node);
    std::string example = name + "(" + inputText(sopExample) + ")";
    if (!fullSeq) {
      lines.push_back(pref + " \t Example: " + example + " = " + sequenceText(seq));
      return lines;
    }
    if (identical(seq)) {
      lines.push_back(pref + " \t Example: " + example + " = " + sequenceText(seq) +
                      " [skipped full display: identical values]");
      return lines;
    }
    lines.push_back(pref + " \t Example:");
    for (const std::string &line : fullRows(selectorAtoms, seq))
      lines.push_back(pref + line);
    return lines;
  }

  /// Whether all values are equal (as elements of a Python set).
  static bool identical(const eval::Sequence &seq) {
    for (const Atom &v : seq.values)
      if (!v.equals(seq.values[0]))
        return false;
    return true;
  }

  /// The aligned input and output rows of the full sequence display.
  static std::vector<std::string> fullRows(const std::vector<Atom> &inputAtoms,
                                           const eval::Sequence &seq) {
    std::vector<std::string> top = fullCells(inputAtoms), bottom = fullCells(seq.values);
    size_t width = 0;
    for (const std::string &cell : top)
      width = std::max(width, cell.size());
    for (const std::string &cell : bottom)
      width = std::max(width, cell.size());
    auto row = [&](const char *label, const std::vector<std::string> &cells,
                   eval::SeqTypeKind type) {
      std::string line = std::string(" \t\t") + label + "  ";
      for (size_t i = 0; i < cells.size(); ++i)
        line += (i ? " " : "") + std::string(width - cells[i].size(), ' ') + cells[i];
      return line + " \t (" + eval::seqTypeName(type) + ")";
    };
    // The original types the input row after turning it into text: always
    // strings.
    return {row("input: ", top, eval::SeqTypeKind::Strings),
            row("output:", bottom, seq.type)};
  }

  /// The cells of the full sequence display: values in full precision;
  /// when the first value is a bool, as in the original, every value shows
  /// as T or F by its truth, and only the rarer of the two (both on a tie).
  static std::vector<std::string> fullCells(const std::vector<Atom> &values) {
    std::vector<std::string> cells;
    if (values.empty() || !values[0].isBool()) {
      for (const Atom &v : values)
        cells.push_back(v.str());
      return cells;
    }
    size_t trues = 0, falses = 0;
    for (const Atom &v : values) {
      trues += v.equals(Atom::boolean(true));
      falses += v.equals(Atom::boolean(false));
    }
    std::string t = trues <= falses ? "T" : "", f = falses <= trues ? "F" : "";
    for (const Atom &v : values)
      cells.push_back(v.truthy() ? t : f);
    return cells;
  }

  std::vector<std::string> showSelector(const std::string &pref, const std::string &head,
                                        const std::string &name,
                                        const graph::Node *node) {
    std::vector<std::string> lines{head + "   selector: " + name};
    if (!selectorExamples)
      return lines;
    eval::Evaluator *evaluator = evaluatorFor(selectorAtoms);
    lines.push_back(pref + " \t Example:");
    for (const std::string &line :
         selectorLines(evaluator->selector(node), selectorAtoms))
      lines.push_back(pref + line);
    return lines;
  }

  /// The display of a value, as the original's print_named_val: under
  /// `name` (none inside lists and dicts), indented by `ntabs` tabs, after
  /// `extra` (a dict entry's key).
  std::vector<std::string> show(const std::optional<std::string> &name,
                                const Value &value, unsigned ntabs = 0,
                                const std::string &extra = "") {
    std::string pref(ntabs, '\t');
    std::string head = pref + " " + extra + " ";
    switch (value.kind()) {
    case ValueKind::Atom:
      return {pref + "    value: " + (name ? *name + " = " : "") + " " +
              atomText(value.atom())};
    case ValueKind::SOp:
      return showSOp(pref, head, name ? *name : value.node()->name, value.node());
    case ValueKind::Selector:
      return showSelector(pref, head, name ? *name : value.node()->name, value.node());
    case ValueKind::Function: {
      const Function &f = *value.function();
      std::string params;
      for (size_t i = 0; i < f.params.size(); ++i)
        params += (i ? ", " : "") + f.params[i];
      return {pref + " " + extra + "    " + f.creator + " function: " + f.name +
              "(" + params + ")"};
    }
    case ValueKind::Applied: {
      const Applied &a = value.appliedValue();
      if (!a.node->isSelector() && fullSeq) {
        if (identical(a.sequence))
          return {"\t =   " + sequenceText(a.sequence) +
                  " [skipped full display: identical values]"};
        std::vector<std::string> lines{"\t = "};
        for (const std::string &line : fullRows(a.input, a.sequence))
          lines.push_back(line);
        return lines;
      }
      if (!a.node->isSelector())
        return {"\t =  " + sequenceText(a.sequence)};
      std::vector<std::string> lines{"\t = "};
      for (const std::string &line : selectorLines(a.matrix, a.input))
        lines.push_back(line);
      return lines;
    }
    case ValueKind::List:
    case ValueKind::Dict: {
      bool list = value.kind() == ValueKind::List;
      std::string named = std::string(list ? "   list: " : "   dict: ") +
                          (name ? *name + " = " : "");
      if (isFlat(value))
        return {head + named + value.repr()};
      std::vector<std::string> lines{head + named + pref + (list ? " [" : " {")};
      if (list) {
        for (const Value &item : value.listValue().items)
          for (const std::string &line : show(std::nullopt, item, ntabs + 2))
            lines.push_back(line);
      } else {
        for (const auto &[key, item] : value.dictValue().entries)
          for (const std::string &line :
               show(std::nullopt, item, ntabs + 3, atomText(key) + " : "))
            lines.push_back(line);
      }
      lines.push_back(pref + std::string(named.size() + 2, ' ') + (list ? "]" : "}"));
      return lines;
    }
    }
    return {};
  }

  void print(const std::vector<std::string> &lines) {
    for (const std::string &line : lines)
      out << line << "\n";
  }

  // ------------------------------------------------------------ commands

  /// Runs a REPL command; false for a statement the Elaborator runs.
  bool command(const ast::Stmt &stmt, bool &exit) {
    using ast::ExampleSubsetKind;
    switch (stmt.kind()) {
    case ast::StmtKind::SetExample: {
      auto &set = cast<ast::SetExampleStmt>(stmt);
      std::optional<Value> example = elaborator.evaluateExpression(*set.example, console);
      if (!example)
        return true;
      bool iterable = example->kind() == ValueKind::List ||
                      example->kind() == ValueKind::Dict ||
                      (example->isAtom() && example->atom().isString());
      if (!iterable) {
        diags.error(set.example->loc(), "an example must be a string, list or "
                                        "dict, not " + example->describe());
        return true;
      }
      setExample(*example, set.subset != ExampleSubsetKind::Selector,
                 set.subset != ExampleSubsetKind::SOp);
      return true;
    }
    case ast::StmtKind::ShowExample: {
      auto subset = cast<ast::ShowExampleStmt>(stmt).subset;
      if (subset != ExampleSubsetKind::Selector)
        out << "\ts-op example: " << inputText(sopExample) << "\n";
      if (subset != ExampleSubsetKind::SOp)
        out << "\tselector example: " << inputText(selectorExample) << "\n";
      return true;
    }
    case ast::StmtKind::ToggleExamples: {
      auto &toggle = cast<ast::ToggleExamplesStmt>(stmt);
      if (toggle.subset != ExampleSubsetKind::Selector)
        sopExamples = toggle.on;
      if (toggle.subset != ExampleSubsetKind::SOp)
        selectorExamples = toggle.on;
      return true;
    }
    case ast::StmtKind::ToggleFullSeq:
      fullSeq = cast<ast::ToggleFullSeqStmt>(stmt).on;
      return true;
    case ast::StmtKind::Exit:
      exit = true;
      return true;
    case ast::StmtKind::Draw:
      draw(cast<ast::DrawStmt>(stmt));
      return true;
    default:
      return false;
    }
  }

  /// `draw(sop [, input]);`: writes comp_flows/NAME(INPUT).pdf (or .dot
  /// without Graphviz) and shows the s-op's value on the input.
  void draw(const ast::DrawStmt &stmt) {
    std::optional<Value> target = elaborator.evaluateExpression(*stmt.target, console);
    if (!target)
      return;
    if (!target->isSOp())
      throw LangError{stmt.target->loc(), "draw expects an s-op, not " + target->describe()};
    Value input = sopExample;
    if (stmt.input) {
      std::optional<Value> given = elaborator.evaluateExpression(*stmt.input, console);
      if (!given)
        return;
      input = *given;
    }
    std::vector<Atom> atoms = inputAtoms(input, stmt.input ? stmt.input->loc() : stmt.loc());
    eval::Evaluator evaluator(atoms);
    const graph::Node *node = target->node();
    std::string dot;
    llvm::raw_string_ostream text(dot);
    analysis::drawDot(node->name, analysis::analyze(node), evaluator, text);
    llvm::sys::fs::create_directories("comp_flows");
    analysis::DrawingResult written = analysis::writeDrawing(
        text.str(), "comp_flows/" + node->name + "(" + inputText(input) + ").pdf");
    if (!written.ok)
      diags.error(stmt.loc(), written.message);
    else if (!written.message.empty())
      diags.note(stmt.loc(), written.message);
    out << "\t =  " << sequenceText(evaluator.sequence(node)) << "\n";
  }

  /// Runs one statement and prints what it shows.
  void statement(const ast::Stmt &stmt, bool &exit) {
    try {
      if (command(stmt, exit))
        return;
      std::vector<Shown> shown = elaborator.runStatement(stmt, console);
      if (stmt.kind() == ast::StmtKind::Load) {
        showLoad(shown, elaborator.lastLoadFailed());
        return;
      }
      std::vector<std::string> lines;
      for (const Shown &s : shown)
        for (const std::string &line : show(s.name, s.value))
          lines.push_back(line);
      print(lines);
    } catch (const LangError &e) {
      if (!e.message.empty())
        diags.error(e.loc, e.message);
    } catch (const eval::EvalError &e) {
      diags.error(e.loc, e.message);
    }
  }

  /// A load lists each exported name once, at its last binding, without
  /// examples; after an error, it lists every binding in order.
  void showLoad(const std::vector<Shown> &exported, bool failed) {
    std::map<std::string, size_t> last;
    for (size_t i = 0; i < exported.size(); ++i)
      last[exported[i].name] = i;
    bool sop = sopExamples, selector = selectorExamples;
    sopExamples = selectorExamples = false;
    std::vector<std::string> lines;
    for (size_t i = 0; i < exported.size(); ++i)
      if (failed || last[exported[i].name] == i)
        for (const std::string &line : show(exported[i].name, exported[i].value))
          lines.push_back(line);
    sopExamples = sop;
    selectorExamples = selector;
    print(lines);
  }

  Elaborator &elaborator;
  DiagnosticEngine &diags;
  llvm::raw_ostream &out;
  std::shared_ptr<Env> console;
  Value sopExample, selectorExample;
  std::vector<Atom> sopAtoms, selectorAtoms;
  std::unique_ptr<eval::Evaluator> sopEvaluator, selectorEvaluator, scratch;
  bool sopExamples = true, selectorExamples = true, fullSeq = false;
};

/// Counts the `def`s in pending input, for the continuation prompt.
size_t countDefs(const std::string &text) {
  size_t count = 0;
  for (size_t at = text.find("def"); at != std::string::npos;
       at = text.find("def", at + 3)) {
    bool startOk = at == 0 || !(std::isalnum(static_cast<unsigned char>(text[at - 1])) ||
                                text[at - 1] == '_');
    bool endOk = at + 3 >= text.size() ||
                 !(std::isalnum(static_cast<unsigned char>(text[at + 3])) ||
                   text[at + 3] == '_');
    count += startOk && endOk;
  }
  return count;
}

bool isBlank(const std::string &text) {
  return text.find_first_not_of(" \t\r\n") == std::string::npos;
}

int Repl::run(LineReader &read, const ReplOptions &options) {
  out << "RASP 0.1\n";
  out << "running example is: " << (sopExample.isAtom() ? sopExample.atom().str()
                                                        : sopExample.repr())
      << "\n";
  for (const std::string &path : options.preload) {
    llvm::StringRef name(path);
    if (!name.consume_back(".rasp")) {
      diags.error("cannot load '" + path + "': RASP files end in .rasp");
      continue;
    }
    FileId file = diags.addFile("<command line>", "load \"" + name.str() + "\";");
    frontend::ParseResult parsed = frontend::parseProgram(diags, file);
    if (!parsed.program)
      continue;
    bool exit = false;
    statement(*elaborator.adopt(std::move(*parsed.program)).statements[0], exit);
  }
  std::string pending;
  unsigned line = 1, pendingLine = 1;
  while (true) {
    std::string prompt = pending.empty() ? ">> " : ".. " + std::string(2 * countDefs(pending), ' ');
    if (options.echoPrompts)
      out << prompt;
    out.flush();
    std::optional<std::string> text = read(prompt);
    if (!text) {
      if (!isBlank(pending)) {
        FileId file = diags.addFile("<stdin>", pending, pendingLine);
        frontend::parseProgram(diags, file); // Reports the unfinished statement.
      }
      out << "\n";
      return 0;
    }
    if (pending.empty())
      pendingLine = line;
    pending += *text + "\n";
    ++line;
    if (isBlank(pending))
      continue; // As in the original, an empty line waits for more.
    // Read more lines while the statement is unfinished, or while there is
    // nothing but comments (the original waits for a statement then, too).
    {
      llvm::raw_null_ostream sink;
      DiagnosticEngine scratch(&sink);
      FileId file = scratch.addFile("<stdin>", pending, pendingLine);
      frontend::ParseResult trial = frontend::parseProgram(scratch, file);
      if (trial.endedEarly || (trial.program && trial.program->statements.empty()))
        continue;
    }
    FileId file = diags.addFile("<stdin>", pending, pendingLine);
    pending.clear();
    frontend::ParseResult parsed = frontend::parseProgram(diags, file);
    if (!parsed.program)
      continue;
    const ast::Program &program = elaborator.adopt(std::move(*parsed.program));
    bool exit = false;
    for (const ast::StmtPtr &stmt : program.statements) {
      statement(*stmt, exit);
      if (exit)
        return 0;
    }
  }
}

} // namespace

int lang::runRepl(Elaborator &elaborator, DiagnosticEngine &diags, LineReader read,
                  llvm::raw_ostream &out, const ReplOptions &options) {
  Repl repl(elaborator, diags, out);
  return repl.run(read, options);
}
