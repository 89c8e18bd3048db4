// The plan's heads: clean copies of the one-hots MLPs made, for a count
// head whose shares their rounding would blur (PlanOptions::spendLayers).
#include "compiler/codegen/plan/HeadPlannerImpl.h"

#include <algorithm>
#include <cmath>

using namespace rasp;
using namespace rasp::codegen;

namespace {

/// A dimension of a clean copy: 2x - 0.5 and 2x - 1.5 through ReLUs, their
/// difference: exactly 0 for x <= 1/4, exactly 1 for x >= 3/4.
double cleaned(double x) { return std::max(2 * x - 0.5, 0.0) - std::max(2 * x - 1.5, 0.0); }

/// Float32 rounding of a clean dimension: each pre-activation sums two
/// exact terms (2x, a power of two times x, and the constant) once, within
/// half a unit in the last place of 1.5, and so does their difference.
constexpr double CleanError = 4e-7;

} // namespace

bool HeadPlanner::sharesTooClose(std::vector<double> levels, double relativeNoise) {
  std::sort(levels.begin(), levels.end());
  if (levels.size() < 2)
    return false;
  double lo = levels.front(), hi = levels.back();
  for (size_t i = 1; i < levels.size(); ++i) {
    double gap = levels[i] - levels[i - 1];
    if (gap <= 0)
      continue;
    // As a lookup reading the share steps between them (addStep).
    double slope = 2.0 / gap, threshold = (levels[i] + levels[i - 1]) / 2;
    double magnitude = slope * std::max(hi - threshold, threshold - lo);
    if (!stepFitsFloat32(slope, relativeNoise * levels[i], magnitude))
      return true;
  }
  return false;
}

int HeadPlanner::cleanCopy(int f) {
  if (auto it = cleanCopies.find(f); it != cleanCopies.end())
    return it->second;
  Block out;
  const Block &source = layout.block(f);
  out.label = source.label + " (clean)";
  out.encoding = EncodingKind::Categorical;
  out.values = source.values;
  for (double x : source.bosRow)
    out.bosRow.push_back(cleaned(x));
  out.why = "a clean copy of '" + source.label +
            "' for a head that counts by BOS's share: its dimensions are off by up to " +
            Atom::real(source.oneHotError).repr() +
            " (its steps' rounding), which the softmax scale multiplies; two units a value "
            "make each dimension 0 or 1 to within 4e-7";
  std::string from = "'" + source.label + "'";
  int sourceFirst = source.firstDim, width = source.width(), time = source.time;
  int c = layout.addMadeByMlp(nullptr, std::move(out), time);
  int first = layout.block(c).firstDim;
  std::vector<HiddenUnit> units;
  for (int v = 0; v < width; ++v) {
    HiddenUnit up, down;
    up.in = {{layout.oneDim(), -0.5}, {sourceFirst + v, 2.0}};
    down.in = {{layout.oneDim(), -1.5}, {sourceFirst + v, 2.0}};
    std::sort(up.in.begin(), up.in.end());
    std::sort(down.in.begin(), down.in.end());
    up.out = {{first + v, 1.0}};
    down.out = {{first + v, -1.0}};
    units.push_back(std::move(up));
    units.push_back(std::move(down));
  }
  cx.addMlp(c, "'" + layout.block(c).label + "'", "from " + from, std::move(units), nullptr);
  layout.block(c).oneHotError = CleanError;
  cleanCopies[f] = c;
  return c;
}

bool HeadPlanner::cleanScores(Scores &scores) {
  bool any = false;
  auto clean = [&](std::vector<LinearForm> &reads) {
    for (LinearForm &form : reads) {
      for (auto &[dim, w] : form) {
        int f = layout.blockAt(dim);
        double error = layout.block(f).oneHotError;
        // (Past 1/4 a dimension is no longer a clean step's input.)
        if (layout.block(f).encoding != EncodingKind::Categorical || error <= CleanError ||
            error >= 0.25)
          continue;
        int c = cleanCopy(f);
        dim += layout.block(c).firstDim - layout.block(f).firstDim;
        scores.time = std::max(scores.time, layout.block(c).time);
        any = true;
      }
      std::sort(form.begin(), form.end());
    }
  };
  for (ScoreGroup &g : scores.groups) {
    clean(g.queryReads);
    clean(g.keyReads);
  }
  if (any)
    scores.lines.push_back("score: reads clean copies of the one-hots MLPs made (a layer later), "
                           "so that its shares stay apart");
  return any;
}
