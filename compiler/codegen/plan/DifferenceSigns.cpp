// MLP lookups: a map that reads two numbers only through comparisons of
// one with the other reads their difference, one number, instead.
#include "compiler/codegen/constructions/MapProgram.h"
#include "compiler/codegen/plan/LookupPlanner.h"

#include <algorithm>
#include <unordered_set>

using namespace rasp;
using namespace rasp::codegen;

namespace {

bool isComparison(const Node *n) {
  if (n->kind != NodeKind::Map || n->mapOp != graph::MapOpKind::Atom || n->operands.size() != 2)
    return false;
  switch (n->atomOp) {
  case AtomOpKind::Eq:
  case AtomOpKind::Ne:
  case AtomOpKind::Lt:
  case AtomOpKind::Gt:
  case AtomOpKind::Le:
  case AtomOpKind::Ge:
    return true;
  default:
    return false;
  }
}

/// Rebuilds maps above comparisons of a with b as maps above comparisons
/// of d = a - b with 0 (a < b is a - b < 0 for numbers, exactly in
/// floating point too: a - b is 0 only where a == b, and has its sign).
class Rewriter {
public:
  Rewriter(graph::Graph &made, const Node *a, const Node *b, graph::Node *d)
      : made(made), a(a), b(b), d(d) {}

  /// x rebuilt; null where x reads a or b other than through such
  /// comparisons.
  const Node *rebuild(const Node *x) {
    if (x == a || x == b)
      return nullptr;
    if (!reads(x))
      return x;
    if (auto it = done.find(x); it != done.end())
      return it->second;
    const Node *out = nullptr;
    if (isComparison(x) && x->inputs.size() == 2 && x->operands[0].input >= 0 &&
        x->operands[1].input >= 0) {
      const Node *left = x->inputs[x->operands[0].input];
      const Node *right = x->inputs[x->operands[1].input];
      if ((left == a && right == b) || (left == b && right == a)) {
        // a OP b is d OP 0; b OP a is 0 OP d.
        graph::Node *n = copy(x, {d});
        graph::Operand number, zero;
        number.input = 0;
        zero.constant = Atom::integer(0);
        n->operands = left == a ? std::vector<graph::Operand>{number, zero}
                                : std::vector<graph::Operand>{zero, number};
        out = n;
      }
    } else if (x->kind == NodeKind::Map) {
      std::vector<graph::Node *> inputs;
      for (const Node *input : x->inputs) {
        const Node *rebuilt = rebuild(input);
        if (!rebuilt)
          return nullptr;
        inputs.push_back(const_cast<Node *>(rebuilt));
      }
      out = copy(x, std::move(inputs));
    }
    done[x] = out;
    return out;
  }

private:
  graph::Node *copy(const Node *x, std::vector<graph::Node *> inputs) {
    graph::Node *n = made.add(x->kind, x->name, x->loc, std::move(inputs));
    n->mapOp = x->mapOp;
    n->atomOp = x->atomOp;
    n->operands = x->operands;
    n->table = x->table;
    n->constant = x->constant;
    return n;
  }
  bool reads(const Node *x) {
    if (auto it = reading.find(x); it != reading.end())
      return it->second;
    bool r = x == a || x == b;
    for (const Node *input : x->inputs)
      r = r || reads(input);
    return reading[x] = r;
  }

  graph::Graph &made;
  const Node *a, *b;
  graph::Node *d;
  std::unordered_map<const Node *, bool> reading;
  std::unordered_map<const Node *, const Node *> done;
};

} // namespace

int LookupPlanner::differenceLookup(const Node *x, EncodingKind encoding,
                                    const std::vector<LookupInput> &blocks) {
  std::vector<const LookupInput *> numbers;
  for (const LookupInput &in : blocks)
    if (in.numeric)
      numbers.push_back(&in);
  if (numbers.size() != 2)
    return -1;
  const LookupInput &a = *numbers[0], &b = *numbers[1];
  if (!a.node || !b.node || !a.parts.empty() || !b.parts.empty() || a.valuesUnknown ||
      b.valuesUnknown || a.levels.empty() || b.levels.empty() || !allNumbers(a.values) ||
      !allNumbers(b.values) ||
      static_cast<double>(a.values.size()) * static_cast<double>(b.values.size()) > 4e6)
    return -1;
  // Only blocks whose levels are their values: the difference of the
  // levels is then that of the values.
  for (const LookupInput *in : numbers)
    if (in->block < 0 || !layout.block(in->block).levelsAreValues ||
        layout.node(in->block) != in->node)
      return -1;
  graph::Node *d = cx.made.add(NodeKind::Map, "(" + a.node->name + " - " + b.node->name + ")",
                               x->loc, {const_cast<Node *>(a.node), const_cast<Node *>(b.node)});
  d->mapOp = graph::MapOpKind::Atom;
  d->atomOp = AtomOpKind::Sub;
  for (int i = 0; i < 2; ++i) {
    d->operands.emplace_back();
    d->operands.back().input = i;
  }
  Rewriter rewriter(cx.made, a.node, b.node, d);
  const Node *rebuilt = rewriter.rebuild(x);
  if (!rebuilt || rebuilt == x)
    return -1;
  // The difference's values: those of the pairs that can occur together.
  MapProgram difference(d, {a.node, b.node});
  std::vector<Atom> values;
  std::unordered_set<Atom, AtomHash, AtomEq> seen;
  // (A difference already taken needs no other pair: most pairs are
  // settled without asking whether they occur.)
  for (const Atom &u : a.values)
    for (const Atom &v : b.values) {
      std::optional<Atom> w = difference.run({&u, &v});
      if (!w || seen.count(*w))
        continue;
      if (!cx.sets.canOccurTogether({a.node, b.node}, {u, v}))
        continue;
      seen.insert(*w);
      values.push_back(*w);
    }
  if (values.empty() || values.size() > 100'000)
    return -1;
  std::sort(values.begin(), values.end(),
            [](const Atom &p, const Atom &q) { return p.number() < q.number(); });
  LookupInput in;
  in.node = d;
  in.numeric = true;
  in.form = a.form;
  addScaled(in.form, b.form, -1.0);
  in.values = values;
  for (const Atom &v : values)
    in.levels.push_back(v.number());
  in.noise = cx.noiseOf(a.levels) + cx.noiseOf(b.levels);
  in.time = std::max(a.time, b.time);
  in.name = "'" + d->name + "' (numerical)";
  std::vector<LookupInput> inputs;
  for (const LookupInput &other : blocks)
    if (!other.numeric)
      inputs.push_back(other);
  inputs.push_back(std::move(in));
  if (tooManyEntries(inputs))
    return -1;
  ResidualLayout::Because because(layout, "reads two numbers only by comparing one with the "
                                          "other: one lookup of their difference");
  return tryLookupBlock(x, encoding, inputs, rebuilt);
}
