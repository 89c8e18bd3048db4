// A chain of maps, flattened for evaluation many times over: the value of an
// s-op as a function of some nodes below it (the compiler tabulates fused
// MLPs, score tables and value maps with it). Each map is applied as the
// value sets apply it (exactMap, values/Exact.h), so that a table's values
// are the doubles its consumers' sets hold.
#pragma once

#include "compiler/graph/Graph.h"

#include <optional>
#include <unordered_map>
#include <vector>

namespace rasp::codegen {

class MapProgram {
public:
  /// `root` as a function of `bound`: every path down from root must reach a
  /// bound node or a constant through maps only.
  MapProgram(const graph::Node *root, const std::vector<const graph::Node *> &bound);

  /// The value when bound[i] holds *values[i] (floats as exactMap gives
  /// them); nullopt where the evaluator would fail.
  std::optional<Atom> run(const std::vector<const Atom *> &values);

private:
  struct Step {
    const graph::Node *node;
    std::vector<int> operandSlots; ///< -1: the operand's constant.
    int slot = -1;
  };
  int slotFor(const graph::Node *node);

  std::vector<Step> steps; ///< Inputs before users.
  std::unordered_map<const graph::Node *, int> slotOf;
  std::vector<std::optional<Atom>> slots; ///< Computed maps and constants.
  std::vector<const Atom *> valueAt;      ///< Per slot, its value now.
  std::vector<const Atom *> operands;
  size_t boundCount = 0;
  int result = -1;
};

} // namespace rasp::codegen
