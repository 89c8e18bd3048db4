// The evaluator's fused selectors (issue 20) against the matrix evaluator
// they replaced (tests/oracle/MatrixEvaluator.h): every s-op and selector
// of the differential table's programs (the examples and the standard
// library among them) and of random programs, on random inputs, must give
// the same values bit for bit (floats compared by their bits, atoms by
// kind), or the same error at the same place.
#include "compiler/eval/Evaluate.h"
#include "compiler/lang/Elaborate.h"
#include "compiler/support/Diagnostics.h"
#include "tests/differential/DifferentialTable.h"
#include "tests/oracle/MatrixEvaluator.h"

#include "llvm/Support/raw_ostream.h"

#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <map>
#include <random>
#include <sstream>

using namespace rasp;

namespace {

/// A program elaborated with the standard library; `error` holds the
/// diagnostics when it fails.
struct Program {
  std::string diagnostics;
  llvm::raw_string_ostream os{diagnostics};
  DiagnosticEngine diags{&os};
  lang::Elaborator elaborator{diags, lang::ElaborateOptions::defaults()};
  std::shared_ptr<lang::Env> scope;

  Program(const std::string &name, const std::string &text) {
    if (!elaborator.loadStdlib())
      ADD_FAILURE() << "the standard library does not load";
    scope = elaborator.newProgramScope(name);
    elaborator.runFile(diags.addFile(name, text), scope);
  }

  /// The program's s-ops and selectors, by name (a stable order).
  std::map<std::string, const graph::Node *> nodes() const {
    std::map<std::string, const graph::Node *> out;
    for (const auto &[name, value] : scope->vars)
      if (value.isNode())
        out.emplace(name, value.node());
    return out;
  }
};

std::string readFile(const std::string &path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

/// The values as text that tells atoms apart by kind and floats by their
/// bits (shortest round-trip repr: 0.0 and -0.0 differ).
std::string show(const std::vector<Atom> &values) {
  std::string out;
  for (const Atom &v : values)
    out += v.repr() + (v.isFloat() ? "f " : " ");
  return out;
}

std::string inputText(const std::vector<Atom> &input) { return show(input); }

/// What one evaluator gives for `node`: the values, or the error.
template <typename E> std::string outcome(E &evaluator, const graph::Node *node) {
  try {
    if (node->isSelector()) {
      const BitMatrix &m = evaluator.selector(node);
      std::string out = "selector";
      for (size_t q = 0; q < m.rows(); ++q) {
        out += "\n";
        for (size_t k = 0; k < m.cols(); ++k)
          out += m.get(q, k) ? '1' : '.';
      }
      return out;
    }
    const eval::Sequence &s = evaluator.sequence(node);
    return std::string(eval::seqTypeName(s.type)) + ": " + show(s.values);
  } catch (const eval::EvalError &e) {
    return "error at " + std::to_string(e.loc.line) + ":" + std::to_string(e.loc.col) + ": " +
           e.message;
  }
}

/// Evaluates every node of `program` on `input` with both evaluators (the
/// s-ops in name order, then again in reverse, so that values freed after
/// one walk are computed again in another) and compares; returns the
/// number of nodes compared.
size_t compareOn(const Program &program, const std::vector<Atom> &input) {
  eval::Evaluator fused(input);
  oracle::MatrixEvaluator matrices(input);
  auto nodes = program.nodes();
  std::vector<std::pair<std::string, const graph::Node *>> order(nodes.begin(), nodes.end());
  order.insert(order.end(), nodes.rbegin(), nodes.rend());
  for (const auto &[name, node] : order) {
    std::string want = outcome(matrices, node), got = outcome(fused, node);
    EXPECT_EQ(got, want) << name << " on " << inputText(input);
    if (got != want)
      return 0;
  }
  return nodes.size();
}

/// `count` inputs of lengths 1..maxLength (and a few longer ones) drawn
/// from `vocab`.
std::vector<std::vector<Atom>> randomInputs(const std::vector<Atom> &vocab, size_t count,
                                            size_t maxLength, std::mt19937 &random) {
  std::vector<std::vector<Atom>> out;
  for (size_t i = 0; i < count; ++i) {
    size_t length = i < count - 3 ? 1 + i % maxLength : 100 + 50 * (count - i);
    std::vector<Atom> input;
    for (size_t p = 0; p < length; ++p)
      input.push_back(vocab[random() % vocab.size()]);
    out.push_back(std::move(input));
  }
  return out;
}

TEST(EvaluateTest, TheDifferentialTableEvaluatesAsWithMatrices) {
  std::vector<differential::TableRow> rows = differential::readTable(RASP_SOURCE_DIR);
  ASSERT_GT(rows.size(), 40u);
  std::mt19937 random(20);
  size_t compared = 0;
  for (const differential::TableRow &row : rows) {
    std::string path = std::string(RASP_SOURCE_DIR) + "/" + row.file;
    Program program(path, readFile(path) + "\n__vocab = " + row.vocabText + ";\n");
    ASSERT_EQ(program.diags.errorCount(), 0u) << program.diagnostics;
    std::vector<Atom> vocab = lang::inputAtoms(*program.scope->find("__vocab"), SourceLoc());
    for (const std::vector<Atom> &input : randomInputs(vocab, 24, 20, random))
      compared += compareOn(program, input);
  }
  EXPECT_GT(compared, 10000u);
}

/// A random program: statements that build s-ops and selectors from those
/// before them, over every comparison, and/or/not, aggregates of ints,
/// floats, bools and strings with several defaults, and widths.
std::string randomProgram(std::mt19937 &random) {
  std::vector<std::string> sops = {"tokens_str",      "tokens_int",
                                   "tokens_float",    "indices",
                                   "length",          "indicator(tokens_int > 0)",
                                   "tokens_int / 4",  "tokens_float * 3",
                                   "tokens_int == 1", "length - indices"};
  std::vector<std::string> selectors = {"select(indices, indices, <=)"};
  const char *const cmps[] = {"==", "!=", "<", ">", "<=", ">="};
  const char *const defaults[] = {"", ", 0", ", \"-\"", ", 2.5", ", -1"};
  auto pick = [&](const std::vector<std::string> &from) { return from[random() % from.size()]; };
  std::string text;
  for (int i = 0; i < 14; ++i) {
    std::string name = "v" + std::to_string(i), expr;
    switch (random() % 8) {
    case 0:
    case 1: {
      std::string key = random() % 6 ? pick(sops) : "1";
      std::string query = random() % 6 ? pick(sops) : "2";
      expr = "select(" + key + ", " + query + ", " + cmps[random() % 6] + ")";
      selectors.push_back(name);
      break;
    }
    case 2:
      expr = pick(selectors) + (random() % 2 ? " and " : " or ") + pick(selectors);
      selectors.push_back(name);
      break;
    case 3:
      expr = "not " + pick(selectors);
      selectors.push_back(name);
      break;
    case 4:
    case 5:
      expr = "aggregate(" + pick(selectors) + ", " + pick(sops) + defaults[random() % 5] + ")";
      sops.push_back(name);
      break;
    case 6:
      expr = "selector_width(" + pick(selectors) + ")";
      sops.push_back(name);
      break;
    default:
      expr = "(" + pick(sops) + ") + (" + pick(sops) + ")";
      sops.push_back(name);
      break;
    }
    text += name + " = " + expr + ";\n";
  }
  return text;
}

TEST(EvaluateTest, RandomProgramsEvaluateAsWithMatrices) {
  std::mt19937 random(2026);
  const std::vector<std::vector<Atom>> vocabs = {
      {Atom::integer(0), Atom::integer(1), Atom::integer(2), Atom::integer(-3)},
      {Atom::real(0.5), Atom::real(0.1), Atom::integer(1), Atom::real(-2.25), Atom::real(1e300)},
      {Atom::real(0.75), Atom::real(-0.0), Atom::integer(3), Atom::real(NAN)},
      {Atom::string("a"), Atom::string("b"), Atom::string("1")},
      {Atom::integer(int64_t{1} << 60), Atom::integer(-(int64_t{1} << 60) + 1), Atom::integer(7)}};
  size_t compared = 0;
  for (int p = 0; p < 150; ++p) {
    std::string text = randomProgram(random);
    Program program("random.rasp", text);
    if (program.diags.errorCount())
      continue;
    for (const std::vector<Atom> &vocab : vocabs)
      for (const std::vector<Atom> &input : randomInputs(vocab, 6, 12, random)) {
        size_t n = compareOn(program, input);
        compared += n;
        if (!n) {
          ADD_FAILURE() << "in the program\n" << text;
          return;
        }
      }
  }
  EXPECT_GT(compared, 25000u);
}

} // namespace
