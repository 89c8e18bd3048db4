// The reference evaluator: sequences, maps and aggregates (selectors are in
// EvaluateSelectors.cpp).
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

/// `[v0, v1, ...]` in Python notation, shortened after 12 values.
std::string listText(const std::vector<Atom> &values) {
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
                             listText(values)};
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
  auto found = selectors.find(node);
  if (found != selectors.end())
    return found->second;
  evaluateAll(node);
  return selectors.at(node);
}

void Evaluator::evaluateAll(const Node *root) {
  // An evaluated node's inputs are all evaluated: the walk stops there, so
  // that a long session (the REPL's examples) pays for new nodes only.
  auto evaluated = [this](const Node *node) {
    return sequences.count(node) || selectors.count(node);
  };
  for (const Node *node : graph::topologicalOrder(root, evaluated))
    evaluateOne(node);
}

void Evaluator::evaluateOne(const Node *node) {
  if (node->isSelector()) {
    SelectorMatrix matrix = evaluateSelector(node);
    hold(node, matrix.rows() * matrix.wordsPerRow() * sizeof(uint64_t));
    selectors.emplace(node, std::move(matrix));
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
  case NodeKind::SelectorWidth: {
    const SelectorMatrix &sel = selectors.at(node->inputs[0]);
    out.values.reserve(n);
    for (size_t q = 0; q < n; ++q)
      out.values.push_back(Atom::integer(static_cast<int64_t>(sel.count(q))));
    out.type = SeqTypeKind::Ints;
    return out;
  }
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

Sequence Evaluator::evaluateAggregate(const Node *node) {
  const SelectorMatrix &sel = selectors.at(node->inputs[0]);
  const Sequence &values = sequences.at(node->inputs[1]);
  size_t n = items.size();
  Sequence out;
  out.values.reserve(n);
  bool numeric = values.type == SeqTypeKind::Ints || values.type == SeqTypeKind::Floats;
  for (size_t q = 0; q < n; ++q) {
    size_t count = 0, only = 0;
    // Python's sum, left to right: exact while every value is integral.
    __int128 integerSum = 0;
    double floatSum = 0;
    bool inFloats = false;
    for (size_t w = 0; w < sel.wordsPerRow(); ++w) {
      uint64_t bits = sel.row(q)[w];
      while (bits) {
        size_t k = w * 64 + __builtin_ctzll(bits);
        bits &= bits - 1;
        ++count;
        only = k;
        if (!numeric)
          continue;
        const Atom &v = values.values[k];
        if (!inFloats && v.isIntegral()) {
          integerSum += v.integral();
        } else {
          if (!inFloats)
            floatSum = static_cast<double>(integerSum), inFloats = true;
          floatSum += v.number();
        }
      }
    }
    if (count == 0) {
      out.values.push_back(node->constant);
    } else if (count == 1) {
      out.values.push_back(values.values[only]);
    } else {
      if (!numeric)
        fail(node, "cannot average several values that are not numbers (" +
                       std::string(seqTypeName(values.type)) + "); the values are " +
                       listText(values.values));
      double sum = inFloats ? floatSum : static_cast<double>(integerSum);
      double mean = sum * 1.0 / static_cast<double>(count);
      // (Python's sum overflows to inf; as with a map, that is an error here.)
      if (!std::isfinite(mean))
        fail(node, "float overflow: the mean of the selected values is not a finite number");
      out.values.push_back(Atom::real(mean));
    }
  }
  out.type = typeSequence(out.values, node->loc);
  return out;
}
