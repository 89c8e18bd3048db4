// The message rules of syntax errors (SyntaxMessages.h).
#include "compiler/frontend/SyntaxMessages.h"

#include "RASPParser.h"

#include "llvm/ADT/StringExtras.h"

using namespace rasp;
using namespace rasp::frontend;
using rasp::grammar::RASPParser;

namespace rasp::frontend::syntax {

std::string literalOf(const antlr4::dfa::Vocabulary &vocab, size_t type) {
  std::string name = vocab.getLiteralName(type);
  if (name.size() >= 2 && name.front() == '\'' && name.back() == '\'')
    return name.substr(1, name.size() - 2);
  return "";
}

bool isKeywordLike(llvm::StringRef text) {
  return !text.empty() && (llvm::isAlpha(text[0]) || text[0] == '_');
}

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

bool isCloser(llvm::StringRef text) { return text == ")" || text == "]" || text == "}"; }

bool isOperatorLike(llvm::StringRef text) {
  static const char *const ops[] = {
      "^",  "*",  "/",   "%", "+", "-",  "==",   "<=", ">=", ">", "<", "and",
      "or", "in", "not", "=", ",", "if", "else", "(",  "[",  "{", ":", "return"};
  for (const char *op : ops)
    if (text == op)
      return true;
  return text.size() > 1 && text.endswith("(");
}

bool isBinaryOperator(llvm::StringRef text) {
  static const char *const ops[] = {
      "^", "*", "/", "%", "+", "-", "==", "<=", ">=", ">", "<", "and", "or", "in", "if", "else"};
  for (const char *op : ops)
    if (text == op)
      return true;
  return false;
}

bool isKeyword(const antlr4::dfa::Vocabulary &vocab, const antlr4::Token *token) {
  return token->getType() != RASPLexer::ID && isKeywordLike(literalOf(vocab, token->getType()));
}

Explanation explainExpected(const Site &site, const TokenLocator &locator, antlr4::Token *opener) {
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
       site.prevIs("quit()") || site.prevIs("on") || site.prevIs("off") || site.prevIs("example")))
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
      return {at, "'" + tok->getText() + "' is a keyword and cannot be used as a name"};
    if (site.expectsStatement())
      return {at, "unexpected " + found + "; expected a statement"};
    if (site.prev && isOperatorLike(site.prev->getText()))
      return {at, "expected an expression after '" + site.prev->getText() + "', found " + found};
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
      return {at, "'" + tok->getText() + "' is a keyword and cannot be used as a name"};
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

std::optional<Explanation> scanExpression(TokenBuffer &tokens, const TokenLocator &locator,
                                          size_t from, antlr4::Token *prev, bool expectOperand) {
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
                         expectOperand ? "unexpected end of input; expected "
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
    bool atom = type == RASPLexer::ID || type == RASPLexer::PosInt || type == RASPLexer::Float ||
                type == RASPLexer::String;
    if (text == "!=")
      return Explanation(at, "'!=' is only allowed as the comparison of a "
                             "select; write 'not (a == b)' instead");
    if (expectOperand) {
      if (atom) {
        expectOperand = false;
      } else if (isOpener(text)) {
        open.push_back(tok);
      } else if (text == "-" || text == "+" || text == "not" || text == "round" ||
                 text == "indicator") {
      } else if (justOpened && text == closer) {
        open.pop_back();
        expectOperand = false;
      } else if (prev) {
        return Explanation(at, "expected an expression after '" + prev->getText() + "', found " +
                                   found);
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
      std::string what = closer == "}" ? "':', ',' or '}'" : "',' or '" + closer + "'";
      return Explanation(at, "expected " + what + ", found " + found);
    } else if (prev && (atom || text == "not" || (isOpener(text) && text != "{"))) {
      return Explanation(locator.after(prev), "expected ';' after statement");
    } else {
      return std::nullopt; // The end of the expression: ';', '=', '{', ...
    }
    justOpened = isOpener(text) && open.size() && open.back() == tok;
    prev = tok;
  }
  return std::nullopt;
}

} // namespace rasp::frontend::syntax
