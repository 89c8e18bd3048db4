// The RASP lexer: a hand-written equivalent of the lexer rules of
// grammar/RASP.g4.
//
// lexRasp turns UTF-8 text into a TokenBuffer, the token stream the ANTLR
// parser reads. It implements exactly the grammar's lexer rules (longest
// match; on a tie, keywords and punctuation win over ID) and gives every
// token the grammar's token type, but it reads bytes directly and keeps the
// tokens in one array, which makes it several times faster than the
// generated lexer. Token start and stop indices are byte offsets; comments
// (the grammar's hidden channel) are kept aside. LexerTest and the
// fuzz_lexer target check it against the generated ANTLR lexer.
#pragma once

#include "llvm/ADT/StringRef.h"

#include "antlr4-runtime.h"

#include <memory>
#include <string>
#include <vector>

namespace rasp::frontend {

class TokenBuffer;

/// One token; its text is a slice of the buffer's source text.
class RaspToken : public antlr4::Token {
public:
  RaspToken(const TokenBuffer *buffer, size_t type, uint32_t line, uint32_t column, uint32_t start,
            uint32_t length, uint32_t index)
      : buffer(buffer), type(static_cast<uint32_t>(type)), line(line), column(column), start(start),
        length(length), index(index) {}

  std::string getText() const override;
  size_t getType() const override { return type == EofType ? antlr4::Token::EOF : type; }
  size_t getLine() const override { return line; }
  size_t getCharPositionInLine() const override { return column; }
  size_t getChannel() const override { return DEFAULT_CHANNEL; }
  size_t getTokenIndex() const override { return index; }
  size_t getStartIndex() const override { return start; }
  /// For EOF (length 0), start - 1, which wraps around at 0 as in ANTLR.
  size_t getStopIndex() const override { return static_cast<size_t>(start) + length - 1; }
  antlr4::TokenSource *getTokenSource() const override;
  antlr4::CharStream *getInputStream() const override { return nullptr; }
  std::string toString() const override;

private:
  /// How `type` holds EOF, whose type is the largest size_t.
  static constexpr uint32_t EofType = static_cast<uint32_t>(antlr4::Token::EOF);

  const TokenBuffer *buffer;
  uint32_t type; ///< 32 bits (not size_t) keep a token at 40 bytes, not 48.
  uint32_t line;
  uint32_t column; ///< 0-based, in bytes.
  uint32_t start;  ///< Byte offset of the first byte.
  uint32_t length; ///< In bytes; 0 for EOF.
  uint32_t index;
};

/// The tokens of one text, ending with EOF, as an ANTLR TokenStream.
class TokenBuffer : public antlr4::TokenStream {
public:
  /// `text` must outlive the buffer (it is the DiagnosticEngine's copy).
  TokenBuffer(llvm::StringRef text, std::string sourceName);
  ~TokenBuffer() override;
  TokenBuffer(const TokenBuffer &) = delete;
  TokenBuffer &operator=(const TokenBuffer &) = delete;

  llvm::StringRef text() const { return source; }
  const std::vector<RaspToken> &tokens() const { return all; }
  /// Whether a comment starts in the byte range [begin, end).
  bool hasCommentIn(uint32_t begin, uint32_t end) const;
  /// The byte offset of every comment's '#', in order.
  const std::vector<uint32_t> &comments() const { return commentStarts; }
  /// Bounds every later prediction by the parser: one that starts at token
  /// i sees the tokens before `ends[i]` and then EOF (the parser itself
  /// still sees every token).
  void boundPrediction(std::vector<uint32_t> ends) { predictionEnds = std::move(ends); }

  // antlr4::TokenStream
  antlr4::Token *LT(ssize_t k) override;
  antlr4::Token *get(size_t i) const override;
  antlr4::TokenSource *getTokenSource() const override;
  std::string getText(const antlr4::misc::Interval &interval) override;
  std::string getText() override;
  std::string getText(antlr4::RuleContext *ctx) override;
  std::string getText(antlr4::Token *start, antlr4::Token *stop) override;
  void consume() override;
  size_t LA(ssize_t i) override { return LT(i) ? LT(i)->getType() : 0; }
  /// ANTLR marks the stream when a prediction starts and releases it when
  /// the prediction ends (see boundPrediction).
  ssize_t mark() override;
  void release(ssize_t marker) override;
  size_t index() override { return position; }
  void seek(size_t i) override { position = std::min(i, all.size() - 1); }
  size_t size() override { return all.size(); }
  std::string getSourceName() const override { return name; }

private:
  friend std::unique_ptr<TokenBuffer> lexRasp(llvm::StringRef, std::string);
  friend class RaspToken;
  class Source;

  llvm::StringRef source;
  std::string name;
  std::vector<RaspToken> all;
  std::vector<uint32_t> commentStarts;
  std::unique_ptr<Source> tokenSource;
  size_t position = 0;
  std::vector<uint32_t> predictionEnds; ///< Empty: predictions are not bounded.
  size_t visibleEnd = SIZE_MAX;         ///< From this token on, a prediction sees EOF.
  unsigned marks = 0;                   ///< Marks not yet released.
};

/// Lexes `text` (valid UTF-8). Malformed lexemes become the grammar's error
/// tokens (BadNumber, UnterminatedString, SingleQuoted, BadChar).
/// The buffer points into `text`, which must outlive it.
std::unique_ptr<TokenBuffer> lexRasp(llvm::StringRef text, std::string sourceName);

} // namespace rasp::frontend
