// Turns ANTLR recognition errors into readable, located diagnostics.
#include "compiler/frontend/SyntaxErrors.h"
#include "compiler/frontend/SyntaxMessages.h"

#include "RASPLexer.h"
#include "RASPParser.h"

#include "llvm/ADT/StringExtras.h"

using namespace rasp;
using namespace rasp::frontend;
using rasp::grammar::RASPLexer;
using rasp::grammar::RASPParser;
using namespace rasp::frontend::syntax;

unsigned frontend::reportLexicalErrors(const TokenBuffer &tokens, const TokenLocator &locator,
                                       DiagnosticEngine &diags) {
  unsigned count = 0;
  for (const RaspToken &each : tokens.tokens()) {
    const antlr4::Token *token = &each;
    if (!isLexicalError(token))
      continue;
    ++count;
    std::string text = token->getText();
    SourceLoc loc = locator.of(token);
    switch (token->getType()) {
    case RASPLexer::BadNumber:
      if (text.back() == '.')
        diags.error(loc, "invalid number '" + text + "': a '.' must be followed by digits");
      else if (text.front() == '.')
        diags.error(loc, "invalid number '" + text + "': a '.' must be preceded by digits");
      else
        diags.error(loc, "invalid number '" + text +
                             "': numbers are digits with an optional "
                             "fraction, such as 12 or 0.5");
      break;
    case RASPLexer::UnterminatedString:
      diags.error(diags.locate(loc.file, loc.begin, loc.begin + 1),
                  "missing terminating '\"' character");
      break;
    case RASPLexer::SingleQuoted:
      diags.error(loc, "strings are written in double quotes, not single "
                       "quotes");
      break;
    default: {
      unsigned char c = static_cast<unsigned char>(text[0]);
      if (c < 0x20 || c == 0x7f) {
        char hex[16];
        std::snprintf(hex, sizeof hex, "U+%04X", c);
        diags.error(loc, "unexpected character " + std::string(hex));
      } else if (text == "!") {
        diags.error(loc, "unexpected character '!'; negation is written "
                         "'not'");
      } else {
        diags.error(loc, "unexpected character '" + text + "'");
      }
    }
    }
  }
  return count;
}

SyntaxErrorStrategy::SyntaxErrorStrategy(TokenBuffer &tokens, const TokenLocator &locator,
                                         DiagnosticEngine &diags, unsigned maxErrors)
    : tokens(tokens), locator(locator), diags(diags), maxErrors(maxErrors) {}

SyntaxErrorStrategy::~SyntaxErrorStrategy() = default;

void SyntaxErrorStrategy::reportNoViableAlternative(antlr4::Parser *parser,
                                                    const antlr4::NoViableAltException &e) {
  explain(parser, e.getOffendingToken());
}

void SyntaxErrorStrategy::reportInputMismatch(antlr4::Parser *parser,
                                              const antlr4::InputMismatchException &e) {
  explain(parser, e.getOffendingToken());
}

void SyntaxErrorStrategy::reportFailedPredicate(antlr4::Parser *parser,
                                                const antlr4::FailedPredicateException &e) {
  explain(parser, e.getOffendingToken());
}

void SyntaxErrorStrategy::reportUnwantedToken(antlr4::Parser *parser) {
  if (inErrorRecoveryMode(parser))
    return;
  beginErrorCondition(parser);
  explain(parser, parser->getCurrentToken());
}

void SyntaxErrorStrategy::reportMissingToken(antlr4::Parser *parser) {
  if (inErrorRecoveryMode(parser))
    return;
  beginErrorCondition(parser);
  explain(parser, parser->getCurrentToken());
}

/// Bracket structure of the token stream, computed once at the first error.
struct SyntaxErrorStrategy::Brackets {
  /// For each token: the innermost bracket opened before it and still open
  /// (an index into the token stream), or -1.
  std::vector<long> opener;
  /// For each token: how many '{' are open before it.
  std::vector<unsigned> braceDepth;

  explicit Brackets(TokenBuffer &tokens) {
    std::vector<long> open;
    unsigned depth = 0;
    for (size_t i = 0; i < tokens.size(); ++i) {
      opener.push_back(open.empty() ? -1 : open.back());
      braceDepth.push_back(depth);
      antlr4::Token *token = tokens.get(i);
      if (token->getType() == RASPLexer::String)
        continue;
      std::string text = token->getText();
      if (isOpener(text)) {
        open.push_back(static_cast<long>(i));
        depth += text == "{";
      } else if (isCloser(text)) {
        if (!open.empty())
          open.pop_back();
        if (text == "}" && depth > 0)
          --depth;
      }
    }
  }
};

void SyntaxErrorStrategy::explain(antlr4::Parser *parser, antlr4::Token *offending) {
  if (offending->getType() == antlr4::Token::EOF)
    endOfInput = true;
  size_t index = offending->getTokenIndex();
  if (!brackets)
    brackets = std::make_unique<Brackets>(tokens);
  // Give up on this statement and go on after its end, so that the rest of
  // it does not produce a cascade of errors.
  StatementAbort abort(std::max(findResync(std::max(index, statementStart)), statementStart + 1));
  if (isLexicalError(offending))
    throw abort; // Reported already by reportLexicalErrors.
  antlr4::Token *prev = previousToken(index);
  long openerIndex = brackets->opener[index];
  antlr4::Token *opener = openerIndex < 0 ? nullptr : tokens.get(openerIndex);
  Site site{parser, parser->getVocabulary(), offending, prev, parser->getExpectedTokens()};
  antlr4::Token *current = parser->getCurrentToken();
  std::optional<Explanation> scanned;
  if (index > current->getTokenIndex()) {
    // The error lies ahead of the decision that failed.
    size_t start = current->getTokenIndex();
    antlr4::Token *before = previousToken(start);
    scanned = scanExpression(tokens, locator, start, before,
                             !before || isOperatorLike(before->getText()));
  } else if ((isBinaryOperator(offending->getText()) || site.offendingIs("(") ||
              site.offendingIs("[")) &&
             (site.expects(";") || site.expects(",") || site.expects(")") || site.expects("]") ||
              site.expects("}"))) {
    // The parser ended an expression before a token that could have
    // continued it, because what follows that token is broken.
    scanned = scanExpression(tokens, locator, index, prev, false);
  }
  Explanation result = site.offendingIs("!=")
                           ? Explanation(locator.of(offending),
                                         "'!=' is only allowed as the comparison of a select; "
                                         "write 'not (a == b)' instead")
                       : scanned ? *scanned
                                 : explainExpected(site, locator, opener);
  // A missing closer gets a note at its opener.
  llvm::StringRef wanted = llvm::StringRef(result.message).split(", found").first;
  if (!result.noteLoc && opener && wanted.startswith("expected") &&
      wanted.contains("'" + closerOf(opener->getText()) + "'")) {
    result.noteLoc = locator.of(opener);
    result.note = "to match this '" + opener->getText() + "'";
  }
  if (!result.noteLoc && opener && opener->getType() != RASPLexer::String) {
    // `select (` with a space is a name and a call, not the select keyword.
    size_t before = opener->getTokenIndex();
    if (before > 0 && opener->getText() == "(") {
      antlr4::Token *name = tokens.get(before - 1);
      std::string text = name->getText();
      if (name->getType() == RASPLexer::ID && name->getStopIndex() + 1 < opener->getStartIndex() &&
          (text == "select" || text == "aggregate" || text == "range" || text == "zip" ||
           text == "len")) {
        result.noteLoc = locator.of(name);
        result.note = "'" + text + "(' is written with no space before '('";
      }
    }
  }
  endOfInput = endOfInput || result.atEnd;
  diags.error(result.loc, result.message);
  if (result.noteLoc)
    diags.note(*result.noteLoc, result.note);
  if (++errors >= maxErrors) {
    diags.error("too many errors; stopping after " + llvm::Twine(maxErrors));
    throw antlr4::ParseCancellationException("too many syntax errors");
  }
  throw abort;
}

antlr4::Token *SyntaxErrorStrategy::previousToken(size_t index) const {
  return index > 0 ? tokens.get(index - 1) : nullptr;
}

size_t SyntaxErrorStrategy::findResync(size_t index) const {
  // A def or for statement ends at the '}' that closes its body; a REPL
  // command at the end of its line; any other statement at its first ';'.
  // Keywords that only ever start a statement end it too.
  antlr4::Token *start = tokens.get(statementStart);
  std::string first = start->getText();
  bool block = first == "def" || first == "for";
  bool command = first == "set" || first == "show" || first == "examples" || first == "s-op" ||
                 first == "selector" || first == "full seq display" || first == "exit" ||
                 first == "quit" || first == "exit()" || first == "quit()";
  unsigned depth = brackets->braceDepth[statementStart];
  size_t line = tokens.get(index)->getLine();
  for (size_t i = index; i < tokens.size(); ++i) {
    antlr4::Token *token = tokens.get(i);
    if (token->getType() == antlr4::Token::EOF)
      return i;
    std::string text = token->getText();
    if (i > statementStart && !block &&
        (text == "def" || text == "load" || text == "draw" || text == "set" || text == "show" ||
         text == "full seq display" || (command && token->getLine() > line)))
      return i;
    unsigned after = i + 1 < tokens.size() ? brackets->braceDepth[i + 1] : 0;
    if (block ? (text == "}" && after <= depth) : text == ";")
      return i + 1;
  }
  return tokens.size() - 1;
}
