// Depths, the greedy layer schedule and heads per layer.
#include "compiler/analysis/Analyze.h"

#include <algorithm>
#include <cassert>
#include <set>

using namespace rasp;
using namespace rasp::analysis;
using graph::Node;
using graph::NodeKind;

namespace {

int depthOf(const Node *node, const std::unordered_map<const Node *, int> &depth) {
  auto inputDepth = [&](size_t i) { return depth.at(node->inputs[i]); };
  int deepest = 0;
  for (size_t i = 0; i < node->inputs.size(); ++i)
    deepest = std::max(deepest, inputDepth(i));
  switch (node->kind) {
  case NodeKind::Tokens:
  case NodeKind::Indices:
  case NodeKind::Constant:
    return 0;
  case NodeKind::Map:
  case NodeKind::SelectorAnd:
  case NodeKind::SelectorOr:
  case NodeKind::SelectorNot:
  case NodeKind::SelectorWidth:
    return deepest;
  case NodeKind::Select:
    return deepest + 1;
  case NodeKind::Aggregate:
    return std::max(inputDepth(1) + 1, inputDepth(0));
  }
  assert(false && "unknown node kind");
  return 0;
}

bool byCreation(const Node *a, const Node *b) { return a->id < b->id; }

} // namespace

int Analysis::maxHeads() const {
  size_t most = 0;
  for (const Layer &layer : layers)
    most = std::max(most, layer.heads.size());
  return static_cast<int>(most);
}

std::vector<int> Analysis::headsPerLayer() const {
  std::vector<int> out;
  for (size_t i = 1; i < layers.size(); ++i)
    out.push_back(static_cast<int>(layers[i].heads.size()));
  return out;
}

Analysis analysis::analyze(const Node *root) {
  Analysis result;
  result.root = root;
  std::vector<const Node *> order = graph::topologicalOrder(root);
  int layers = 0;
  for (const Node *node : order) {
    int depth = depthOf(node, result.depth);
    result.depth[node] = depth;
    if (!node->isSelector())
      layers = std::max(layers, depth);
  }
  result.layers.resize(layers + 1);
  std::vector<std::set<const Node *>> heads(layers + 1);
  for (const Node *node : order) {
    if (node->isSelector())
      continue;
    Layer &layer = result.layers[result.depth[node]];
    if (node->kind == NodeKind::Aggregate || node->kind == NodeKind::SelectorWidth) {
      layer.attention.push_back(node);
      if (heads[result.depth[node]].insert(node->inputs[0]).second)
        layer.heads.push_back(node->inputs[0]);
    } else if (node->kind == NodeKind::Map) {
      layer.mlp.push_back(node);
    }
  }
  for (Layer &layer : result.layers) {
    std::sort(layer.heads.begin(), layer.heads.end(), byCreation);
    std::sort(layer.mlp.begin(), layer.mlp.end(), byCreation);
    std::sort(layer.attention.begin(), layer.attention.end(), byCreation);
  }
  return result;
}
