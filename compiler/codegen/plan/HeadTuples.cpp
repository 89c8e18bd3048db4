// The plan's tuples: the classes of values a selector formula tells apart,
// and tuple blocks for selectors whose sides read several blocks (the
// tables themselves are in SelectTables.cpp).
#include "compiler/codegen/constructions/MapProgram.h"
#include "compiler/codegen/plan/HeadPlannerImpl.h"

#include <algorithm>
#include <cassert>
#include <functional>
#include <numeric>
#include <set>
#include <unordered_map>

using namespace rasp;
using namespace rasp::codegen;

std::vector<std::vector<int>> HeadPlanner::valueClasses(int f, bool keySide,
                                                        const std::vector<const Node *> &selects) {
  // Two values of the block are alike when every select that reads the
  // block on this side decides the same against every value of its other
  // side.
  std::map<std::vector<char>, size_t> classOf;
  std::vector<std::vector<int>> classes;
  for (int v = 0; v < layout.block(f).width(); ++v) {
    std::vector<char> signature;
    for (const Node *select : selects) {
      const SideRead &mine = sides.at(select->inputs[keySide ? 0 : 1]);
      const SideRead &other = sides.at(select->inputs[keySide ? 1 : 0]);
      if (mine.block != f)
        continue;
      for (const std::optional<Atom> &o : other.valueOf) {
        const std::optional<Atom> &m = mine.valueOf[v];
        std::optional<bool> holds;
        if (m && o)
          holds = keySide ? comparePair(select->cmp, *m, *o) : comparePair(select->cmp, *o, *m);
        signature.push_back(holds ? (*holds ? 1 : 0) : 2);
      }
    }
    auto [it, added] = classOf.emplace(std::move(signature), classes.size());
    if (added)
      classes.emplace_back();
    classes[it->second].push_back(v);
  }
  return classes;
}

std::pair<HeadPlanner::Classes, HeadPlanner::Classes>
HeadPlanner::formulaClasses(const Node *formula, const std::vector<int> &queryParts,
                            const std::vector<int> &keyParts,
                            const std::vector<const Node *> &selects) {
  // Every value its own class, on both sides; each side's values counted.
  auto identity = [&](const std::vector<int> &parts, Side &side, size_t &count) {
    side.parts = parts;
    side.block = parts.size() == 1 ? parts[0] : -1;
    count = 1;
    for (int p : parts) {
      count *= static_cast<size_t>(layout.block(p).width());
      if (parts.size() > 1) {
        side.classes.emplace_back();
        for (int v = 0; v < layout.block(p).width(); ++v)
          side.classes.back().push_back({v});
      }
    }
  };
  Side qs, ks;
  size_t qCount = 0, kCount = 0;
  identity(queryParts, qs, qCount);
  identity(keyParts, ks, kCount);
  auto perSelect = [&](const std::vector<int> &parts, bool keySide) {
    Classes out;
    if (parts.size() > 1)
      for (int p : parts)
        out.push_back(valueClasses(p, keySide, selects));
    return out;
  };
  bool tuples = queryParts.size() > 1 || keyParts.size() > 1;
  if (!tuples)
    return {perSelect(queryParts, false), perSelect(keyParts, true)};
  if (static_cast<double>(qCount) * static_cast<double>(kCount) > 4e6)
    return {restrictedClasses(formula, queryParts, false),
            restrictedClasses(formula, keyParts, true)};
  // Two values of a part are alike when the formula decides the same for
  // them against every value of every other part, on both sides: their
  // signatures are the table's lines (rows on the query side, columns on
  // the key side) at every tuple that holds them, in order.
  BitMatrix table = flatten({formula}, qs, qCount, ks, kCount).tabulate(qCount, kCount);
  BitMatrix columns(kCount, qCount);
  if (keyParts.size() > 1)
    for (size_t q = 0; q < qCount; ++q)
      table.forEach(q, [&](size_t k) { columns.set(k, q); });
  auto signatures = [&](const std::vector<int> &parts, const Side &side, const BitMatrix &lines) {
    std::vector<std::vector<std::string>> out(parts.size());
    if (parts.size() <= 1)
      return out;
    for (size_t i = 0; i < parts.size(); ++i)
      out[i].resize(layout.block(parts[i]).width());
    size_t bytes = lines.wordsPerRow() * sizeof(uint64_t);
    for (size_t t = 0; t < lines.rows(); ++t) {
      const char *line = reinterpret_cast<const char *>(lines.row(t));
      for (size_t i = 0; i < parts.size(); ++i)
        out[i][component(side, parts[i], t)].append(line, bytes);
    }
    return out;
  };
  std::vector<std::vector<std::string>> qSig = signatures(queryParts, qs, table);
  std::vector<std::vector<std::string>> kSig = signatures(keyParts, ks, columns);
  auto group = [](std::vector<std::vector<std::string>> &perPart, size_t parts) {
    Classes out;
    if (parts <= 1)
      return out;
    for (std::vector<std::string> &perValue : perPart) {
      std::map<std::string, size_t> classOf;
      out.emplace_back();
      for (size_t v = 0; v < perValue.size(); ++v) {
        auto [it, added] = classOf.emplace(std::move(perValue[v]), out.back().size());
        if (added)
          out.back().emplace_back();
        out.back()[it->second].push_back(static_cast<int>(v));
      }
    }
    return out;
  };
  return {group(qSig, queryParts.size()), group(kSig, keyParts.size())};
}

std::string HeadPlanner::restrictedFormula(const Node *sel, int f, int v, bool keySide) {
  switch (sel->kind) {
  case NodeKind::Select: {
    const SideRead &mine = sides.at(sel->inputs[keySide ? 0 : 1]);
    if (mine.block != f) {
      // (Reads other parts only: the same for every value of f.)
      return "s" + std::to_string(reinterpret_cast<uintptr_t>(sel));
    }
    const BitMatrix &table = selectTable(sel); // [query value][key value]
    size_t others = keySide ? table.rows() : table.cols();
    std::string bits(others, '0');
    bool any = false, all = true;
    for (size_t o = 0; o < others; ++o) {
      bool holds =
          keySide ? table.get(o, static_cast<size_t>(v)) : table.get(static_cast<size_t>(v), o);
      bits[o] = holds ? '1' : '0';
      any |= holds;
      all &= holds;
    }
    if (!any)
      return "F";
    // (All true only where the other side reads a block: a constant side
    // has one value, and its select the same row for every value of f.)
    if (all)
      return "T";
    return "s" + std::to_string(reinterpret_cast<uintptr_t>(sel)) + ":" + bits;
  }
  case NodeKind::SelectorNot: {
    std::string inner = restrictedFormula(sel->inputs[0], f, v, keySide);
    return inner == "T" ? "F" : inner == "F" ? "T" : "!(" + inner + ")";
  }
  case NodeKind::SelectorAnd:
  case NodeKind::SelectorOr: {
    bool conjunction = sel->kind == NodeKind::SelectorAnd;
    std::string absorbing = conjunction ? "F" : "T", neutral = conjunction ? "T" : "F";
    std::string out;
    for (const Node *input : sel->inputs) {
      std::string inner = restrictedFormula(input, f, v, keySide);
      if (inner == absorbing)
        return absorbing;
      if (inner != neutral)
        out += (out.empty() ? "" : ",") + inner;
    }
    return out.empty() ? neutral : (conjunction ? "&(" : "|(") + out + ")";
  }
  default:
    assert(false && "a selector formula");
    return "";
  }
}

HeadPlanner::Classes HeadPlanner::restrictedClasses(const Node *formula,
                                                    const std::vector<int> &parts, bool keySide) {
  // Two values of a part are alike when the formula, with each select that
  // reads the part on this side replaced by its decisions for the value
  // (a row over its other side's values, or true or false throughout) and
  // simplified, is the same: then it decides the same against every value
  // of every other part, on both sides. Sound, and cheap where the whole
  // table is too large (a tuple of the index and a rank at max_len 1024):
  // `select(indices, 0, ==) and ...` on the key side is false for every key
  // index but 0, which are then one class.
  Classes out;
  if (parts.size() <= 1)
    return out;
  for (int f : parts) {
    std::map<std::string, size_t> classOf;
    out.emplace_back();
    for (int v = 0; v < layout.block(f).width(); ++v) {
      auto [it, added] =
          classOf.emplace(restrictedFormula(formula, f, v, keySide), out.back().size());
      if (added)
        out.back().emplace_back();
      out.back()[it->second].push_back(v);
    }
  }
  return out;
}

std::vector<LookupInput> HeadPlanner::deepLinearInputs(const std::vector<int> &parts,
                                                       const std::vector<const Node *> &made) {
  std::vector<LookupInput> inputs;
  auto add = [&](LookupInput in) {
    bool known = std::any_of(inputs.begin(), inputs.end(), [&](const LookupInput &other) {
      return in.numeric ? other.node == in.node : other.block == in.block;
    });
    if (!known)
      inputs.push_back(std::move(in));
  };
  for (size_t i = 0; i < parts.size(); ++i) {
    if (!made[i]) {
      add(lookups.blockInput(parts[i]));
      continue;
    }
    for (const Node *input : made[i]->inputs) {
      if (input->kind == NodeKind::Constant)
        continue;
      std::vector<LookupInput> below;
      try {
        below = lookups.linearInputs(input);
      } catch (const CompileError &) {
        return {}; // (A set too large to list: the tuple is made the plain way.)
      }
      if (below.empty())
        return {};
      for (LookupInput &in : below)
        add(std::move(in));
    }
  }
  int latestInput = LookupPlanner::latestTime(inputs);
  if (LookupPlanner::numericInputs(inputs) > 1 || latestInput >= layout.latest(parts))
    return {};
  return inputs;
}

HeadPlanner::Side HeadPlanner::tupleSide(const std::vector<int> &parts, Classes classes,
                                         const Node *selector) {
  Side side;
  side.parts = parts;
  if (parts.size() == 1)
    side.block = parts[0];
  if (parts.size() <= 1)
    return side;
  // The tuple holds a class of each part's values (what the formula tells apart).
  side.classes = std::move(classes);
  if (int f = existingTuple(side); f >= 0) {
    side.block = f;
    side.joint = occurringJoint(side);
    return side;
  }
  side.joint = occurringJoint(side);
  Block out = tupleBlock(side, selector);
  std::vector<const Node *> made;
  std::vector<LookupInput> inputs = tupleInputs(parts, made);
  side.block = makeTuple(side, std::move(out), inputs, made, selector);
  tuples[{parts, side.classes}] = side.block;
  return side;
}

int HeadPlanner::existingTuple(Side &side) const {
  if (auto it = tuples.find({side.parts, side.classes}); it != tuples.end())
    return it->second;
  // A tuple of the same blocks that tells apart at least as much serves too.
  for (const auto &[made, f] : tuples) {
    if (made.first != side.parts)
      continue;
    bool finer = true;
    for (size_t i = 0; i < side.parts.size() && finer; ++i)
      finer = meet(made.second[i], side.classes[i]).size() == made.second[i].size();
    if (finer) {
      side.classes = made.second;
      return f;
    }
  }
  return -1;
}

std::vector<size_t> HeadPlanner::occurringJoint(const Side &side) const {
  double count = 1;
  for (const auto &partClasses : side.classes)
    count *= static_cast<double>(partClasses.size());
  // Per part with sets per length: the class of each of its values.
  std::vector<const std::vector<std::vector<Atom>> *> perLength(side.parts.size(), nullptr);
  std::vector<std::unordered_map<Atom, int, AtomHash, AtomEq>> classOf(side.parts.size());
  size_t related = 0;
  for (size_t i = 0; i < side.parts.size(); ++i) {
    const Node *node = layout.node(side.parts[i]);
    if (!node || !(perLength[i] = cx.sets.setsPerLength(node)))
      continue;
    ++related;
    const Block &b = layout.block(side.parts[i]);
    for (size_t c = 0; c < side.classes[i].size(); ++c)
      for (int v : side.classes[i][c])
        classOf[i].emplace(b.values[v], static_cast<int>(c));
  }
  if (related < 2 || count < 2)
    return {};
  std::set<size_t> joint;
  for (size_t n = 0;; ++n) {
    bool more = false;
    // The classes each part can hold at this length (every one where it
    // has no sets per length).
    std::vector<std::vector<int>> at(side.parts.size());
    for (size_t i = 0; i < side.parts.size(); ++i) {
      if (!perLength[i]) {
        at[i].resize(side.classes[i].size());
        std::iota(at[i].begin(), at[i].end(), 0);
        continue;
      }
      if (n >= perLength[i]->size())
        continue;
      more = true;
      std::set<int> seen;
      for (const Atom &v : (*perLength[i])[n])
        if (auto it = classOf[i].find(v); it != classOf[i].end())
          seen.insert(it->second);
      at[i].assign(seen.begin(), seen.end());
    }
    if (!more)
      break;
    double here = 1;
    for (const auto &classes : at)
      here *= static_cast<double>(classes.size());
    if (here == 0)
      continue;
    if (static_cast<double>(joint.size()) + here > std::min(count, 4e6) - 1)
      return {}; // (Not fewer, or too many to list.)
    std::vector<size_t> pick(side.parts.size(), 0);
    for (double k = 0; k < here; ++k) {
      size_t index = 0, stride = 1;
      for (size_t i = 0; i < side.parts.size(); ++i) {
        index += static_cast<size_t>(at[i][pick[i]]) * stride;
        stride *= side.classes[i].size();
      }
      joint.insert(index);
      for (size_t i = 0; i < pick.size() && ++pick[i] == at[i].size(); ++i)
        pick[i] = 0;
    }
  }
  if (static_cast<double>(joint.size()) >= count)
    return {};
  return std::vector<size_t>(joint.begin(), joint.end());
}

Block HeadPlanner::tupleBlock(const Side &side, const Node *selector) const {
  const std::vector<int> &parts = side.parts;
  double count = 1;
  for (const auto &partClasses : side.classes)
    count *= static_cast<double>(partClasses.size());
  if (!side.joint.empty())
    count = static_cast<double>(side.joint.size());
  Block out;
  out.label = "(";
  for (size_t i = 0; i < parts.size(); ++i)
    out.label += (i ? ", " : "") + layout.block(parts[i]).label;
  out.label += ")";
  if (count > static_cast<double>(cx.options.maxUnits))
    throw CompileError{selector,
                       "the selector '" + selector->name + "' needs the tuple " + out.label +
                           " of " + std::to_string(static_cast<long long>(count)) +
                           " values, more than the " + std::to_string(cx.options.maxUnits) +
                           " one block may hold (a select that compares them together needs "
                           "their joint values); lower max_len, or compare fewer s-ops in one "
                           "select",
                       true};
  // The values, named by a representative of each part's class.
  for (size_t index = 0; index < static_cast<size_t>(count); ++index) {
    std::string text = "(";
    size_t rest = side.joint.empty() ? index : side.joint[index];
    for (size_t i = 0; i < parts.size(); ++i) {
      const auto &partClasses = side.classes[i];
      const std::vector<int> &members = partClasses[rest % partClasses.size()];
      text += (i ? ", " : "") + layout.block(parts[i]).values[members[0]].repr();
      if (members.size() > 1)
        text += "~";
      rest /= partClasses.size();
    }
    out.values.push_back(Atom::string(text + ")"));
  }
  return out;
}

std::vector<LookupInput> HeadPlanner::tupleInputs(const std::vector<int> &parts,
                                                  std::vector<const Node *> &made) {
  // The tuple is made from its parts, or, a layer earlier, from what the
  // parts made by an MLP are made from (when that has one numerical input).
  std::vector<LookupInput> inputs;
  made.assign(parts.size(), nullptr);
  for (size_t i = 0; i < parts.size(); ++i) {
    const Node *node = layout.node(parts[i]);
    if (node && node->kind == NodeKind::Map && layout.block(parts[i]).time % 2 == 0 &&
        layout.block(parts[i]).time > 0)
      made[i] = node;
  }
  std::vector<int> sources;
  for (size_t i = 0; i < parts.size(); ++i) {
    if (!made[i]) {
      sources.push_back(parts[i]);
      continue;
    }
    for (const Node *input : made[i]->inputs)
      for (int f : cx.sourcesOf(input, true))
        sources.push_back(f);
  }
  std::sort(sources.begin(), sources.end());
  sources.erase(std::unique(sources.begin(), sources.end()), sources.end());
  bool anyMade = std::any_of(made.begin(), made.end(), [](const Node *n) { return n; });
  if (anyMade && cx.numericCount(sources) <= 1 && layout.latest(sources) < layout.latest(parts)) {
    inputs = lookups.blockInputs(sources);
  } else if (anyMade) {
    // Several numbers below: a linear form of them may serve as one.
    inputs = deepLinearInputs(parts, made);
  }
  if (inputs.empty()) {
    std::fill(made.begin(), made.end(), nullptr);
    inputs = lookups.blockInputs(parts);
  }
  return inputs;
}

int HeadPlanner::makeTuple(const Side &side, Block out, const std::vector<LookupInput> &inputs,
                           const std::vector<const Node *> &made, const Node *selector) {
  const std::vector<int> &parts = side.parts;
  std::vector<std::vector<int>> classOfValue;
  for (size_t i = 0; i < parts.size(); ++i) {
    classOfValue.emplace_back(layout.block(parts[i]).width());
    for (size_t c = 0; c < side.classes[i].size(); ++c)
      for (int v : side.classes[i][c])
        classOfValue[i][v] = static_cast<int>(c);
  }
  int latestInput = LookupPlanner::latestTime(inputs);
  if (out.why.empty())
    out.why = "the joint values of a side that an `and` or `or` of selects reads (a head "
              "scores one-hots of pairs)";
  int f = layout.addMadeByMlp(nullptr, std::move(out), latestInput);
  LookupSpec spec = cx.lookupSpec();
  LookupPlanner::BoundInputs bindings = lookups.bindInputs(inputs, spec);
  const std::vector<const LookupInput *> &categorical = bindings.categorical;
  const LookupInput *numeric = bindings.numeric;
  const std::vector<const Node *> &bound = bindings.nodes;
  // Per part: its slot among the inputs, or the program computing it.
  std::vector<std::optional<MapProgram>> programs(parts.size());
  std::vector<int> slotOf(parts.size(), -1);
  for (size_t i = 0; i < parts.size(); ++i) {
    if (made[i]) {
      programs[i].emplace(made[i], bound);
      continue;
    }
    for (size_t c = 0; c < categorical.size(); ++c)
      if (categorical[c]->block == parts[i])
        slotOf[i] = static_cast<int>(c);
    assert(slotOf[i] >= 0 && "a tuple's part is a categorical block");
  }
  std::vector<const Atom *> values(bound.size());
  spec.output = [&](const std::vector<int> &combo, int n) -> LinearForm {
    for (size_t c = 0; c < categorical.size(); ++c)
      values[c] = &categorical[c]->values[combo[c]];
    if (numeric)
      values.back() = &numeric->values[n];
    size_t index = 0, stride = 1;
    for (size_t i = 0; i < parts.size(); ++i) {
      int value = -1;
      if (programs[i]) {
        std::optional<Atom> v = programs[i]->run(values);
        LinearForm at = layout.encode(parts[i], v);
        if (at.empty())
          return {};
        value = at[0].first - layout.block(parts[i]).firstDim;
      } else {
        value = combo[slotOf[i]];
      }
      index += static_cast<size_t>(classOfValue[i][value]) * stride;
      stride *= side.classes[i].size();
    }
    if (!side.joint.empty()) {
      // (A combination no length gives cannot occur: nothing to write.)
      auto at = std::lower_bound(side.joint.begin(), side.joint.end(), index);
      if (at == side.joint.end() || *at != index)
        return {};
      index = static_cast<size_t>(at - side.joint.begin());
    }
    return LinearForm{{layout.block(f).firstDim + static_cast<int>(index), 1.0}};
  };
  std::vector<HiddenUnit> units;
  try {
    units = buildLookup(spec);
  } catch (const LookupError &e) {
    // (Its size grows with max_len where its parts' values do.)
    std::string sizes;
    for (int part : parts)
      sizes += (sizes.empty() ? "" : " and ") + std::to_string(layout.block(part).width());
    throw CompileError{selector,
                       "cannot build the tuple " + layout.block(f).label + " for the selector '" +
                           selector->name + "': " + e.message + "; it holds " +
                           std::to_string(layout.block(f).width()) +
                           " joint values of its parts (of " + sizes +
                           " values), as a select that compares them together needs; lower "
                           "max_len, or compare fewer s-ops in one select",
                       true};
  }
  std::string names;
  for (const LookupInput &in : inputs)
    names += (names.empty() ? "" : ", ") + in.name;
  cx.addMlp(f, "tuple " + layout.block(f).label, "for a selector, from " + names, std::move(units),
            &spec);
  return f;
}
