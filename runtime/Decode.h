// Reading an output from the residual stream, shared by every backend: the
// readout of one position (an argmax index, or a number) becomes the value,
// the choice and the text of RunResult.
#pragma once

#include "runtime/Model.h"

#include <cstdint>
#include <string>
#include <vector>

namespace rasp::runtime {

/// The index of the level nearest to v, or -1 without levels.
int64_t nearestLevel(const std::vector<double> &levels, double v);

/// One output at one position, decoded.
struct DecodedValue {
  std::string text;
  double value = 0;
  int64_t choice = -1;
};

/// Decodes `readout`: for a categorical output the index of its largest
/// dimension (the label it names), for a numerical one the number read
/// (reported as the nearest level when there are levels, as the nearest
/// integer when the output is integral and has none).
DecodedValue decodeReadout(const Output &output, double readout);

} // namespace rasp::runtime
