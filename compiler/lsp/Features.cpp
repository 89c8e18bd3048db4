// The answers to the language server's requests about one document.
#include "compiler/lsp/Features.h"

#include "compiler/analysis/Analyze.h"
#include "compiler/lang/Display.h"

#include "llvm/ADT/StringExtras.h"

#include <numeric>
#include <set>

namespace rasp::lsp {

using llvm::json::Array;
using llvm::json::Object;
using llvm::json::Value;

namespace {

const std::set<std::string> &keywords() {
  static const std::set<std::string> all = {
      "and",   "def",       "draw", "else", "example", "examples",  "exit",  "for",  "if",
      "in",    "indicator", "load", "not",  "off",     "on",        "or",    "quit", "return",
      "round", "selector",  "set",  "show", "select",  "aggregate", "range", "zip",  "len"};
  return all;
}

/// What each keyword that takes arguments expects, for signature help.
const std::map<std::string, std::vector<std::string>> &keywordSignatures() {
  static const std::map<std::string, std::vector<std::string>> all = {
      {"select", {"keys", "queries", "comparison"}},
      {"aggregate", {"selector", "values", "default"}},
      {"range", {"start_or_stop", "stop", "step"}},
      {"zip", {"lists..."}},
      {"len", {"list"}},
      {"round", {"value"}},
      {"indicator", {"sop"}}};
  return all;
}

Value position(Position p) { return Object{{"line", p.line}, {"character", p.character}}; }

Value location(const Place &place) {
  return Object{{"uri", place.uri}, {"range", rangeJson(place.start, place.end)}};
}

Place placeOf(const Document &doc, uint32_t begin, uint32_t end) {
  return {doc.uri, doc.lines->position(begin), doc.lines->position(end)};
}

const Symbol *symbolAt(const Document &doc, Position pos, const Occurrence **occurrence) {
  const Occurrence *o = doc.occurrenceAt(doc.lines->offset(pos));
  if (occurrence)
    *occurrence = o;
  return o ? &doc.symbols[o->symbol] : nullptr;
}

/// The place that defines `symbol`, as seen from `at`: the last binding
/// before it, else the first.
std::optional<Place> definitionOf(const Document &doc, const Symbol &symbol, uint32_t at) {
  if (symbol.external)
    return symbol.external;
  if (symbol.bindings.empty())
    return std::nullopt;
  uint32_t best = symbol.bindings.front();
  for (uint32_t b : symbol.bindings)
    if (b <= at)
      best = b;
  return placeOf(doc, best, best + static_cast<uint32_t>(symbol.name.size()));
}

/// What identifies a symbol across documents: where it is defined.
std::string symbolKey(const Document &doc, const Symbol &symbol) {
  std::optional<Place> place = symbol.external;
  if (!place && !symbol.bindings.empty())
    place = placeOf(doc, symbol.bindings.front(), symbol.bindings.front());
  if (!place)
    return "builtin:" + symbol.name;
  return place->uri + ":" + std::to_string(place->start.line) + ":" +
         std::to_string(place->start.character) + ":" + symbol.name;
}

std::string signature(const std::string &name, const std::vector<std::string> &params) {
  std::string text = name + "(";
  for (size_t i = 0; i < params.size(); ++i)
    text += (i ? ", " : "") + params[i];
  return text + ")";
}

/// The kind of a value, as hovers and symbols name it.
std::string kindName(const lang::Value &value) {
  switch (value.kind()) {
  case lang::ValueKind::Atom:
    return "atom";
  case lang::ValueKind::List:
    return "list";
  case lang::ValueKind::Dict:
    return "dict";
  case lang::ValueKind::SOp:
    return "s-op";
  case lang::ValueKind::Selector:
    return "selector";
  case lang::ValueKind::Function:
    return "function";
  case lang::ValueKind::Applied:
    return "applied s-op";
  }
  return "value";
}

/// Layers and heads of an s-op, from the analysis.
struct Cost {
  int layer = 0, heads = 0;
  std::vector<int> perLayer;
};

Cost costOf(const graph::Node *node) {
  analysis::Analysis a = analysis::analyze(node);
  Cost cost;
  cost.layer = a.layerCount();
  cost.perLayer = a.headsPerLayer();
  cost.heads = std::accumulate(cost.perLayer.begin(), cost.perLayer.end(), 0);
  return cost;
}

std::string lensTitle(const Cost &cost) {
  return "layer " + std::to_string(cost.layer) + " \u00b7 " + std::to_string(cost.heads) +
         (cost.heads == 1 ? " head" : " heads");
}

/// The hover text of a value: its value on the example and its cost.
std::string describeValue(const Document &doc, const lang::Value &value) {
  std::string text;
  if (value.kind() == lang::ValueKind::Function) {
    const lang::Function &f = *value.function();
    return "function `" + signature(f.name, f.params) + "`\n";
  }
  if (!value.isNode())
    return kindName(value) + " `" + value.repr() + "`\n";
  const graph::Node *node = value.node();
  text += kindName(value) + "\n\n";
  try {
    eval::Evaluator evaluator(doc.example);
    if (node->isSelector()) {
      text += "on " + doc.exampleText + ":\n```\n";
      for (const std::string &line : lang::selectorLines(evaluator.selector(node), doc.example))
        text += llvm::StringRef(line).ltrim().str() + "\n";
      text += "```\n";
    } else {
      text +=
          "on " + doc.exampleText + ": `" + lang::sequenceText(evaluator.sequence(node)) + "`\n";
    }
  } catch (const eval::EvalError &e) {
    text += "on " + doc.exampleText + ": error: " + e.message + "\n";
  } catch (const std::bad_alloc &) {
    text += "on " + doc.exampleText + ": out of memory\n";
  }
  if (node->isSelector())
    return text;
  analysis::Analysis a = analysis::analyze(node);
  std::vector<int> perLayer = a.headsPerLayer();
  int heads = std::accumulate(perLayer.begin(), perLayer.end(), 0);
  std::string split;
  for (size_t i = 0; i < perLayer.size(); ++i)
    split += (i ? " + " : "") + std::to_string(perLayer[i]);
  bool attention =
      node->kind == graph::NodeKind::Aggregate || node->kind == graph::NodeKind::SelectorWidth;
  text += "\nlayer " + std::to_string(a.layerCount()) +
          (a.layerCount() == 0 ? " (embedding)"
           : attention         ? " (attention)"
                               : " (MLP)") +
          " \u00b7 heads read: " + std::to_string(heads) +
          (perLayer.size() > 1 ? " (" + split + " by layer)" : "") + " \u00b7 depth " +
          std::to_string(a.layerCount()) + (a.layerCount() == 1 ? " layer" : " layers") + "\n";
  return text;
}

bool isIdentifier(llvm::StringRef name) {
  if (name.empty() || !(llvm::isAlpha(name[0]) || name[0] == '_'))
    return false;
  return llvm::all_of(name, [](char c) { return llvm::isAlnum(c) || c == '_'; });
}

} // namespace

Value rangeJson(Position start, Position end) {
  return Object{{"start", position(start)}, {"end", position(end)}};
}

Value diagnosticsJson(const Document &doc) {
  Array list;
  for (const DocDiagnostic &d : doc.diagnostics) {
    Object diag{{"range", rangeJson(doc.lines->position(d.begin), doc.lines->position(d.end))},
                {"severity", d.warning ? 2 : 1},
                {"source", "rasp"},
                {"message", d.message}};
    if (!d.related.empty()) {
      Array related;
      for (const auto &[place, message] : d.related)
        related.push_back(Object{{"location", location(place)}, {"message", message}});
      diag["relatedInformation"] = std::move(related);
    }
    list.push_back(std::move(diag));
  }
  return list;
}

Value hover(const Document &doc, Position pos) {
  const Occurrence *o = nullptr;
  const Symbol *symbol = symbolAt(doc, pos, &o);
  if (!symbol)
    return nullptr;
  std::string text = "```rasp\n" + symbol->name + "\n```\n";
  const lang::Value *value = nullptr;
  if (symbol->scope <= 0)
    value = doc.valueAt(*symbol, o->begin);
  switch (symbol->kind) {
  case SymbolKind::Parameter:
    text += "parameter\n";
    break;
  case SymbolKind::LoopVariable:
    if (!value)
      text += "loop variable\n";
    break;
  default:
    if (symbol->scope > 0 && !value)
      text +=
          "local " + std::string(symbol->kind == SymbolKind::Function ? "function" : "name") + "\n";
  }
  if (value)
    text += describeValue(doc, *value);
  else if (symbol->scope == 0)
    text += std::string(symbol->kind == SymbolKind::Function ? "function" : "name") +
            " (no value: the statement that binds it failed)\n";
  if (!symbol->origin.empty())
    text += "\nfrom " + symbol->origin + "\n";
  return Object{{"contents", Object{{"kind", "markdown"}, {"value", text}}},
                {"range", rangeJson(doc.lines->position(o->begin), doc.lines->position(o->end))}};
}

Value definition(const Document &doc, Position pos) {
  const Occurrence *o = nullptr;
  const Symbol *symbol = symbolAt(doc, pos, &o);
  if (!symbol)
    return nullptr;
  std::optional<Place> place = definitionOf(doc, *symbol, o->begin);
  return place ? location(*place) : Value(nullptr);
}

namespace {

/// Every occurrence of the symbol at `pos` in the open documents.
std::vector<Place> occurrencesOf(const Document &doc, const Symbol &symbol,
                                 const std::vector<const Document *> &open, bool bindings) {
  std::string key = symbolKey(doc, symbol);
  std::vector<Place> places;
  std::set<std::string> seen;
  for (const Document *other : open)
    for (const Occurrence &o : other->occurrences) {
      if ((o.binding && !bindings) || symbolKey(*other, other->symbols[o.symbol]) != key)
        continue;
      Place place = placeOf(*other, o.begin, o.end);
      std::string id = place.uri + ":" + std::to_string(o.begin);
      if (seen.insert(id).second)
        places.push_back(place);
    }
  return places;
}

} // namespace

Value references(const Document &doc, Position pos, const std::vector<const Document *> &open,
                 bool withDeclaration) {
  const Symbol *symbol = symbolAt(doc, pos, nullptr);
  if (!symbol)
    return nullptr;
  std::vector<Place> places = occurrencesOf(doc, *symbol, open, withDeclaration);
  auto samePlace = [&](const Place &p) {
    const Place &d = *symbol->external;
    return p.uri == d.uri && p.start.line == d.start.line && p.start.character == d.start.character;
  };
  // The definition in a loaded file, unless that file is open (and so
  // among the places already).
  if (withDeclaration && symbol->external && llvm::none_of(places, samePlace))
    places.insert(places.begin(), *symbol->external);
  Array list;
  for (const Place &place : places)
    list.push_back(location(place));
  return list;
}

Value prepareRename(const Document &doc, Position pos) {
  const Occurrence *o = nullptr;
  const Symbol *symbol = symbolAt(doc, pos, &o);
  if (!symbol || symbol->external || symbol->kind == SymbolKind::Builtin)
    return nullptr;
  return rangeJson(doc.lines->position(o->begin), doc.lines->position(o->end));
}

llvm::Expected<Value> rename(const Document &doc, Position pos, const std::string &newName,
                             const std::vector<const Document *> &open) {
  const Symbol *symbol = symbolAt(doc, pos, nullptr);
  if (!symbol)
    return llvm::createStringError(llvm::inconvertibleErrorCode(), "there is no name here");
  if (symbol->external || symbol->kind == SymbolKind::Builtin)
    return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                   "'" + symbol->name + "' is defined outside this document (" +
                                       symbol->origin + ")");
  if (!isIdentifier(newName) || keywords().count(newName))
    return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                   "'" + newName + "' is not a name");
  Object changes;
  for (const Place &place : occurrencesOf(doc, *symbol, open, true)) {
    Value edit = Object{{"range", rangeJson(place.start, place.end)}, {"newText", newName}};
    if (Array *edits = changes.getArray(place.uri))
      edits->push_back(std::move(edit));
    else
      changes[place.uri] = Array{std::move(edit)};
  }
  return Value(Object{{"changes", std::move(changes)}});
}

Value documentSymbols(const Document &doc) {
  Array list;
  for (const Definition &def : doc.definitions) {
    auto it = doc.values.find(def.nameBegin);
    int kind = def.function ? 12 : 13; // Function, Variable.
    std::string detail = def.function ? "function" : "";
    if (it != doc.values.end()) {
      detail = kindName(it->second);
      if (it->second.isSelector())
        kind = 25; // Operator: a selector is what an attention head computes.
      else if (it->second.isAtom())
        kind = 14; // Constant.
      else if (it->second.kind() == lang::ValueKind::List)
        kind = 18; // Array.
      else if (it->second.kind() == lang::ValueKind::Dict)
        kind = 19; // Object.
    }
    list.push_back(
        Object{{"name", def.name},
               {"detail", detail},
               {"kind", kind},
               {"range", rangeJson(doc.lines->position(def.begin), doc.lines->position(def.end))},
               {"selectionRange",
                rangeJson(doc.lines->position(def.nameBegin), doc.lines->position(def.nameEnd))}});
  }
  return list;
}

Value completion(const Document &doc, Position pos) {
  uint32_t at = doc.lines->offset(pos);
  Array items;
  std::set<std::string> seen;
  auto add = [&](const std::string &name, int kind, const std::string &detail) {
    if (seen.insert(name).second)
      items.push_back(Object{{"label", name}, {"kind", kind}, {"detail", detail}});
  };
  for (int s = doc.scopeAt(at); s >= 0; s = doc.scopes[s].parent)
    for (const auto &[name, index] : doc.scopes[s].names) {
      const Symbol &symbol = doc.symbols[index];
      bool function = symbol.kind == SymbolKind::Function;
      add(name, function ? 3 : 6, function ? signature(name, symbol.params) : "");
    }
  for (const auto &[name, symbol] : doc.externals) {
    bool function = symbol.kind == SymbolKind::Function || !symbol.params.empty();
    add(name, function ? 3 : 6,
        (function ? signature(name, symbol.params) + " \u2014 " : "") + symbol.origin);
  }
  for (const std::string &keyword : keywords())
    add(keyword, 14, "keyword");
  return Object{{"isIncomplete", false}, {"items", std::move(items)}};
}

Value signatureHelp(const Document &doc, Position pos) {
  llvm::StringRef text = doc.text;
  uint32_t at = doc.lines->offset(pos);
  // Back to the unmatched `(` of the call, counting its commas.
  int depth = 0, commas = 0;
  uint32_t open = UINT32_MAX;
  for (uint32_t i = at; i-- > 0 && open == UINT32_MAX;) {
    char c = text[i];
    if (c == ';' || c == '{' || c == '}')
      break;
    if (c == ')' || c == ']')
      ++depth;
    else if ((c == '(' || c == '[') && depth > 0)
      --depth;
    else if (c == '(')
      open = i;
    else if (c == '[')
      break;
    else if (c == ',' && depth == 0)
      ++commas;
  }
  if (open == UINT32_MAX)
    return nullptr;
  uint32_t end = open;
  while (end > 0 && (text[end - 1] == ' ' || text[end - 1] == '\t'))
    --end;
  uint32_t begin = end;
  while (begin > 0 && (llvm::isAlnum(text[begin - 1]) || text[begin - 1] == '_'))
    --begin;
  std::string name = text.slice(begin, end).str();
  if (name.empty())
    return nullptr;
  std::optional<std::vector<std::string>> params;
  if (auto it = keywordSignatures().find(name); it != keywordSignatures().end())
    params = it->second;
  for (int s = doc.scopeAt(at); s >= 0 && !params; s = doc.scopes[s].parent)
    if (auto it = doc.scopes[s].names.find(name); it != doc.scopes[s].names.end())
      if (doc.symbols[it->second].kind == SymbolKind::Function)
        params = doc.symbols[it->second].params;
  if (!params)
    if (auto it = doc.externals.find(name); it != doc.externals.end() && !it->second.params.empty())
      params = it->second.params;
  if (!params)
    return nullptr;
  std::string label = name + "(";
  Array parameters;
  for (size_t i = 0; i < params->size(); ++i) {
    if (i)
      label += ", ";
    int64_t start = static_cast<int64_t>(label.size());
    label += (*params)[i];
    parameters.push_back(Object{{"label", Array{start, static_cast<int64_t>(label.size())}}});
  }
  label += ")";
  int active = std::min<int>(commas, std::max<int>(0, static_cast<int>(params->size()) - 1));
  return Object{
      {"signatures", Array{Object{{"label", label}, {"parameters", std::move(parameters)}}}},
      {"activeSignature", 0},
      {"activeParameter", active}};
}

Object semanticTokensLegend() {
  return Object{{"tokenTypes", Array{"keyword", "function", "variable", "parameter", "string",
                                     "number", "comment"}},
                {"tokenModifiers", Array{"declaration", "defaultLibrary"}}};
}

Value semanticTokens(const Document &doc) {
  enum { Keyword, Function, Variable, Parameter, String, Number, Comment };
  llvm::StringRef text = doc.text;
  std::vector<int64_t> data;
  Position last;
  auto emit = [&](uint32_t begin, uint32_t end, int type, int modifiers) {
    Position start = doc.lines->position(begin), stop = doc.lines->position(end);
    if (stop.line != start.line || stop.character <= start.character)
      return;
    data.push_back(start.line - last.line);
    data.push_back(start.line == last.line ? start.character - last.character : start.character);
    data.push_back(stop.character - start.character);
    data.push_back(type);
    data.push_back(modifiers);
    last = start;
  };
  for (uint32_t i = 0; i < text.size();) {
    char c = text[i];
    uint32_t begin = i;
    if (c == '#') {
      while (i < text.size() && text[i] != '\n' && text[i] != '\r')
        ++i;
      emit(begin, i, Comment, 0);
    } else if (c == '"') {
      ++i;
      while (i < text.size() && text[i] != '"' && text[i] != '\n')
        ++i;
      if (i < text.size() && text[i] == '"')
        ++i;
      emit(begin, i, String, 0);
    } else if (llvm::isDigit(c)) {
      while (i < text.size() && (llvm::isAlnum(text[i]) || text[i] == '.'))
        ++i;
      emit(begin, i, Number, 0);
    } else if (llvm::isAlpha(c) || c == '_') {
      while (i < text.size() && (llvm::isAlnum(text[i]) || text[i] == '_'))
        ++i;
      std::string word = text.slice(begin, i).str();
      const Occurrence *o = doc.occurrenceAt(begin);
      if (keywords().count(word) || word == "True" || word == "False") {
        emit(begin, i, Keyword, 0);
      } else if (o && o->begin == begin) {
        const Symbol &symbol = doc.symbols[o->symbol];
        int type = symbol.kind == SymbolKind::Function    ? Function
                   : symbol.kind == SymbolKind::Parameter ? Parameter
                                                          : Variable;
        if (!symbol.params.empty())
          type = Function;
        int modifiers = (o->binding ? 1 : 0) | (symbol.scope < 0 ? 2 : 0);
        emit(begin, i, type, modifiers);
      }
    } else {
      i += utf8Length(static_cast<unsigned char>(c));
    }
  }
  Array array;
  for (int64_t v : data)
    array.push_back(v);
  return Object{{"data", std::move(array)}};
}

Value codeLenses(const Document &doc) {
  Array list;
  for (const Definition &def : doc.definitions) {
    auto it = doc.values.find(def.nameBegin);
    if (it == doc.values.end() || !it->second.isSOp())
      continue;
    Position start = doc.lines->position(def.nameBegin);
    list.push_back(Object{
        {"range", rangeJson(start, doc.lines->position(def.nameEnd))},
        {"command", Object{{"title", lensTitle(costOf(it->second.node()))}, {"command", ""}}}});
  }
  return list;
}

Value inlayHints(const Document &doc, Position from, Position to) {
  uint32_t begin = doc.lines->offset(from), end = doc.lines->offset(to);
  Array list;
  for (const Definition &def : doc.definitions) {
    if (def.nameEnd < begin || def.nameBegin > end)
      continue;
    auto it = doc.values.find(def.nameBegin);
    if (it == doc.values.end() || !it->second.isSOp())
      continue;
    list.push_back(Object{{"position", position(doc.lines->position(def.nameEnd))},
                          {"label", lensTitle(costOf(it->second.node()))},
                          {"kind", 1},
                          {"paddingLeft", true}});
  }
  return list;
}

} // namespace rasp::lsp
