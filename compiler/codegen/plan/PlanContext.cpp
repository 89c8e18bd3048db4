// The planner's shared context: value sets, sources, evaluation, lookups.
#include "compiler/codegen/plan/PlanContext.h"

#include "compiler/codegen/constructions/MapProgram.h"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <cstdio>

using namespace rasp;
using namespace rasp::codegen;

namespace {
/// Two significant digits, for a diagnostic.
std::string shortNumber(double x) {
  char text[32];
  std::snprintf(text, sizeof text, "%.2g", x);
  return text;
}
double largest(const std::vector<double> &levels);
} // namespace

bool codegen::allNumbers(const std::vector<Atom> &values) {
  return std::all_of(values.begin(), values.end(), [](const Atom &v) { return v.isNumber(); });
}

/// `key CMP query` as a select compares two atoms; nullopt when the
/// evaluator would fail.
namespace {

/// The outcomes of comparing a key with a query that `cmp` accepts, as
/// bits of {key < query, key == query, key > query}.
unsigned outcomes(graph::CompareKind cmp) {
  switch (cmp) {
  case graph::CompareKind::Eq:
    return 2;
  case graph::CompareKind::Ne:
    return 5;
  case graph::CompareKind::Lt:
    return 1;
  case graph::CompareKind::Gt:
    return 4;
  case graph::CompareKind::Le:
    return 3;
  case graph::CompareKind::Ge:
    return 6;
  }
  return 7;
}

/// The selects of a conjunction; false where it holds something else.
bool selectsOf(const Node *sel, std::vector<const Node *> &out) {
  if (sel->kind == NodeKind::SelectorAnd)
    return selectsOf(sel->inputs[0], out) && selectsOf(sel->inputs[1], out);
  out.push_back(sel);
  return sel->kind == NodeKind::Select;
}

bool differentConstants(const Node *a, const Node *b) {
  return a->kind == NodeKind::Constant && b->kind == NodeKind::Constant &&
         !a->constant.equals(b->constant);
}

/// One s-op, or two constants of one value.
bool sameSide(const Node *a, const Node *b) {
  return a == b || (a->kind == NodeKind::Constant && b->kind == NodeKind::Constant &&
                    a->constant.equals(b->constant));
}

/// Whether s and t compare the same key with the same query.
bool sameSides(const Node *s, const Node *t) {
  return sameSide(s->inputs[0], t->inputs[0]) && sameSide(s->inputs[1], t->inputs[1]);
}

bool exclusiveSelects(const Node *s, const Node *t) {
  if (sameSides(s, t))
    return (outcomes(s->cmp) & outcomes(t->cmp)) == 0;
  // An equality of one side with two different constants.
  return s->cmp == graph::CompareKind::Eq && t->cmp == graph::CompareKind::Eq &&
         ((sameSide(s->inputs[0], t->inputs[0]) &&
           differentConstants(s->inputs[1], t->inputs[1])) ||
          (sameSide(s->inputs[1], t->inputs[1]) && differentConstants(s->inputs[0], t->inputs[0])));
}

} // namespace

bool codegen::neverTogether(const Node *a, const Node *b) {
  std::vector<const Node *> as, bs;
  if (!selectsOf(a, as) || !selectsOf(b, bs))
    return false;
  for (const Node *s : as)
    for (const Node *t : bs)
      if (exclusiveSelects(s, t))
        return true;
  return false;
}

bool codegen::selectsWithin(const Node *a, const Node *b) {
  std::vector<const Node *> as, bs;
  if (!selectsOf(a, as) || !selectsOf(b, bs))
    return false;
  return std::all_of(bs.begin(), bs.end(), [&](const Node *t) {
    return std::any_of(as.begin(), as.end(), [&](const Node *s) {
      return s == t || (sameSides(s, t) && (outcomes(s->cmp) & ~outcomes(t->cmp)) == 0);
    });
  });
}

std::optional<bool> codegen::comparePair(graph::CompareKind cmp, const Atom &key,
                                         const Atom &query) {
  if (key.isString() != query.isString()) {
    if (cmp == graph::CompareKind::Eq)
      return false;
    if (cmp == graph::CompareKind::Ne)
      return true;
    return std::nullopt;
  }
  try {
    return applyAtomOp(graph::compareAtomOp(cmp), key, query).truthy();
  } catch (const AtomError &) {
    return std::nullopt;
  }
}

double PlanContext::scale() const {
  return 2 * (std::log(static_cast<double>(options.maxLen) + 1) + 14);
}

const std::vector<Atom> &PlanContext::valuesOf(const Node *node) const {
  try {
    return sets.at(node);
  } catch (const ValueSetError &e) {
    throw CompileError{e.node, e.message, e.tooLarge};
  }
}

int PlanContext::embedding(const Node *node) {
  if (int f = layout.find(node, EncodingKind::Categorical); f >= 0)
    return f;
  Block f;
  f.label = node->name;
  f.values = valuesOf(node);
  f.producer = node->kind == NodeKind::Tokens ? "token embedding" : "position embedding";
  f.why = "an embedding is a one-hot of its values";
  return layout.add(node, std::move(f));
}

std::vector<int> PlanContext::sourcesOf(const Node *x, bool preferCategorical) {
  if (layout.size() != memoBlocks) {
    memo[0].clear();
    memo[1].clear();
    memoBlocks = layout.size();
  }
  std::unordered_map<const Node *, std::vector<int>> &known = memo[preferCategorical];
  if (auto it = known.find(x); it != known.end())
    return it->second;
  // After the inputs, in order, without recursion (map chains can be
  // long): the order in which embedding() makes blocks is the layout's.
  // Every node on the way keeps its answer.
  std::vector<std::pair<const Node *, bool>> stack = {{x, false}};
  while (!stack.empty()) {
    auto [y, inputsDone] = stack.back();
    stack.pop_back();
    if (known.count(y))
      continue;
    if (!inputsDone) {
      int f = layout.best(y, preferCategorical);
      if (f < 0 && (y->kind == NodeKind::Tokens || y->kind == NodeKind::Indices)) {
        // (A block nothing visited so far reads: the answers stand.)
        f = embedding(y);
        memoBlocks = layout.size();
      }
      if (f >= 0) {
        known[y] = {f};
        continue;
      }
      if (y->kind == NodeKind::Constant) {
        known[y] = {};
        continue;
      }
      assert(y->kind == NodeKind::Map && "heads are planned before their readers");
      stack.push_back({y, true});
      for (auto in = y->inputs.rbegin(); in != y->inputs.rend(); ++in)
        if (!known.count(*in))
          stack.push_back({*in, false});
      continue;
    }
    std::vector<int> out;
    for (const Node *in : y->inputs)
      out.insert(out.end(), known.at(in).begin(), known.at(in).end());
    std::sort(out.begin(), out.end());
    out.erase(std::unique(out.begin(), out.end()), out.end());
    known[y] = std::move(out);
  }
  return known.at(x);
}

std::optional<Atom> PlanContext::evaluate(const Node *x, const Binding &binding) {
  std::vector<const Node *> nodes;
  std::vector<const Atom *> values;
  for (const auto &[node, value] : binding) {
    nodes.push_back(node);
    values.push_back(&value);
  }
  return MapProgram(x, nodes).run(values);
}

LookupSpec PlanContext::lookupSpec() const {
  LookupSpec spec;
  spec.oneDim = layout.oneDim();
  spec.bosDim = layout.bosDim();
  spec.maxUnits = options.maxUnits;
  return spec;
}

int PlanContext::numericCount(const std::vector<int> &sources) const {
  return static_cast<int>(std::count_if(sources.begin(), sources.end(), [&](int f) {
    return layout.block(f).encoding == EncodingKind::Numerical;
  }));
}

std::vector<HiddenUnit> PlanContext::lookupUnits(const Node *x, LookupSpec &spec,
                                                 const std::string &reads) const {
  // A number read is off its level by the errors of the MLPs that made
  // what it reads, besides its own noise.
  double made = 0;
  if (spec.numeric) {
    made = layout.numberError(spec.numeric->form);
    spec.numeric->noise += made;
    // Terms of both signs (a difference) may each be larger than the
    // number: their magnitudes are bounded by each block's largest.
    double terms = 0;
    bool mixed = false;
    for (const auto &[dim, w] : spec.numeric->form) {
      const Block &b = layout.block(layout.blockAt(dim));
      mixed = mixed || w < 0;
      if (b.encoding != EncodingKind::Numerical || dim == layout.oneDim()) {
        terms += std::fabs(w); // (A one-hot's dimension, or the constant.)
        continue;
      }
      double most = largest(b.levels);
      mixed = mixed ||
              std::any_of(b.levels.begin(), b.levels.end(), [](double level) { return level < 0; });
      terms += std::fabs(w) * most;
    }
    if (mixed)
      spec.numeric->termsMost = terms;
  }
  try {
    return buildLookup(spec);
  } catch (const LookupError &e) {
    throw CompileError{x,
                       "cannot compute '" + x->name + "' in one MLP: " + e.message +
                           (reads.empty() ? "" : "; it reads " + reads) +
                           (made > 0 ? " (off by up to " + shortNumber(made) +
                                           " from the float32 rounding of the MLPs that made it)"
                                     : "") +
                           "; lower max_len, or restructure the program",
                       true};
  }
}

std::vector<double> codegen::levelsOf(const Node *x, const std::vector<Atom> &values,
                                      const std::string &otherwise) {
  if (!allNumbers(values))
    throw CompileError{x, "'" + x->name + "' " + otherwise};
  std::vector<double> levels;
  for (const Atom &v : values)
    levels.push_back(v.number());
  return levels;
}

Block PlanContext::blockOf(const Node *x, EncodingKind encoding, std::vector<Atom> values) const {
  Block out;
  out.label = x->name;
  out.encoding = encoding;
  out.values = std::move(values);
  if (encoding == EncodingKind::Numerical)
    out.levels = levelsOf(x, out.values, "cannot be numerical: its values are not all numbers");
  return out;
}

namespace {
double largest(const std::vector<double> &levels) {
  double most = 1;
  for (double level : levels)
    most = std::max(most, std::fabs(level));
  return most;
}
} // namespace

bool PlanContext::selectsEveryKey(const Node *selector) {
  // An `or` with a side that does, or of an equality and an inequality on
  // the same sides (Tracr's select(indices, indices, ==) or
  // select(indices, indices, !=)).
  if (selector->kind == NodeKind::SelectorOr) {
    const Node *a = selector->inputs[0], *b = selector->inputs[1];
    if (selectsEveryKey(a) || selectsEveryKey(b))
      return true;
    // (Equality only: Python's == and != are complements on any two
    // values, while order comparisons fail across types and are both
    // false on NaN.)
    auto eqNe = [](const Node *s, graph::CompareKind c) {
      return s->kind == NodeKind::Select && s->cmp == c;
    };
    return ((eqNe(a, graph::CompareKind::Eq) && eqNe(b, graph::CompareKind::Ne)) ||
            (eqNe(a, graph::CompareKind::Ne) && eqNe(b, graph::CompareKind::Eq))) &&
           a->inputs[0] == b->inputs[0] && a->inputs[1] == b->inputs[1];
  }
  if (selector->kind != NodeKind::Select || !sourcesOf(selector->inputs[0]).empty() ||
      !sourcesOf(selector->inputs[1]).empty())
    return false;
  std::optional<Atom> key = evaluate(selector->inputs[0], {});
  std::optional<Atom> query = evaluate(selector->inputs[1], {});
  if (!key || !query)
    return false;
  try {
    return applyAtomOp(graph::compareAtomOp(selector->cmp), *key, *query).truthy();
  } catch (const AtomError &) {
    return false;
  }
}

double PlanContext::noiseOf(const std::vector<double> &levels) const {
  return leakOf(levels) + largest(levels) * static_cast<double>(options.maxLen + 1) * 6e-8;
}

double PlanContext::leakOf(const std::vector<double> &levels) const {
  return largest(levels) * 1e-6;
}

std::vector<std::vector<int>> codegen::meet(const std::vector<std::vector<int>> &a,
                                            const std::vector<std::vector<int>> &b) {
  std::map<int, size_t> classInB;
  for (size_t c = 0; c < b.size(); ++c)
    for (int v : b[c])
      classInB[v] = c;
  std::vector<std::vector<int>> out;
  for (const std::vector<int> &members : a) {
    std::map<size_t, size_t> split;
    for (int v : members) {
      auto [it, added] = split.emplace(classInB.at(v), out.size());
      if (added)
        out.emplace_back();
      out[it->second].push_back(v);
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

void PlanContext::addMlp(int f, const std::string &what, const std::string &from,
                         std::vector<HiddenUnit> units, const LookupSpec *spec) {
  // A one-hot an MLP makes of a number is a sum of saturated steps that
  // cancel at the largest step's pre-activation: each dimension is off by
  // about one unit in its last place (2^-23 of it). Without steps (a lookup
  // of one-hots alone), the dimensions that are off are exactly 0 (their
  // gates are below 0) and the one on is 1 to within 2^-22.
  // A lookup of several numbers read as one linear form (packed: the
  // radices make its steps' pre-activations large) bounds its outputs'
  // error (LookupSpec::outputError) from the steps of each combination,
  // which a number it makes keeps as its numberError. Not yet: one-hots,
  // which scores would multiply by the softmax scale (the bound refuses
  // odd_even3 and sorted_digits at 16, which verify); lookups of one number
  // (bit * 2^(n - 1 - i) from 1/n: 0.86 at max_len 13, where 40,000 random
  // inputs at 14 find no error); counts read by width (0.004 for Tracr's
  // shuffle_dyck2 at 64, whose model is off by 1e-6).
  if (spec && spec->largestStep > 0 && layout.block(f).encoding == EncodingKind::Categorical)
    layout.block(f).oneHotError = std::max(layout.block(f).oneHotError, spec->largestStep * 1.2e-7);
  // A number made of linear pieces moves with its input's noise.
  if (spec && spec->pieces && layout.block(f).encoding == EncodingKind::Numerical)
    layout.block(f).numberError = std::max(layout.block(f).numberError, spec->outputError);
  if (spec && !spec->widths && spec->numeric &&
      layout.block(f).encoding == EncodingKind::Numerical &&
      std::count_if(spec->numeric->form.begin(), spec->numeric->form.end(), [&](const auto &term) {
        return term.first != layout.oneDim() && term.first != layout.bosDim();
      }) > 1)
    layout.block(f).numberError = std::max(layout.block(f).numberError, spec->outputError);
  const Block &b = layout.block(f);
  MlpBlock mlp;
  mlp.description = what + " (" + describeEncoding(b.encoding, b.values.size()) + ") " + from +
                    ": " + std::to_string(units.size()) + " units";
  mlp.units = std::move(units);
  mlps[b.time].push_back(std::move(mlp));
}
