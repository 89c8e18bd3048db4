// The layer/head IR (IR 2): what a compiled transformer computes, with every
// weight as a sparse list, before it is laid out as dense matrices.
//
// A plan is a residual layout (blocks: named blocks of dimensions that
// hold one s-op each, categorically as a one-hot or numerically as one
// number), embedding rows, and per layer its heads and its MLP units. Times
// order what is available when: 0 is the embeddings, 2l-1 the attention of
// layer l and 2l its MLP; a block made at time t can be read at any later
// time. `dumpPlan` prints it (`rasp compile --emit=plan`).
#pragma once

#include "compiler/atom/Atom.h"

#include <string>
#include <utility>
#include <vector>

namespace llvm {
class raw_ostream;
}

namespace rasp::codegen {

enum class EncodingKind { Categorical, Numerical };

/// A linear form over residual dimensions: sum of weight * x[dim].
using LinearForm = std::vector<std::pair<int, double>>;

/// A block of residual dimensions holding one s-op.
struct Block {
  std::string label; ///< The s-op's name (plus a suffix for auxiliaryBlock blocks).
  EncodingKind encoding = EncodingKind::Categorical;
  /// The values the block can hold: one dimension each when categorical.
  std::vector<Atom> values;
  /// Numerical: the number held for values[i] (for a selector width's raw
  /// block, the attention share of BOS; otherwise the value itself).
  std::vector<double> levels;
  /// Numerical blocks whose levels are their values can be read linearly.
  bool levelsAreValues = true;
  /// Whether a value stands for a class of the s-op's values (an any head's
  /// "some key": one value for every count from 1): what the value sets
  /// per length say of the value itself does not hold of the class.
  bool representative = false;
  /// Otherwise, what a level is, for the dumps ("the mean of the indices,
  /// (n - 1) / 2, for length n"), per value.
  std::string levelsAre;
  /// Numerical blocks whose float32 error grows with the level held: per
  /// unit of level, the relative error (0: PlanContext::noiseOf's bound,
  /// which scales with the largest level, applies). A BOS share is one.
  double relativeNoise = 0;
  /// A numerical block whose value set is too large to enumerate (values
  /// and levels empty): read only linearly (sums, differences, constant
  /// multiples, a mean of it, the output); a lookup that reads it is refused
  /// with the set's error.
  bool valuesUnknown = false;
  /// For a categorical block an MLP made: how far each dimension may be
  /// from its 0 or 1, the float32 rounding of its units' outputs (about one
  /// unit in the last place of their largest pre-activation, where
  /// saturated steps cancel). A head's scores multiply it by the softmax
  /// scale.
  double oneHotError = 0;
  /// For a numerical block an MLP made, or a head's mean of such numbers:
  /// how far its number may be from its level, the float32 rounding of the
  /// MLP's units (LookupSpec::outputError), which a mean keeps. Lookups
  /// that read it add it to their input's noise.
  double numberError = 0;
  /// For a numerical block a head wrote: how far its mean may move because
  /// the scores of the keys it averages are off by the one-hot errors of
  /// the blocks they read (added to PlanContext::noiseOf's bound).
  double scoreNoise = 0;
  int firstDim = 0;
  int time = 0;
  /// What the block holds at the BOS position, per dimension.
  std::vector<double> bosRow;
  std::string producer; ///< "embedding", "L1 head 0", "L1 MLP".
  /// Why the block is in this encoding, for the plan dump: what reads it,
  /// or the rule that chose it ("a side of a select: selects compare
  /// one-hots"); empty where nothing chose (`one`, `bos`).
  std::string why;

  int width() const {
    return encoding == EncodingKind::Categorical ? static_cast<int>(values.size()) : 1;
  }
};

/// One attention head: score(q, k) = (x_q . query[j]) (x_k . key[j]) summed
/// over j; output dimension outDims[c] += softmax-mean of (x . value[c]).
struct HeadPlan {
  std::vector<std::string> description;
  std::vector<LinearForm> query, key;
  std::vector<LinearForm> value;
  std::vector<int> outDims;
};

/// ReLU(x . in + bias), added to the residual through `out`.
struct HiddenUnit {
  LinearForm in;
  double bias = 0;
  LinearForm out;
};

/// The units of one MLP that compute one block.
struct MlpBlock {
  std::string description;
  std::vector<HiddenUnit> units;
};

struct LayerPlan {
  std::vector<HeadPlan> heads;
  std::vector<MlpBlock> mlps;
};

/// How the output s-op is read: argmax over one-hot dimensions, or a
/// linear form (a numerical block, or a sum of several).
struct OutputPlan {
  std::string label;
  EncodingKind encoding = EncodingKind::Categorical;
  /// Why it is read so, for the plan dump.
  std::string why;
  std::vector<Atom> values;
  std::vector<double> levels; ///< Numerical: values[i] as a number.
  std::vector<int> dims;      ///< Categorical: one per value.
  LinearForm form;            ///< Numerical: the number read.
  /// Numerical without values: they are integers, too many to list, and
  /// the number read is decoded as the nearest integer.
  bool integral = false;
  int time = 0;
};

struct ModelPlan {
  std::vector<Atom> vocab;
  int64_t maxLen = 0;
  double scale = 0; ///< The softmax sharpness S built into W_Q.
  int dModel = 0;
  std::vector<Block> blocks;            ///< In residual order.
  std::vector<LinearForm> tokenRows;    ///< Per vocabulary item, then BOS.
  std::vector<LinearForm> positionRows; ///< Positions 0 (BOS) .. maxLen.
  std::vector<LayerPlan> layers;
  OutputPlan output;
  std::vector<std::string> notes;
};

void dumpPlan(const ModelPlan &plan, llvm::raw_ostream &out);

/// "N values" for a categorical block of N values, else "numerical".
std::string describeEncoding(EncodingKind encoding, size_t values);

} // namespace rasp::codegen
