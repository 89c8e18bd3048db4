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

/// How deeply the parser will recurse, estimated from the tokens: every open
/// bracket counts, and so does every prefix operator until its operand ends.
/// Reports an error at the first token past `limit`.
bool checkNesting(antlr4::CommonTokenStream &tokens, const TokenLocator &locator,
                  DiagnosticEngine &diags, unsigned limit) {
  enum Open { Bracket, Prefix };
  std::vector<Open> open;
  bool afterOperand = false;
  auto popPrefixes = [&] {
    while (!open.empty() && open.back() == Prefix)
      open.pop_back();
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
      if (!open.empty())
        open.pop_back();
      popPrefixes();
      operand = true;
    } else if (text == "(" || text == "[" || text == "{" ||
               (text.size() > 1 && text.back() == '(')) {
      open.push_back(Bracket);
    } else if (!afterOperand && (text == "-" || text == "+" || text == "not")) {
      open.push_back(Prefix);
    } else if (text == ";") {
      popPrefixes();
    }
    afterOperand = operand;
    if (open.size() > limit) {
      diags.error(locator.of(token),
                  "nesting is too deep: more than " + llvm::Twine(limit) +
                      " brackets and prefix operators are open here");
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
  if (!checkNesting(tokens, locator, diags, options.maxNesting))
    return result;

  RASPParser parser(&tokens);
  parser.removeErrorListeners();
  RASPParser::ProgramContext *tree = nullptr;
  // Fast path: SLL prediction, bailing out at the first error.
  parser.setErrorHandler(std::make_shared<antlr4::BailErrorStrategy>());
  parser.getInterpreter<antlr4::atn::ParserATNSimulator>()->setPredictionMode(
      antlr4::atn::PredictionMode::SLL);
  try {
    tree = parser.program();
  } catch (const antlr4::ParseCancellationException &) {
    tree = nullptr;
  }
  if (!tree || lexicalErrors) {
    // Slow path: full LL prediction, reporting and recovering from errors.
    tokens.seek(0);
    parser.reset();
    auto strategy = std::make_shared<SyntaxErrorStrategy>(tokens, locator,
                                                          diags, options.maxErrors);
    parser.setErrorHandler(strategy);
    parser.getInterpreter<antlr4::atn::ParserATNSimulator>()->setPredictionMode(
        antlr4::atn::PredictionMode::LL);
    try {
      tree = parser.program();
    } catch (const antlr4::ParseCancellationException &) {
    }
    result.endedEarly = strategy->sawEndOfInput();
    if (strategy->errorCount() || lexicalErrors)
      return result;
  }
  if (!checkDepth(tree, locator, diags, options.maxDepth))
    return result;
  result.program = buildAst(tree, tokens, locator, diags);
  return result;
}
