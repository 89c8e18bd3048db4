// The hand-written RASP lexer and its ANTLR token stream.
#include "compiler/frontend/Lexer.h"

#include "RASPLexer.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/Support/ConvertUTF.h"

#include <algorithm>

using namespace rasp;
using namespace rasp::frontend;
using rasp::grammar::RASPLexer;

namespace {

/// The token type of every keyword and punctuation literal of the grammar.
const llvm::StringMap<size_t> &literalTypes() {
  static const llvm::StringMap<size_t> types = [] {
    antlr4::ANTLRInputStream empty;
    RASPLexer lexer(&empty);
    const antlr4::dfa::Vocabulary &vocab = lexer.getVocabulary();
    llvm::StringMap<size_t> out;
    for (size_t type = 1; type <= vocab.getMaxTokenType(); ++type) {
      std::string name = vocab.getLiteralName(type);
      if (name.size() >= 2)
        out[name.substr(1, name.size() - 2)] = type;
    }
    return out;
  }();
  return types;
}

bool isIdStart(char c) { return llvm::isAlpha(c) || c == '_'; }
bool isIdChar(char c) { return llvm::isAlnum(c) || c == '_'; }

class LexerImpl {
public:
  LexerImpl(llvm::StringRef text) : text(text), types(literalTypes()) {}

  /// The type and byte length of the token at `i` (which is not whitespace
  /// or a comment).
  std::pair<size_t, size_t> next(size_t i) const {
    char c = text[i];
    if (c == '"')
      return quoted(i, '"', RASPLexer::String, RASPLexer::UnterminatedString);
    if (c == '\'')
      return quoted(i, '\'', RASPLexer::SingleQuoted, RASPLexer::SingleQuoted);
    if (llvm::isDigit(c))
      return number(i);
    if (c == '.' && i + 1 < text.size() && llvm::isDigit(text[i + 1]))
      return {RASPLexer::BadNumber, 1 + digits(i + 1)}; // '.' Digits
    if (isIdStart(c))
      return word(i);
    if (i + 1 < text.size()) {
      auto two = types.find(text.substr(i, 2));
      if (two != types.end())
        return {two->second, 2};
    }
    auto one = types.find(text.substr(i, 1));
    if (one != types.end())
      return {one->second, 1};
    return {RASPLexer::BadChar, codePointLength(i)};
  }

private:
  size_t digits(size_t i) const {
    size_t n = 0;
    while (i + n < text.size() && llvm::isDigit(text[i + n]))
      ++n;
    return n;
  }
  size_t idChars(size_t i) const {
    size_t n = 0;
    while (i + n < text.size() && isIdChar(text[i + n]))
      ++n;
    return n;
  }
  size_t codePointLength(size_t i) const {
    return llvm::getNumBytesForUTF8(static_cast<llvm::UTF8>(text[i]));
  }
  /// String: '"' ~["\r\n]* '"'; without the closing quote, the error type.
  std::pair<size_t, size_t> quoted(size_t i, char quote, size_t closed, size_t open) const {
    size_t end = i + 1;
    while (end < text.size() && text[end] != quote && text[end] != '\n' && text[end] != '\r')
      ++end;
    if (end < text.size() && text[end] == quote)
      return {closed, end + 1 - i};
    return {open, end - i};
  }
  /// PosInt, Float, or BadNumber (`1.`, `1e3`, `1.5x`), the longest.
  std::pair<size_t, size_t> number(size_t i) const {
    size_t n = digits(i);
    size_t type = RASPLexer::PosInt;
    if (i + n < text.size() && text[i + n] == '.') {
      size_t fraction = digits(i + n + 1);
      if (fraction == 0)
        return {RASPLexer::BadNumber, n + 1};
      n += 1 + fraction;
      type = RASPLexer::Float;
    }
    if (i + n < text.size() && isIdStart(text[i + n]))
      return {RASPLexer::BadNumber, n + idChars(i + n)};
    return {type, n};
  }
  /// ID, a keyword, or a longer literal that starts with a word:
  /// `s-op`, `full seq display`, `select(` and the like, `exit()`, `quit()`.
  std::pair<size_t, size_t> word(size_t i) const {
    size_t n = idChars(i);
    llvm::StringRef rest = text.substr(i);
    for (llvm::StringRef longer : {"s-op", "full seq display"})
      if (rest.startswith(longer) && longer.size() > n)
        return {types.lookup(longer), longer.size()};
    llvm::StringRef w = text.substr(i, n);
    if (i + n < text.size() && text[i + n] == '(') {
      if (rest.substr(n).startswith("()")) {
        auto call = types.find(text.substr(i, n + 2)); // exit(), quit()
        if (call != types.end())
          return {call->second, n + 2};
      }
      auto open = types.find(text.substr(i, n + 1)); // select( ...
      if (open != types.end())
        return {open->second, n + 1};
    }
    auto keyword = types.find(w);
    if (keyword != types.end())
      return {keyword->second, n};
    return {RASPLexer::ID, n};
  }

  llvm::StringRef text;
  const llvm::StringMap<size_t> &types;
};

} // namespace

// A file has about one token per 4 bytes, all held while it is parsed.
static_assert(sizeof(void *) != 8 || sizeof(RaspToken) == 40, "a token takes 40 bytes");

std::string RaspToken::getText() const {
  if (getType() == EOF)
    return "<EOF>";
  return buffer->source.substr(start, length).str();
}

antlr4::TokenSource *RaspToken::getTokenSource() const { return buffer->getTokenSource(); }

std::string RaspToken::toString() const {
  return "[@" + std::to_string(index) + "," + std::to_string(start) + ":" +
         std::to_string(static_cast<long long>(getStopIndex())) + "='" + getText() + "',<" +
         std::to_string(getType()) + ">," + std::to_string(line) + ":" + std::to_string(column) +
         "]";
}

/// The TokenSource that ANTLR asks a stream for (only to make tokens when
/// recovering from errors, which this front end never does).
class TokenBuffer::Source : public antlr4::TokenSource {
public:
  explicit Source(TokenBuffer &buffer) : buffer(buffer) {}
  std::unique_ptr<antlr4::Token> nextToken() override {
    const RaspToken &eof = buffer.all.back();
    return std::make_unique<RaspToken>(eof);
  }
  size_t getLine() const override { return buffer.all.back().getLine(); }
  size_t getCharPositionInLine() override { return buffer.all.back().getCharPositionInLine(); }
  antlr4::CharStream *getInputStream() override { return nullptr; }
  std::string getSourceName() override { return buffer.name; }
  antlr4::TokenFactory<antlr4::CommonToken> *getTokenFactory() override {
    return antlr4::CommonTokenFactory::DEFAULT.get();
  }

private:
  TokenBuffer &buffer;
};

TokenBuffer::TokenBuffer(llvm::StringRef text, std::string sourceName)
    : source(text), name(std::move(sourceName)), tokenSource(std::make_unique<Source>(*this)) {}

TokenBuffer::~TokenBuffer() = default;

bool TokenBuffer::hasCommentIn(uint32_t begin, uint32_t end) const {
  auto first = std::lower_bound(commentStarts.begin(), commentStarts.end(), begin);
  return first != commentStarts.end() && *first < end;
}

antlr4::Token *TokenBuffer::LT(ssize_t k) {
  if (k == 0)
    return nullptr;
  if (k < 0)
    return static_cast<size_t>(-k) > position ? nullptr : &all[position + k];
  size_t i = std::min(position + static_cast<size_t>(k) - 1, all.size() - 1);
  if (i >= visibleEnd)
    i = all.size() - 1; // EOF
  return &all[i];
}

ssize_t TokenBuffer::mark() {
  if (marks++ == 0 && !predictionEnds.empty())
    visibleEnd = predictionEnds[position];
  return 0;
}

void TokenBuffer::release(ssize_t) {
  if (marks > 0 && --marks == 0)
    visibleEnd = SIZE_MAX;
}

antlr4::Token *TokenBuffer::get(size_t i) const { return const_cast<RaspToken *>(&all.at(i)); }

antlr4::TokenSource *TokenBuffer::getTokenSource() const { return tokenSource.get(); }

std::string TokenBuffer::getText(const antlr4::misc::Interval &interval) {
  if (interval.a < 0 || interval.b < interval.a)
    return "";
  size_t last = std::min(static_cast<size_t>(interval.b), all.size() - 2);
  if (static_cast<size_t>(interval.a) > last)
    return "";
  const RaspToken &first = all[interval.a];
  const RaspToken &final = all[last];
  return source.substr(first.getStartIndex(), final.getStopIndex() + 1 - first.getStartIndex())
      .str();
}

std::string TokenBuffer::getText() {
  return getText(antlr4::misc::Interval(0, static_cast<ssize_t>(all.size()) - 1));
}

std::string TokenBuffer::getText(antlr4::RuleContext *ctx) {
  return getText(ctx->getSourceInterval());
}

std::string TokenBuffer::getText(antlr4::Token *start, antlr4::Token *stop) {
  if (!start || !stop)
    return "";
  return getText(antlr4::misc::Interval(start->getTokenIndex(), stop->getTokenIndex()));
}

void TokenBuffer::consume() {
  if (all[position].getType() == antlr4::Token::EOF)
    throw antlr4::IllegalStateException("cannot consume EOF");
  ++position;
}

std::unique_ptr<TokenBuffer> frontend::lexRasp(llvm::StringRef text, std::string sourceName) {
  auto buffer = std::make_unique<TokenBuffer>(text, std::move(sourceName));
  LexerImpl lexer(text);
  std::vector<RaspToken> &tokens = buffer->all;
  tokens.reserve(text.size() / 3 + 1);
  uint32_t line = 1;
  size_t lineStart = 0;
  // A leading UTF-8 byte order mark is not part of the program (ANTLR's
  // input stream drops it too).
  size_t i = text.startswith("\xEF\xBB\xBF") ? 3 : 0;
  while (i < text.size()) {
    char c = text[i];
    if (c == '\n') {
      ++line;
      lineStart = ++i;
      continue;
    }
    if (c == ' ' || c == '\t' || c == '\r') {
      ++i;
      continue;
    }
    if (c == '#') {
      buffer->commentStarts.push_back(static_cast<uint32_t>(i));
      while (i < text.size() && text[i] != '\n' && text[i] != '\r')
        ++i;
      continue;
    }
    auto [type, length] = lexer.next(i);
    tokens.emplace_back(buffer.get(), type, line, static_cast<uint32_t>(i - lineStart),
                        static_cast<uint32_t>(i), static_cast<uint32_t>(length),
                        static_cast<uint32_t>(tokens.size()));
    i += length;
  }
  tokens.emplace_back(buffer.get(), antlr4::Token::EOF, line, static_cast<uint32_t>(i - lineStart),
                      static_cast<uint32_t>(i), 0, static_cast<uint32_t>(tokens.size()));
  return buffer;
}
