// Stage 5: layer and head requirements of an s-op, by the original's rules.
//
// Depths (the original's min_poss_depth), computed without recursion:
//   1. tokens, indices and constants are at depth 0;
//   2. an elementwise map is at the largest depth of its inputs (0 if none):
//      feed-forward work adds no layer;
//   3. a select is at max(depth of its keys, depth of its queries) + 1;
//      and/or/not of selectors is one head over all their keys and queries,
//      so at the largest depth of its parts;
//   4. an aggregate is at max(depth of its values + 1, depth of its selector);
//   5. selector_width (a primitive here) is one head and feed-forward work
//      in its selector's layer, so at the depth of its selector.
// Schedule (the original's greedy scheduler): every s-op runs in the layer
// equal to its depth. The heads of layer i are the distinct selectors that
// the aggregates and selector_widths of layer i read (one selector object
// used by several of them is one head). Layer 0 is embedding and
// feed-forward work only.
#pragma once

#include "compiler/graph/Graph.h"

#include <unordered_map>
#include <vector>

namespace rasp::analysis {

struct Layer {
  /// The selectors whose attention runs in this layer, in creation order.
  std::vector<const graph::Node *> heads;
  /// The s-ops computed by this layer's feed-forward part (maps), in
  /// creation order; aggregates and selector_widths are the heads' outputs.
  std::vector<const graph::Node *> mlp;
  /// The aggregates and selector_widths whose attention runs here.
  std::vector<const graph::Node *> attention;
};

struct Analysis {
  const graph::Node *root = nullptr;
  /// The depth of every node below the root.
  std::unordered_map<const graph::Node *, int> depth;
  /// layers[0] is the embedding layer; layers[1..] are transformer layers.
  std::vector<Layer> layers;

  int layerCount() const { return static_cast<int>(layers.size()) - 1; }
  int maxHeads() const;
  /// Heads per transformer layer, layer 1 first.
  std::vector<int> headsPerLayer() const;
};

Analysis analyze(const graph::Node *root);

} // namespace rasp::analysis
