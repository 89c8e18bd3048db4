// The hand-written lexer agrees with the ANTLR-generated lexer on every token.
#include "tests/oracle/LexerOracle.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

using rasp::testing::compareWithAntlrLexer;

namespace {

TEST(LexerTest, AgreesOnTrickyLexemes) {
  const char *cases[] = {
      "s-op s-opx s - op sx-op full seq display full seq  display fullx",
      "select(select (selectx(aggregate(range(zip(len(lenx(",
      "exit exit() exit( ) exit(x) quit() quitx() round(indicator (",
      "1 12 1.5 1. .5 1.5.5 1..2 1e3 1.5e3 12abc 1_ 0.0 007",
      "\"str\" \"\" \"open\n\"a\"b\" 'single' 'open\n''",
      "== = != ! <= < >= > ^ * / % + - ; , : ( ) [ ] { }",
      "# comment\nx # trailing\r\n#\n#no newline",
      "a\tb\rc\r\nd \x0c e \x01 \x7f",
      "é ü \"naïve\" x€y 日本 # ünïcode\n",
      "True False tokens indices example examples on off set show load draw",
      "def for in return if else not and or",
      "",
      "   ",
      "@$?`~\\",
      "\xEF\xBB\xBFx = 1; \xEF\xBB\xBF",
  };
  for (const char *text : cases)
    EXPECT_EQ(compareWithAntlrLexer(text), "") << "on: " << text;
}

TEST(LexerTest, AgreesOnEveryRaspFileOfTheRepository) {
  namespace fs = std::filesystem;
  unsigned files = 0;
  for (const char *dir : {"examples", "stdlib", "tests"}) {
    for (const auto &entry : fs::recursive_directory_iterator(fs::path(RASP_SOURCE_DIR) / dir)) {
      if (entry.path().extension() != ".rasp")
        continue;
      std::ifstream in(entry.path(), std::ios::binary);
      std::stringstream text;
      text << in.rdbuf();
      EXPECT_EQ(compareWithAntlrLexer(text.str()), "") << entry.path();
      ++files;
    }
  }
  EXPECT_GT(files, 10u);
}

} // namespace
