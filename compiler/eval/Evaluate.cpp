// The reference evaluator: sequences and maps (selects, aggregates and
// widths are in EvaluateSelectors.cpp).
#include "compiler/eval/Evaluate.h"

#include <algorithm>
#include <cassert>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <map>

using namespace rasp;
using namespace rasp::eval;
using graph::MapOpKind;
using graph::Node;
using graph::NodeKind;

namespace {

[[noreturn]] void fail(const Node *node, std::string message) {
  throw EvalError{node->loc, std::move(message)};
}

} // namespace

std::string eval::valuesText(const std::vector<Atom> &values) {
  std::string out = "[";
  for (size_t i = 0; i < values.size(); ++i) {
    if (i == 12) {
      out += ", ... (" + std::to_string(values.size()) + " values)";
      break;
    }
    out += (i ? ", " : "") + values[i].repr();
  }
  return out + "]";
}

namespace {

std::string trim(const std::string &s) {
  size_t b = s.find_first_not_of(" \t\n\r\f\v");
  if (b == std::string::npos)
    return "";
  size_t e = s.find_last_not_of(" \t\n\r\f\v");
  return s.substr(b, e - b + 1);
}

/// Python's int(x).
Atom toInt(const Node *node, const Atom &x) {
  if (x.isIntegral())
    return Atom::integer(x.integral());
  if (x.isFloat()) {
    double d = x.asFloat();
    if (!std::isfinite(d) || std::fabs(d) >= 9.2233720368547758e18)
      fail(node, "cannot convert float " + x.str() + " to an integer");
    return Atom::integer(static_cast<int64_t>(std::trunc(d)));
  }
  std::string text = trim(x.asString());
  std::string digits;
  size_t i = 0;
  if (i < text.size() && (text[i] == '+' || text[i] == '-'))
    digits += text[i++];
  bool ok = i < text.size();
  for (; i < text.size(); ++i) {
    char c = text[i];
    if (c >= '0' && c <= '9')
      digits += c;
    else if (c == '_' && i > 0 && std::isdigit(static_cast<unsigned char>(text[i - 1])) &&
             i + 1 < text.size() && std::isdigit(static_cast<unsigned char>(text[i + 1])))
      continue;
    else
      ok = false;
  }
  if (!ok)
    fail(node, "invalid literal for int() with base 10: " + x.repr());
  errno = 0;
  long long value = std::strtoll(digits.c_str(), nullptr, 10);
  if (errno == ERANGE)
    fail(node, "integer overflow: " + x.repr() + " does not fit in 64 bits");
  return Atom::integer(value);
}

/// Python's float(x).
Atom toFloat(const Node *node, const Atom &x) {
  if (!x.isString())
    return Atom::real(x.number());
  std::string text = trim(x.asString());
  std::string lower;
  for (char c : text)
    lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  bool hex = lower.find('x') != std::string::npos;
  char *end = nullptr;
  double value = std::strtod(text.c_str(), &end);
  if (text.empty() || hex || end != text.c_str() + text.size())
    fail(node, "could not convert string to float: " + x.repr());
  return Atom::real(value);
}

} // namespace

const char *eval::seqTypeName(SeqTypeKind type) {
  static const char *const names[] = {"ints", "floats", "bools", "strings"};
  return names[static_cast<int>(type)];
}

SeqTypeKind eval::typeSequence(const std::vector<Atom> &values, SourceLoc loc) {
  bool anyString = false, allString = true, allBool = true, allIntegral = true;
  for (const Atom &v : values) {
    anyString |= v.isString();
    allString &= v.isString();
    allBool &= v.isBool();
    allIntegral &= v.isIntegral();
  }
  if (anyString && !allString)
    throw EvalError{loc, "a sequence cannot mix strings with numbers or "
                         "bools; the values are " +
                             valuesText(values)};
  if (allString)
    return SeqTypeKind::Strings;
  if (allBool)
    return SeqTypeKind::Bools;
  return allIntegral ? SeqTypeKind::Ints : SeqTypeKind::Floats;
}

Evaluator::Evaluator(std::vector<Atom> input, uint64_t maxBytes)
    : items(std::move(input)), maxBytes(maxBytes) {
  assert(!items.empty() && "inputs are checked to be non-empty");
}

const Sequence &Evaluator::sequence(const Node *node) {
  assert(!node->isSelector() && "asked for the sequence of a selector");
  auto found = sequences.find(node);
  if (found != sequences.end())
    return found->second;
  evaluateAll(node);
  return sequences.at(node);
}

const SelectorMatrix &Evaluator::selector(const Node *node) {
  assert(node->isSelector() && "asked for the matrix of an s-op");
  auto found = matrices.find(node);
  if (found != matrices.end())
    return found->second;
  evaluateAll(node);
  SelectorMatrix matrix = buildMatrix(node);
  hold(node, matrix.rows() * matrix.wordsPerRow() * sizeof(uint64_t));
  return matrices.emplace(node, std::move(matrix)).first->second;
}

namespace {

/// An and, or or not: its value is its inputs'.
bool combines(const Node *node) { return node->isSelector() && node->kind != NodeKind::Select; }

} // namespace

void Evaluator::evaluateAll(const Node *root) {
  asked.insert(root);
  // An evaluated node's inputs are all evaluated: the walk stops there, so
  // that a long session (the REPL's examples) pays for new nodes only.
  auto evaluated = [this](const Node *node) {
    return sequences.count(node) || selects.count(node);
  };
  std::vector<const Node *> order = graph::topologicalOrder(root, evaluated);
  // How many nodes of this walk read each node of it (once per input slot).
  std::unordered_map<const Node *, uint32_t> readers;
  for (const Node *node : order)
    readers.emplace(node, 0);
  for (const Node *node : order)
    for (const Node *input : node->inputs)
      if (auto found = readers.find(input); found != readers.end())
        ++found->second;
  for (const Node *node : order) {
    evaluateOne(node);
    if (!combines(node))
      for (const Node *input : node->inputs)
        release(input, readers);
  }
}

void Evaluator::release(const Node *node, std::unordered_map<const Node *, uint32_t> &readers) {
  std::vector<const Node *> pending = {node};
  while (!pending.empty()) {
    const Node *at = pending.back();
    pending.pop_back();
    auto found = readers.find(at);
    if (found == readers.end() || --found->second || asked.count(at))
      continue;
    heldBytes -= heldBy[at];
    heldBy.erase(at);
    sequences.erase(at);
    selects.erase(at);
    if (combines(at))
      pending.insert(pending.end(), at->inputs.begin(), at->inputs.end());
  }
}

void Evaluator::evaluateOne(const Node *node) {
  if (node->isSelector()) {
    SelectColumns columns = node->kind == NodeKind::Select ? evaluateSelect(node) : SelectColumns();
    hold(node, columns.bytes());
    selects.emplace(node, std::move(columns));
    return;
  }
  Sequence sequence = evaluateSequence(node);
  uint64_t bytes = sequence.values.capacity() * sizeof(Atom);
  for (const Atom &value : sequence.values)
    if (value.isString())
      bytes += value.asString().capacity();
  hold(node, bytes);
  sequences.emplace(node, std::move(sequence));
}

void Evaluator::hold(const Node *node, uint64_t bytes) {
  if (heldBytes + bytes > maxBytes)
    fail(node, "the evaluator's values on this input would take " +
                   std::to_string(heldBytes + bytes) + " bytes (" + std::to_string(bytes) +
                   " of them this value's), more than the budget of " + std::to_string(maxBytes) +
                   " bytes");
  heldBytes += bytes;
  heldBy[node] += bytes;
}

Sequence Evaluator::evaluateSequence(const Node *node) {
  size_t n = items.size();
  Sequence out;
  switch (node->kind) {
  case NodeKind::Tokens:
    return evaluateTokens(node);
  case NodeKind::Indices:
    out.values.reserve(n);
    for (size_t i = 0; i < n; ++i)
      out.values.push_back(Atom::integer(static_cast<int64_t>(i)));
    out.type = SeqTypeKind::Ints;
    return out;
  case NodeKind::Constant:
    out.values.assign(n, node->constant);
    out.type = typeSequence(out.values, node->loc);
    return out;
  case NodeKind::Map:
    return evaluateMap(node);
  case NodeKind::Aggregate:
    return evaluateAggregate(node);
  case NodeKind::SelectorWidth:
    return evaluateWidth(node);
  default:
    break;
  }
  assert(false && "not an s-op kind");
  return out;
}

Atom eval::convertToken(const Node *node, const Atom &item) {
  switch (node->tokens) {
  case graph::TokensKind::Str:
    return Atom::string(item.str());
  case graph::TokensKind::Int:
    return toInt(node, item);
  case graph::TokensKind::Float:
    return toFloat(node, item);
  case graph::TokensKind::Bool:
    return Atom::boolean(item.truthy());
  case graph::TokensKind::AsIs:
    return item;
  }
  return item;
}

Sequence Evaluator::evaluateTokens(const Node *node) {
  Sequence out;
  out.values.reserve(items.size());
  for (const Atom &item : items)
    out.values.push_back(convertToken(node, item));
  out.type = typeSequence(out.values, node->loc);
  return out;
}

namespace {

Atom lookup(const Node *node, const graph::Table &table, const Atom &index) {
  if (table.kind == graph::Table::TableKind::Dict) {
    for (size_t i = 0; i < table.keys.size(); ++i)
      if (table.keys[i].equals(index)) {
        if (!table.entries[i])
          fail(node, "a sequence can only hold bools, ints, floats and "
                     "strings, but " +
                         table.text + "[" + index.repr() + "] is " + table.entryText[i]);
        return *table.entries[i];
      }
    fail(node, "key " + index.repr() + " is not in the dict " + table.text);
  }
  if (!index.isIntegral())
    fail(node, std::string("a list or string index must be an integer, not ") + index.typeName() +
                   " " + index.repr());
  int64_t size = static_cast<int64_t>(table.entries.size());
  int64_t i = index.integral();
  if (i < -size || i >= size)
    fail(node, "index " + std::to_string(i) + " is out of range for " +
                   (table.kind == graph::Table::TableKind::String ? "a string" : "a list") +
                   " of length " + std::to_string(size));
  size_t at = static_cast<size_t>(i < 0 ? i + size : i);
  if (!table.entries[at])
    fail(node, "a sequence can only hold bools, ints, floats and strings, but "
               "element " +
                   std::to_string(i) + " of " + table.text + " is " + table.entryText[at]);
  return *table.entries[at];
}

} // namespace

Atom eval::applyMap(const Node *node, const Atom *const *operands) {
  auto at = [&](size_t i) -> const Atom & { return *operands[i]; };
  try {
    switch (node->mapOp) {
    case MapOpKind::Atom:
      return applyAtomOp(node->atomOp, at(0), at(1));
    case MapOpKind::And:
      return Atom::boolean(at(0).truthy() && at(1).truthy());
    case MapOpKind::Or:
      return Atom::boolean(at(0).truthy() || at(1).truthy());
    case MapOpKind::Not:
      return Atom::boolean(!at(0).truthy());
    case MapOpKind::Neg:
      return negate(at(0));
    case MapOpKind::Plus:
      return unaryPlus(at(0));
    case MapOpKind::Round:
      return pythonRound(at(0));
    case MapOpKind::Indicator:
      return Atom::integer(at(0).truthy() ? 1 : 0);
    case MapOpKind::Ternary:
      return at(0).truthy() ? at(1) : at(2);
    case MapOpKind::InList: {
      for (const std::optional<Atom> &entry : node->table->entries)
        if (entry && entry->equals(at(0)))
          return Atom::boolean(true);
      return Atom::boolean(false);
    }
    case MapOpKind::Lookup:
      return lookup(node, *node->table, at(0));
    }
  } catch (const AtomError &e) {
    fail(node, e.message);
  }
  assert(false && "unknown map operation");
  return Atom();
}

Sequence Evaluator::evaluateMap(const Node *node) {
  size_t n = items.size();
  std::vector<const std::vector<Atom> *> columns;
  for (const Node *input : node->inputs)
    columns.push_back(&sequences.at(input).values);
  std::vector<const Atom *> operands(node->operands.size());
  Sequence out;
  out.values.reserve(n);
  for (size_t p = 0; p < n; ++p) {
    for (size_t i = 0; i < operands.size(); ++i) {
      const graph::Operand &operand = node->operands[i];
      operands[i] = operand.input < 0 ? &operand.constant : &(*columns[operand.input])[p];
    }
    out.values.push_back(applyMap(node, operands.data()));
  }
  out.type = typeSequence(out.values, node->loc);
  return out;
}
