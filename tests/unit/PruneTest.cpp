// Pruning: a hand-made plan with an unread block, checked for what is
// dropped, how the residual is renumbered, and that the kept weights still
// read and write the same blocks.
#include "compiler/codegen/assemble/Prune.h"

#include <gtest/gtest.h>

using namespace rasp;
using namespace rasp::codegen;

namespace {

Block block(const std::string &label, int firstDim, int width) {
  Block f;
  f.label = label;
  f.encoding = width == 1 ? EncodingKind::Numerical : EncodingKind::Categorical;
  for (int i = 0; i < width; ++i)
    f.values.push_back(Atom::integer(i));
  f.levels.assign(width == 1 ? 1 : 0, 0.0);
  f.firstDim = firstDim;
  f.bosRow.assign(width, 0.0);
  return f;
}

/// one [0], bos [1], tokens [2..3], unread [4..6] (written by an MLP block
/// that reads tokens), read [7] (written by a head reading tokens), out [8]
/// (written by an MLP reading `read`).
ModelPlan plan() {
  ModelPlan p;
  p.dModel = 9;
  p.blocks = {block("one", 0, 1),    block("bos", 1, 1),  block("tokens", 2, 2),
              block("unread", 4, 3), block("read", 7, 1), block("out", 8, 1)};
  p.tokenRows = {{{0, 1.0}, {2, 1.0}}, {{0, 1.0}, {3, 1.0}}, {{0, 1.0}, {1, 1.0}}};
  p.positionRows = {{}, {}};
  p.layers.resize(2);
  HeadPlan head;
  head.query = {{{2, 1.0}}};
  head.key = {{{3, 1.0}}};
  head.value = {{{2, 1.0}}, {{3, 1.0}}};
  head.outDims = {7, 5}; // the second output writes the unread block
  p.layers[0].heads.push_back(head);
  p.layers[0].mlps.push_back(
      {"unread", {{{{2, 1.0}}, 0.0, {{4, 1.0}}}, {{{3, 1.0}}, 0.0, {{6, 1.0}}}}});
  p.layers[1].mlps.push_back({"out", {{{{7, 2.0}, {0, -1.0}}, 0.5, {{8, 1.0}}}}});
  p.output.encoding = EncodingKind::Numerical;
  p.output.form = {{8, 1.0}};
  return p;
}

} // namespace

TEST(PruneTest, DropsUnreadBlocksAndRenumbersTheRest) {
  ModelPlan p = plan();
  pruneUnread(p);
  // The unread block's 3 dimensions go: read moves 7 -> 4, out 8 -> 5.
  EXPECT_EQ(p.dModel, 6);
  ASSERT_EQ(p.blocks.size(), 5u);
  EXPECT_EQ(p.blocks[3].label, "read");
  EXPECT_EQ(p.blocks[3].firstDim, 4);
  EXPECT_EQ(p.blocks[4].firstDim, 5);
  // The MLP block writing it is gone; the head keeps only its read output.
  EXPECT_TRUE(p.layers[0].mlps.empty());
  ASSERT_EQ(p.layers[0].heads.size(), 1u);
  EXPECT_EQ(p.layers[0].heads[0].outDims, std::vector<int>{4});
  ASSERT_EQ(p.layers[0].heads[0].value.size(), 1u);
  EXPECT_EQ(p.layers[0].heads[0].value[0], (LinearForm{{2, 1.0}}));
  // The second layer's unit reads `read` at its new place and writes `out`.
  const HiddenUnit &unit = p.layers[1].mlps.at(0).units.at(0);
  EXPECT_EQ(unit.in, (LinearForm{{4, 2.0}, {0, -1.0}}));
  EXPECT_EQ(unit.out, (LinearForm{{5, 1.0}}));
  EXPECT_EQ(p.output.form, (LinearForm{{5, 1.0}}));
  // Embedding rows keep their (unmoved) dimensions.
  EXPECT_EQ(p.tokenRows[1], (LinearForm{{0, 1.0}, {3, 1.0}}));
}

TEST(PruneTest, KeepsAPlanWhoseBlocksAreAllRead) {
  ModelPlan p = plan();
  p.layers[0].heads[0].outDims = {7, 7}; // nothing writes the unread block...
  p.layers[0].mlps.clear();
  p.blocks[3].label = "read later";
  p.layers[1].mlps[0].units[0].in.emplace_back(5, 1.0); // ...and it is read
  pruneUnread(p);
  EXPECT_EQ(p.dModel, 9);
  EXPECT_EQ(p.blocks.size(), 6u);
  EXPECT_EQ(p.output.form, (LinearForm{{8, 1.0}}));
}
