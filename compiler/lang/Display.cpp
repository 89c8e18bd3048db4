// The original's display formats.
#include "compiler/lang/Display.h"

#include "compiler/support/FloatFormat.h"

using namespace rasp;
using namespace rasp::lang;

std::string lang::elementText(const Atom &value) {
  switch (value.kind()) {
  case AtomKind::Bool:
    return value.asBool() ? "T" : "F";
  case AtomKind::Float:
    return formatPythonFloat(roundTo3(value.asFloat()));
  default:
    return value.str();
  }
}

std::string lang::sequenceText(const eval::Sequence &sequence) {
  const std::vector<Atom> &values = sequence.values;
  std::string type = std::string(" (") + eval::seqTypeName(sequence.type) + ")";
  bool allEqual = values.size() > 1;
  for (size_t i = 1; i < values.size() && allEqual; ++i)
    allEqual = values[i].equals(values[0]);
  if (allEqual)
    return "[" + elementText(values[0]) + "]*" + std::to_string(values.size()) + type;
  std::string out = "[";
  for (size_t i = 0; i < values.size(); ++i)
    out += (i ? ", " : "") + elementText(values[i]);
  return out + "]" + type;
}

std::string lang::inputText(const Value &input) {
  if (input.isAtom() && input.atom().isString())
    return "\"" + input.atom().asString() + "\"";
  return input.repr();
}

std::vector<std::string> lang::selectorLines(const eval::SelectorMatrix &matrix,
                                             const std::vector<Atom> &input) {
  std::vector<std::string> lines;
  std::string header = " \t\t\t     ";
  for (size_t k = 0; k < input.size(); ++k)
    header += (k ? " " : "") + input[k].str();
  lines.push_back(header);
  for (size_t q = 0; q < input.size(); ++q) {
    std::string row = " \t\t\t " + input[q].str() + " |";
    for (size_t k = 0; k < input.size(); ++k)
      row += matrix.get(q, k) ? " 1" : "  ";
    lines.push_back(row);
  }
  return lines;
}
