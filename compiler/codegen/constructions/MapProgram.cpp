// Flattened map chains.
#include "compiler/codegen/constructions/MapProgram.h"

#include "compiler/codegen/values/Exact.h"
#include "compiler/eval/Evaluate.h"

#include <cassert>

using namespace rasp;
using namespace rasp::codegen;
using graph::Node;
using graph::NodeKind;

MapProgram::MapProgram(const Node *root, const std::vector<const Node *> &bound)
    : boundCount(bound.size()) {
  for (const Node *node : bound) {
    slotOf.emplace(node, static_cast<int>(slots.size()));
    slots.emplace_back();
  }
  result = slotFor(root);
}

int MapProgram::slotFor(const Node *node) {
  if (auto it = slotOf.find(node); it != slotOf.end())
    return it->second;
  // Post-order without recursion: maps can be long chains.
  std::vector<std::pair<const Node *, size_t>> stack = {{node, 0}};
  while (!stack.empty()) {
    auto &[current, next] = stack.back();
    if (current->kind == NodeKind::Constant) {
      slotOf.emplace(current, static_cast<int>(slots.size()));
      slots.emplace_back(current->constant);
      stack.pop_back();
      continue;
    }
    assert(current->kind == NodeKind::Map && "an unbound node below a map chain");
    if (next < current->inputs.size()) {
      const Node *input = current->inputs[next++];
      if (!slotOf.count(input))
        stack.push_back({input, 0});
      continue;
    }
    Step step{current, {}};
    for (const graph::Operand &operand : current->operands)
      step.operandSlots.push_back(operand.input < 0 ? -1
                                                    : slotOf.at(current->inputs[operand.input]));
    step.slot = static_cast<int>(slots.size());
    slotOf.emplace(current, step.slot);
    slots.emplace_back();
    steps.push_back(std::move(step));
    stack.pop_back();
  }
  return slotOf.at(node);
}

std::optional<Atom> MapProgram::run(const std::vector<const Atom *> &values) {
  assert(values.size() == boundCount && "one value per bound node");
  // Bound values are read in place; constants and maps from their slots.
  valueAt.resize(slots.size());
  for (size_t i = 0; i < boundCount; ++i)
    valueAt[i] = values[i];
  for (size_t i = boundCount; i < slots.size(); ++i)
    valueAt[i] = slots[i] ? &*slots[i] : nullptr;
  for (const Step &step : steps) {
    operands.clear();
    bool failed = false;
    for (size_t i = 0; i < step.operandSlots.size(); ++i) {
      int from = step.operandSlots[i];
      if (from < 0) {
        operands.push_back(&step.node->operands[i].constant);
        continue;
      }
      if (!valueAt[from]) {
        failed = true;
        break;
      }
      operands.push_back(valueAt[from]);
    }
    valueAt[step.slot] = nullptr;
    if (failed)
      continue;
    try {
      slots[step.slot] = exactMap(step.node, operands.data());
      valueAt[step.slot] = &*slots[step.slot];
    } catch (const eval::EvalError &) {
    }
  }
  return valueAt[result] ? std::optional<Atom>(*valueAt[result]) : std::nullopt;
}
