// The RASP graph: node arena, traversal and dump.
#include "compiler/graph/Graph.h"

#include "llvm/Support/raw_ostream.h"

#include <unordered_set>

using namespace rasp;
using namespace rasp::graph;

Node *Graph::add(NodeKind kind, std::string name, SourceLoc loc, std::vector<Node *> inputs) {
  auto node = std::make_unique<Node>();
  node->kind = kind;
  node->id = static_cast<uint32_t>(nodes.size());
  node->name = std::move(name);
  node->loc = loc;
  node->inputs = std::move(inputs);
  nodes.push_back(std::move(node));
  return nodes.back().get();
}

const char *graph::compareSpelling(CompareKind cmp) {
  static const char *const names[] = {"==", "!=", "<", ">", "<=", ">="};
  return names[static_cast<int>(cmp)];
}

AtomOpKind graph::compareAtomOp(CompareKind cmp) {
  switch (cmp) {
  case CompareKind::Eq:
    return AtomOpKind::Eq;
  case CompareKind::Ne:
    return AtomOpKind::Ne;
  case CompareKind::Lt:
    return AtomOpKind::Lt;
  case CompareKind::Gt:
    return AtomOpKind::Gt;
  case CompareKind::Le:
    return AtomOpKind::Le;
  case CompareKind::Ge:
    return AtomOpKind::Ge;
  }
  return AtomOpKind::Eq;
}

std::string graph::selectorSignature(const Node *sel) {
  std::string key = std::to_string(static_cast<int>(sel->kind));
  if (sel->kind == NodeKind::Select)
    return key + "(" + std::to_string(sel->inputs[0]->id) + " " + compareSpelling(sel->cmp) + " " +
           std::to_string(sel->inputs[1]->id) + ")";
  for (const Node *input : sel->inputs)
    key += "[" + selectorSignature(input) + "]";
  return key;
}

std::vector<const Node *> graph::topologicalOrder(const Node *root) {
  return topologicalOrder(root, [](const Node *) { return false; });
}

std::vector<const Node *> graph::topologicalOrder(const Node *root,
                                                  const std::function<bool(const Node *)> &skip) {
  // Iterative post-order: graphs can be far deeper than the stack.
  std::vector<const Node *> order;
  if (skip(root))
    return order;
  std::unordered_set<const Node *> seen{root};
  std::vector<std::pair<const Node *, size_t>> stack{{root, 0}};
  while (!stack.empty()) {
    auto &[node, next] = stack.back();
    if (next < node->inputs.size()) {
      const Node *input = node->inputs[next++];
      if (seen.insert(input).second && !skip(input))
        stack.push_back({input, 0});
      continue;
    }
    order.push_back(node);
    stack.pop_back();
  }
  return order;
}

namespace {

const char *kindName(NodeKind kind) {
  static const char *const names[] = {"tokens",    "indices",       "constant", "map",
                                      "select",    "and",           "or",       "not",
                                      "aggregate", "selector_width"};
  return names[static_cast<int>(kind)];
}

const char *mapOpName(MapOpKind op) {
  static const char *const names[] = {"atom",  "and",       "or",      "not", "neg",   "plus",
                                      "round", "indicator", "ternary", "in",  "lookup"};
  return names[static_cast<int>(op)];
}

const char *tokensName(TokensKind kind) {
  static const char *const names[] = {"str", "int", "float", "bool", "asis"};
  return names[static_cast<int>(kind)];
}

} // namespace

void graph::dumpGraph(const Node *root, llvm::raw_ostream &out,
                      const std::function<std::string(SourceLoc)> &where) {
  for (const Node *node : topologicalOrder(root)) {
    out << "%" << node->id << " = " << kindName(node->kind);
    switch (node->kind) {
    case NodeKind::Tokens:
      out << " " << tokensName(node->tokens);
      break;
    case NodeKind::Constant:
      out << " " << node->constant.repr();
      break;
    case NodeKind::Map:
      out << " "
          << (node->mapOp == MapOpKind::Atom ? atomOpSpelling(node->atomOp)
                                             : mapOpName(node->mapOp));
      for (const Operand &operand : node->operands) {
        if (operand.input >= 0)
          out << " %" << node->inputs[operand.input]->id;
        else
          out << " " << operand.constant.repr();
      }
      if (node->table)
        out << " " << node->table->text;
      break;
    case NodeKind::Select:
      out << " %" << node->inputs[0]->id << " %" << node->inputs[1]->id << " "
          << compareSpelling(node->cmp);
      break;
    case NodeKind::Aggregate:
      out << " %" << node->inputs[0]->id << " %" << node->inputs[1]->id << " default "
          << node->constant.repr();
      break;
    default:
      for (const Node *input : node->inputs)
        out << " %" << input->id;
      break;
    }
    out << "  ; " << node->name << " @" << where(node->loc) << "\n";
  }
}
