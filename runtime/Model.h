// A transformer model as the compiler produces it: configuration, named
// weight tensors, residual-stream labels, and the input and output codecs.
//
// The architecture (DESIGN.md §2): the input is BOS followed by the tokens;
// x0 = token embedding + position embedding; each layer adds multi-head
// attention (scores (x W_Q)(x W_K)^T scaled by `softmaxScale`, softmax over
// all positions, or the earlier ones when `causal`) and then an MLP
// (ReLU(x W1 + b1) W2 + b2); no layer norm. Outputs are read from named
// residual dimensions: argmax for a categorical output, the value for a
// numerical one. This library never includes the compiler: a loaded model
// runs on its own.
#pragma once

#include <cstdint>
#include <cstdlib>
#include <new>
#include <string>
#include <utility>
#include <vector>

namespace rasp::runtime {

/// Memory that comes zeroed (calloc: large blocks are fresh pages the system
/// has zeroed already), whose value-initialised elements are left as they
/// are, so that a large zero matrix is not written twice.
template <typename T> struct ZeroedAllocator {
  using value_type = T;
  ZeroedAllocator() = default;
  template <typename U> ZeroedAllocator(const ZeroedAllocator<U> &) {}
  T *allocate(std::size_t n) {
    void *p = std::calloc(n, sizeof(T));
    if (!p)
      throw std::bad_alloc();
    return static_cast<T *>(p);
  }
  void deallocate(T *p, std::size_t) { std::free(p); }
  template <typename U> void construct(U *) {} // Zero already (floats only).
  template <typename U, typename... Args> void construct(U *p, Args &&...args) {
    ::new (static_cast<void *>(p)) U(std::forward<Args>(args)...);
  }
  template <typename U> bool operator==(const ZeroedAllocator<U> &) const { return true; }
  template <typename U> bool operator!=(const ZeroedAllocator<U> &) const { return false; }
};

/// A dense row-major matrix of floats (weights are stored in float32).
struct Matrix {
  int64_t rows = 0;
  int64_t cols = 0;
  std::vector<float, ZeroedAllocator<float>> data;

  Matrix() = default;
  Matrix(int64_t rows, int64_t cols) : rows(rows), cols(cols), data(rows * cols) {}
  float &at(int64_t r, int64_t c) { return data[r * cols + c]; }
  float at(int64_t r, int64_t c) const { return data[r * cols + c]; }
  int64_t nonzeros() const;
};

struct Head {
  Matrix wq; ///< d_model x d_head
  Matrix wk; ///< d_model x d_head
  Matrix wv; ///< d_model x d_value
  Matrix wo; ///< d_value x d_model
};

struct Mlp {
  Matrix w1; ///< d_model x hidden
  Matrix b1; ///< 1 x hidden
  Matrix w2; ///< hidden x d_model
  Matrix b2; ///< 1 x d_model
};

struct Layer {
  std::vector<Head> heads;
  Mlp mlp; ///< hidden width 0: no MLP in this layer.
};

enum class OutputKind { Categorical, Numerical };

/// How to read one output from the residual stream.
struct Output {
  std::string name;
  OutputKind kind = OutputKind::Categorical;
  /// Categorical: the dimensions of the one-hot block and the value each
  /// stands for. Numerical: the dimensions of a linear readout.
  std::vector<int64_t> dims;
  /// Numerical: the weight of each dimension (none: 1 on dims[0]).
  std::vector<double> weights;
  std::vector<std::string> labels;
  /// Numerical, optional: the numbers the output can take (labels[i] names
  /// levels[i]); the value read is reported as the nearest of them.
  std::vector<double> levels;
  /// Numerical without levels: the output's values are integers, too many
  /// to list; the value read is reported as the nearest integer.
  bool integral = false;
};

/// A named block of residual dimensions: one s-op's one-hot (a dimension
/// per value) or its number.
struct Block {
  std::string name;
  int64_t first = 0;
  bool categorical = false;
  std::vector<std::string> values; ///< Categorical: the value of each dimension.

  int64_t width() const { return categorical ? static_cast<int64_t>(values.size()) : 1; }
};

struct ModelConfig {
  int64_t dModel = 0;
  int64_t maxLen = 0; ///< Longest input, not counting BOS.
  float softmaxScale = 1.0f;
  bool causal = false;
};

struct Model {
  ModelConfig config;
  /// The vocabulary; token id i is vocab[i], and id vocab.size() is BOS.
  std::vector<std::string> vocab;
  Matrix tokenEmbedding;    ///< (vocab + 1) x d_model
  Matrix positionEmbedding; ///< (maxLen + 1) x d_model
  std::vector<Layer> layers;
  /// A name per residual dimension (`sop:value`, `sop`, `one`, `bos`, ...).
  std::vector<std::string> residualLabels;
  /// The same dimensions grouped into blocks, in order.
  std::vector<Block> blocks;
  std::vector<Output> outputs;

  int64_t bosId() const { return static_cast<int64_t>(vocab.size()); }
  /// Every weight tensor with its name (`token_embedding`,
  /// `layer1.head0.W_Q`, `layer1.mlp.W1`, ...), in a fixed order.
  std::vector<std::pair<std::string, const Matrix *>> namedTensors() const;
  /// The input codec: the token ids of tokens given by their vocabulary
  /// labels; throws std::invalid_argument naming an unknown token.
  std::vector<int64_t> encodeTokens(const std::vector<std::string> &tokens) const;
  /// Decodes one residual stream ((n + 1) x d_model, row-major, BOS first,
  /// as traces hold it) into every block's value at each token position:
  /// the value of the largest dimension of a categorical block ("-" while
  /// every dimension is below 1/2: not written yet), the number of a
  /// numerical one.
  std::vector<std::pair<std::string, std::vector<std::string>>>
  decodeResidual(const std::vector<double> &residual) const;
  /// Dense parameter count and nonzero count, over every matrix.
  int64_t parameters() const;
  int64_t nonzeroParameters() const;
  /// Checks that every shape fits the configuration; "" if so, else why not.
  std::string validate() const;
};

} // namespace rasp::runtime
