// MLP lookups (LookupPlanner.h): blocks made by a lookup of their inputs,
// after the input choice of LinearForms.cpp or the prefix counts of
// CountPlanner.h.
#include "compiler/codegen/plan/LookupPlanner.h"
#include "compiler/codegen/constructions/Constructions.h"
#include "compiler/codegen/constructions/MapProgram.h"
#include "compiler/eval/Evaluate.h"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <cstdio>
#include <functional>
#include <map>
#include <memory>
#include <numeric>
#include <set>
#include <unordered_set>

using namespace rasp;
using namespace rasp::codegen;

int LookupPlanner::makeBlock(const Node *x, EncodingKind encoding,
                             const std::vector<std::vector<Atom>> *classes) {
  if (int f = layout.find(x, encoding); f >= 0 && !classes)
    return f;
  // An aggregate's one-hot: copied by a head of its own where that is exact
  // and as early, rather than made from its number by an MLP.
  if (x->kind == NodeKind::Aggregate && encoding == EncodingKind::Categorical && !classes &&
      cx.copyOneHot)
    if (int f = cx.copyOneHot(x); f >= 0)
      return f;
  // The strategies, in order; each either makes x's block or leaves the
  // inputs of x's own lookup. Count lookups make x itself, never a block of
  // its classes.
  bool counts = !classes;
  std::vector<LookupInput> inputs = blockInputs(cx.sourcesOf(x));
  // 1. Prefix counts read through one combination: the lookup steps between
  // the levels each index can hold (k / (i + 1)), not between every mean's,
  // which lie far closer.
  if (counts && numericInputs(inputs) >= 1) {
    if (int f = oneCountLookup(x, encoding); f >= 0)
      return f;
    if (int f = unlistedCountLookup(x, encoding, inputs); f >= 0)
      return f;
  }
  // 2-5. Several numbers read as one.
  if (numericInputs(inputs) > 1)
    if (int f = readOneNumber(x, encoding, counts, inputs); f >= 0)
      return f;
  // 2b. One number: read x's largest linear parts instead of its blocks
  // when they make a smaller table (length - indices: one number with N
  // values, not N indices times N lengths).
  if (numericInputs(inputs) == 1) {
    std::vector<LookupInput> linear = linearInputs(x);
    if (!linear.empty() && numericInputs(linear) == 1 && entries(linear) < entries(inputs))
      inputs = std::move(linear);
  }
  // 6. A table too large: the parts that read the number are made first,
  // and x reads their blocks.
  if (tooManyEntries(inputs) && splitNumeric(x))
    inputs = blockInputs(cx.sourcesOf(x, true));
  if (int f = layout.find(x, encoding); f >= 0 && !classes)
    return f; // (splitting made it)
  if (counts)
    if (int f = unlistedCountLookup(x, encoding, inputs); f >= 0)
      return f; // (what is left after splitting)
  return lookupBlock(x, encoding, classes, inputs);
}

int LookupPlanner::unlistedCountLookup(const Node *x, EncodingKind encoding,
                                       const std::vector<LookupInput> &inputs) {
  // A mean whose levels are too many to list is read by no other lookup:
  // as a sign form (went_negative > 0), or packed with other counts.
  // (Also a number whose set cannot be computed, or a linear part of x
  // whose set cannot: a difference of two prefix means at 256 combines
  // 20,000 values of each.)

  if (std::none_of(inputs.begin(), inputs.end(),
                   [&](const LookupInput &in) {
                     return in.valuesUnknown || (in.numeric && in.node && in.levels.empty() &&
                                                 in.parts.empty() && !cx.sets.has(in.node));
                   }) &&
      !readsUnlistedLinear(x))
    return -1;
  if (std::optional<CountLookup> lookup = prefixCounts.countLookup(x, true, true))
    return prefixCounts.makeBlock(x, encoding, *lookup);
  return -1;
}

int LookupPlanner::readOneNumber(const Node *x, EncodingKind encoding, bool counts,
                                 std::vector<LookupInput> &inputs) {
  // 2. Its largest linear parts over numerical blocks as one number each.
  std::vector<LookupInput> blocks = std::move(inputs);
  inputs = linearInputs(x);
  if (!inputs.empty() && numericInputs(inputs) <= 1)
    return -1;
  // 3. Prefix counts packed as combinations, or else as the means they read.
  if (counts)
    if (std::optional<CountLookup> packed = prefixCounts.countLookup(x, true)) {
      if (int f = prefixCounts.makeBlock(x, encoding, *packed); f >= 0)
        return f;
      if (std::optional<CountLookup> means = CountPlanner::overMeans(*packed))
        if (int f = prefixCounts.makeBlock(x, encoding, *means); f >= 0)
          return f;
    }
  // 3a. Two numbers compared: their difference, stepped beside 0 only.
  for (const std::vector<LookupInput> *candidate : {&inputs, &blocks})
    if (!candidate->empty())
      if (std::optional<std::vector<LookupInput>> compared = compareNumbers(x, *candidate)) {
        inputs = std::move(*compared);
        return -1;
      }
  // 3b. The numbers packed into one linear form, when their joint values
  // are few and stay apart in float32: no layer more.
  for (const std::vector<LookupInput> *candidate : {&inputs, &blocks})
    if (!candidate->empty())
      if (std::optional<std::vector<LookupInput>> packed = packNumbers(*candidate, false)) {
        inputs = std::move(*packed);
        return -1;
      }
  // 4. Split at its largest parts with one number; x may then read one
  // combination of counts and the parts made, or the parts' blocks with one
  // number, or a linear form over them.
  std::vector<LookupInput> linear = inputs;
  // 3c. Numbers written at different times, some by an MLP: those an MLP
  // made are made one-hots by that same MLP (no layer more, and exact: an
  // MLP's number is off by its units' rounding, which a later lookup would
  // read multiplied), and x reads the rest, packed if they were written at
  // one time.
  if (std::optional<std::vector<LookupInput>> remade = remadeOneHots(x, blocks)) {
    inputs = std::move(*remade);
    return -1;
  }
  // 4a. Comparisons of counts with 0 below x, each made by a count lookup
  // (one MLP after the means, however many values they take), when that
  // leaves x one number at most.
  if (counts && readsUnlistedLinear(x) && splitSignForms(x)) {
    std::vector<int> sources = cx.sourcesOf(x, true);
    if (cx.numericCount(sources) <= 1) {
      inputs = blockInputs(sources);
      return -1;
    }
  }
  split(x);
  if (counts)
    if (int f = oneCountLookup(x, encoding); f >= 0)
      return f;
  std::vector<int> sources = cx.sourcesOf(x, true);
  if (cx.numericCount(sources) > 1) {
    inputs = linearInputs(x);
    if (!inputs.empty() && numericInputs(inputs) <= 1)
      return deeperThanPacked(x, linear, blocks, inputs);
    // 5. All numbers but one made categorical (sourcesOf then prefers the
    // categorical blocks just made).
    ResidualLayout::Because because(layout, "a one-hot, so that the lookup of '" + x->name +
                                                "' reads one number");
    keepOneNumber(sources);
    sources = cx.sourcesOf(x, true);
  }
  inputs = blockInputs(sources);
  return deeperThanPacked(x, linear, blocks, inputs);
}

std::optional<std::vector<LookupInput>>
LookupPlanner::remadeOneHots(const Node *x, const std::vector<LookupInput> &blocks) {
  int before = latestTime(blocks);
  bool remade = false;
  for (const LookupInput &in : blocks) {
    if (!in.numeric || in.block < 0 || !in.node || in.time <= 0 || in.time % 2 ||
        in.node->kind != NodeKind::Map || !cx.sets.has(in.node) ||
        cx.sets.at(in.node).size() > 256 || layout.find(in.node, EncodingKind::Categorical) >= 0)
      continue;
    // The one-hot from what the number was made from, in the same MLP.
    std::vector<int> sources;
    for (const Node *input : in.node->inputs)
      for (int f : cx.sourcesOf(input))
        if (std::find(sources.begin(), sources.end(), f) == sources.end())
          sources.push_back(f);
    std::vector<LookupInput> own = blockInputs(sources);
    if (numericInputs(own) > 1) {
      std::optional<std::vector<LookupInput>> packed = packNumbers(own, false);
      if (!packed)
        continue;
      own = std::move(*packed);
    }
    if (mlpAfter(latestTime(own)) != in.time || tooManyEntries(own))
      continue;
    ResidualLayout::Because because(layout, "a one-hot made by the MLP that made the number, so "
                                            "that the lookup of '" +
                                                x->name + "' needs no layer more");
    if (tryLookupBlock(in.node, EncodingKind::Categorical, own) >= 0)
      remade = true;
  }
  if (!remade)
    return std::nullopt;
  std::vector<LookupInput> now = blockInputs(cx.sourcesOf(x, true));
  if (mlpAfter(latestTime(now)) > mlpAfter(before))
    return std::nullopt;
  if (numericInputs(now) <= 1)
    return now;
  return packNumbers(now, false);
}

int LookupPlanner::deeperThanPacked(const Node *x, const std::vector<LookupInput> &linear,
                                    const std::vector<LookupInput> &blocks,
                                    std::vector<LookupInput> &inputs) {
  // Depth first: where the parts made leave x's lookup in a later MLP than
  // its own inputs need, the numbers the heads wrote are packed across
  // times (the parts then go unread and are pruned).
  int unsplit = std::max(latestTime(linear), latestTime(blocks));
  if (mlpAfter(latestTime(inputs)) <= mlpAfter(unsplit))
    return -1;
  std::string why;
  for (const std::vector<LookupInput> *candidate : {&linear, &blocks})
    if (!candidate->empty())
      if (std::optional<std::vector<LookupInput>> packed =
              packNumbers(*candidate, true, nullptr, &why)) {
        inputs = std::move(*packed);
        return -1;
      }
  // Or the earlier numbers as one-hots, made by earlier MLPs.
  if (std::optional<std::vector<LookupInput>> onehots = earlierOneHots(blocks)) {
    inputs = std::move(*onehots);
    return -1;
  }
  // Said in the report (issue 14, item 5): which s-op, and its numbers.
  std::string names;
  for (const LookupInput &in : blocks.empty() ? linear : blocks)
    if (in.numeric)
      names += (names.empty() ? "" : ", ") + in.name;
  cx.notes.push_back("'" + x->name + "' takes a layer more: one MLP reads one number, and its " +
                     "numbers (" + names + ") do not pack into one at this max_len (" +
                     (why.empty() ? "too many joint values, or too close for float32" : why) + ")");
  return -1;
}

std::optional<std::vector<LookupInput>>
LookupPlanner::earlierOneHots(const std::vector<LookupInput> &blocks) {
  const LookupInput *last = nullptr;
  for (const LookupInput &in : blocks) {
    if (!in.numeric)
      continue;
    if (in.block < 0 || !in.node || !in.parts.empty() || in.valuesUnknown)
      return std::nullopt;
    if (!last || in.time > last->time ||
        (in.time == last->time && in.levels.size() > last->levels.size()))
      last = &in;
  }
  if (!last)
    return std::nullopt;
  int before = mlpAfter(latestTime(blocks));
  std::vector<LookupInput> out;
  for (const LookupInput &in : blocks) {
    if (!in.numeric || &in == last) {
      out.push_back(in);
      continue;
    }
    if (in.time == last->time || in.values.size() > 1024)
      return std::nullopt;
    int f = layout.find(in.node, EncodingKind::Categorical);
    if (f < 0) {
      ResidualLayout::Because because(layout, "a one-hot made by an MLP before the lookup "
                                              "that reads it with a later number: no layer "
                                              "more, where the numbers do not pack");
      size_t count = layout.size();
      try {
        f = makeBlock(in.node, EncodingKind::Categorical);
      } catch (const CompileError &) {
        if (layout.size() > count)
          layout.dropLast(static_cast<int>(layout.size()) - 1);
        return std::nullopt;
      }
    }
    if (layout.block(f).encoding != EncodingKind::Categorical || layout.block(f).time >= before)
      return std::nullopt; // (Made too late: it goes unread and is pruned.)
    out.push_back(blockInput(f));
  }
  // (Two step units per entry at most: a table past the unit budget would
  // be refused, where the split it replaces compiles.)
  if (2 * entries(out) > static_cast<double>(cx.options.maxUnits))
    return std::nullopt;
  return out;
}

std::vector<const Node *>
LookupPlanner::mapsBelow(const Node *x, const std::function<Walk(const Node *)> &classify) {
  std::vector<const Node *> taken;
  std::unordered_set<const Node *> seen;
  std::vector<const Node *> stack(x->inputs.begin(), x->inputs.end());
  while (!stack.empty()) {
    const Node *y = stack.back();
    stack.pop_back();
    if (!seen.insert(y).second || y->kind != NodeKind::Map || layout.best(y, false) >= 0)
      continue;
    switch (classify(y)) {
    case Walk::Take:
      taken.push_back(y);
      break;
    case Walk::Skip:
      break;
    case Walk::Descend:
      for (const Node *input : y->inputs)
        stack.push_back(input);
      break;
    }
  }
  return taken;
}

bool LookupPlanner::readsUnlistedLinear(const Node *x) {
  return !mapsBelow(x, [&](const Node *y) {
            return cx.numericCount(cx.sourcesOf(y)) > 0 && linearForm(y) && !cx.sets.has(y)
                       ? Walk::Take
                       : Walk::Descend;
          }).empty();
}

bool LookupPlanner::splitSignForms(const Node *x) {
  // (Each form's lookup kept from the walk, to make its block with.)
  std::vector<CountLookup> lookups;
  std::vector<const Node *> forms = mapsBelow(x, [&](const Node *y) {
    std::optional<CountLookup> lookup = prefixCounts.countLookup(y, true, true);
    if (!lookup || lookup->forms.size() != 1 || lookup->forms[0].node != y ||
        !lookup->forms[0].compare)
      return Walk::Descend;
    lookups.push_back(std::move(*lookup));
    return Walk::Take;
  });
  if (forms.empty())
    return false;
  ResidualLayout::Because because(layout, "a comparison of counts with 0, made apart from '" +
                                              x->name + "', which reads several");
  for (size_t i = 0; i < forms.size(); ++i)
    prefixCounts.makeBlock(forms[i], EncodingKind::Categorical, lookups[i]);
  return true;
}

int LookupPlanner::oneCountLookup(const Node *x, EncodingKind encoding) {
  if (std::optional<CountLookup> lookup = prefixCounts.countLookup(x, false))
    return prefixCounts.makeBlock(x, encoding, *lookup);
  return -1;
}

void LookupPlanner::keepOneNumber(const std::vector<int> &sources) {
  // The one made last (on a tie, the one with the most values) stays
  // numerical.
  int kept = -1;
  for (int s : sources) {
    const Block &b = layout.block(s);
    if (b.encoding != EncodingKind::Numerical)
      continue;
    if (kept < 0 || b.time > layout.block(kept).time ||
        (b.time == layout.block(kept).time && b.values.size() > layout.block(kept).values.size()))
      kept = s;
  }
  for (int s : sources)
    if (s != kept && layout.block(s).encoding == EncodingKind::Numerical)
      makeBlock(layout.node(s), EncodingKind::Categorical);
}

std::vector<LookupInput> LookupPlanner::blockInputs(const std::vector<int> &blocks) const {
  std::vector<LookupInput> inputs;
  for (int f : blocks)
    inputs.push_back(blockInput(f));
  return inputs;
}

int LookupPlanner::lookupBlock(const Node *x, EncodingKind encoding,
                               const std::vector<std::vector<Atom>> *classes,
                               const std::vector<LookupInput> &inputs, const Node *computes) {
  for (const LookupInput &in : inputs)
    if (in.valuesUnknown)
      cx.valuesOf(in.node); // Throws the set's error: a lookup needs its values.
  // A block of classes holds one value of each (the others compare alike).
  std::unordered_map<Atom, int, AtomHash, AtomEq> classOf;
  std::vector<Atom> held;
  if (classes) {
    for (const std::vector<Atom> &members : *classes) {
      for (const Atom &v : members)
        classOf.emplace(v, static_cast<int>(held.size()));
      held.push_back(members[0]);
    }
  } else {
    held = cx.valuesOf(x);
  }
  Block out = cx.blockOf(x, encoding, std::move(held));
  if (classes)
    out.label += " (classes)";
  int latestInput = latestTime(inputs);
  int f = layout.addMadeByMlp(classes ? nullptr : x, std::move(out), latestInput);
  if (classes) {
    // Read only by the selects' sides: never found as x's own block.
    layout.setClassesOf(f, x);
  }

  LookupSpec spec = cx.lookupSpec();
  BoundInputs bound = bindInputs(inputs, spec);
  const std::vector<const LookupInput *> &categorical = bound.categorical;
  const LookupInput *numeric = bound.numeric;
  spec.outputInRuns = numeric && numeric->parts.empty() && outputInRunsOf(x, *numeric);
  // With each combination of categorical values, only the number's levels
  // that occur with it at some length (the value sets per length): steps
  // between those alone, their gaps wider (a mean k/n beside the length n,
  // not beside every k/m).
  std::vector<const Node *> related;
  std::vector<size_t> relatedInput;
  if (numeric && numeric->parts.empty() && numeric->node && !numeric->representative &&
      cx.sets.hasSetsPerLength(numeric->node))
    for (size_t i = 0; i < categorical.size(); ++i)
      if (categorical[i]->node && layout.node(categorical[i]->block) == categorical[i]->node &&
          cx.sets.hasSetsPerLength(categorical[i]->node)) {
        related.push_back(categorical[i]->node);
        relatedInput.push_back(i);
      }
  if (!related.empty()) {
    related.push_back(numeric->node);
    spec.levelsAt = [&](const std::vector<int> &combo) {
      std::vector<Atom> joint(related.size());
      for (size_t r = 0; r < relatedInput.size(); ++r)
        joint[r] = categorical[relatedInput[r]]->values[combo[relatedInput[r]]];
      std::vector<int> levels;
      for (size_t l = 0; l < numeric->values.size(); ++l) {
        joint.back() = numeric->values[l];
        if (cx.sets.canOccurTogether(related, joint))
          levels.push_back(static_cast<int>(l));
      }
      return levels;
    };
  }
  MapProgram program(computes ? computes : x, bound.nodes);
  std::vector<const Atom *> values(bound.nodes.size());
  spec.output = [&](const std::vector<int> &combo, int n) {
    for (size_t i = 0; i < categorical.size(); ++i)
      values[i] = &categorical[i]->values[combo[i]];
    if (numeric && numeric->parts.empty())
      values.back() = &numeric->values[n];
    else if (numeric)
      for (size_t q = 0; q < numeric->parts.size(); ++q)
        values[categorical.size() + q] = &numeric->joint[n][q];
    std::optional<Atom> v = program.run(values);
    if (!classes || !v)
      return layout.encode(f, v);
    // (A value outside the set comes only from combinations no input
    // realises, as with encode: no output there.)
    auto it = classOf.find(*v);
    if (it == classOf.end())
      return LinearForm{};
    return LinearForm{{layout.block(f).firstDim + it->second, 1.0}};
  };
  std::string names, sizes;
  for (const LookupInput &in : inputs) {
    names += (names.empty() ? "" : ", ") + in.name;
    sizes += (sizes.empty() ? "" : ", ") + in.name;
    if (in.numeric)
      sizes += " with " + std::to_string(in.levels.size()) + " levels";
  }
  std::vector<HiddenUnit> units = cx.lookupUnits(x, spec, sizes);
  cx.addMlp(f, "'" + x->name + "'", "from " + (names.empty() ? "constants" : names),
            std::move(units), &spec);
  return f;
}

bool LookupPlanner::outputInRunsOf(const Node *x, const LookupInput &number) const {
  // The number's values must rise, or fall, with its levels.
  std::vector<size_t> order(number.levels.size());
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(),
            [&](size_t a, size_t b) { return number.levels[a] < number.levels[b]; });
  if (!allNumbers(number.values))
    return false;
  bool rises = true, falls = true;
  for (size_t i = 1; i < order.size(); ++i) {
    double before = number.values[order[i - 1]].number(), after = number.values[order[i]].number();
    rises = rises && before <= after;
    falls = falls && before >= after;
  }
  if (!rises && !falls)
    return false;
  // not / indicator of an order comparison of the number itself with
  // what does not read it.
  while (x->kind == NodeKind::Map &&
         (x->mapOp == graph::MapOpKind::Not || x->mapOp == graph::MapOpKind::Indicator))
    x = x->inputs[0];
  if (x->kind != NodeKind::Map || x->mapOp != graph::MapOpKind::Atom || x->operands.size() != 2)
    return false;
  if (x->atomOp != AtomOpKind::Lt && x->atomOp != AtomOpKind::Gt && x->atomOp != AtomOpKind::Le &&
      x->atomOp != AtomOpKind::Ge)
    return false;
  int reads = 0;
  for (const graph::Operand &operand : x->operands) {
    if (operand.input < 0)
      continue;
    const Node *input = x->inputs[operand.input];
    if (input == number.node) {
      ++reads;
      continue;
    }
    for (const Node *below : graph::topologicalOrder(input))
      if (below == number.node)
        return false;
  }
  return reads == 1;
}

LookupPlanner::BoundInputs LookupPlanner::bindInputs(const std::vector<LookupInput> &inputs,
                                                     LookupSpec &spec) const {
  BoundInputs bound;
  for (const LookupInput &in : inputs) {
    if (in.numeric) {
      bound.numeric = &in;
      spec.numeric =
          NumericInput{in.form, in.levels,
                       !in.levelNoise.empty() ? in.noise
                       : in.relativeNoise > 0 ? std::max(in.noise, cx.leakOf(in.levels))
                                              : std::max(in.noise, cx.noiseOf(in.levels)),
                       in.relativeNoise};
      spec.numeric->levelNoise = in.levelNoise;
      continue;
    }
    bound.categorical.push_back(&in);
    spec.categorical.push_back(layout.dims(in.block));
  }
  for (const LookupInput *in : bound.categorical)
    bound.nodes.push_back(in->node);
  if (bound.numeric && bound.numeric->parts.empty())
    bound.nodes.push_back(bound.numeric->node);
  else if (bound.numeric)
    bound.nodes.insert(bound.nodes.end(), bound.numeric->parts.begin(), bound.numeric->parts.end());
  return bound;
}

std::optional<std::vector<LookupInput>>
LookupPlanner::packNumbers(const std::vector<LookupInput> &inputs, bool acrossTimes,
                           const JointFilter *occurs, std::string *why) const {
  auto refuse = [why](const std::string &reason) {
    if (why)
      *why = reason;
    return std::nullopt;
  };
  std::vector<LookupInput> out;
  std::vector<const LookupInput *> numbers;
  for (const LookupInput &in : inputs) {
    if (!in.numeric) {
      out.push_back(in);
      continue;
    }
    // (A block's reading, as a linear part's form, is 0 at BOS.) Across
    // times, only numbers the heads wrote: an MLP's number is off by its
    // units' rounding, which the packing would multiply by its weight.
    if (!in.parts.empty() || in.levels.empty() || !in.node)
      return refuse(in.name + " has no levels listed");
    if (acrossTimes && in.time > 0 && in.time % 2 == 0)
      return refuse(in.name + " is made by an MLP, whose rounding packing would multiply");
    numbers.push_back(&in);
  }
  // Only numbers written at the same time, unless asked: otherwise
  // splitting makes the parts with the earlier ones in an earlier MLP,
  // mostly with no layer more and smaller tables.
  if (numbers.size() < 2 ||
      (!acrossTimes && std::any_of(numbers.begin(), numbers.end(), [&](const LookupInput *in) {
        return in->time != numbers[0]->time;
      })))
    return std::nullopt;
  // Widths of selectors that never select one key together sum to at most
  // max_len; a width of a selector that selects within another's is at
  // most that one's.
  std::vector<std::function<bool(const std::vector<Atom> &)>> relations;
  for (size_t a = 0; a < numbers.size(); ++a)
    for (size_t b = 0; b < numbers.size(); ++b) {
      const Node *x = numbers[a]->node, *y = numbers[b]->node;
      if (a == b || x->kind != NodeKind::SelectorWidth || y->kind != NodeKind::SelectorWidth ||
          numbers[a]->representative || numbers[b]->representative)
        continue;
      size_t last = std::max(a, b);
      if (a < b && neverTogether(x->inputs[0], y->inputs[0])) {
        int64_t most = cx.options.maxLen;
        relations.push_back([a, b, last, most](const std::vector<Atom> &joint) {
          return joint.size() <= last || joint[a].number() + joint[b].number() <= most;
        });
      } else if (selectsWithin(x->inputs[0], y->inputs[0])) {
        relations.push_back([a, b, last](const std::vector<Atom> &joint) {
          return joint.size() <= last || joint[a].number() <= joint[b].number();
        });
      }
    }
  // A width is at most the length, which a number that reads no tokens
  // and takes one value per length names.
  for (size_t a = 0; a < numbers.size(); ++a) {
    if (numbers[a]->node->kind != NodeKind::SelectorWidth || numbers[a]->representative)
      continue;
    for (size_t b = 0; b < numbers.size(); ++b) {
      if (a == b || numbers[b]->representative)
        continue;
      std::shared_ptr<const std::map<double, int64_t>> lengthOf = lengthsNamed(numbers[b]->node);
      if (!lengthOf)
        continue;
      size_t last = std::max(a, b);
      relations.push_back([a, b, last, lengthOf](const std::vector<Atom> &joint) {
        if (joint.size() <= last)
          return true;
        auto it = lengthOf->find(joint[b].number());
        return it == lengthOf->end() || joint[a].number() <= static_cast<double>(it->second);
      });
    }
  }
  JointFilter withRelations = [&relations, given = occurs](const std::vector<Atom> &joint) {
    return (!given || (*given)(joint)) &&
           std::all_of(relations.begin(), relations.end(),
                       [&](const JointFilter &r) { return r(joint); });
  };
  if (!relations.empty())
    occurs = &withRelations;
  // Joint values: at most a few thousand, and a table of them the lookup
  // can hold.
  // (The joint values that cannot occur together, as the value sets per
  // length show, are left out below: where two numbers have such sets, the
  // bound on their product is wider.)
  double joint = 1;
  size_t related = 0;
  for (const LookupInput *in : numbers) {
    joint *= static_cast<double>(in->levels.size());
    related += !in->representative && cx.sets.hasSetsPerLength(in->node);
  }
  if (joint > (related >= 2 || occurs ? 1e6 : 4096))
    return refuse(std::to_string(static_cast<int64_t>(joint)) +
                  " combinations of their values, more than 4,096");
  if (entries(inputs) > 50.0 * static_cast<double>(cx.options.maxUnits))
    return refuse("a table too large to tabulate");
  // The weights, number by number: the first number's own closest gap is
  // the gap every two joint values keep; each next number's levels are
  // spread so that one step of it passes the whole range packed so far
  // (the joint values then run in order of the last number, and the
  // lookup steps where its output changes). Where that is too wide for
  // float32 (its noise counts times its weight), each next number takes
  // instead the smallest multiple of the gap over its own closest gap
  // that keeps the joint values apart: values far apart, such as a
  // default of 99 beside 1..4, then need no spread of 199.
  std::string failure;
  auto pack = [&](bool smallest, double seam) -> std::optional<LookupInput> {
    LookupInput packed;
    packed.numeric = true;
    packed.levels = {0.0};
    packed.joint = {{}};
    packed.levelNoise = {0.0};
    double gap = INFINITY;
    for (size_t q = 0; q < numbers.size(); ++q) {
      const LookupInput *in = numbers[q];
      std::vector<double> sorted = in->levels;
      std::sort(sorted.begin(), sorted.end());
      double own = INFINITY;
      for (size_t i = 1; i < sorted.size(); ++i)
        own = std::min(own, sorted[i] - sorted[i - 1]);
      if (!(own > 0) && sorted.size() > 1)
        return std::nullopt;
      if (q == 0)
        gap = std::isfinite(own) ? own : 1.0;
      std::vector<const Node *> parts = packed.parts;
      parts.push_back(in->node);
      // Only the joint values that can occur together (at one length): the
      // share of BOS 1/n and a mean k/n over every position, not k/m. (Not
      // asked of the numbers whose values stand for classes.)
      std::vector<bool> asked(parts.size());
      for (size_t k = 0; k <= q; ++k)
        asked[k] = !numbers[k]->representative;
      auto together = [&](const std::vector<Atom> &joint) {
        std::vector<const Node *> nodes;
        std::vector<Atom> held;
        for (size_t k = 0; k < joint.size(); ++k)
          if (asked[k])
            nodes.push_back(parts[k]), held.push_back(joint[k]);
        return nodes.size() < 2 || cx.sets.canOccurTogether(nodes, held);
      };
      std::vector<std::pair<size_t, size_t>> pairs;
      for (size_t p = 0; p < packed.levels.size(); ++p)
        for (size_t l = 0; l < in->levels.size(); ++l) {
          std::vector<Atom> joint = packed.joint[p];
          joint.push_back(in->values[l]);
          if (together(joint) && (!occurs || (*occurs)(joint)))
            pairs.emplace_back(p, l);
        }
      auto levelsAt = [&](double weight) {
        std::vector<double> levels;
        levels.reserve(pairs.size());
        for (auto [p, l] : pairs)
          levels.push_back(packed.levels[p] + weight * in->levels[l]);
        return levels;
      };
      auto apart = [&](std::vector<double> levels) {
        std::sort(levels.begin(), levels.end());
        for (size_t i = 1; i < levels.size(); ++i)
          if (levels[i] - levels[i - 1] < gap * (1 - 1e-9))
            return false;
        return true;
      };
      double weight = 1;
      if (q > 0 && std::isfinite(own)) {
        auto [lo, hi] = std::minmax_element(packed.levels.begin(), packed.levels.end());
        double full = (*hi - *lo + gap * seam) / own;
        weight = full;
        for (int k = 1; smallest && k <= 64 && gap * k / own < full; ++k)
          if (apart(levelsAt(gap * k / own))) {
            weight = gap * k / own;
            break;
          }
      }
      std::vector<double> levels = levelsAt(weight);
      if (!apart(levels)) {
        failure = "joint values that no weights keep apart";
        return std::nullopt;
      }
      std::vector<std::vector<Atom>> values;
      std::vector<double> levelNoise;
      values.reserve(pairs.size());
      for (auto [p, l] : pairs) {
        values.push_back(packed.joint[p]);
        values.back().push_back(in->values[l]);
        // (A share's rounding is relative to its own level.)
        levelNoise.push_back(packed.levelNoise[p] +
                             weight * in->relativeNoise * std::fabs(in->levels[l]));
      }
      addScaled(packed.form, in->form, weight);
      packed.noise += weight * (in->relativeNoise > 0 ? std::max(in->noise, cx.leakOf(in->levels))
                                                      : cx.noiseOf(in->levels));
      packed.levelNoise = std::move(levelNoise);
      packed.parts = std::move(parts);
      packed.levels = std::move(levels);
      packed.joint = std::move(values);
      packed.time = std::max(packed.time, in->time);
      packed.name += (packed.name.empty() ? "" : " + ") + in->name;
      if (packed.levels.size() > 4096) {
        failure = std::to_string(packed.levels.size()) + " joint values occur, more than 4,096";
        return std::nullopt;
      }
    }
    auto [lo, hi] = std::minmax_element(packed.levels.begin(), packed.levels.end());
    double most = std::max(std::fabs(*lo), std::fabs(*hi)) + 1;
    // Each step, between consecutive levels, as the lookup will take it:
    // its slope suits its own gap, its noise the two levels' (with the
    // errors of what MLPs made, as the lookup will read them).
    double made = layout.numberError(packed.form);
    std::vector<size_t> byLevel(packed.levels.size());
    std::iota(byLevel.begin(), byLevel.end(), 0);
    std::sort(byLevel.begin(), byLevel.end(),
              [&](size_t a, size_t b) { return packed.levels[a] < packed.levels[b]; });
    for (size_t i = 1; i < byLevel.size(); ++i) {
      size_t a = byLevel[i - 1], b = byLevel[i];
      double slope = 2 / (packed.levels[b] - packed.levels[a]);
      double noise = packed.noise + made + std::max(packed.levelNoise[a], packed.levelNoise[b]);
      if (!stepFitsFloat32(slope, noise, 2 * slope * most)) {
        char text[96];
        std::snprintf(text, sizeof text, "%zu levels %.3g apart, up to %.4g", packed.levels.size(),
                      gap, most);
        failure = "joint values too close for float32: " + std::string(text);
        return std::nullopt;
      }
    }
    return packed;
  };
  // Where a step across the seam between two runs of the next number's
  // levels is too steep for the noise there (a share near 1, whose
  // rounding is relative to it, beside one near 1/2), runs further apart.
  std::optional<LookupInput> wide = pack(false, 1);
  if (!wide)
    wide = pack(true, 1);
  for (double seam = 2; !wide && seam <= 16; seam *= 2)
    wide = pack(false, seam);
  if (!wide)
    return refuse(failure);
  LookupInput &packed = *wide;
  packed.name = "packed(" + packed.name + ")";
  // (values: the level's index stands for the joint value.)
  for (size_t l = 0; l < packed.levels.size(); ++l)
    packed.values.push_back(Atom::integer(static_cast<int64_t>(l)));
  out.push_back(std::move(packed));
  return out;
}

namespace {
double mostOf(const std::vector<double> &levels) {
  double most = 0;
  for (double level : levels)
    most = std::max(most, std::fabs(level));
  return most;
}
} // namespace

std::optional<std::vector<LookupInput>>
LookupPlanner::compareNumbers(const Node *x, const std::vector<LookupInput> &inputs) {
  if (inputs.size() != 2)
    return std::nullopt;
  for (const LookupInput &in : inputs)
    if (!in.numeric || !in.parts.empty() || in.levels.empty() || !in.node ||
        !allNumbers(in.values) || in.values.size() != in.levels.size())
      return std::nullopt;
  const LookupInput &a = inputs[0], &b = inputs[1];
  // One strictly monotone map of values to levels for both.
  std::map<double, double> levelOf;
  for (const LookupInput *in : {&a, &b})
    for (size_t i = 0; i < in->values.size(); ++i)
      if (auto [it, added] = levelOf.emplace(in->values[i].number(), in->levels[i]);
          !added && it->second != in->levels[i])
        return std::nullopt;
  bool rises = true, falls = true;
  for (auto it = levelOf.begin(), next = std::next(it); next != levelOf.end(); ++it, ++next) {
    rises = rises && next->second > it->second;
    falls = falls && next->second < it->second;
  }
  if (!rises && !falls)
    return std::nullopt;
  if (static_cast<double>(a.values.size()) * static_cast<double>(b.values.size()) >
      50.0 * static_cast<double>(cx.options.maxUnits))
    return std::nullopt;
  // x's value for each order of the two values (-1, 0, 1: a below, at or
  // above b), the same for every pair that can occur; and per order, the
  // pairs whose difference is largest, smallest (and, of the others, the
  // closest to 0) as its levels.
  MapProgram program(x, {a.node, b.node});
  std::optional<Atom> outputOf[3];
  bool seen[3] = {false, false, false};
  struct Pick {
    double d;
    size_t i, j;
  };
  std::vector<Pick> picks[3];
  for (size_t i = 0; i < a.values.size(); ++i)
    for (size_t j = 0; j < b.values.size(); ++j) {
      if (!a.representative && !b.representative &&
          !cx.sets.canOccurTogether({a.node, b.node}, {a.values[i], b.values[j]}))
        continue;
      double va = a.values[i].number(), vb = b.values[j].number();
      int order = va < vb ? 0 : va == vb ? 1 : 2;
      std::optional<Atom> out = program.run({&a.values[i], &b.values[j]});
      if (!seen[order]) {
        seen[order] = true;
        outputOf[order] = out;
      } else if (out.has_value() != outputOf[order].has_value() ||
                 (out && !out->equals(*outputOf[order]))) {
        return std::nullopt;
      }
      double d = a.levels[i] - b.levels[j];
      std::vector<Pick> &kept = picks[order];
      Pick pick{order == 1 ? 0.0 : d, i, j};
      if (kept.empty()) {
        kept = {pick, pick, pick};
        continue;
      }
      if (pick.d < kept[0].d)
        kept[0] = pick;
      if (pick.d > kept[1].d)
        kept[1] = pick;
      if (std::fabs(pick.d) < std::fabs(kept[2].d))
        kept[2] = pick;
    }
  LookupInput out;
  out.numeric = true;
  out.form = a.form;
  addScaled(out.form, b.form, -1.0);
  out.parts = {a.node, b.node};
  out.time = std::max(a.time, b.time);
  out.name = a.name + " - " + b.name + " (compared)";
  std::set<double> levels;
  std::vector<std::pair<double, int>> sides; // (level, order), to check gaps
  for (int order = 0; order < 3; ++order)
    for (const Pick &pick : picks[order])
      if (levels.insert(pick.d).second) {
        sides.emplace_back(pick.d, order);
        out.levels.push_back(pick.d);
        out.joint.push_back({a.values[pick.i], b.values[pick.j]});
        out.values.push_back(Atom::integer(static_cast<int64_t>(out.values.size())));
      }
  if (out.levels.size() < 2)
    return std::nullopt;
  // (A share's noise is relative to itself: at most its largest level's.)
  for (const LookupInput *in : {&a, &b})
    out.noise += in->relativeNoise > 0
                     ? in->relativeNoise * mostOf(in->levels) + cx.leakOf(in->levels)
                     : std::max(in->noise, cx.noiseOf(in->levels));
  // The steps, between levels of different orders, must fit float32 (as a
  // packing's would): otherwise x is split instead (BOS shares 1/(4N)
  // apart at 1024, each off by 6e-5).
  std::sort(sides.begin(), sides.end());
  double most = mostOf(out.levels) + 1;
  for (size_t i = 1; i < sides.size(); ++i) {
    if (sides[i].second == sides[i - 1].second)
      continue;
    double slope = 2 / (sides[i].first - sides[i - 1].first);
    if (!stepFitsFloat32(slope, out.noise + layout.numberError(out.form), slope * most))
      return std::nullopt;
  }
  return std::vector<LookupInput>{std::move(out)};
}

std::shared_ptr<const std::map<double, int64_t>> LookupPlanner::lengthsNamed(const Node *x) const {
  for (const Node *y : graph::topologicalOrder(x))
    if (y->kind == NodeKind::Tokens)
      return nullptr;
  if (cx.options.vocab.empty())
    return nullptr;
  auto lengths = std::make_shared<std::map<double, int64_t>>();
  try {
    for (int64_t n = 1; n <= cx.options.maxLen; ++n) {
      // (It reads no tokens: any input of length n gives its values.)
      eval::Evaluator evaluator(std::vector<Atom>(n, cx.options.vocab.front()));
      const std::vector<Atom> &values = evaluator.sequence(x).values;
      for (const Atom &v : values)
        if (!v.isNumber() || !v.equals(values[0]))
          return nullptr;
      if (!lengths->emplace(values[0].number(), n).second)
        return nullptr;
    }
  } catch (const eval::EvalError &) {
    return nullptr;
  }
  return lengths;
}

int LookupPlanner::packedLookup(const Node *x, EncodingKind encoding, const Node *computes,
                                const std::vector<int> &numbers, const JointFilter &occurs) {
  std::optional<std::vector<LookupInput>> packed =
      packNumbers(blockInputs(numbers), false, &occurs);
  return packed ? tryLookupBlock(x, encoding, *packed, computes) : -1;
}

int LookupPlanner::tryLookupBlock(const Node *x, EncodingKind encoding,
                                  const std::vector<LookupInput> &inputs, const Node *computes) {
  size_t count = layout.size();
  try {
    return lookupBlock(x, encoding, nullptr, inputs, computes);
  } catch (const CompileError &) {
    // (Too many units, or steps float32 cannot take: no block.)
    if (layout.size() > count)
      layout.dropLast(static_cast<int>(layout.size()) - 1);
    return -1;
  }
}

double LookupPlanner::entries(const std::vector<LookupInput> &inputs) {
  double entries = 1;
  for (const LookupInput &in : inputs)
    entries *= static_cast<double>(in.numeric ? in.levels.size() : in.values.size());
  return entries;
}

bool LookupPlanner::tooManyEntries(const std::vector<LookupInput> &inputs) const {
  return entries(inputs) > 50.0 * static_cast<double>(cx.options.maxUnits);
}

bool LookupPlanner::splitNumeric(const Node *x) {
  // The largest maps below x that read a numerical block and take few
  // values (a comparison, say): made categorical, they take the number
  // out of x's own lookup.
  std::vector<const Node *> parts = mapsBelow(x, [&](const Node *y) {
    int numerics = cx.numericCount(cx.sourcesOf(y));
    if (numerics == 0)
      return Walk::Skip;
    return numerics == 1 && cx.sets.has(y) && cx.sets.at(y).size() <= 64 ? Walk::Take
                                                                         : Walk::Descend;
  });
  ResidualLayout::Because because(layout, "made first, so that the table of '" + x->name +
                                              "' need not hold the number it reads");
  for (const Node *part : parts)
    makeBlock(part, EncodingKind::Categorical);
  return !parts.empty();
}
