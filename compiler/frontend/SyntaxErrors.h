// Readable syntax errors for the ANTLR parser (internal to the front end).
//
// SyntaxErrorStrategy replaces the generated parser's token-set dumps with
// messages a person can act on ("expected ';' after statement", "expected
// ')'" with a note at the unmatched '('), reports them through the
// DiagnosticEngine, and prevents cascades: after reporting the first error
// of a top-level statement it throws StatementAbort, and the caller resumes
// parsing after the end of that statement (its first ';', or for a def or
// for, the '}' that closes its body).
// Parsing stops after `maxErrors` errors.
//
// reportLexicalErrors reports the malformed-lexeme tokens of the lexer
// (BadNumber, UnterminatedString, SingleQuoted, BadChar); the strategy then
// stays silent about them.
#pragma once

#include "compiler/frontend/Lexer.h"
#include "compiler/frontend/TokenLocator.h"

#include "antlr4-runtime.h"

#include <memory>
#include <optional>

namespace rasp::frontend {

/// Reports every malformed lexeme in `tokens`; returns how many there were.
unsigned reportLexicalErrors(const TokenBuffer &tokens, const TokenLocator &locator,
                             DiagnosticEngine &diags);

/// Thrown after a statement's first error: parsing resumes at token `resumeAt`.
struct StatementAbort {
  explicit StatementAbort(size_t resumeAt) : resumeAt(resumeAt) {}
  size_t resumeAt;
};

class SyntaxErrorStrategy : public antlr4::DefaultErrorStrategy {
public:
  SyntaxErrorStrategy(TokenBuffer &tokens, const TokenLocator &locator, DiagnosticEngine &diags,
                      unsigned maxErrors = 20);
  ~SyntaxErrorStrategy() override;

  /// True if some error was at the end of the input (the text may be an
  /// unfinished statement, such as a `def` still being typed).
  bool sawEndOfInput() const { return endOfInput; }
  unsigned errorCount() const { return errors; }
  /// The parser is about to parse a top-level statement at token `index`.
  void beginStatement(size_t index) { statementStart = index; }

protected:
  void reportNoViableAlternative(antlr4::Parser *parser,
                                 const antlr4::NoViableAltException &e) override;
  void reportInputMismatch(antlr4::Parser *parser,
                           const antlr4::InputMismatchException &e) override;
  void reportFailedPredicate(antlr4::Parser *parser,
                             const antlr4::FailedPredicateException &e) override;
  void reportUnwantedToken(antlr4::Parser *parser) override;
  void reportMissingToken(antlr4::Parser *parser) override;

private:
  struct Brackets;

  void explain(antlr4::Parser *parser, antlr4::Token *offending);
  /// The token after the end of the current top-level statement, searching
  /// from the error at token `index`.
  size_t findResync(size_t index) const;
  /// The token before token `index`, or null.
  antlr4::Token *previousToken(size_t index) const;

  TokenBuffer &tokens;
  const TokenLocator &locator;
  DiagnosticEngine &diags;
  unsigned maxErrors;
  unsigned errors = 0;
  bool endOfInput = false;
  size_t statementStart = 0;
  std::unique_ptr<Brackets> brackets;
};

} // namespace rasp::frontend
