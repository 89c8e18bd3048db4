// Value sets: exact sets for small cases worked out by hand, and soundness
// against the reference evaluator on every input up to a length.
#include "compiler/codegen/values/ValueSets.h"
#include "compiler/codegen/Verify.h"
#include "compiler/codegen/values/Means.h"
#include "compiler/eval/Evaluate.h"
#include "compiler/lang/Elaborate.h"
#include "compiler/support/Diagnostics.h"

#include "llvm/Support/raw_ostream.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <set>

using namespace rasp;

namespace {

struct Program {
  llvm::raw_null_ostream sink;
  DiagnosticEngine diags{&sink};
  std::unique_ptr<lang::Elaborator> elaborator;
  std::shared_ptr<lang::Env> scope;

  explicit Program(const std::string &text) {
    elaborator = std::make_unique<lang::Elaborator>(diags, lang::ElaborateOptions::defaults());
    EXPECT_TRUE(elaborator->loadStdlib());
    scope = elaborator->newProgramScope("test");
    EXPECT_EQ(elaborator->runFile(diags.addFile("t.rasp", text), scope), 0u);
  }
  const graph::Node *node(const std::string &name) { return scope->find(name)->node(); }
};

std::vector<Atom> strings(std::initializer_list<const char *> texts) {
  std::vector<Atom> out;
  for (const char *t : texts)
    out.push_back(Atom::string(t));
  return out;
}

/// The set as text, e.g. "0 0.5 1".
std::string text(const std::vector<Atom> &set) {
  std::string out;
  for (const Atom &a : set)
    out += (out.empty() ? "" : " ") + a.str();
  return out;
}

codegen::ValueSets sets(Program &p, const std::string &name, std::vector<Atom> vocab,
                        int64_t maxLen) {
  codegen::ValueSetOptions options;
  options.vocab = std::move(vocab);
  options.maxLen = maxLen;
  return codegen::lazyValueSets(p.node(name), options);
}

TEST(ValueSetsTest, InputsAndWidths) {
  Program p("w = selector_width(select(tokens, tokens, ==)); t = tokens; i = indices;");
  auto s = sets(p, "w", strings({"b", "a"}), 3);
  EXPECT_EQ(text(s.at(p.node("w"))), "0 1 2 3");
  EXPECT_EQ(text(s.at(p.node("t"))), "a b");
  auto si = sets(p, "i", strings({"a"}), 3);
  EXPECT_EQ(text(si.at(p.node("i"))), "0 1 2");
}

TEST(ValueSetsTest, MapsTakeTheImageAndSkipFailingCombinations) {
  Program p("a = indices + 1; b = tokens == \"a\"; c = 1 / indices; "
            "d = indices * 2 + indices; e = 1 / (indices - 1); "
            "f = 1 / indicator(tokens == \"a\");");
  EXPECT_EQ(text(sets(p, "a", strings({"a"}), 3).at(p.node("a"))), "1 2 3");
  EXPECT_EQ(text(sets(p, "b", strings({"a", "b"}), 3).at(p.node("b"))), "False True");
  // 1 / 0 fails in the evaluator, so it is not a value. c fails at index 0,
  // which every input has: no input gives c a value. e fails at index 1:
  // only inputs of length 1 give it one, -1.0 (the pairs (n, i) are
  // enumerated, not i alone).
  EXPECT_EQ(text(sets(p, "c", strings({"a"}), 3).at(p.node("c"))), "");
  EXPECT_EQ(text(sets(p, "e", strings({"a"}), 3).at(p.node("e"))), "-1.0");
  // A map of the tokens takes its operands' combinations: 1 / 0 left out.
  EXPECT_EQ(text(sets(p, "f", strings({"a", "b"}), 3).at(p.node("f"))), "1.0");
  // Both operands are functions of indices: the map is enumerated over
  // indices alone (3 * i for i in 0..2), not over the 9 pairs of operand
  // values (which would add 1, 2, 4 and 5).
  EXPECT_EQ(text(sets(p, "d", strings({"a"}), 3).at(p.node("d"))), "0 3 6");
}

TEST(ValueSetsTest, MeansAreEveryMeanThatCanOccur) {
  // Means of 1..3 values from {0, 1}: 0, 1, 1/2, 1/3, 2/3 (and the default 0).
  Program p("m = aggregate(select(indices, indices, <=), indicator(tokens == \"a\"));");
  auto s = sets(p, "m", strings({"a", "b"}), 3);
  std::vector<Atom> m = s.at(p.node("m"));
  EXPECT_EQ(m.size(), 5u) << text(m);
  EXPECT_TRUE(std::any_of(m.begin(), m.end(),
                          [](const Atom &a) { return a.equals(Atom::real(1.0 / 3.0)); }));
  EXPECT_TRUE(std::any_of(m.begin(), m.end(),
                          [](const Atom &a) { return a.equals(Atom::real(2.0 / 3.0)); }));
}

TEST(ValueSetsTest, NonNumericAggregatesPassValuesAndTheDefault) {
  Program p("r = aggregate(select(indices, indices - 1, ==), tokens, \"_\");");
  EXPECT_EQ(text(sets(p, "r", strings({"x", "y"}), 4).at(p.node("r"))), "_ x y");
}

TEST(ValueSetsTest, ExplodingSetsAreUnknownAndNameTheSOpWhereTheyStarted) {
  // The prefix means of indices where the token is "a" take far more than
  // 1000 values at max_len 300; `after` is unknown because `big` is; `fine`
  // does not read them. (The prefix means of the indices alone are i / 2
  // at index i: an s-op that reads no tokens takes its values at the
  // (length, index) pairs, 300 of them here.)
  Program p("big = aggregate(select(indices, indices, <=), indices * indicator(tokens == "
            "\"a\")); after = big + 1; fine = indices + 1; both = after + fine; "
            "half = aggregate(select(indices, indices, <=), indices);");
  codegen::ValueSetOptions options;
  options.vocab = strings({"a"});
  options.maxLen = 300;
  options.limit = 1000;
  codegen::ValueSets sets = codegen::lazyValueSets(p.node("both"), options);
  EXPECT_EQ(sets.at(p.node("fine")).size(), 300u);
  EXPECT_EQ(sets.at(p.node("half")).size(), 300u);
  for (const char *name : {"big", "after", "both"}) {
    try {
      sets.at(p.node(name));
      FAIL() << "expected '" << name << "' to be unknown";
    } catch (const codegen::ValueSetError &e) {
      EXPECT_EQ(e.node, p.node("big")) << name;
      EXPECT_NE(e.message.find("'big'"), std::string::npos) << e.message;
      EXPECT_NE(e.message.find("lower max_len"), std::string::npos) << e.message;
    }
  }
}

/// Whether the set holds `v`: equal, or for floats the one double of the
/// number that the evaluator's float path rounded another way (within
/// codegen::RoundingTolerance, relative past 1).
bool holds(const std::vector<Atom> &set, const Atom &v) {
  return std::any_of(set.begin(), set.end(), [&](const Atom &a) {
    if (a.equals(v))
      return true;
    return a.isNumber() && v.isNumber() && (a.isFloat() || v.isFloat()) &&
           std::fabs(a.number() - v.number()) <=
               codegen::RoundingTolerance * std::max(1.0, std::fabs(v.number()));
  });
}

/// Every value the evaluator produces, for every node and every input over
/// `vocab` of length 1..maxLen, is in the node's value set (up to the
/// rounding of the evaluator's float path).
void expectSound(const std::string &program, const std::string &name, std::vector<Atom> vocab,
                 int64_t maxLen) {
  Program p(program);
  codegen::ValueSetOptions options;
  options.vocab = vocab;
  options.maxLen = maxLen;
  codegen::ValueSets s = codegen::lazyValueSets(p.node(name), options);
  std::vector<const graph::Node *> nodes = graph::topologicalOrder(p.node(name));
  std::vector<size_t> digits;
  size_t checked = 0;
  for (int64_t n = 1; n <= maxLen; ++n) {
    digits.assign(n, 0);
    while (true) {
      std::vector<Atom> input;
      for (size_t d : digits)
        input.push_back(vocab[d]);
      eval::Evaluator evaluator(input);
      for (const graph::Node *node : nodes) {
        if (node->isSelector())
          continue;
        const std::vector<Atom> &set = s.at(node);
        for (const Atom &v : evaluator.sequence(node).values) {
          ASSERT_TRUE(holds(set, v))
              << node->name << " produced " << v.repr() << ", not in " << text(set);
          ++checked;
        }
      }
      size_t i = 0;
      while (i < digits.size() && ++digits[i] == vocab.size())
        digits[i++] = 0;
      if (i == digits.size())
        break;
    }
  }
  EXPECT_GT(checked, 0u);
}

TEST(ValueSetsTest, SoundOnThePaperPrograms) {
  expectSound("opp = length - indices - 1; r = aggregate(select(indices, opp, ==), tokens);", "r",
              strings({"a", "b", "c"}), 5);
  expectSound("s = sort(tokens, tokens);", "s", strings({"a", "b", "c"}), 5);
  expectSound("h = selector_width(select(tokens, tokens, ==));", "h", strings({"a", "b"}), 6);
  expectSound(R"rasp(
prefix = select(indices, indices, <=);
opens = round((indices + 1) * aggregate(prefix, indicator(tokens == "(")));
closes = round((indices + 1) * aggregate(prefix, indicator(tokens == ")")));
balance = opens - closes;
bad = aggregate(prefix, indicator(balance < 0));
d = "F" if bad > 0 else ("T" if balance == 0 else "P");)rasp",
              "d", strings({"(", ")"}), 6);
  // Linear combinations of means over equal selectors (two selects built
  // apart), enumerated by their shared count.
  expectSound(R"rasp(
opens = aggregate(select(indices, indices, <=), indicator(tokens == "("));
closes = aggregate(select(indices, indices, <=), indicator(tokens == ")"));
balance = 2 * opens - closes / 2 + 1;
neg = balance < 1;)rasp",
              "neg", strings({"(", ")", "x"}), 5);
}

TEST(ValueSetsTest, MeansOverOneSelectorShareTheirCount) {
  // opens - closes over one prefix: (k1 - k2) / w, never 1/2 - 1/3 = 1/6
  // (a difference of means over different counts, which a product of the
  // two mean sets would contain).
  Program p("opens = aggregate(select(indices, indices, <=), indicator(tokens == \"(\")); "
            "closes = aggregate(select(indices, indices, <=), indicator(tokens == \")\")); "
            "b = opens - closes;");
  auto s = sets(p, "b", strings({"(", ")"}), 3);
  const std::vector<Atom> &b = s.at(p.node("b"));
  const std::vector<double> thirdsAndHalves = {-1.0,    -2.0 / 3, -0.5,    -1.0 / 3, 0.0,
                                               1.0 / 3, 0.5,      2.0 / 3, 1.0};
  auto near = [](double x, double y) { return std::fabs(x - y) < 1e-9; };
  for (double want : thirdsAndHalves)
    EXPECT_TRUE(std::any_of(b.begin(), b.end(), [&](const Atom &a) {
      return near(a.number(), want);
    })) << want;
  // Nothing else (no 1/6 = 1/2 - 1/3): nine values, each number once
  // (the evaluator's 2/3 - 1/3 and 1 - 2/3 round differently; the set holds
  // 1/3's double alone).
  for (const Atom &a : b)
    EXPECT_TRUE(std::any_of(thirdsAndHalves.begin(), thirdsAndHalves.end(), [&](double want) {
      return near(a.number(), want);
    })) << a.repr();
  EXPECT_EQ(b.size(), 9u);
}

} // namespace

TEST(ValueSetsTest, EqualityOnShiftedIndicesSelectsAtMostOneKey) {
  // Keys indices + n - p (n the length and p a mean with a constant query:
  // the same at every position) differ at every position, so each query
  // selects at most one key: the mean of digits is a digit or the default,
  // never 1/2 (a mean of two values).
  Program p(R"rasp(
p = aggregate(select(tokens, "+", ==), indices);
shifted = aggregate(select(indices + length - p, indices, ==), indicator(tokens == "1"), 5);
spread = aggregate(select(tokens, tokens, ==), indicator(tokens == "1"), 5);)rasp");
  std::vector<Atom> vocab = strings({"0", "1", "+"});
  EXPECT_EQ(text(sets(p, "shifted", vocab, 4).at(p.node("shifted"))), "0 1 5");
  // Keys that may repeat (tokens) give means.
  EXPECT_GT(sets(p, "spread", vocab, 4).at(p.node("spread")).size(), 3u);
  expectSound(R"rasp(
p = aggregate(select(tokens, "+", ==), indices);
shifted = aggregate(select(indices + length - p, indices, ==), indicator(tokens == "1"), 5);)rasp",
              "shifted", vocab, 5);
}

TEST(ValueSetsTest, ComparisonsPastTheLimitAreBoolsAndArithmeticStaysUnknown) {
  // p takes every mean of indices: past a limit of 50 values, so p is
  // unknown. A comparison with it is still a bool (and its indicator 0 or
  // 1); a difference with it stays unknown.
  Program p(R"rasp(
p = aggregate(select(tokens, "c", ==), indices);
after = indices > p;
flag = indicator(indices == p or indices < p);
gap = indices - p;)rasp");
  codegen::ValueSetOptions options;
  options.vocab = strings({"a", "c"});
  options.maxLen = 12;
  options.limit = 50;
  codegen::ValueSets s = codegen::lazyValueSets(p.node("gap"), options);
  EXPECT_THROW(s.at(p.node("p")), codegen::ValueSetError);
  EXPECT_EQ(text(s.at(p.node("after"))), "False True");
  EXPECT_THROW(s.at(p.node("gap")), codegen::ValueSetError);
  codegen::ValueSets t = codegen::lazyValueSets(p.node("flag"), options);
  EXPECT_EQ(text(t.at(p.node("flag"))), "0 1");
}

TEST(ValueSetsTest, AShiftThatSwampsTheIndexMakesEveryKeyEqual) {
  // indices + 1e300 is 1e300 at every position in floating point (an
  // infinite shift, 1e300 * 1e300, is now an overflow error): every query
  // selects every key, so the mean of several is back (0.5 on "ab").
  // Before, the keys were taken to differ at every position, the set lacked
  // 0.5, and `m > 0.7` compiled wrong on 3 of 30 inputs.
  Program p("big = 10.0 ^ 300;\n"
            "keys = indices + big;\n"
            "m = aggregate(select(keys, keys, ==), indicator(tokens == \"a\"), 0);");
  auto s = sets(p, "m", strings({"a", "b"}), 2);
  EXPECT_EQ(text(s.at(p.node("m"))), "0 0.5 1");
}

TEST(ValueSetsTest, AShiftThatKeepsTheIndicesApartSelectsAtMostOne) {
  // indices + 2^40 keeps every index apart (the sums are exact), and so does
  // (indices * 0.5) + 1000: one value or the default, no mean.
  Program p("big = 2 ^ 40;\n"
            "a = aggregate(select(indices + big, indices + big, ==), indicator(tokens == \"a\"), "
            "0);\n"
            "b = aggregate(select(indices * 0.5 + 1000, indices * 0.5 + 1000, ==), "
            "indicator(tokens == \"a\"), 0);");
  EXPECT_EQ(text(sets(p, "a", strings({"a", "b"}), 8).at(p.node("a"))), "0 1");
  EXPECT_EQ(text(sets(p, "b", strings({"a", "b"}), 8).at(p.node("b"))), "0 1");
}

TEST(ValueSetsTest, MeansOfFloatsAreEveryMeanOfTheFloats) {
  // Found by fuzz_compile: a mean of float values took the integer path's
  // bounds first (and threw). Values {0.0, 0.5, 1.0}, i / 2 at position i,
  // over prefixes of up to 3 keys: the means of subsets of the positions
  // (each holding its own value), by hand: 0, 1/2 and 1 alone, 1/4 and 3/4
  // of two, 1/2 of {0, 1} and of all three (0 spelled as the default 0, the
  // first spelling kept). The floats are exact halves: they are summed as
  // integers over the denominator 2, position by position.
  // (The values read the tokens, so that the means are enumerated: an s-op
  // that reads none takes its values at the (length, index) pairs instead.)
  Program p("a = indicator(tokens == \"a\");\n"
            "half = aggregate(select(indices, indices, <=), indices * 0.5 * a);\n"
            "zero = aggregate(select(indices, indices, <=), indices * 0.0 * a);\n");
  std::vector<Atom> half = sets(p, "half", strings({"a"}), 3).at(p.node("half"));
  const double want[] = {0, 0.25, 0.5, 0.75, 1};
  ASSERT_EQ(half.size(), std::size(want));
  for (size_t i = 0; i < half.size(); ++i)
    EXPECT_DOUBLE_EQ(half[i].number(), want[i]) << i;
  EXPECT_EQ(text(sets(p, "zero", strings({"a"}), 3).at(p.node("zero"))), "0");
}

TEST(ValueSetsTest, MeansOfIndexValuesTakeEachPositionOnce) {
  // BOS's share: 1 at index 0 and 0 elsewhere, so a selection of w
  // positions sums to 0 or 1; the means are 0 and 1/w, never 2/3.
  Program p("share = aggregate(select(tokens, tokens, ==) or select(indices, 0, ==), "
            "indicator(indices == 0));");
  auto s = sets(p, "share", strings({"a", "b"}), 6);
  const std::vector<Atom> &share = s.at(p.node("share"));
  EXPECT_EQ(share.size(), 7u) << text(share); // 0, 1, 1/2, 1/3, 1/4, 1/5, 1/6
  for (int64_t w = 2; w <= 6; ++w)
    EXPECT_TRUE(std::any_of(share.begin(), share.end(), [&](const Atom &a) {
      return a.equals(Atom::real(1.0 / static_cast<double>(w)));
    })) << w;
  expectSound("share = aggregate(select(tokens, tokens, ==) or select(indices, 0, ==), "
              "indicator(indices == 0));",
              "share", strings({"a", "b"}), 6);
  expectSound("m = aggregate(select(tokens, tokens, ==), indices);", "m", strings({"a", "b"}), 6);
  expectSound("m = aggregate(select(tokens, \"a\", ==), 3 - 2 * (indices % 3));", "m",
              strings({"a", "b"}), 6);
}

TEST(ValueSetsTest, SubsetMeansAreTheMeansOfEverySubsetOfPositions) {
  // Against every subset of 8 positions, enumerated directly.
  std::vector<int64_t> byIndex = {3, -1, 4, 1, -5, 9, 2, 6};
  std::set<double> want, got;
  for (unsigned mask = 0; mask < 256; ++mask) {
    int w = __builtin_popcount(mask);
    if (w < 2)
      continue;
    int64_t sum = 0;
    for (int i = 0; i < 8; ++i)
      if (mask >> i & 1)
        sum += byIndex[i];
    want.insert(static_cast<double>(sum) * 1.0 / w);
  }
  ASSERT_TRUE(
      codegen::forEachSubsetMean(byIndex, 8, [&](const Atom &mean) { got.insert(mean.number()); }));
  EXPECT_EQ(got, want);
  // At max_len 3 only subsets of 2 and 3 positions.
  std::set<double> small;
  ASSERT_TRUE(codegen::forEachSubsetMean({0, 0, 0, 10}, 3,
                                         [&](const Atom &mean) { small.insert(mean.number()); }));
  EXPECT_EQ(small, (std::set<double>{0.0, 5.0, 10.0 / 3}));
}

namespace {

/// Every value the evaluator produces for `name` on every input over
/// `vocab` of length 1..maxLen (by Python equality).
std::vector<Atom> evaluatorValues(Program &p, const std::string &name,
                                  const std::vector<Atom> &vocab, int64_t maxLen) {
  std::vector<Atom> seen;
  std::vector<size_t> digits;
  for (int64_t n = 1; n <= maxLen; ++n) {
    digits.assign(n, 0);
    while (true) {
      std::vector<Atom> input;
      for (size_t d : digits)
        input.push_back(vocab[d]);
      eval::Evaluator evaluator(input);
      for (const Atom &v : evaluator.sequence(p.node(name)).values)
        if (std::none_of(seen.begin(), seen.end(), [&](const Atom &a) { return a.equals(v); }))
          seen.push_back(v);
      size_t i = 0;
      while (i < digits.size() && ++digits[i] == vocab.size())
        digits[i++] = 0;
      if (i == digits.size())
        break;
    }
  }
  return seen;
}

/// The set of `name` is exactly what the evaluator produces on every input
/// up to maxLen (brute force), plus `extra` (values the rule keeps that no
/// input reaches, worked out by hand).
void expectTight(const std::string &program, const std::string &name, std::vector<Atom> vocab,
                 int64_t maxLen, const std::vector<Atom> &extra = {}) {
  Program p(program);
  codegen::ValueSets s = sets(p, name, vocab, maxLen);
  const std::vector<Atom> &set = s.at(p.node(name));
  std::vector<Atom> want = evaluatorValues(p, name, vocab, maxLen);
  for (const Atom &v : want)
    EXPECT_TRUE(std::any_of(set.begin(), set.end(), [&](const Atom &a) { return a.equals(v); }))
        << name << ": the evaluator produces " << v.repr() << ", not in " << text(set);
  for (const Atom &e : extra)
    if (std::none_of(want.begin(), want.end(), [&](const Atom &a) { return a.equals(e); }))
      want.push_back(e);
  EXPECT_EQ(set.size(), want.size()) << name << ": " << text(set);
}

std::vector<Atom> integers(std::initializer_list<int64_t> values) {
  std::vector<Atom> out;
  for (int64_t v : values)
    out.push_back(Atom::integer(v));
  return out;
}

} // namespace

TEST(ValueSetsTest, TheNextIdenticalTokenIsOneKey) {
  // select_next_identical: same and select(copies_before, copies_before +
  // 1, ==), copies_before the rank of each position among those with its
  // token. The keys are held in the query's class of tokens, where the
  // ranks differ: one key at most, so its aggregate of numbers is a token
  // or the default, never a mean (it was every mean of 2..N tokens).
  const char *program = "nt = aggregate(select_next_identical(tokens_int), tokens_int, 0); "
                        "scaled = nt * indices;";
  expectTight(program, "nt", integers({1, 2, 5}), 5);
  // (scaled keeps 2 * 4 and 5 * 4, which no input reaches: the last
  // position has no next copy, but the product is over the two sets.)
  expectTight(program, "scaled", integers({1, 2, 5}), 5, integers({8, 20}));
  Program p(program);
  EXPECT_EQ(text(sets(p, "nt", integers({1, 2, 5}), 16).at(p.node("nt"))), "0 1 2 5");
  // The rank counted the other way (later copies) works alike; a rank over
  // all positions, not within the class, does not bound the selection.
  expectTight("same = select(tokens_int, tokens_int, ==); "
              "after = selector_width(select(indices, indices, >) and same); "
              "prev = aggregate(same and select(after, after - 1, ==), tokens_int, 0);",
              "prev", integers({1, 2, 5}), 5);
  // A rank that counts other classes (earlier positions with another
  // token) repeats within a class ("aab": 0 at both a's), so the same
  // conjunction selects several keys there: means stay.
  const char *other = "same = select(tokens_int, tokens_int, ==); "
                      "r = selector_width(select(tokens_int, tokens_int, !=) and "
                      "select(indices, indices, <)); "
                      "both = aggregate(same and select(r, r, ==), indices, 9);";
  expectSound(other, "both", integers({1, 2}), 5);
  Program q(other);
  auto s = sets(q, "both", integers({1, 2}), 4);
  const std::vector<Atom> &both = s.at(q.node("both"));
  EXPECT_TRUE(std::any_of(both.begin(), both.end(), [](const Atom &a) {
    return a.equals(Atom::real(0.5));
  })) << text(both);
}

TEST(ValueSetsTest, AnEqualityOnACountOfFilteredKeysWithTheFilterIsOneKey) {
  // The latest "a" (natural5.rasp's since_a) and a run's start
  // (rle_lengths): among the keys the filter admits, the count of such
  // keys up to each differs, so the conjunction selects at most one key
  // and the aggregate is an index or the default, never a mean (it was
  // every mean of subsets of the indices).
  const char *latest = "so_far = selector_width(select(indices, indices, <=) and "
                       "select(tokens, \"a\", ==)); "
                       "latest = aggregate(select(so_far, so_far, ==) and "
                       "select(tokens, \"a\", ==), indices, -1);";
  std::vector<Atom> abc = {Atom::string("a"), Atom::string("b"), Atom::string("c")};
  expectTight(latest, "latest", abc, 5);
  Program p(latest);
  EXPECT_EQ(sets(p, "latest", abc, 40).at(p.node("latest")).size(), 41u);
  // Counted the other way (keys at or after) and with a strict order alike.
  expectTight("after = selector_width(select(indices, indices, >) and select(tokens, \"b\", ==)); "
              "next_b = aggregate(select(tokens, \"b\", ==) and select(after, after, ==), "
              "indices, 9);",
              "next_b", abc, 5);
  // Another filter on the conjunction ("b" keys, counted "a"s) selects
  // every "b" after the same "a": several keys, so means stay.
  const char *other = "so_far = selector_width(select(indices, indices, <=) and "
                      "select(tokens, \"a\", ==)); "
                      "bs = aggregate(select(so_far, so_far, ==) and "
                      "select(tokens, \"b\", ==), indices, -1);";
  expectSound(other, "bs", abc, 5);
  Program q(other);
  auto s = sets(q, "bs", abc, 4);
  const std::vector<Atom> &bs = s.at(q.node("bs"));
  EXPECT_TRUE(std::any_of(bs.begin(), bs.end(), [](const Atom &a) {
    return a.equals(Atom::real(1.5));
  })) << text(bs);
}

TEST(ValueSetsTest, AMeanOfKeysHoldingOneValueIsThatValue) {
  // The deepest nesting (natural2.rasp's max_depth): the keys selected are
  // those no depth beats, which all hold the largest depth, so the mean is
  // one of depth's values (it was every mean of subsets of them, past
  // 100,000 at max_len 64). Likewise a value the same at every position
  // (a comparison of two counts of every key): its share is 0 or 1.
  const char *deepest = "opened = selector_width(select(indices, indices, <=) and "
                        "select(tokens, \"(\", ==)); "
                        "closed = selector_width(select(indices, indices, <=) and "
                        "select(tokens, \")\", ==)); "
                        "depth = opened - closed; "
                        "is_deepest = not has_focus(select(depth, depth, >)); "
                        "deepest = aggregate(select(is_deepest, True, ==), depth); "
                        "lowest = aggregate(select(not has_focus(select(depth, depth, <)), True, "
                        "==), depth);";
  std::vector<Atom> brackets = {Atom::string("("), Atom::string(")")};
  // (Sound, and depth's own set: -6..6 at 6, where the deepest of an input
  // is only ever -1..6, a set the rule does not narrow.)
  expectSound(deepest, "deepest", brackets, 6);
  expectSound(deepest, "lowest", brackets, 6);
  Program p(deepest);
  EXPECT_EQ(text(sets(p, "deepest", brackets, 6).at(p.node("deepest"))),
            "-6 -5 -4 -3 -2 -1 0 1 2 3 4 5 6");
  EXPECT_EQ(sets(p, "deepest", brackets, 64).at(p.node("deepest")).size(), 129u);
  const char *tie = "a = selector_width(select(tokens, \"(\", ==)); "
                    "b = selector_width(select(tokens, \")\", ==)); "
                    "tie_share = aggregate(full_s, indicator(a == b));";
  expectTight(tie, "tie_share", brackets, 6);
  // A depth under another selector (the keys where it is not the largest)
  // keeps its means.
  const char *others = "opened = selector_width(select(indices, indices, <=) and "
                       "select(tokens, \"(\", ==)); "
                       "not_top = has_focus(select(opened, opened, >)); "
                       "m = aggregate(select(not_top, True, ==), opened);";
  expectSound(others, "m", brackets, 5);
  Program q(others);
  auto s = sets(q, "m", brackets, 4);
  const std::vector<Atom> &m = s.at(q.node("m"));
  EXPECT_TRUE(std::any_of(m.begin(), m.end(), [](const Atom &a) {
    return a.equals(Atom::real(1.5));
  })) << text(m);
}

TEST(ValueSetsTest, AMeanOverAtMostKKeysIsAMeanOfAtMostKValues) {
  // Either of two single keys: at most two values, so the means of pairs
  // of tokens (with repetition: two positions can hold one token) and the
  // tokens themselves; the default 7 is kept (an equality with a constant
  // query may select nothing), though position 0 always exists.
  const char *program =
      "ends = aggregate(select(indices, 0, ==) or select(indices, length - 1, ==), tokens_int, "
      "7);";
  expectTight(program, "ends", integers({0, 1, 4}), 4, integers({7}));
  Program p(program);
  EXPECT_EQ(text(sets(p, "ends", integers({0, 1, 4}), 16).at(p.node("ends"))),
            "0 0.5 1 2.0 2.5 4 7");
}

TEST(ValueSetsTest, PositionWeightsAreEnumeratedOverTheirLengthAndIndex) {
  // bit * 2 ^ (length - 1 - indices) at length n and index i is 0 or
  // 2^(n-1-i): its mean over every position is k / n for 0 <= k < 2^n, and
  // length times that the integers below 2^n (and their float spellings).
  // The product of the separate sets gave every sum of any powers over any
  // count, and n * k / m for every n, m.
  const char *program = R"rasp(
bit = indicator(tokens == "1");
weight = bit * 2 ^ (length - 1 - indices);
mean = aggregate(full_s, weight);
value = round(length * mean);
prefix = aggregate(select(indices, indices, <=), weight);)rasp";
  expectTight(program, "weight", strings({"0", "1"}), 5);
  expectTight(program, "mean", strings({"0", "1"}), 5);
  expectTight(program, "value", strings({"0", "1"}), 5);
  // Over the prefixes (any subset of positions, a superset; the default 0
  // is a value anyway): sound, and far below the product's.
  expectSound(program, "prefix", strings({"0", "1"}), 5);
  Program p(program);
  auto s = sets(p, "value", strings({"0", "1"}), 10);
  EXPECT_EQ(s.at(p.node("value")).size(), 1024u);
  EXPECT_EQ(text(s.at(p.node("value"))).substr(0, 8), "0 1 2 3 ");
}

TEST(ValueSetsTest, CellMeansAreTheMeansOfOneValuePerPosition) {
  // Against every choice of one value per position, enumerated directly.
  std::vector<std::vector<int64_t>> cells = {{0, 3}, {1}, {-2, 5}, {0, 4}};
  std::set<double> every, subsets;
  for (int64_t a : cells[0])
    for (int64_t b : cells[1])
      for (int64_t c : cells[2])
        for (int64_t d : cells[3]) {
          int64_t chosen[4] = {a, b, c, d};
          every.insert(static_cast<double>(a + b + c + d) * 1.0 / 4);
          for (unsigned mask = 0; mask < 16; ++mask) {
            int w = __builtin_popcount(mask);
            if (w < 2 || w > 3)
              continue;
            int64_t sum = 0;
            for (int i = 0; i < 4; ++i)
              if (mask >> i & 1)
                sum += chosen[i];
            subsets.insert(static_cast<double>(sum) * 1.0 / w);
          }
        }
  std::set<double> got;
  ASSERT_TRUE(codegen::forEachCellMean(cells, 4, true,
                                       [&](const Atom &mean) { got.insert(mean.number()); }));
  EXPECT_EQ(got, every);
  got.clear();
  ASSERT_TRUE(codegen::forEachCellMean(cells, 3, false,
                                       [&](const Atom &mean) { got.insert(mean.number()); }));
  EXPECT_EQ(got, subsets);
}

TEST(ValueSetsTest, TheRanksOfAStrictTotalOrderAreOneKeyEach) {
  // The library's sort: each position's target is its rank under (value,
  // index), a permutation, so the aggregate selects one key (the sorted
  // tokens are tokens, not means). A middle pair (either of two single
  // positions) averages two sorted tokens at most.
  const char *program = R"rasp(
s = sort(tokens_int, tokens_int);
half_lo = round((length - 1) / 2 - 0.25);
half_hi = round(length / 2 - 0.25);
median = aggregate(select(indices, half_lo, ==) or select(indices, half_hi, ==), s);)rasp";
  expectTight(program, "s", integers({0, 1, 4}), 5);
  expectTight(program, "median", integers({0, 1, 4}), 5);
  Program p(program);
  EXPECT_EQ(text(sets(p, "median", integers({0, 1, 4}), 16).at(p.node("median"))),
            "0 0.5 1 2.0 2.5 4");
  // Ties not broken by the index: two positions can share a rank.
  expectSound("w = selector_width(select(tokens_int, tokens_int, <)); "
              "m = aggregate(select(w, indices, ==), indices, 9);",
              "m", integers({0, 1}), 5);
  Program q("w = selector_width(select(tokens_int, tokens_int, <)); "
            "m = aggregate(select(w, indices, ==), indices, 9);");
  auto s = sets(q, "m", integers({0, 1}), 4);
  const std::vector<Atom> &m = s.at(q.node("m"));
  EXPECT_TRUE(std::any_of(m.begin(), m.end(), [](const Atom &a) {
    return a.equals(Atom::real(0.5));
  })) << text(m);
}

TEST(ValueSetsTest, AMeanOfEveryPositionIsTakenLengthByLength) {
  // frac over every position at length n is k / n, so frac * length is an
  // integer (the product of the separate sets held k / n * m for every m),
  // and frac occurs with BOS's share 1 / n of the same n only.
  const char *program = R"rasp(
share = aggregate(full_s, indicator(indices == 0));
frac = aggregate(full_s, indicator(tokens == "a"));
total = frac * length;
ratio = round(total) / length;)rasp";
  expectTight(program, "frac", strings({"a", "b"}), 5);
  expectTight(program, "total", strings({"a", "b"}), 5);
  expectTight(program, "ratio", strings({"a", "b"}), 5);
  Program p(program);
  auto s = sets(p, "total", strings({"a", "b"}), 16);
  EXPECT_EQ(s.at(p.node("total")).size(), 17u) << text(s.at(p.node("total")));
  s.at(p.node("share"));
  std::vector<const graph::Node *> pair = {p.node("frac"), p.node("share")};
  EXPECT_TRUE(s.canOccurTogether(pair, {Atom::real(2.0 / 3), Atom::real(1.0 / 3)}));
  EXPECT_FALSE(s.canOccurTogether(pair, {Atom::real(0.5), Atom::real(1.0 / 3)}));
  EXPECT_TRUE(s.canOccurTogether(pair, {Atom::integer(1), Atom::integer(1)}));
  EXPECT_FALSE(s.canOccurTogether(pair, {Atom::real(0.25), Atom::real(0.2)}));
}

TEST(ValueSetsTest, AnIntegerPlusAFractionOfTheIndexDiffersAtEveryPosition) {
  // Tracr's sort: keys x + i / 64 differ at every position (integers apart
  // by at least 1, the fractions by less), so the widths of their strict
  // order are ranks, each selected once: the sorted values are values
  // (it was 322 values at max_len 16, means of them).
  const char *program = R"rasp(
keys = tokens_int + indices / 64;
target = selector_width(select(keys, keys, <));
sorted = aggregate(select(target, indices, ==), tokens_int);
wide = tokens_int + indices / 2;
w = selector_width(select(wide, wide, <));
loose = aggregate(select(w, indices, ==), tokens_int);)rasp";
  // (The default 0 is kept: that the ranks cover every index, so that each
  // query selects exactly one key, is not derived.)
  expectTight(program, "sorted", integers({1, 2, 3}), 5, integers({0}));
  Program p(program);
  EXPECT_EQ(text(sets(p, "sorted", integers({1, 2, 3}), 16).at(p.node("sorted"))), "0 1 2 3");
  // indices / 2 spans more than 1 from max_len 4: 1 + 1.5 = 2 + 0.5, so
  // two keys can tie, two positions share a width, and means remain.
  expectSound(program, "loose", integers({1, 2}), 5);
  auto s = sets(p, "loose", integers({1, 2}), 5);
  const std::vector<Atom> &loose = s.at(p.node("loose"));
  EXPECT_TRUE(std::any_of(loose.begin(), loose.end(), [](const Atom &a) {
    return a.equals(Atom::real(1.5));
  })) << text(loose);
}

TEST(ValueSetsTest, AMeanOfOneOverTheClassSizeCountsTheClasses) {
  // Each class of tokens present adds 1 / its size once per member: the
  // sum over every position is the number of classes d, the mean d / n
  // (at most the vocabulary's classes, at most n), and length times it d.
  // The product of the separate sets held every mean of 1 / w values.
  const char *program = R"rasp(
share = aggregate(full_s, 1 / selector_width(select(tokens, tokens, ==)));
distinct = round(length * share);
thirds = aggregate(full_s, 3 / selector_width(select(tokens, tokens, ==)));)rasp";
  // Sound (up to the evaluator's float path: it sums 1/3 three times)...
  expectSound(program, "distinct", strings({"a", "b", "c"}), 6);
  expectSound(program, "thirds", strings({"a", "b"}), 6);
  expectTight(program, "distinct", strings({"a", "b", "c"}), 6);
  // ...and exactly the reduced fractions c * d / n, counted independently.
  Program p(program);
  auto count = [](int64_t c, int64_t classes, int64_t maxLen) {
    std::set<std::pair<int64_t, int64_t>> fractions;
    for (int64_t n = 1; n <= maxLen; ++n)
      for (int64_t d = 1; d <= std::min(n, classes); ++d)
        fractions.insert({c * d / std::gcd(c * d, n), n / std::gcd(c * d, n)});
    return fractions.size();
  };
  auto s = sets(p, "distinct", strings({"a", "b", "c", "d"}), 16);
  EXPECT_EQ(s.at(p.node("share")).size(), count(1, 4, 16)) << text(s.at(p.node("share")));
  EXPECT_EQ(text(s.at(p.node("distinct"))), "1 2 3 4");
  auto t = sets(p, "thirds", strings({"a", "b"}), 5);
  EXPECT_EQ(t.at(p.node("thirds")).size(), count(3, 2, 5)) << text(t.at(p.node("thirds")));
}

TEST(ValueSetsTest, TheMeanOverEveryPositionIsBoundedLengthByLength) {
  // The bounds of the mean of bit * 2 ^ (length - 1 - indices) at each
  // length n, from what each position can hold, against every input of
  // length n: [0, (2^n - 1) / n], reached by all zeros and all ones; the
  // mean of the magnitudes is the same here. The values alone would give
  // [0, 2^(N-1)] at every length.
  Program p(R"rasp(
bit = indicator(tokens == "1");
weights = bit * 2 ^ (length - 1 - indices);
signed = (2 * bit - 1) * (indices + 1);
t = tokens;)rasp");
  std::vector<Atom> vocab = strings({"0", "1"});
  const int64_t maxLen = 6;
  auto s = sets(p, "weights", vocab, maxLen);
  for (const char *name : {"weights", "signed"}) {
    std::optional<std::vector<codegen::ValueSets::MeanRange>> range =
        s.wholeMeanRange(p.node(name));
    ASSERT_TRUE(range) << name;
    ASSERT_EQ(range->size(), static_cast<size_t>(maxLen));
    for (int64_t n = 1; n <= maxLen; ++n) {
      double least = INFINITY, greatest = -INFINITY, magnitude = 0;
      for (int64_t code = 0; code < (int64_t{1} << n); ++code) {
        std::vector<Atom> input;
        for (int64_t i = 0; i < n; ++i)
          input.push_back(vocab[code >> i & 1]);
        eval::Evaluator evaluator(input);
        double sum = 0, size = 0;
        for (const Atom &v : evaluator.sequence(p.node(name)).values) {
          sum += v.number();
          size += std::fabs(v.number());
        }
        least = std::min(least, sum / n);
        greatest = std::max(greatest, sum / n);
        magnitude = std::max(magnitude, size / n);
      }
      const codegen::ValueSets::MeanRange &at = (*range)[n - 1];
      EXPECT_DOUBLE_EQ(at.least, least) << name << " at " << n;
      EXPECT_DOUBLE_EQ(at.greatest, greatest) << name << " at " << n;
      EXPECT_DOUBLE_EQ(at.magnitude, magnitude) << name << " at " << n;
    }
  }
  // Strings have no bounds.
  EXPECT_FALSE(s.wholeMeanRange(p.node("t")).has_value());
}
