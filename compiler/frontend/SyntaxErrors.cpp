// Turns ANTLR recognition errors into readable, located diagnostics.
#include "compiler/frontend/SyntaxErrors.h"

#include "RASPLexer.h"
#include "RASPParser.h"

#include "llvm/ADT/StringExtras.h"

using namespace rasp;
using namespace rasp::frontend;
using rasp::grammar::RASPLexer;
using rasp::grammar::RASPParser;

namespace {

/// The literal text of a keyword or punctuation token type, or "".
std::string literalOf(const antlr4::dfa::Vocabulary &vocab, size_t type) {
  std::string name = vocab.getLiteralName(type);
  if (name.size() >= 2 && name.front() == '\'' && name.back() == '\'')
    return name.substr(1, name.size() - 2);
  return "";
}

bool isKeywordLike(llvm::StringRef text) {
  return !text.empty() && (llvm::isAlpha(text[0]) || text[0] == '_');
}

/// How a token is named in a message.
std::string describe(const antlr4::Token *token) {
  switch (token->getType()) {
  case antlr4::Token::EOF:
    return "end of input";
  case RASPLexer::ID:
    return "name '" + token->getText() + "'";
  case RASPLexer::PosInt:
  case RASPLexer::Float:
    return "number " + token->getText();
  case RASPLexer::String:
    return "string " + token->getText();
  default:
    return "'" + token->getText() + "'";
  }
}

bool isLexicalError(const antlr4::Token *token) {
  switch (token->getType()) {
  case RASPLexer::BadNumber:
  case RASPLexer::UnterminatedString:
  case RASPLexer::SingleQuoted:
  case RASPLexer::BadChar:
    return true;
  default:
    return false;
  }
}

/// The token that closes the bracket `opener` (which may be `select(` etc.).
std::string closerOf(llvm::StringRef opener) {
  if (opener == "[")
    return "]";
  if (opener == "{")
    return "}";
  return ")";
}

bool isOpener(llvm::StringRef text) {
  return text == "(" || text == "[" || text == "{" ||
         (text.size() > 1 && text.endswith("(") && !text.endswith("()"));
}

bool isCloser(llvm::StringRef text) {
  return text == ")" || text == "]" || text == "}";
}

/// Tokens after which an expression must follow.
bool isOperatorLike(llvm::StringRef text) {
  static const char *const ops[] = {"^",    "*",  "/",   "%", "+", "-",
                                    "==",   "<=", ">=",  ">", "<", "and",
                                    "or",   "in", "not", "=", ",", "if",
                                    "else", "(",  "[",   "{", ":", "return"};
  for (const char *op : ops)
    if (text == op)
      return true;
  return text.size() > 1 && text.endswith("(");
}

/// Operators between two operands (`if` and `else` of the ternary too).
bool isBinaryOperator(llvm::StringRef text) {
  static const char *const ops[] = {"^",  "*",  "/",  "%",   "+", "-",
                                    "==", "<=", ">=", ">",   "<", "and",
                                    "or", "in", "if", "else"};
  for (const char *op : ops)
    if (text == op)
      return true;
  return false;
}

/// A keyword (a literal token spelled like a name) where a name may go.
bool isKeyword(const antlr4::dfa::Vocabulary &vocab,
               const antlr4::Token *token) {
  return token->getType() != RASPLexer::ID &&
         isKeywordLike(literalOf(vocab, token->getType()));
}

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
  Explanation(SourceLoc loc, std::string message)
      : loc(loc), message(std::move(message)) {}
  SourceLoc loc;
  std::string message;
  std::optional<SourceLoc> noteLoc;
  std::string note;
  bool atEnd = false; ///< The error is that the input ended too soon.
};

} // namespace

unsigned frontend::reportLexicalErrors(const TokenBuffer &tokens,
                                       const TokenLocator &locator,
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
        diags.error(loc, "invalid number '" + text +
                             "': a '.' must be followed by digits");
      else if (text.front() == '.')
        diags.error(loc, "invalid number '" + text +
                             "': a '.' must be preceded by digits");
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

SyntaxErrorStrategy::SyntaxErrorStrategy(TokenBuffer &tokens,
                                         const TokenLocator &locator,
                                         DiagnosticEngine &diags,
                                         unsigned maxErrors)
    : tokens(tokens), locator(locator), diags(diags), maxErrors(maxErrors) {}

SyntaxErrorStrategy::~SyntaxErrorStrategy() = default;

void SyntaxErrorStrategy::reportNoViableAlternative(
    antlr4::Parser *parser, const antlr4::NoViableAltException &e) {
  explain(parser, e.getOffendingToken());
}

void SyntaxErrorStrategy::reportInputMismatch(
    antlr4::Parser *parser, const antlr4::InputMismatchException &e) {
  explain(parser, e.getOffendingToken());
}

void SyntaxErrorStrategy::reportFailedPredicate(
    antlr4::Parser *parser, const antlr4::FailedPredicateException &e) {
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

namespace {

/// Messages for an error at the parser's current token, where `expected`
/// is exactly what could come next.
Explanation explainExpected(const Site &site, const TokenLocator &locator,
                            antlr4::Token *opener) {
  antlr4::Token *tok = site.offending;
  SourceLoc at = locator.of(tok);
  SourceLoc afterPrev = site.prev ? locator.after(site.prev) : at;
  std::string found = describe(tok);

  if (site.offendingIs(":") && site.expects("]"))
    return {at, "slices are not supported; an index is a single expression"};
  if (site.offendingIs("=") && site.expects(";"))
    return {at, "cannot assign to this expression: the left side of '=' must "
                "be one or more names"};
  if (site.expects("else") && !site.offendingIs("else")) {
    std::string message = "expected 'else' in conditional expression";
    if (site.offendingIs("]"))
      message += "; comprehensions have no 'if' filter";
    return {tok->getType() == antlr4::Token::EOF ? afterPrev : at, message};
  }
  if (site.expects(";") && !site.expectsExpression()) {
    if (site.prevIs("exit") || site.prevIs("quit"))
      return {at, "unexpected " + found + " after '" + site.prev->getText() +
                      "'; REPL commands take no ';'"};
    return {afterPrev, "expected ';' after statement"};
  }
  if (site.offendingIs(";") &&
      (site.prevIs("exit") || site.prevIs("quit") || site.prevIs("exit()") ||
       site.prevIs("quit()") || site.prevIs("on") || site.prevIs("off") ||
       site.prevIs("example")))
    return {at, "unexpected ';'; REPL commands take no ';'"};
  if (site.inside<RASPParser::DefStatementContext>()) {
    if (site.offendingIs("}") && site.expects("return"))
      return {at, "function body must end with a 'return' statement"};
    if (site.expects("}") && site.expected.size() == 1)
      return {at, "expected '}' after the return statement: 'return' must be "
                  "the last statement of a function body"};
  }
  if (site.offendingIs("return") && !site.expects("return"))
    return {at, "'return' is only allowed as the last statement of a function "
                "body"};
  if (tok->getType() == antlr4::Token::EOF) {
    Explanation result{afterPrev, "unexpected end of input"};
    std::string list = site.expectedList();
    if (site.expectsStatement())
      list = "a statement";
    else if (site.expectsExpression())
      list = "an expression";
    if (!list.empty())
      result.message += "; expected " + list;
    if (opener) {
      result.noteLoc = locator.of(opener);
      result.note = "unclosed '" + opener->getText() + "' is here";
    }
    return result;
  }
  if (site.expectsExpression()) {
    if (isKeyword(site.vocab, tok))
      return {at, "'" + tok->getText() +
                      "' is a keyword and cannot be used as a name"};
    if (site.expectsStatement())
      return {at, "unexpected " + found + "; expected a statement"};
    if (site.prev && isOperatorLike(site.prev->getText()))
      return {at, "expected an expression after '" + site.prev->getText() +
                      "', found " + found};
    return {at, "expected an expression, found " + found};
  }
  if (site.expects("!=") && site.expects("=="))
    return {at, "expected a comparison operator ('==', '!=', '<', '>', '<=' "
                "or '>=') as the last argument of select"};
  if (site.prevIs("load"))
    return {at, "expected a file name in double quotes after 'load'"};
  if (site.expects("on") && site.expects("off"))
    return {at, "expected 'on' or 'off', found " + found};
  if (site.expectsType(RASPLexer::ID) && site.expected.size() <= 2) {
    if (isKeyword(site.vocab, tok))
      return {at, "'" + tok->getText() +
                      "' is a keyword and cannot be used as a name"};
    std::string what = "a name";
    if (site.prevIs("def"))
      what = "a function name after 'def'";
    else if (site.prevIs("for"))
      what = "a loop variable name after 'for'";
    else if (site.inside<RASPParser::DefStatementContext>() &&
             (site.prevIs("(") || site.prevIs(",")))
      what = "a parameter name";
    return {at, "expected " + what + ", found " + found};
  }
  if (site.expects("in") && site.expected.size() <= 2)
    return {at, "expected 'in' after the loop variables, found " + found};
  std::string list = site.expectedList();
  if (list.empty())
    return {at, "unexpected " + found};
  return {at, "expected " + list + ", found " + found};
}

/// Walks the tokens of an expression from `from` with a small operand /
/// operator automaton and a bracket stack, and explains the first token that
/// cannot continue it. ANTLR's own report is imprecise in two cases: when an
/// alternative fails several tokens ahead of the decision, and when the
/// parser ends an expression early and then misses the ';' (in `x = 1 + ;`
/// it complains at '+'). Returns nothing when the walk finds no better
/// explanation.
std::optional<Explanation> scanExpression(TokenBuffer &tokens,
                                          const TokenLocator &locator,
                                          size_t from, antlr4::Token *prev,
                                          bool expectOperand) {
  std::vector<antlr4::Token *> open;
  bool justOpened = false;
  for (size_t i = from; i < tokens.size(); ++i) {
    antlr4::Token *tok = tokens.get(i);
    if (isLexicalError(tok))
      return std::nullopt;
    if (tok->getType() == antlr4::Token::EOF) {
      if (!expectOperand && open.empty())
        return std::nullopt;
      Explanation result(prev ? locator.after(prev) : locator.of(tok),
                         expectOperand
                             ? "unexpected end of input; expected "
                               "an expression"
                             : "unexpected end of input; expected '" +
                                   closerOf(open.back()->getText()) + "'");
      result.atEnd = true;
      if (!open.empty()) {
        result.noteLoc = locator.of(open.back());
        result.note = "unclosed '" + open.back()->getText() + "' is here";
      }
      return result;
    }
    std::string text = tok->getText();
    size_t type = tok->getType();
    SourceLoc at = locator.of(tok);
    std::string found = describe(tok);
    std::string closer = open.empty() ? "" : closerOf(open.back()->getText());
    bool atom = type == RASPLexer::ID || type == RASPLexer::PosInt ||
                type == RASPLexer::Float || type == RASPLexer::String;
    if (text == "!=")
      return Explanation(at, "'!=' is only allowed as the comparison of a "
                             "select; write 'not (a == b)' instead");
    if (expectOperand) {
      if (atom) {
        expectOperand = false;
      } else if (isOpener(text)) {
        open.push_back(tok);
      } else if (text == "-" || text == "+" || text == "not" ||
                 text == "round" || text == "indicator") {
      } else if (justOpened && text == closer) {
        open.pop_back();
        expectOperand = false;
      } else if (prev) {
        return Explanation(at, "expected an expression after '" +
                                   prev->getText() + "', found " + found);
      } else {
        return std::nullopt;
      }
    } else if (isOpener(text) && text != "{" && !llvm::isAlpha(text[0])) {
      open.push_back(tok); // A call or an index.
      expectOperand = true;
    } else if (isCloser(text)) {
      if (open.empty())
        return std::nullopt; // Closes something that began before `from`.
      if (text != closer)
        return Explanation(at, "expected '" + closer + "', found " + found);
      open.pop_back();
    } else if (text == ":" && !open.empty() && open.back()->getText() == "[") {
      return Explanation(at, "slices are not supported; an index is a single "
                             "expression");
    } else if ((text == "," || text == ":" || text == "for") && !open.empty()) {
      expectOperand = true;
    } else if (isBinaryOperator(text)) {
      expectOperand = true;
    } else if (!open.empty()) {
      std::string what =
          closer == "}" ? "':', ',' or '}'" : "',' or '" + closer + "'";
      return Explanation(at, "expected " + what + ", found " + found);
    } else if (prev &&
               (atom || text == "not" || (isOpener(text) && text != "{"))) {
      return Explanation(locator.after(prev), "expected ';' after statement");
    } else {
      return std::nullopt; // The end of the expression: ';', '=', '{', ...
    }
    justOpened = isOpener(text) && open.size() && open.back() == tok;
    prev = tok;
  }
  return std::nullopt;
}

} // namespace

void SyntaxErrorStrategy::explain(antlr4::Parser *parser,
                                  antlr4::Token *offending) {
  if (offending->getType() == antlr4::Token::EOF)
    endOfInput = true;
  size_t index = offending->getTokenIndex();
  if (!brackets)
    brackets = std::make_unique<Brackets>(tokens);
  // Give up on this statement and go on after its end, so that the rest of
  // it does not produce a cascade of errors.
  StatementAbort abort(std::max(findResync(std::max(index, statementStart)),
                                statementStart + 1));
  if (isLexicalError(offending))
    throw abort; // Reported already by reportLexicalErrors.
  antlr4::Token *prev = previousToken(index);
  long openerIndex = brackets->opener[index];
  antlr4::Token *opener = openerIndex < 0 ? nullptr : tokens.get(openerIndex);
  Site site{parser, parser->getVocabulary(), offending, prev,
            parser->getExpectedTokens()};
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
             (site.expects(";") || site.expects(",") || site.expects(")") ||
              site.expects("]") || site.expects("}"))) {
    // The parser ended an expression before a token that could have
    // continued it, because what follows that token is broken.
    scanned = scanExpression(tokens, locator, index, prev, false);
  }
  Explanation result =
      site.offendingIs("!=")
          ? Explanation(locator.of(offending),
                        "'!=' is only allowed as the comparison of a select; "
                        "write 'not (a == b)' instead")
      : scanned ? *scanned
                : explainExpected(site, locator, opener);
  // A missing closer gets a note at its opener.
  llvm::StringRef wanted =
      llvm::StringRef(result.message).split(", found").first;
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
      if (name->getType() == RASPLexer::ID &&
          name->getStopIndex() + 1 < opener->getStartIndex() &&
          (text == "select" || text == "aggregate" || text == "range" ||
           text == "zip" || text == "len")) {
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
  bool command = first == "set" || first == "show" || first == "examples" ||
                 first == "s-op" || first == "selector" ||
                 first == "full seq display" || first == "exit" ||
                 first == "quit" || first == "exit()" || first == "quit()";
  unsigned depth = brackets->braceDepth[statementStart];
  size_t line = tokens.get(index)->getLine();
  for (size_t i = index; i < tokens.size(); ++i) {
    antlr4::Token *token = tokens.get(i);
    if (token->getType() == antlr4::Token::EOF)
      return i;
    std::string text = token->getText();
    if (i > statementStart && !block &&
        (text == "def" || text == "load" || text == "draw" || text == "set" ||
         text == "show" || text == "full seq display" ||
         (command && token->getLine() > line)))
      return i;
    unsigned after = i + 1 < tokens.size() ? brackets->braceDepth[i + 1] : 0;
    if (block ? (text == "}" && after <= depth) : text == ";")
      return i + 1;
  }
  return tokens.size() - 1;
}
