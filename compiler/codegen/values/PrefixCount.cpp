// Prefix counts (see PrefixCount.h).
#include "compiler/codegen/values/PrefixCount.h"

#include "compiler/codegen/constructions/MapProgram.h"

#include <algorithm>

using namespace rasp;
using namespace rasp::codegen;
using graph::Node;
using graph::NodeKind;

namespace {

/// Whether `g` is a function of indices and constants only; sets `indices`.
bool onlyIndices(const Node *g, const Node *&indices) {
  if (g->kind == NodeKind::Indices) {
    indices = g;
    return true;
  }
  if (g->kind == NodeKind::Constant)
    return true;
  if (g->kind != NodeKind::Map)
    return false;
  return std::all_of(g->inputs.begin(), g->inputs.end(),
                     [&](const Node *input) { return onlyIndices(input, indices); });
}

} // namespace

std::optional<std::pair<const Node *, const Node *>> codegen::roundedProduct(const Node *y) {
  if (y->kind != NodeKind::Map || y->mapOp != graph::MapOpKind::Round || y->inputs.size() != 1)
    return std::nullopt;
  const Node *z = y->inputs[0];
  if (z->kind != NodeKind::Map || z->mapOp != graph::MapOpKind::Atom ||
      z->atomOp != AtomOpKind::Mul || z->operands.size() != 2 || z->operands[0].input < 0 ||
      z->operands[1].input < 0)
    return std::nullopt;
  return std::make_pair(z->inputs[z->operands[0].input], z->inputs[z->operands[1].input]);
}

bool codegen::isIndexPlusOne(const Node *g, int64_t maxLen, const Node *&indices) {
  const Node *found = nullptr;
  if (!onlyIndices(g, found) || !found)
    return false;
  MapProgram program(g, {found});
  for (int64_t i = 0; i < maxLen; ++i) {
    Atom index = Atom::integer(i);
    std::optional<Atom> v = program.run({&index});
    if (!v || !v->isNumber() || v->number() != static_cast<double>(i + 1))
      return false;
  }
  indices = found;
  return true;
}

const Node *codegen::prefixCountMean(const Node *y, int64_t maxLen, const Node *&indices) {
  auto factors = roundedProduct(y);
  if (!factors)
    return nullptr;
  for (int side = 0; side < 2; ++side) {
    const Node *mean = side == 0 ? factors->first : factors->second;
    const Node *g = side == 0 ? factors->second : factors->first;
    if (mean->kind != NodeKind::Aggregate)
      continue;
    const Node *sel = mean->inputs[0];
    if (sel->kind != NodeKind::Select || sel->cmp != graph::CompareKind::Le ||
        sel->inputs[0]->kind != NodeKind::Indices || sel->inputs[1]->kind != NodeKind::Indices)
      continue;
    // g(i) must be i + 1, the selector's width, at every index.
    if (isIndexPlusOne(g, maxLen, indices))
      return mean;
  }
  return nullptr;
}
