// The plan's residual layout: blocks, their dimensions, readings and encodings.
#include "compiler/codegen/plan/ResidualLayout.h"

#include <algorithm>
#include <cassert>
#include <cmath>

using namespace rasp;
using namespace rasp::codegen;
using graph::Node;

int codegen::attentionAfter(int t) { return t % 2 == 0 ? t + 1 : t + 2; }
int codegen::mlpAfter(int t) { return std::max(2, t % 2 == 0 ? t + 2 : t + 1); }

namespace {

/// A one-dimensional block of the embeddings that no s-op is read from.
Block auxiliaryBlock(const std::string &label, std::vector<double> bosRow) {
  Block b;
  b.label = label;
  b.encoding = EncodingKind::Numerical;
  b.values = {Atom::integer(1)};
  b.levels = {1};
  b.bosRow = std::move(bosRow);
  b.producer = "embedding";
  return b;
}

} // namespace

ResidualLayout::ResidualLayout() {
  one = add(nullptr, auxiliaryBlock("one", {1}));
  bos = add(nullptr, auxiliaryBlock("bos", {1}));
}

int ResidualLayout::add(const Node *node, Block b) {
  if (b.why.empty() && !reasons.empty())
    b.why = reasons.back();
  b.firstDim = width;
  if (b.bosRow.empty())
    b.bosRow.assign(b.width(), 0.0);
  width += b.width();
  blocks.push_back(std::move(b));
  nodes.push_back(node);
  int index = static_cast<int>(blocks.size()) - 1;
  if (node)
    byNode[node].push_back(index);
  return index;
}

int ResidualLayout::addMadeByMlp(const Node *node, Block b, int inputsTime) {
  b.time = mlpAfter(inputsTime);
  b.producer = "L" + std::to_string(b.time / 2) + " MLP";
  return add(node, std::move(b));
}

void ResidualLayout::dropLast(int f) {
  assert(f == static_cast<int>(blocks.size()) - 1 && "only the last block goes");
  if (const Node *node = nodes[f]) {
    std::vector<int> &list = byNode[node];
    assert(!list.empty() && list.back() == f && "the block is its node's last");
    list.pop_back();
  }
  nodes.pop_back();
  width -= blocks.back().width();
  blocks.pop_back();
  valueIndex.erase(f);
}

std::vector<int> ResidualLayout::dims(int f) const {
  std::vector<int> out;
  for (int i = 0; i < block(f).width(); ++i)
    out.push_back(block(f).firstDim + i);
  return out;
}

int ResidualLayout::find(const Node *node, EncodingKind encoding) const {
  auto it = byNode.find(node);
  if (it == byNode.end())
    return -1;
  for (int f : it->second)
    if (block(f).encoding == encoding &&
        (encoding == EncodingKind::Categorical || block(f).levelsAreValues))
      return f;
  return -1;
}

int ResidualLayout::best(const Node *node, bool preferCategorical) const {
  auto it = byNode.find(node);
  if (it == byNode.end())
    return -1;
  int chosen = -1;
  for (int f : it->second) {
    if (chosen < 0) {
      chosen = f;
      continue;
    }
    const Block &a = block(f), &b = block(chosen);
    bool aCat = a.encoding == EncodingKind::Categorical;
    bool bCat = b.encoding == EncodingKind::Categorical;
    if (preferCategorical && aCat != bCat) {
      if (aCat)
        chosen = f;
      continue;
    }
    if (a.time < b.time || (a.time == b.time && aCat && !bCat))
      chosen = f;
  }
  return chosen;
}

int ResidualLayout::latest(const std::vector<int> &list) const {
  int t = 0;
  for (int f : list)
    t = std::max(t, block(f).time);
  return t;
}

int ResidualLayout::blockAt(int dim) const {
  // (Blocks are laid out in order of their first dimensions.)
  auto after = std::upper_bound(blocks.begin(), blocks.end(), dim,
                                [](int d, const Block &b) { return d < b.firstDim; });
  assert(after != blocks.begin() && "every dimension is in a block");
  return static_cast<int>(after - blocks.begin()) - 1;
}

double ResidualLayout::magnitude(int dim) const {
  const Block &b = block(blockAt(dim));
  double most = 1;
  if (b.encoding == EncodingKind::Numerical)
    for (double level : b.levels)
      most = std::max(most, std::fabs(level));
  return most;
}

double ResidualLayout::oneHotError(const LinearForm &form) const {
  double error = 0;
  for (const auto &[dim, weight] : form)
    error = std::max(error, block(blockAt(dim)).oneHotError);
  return error;
}

double ResidualLayout::numberError(const LinearForm &form) const {
  double error = 0;
  for (const auto &[dim, weight] : form) {
    const Block &b = block(blockAt(dim));
    error +=
        std::fabs(weight) * (b.encoding == EncodingKind::Numerical ? b.numberError : b.oneHotError);
  }
  return error;
}

std::string ResidualLayout::name(int f) const {
  if (f < 0)
    return "constant";
  const Block &b = block(f);
  return "'" + b.label + "' (" + describeEncoding(b.encoding, b.values.size()) + ")";
}

LinearForm ResidualLayout::reading(int f, int i) const {
  const Block &b = block(f);
  LinearForm s = {{b.firstDim + i, 1.0}};
  if (b.bosRow[i] != 0)
    s.emplace_back(bos, -b.bosRow[i]);
  return s;
}

LinearForm ResidualLayout::numericReading(int f) const {
  const Block &b = block(f);
  LinearForm s = {{b.firstDim, 1.0}};
  if (b.bosRow[0] != 0)
    s.emplace_back(bos, -b.bosRow[0]);
  return s;
}

LinearForm ResidualLayout::encode(int f, const std::optional<Atom> &v) const {
  if (!v)
    return {};
  const Block &b = block(f);
  if (b.encoding == EncodingKind::Numerical) {
    double x = v->number();
    if (x == 0)
      return {};
    return {{b.firstDim, x}};
  }
  auto &index = valueIndex[f];
  if (index.empty())
    for (size_t i = 0; i < b.values.size(); ++i)
      index.emplace(b.values[i], static_cast<int>(i));
  auto it = index.find(*v);
  if (it == index.end())
    return {};
  return {{b.firstDim + it->second, 1.0}};
}
