// Stages 1 and 2: lexing, parsing (SLL with LL fallback) and AST building.
#include "compiler/frontend/Parse.h"

#include "compiler/frontend/BuildAst.h"
#include "compiler/frontend/SyntaxErrors.h"
#include "compiler/frontend/TokenLocator.h"

#include "RASPLexer.h"
#include "RASPParser.h"

#include "llvm/Support/ConvertUTF.h"

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

bool isBinaryOperatorText(const std::string &text) {
  static const char *const ops[] = {"^",  "*",  "/",  "%",   "+",  "-",
                                    "==", "<=", ">=", ">",   "<",  "and",
                                    "or", "in", "if", "else"};
  for (const char *op : ops)
    if (text == op)
      return true;
  return false;
}

/// Estimates from the tokens how deeply the parser will recurse and how deep
/// the syntax tree will be, and reports an error at the first token past a
/// limit. Every open bracket counts one level, and so does every prefix
/// operator until its operand ends; every binary operator in a run such as
/// `1+1+...` counts one level of the tree (ANTLR parses such runs with a
/// loop, but they nest in the tree, and a run of '+' or '-' costs the SLL
/// parser lookahead to its end, so they must stay bounded too).
bool checkNesting(antlr4::CommonTokenStream &tokens, const TokenLocator &locator,
                  DiagnosticEngine &diags, const ParseOptions &options) {
  struct Level {
    bool prefix;
    unsigned operators; ///< Binary operators in the current run.
  };
  std::vector<Level> open{{false, 0}}; // The statement's own level.
  unsigned treeDepth = 0;              // Brackets plus operators in runs.
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
  for (antlr4::Token *token : tokens.getTokens()) {
    if (token->getChannel() != antlr4::Token::DEFAULT_CHANNEL)
      continue;
    size_t type = token->getType();
    std::string text = token->getText();
    bool operand = type == RASPLexer::ID || type == RASPLexer::PosInt ||
                   type == RASPLexer::Float || type == RASPLexer::String;
    if (operand) {
      popPrefixes();
    } else if (text == ")" || text == "]" || text == "}") {
      popPrefixes();
      if (open.size() > 1) {
        endRun();
        open.pop_back();
        --treeDepth;
      }
      popPrefixes();
      operand = true;
    } else if (text == "(" || text == "[" || text == "{" ||
               (text.size() > 1 && text.back() == '(')) {
      open.push_back({false, 0});
      ++treeDepth;
    } else if (!afterOperand && (text == "-" || text == "+" || text == "not")) {
      open.push_back({true, 0});
      ++treeDepth;
    } else if (afterOperand && isBinaryOperatorText(text)) {
      ++open.back().operators;
      ++treeDepth;
    } else if (text == "," || text == ":" || text == "for" || text == "=") {
      popPrefixes();
      endRun();
    } else if (text == ";") {
      popPrefixes();
      endRun();
    }
    afterOperand = operand;
    unsigned brackets = static_cast<unsigned>(open.size() - 1);
    if (brackets > options.maxNesting) {
      diags.error(locator.of(token),
                  "nesting is too deep: more than " +
                      llvm::Twine(options.maxNesting) +
                      " brackets and prefix operators are open here");
      return false;
    }
    if (treeDepth > options.maxDepth) {
      diags.error(locator.of(token), "expression is too deeply nested: more "
                                     "than " + llvm::Twine(options.maxDepth) +
                                         " levels");
      return false;
    }
  }
  return true;
}

/// Reports the first node deeper than `limit`; walks without recursion.
bool checkDepth(antlr4::tree::ParseTree *root, const TokenLocator &locator,
                DiagnosticEngine &diags, unsigned limit) {
  std::vector<std::pair<antlr4::tree::ParseTree *, unsigned>> stack{{root, 0}};
  while (!stack.empty()) {
    auto [node, depth] = stack.back();
    stack.pop_back();
    if (depth > limit) {
      auto *ctx = dynamic_cast<antlr4::ParserRuleContext *>(node);
      SourceLoc at = ctx ? locator.of(ctx->getStart()) : SourceLoc();
      diags.error(at, "expression is too deeply nested: more than " +
                          llvm::Twine(limit) + " levels");
      return false;
    }
    for (antlr4::tree::ParseTree *child : node->children)
      if (!child->children.empty())
        stack.push_back({child, depth + 1});
  }
  return true;
}

} // namespace

ParseResult frontend::parseProgram(DiagnosticEngine &diags, FileId file,
                                   const ParseOptions &options) {
  ParseResult result;
  if (!checkUtf8(diags, file))
    return result;
  TokenLocator locator(diags, file);
  antlr4::ANTLRInputStream input(diags.fileText(file).str());
  input.name = diags.fileName(file).str();
  RASPLexer lexer(&input);
  lexer.removeErrorListeners(); // BadChar matches anything: no lexer errors.
  antlr4::CommonTokenStream tokens(&lexer);
  tokens.fill();
  unsigned lexicalErrors = reportLexicalErrors(tokens, locator, diags);
  if (!checkNesting(tokens, locator, diags, options))
    return result;

  RASPParser parser(&tokens);
  parser.removeErrorListeners();
  std::vector<RASPParser::StatementContext *> statements;
  // Fast path: SLL prediction, bailing out at the first error.
  parser.setErrorHandler(std::make_shared<antlr4::BailErrorStrategy>());
  auto *simulator = parser.getInterpreter<antlr4::atn::ParserATNSimulator>();
  simulator->setPredictionMode(antlr4::atn::PredictionMode::SLL);
  bool failed = lexicalErrors > 0;
  try {
    while (!failed && tokens.LA(1) != antlr4::Token::EOF)
      statements.push_back(parser.statement());
  } catch (const antlr4::ParseCancellationException &) {
    failed = true;
  }
  if (failed) {
    // Slow path: full LL prediction, reporting each broken statement's
    // first error and resuming after it.
    statements.clear();
    parser.reset();
    tokens.seek(0);
    auto strategy = std::make_shared<SyntaxErrorStrategy>(
        tokens, locator, diags, options.maxErrors);
    parser.setErrorHandler(strategy);
    simulator->setPredictionMode(antlr4::atn::PredictionMode::LL);
    try {
      while (tokens.LA(1) != antlr4::Token::EOF) {
        strategy->beginStatement(tokens.index());
        try {
          statements.push_back(parser.statement());
        } catch (const StatementAbort &abort) {
          tokens.seek(abort.resumeAt);
          strategy->reset(&parser);
        }
      }
    } catch (const antlr4::ParseCancellationException &) {
      // Too many errors.
    }
    result.endedEarly = strategy->sawEndOfInput();
    if (strategy->errorCount() || lexicalErrors)
      return result;
  }
  // The token-level estimate above is the real limit; this is a safety net.
  // A parse tree has up to two levels per syntax level (an expression list
  // under each bracket) plus the statement's own.
  for (RASPParser::StatementContext *statement : statements)
    if (!checkDepth(statement, locator, diags, 2 * options.maxDepth + 8))
      return result;
  result.program = buildAst(statements, tokens, locator, diags);
  return result;
}
