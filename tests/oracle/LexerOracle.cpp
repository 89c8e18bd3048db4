// Differential check of frontend::lexRasp against the generated RASPLexer.
#include "tests/oracle/LexerOracle.h"

#include "compiler/frontend/Lexer.h"

#include "RASPLexer.h"

#include <vector>

using rasp::grammar::RASPLexer;

std::string rasp::testing::compareWithAntlrLexer(const std::string &text) {
  // ANTLR indexes code points, after dropping a leading byte order mark;
  // map them to byte offsets.
  std::vector<size_t> byteOf;
  bool bom = text.compare(0, 3, "\xEF\xBB\xBF") == 0;
  for (size_t i = bom ? 3 : 0; i < text.size(); ++i)
    if ((static_cast<unsigned char>(text[i]) & 0xC0) != 0x80)
      byteOf.push_back(i);
  byteOf.push_back(text.size());

  antlr4::ANTLRInputStream input(text);
  RASPLexer antlrLexer(&input);
  antlrLexer.removeErrorListeners();
  antlr4::CommonTokenStream antlrTokens(&antlrLexer);
  antlrTokens.fill();
  std::unique_ptr<frontend::TokenBuffer> ours = frontend::lexRasp(text, "t");

  std::vector<size_t> antlrComments;
  size_t k = 0;
  for (antlr4::Token *theirs : antlrTokens.getTokens()) {
    size_t start =
        theirs->getType() == antlr4::Token::EOF ? text.size() : byteOf[theirs->getStartIndex()];
    if (theirs->getType() == RASPLexer::Comment) {
      antlrComments.push_back(start);
      continue;
    }
    if (k >= ours->tokens().size())
      return "ours ends early, before " + theirs->toString();
    const frontend::RaspToken &mine = ours->tokens()[k++];
    size_t end =
        theirs->getType() == antlr4::Token::EOF ? text.size() : byteOf[theirs->getStopIndex() + 1];
    if (mine.getType() != theirs->getType() || mine.getStartIndex() != start ||
        mine.getStopIndex() + 1 != end || mine.getLine() != theirs->getLine() ||
        mine.getText() != theirs->getText())
      return "token " + std::to_string(k - 1) + ": ours " + mine.toString() + ", ANTLR's " +
             theirs->toString();
  }
  if (k != ours->tokens().size())
    return "ours has extra tokens, from " + ours->tokens()[k].toString();
  std::vector<size_t> ourComments(ours->comments().begin(), ours->comments().end());
  if (ourComments != antlrComments)
    return "the comments differ (" + std::to_string(ourComments.size()) + " ours, " +
           std::to_string(antlrComments.size()) + " ANTLR's)";
  return "";
}
