// Stages 1 and 2: lexing, parsing (SLL with LL fallback) and AST building.
#include "compiler/frontend/Parse.h"

#include "compiler/frontend/BuildAst.h"
#include "compiler/frontend/Lexer.h"
#include "compiler/frontend/SyntaxErrors.h"
#include "compiler/frontend/TokenLocator.h"

#include "RASPLexer.h"
#include "RASPParser.h"

#include "llvm/Support/ConvertUTF.h"

#include <algorithm>

using namespace rasp;
using namespace rasp::frontend;
using rasp::grammar::RASPLexer;
using rasp::grammar::RASPParser;

namespace {

/// Reports the first invalid UTF-8 sequence; returns false if there was one.
bool checkUtf8(DiagnosticEngine &diags, FileId file) {
  llvm::StringRef text = diags.fileText(file);
  auto *begin = reinterpret_cast<const llvm::UTF8 *>(text.data());
  const llvm::UTF8 *cursor = begin;
  if (llvm::isLegalUTF8String(&cursor, begin + text.size()))
    return true;
  uint32_t offset = static_cast<uint32_t>(cursor - begin);
  char byte[8];
  std::snprintf(byte, sizeof byte, "0x%02X", static_cast<unsigned>(*cursor));
  diags.error(diags.locate(file, offset, offset + 1),
              "invalid UTF-8 byte " + llvm::Twine(byte) + " in source text");
  return false;
}

/// What a token type means to the nesting estimate.
enum class TokenClassKind { Other, Operand, Open, Brace, Close, Prefix, Binary, Separator, End };

/// The class of every token type, from the grammar's vocabulary.
const std::vector<TokenClassKind> &tokenClasses(const antlr4::dfa::Vocabulary &vocab) {
  static const std::vector<TokenClassKind> classes = [&] {
    std::vector<TokenClassKind> out(vocab.getMaxTokenType() + 1, TokenClassKind::Other);
    for (size_t type = 1; type < out.size(); ++type) {
      std::string text = vocab.getLiteralName(type);
      if (text.size() >= 2)
        text = text.substr(1, text.size() - 2);
      TokenClassKind &kind = out[type];
      if (type == RASPLexer::ID || type == RASPLexer::PosInt || type == RASPLexer::Float ||
          type == RASPLexer::String)
        kind = TokenClassKind::Operand;
      else if (text == "{")
        kind = TokenClassKind::Brace; // A dict, or the body of a def or for.
      else if (text == "(" || text == "[" ||
               (text.size() > 1 && text.back() == '(' && text != "exit()" && text != "quit()"))
        kind = TokenClassKind::Open;
      else if (text == ")" || text == "]" || text == "}")
        kind = TokenClassKind::Close;
      else if (text == "-" || text == "+" || text == "not")
        kind = TokenClassKind::Prefix; // Binary too, after an operand.
      else if (text == "^" || text == "*" || text == "/" || text == "%" || text == "==" ||
               text == "<=" || text == ">=" || text == ">" || text == "<" || text == "and" ||
               text == "or" || text == "in" || text == "if" || text == "else")
        kind = TokenClassKind::Binary;
      else if (text == "," || text == ":" || text == "for" || text == "=")
        kind = TokenClassKind::Separator;
      else if (text == ";")
        kind = TokenClassKind::End;
    }
    return out;
  }();
  return classes;
}

/// Bounds from the tokens how deeply the parser will recurse and how deep
/// the syntax tree will be, and reports an error at the first token past a
/// limit. Every open bracket counts one level, and so does every prefix
/// operator until its operand ends; every binary operator, call and index
/// in a run such as `1+1+...` or `f(1)(2)...` counts one level of the tree
/// (ANTLR parses such runs with a loop, but they nest in the tree, and a run
/// of '+' or '-' costs the SLL parser lookahead to its end, so they must
/// stay bounded too). A '{' after an operand opens the body of a def or a
/// for: one level, and its '}' ends the statement, as a ';' does, so that the
/// run the statement began (`def f(` is a call to the estimate) ends too.
/// Later stages recurse over the tree, so this bound is what keeps them
/// within the stack.
bool checkNesting(const TokenBuffer &tokens, const antlr4::dfa::Vocabulary &vocab,
                  const TokenLocator &locator, DiagnosticEngine &diags,
                  const ParseOptions &options) {
  struct Level {
    bool prefix;
    bool body;          ///< The body of a def or for.
    unsigned operators; ///< Binary operators in the current run.
  };
  std::vector<Level> open{{false, false, 0}}; // The statement's own level.
  unsigned treeDepth = 0;                     // Brackets plus operators in runs.
  bool afterOperand = false;
  auto popPrefixes = [&] {
    while (open.back().prefix) {
      open.pop_back();
      --treeDepth;
    }
  };
  auto endRun = [&] {
    treeDepth -= open.back().operators;
    open.back().operators = 0;
  };
  const std::vector<TokenClassKind> &classes = tokenClasses(vocab);
  for (const RaspToken &each : tokens.tokens()) {
    const antlr4::Token *token = &each;
    if (token->getType() == antlr4::Token::EOF)
      continue;
    TokenClassKind kind = classes[token->getType()];
    bool operand = kind == TokenClassKind::Operand;
    switch (kind) {
    case TokenClassKind::Operand:
      popPrefixes();
      break;
    case TokenClassKind::Close: {
      popPrefixes();
      bool body = false;
      if (open.size() > 1) {
        endRun();
        body = open.back().body;
        open.pop_back();
        --treeDepth;
      }
      popPrefixes();
      if (body)
        endRun(); // The statement ends with its body.
      operand = !body;
      break;
    }
    case TokenClassKind::Open:
      if (afterOperand) {
        // A call or an index: one more level of the tree, like `a + b`.
        ++open.back().operators;
        ++treeDepth;
      }
      open.push_back({false, false, 0});
      ++treeDepth;
      break;
    case TokenClassKind::Brace:
      // After an operand, the body of a def or for; otherwise a dict.
      open.push_back({false, afterOperand, 0});
      ++treeDepth;
      break;
    case TokenClassKind::Prefix:
      if (afterOperand) {
        ++open.back().operators;
        ++treeDepth;
      } else {
        open.push_back({true, false, 0});
        ++treeDepth;
      }
      break;
    case TokenClassKind::Binary:
      if (afterOperand) {
        ++open.back().operators;
        ++treeDepth;
      }
      break;
    case TokenClassKind::Separator:
    case TokenClassKind::End:
      popPrefixes();
      endRun();
      break;
    case TokenClassKind::Other:
      break;
    }
    afterOperand = operand;
    unsigned brackets = static_cast<unsigned>(open.size() - 1);
    if (brackets > options.maxNesting) {
      diags.error(locator.of(token), "nesting is too deep: more than " +
                                         llvm::Twine(options.maxNesting) +
                                         " brackets and prefix operators are open here");
      return false;
    }
    if (treeDepth > options.maxDepth) {
      diags.error(locator.of(token), "expression is too deeply nested: more "
                                     "than " +
                                         llvm::Twine(options.maxDepth) + " levels");
      return false;
    }
  }
  return true;
}

/// For each token, the index just past the end of the statement it is in:
/// past the first ';' at or after it that is not inside a bracket opened
/// after it (for a token in a def or for body, its own statement's ';').
/// The parser reads one statement at a time and no prediction needs to look
/// further; TokenBuffer::boundPrediction stops each one there, which keeps
/// parsing linear. Unbounded, SLL prediction took the grammar's `program`
/// rule to mean that any statement may follow, and after an expression a
/// '-', '+', '(' or '[' may begin one (a `set example` command ends without
/// ';'): from `n = 2` it read `- 1; ...` to the end of the file before it
/// chose a binary '-'. Within its statement a prediction sees what it saw
/// before, and parses and syntax errors were the same as unbounded on every
/// file tried (mutated programs; tests/lit/errors/lookahead.rasp keeps the
/// messages that depend on it). Tokens after the last ';' are not bounded.
std::vector<uint32_t> statementEnds(const TokenBuffer &tokens,
                                    const antlr4::dfa::Vocabulary &vocab) {
  const std::vector<TokenClassKind> &classes = tokenClasses(vocab);
  const std::vector<RaspToken> &all = tokens.tokens();
  std::vector<uint32_t> ends(all.size(), static_cast<uint32_t>(all.size()));
  // The tokens whose ';' has not come yet, by the number of brackets open
  // before them.
  std::vector<std::vector<uint32_t>> waiting(1);
  for (uint32_t i = 0; i + 1 < all.size(); ++i) { // All but EOF.
    size_t depth = waiting.size() - 1;
    waiting.back().push_back(i);
    switch (classes[all[i].getType()]) {
    case TokenClassKind::Open:
    case TokenClassKind::Brace:
      waiting.emplace_back();
      break;
    case TokenClassKind::Close:
      if (depth > 0) {
        // Still waiting, now for a ';' outside the bracket.
        std::vector<uint32_t> inner = std::move(waiting.back());
        waiting.pop_back();
        waiting.back().insert(waiting.back().end(), inner.begin(), inner.end());
      }
      break;
    case TokenClassKind::End:
      for (uint32_t j : waiting.back())
        ends[j] = i + 1;
      waiting.back().clear();
      break;
    default:
      break;
    }
  }
  return ends;
}

/// Runs prediction under ANTLR's profiler while it lives, if `stats` is
/// set, and writes the profiler's counters to `stats` when it ends.
class PredictionProfile {
public:
  PredictionProfile(RASPParser &parser, PredictionStats *stats) : parser(parser), stats(stats) {
    // The parser deletes the interpreter it replaces, and owns the new one.
    if (stats)
      parser.setInterpreter(new antlr4::atn::ProfilingATNSimulator(&parser));
  }
  PredictionProfile(const PredictionProfile &) = delete;
  PredictionProfile &operator=(const PredictionProfile &) = delete;
  ~PredictionProfile() {
    if (!stats)
      return;
    *stats = PredictionStats();
    auto *profiler = parser.getInterpreter<antlr4::atn::ProfilingATNSimulator>();
    for (const antlr4::atn::DecisionInfo &decision : profiler->getDecisionInfo()) {
      stats->decisions += static_cast<uint64_t>(decision.invocations);
      stats->lookahead += static_cast<uint64_t>(decision.SLL_TotalLook);
      stats->maxLookahead =
          std::max(stats->maxLookahead, static_cast<uint64_t>(decision.SLL_MaxLook));
      stats->llFallbacks += static_cast<uint64_t>(decision.LL_Fallback);
    }
    stats->llPass = llPass;
  }
  bool llPass = false;

private:
  RASPParser &parser;
  PredictionStats *stats;
};

/// Parses every statement with SLL prediction, bailing out at the first
/// error, and builds each statement's AST as soon as it is parsed; nothing
/// if SLL failed (a syntax error, or a text that needs full LL).
std::optional<ProgramBuilder> parseSll(RASPParser &parser, TokenBuffer &tokens,
                                       const TokenLocator &locator) {
  parser.setErrorHandler(std::make_shared<antlr4::BailErrorStrategy>());
  parser.getInterpreter<antlr4::atn::ParserATNSimulator>()->setPredictionMode(
      antlr4::atn::PredictionMode::SLL);
  ProgramBuilder builder(tokens, locator);
  try {
    while (tokens.LA(1) != antlr4::Token::EOF) {
      builder.add(parser.statement());
      // Frees the statement's contexts, which the AST no longer needs.
      parser.getTreeTracker().reset();
    }
  } catch (const antlr4::ParseCancellationException &) {
    return std::nullopt;
  }
  return builder;
}

/// Parses every statement from the start with full LL prediction,
/// reporting each broken statement's first error and resuming after it;
/// nothing if there was a syntax error.
std::optional<ProgramBuilder> parseLl(RASPParser &parser, TokenBuffer &tokens,
                                      const TokenLocator &locator, DiagnosticEngine &diags,
                                      const ParseOptions &options, bool &endedEarly) {
  parser.reset();
  tokens.seek(0);
  auto strategy = std::make_shared<SyntaxErrorStrategy>(tokens, locator, diags, options.maxErrors);
  parser.setErrorHandler(strategy);
  parser.getInterpreter<antlr4::atn::ParserATNSimulator>()->setPredictionMode(
      antlr4::atn::PredictionMode::LL);
  ProgramBuilder builder(tokens, locator);
  try {
    while (tokens.LA(1) != antlr4::Token::EOF) {
      strategy->beginStatement(tokens.index());
      try {
        RASPParser::StatementContext *statement = parser.statement();
        if (!strategy->errorCount())
          builder.add(statement);
      } catch (const StatementAbort &abort) {
        tokens.seek(abort.resumeAt);
        strategy->reset(&parser);
      }
      parser.getTreeTracker().reset();
    }
  } catch (const antlr4::ParseCancellationException &) {
    // Too many errors.
  }
  endedEarly = strategy->sawEndOfInput();
  if (strategy->errorCount())
    return std::nullopt;
  return builder;
}

} // namespace

ParseResult frontend::parseProgram(DiagnosticEngine &diags, FileId file,
                                   const ParseOptions &options) {
  ParseResult result;
  if (!checkUtf8(diags, file))
    return result;
  TokenLocator locator(diags, file);
  std::unique_ptr<TokenBuffer> buffer = lexRasp(diags.fileText(file), diags.fileName(file).str());
  TokenBuffer &tokens = *buffer;
  unsigned lexicalErrors = reportLexicalErrors(tokens, locator, diags);
  RASPParser parser(&tokens);
  parser.removeErrorListeners();
  if (!checkNesting(tokens, parser.getVocabulary(), locator, diags, options))
    return result;
  tokens.boundPrediction(statementEnds(tokens, parser.getVocabulary()));
  PredictionProfile profile(parser, options.stats);
  // The AST is built from the labelled parts of each rule, which ANTLR
  // fills in without a parse tree; not building one saves an allocation
  // per token and per rule.
  parser.setBuildParseTree(false);
  // Fast path: SLL prediction. Slow path, when that fails: full LL, which
  // also gives the syntax errors.
  std::optional<ProgramBuilder> built;
  if (lexicalErrors == 0 && options.sllFirst)
    built = parseSll(parser, tokens, locator);
  if (!built) {
    profile.llPass = true;
    built = parseLl(parser, tokens, locator, diags, options, result.endedEarly);
    if (!built || lexicalErrors)
      return result;
  }
  result.program = built->finish(diags);
  return result;
}
