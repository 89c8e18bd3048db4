// Unit tests of the language server's UTF-16 positions (compiler/lsp/Text.h)
// and of the diagnostics sink the server collects diagnostics with.
#include "compiler/lsp/Text.h"
#include "compiler/support/Diagnostics.h"

#include "llvm/Support/raw_ostream.h"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

using namespace rasp;
using namespace rasp::lsp;

namespace {

/// A character, its UTF-8 bytes and its length in UTF-16 code units.
struct Piece {
  const char *bytes;
  uint32_t units;
};

const Piece Pieces[] = {
    {"a", 1},    {"\xc3\xa9", 1}, {"\xe2\x82\xac", 1}, {"\xf0\x9f\x98\x80", 2}, {"\n", 1},
    {"\r\n", 2}, {" ", 1}};

TEST(LspText, PositionsMatchACountingOracle) {
  std::mt19937 random(7);
  for (int round = 0; round < 200; ++round) {
    // The text, and by construction the position of every character start.
    std::string text;
    std::vector<std::pair<uint32_t, Position>> starts;
    Position at;
    for (int n = random() % 30; n > 0; --n) {
      const Piece &piece = Pieces[random() % std::size(Pieces)];
      starts.push_back({static_cast<uint32_t>(text.size()), at});
      text += piece.bytes;
      if (piece.bytes[0] == '\n' || piece.bytes[1] == '\n') {
        at = {at.line + 1, 0};
      } else {
        at.character += piece.units;
      }
    }
    starts.push_back({static_cast<uint32_t>(text.size()), at});
    LineIndex lines(text);
    for (const auto &[offset, pos] : starts) {
      Position got = lines.position(offset);
      EXPECT_EQ(got.line, pos.line) << "offset " << offset << " of '" << text << "'";
      EXPECT_EQ(got.character, pos.character) << "offset " << offset << " of '" << text << "'";
      EXPECT_EQ(lines.offset(pos), offset) << "position " << pos.line << ":" << pos.character;
    }
  }
}

TEST(LspText, PositionsPastTheEndAreClamped) {
  std::string text = "ab\r\ncd\n\xf0\x9f\x98\x80x";
  LineIndex lines(text);
  EXPECT_EQ(lines.offset({0, 100}), 2u);          // Before "\r\n".
  EXPECT_EQ(lines.offset({1, 100}), 6u);          // Before "\n".
  EXPECT_EQ(lines.offset({2, 1}), 7u);            // Inside the pair: its start.
  EXPECT_EQ(lines.offset({2, 2}), 11u);           // After the pair: "x".
  EXPECT_EQ(lines.offset({2, 100}), text.size()); // The last line's end.
  EXPECT_EQ(lines.offset({9, 0}), text.size());   // Past the last line.
  EXPECT_EQ(lines.position(1000).line, 2u);       // Offsets too.
  EXPECT_EQ(lines.position(1000).character, 3u);
  EXPECT_EQ(lines.lineCount(), 3u);
}

TEST(LspText, BytesThatAreNotUtf8CountOnceEach) {
  std::string text = "\xff\xfe"
                     "a";
  LineIndex lines(text);
  EXPECT_EQ(lines.position(2).character, 2u);
  EXPECT_EQ(lines.offset({0, 2}), 2u);
}

TEST(DiagnosticSink, CollectsInsteadOfPrinting) {
  std::string printed;
  llvm::raw_string_ostream out(printed);
  DiagnosticEngine diags(&out);
  FileId file = diags.addFile("f.rasp", "x = 1;\ny = 2;\n");
  std::vector<Diagnostic> got;
  diags.setSink([&](const Diagnostic &d) { got.push_back(d); });
  diags.error(diags.locate(file, 7, 8), "first");
  diags.note(diags.locate(file, 0, 1), "about it");
  diags.error("unlocated");
  ASSERT_EQ(got.size(), 3u);
  EXPECT_FALSE(got[0].isNote);
  EXPECT_EQ(got[0].loc.line, 2u);
  EXPECT_EQ(got[0].message, "first");
  EXPECT_TRUE(got[1].isNote);
  EXPECT_FALSE(got[2].loc.isValid());
  EXPECT_EQ(diags.errorCount(), 2u);
  EXPECT_EQ(out.str(), "");
  diags.setSink(nullptr); // Printing again.
  diags.error(diags.locate(file, 0, 1), "printed");
  EXPECT_NE(out.str().find("f.rasp:1:1: error: printed"), std::string::npos);
}

} // namespace
