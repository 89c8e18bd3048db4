// Internal to the front end's syntax errors (SyntaxErrors.cpp and
// SyntaxMessages.cpp): what the message rules look at (Site), what they
// produce (Explanation), token predicates, and the two rules that explain
// an error: by what the parser expected at it, and by walking the
// expression it is in.
#pragma once

#include "compiler/frontend/Lexer.h"
#include "compiler/frontend/TokenLocator.h"

#include "RASPLexer.h"

#include "antlr4-runtime.h"
#include "llvm/ADT/StringRef.h"

#include <optional>
#include <string>

namespace rasp::frontend::syntax {

using rasp::grammar::RASPLexer;

/// The literal text of a keyword or punctuation token type, or "".
std::string literalOf(const antlr4::dfa::Vocabulary &vocab, size_t type);

bool isKeywordLike(llvm::StringRef text);

/// How a token is named in a message.
std::string describe(const antlr4::Token *token);

bool isLexicalError(const antlr4::Token *token);

/// The token that closes the bracket `opener` (which may be `select(` etc.).
std::string closerOf(llvm::StringRef opener);

bool isOpener(llvm::StringRef text);

bool isCloser(llvm::StringRef text);

/// Tokens after which an expression must follow.
bool isOperatorLike(llvm::StringRef text);

/// Operators between two operands (`if` and `else` of the ternary too).
bool isBinaryOperator(llvm::StringRef text);

/// A keyword (a literal token spelled like a name) where a name may go.
bool isKeyword(const antlr4::dfa::Vocabulary &vocab, const antlr4::Token *token);

/// Everything the message rules look at, gathered once per error.
struct Site {
  antlr4::Parser *parser;
  const antlr4::dfa::Vocabulary &vocab;
  antlr4::Token *offending;
  antlr4::Token *prev; ///< The token before `offending`, or null at the start.
  antlr4::misc::IntervalSet expected;

  bool expects(llvm::StringRef literal) const {
    for (size_t type : expected.toList())
      if (literalOf(vocab, type) == literal)
        return true;
    return false;
  }
  bool expectsType(size_t type) const { return expected.contains(type); }
  bool expectsExpression() const {
    return expectsType(RASPLexer::ID) && expectsType(RASPLexer::PosInt);
  }
  bool expectsStatement() const { return expects("def"); }
  bool offendingIs(llvm::StringRef literal) const {
    return literalOf(vocab, offending->getType()) == literal;
  }
  bool prevIs(llvm::StringRef literal) const {
    return prev && literalOf(vocab, prev->getType()) == literal;
  }
  template <typename Ctx> bool inside() const {
    for (antlr4::RuleContext *ctx = parser->getContext(); ctx;
         ctx = dynamic_cast<antlr4::RuleContext *>(ctx->parent))
      if (dynamic_cast<Ctx *>(ctx))
        return true;
    return false;
  }
  /// "'a', 'b' or 'c'" for the expected literals, at most `limit` of them.
  std::string expectedList(size_t limit = 4) const {
    std::vector<std::string> names;
    for (size_t type : expected.toList()) {
      std::string literal = literalOf(vocab, type);
      if (type == antlr4::Token::EOF)
        names.push_back("end of input");
      else if (!literal.empty())
        names.push_back("'" + literal + "'");
      else if (type == RASPLexer::ID)
        names.push_back("a name");
      else if (type == RASPLexer::String)
        names.push_back("a string");
    }
    if (names.empty() || names.size() > limit)
      return "";
    std::string out = names[0];
    for (size_t i = 1; i < names.size(); ++i)
      out += (i + 1 == names.size() ? " or " : ", ") + names[i];
    return out;
  }
};

struct Explanation {
  Explanation(SourceLoc loc, std::string message) : loc(loc), message(std::move(message)) {}
  SourceLoc loc;
  std::string message;
  std::optional<SourceLoc> noteLoc;
  std::string note;
  bool atEnd = false; ///< The error is that the input ended too soon.
};

/// Messages for an error at the parser's current token, where `expected`
/// is exactly what could come next.
Explanation explainExpected(const Site &site, const TokenLocator &locator, antlr4::Token *opener);

/// Walks the tokens of an expression from `from` with a small operand /
/// operator automaton and a bracket stack, and explains the first token that
/// cannot continue it. ANTLR's own report is imprecise in two cases: when an
/// alternative fails several tokens ahead of the decision, and when the
/// parser ends an expression early and then misses the ';' (in `x = 1 + ;`
/// it complains at '+'). Returns nothing when the walk finds no better
/// explanation.
std::optional<Explanation> scanExpression(TokenBuffer &tokens, const TokenLocator &locator,
                                          size_t from, antlr4::Token *prev, bool expectOperand);

} // namespace rasp::frontend::syntax
