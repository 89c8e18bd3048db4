// Attention scores from boolean tables: the query and key weights of one
// head, which knows nothing of the RASP graph.
//
// Every group g adds S * T_g[q][k] for the query's and the key's values;
// BOS (key block `bos`) scores S * bosScore for every query, so with G
// groups a selected key reaches S*G and BOS sits at S*(G - 1/2) for an
// aggregate (it wins only when nothing is selected) or above S*G for a
// selector width. The BOS query attends to BOS alone.
//
// A group's table becomes head dimensions in one of two forms:
//   1. Plain: one dimension per value of the smaller side, reading that
//      value on its side and the sum of the values it selects (or that
//      select it) on the other. Nonzeros: the table's ones.
//   2. Chunked, for a table of at least `chunkedFrom` values on each side
//      whose rows nest (a staircase: every comparison <, <=, >, >= of
//      ordered values, and lexicographic orders): some order of the smaller
//      side's values makes every row of the other side one prefix of it.
//      The order is cut in chunks of about sqrt(K) values; one dimension per
//      chunk scores the chunks a prefix covers whole, and one per value the
//      rest of the chunk where the prefix ends. The sum is the table's 0 or
//      1 exactly, with about sqrt(K) more dimensions and about sqrt(K)
//      times fewer nonzeros than the plain form.
#pragma once

#include "compiler/codegen/plan/Plan.h"
#include "compiler/support/BitMatrix.h"

namespace rasp::codegen {

/// One term of a score: readings of the query's and key's values (each
/// reading is 1 when the position holds that value, else 0) and the table.
struct ScoreGroup {
  std::vector<LinearForm> queryReads;
  std::vector<LinearForm> keyReads;
  BitMatrix table; ///< [query value][key value]
};

struct ScoreOptions {
  double scale = 0;
  double bosScore = 0; ///< In units of `scale`.
  int oneDim = 0, bosDim = 0;
  /// The smallest table side for the chunked form.
  size_t chunkedFrom = 1024;
};

/// Fills head.query and head.key.
void buildScores(const std::vector<ScoreGroup> &groups, const ScoreOptions &options,
                 HeadPlan &head);

} // namespace rasp::codegen
