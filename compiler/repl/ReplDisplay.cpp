// The REPL's display of values, as the original shows them.
#include "compiler/repl/ReplImpl.h"

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
using namespace rasp::lang::repl;
using llvm::cast;

namespace rasp::lang::repl {

std::vector<std::string> Repl::showSOp(const std::string &pref, const std::string &head,
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

bool Repl::identical(const eval::Sequence &seq) {
  for (const Atom &v : seq.values)
    if (!v.equals(seq.values[0]))
      return false;
  return true;
}

std::vector<std::string> Repl::fullRows(const std::vector<Atom> &inputAtoms,
                                        const eval::Sequence &seq) {
  std::vector<std::string> top = fullCells(inputAtoms), bottom = fullCells(seq.values);
  size_t width = 0;
  for (const std::string &cell : top)
    width = std::max(width, cell.size());
  for (const std::string &cell : bottom)
    width = std::max(width, cell.size());
  auto row = [&](const char *label, const std::vector<std::string> &cells, eval::SeqTypeKind type) {
    std::string line = std::string(" \t\t") + label + "  ";
    for (size_t i = 0; i < cells.size(); ++i)
      line += (i ? " " : "") + std::string(width - cells[i].size(), ' ') + cells[i];
    return line + " \t (" + eval::seqTypeName(type) + ")";
  };
  // The original types the input row after turning it into text: always
  // strings.
  return {row("input: ", top, eval::SeqTypeKind::Strings), row("output:", bottom, seq.type)};
}

std::vector<std::string> Repl::fullCells(const std::vector<Atom> &values) {
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

std::vector<std::string> Repl::showSelector(const std::string &pref, const std::string &head,
                                            const std::string &name, const graph::Node *node) {
  std::vector<std::string> lines{head + "   selector: " + name};
  if (!selectorExamples)
    return lines;
  eval::Evaluator *evaluator = evaluatorFor(selectorAtoms);
  lines.push_back(pref + " \t Example:");
  for (const std::string &line : selectorLines(evaluator->selector(node), selectorAtoms))
    lines.push_back(pref + line);
  return lines;
}

std::vector<std::string> Repl::show(const std::optional<std::string> &name, const Value &value,
                                    unsigned ntabs, const std::string &extra) {
  std::string pref(ntabs, '\t');
  std::string head = pref + " " + extra + " ";
  switch (value.kind()) {
  case ValueKind::Atom:
    return {pref + "    value: " + (name ? *name + " = " : "") + " " + atomText(value.atom())};
  case ValueKind::SOp:
    return showSOp(pref, head, name ? *name : value.node()->name, value.node());
  case ValueKind::Selector:
    return showSelector(pref, head, name ? *name : value.node()->name, value.node());
  case ValueKind::Function: {
    const Function &f = *value.function();
    std::string params;
    for (size_t i = 0; i < f.params.size(); ++i)
      params += (i ? ", " : "") + f.params[i];
    return {pref + " " + extra + "    " + f.creator + " function: " + f.name + "(" + params + ")"};
  }
  case ValueKind::Applied: {
    const Applied &a = value.appliedValue();
    if (!a.node->isSelector() && fullSeq) {
      if (identical(a.sequence))
        return {"\t =   " + sequenceText(a.sequence) + " [skipped full display: identical values]"};
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
    std::string named = std::string(list ? "   list: " : "   dict: ") + (name ? *name + " = " : "");
    if (isFlat(value))
      return {head + named + value.repr()};
    std::vector<std::string> lines{head + named + pref + (list ? " [" : " {")};
    if (list) {
      for (const Value &item : value.listValue().items)
        for (const std::string &line : show(std::nullopt, item, ntabs + 2))
          lines.push_back(line);
    } else {
      for (const auto &[key, item] : value.dictValue().entries)
        for (const std::string &line : show(std::nullopt, item, ntabs + 3, atomText(key) + " : "))
          lines.push_back(line);
    }
    lines.push_back(pref + std::string(named.size() + 2, ' ') + (list ? "]" : "}"));
    return lines;
  }
  }
  return {};
}

void Repl::print(const std::vector<std::string> &lines) {
  for (const std::string &line : lines)
    out << line << "\n";
}

} // namespace rasp::lang::repl
