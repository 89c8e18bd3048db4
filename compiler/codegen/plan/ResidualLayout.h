// Stage 6b, the plan's residual layout: the blocks of residual dimensions
// made so far, each holding one s-op (categorically, one dimension per value,
// or numerically, one dimension), in the order they are added.
//
// Every part of the planner adds and reads blocks through this class:
//   1. it starts with `one` (1 at every position) and `bos` (1 at BOS only);
//   2. add() appends a block after the last one and records which s-op it
//      holds; addMadeByMlp() sets its time to the MLP after its inputs;
//   3. find() and best() give the block holding an s-op, reading() and
//      encode() the linear forms that read a value or write one.
// Times: 0 is the embeddings, 2l-1 the attention of layer l, 2l its MLP.
#pragma once

#include "compiler/codegen/plan/Plan.h"
#include "compiler/graph/Graph.h"

#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

namespace rasp::codegen {

/// The smallest attention time (odd) and MLP time (even, >= 2) after t.
int attentionAfter(int t);
int mlpAfter(int t);

class ResidualLayout {
public:
  /// The layout with `one` and `bos`.
  ResidualLayout();

  /// Appends block b holding `node` (null: a block no s-op is read from).
  int add(const graph::Node *node, Block b);
  /// Appends a block made by the MLP after `inputsTime`.
  int addMadeByMlp(const graph::Node *node, Block b, int inputsTime);
  /// Records that block f holds `node`'s value classes, without making it
  /// the block find() and best() give for `node`.
  void setClassesOf(int f, const graph::Node *node) { nodes[f] = node; }
  /// Removes block f, which must be the last one added.
  void dropLast(int f);

  /// While one lives, blocks added without a Block::why of their own get
  /// `why` (the innermost one living): what the block is made for.
  class Because {
  public:
    Because(ResidualLayout &layout, std::string why) : layout(layout) {
      layout.reasons.push_back(std::move(why));
    }
    ~Because() { layout.reasons.pop_back(); }
    Because(const Because &) = delete;
    Because &operator=(const Because &) = delete;

  private:
    ResidualLayout &layout;
  };

  const Block &block(int f) const { return blocks[f]; }
  Block &block(int f) { return blocks[f]; }
  /// The s-op block f holds (or whose classes it holds); null for `one`/`bos`.
  const graph::Node *node(int f) const { return nodes[f]; }
  size_t size() const { return blocks.size(); }
  int dModel() const { return width; }
  int oneDim() const { return one; }
  int bosDim() const { return bos; }

  /// The block of `node` in `encoding` (numerical: one whose levels are its
  /// values), or -1.
  int find(const graph::Node *node, EncodingKind encoding) const;
  /// The block to read `node` from: the earliest made, categorical on a tie
  /// (or whenever one exists, with `preferCategorical`); -1 when none.
  int best(const graph::Node *node, bool preferCategorical) const;
  /// The dimensions of block f, one per value (one for a numerical block).
  std::vector<int> dims(int f) const;
  /// The latest time of the given blocks (0 for none).
  int latest(const std::vector<int> &blocks) const;
  /// The block holding dimension `dim`.
  int blockAt(int dim) const;
  /// The largest magnitude dimension `dim` holds: 1 for a one-hot or the
  /// constants, the largest level's for a number (1 when not listed).
  double magnitude(int dim) const;
  /// The largest one-hot error (Block::oneHotError) of the blocks a form
  /// reads.
  double oneHotError(const LinearForm &form) const;
  /// How far a form may be from the number it reads, from the errors of
  /// the blocks an MLP made that it reads (Block::numberError, and
  /// Block::oneHotError per dimension of a one-hot), each times its weight.
  double numberError(const LinearForm &form) const;
  /// A block's name for plan descriptions: its label and encoding.
  std::string name(int f) const;

  /// 1 where the position holds value i of categorical block f, else 0
  /// (0 at BOS too).
  LinearForm reading(int f, int i) const;
  /// The number numerical block f holds (0 at BOS).
  LinearForm numericReading(int f) const;
  /// The encoding of value v in block f (empty for a failed value, or 0).
  LinearForm encode(int f, const std::optional<Atom> &v) const;

  /// The blocks, in residual order, for the finished plan.
  std::vector<Block> release() { return std::move(blocks); }

private:
  std::vector<std::string> reasons;
  std::vector<Block> blocks;
  std::vector<const graph::Node *> nodes;
  std::unordered_map<const graph::Node *, std::vector<int>> byNode;
  /// Per categorical block, the dimension of each value (made on first use).
  mutable std::unordered_map<int, std::unordered_map<Atom, int, AtomHash, AtomEq>> valueIndex;
  int width = 0, one = 0, bos = 0;
};

} // namespace rasp::codegen
