// The differential table (tests/differential/table.txt) for C++ tests and
// benchmarks: its rows, parsed as run-table.py parses them, and the s-ops
// they name, elaborated once per file.
#pragma once

#include "compiler/lang/Elaborate.h"
#include "compiler/support/Diagnostics.h"

#include "llvm/Support/raw_ostream.h"

#include <cstdlib>
#include <fstream>
#include <map>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

namespace rasp::differential {

struct TableRow {
  std::string file, sop;
  std::vector<Atom> vocab;
  /// The vocabulary as the table writes it, a RASP list.
  std::string vocabText;
  /// `max_len<=K`: compiled only up to K.
  std::optional<int64_t> limit;
  bool heavy = false;
};

/// The rows of the table under `root` (the repository). The vocabularies
/// are lists of strings and small integers.
inline std::vector<TableRow> readTable(const std::string &root) {
  std::ifstream in(root + "/tests/differential/table.txt");
  std::vector<TableRow> rows;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#')
      continue;
    // file, s-op, the vocabulary from its '[' to its last ']' (strings in
    // it may hold spaces), then the options.
    std::istringstream fields(line);
    TableRow row;
    std::string option;
    fields >> row.file >> row.sop;
    size_t open = line.find('[', static_cast<size_t>(fields.tellg())), close = line.rfind(']');
    row.vocabText = line.substr(open, close - open + 1);
    const std::string &vocab = row.vocabText;
    for (size_t i = 1; i + 1 < vocab.size();) {
      if (vocab[i] == '"') {
        size_t end = vocab.find('"', i + 1);
        row.vocab.push_back(Atom::string(vocab.substr(i + 1, end - i - 1)));
        i = end + 2;
      } else {
        size_t end = vocab.find_first_of(",]", i);
        row.vocab.push_back(Atom::integer(std::stoll(vocab.substr(i, end - i))));
        i = end + 1;
      }
    }
    fields.str(line.substr(close + 1));
    fields.clear();
    while (fields >> option) {
      if (option == "heavy")
        row.heavy = true;
      else if (option.rfind("max_len<=", 0) == 0)
        row.limit = std::stoll(option.substr(9));
    }
    rows.push_back(row);
  }
  return rows;
}

/// The table's files, each elaborated once in its own scope.
class TablePrograms {
public:
  explicit TablePrograms(std::string root) : root(std::move(root)) {
    elaborator = std::make_unique<lang::Elaborator>(diags, lang::ElaborateOptions::defaults());
    if (!elaborator->loadStdlib())
      std::abort();
  }
  /// The s-op `row` names; aborts if its file does not elaborate.
  const graph::Node *node(const TableRow &row) {
    auto &scope = scopes[row.file];
    if (!scope) {
      scope = elaborator->newProgramScope(row.file);
      std::optional<FileId> file = diags.loadFile(root + "/" + row.file);
      if (!file || elaborator->runFile(*file, scope))
        std::abort();
    }
    return scope->find(row.sop)->node();
  }

private:
  std::string root;
  llvm::raw_null_ostream sink;
  DiagnosticEngine diags{&sink};
  std::unique_ptr<lang::Elaborator> elaborator;
  std::map<std::string, std::shared_ptr<lang::Env>> scopes;
};

} // namespace rasp::differential
