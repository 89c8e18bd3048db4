// Analysis of one open document: diagnostics, values and the name index.
#include "compiler/lsp/Document.h"

#include "compiler/frontend/Parse.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/Casting.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

#include <algorithm>

namespace rasp::lsp {

using namespace rasp::ast;
using llvm::cast;

std::string uriToPath(llvm::StringRef uri) {
  if (!uri.consume_front("file://"))
    return uri.str();
  std::string path;
  for (size_t i = 0; i < uri.size(); ++i) {
    if (uri[i] == '%' && i + 2 < uri.size() && llvm::isHexDigit(uri[i + 1]) &&
        llvm::isHexDigit(uri[i + 2])) {
      path += static_cast<char>(llvm::hexFromNibbles(uri[i + 1], uri[i + 2]));
      i += 2;
      continue;
    }
    path += uri[i];
  }
  return path;
}

std::string pathToUri(llvm::StringRef path) {
  std::string uri = "file://";
  for (char c : path) {
    if (llvm::isAlnum(c) || llvm::StringRef("/-_.~").contains(c)) {
      uri += c;
      continue;
    }
    uri += '%';
    uri += llvm::hexdigit(static_cast<unsigned char>(c) >> 4, false);
    uri += llvm::hexdigit(static_cast<unsigned char>(c) & 15, false);
  }
  return uri;
}

namespace {

/// `text` with the lines [first, last] (0-based) made blank, offsets kept.
void blankLines(std::string &text, const LineIndex &lines, uint32_t first, uint32_t last) {
  uint32_t begin = lines.offset({first, 0});
  uint32_t end = last + 1 < lines.lineCount() ? lines.offset({last + 1, 0})
                                              : static_cast<uint32_t>(text.size());
  for (uint32_t i = begin; i < end; ++i)
    if (text[i] != '\n')
      text[i] = ' ';
}

/// Whether the line ends a statement (or is blank): where blanking stops.
bool endsStatement(llvm::StringRef line) {
  line = line.split('#').first.rtrim();
  return line.empty() || line.endswith(";") || line.endswith("}") || line.endswith("{");
}

/// Parses `text` silently; the first error's offset in `firstError`.
std::optional<Program> parseQuietly(DiagnosticEngine &diags, const std::string &name,
                                    const std::string &text, uint32_t &firstError) {
  firstError = UINT32_MAX;
  diags.setSink([&](const Diagnostic &d) {
    if (!d.isNote && d.loc.isValid())
      firstError = std::min(firstError, d.loc.begin);
  });
  FileId file = diags.addFile(name, text);
  std::optional<Program> program = frontend::parseProgram(diags, file).program;
  diags.setSink(nullptr);
  if (firstError == UINT32_MAX)
    firstError = 0;
  return program;
}

/// The statements of a document with syntax errors: the failing statements'
/// lines are blanked one at a time while the first error moves on; then,
/// failing that, everything from the first error on, and from ever earlier
/// lines (1, 2, 4, ... lines back), so that at most about 24 + log2(lines)
/// parses are made.
std::optional<Program> recover(DiagnosticEngine &diags, const std::string &name,
                               const std::string &original, uint32_t firstError) {
  std::string text = original;
  LineIndex lines(original);
  uint32_t error = firstError;
  for (int attempt = 0; attempt < 24; ++attempt) {
    uint32_t last = lines.position(error).line, first = last;
    while (first > 0) {
      uint32_t begin = lines.offset({first - 1, 0}), end = lines.offset({first, 0});
      if (endsStatement(llvm::StringRef(text).slice(begin, end)))
        break;
      --first;
    }
    blankLines(text, lines, first, last);
    uint32_t before = error;
    if (std::optional<Program> program = parseQuietly(diags, name, text, error))
      return program;
    if (error <= before)
      break; // No progress: the error is not one statement's.
  }
  uint32_t line = lines.position(firstError).line;
  for (uint32_t back = 1;; back *= 2) {
    text = original;
    blankLines(text, lines, line, lines.lineCount() - 1);
    if (std::optional<Program> program = parseQuietly(diags, name, text, error))
      return program;
    if (line == 0)
      return std::nullopt;
    line = line > back ? line - back : 0;
  }
}

/// A place in a file the engine holds.
Place placeIn(const DiagnosticEngine &diags, SourceLoc loc) {
  LineIndex lines(diags.fileText(loc.file));
  return {pathToUri(diags.fileName(loc.file)), lines.position(loc.begin), lines.position(loc.end)};
}

const std::vector<std::string> &builtinNames() {
  static const std::vector<std::string> names = {
      "tokens",  "tokens_str", "tokens_int", "tokens_float",   "tokens_bool", "tokens_asis",
      "indices", "True",       "False",      "selector_width", "categorical", "numerical"};
  return names;
}

/// Builds the scopes, symbols and occurrences of a document's program.
class Indexer {
public:
  Indexer(Document &doc, const ExternalNames &externals) : doc(doc), externals(externals) {}

  void run(const Program &program) {
    doc.scopes.push_back(Scope{-1, 0, static_cast<uint32_t>(doc.text.size() + 1), {}});
    collect(program.statements, 0);
    for (const StmtPtr &stmt : program.statements)
      walk(*stmt, 0);
    std::sort(doc.occurrences.begin(), doc.occurrences.end(),
              [](const Occurrence &a, const Occurrence &b) { return a.begin < b.begin; });
  }

private:
  Document &doc;
  const ExternalNames &externals;
  std::map<std::string, int> externalSymbols;

  int bind(int scope, const Identifier &id, SymbolKind kind) {
    auto [it, added] = doc.scopes[scope].names.try_emplace(id.name, -1);
    if (added) {
      it->second = static_cast<int>(doc.symbols.size());
      Symbol symbol;
      symbol.name = id.name;
      symbol.kind = kind;
      symbol.scope = scope;
      doc.symbols.push_back(symbol);
    }
    Symbol &symbol = doc.symbols[it->second];
    if (kind == SymbolKind::Function)
      symbol.kind = kind;
    symbol.bindings.push_back(id.loc.begin);
    doc.occurrences.push_back({id.loc.begin, id.loc.end, it->second, true, scope == 0});
    return it->second;
  }

  /// The bindings a list of statements makes in `scope` (loops bind in the
  /// enclosing scope; functions have their own).
  void collect(const StmtList &stmts, int scope) {
    for (const StmtPtr &stmt : stmts) {
      if (auto *assign = llvm::dyn_cast<AssignStmt>(stmt.get())) {
        for (const Identifier &target : assign->targets)
          bind(scope, target, SymbolKind::Variable);
      } else if (auto *def = llvm::dyn_cast<DefStmt>(stmt.get())) {
        int symbol = bind(scope, def->name, SymbolKind::Function);
        doc.symbols[symbol].params.clear();
        for (const Identifier &param : def->params)
          doc.symbols[symbol].params.push_back(param.name);
      } else if (auto *loop = llvm::dyn_cast<ForStmt>(stmt.get())) {
        for (const Identifier &id : loop->ids)
          bind(scope, id, SymbolKind::LoopVariable);
        collect(loop->body, scope);
      }
    }
  }

  int newScope(int parent, SourceLoc loc) {
    doc.scopes.push_back(Scope{parent, loc.begin, loc.end, {}});
    return static_cast<int>(doc.scopes.size()) - 1;
  }

  int externalSymbol(const std::string &name) {
    auto known = externalSymbols.find(name);
    if (known != externalSymbols.end())
      return known->second;
    auto found = externals.find(name);
    if (found == externals.end())
      return -1;
    doc.symbols.push_back(found->second);
    externalSymbols[name] = static_cast<int>(doc.symbols.size()) - 1;
    return externalSymbols[name];
  }

  int resolve(const std::string &name, int scope, uint32_t at) {
    bool inFunction = scope != 0;
    for (int s = scope; s >= 0; s = doc.scopes[s].parent) {
      auto it = doc.scopes[s].names.find(name);
      if (it == doc.scopes[s].names.end())
        continue;
      const Symbol &symbol = doc.symbols[it->second];
      if (s != 0 || inFunction || symbol.bindings.front() < at)
        return it->second;
    }
    return externalSymbol(name);
  }

  void use(const std::string &name, SourceLoc loc, int scope) {
    int symbol = resolve(name, scope, loc.begin);
    if (symbol >= 0)
      doc.occurrences.push_back({loc.begin, loc.end, symbol, false, scope == 0});
  }

  void walk(const Stmt &stmt, int scope) {
    switch (stmt.kind()) {
    case StmtKind::Expr:
      return walk(*cast<ExprStmt>(stmt).expr, scope);
    case StmtKind::Assign:
      for (const ExprPtr &value : cast<AssignStmt>(stmt).values)
        walk(*value, scope);
      return;
    case StmtKind::Draw: {
      auto &draw = cast<DrawStmt>(stmt);
      walk(*draw.target, scope);
      if (draw.input)
        walk(*draw.input, scope);
      return;
    }
    case StmtKind::Def: {
      auto &def = cast<DefStmt>(stmt);
      int inner = newScope(scope, def.loc());
      for (const Identifier &param : def.params)
        bind(inner, param, SymbolKind::Parameter);
      collect(def.body, inner);
      for (const StmtPtr &s : def.body)
        walk(*s, inner);
      for (const ExprPtr &value : def.returnValues)
        walk(*value, inner);
      return;
    }
    case StmtKind::For: {
      auto &loop = cast<ForStmt>(stmt);
      walk(*loop.iterable, scope);
      for (const StmtPtr &s : loop.body)
        walk(*s, scope);
      return;
    }
    case StmtKind::SetExample:
      return walk(*cast<SetExampleStmt>(stmt).example, scope);
    default:
      return;
    }
  }

  void walkAll(const ExprList &exprs, int scope) {
    for (const ExprPtr &e : exprs)
      walk(*e, scope);
  }

  void walk(const Expr &expr, int scope) {
    switch (expr.kind()) {
    case ExprKind::Name:
      return use(cast<NameExpr>(expr).name, expr.loc(), scope);
    case ExprKind::List:
      return walkAll(cast<ListExpr>(expr).elements, scope);
    case ExprKind::Dict:
      for (const DictEntry &entry : cast<DictExpr>(expr).entries) {
        walk(*entry.key, scope);
        walk(*entry.value, scope);
      }
      return;
    case ExprKind::ListComp: {
      auto &comp = cast<ListCompExpr>(expr);
      walk(*comp.iterable, scope);
      int inner = newScope(scope, expr.loc());
      for (const Identifier &id : comp.ids)
        bind(inner, id, SymbolKind::LoopVariable);
      return walk(*comp.value, inner);
    }
    case ExprKind::DictComp: {
      auto &comp = cast<DictCompExpr>(expr);
      walk(*comp.iterable, scope);
      int inner = newScope(scope, expr.loc());
      for (const Identifier &id : comp.ids)
        bind(inner, id, SymbolKind::LoopVariable);
      walk(*comp.key, inner);
      return walk(*comp.value, inner);
    }
    case ExprKind::Index:
      walk(*cast<IndexExpr>(expr).base, scope);
      return walk(*cast<IndexExpr>(expr).index, scope);
    case ExprKind::Call:
      walk(*cast<CallExpr>(expr).callee, scope);
      return walkAll(cast<CallExpr>(expr).args, scope);
    case ExprKind::Unary:
      return walk(*cast<UnaryExpr>(expr).operand, scope);
    case ExprKind::Binary:
      walk(*cast<BinaryExpr>(expr).lhs, scope);
      return walk(*cast<BinaryExpr>(expr).rhs, scope);
    case ExprKind::Ternary:
      walk(*cast<TernaryExpr>(expr).thenValue, scope);
      walk(*cast<TernaryExpr>(expr).cond, scope);
      return walk(*cast<TernaryExpr>(expr).elseValue, scope);
    case ExprKind::Select:
      walk(*cast<SelectExpr>(expr).keys, scope);
      return walk(*cast<SelectExpr>(expr).queries, scope);
    case ExprKind::Aggregate: {
      auto &agg = cast<AggregateExpr>(expr);
      walk(*agg.selector, scope);
      walk(*agg.values, scope);
      if (agg.fallback)
        walk(*agg.fallback, scope);
      return;
    }
    case ExprKind::Range:
      return walkAll(cast<RangeExpr>(expr).args, scope);
    case ExprKind::Zip:
      return walkAll(cast<ZipExpr>(expr).args, scope);
    case ExprKind::Len:
      return walk(*cast<LenExpr>(expr).operand, scope);
    default:
      return;
    }
  }
};

/// The text of a `# example: LIT` comment among the comments that open the
/// document, if there is one.
std::optional<std::pair<std::string, uint32_t>> exampleComment(llvm::StringRef text) {
  uint32_t offset = 0;
  while (offset < text.size()) {
    llvm::StringRef line = text.substr(offset).split('\n').first;
    llvm::StringRef trimmed = line.trim();
    if (!trimmed.empty() && !trimmed.startswith("#"))
      return std::nullopt;
    llvm::StringRef body = trimmed.drop_front(std::min<size_t>(1, trimmed.size())).ltrim();
    if (body.consume_front("example:"))
      return std::make_pair(body.trim().str(), offset);
    offset += static_cast<uint32_t>(line.size()) + 1;
  }
  return std::nullopt;
}

/// Evaluates the running example; on failure, the reason.
std::optional<std::string> readExample(Document &doc, const std::string &literal) {
  std::string why;
  doc.diags->setSink([&](const Diagnostic &d) {
    if (!d.isNote && why.empty())
      why = d.message;
  });
  FileId file = doc.diags->addFile("example", literal + "\n;");
  std::optional<Program> parsed = frontend::parseProgram(*doc.diags, file).program;
  std::optional<lang::Value> value;
  if (parsed && parsed->statements.size() == 1 && llvm::isa<ExprStmt>(*parsed->statements[0]))
    value = doc.elaborator->evaluateExpression(*cast<ExprStmt>(*parsed->statements[0]).expr,
                                               doc.elaborator->newProgramScope("example"));
  else if (why.empty())
    why = "the example must be one expression, such as \"hello\" or [1, 2]";
  doc.diags->setSink(nullptr);
  if (!value)
    return why.empty() ? "not an input" : why;
  try {
    doc.example = lang::inputAtoms(*value, SourceLoc());
  } catch (const lang::LangError &e) {
    return e.message;
  }
  if (doc.example.empty())
    return std::string("the example is empty");
  doc.exampleText = literal;
  return std::nullopt;
}

} // namespace

void collectFileNames(DiagnosticEngine &diags, const std::string &path, const std::string &origin,
                      const std::vector<std::string> &searchPath, ExternalNames &out,
                      unsigned depth) {
  if (depth > 8)
    return;
  diags.setSink([](const Diagnostic &) {});
  std::optional<FileId> file = diags.loadFile(path);
  std::optional<Program> program;
  if (file)
    program = frontend::parseProgram(diags, *file).program;
  diags.setSink(nullptr);
  if (!program)
    return;
  LineIndex lines(diags.fileText(*file));
  std::string uri = pathToUri(path);
  auto add = [&](const Identifier &id, SymbolKind kind, const std::vector<Identifier> *params) {
    if (id.name.empty() || id.name[0] == '_' || id.name == "out" || out.count(id.name))
      return;
    Symbol symbol;
    symbol.name = id.name;
    symbol.kind = kind;
    symbol.external = Place{uri, lines.position(id.loc.begin), lines.position(id.loc.end)};
    symbol.origin = origin;
    if (params)
      for (const Identifier &p : *params)
        symbol.params.push_back(p.name);
    out.emplace(id.name, symbol);
  };
  for (const StmtPtr &stmt : program->statements) {
    if (auto *assign = llvm::dyn_cast<AssignStmt>(stmt.get()))
      for (const Identifier &target : assign->targets)
        add(target, SymbolKind::Variable, nullptr);
    else if (auto *def = llvm::dyn_cast<DefStmt>(stmt.get()))
      add(def->name, SymbolKind::Function, &def->params);
    else if (auto *load = llvm::dyn_cast<LoadStmt>(stmt.get())) {
      std::vector<std::string> dirs = {llvm::sys::path::parent_path(path).str()};
      dirs.insert(dirs.end(), searchPath.begin(), searchPath.end());
      for (const std::string &dir : dirs) {
        llvm::SmallString<256> found(dir.empty() ? "." : dir);
        llvm::sys::path::append(found, load->name + ".rasp");
        if (llvm::sys::fs::is_regular_file(found)) {
          collectFileNames(diags, std::string(found), load->name + ".rasp", searchPath, out,
                           depth + 1);
          break;
        }
      }
    }
  }
}

const Occurrence *Document::occurrenceAt(uint32_t offset) const {
  auto it = std::upper_bound(occurrences.begin(), occurrences.end(), offset,
                             [](uint32_t at, const Occurrence &o) { return at < o.begin; });
  if (it == occurrences.begin())
    return nullptr;
  --it;
  return offset <= it->end ? &*it : nullptr;
}

const lang::Value *Document::valueAt(const Symbol &symbol, uint32_t offset) const {
  if (symbol.scope > 0)
    return nullptr;
  const lang::Value *best = nullptr;
  for (uint32_t binding : symbol.bindings) {
    auto it = values.find(binding);
    if (it != values.end() && (binding <= offset || !best))
      best = &it->second;
  }
  if (best || !scope)
    return best;
  return scope->find(symbol.name);
}

int Document::scopeAt(uint32_t offset) const {
  int best = 0;
  for (size_t i = 1; i < scopes.size(); ++i)
    if (scopes[i].begin <= offset && offset <= scopes[i].end &&
        scopes[i].end - scopes[i].begin <= scopes[best].end - scopes[best].begin)
      best = static_cast<int>(i);
  return best;
}

namespace {

/// Runs the statements of the document, keeping the values they bind and
/// reporting their errors through the engine's sink.
void runStatements(Document &doc, const Program &program) {
  for (const StmtPtr &stmt : program.statements) {
    if (stmt->kind() == StmtKind::Exit)
      break;
    try {
      if (auto *assign = llvm::dyn_cast<AssignStmt>(stmt.get()))
        for (const Identifier &target : assign->targets)
          doc.definitions.push_back({target.name, target.loc.begin, target.loc.end,
                                     stmt->loc().begin, stmt->loc().end, false});
      if (auto *def = llvm::dyn_cast<DefStmt>(stmt.get()))
        doc.definitions.push_back({def->name.name, def->name.loc.begin, def->name.loc.end,
                                   stmt->loc().begin, stmt->loc().end, true});
      std::vector<lang::Shown> shown = doc.elaborator->runStatement(*stmt, doc.scope);
      if (auto *assign = llvm::dyn_cast<AssignStmt>(stmt.get())) {
        for (size_t i = 0; i < assign->targets.size() && i < shown.size(); ++i)
          doc.values[assign->targets[i].loc.begin] = shown[i].value;
      } else if (auto *def = llvm::dyn_cast<DefStmt>(stmt.get())) {
        if (!shown.empty())
          doc.values[def->name.loc.begin] = shown[0].value;
      }
    } catch (const lang::LangError &e) {
      if (!e.message.empty())
        doc.diags->error(e.loc, e.message);
    } catch (const eval::EvalError &e) {
      doc.diags->error(e.loc, e.message);
    } catch (const std::bad_alloc &) {
      doc.diags->error(stmt->loc(), lang::OutOfMemoryMessage);
    }
  }
}

/// A call's related location: where the function it calls is defined.
void relateCall(Document &doc, DocDiagnostic &diag) {
  if (diag.message.find(" takes ") == std::string::npos)
    return;
  const Occurrence *callee = doc.occurrenceAt(diag.begin);
  if (!callee || callee->begin != diag.begin)
    return;
  const Symbol &symbol = doc.symbols[callee->symbol];
  if (symbol.external) {
    diag.related.push_back({*symbol.external, "'" + symbol.name + "' is defined here"});
    return;
  }
  for (uint32_t binding : symbol.bindings) {
    Place here{doc.uri, doc.lines->position(binding),
               doc.lines->position(binding + static_cast<uint32_t>(symbol.name.size()))};
    diag.related.push_back({here, "'" + symbol.name + "' is defined here"});
  }
}

} // namespace

namespace {

/// What the analysis collects on its way: every diagnostic, and where the
/// syntax errors stop.
struct Collected {
  std::vector<Diagnostic> all;
  FileId file = 0;                 ///< The document's text in the engine.
  size_t syntaxErrors = 0;         ///< The first ones of `all`.
  uint32_t syntaxEnd = UINT32_MAX; ///< The first syntax error's offset.
  /// The offsets of the `load` that read each loaded file, by file name.
  std::map<std::string, std::pair<uint32_t, uint32_t>> loadedBy;
};

/// 1. The document's statements, recovered around syntax errors.
std::optional<Program> parseDocument(Document &doc, Collected &collected) {
  doc.diags->setSink([&](const Diagnostic &d) { collected.all.push_back(d); });
  collected.file = doc.diags->addFile(doc.path, doc.text);
  std::optional<Program> program = frontend::parseProgram(*doc.diags, collected.file).program;
  collected.syntaxErrors = collected.all.size();
  if (program)
    return program;
  for (const Diagnostic &d : collected.all)
    if (d.loc.isValid())
      collected.syntaxEnd = std::min(collected.syntaxEnd, d.loc.begin);
  if (collected.syntaxEnd == UINT32_MAX)
    collected.syntaxEnd = 0;
  return recover(*doc.diags, doc.path, doc.text, collected.syntaxEnd);
}

/// 2. The names from outside the document: the library's, those of the
/// files it loads (which win) and the built-ins.
void collectExternals(Document &doc, const std::optional<Program> &program,
                      const lang::ElaborateOptions &elaborate, const DocumentOptions &options,
                      Collected &collected) {
  ExternalNames externals = options.stdlib ? *options.stdlib : ExternalNames();
  static const StmtList none;
  for (const StmtPtr &stmt : program ? program->statements : none)
    if (auto *load = llvm::dyn_cast<LoadStmt>(stmt.get()))
      for (const std::string &dir : elaborate.searchPath) {
        llvm::SmallString<256> found(dir.empty() ? "." : dir);
        llvm::sys::path::append(found, load->name + ".rasp");
        if (!llvm::sys::fs::is_regular_file(found))
          continue;
        ExternalNames loaded;
        collectFileNames(*doc.diags, std::string(found), load->name + ".rasp", elaborate.searchPath,
                         loaded, 0);
        for (auto &[name, symbol] : loaded)
          externals.insert_or_assign(name, symbol);
        collected.loadedBy.try_emplace(std::string(found), load->nameLoc.begin, load->nameLoc.end);
        break;
      }
  for (const std::string &name : builtinNames())
    if (!externals.count(name)) {
      Symbol symbol;
      symbol.name = name;
      symbol.kind = SymbolKind::Builtin;
      symbol.origin = "built-in";
      if (name == "selector_width" || name == "categorical" || name == "numerical")
        symbol.params = {name == "selector_width" ? "sel" : "sop"};
      externals.emplace(name, symbol);
    }
  doc.externals = std::move(externals);
}

/// 3. The running example: the document's `# example:` comment, else the
/// client's; one that is not an input is a warning, and "hello" is used.
void setUpExample(Document &doc, const DocumentOptions &options) {
  std::optional<std::pair<std::string, uint32_t>> comment = exampleComment(doc.text);
  std::string literal = comment ? comment->first : options.example;
  std::optional<std::string> bad = readExample(doc, literal);
  if (!bad)
    return;
  DocDiagnostic warning;
  warning.begin = comment ? comment->second : 0;
  warning.end = comment ? comment->second + 1 : 0;
  warning.warning = true;
  warning.message =
      "the running example " + literal + " is not an input (" + *bad + "); hovers use \"hello\"";
  doc.diagnostics.push_back(warning);
  readExample(doc, "\"hello\"");
}

/// 4. As the REPL does, every s-op and selector is tried on the running
/// example (or the input of an enclosing `sop(INPUT)`): a type error there
/// is an error of its statement.
void tryOnExample(Document &doc) {
  auto evaluator = std::make_shared<eval::Evaluator>(doc.example);
  doc.elaborator->setTrialHook(
      [evaluator](const graph::Node *node, const std::vector<Atom> *backup, SourceLoc) {
        std::unique_ptr<eval::Evaluator> own;
        eval::Evaluator *on = evaluator.get();
        if (backup) {
          if (backup->empty())
            return;
          own = std::make_unique<eval::Evaluator>(*backup);
          on = own.get();
        }
        if (node->isSelector())
          on->selector(node);
        else
          on->sequence(node);
      });
}

/// Whether an error is a consequence of an earlier one, not to be shown.
bool isCascade(const Document &doc, const Collected &collected, size_t i, bool own,
               unsigned &outOfSteps) {
  const Diagnostic &d = collected.all[i];
  if (i >= collected.syntaxErrors && own && d.loc.begin >= collected.syntaxEnd)
    return true; // After the syntax error.
  if (llvm::StringRef(d.message).startswith("the program runs too long") && outOfSteps++)
    return true; // The budget is the document's: every later statement fails.
  if (own && llvm::StringRef(d.message).startswith("undefined name '"))
    if (const Occurrence *o = doc.occurrenceAt(d.loc.begin))
      return o->begin == d.loc.begin && doc.symbols[o->symbol].scope >= 0; // Its binding failed.
  return false;
}

/// 5. The diagnostics to publish: notes become related locations of their
/// error; errors in loaded files are shown at the `load` that read them.
void convertDiagnostics(Document &doc, const Collected &collected) {
  unsigned outOfSteps = 0;
  bool kept = false; // Whether the last error was kept (its notes follow it).
  for (size_t i = 0; i < collected.all.size(); ++i) {
    const Diagnostic &d = collected.all[i];
    // The document's text and its recovered forms carry its name.
    bool own = d.loc.isValid() && d.loc.file >= collected.file &&
               doc.diags->fileName(d.loc.file) == doc.path;
    Place place =
        !d.loc.isValid() ? Place()
        : own ? Place{doc.uri, doc.lines->position(d.loc.begin), doc.lines->position(d.loc.end)}
              : placeIn(*doc.diags, d.loc);
    if (d.isNote) {
      if (kept && d.loc.isValid())
        doc.diagnostics.back().related.push_back({place, d.message});
      continue;
    }
    kept = !isCascade(doc, collected, i, own, outOfSteps);
    if (!kept)
      continue;
    DocDiagnostic diag;
    diag.message = d.message;
    if (own) {
      diag.begin = d.loc.begin;
      diag.end = std::max(d.loc.end, d.loc.begin);
    } else if (d.loc.isValid()) {
      std::string name = doc.diags->fileName(d.loc.file).str();
      if (auto by = collected.loadedBy.find(name); by != collected.loadedBy.end())
        std::tie(diag.begin, diag.end) = by->second;
      diag.related.push_back({place, "the error is here"});
      diag.message = name + ": " + d.message;
    }
    relateCall(doc, diag);
    doc.diagnostics.push_back(diag);
  }
}

} // namespace

std::unique_ptr<Document> analyzeDocument(const std::string &uri, const std::string &path,
                                          const std::string &text, const DocumentOptions &options) {
  auto doc = std::make_unique<Document>();
  doc->uri = uri;
  doc->path = path;
  doc->text = text;
  doc->lines = std::make_unique<LineIndex>(doc->text);
  // Diagnostics go to sinks; anything else would go nowhere, never to the
  // protocol's stdout or to stderr.
  static llvm::raw_null_ostream quiet;
  doc->diags = std::make_unique<DiagnosticEngine>(&quiet);
  lang::ElaborateOptions elaborate = options.elaborate;
  elaborate.searchPath.insert(elaborate.searchPath.begin(),
                              llvm::sys::path::parent_path(path).str());
  doc->elaborator = std::make_unique<lang::Elaborator>(*doc->diags, elaborate);
  doc->diags->setSink([](const Diagnostic &) {});
  bool stdlibOk = doc->elaborator->loadStdlib();

  Collected collected;
  std::optional<Program> program = parseDocument(*doc, collected);
  collectExternals(*doc, program, elaborate, options, collected);
  if (program)
    Indexer(*doc, doc->externals).run(*program);
  doc->scope = doc->elaborator->newProgramScope("console");
  setUpExample(*doc, options);
  tryOnExample(*doc);
  doc->diags->setSink([&](const Diagnostic &d) { collected.all.push_back(d); });
  if (program && stdlibOk) {
    doc->programs.push_back(std::make_unique<Program>(std::move(*program)));
    runStatements(*doc, *doc->programs.back());
  }
  doc->diags->setSink(nullptr);
  convertDiagnostics(*doc, collected);
  return doc;
}

} // namespace rasp::lsp
