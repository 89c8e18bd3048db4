// The safetensors file format, read and written without the compiler.
//
// A file is (the format's own rules, which the official `safetensors`
// package enforces):
//   1. 8 bytes: N, the header's length, an unsigned little-endian integer;
//      N is at most MaxHeaderSize;
//   2. N bytes: the header, a UTF-8 JSON object that starts with '{' and may
//      end in spaces (our writer pads it so that the data start at a
//      multiple of 8). Each key names a tensor and maps to {"dtype": D,
//      "shape": [...], "data_offsets": [BEGIN, END]}; the optional key
//      "__metadata__" maps to an object of strings;
//   3. the data: each tensor's bytes, row-major and little-endian, at
//      [BEGIN, END) counted from the first byte after the header. The
//      tensors, sorted by offset, cover the data exactly: no gap, no
//      overlap, and END - BEGIN is the shape's product times D's size.
// Anything else is refused with a SafetensorsError that says what is wrong.
#pragma once

#include "runtime/Model.h"

#include <cstdint>
#include <map>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace rasp::runtime {

struct SafetensorsError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

/// The largest header the format allows (the official reader's limit).
constexpr uint64_t MaxHeaderSize = 100'000'000;

/// One tensor of a file: its name, dtype (`F32`, `I64`, ...), shape, and
/// where its bytes lie in the data.
struct TensorInfo {
  std::string name, dtype;
  std::vector<int64_t> shape;
  uint64_t begin = 0, end = 0;
};

/// A parsed file; `data` points into the bytes it was parsed from.
struct SafetensorsFile {
  std::vector<TensorInfo> tensors; ///< In the order of their offsets.
  std::map<std::string, std::string> metadata;
  std::string_view data;

  /// The tensor named `name`, or null.
  const TensorInfo *find(const std::string &name) const;
};

/// The size in bytes of one element of `dtype`, or 0 for a dtype the
/// format does not define.
uint64_t dtypeSize(const std::string &dtype);

/// Parses and checks a whole file (the rules above); throws
/// SafetensorsError.
SafetensorsFile parseSafetensors(std::string_view bytes);

/// A tensor as a matrix: it must be F32 and 2-D (rows x cols) or 1-D
/// (1 x cols); throws SafetensorsError otherwise.
Matrix tensorMatrix(const SafetensorsFile &file, const TensorInfo &tensor);

/// A file of float32 tensors, each 2-D (rows x cols), in the order given,
/// with `metadata` under "__metadata__" (left out when empty). Names must be
/// distinct and not "__metadata__".
std::string writeSafetensors(const std::vector<std::pair<std::string, const Matrix *>> &tensors,
                             const std::map<std::string, std::string> &metadata);

} // namespace rasp::runtime
