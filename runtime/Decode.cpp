// Reading an output from the residual stream, shared by every backend.
#include "runtime/Decode.h"

#include <algorithm>
#include <cmath>

using namespace rasp::runtime;

int64_t rasp::runtime::nearestLevel(const std::vector<double> &levels, double v) {
  if (levels.empty())
    return -1;
  if (std::is_sorted(levels.begin(), levels.end())) {
    auto it = std::lower_bound(levels.begin(), levels.end(), v);
    if (it == levels.end())
      return static_cast<int64_t>(levels.size()) - 1;
    if (it != levels.begin() && v - *(it - 1) < *it - v)
      --it;
    return it - levels.begin();
  }
  int64_t best = 0;
  for (size_t i = 1; i < levels.size(); ++i)
    if (std::abs(levels[i] - v) < std::abs(levels[best] - v))
      best = static_cast<int64_t>(i);
  return best;
}

DecodedValue rasp::runtime::decodeReadout(const Output &output, double readout) {
  DecodedValue out;
  out.value = readout;
  if (output.kind == OutputKind::Numerical) {
    out.choice = nearestLevel(output.levels, readout);
    if (out.choice < 0 && output.integral) {
      out.text = std::to_string(static_cast<long long>(std::nearbyint(readout)));
      return out;
    }
    out.text = out.choice >= 0 && out.choice < static_cast<int64_t>(output.labels.size())
                   ? output.labels[out.choice]
                   : std::to_string(readout);
    return out;
  }
  out.choice = static_cast<int64_t>(readout);
  out.text = out.choice >= 0 && out.choice < static_cast<int64_t>(output.labels.size())
                 ? output.labels[out.choice]
                 : "";
  return out;
}
