// The language server's message loop: framing, lifecycle and dispatch.
#include "compiler/lsp/Server.h"

#include "compiler/lsp/Document.h"
#include "compiler/lsp/Features.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/JSON.h"

#include <map>
#include <memory>
#include <set>

namespace rasp::lsp {

using llvm::json::Array;
using llvm::json::Object;
using llvm::json::Value;

ServerOptions ServerOptions::defaults() {
  ServerOptions options;
  options.elaborate = lang::ElaborateOptions::defaults();
  options.elaborate.maxSteps = 5'000'000;
  options.elaborate.maxNodes = size_t(1) << 18;
  return options;
}

namespace {

/// JSON-RPC error codes.
enum ErrorCode {
  ParseError = -32700,
  InvalidRequest = -32600,
  MethodNotFound = -32601,
  InvalidParams = -32602,
  ServerNotInitialized = -32002,
  RequestFailed = -32803,
};

/// The largest message body read (a document may be MaxSourceBytes long,
/// escaped in JSON).
constexpr uint64_t MaxBodyBytes = 2 * MaxSourceBytes + (1 << 20);

/// Reads framed messages from a stream.
class Reader {
public:
  Reader(std::FILE *in, llvm::raw_ostream *log) : in(in), log(log) {}

  /// The next body; nothing at the end of the input. Malformed headers are
  /// logged and skipped.
  std::optional<std::string> next() {
    while (true) {
      std::optional<uint64_t> length;
      bool bad = false, any = false;
      while (true) {
        std::optional<std::string> line = readLine();
        if (!line)
          return std::nullopt;
        if (line->empty()) {
          if (any)
            break;
          continue; // Blank lines between messages.
        }
        any = true;
        llvm::StringRef header(*line);
        auto [name, value] = header.split(':');
        uint64_t n = 0;
        if (name.trim().equals_insensitive("content-length")) {
          if (value.trim().getAsInteger(10, n) || n > MaxBodyBytes)
            bad = true;
          else
            length = n;
        } else if (!header.contains(':')) {
          bad = true;
        }
      }
      if (bad || !length) {
        note("a message header without a valid Content-Length was skipped");
        continue;
      }
      std::string body(*length, '\0');
      size_t got = std::fread(body.data(), 1, body.size(), in);
      if (got < body.size())
        return std::nullopt;
      return body;
    }
  }

  void note(const llvm::Twine &what) {
    if (log)
      *log << "rasp lsp: " << what << "\n";
  }

private:
  std::optional<std::string> readLine() {
    std::string line;
    while (true) {
      int c = std::fgetc(in);
      if (c == EOF)
        return line.empty() ? std::nullopt : std::optional<std::string>(line);
      if (c == '\n')
        break;
      if (line.size() < 4096)
        line += static_cast<char>(c);
    }
    if (!line.empty() && line.back() == '\r')
      line.pop_back();
    return line;
  }

  std::FILE *in;
  llvm::raw_ostream *log;
};

/// The `uri` of a textDocument parameter.
std::optional<std::string> uriOf(const Object *docParams) {
  if (!docParams)
    return std::nullopt;
  if (const Value *uri = docParams->get("uri"))
    if (uri->kind() == Value::String)
      return uri->getAsString()->str();
  return std::nullopt;
}

class Server {
public:
  Server(llvm::raw_ostream &out, llvm::raw_ostream *log, const ServerOptions &options)
      : out(out), log(log), options(options) {
    llvm::raw_null_ostream quiet;
    DiagnosticEngine diags(&quiet);
    collectFileNames(diags, options.elaborate.stdlibPath, "the standard library",
                     options.elaborate.searchPath, stdlib);
  }

  /// Handles one message body; false once `exit` arrived.
  bool handle(const std::string &body);
  int exitCode() const { return shutdownRequested ? 0 : 1; }

private:
  void send(const Value &message) {
    out << frameMessage(message);
    out.flush();
  }
  void reply(const Value &id, Value result) {
    send(Object{{"jsonrpc", "2.0"}, {"id", id}, {"result", std::move(result)}});
  }
  void fail(const Value &id, int code, const llvm::Twine &message) {
    send(Object{{"jsonrpc", "2.0"},
                {"id", id},
                {"error", Object{{"code", code}, {"message", message.str()}}}});
  }
  void note(const llvm::Twine &what) {
    if (log)
      *log << "rasp lsp: " << what << "\n";
  }

  void request(const Value &id, llvm::StringRef method, const Object &params);
  void notification(llvm::StringRef method, const Object &params);
  void analyze(const std::string &uri, const std::string &text);
  void publish(const std::string &uri, Value diagnostics) {
    send(Object{{"jsonrpc", "2.0"},
                {"method", "textDocument/publishDiagnostics"},
                {"params", Object{{"uri", uri}, {"diagnostics", std::move(diagnostics)}}}});
  }
  Object capabilities() const;
  std::vector<const Document *> openDocuments() const {
    std::vector<const Document *> all;
    for (const auto &[uri, doc] : documents)
      all.push_back(doc.get());
    return all;
  }

  llvm::raw_ostream &out;
  llvm::raw_ostream *log;
  ServerOptions options;
  ExternalNames stdlib;
  std::string example = "\"hello\"";
  bool initialized = false, shutdownRequested = false;
  std::map<std::string, std::unique_ptr<Document>> documents;
};

Object Server::capabilities() const {
  return Object{
      {"positionEncoding", "utf-16"},
      {"textDocumentSync", Object{{"openClose", true}, {"change", 1}}},
      {"hoverProvider", true},
      {"definitionProvider", true},
      {"referencesProvider", true},
      {"renameProvider", Object{{"prepareProvider", true}}},
      {"documentSymbolProvider", true},
      {"completionProvider", Object{{"triggerCharacters", Array{}}}},
      {"signatureHelpProvider", Object{{"triggerCharacters", Array{"(", ","}}}},
      {"semanticTokensProvider",
       Object{{"legend", semanticTokensLegend()}, {"full", true}, {"range", false}}},
      {"codeLensProvider", Object{{"resolveProvider", false}}},
      {"inlayHintProvider", true},
  };
}

void Server::analyze(const std::string &uri, const std::string &text) {
  DocumentOptions docOptions;
  docOptions.elaborate = options.elaborate;
  docOptions.example = example;
  docOptions.stdlib = &stdlib;
  std::unique_ptr<Document> doc = analyzeDocument(uri, uriToPath(uri), text, docOptions);
  Value diagnostics = diagnosticsJson(*doc);
  documents[uri] = std::move(doc);
  publish(uri, std::move(diagnostics));
}

/// The text of a document after the changes of a didChange (whole texts,
/// or ranged edits from clients that send them anyway).
std::optional<std::string> applyChanges(std::string text, const Array &changes) {
  for (const Value &change : changes) {
    const Object *edit = change.getAsObject();
    if (!edit)
      return std::nullopt;
    llvm::Optional<llvm::StringRef> newText = edit->getString("text");
    if (!newText)
      return std::nullopt;
    const Object *range = edit->getObject("range");
    if (!range) {
      text = newText->str();
      continue;
    }
    LineIndex lines(text);
    auto offset = [&](const char *key) -> std::optional<uint32_t> {
      const Object *p = range->getObject(key);
      if (!p || !p->getInteger("line") || !p->getInteger("character"))
        return std::nullopt;
      return lines.offset(
          {static_cast<uint32_t>(std::max<int64_t>(0, *p->getInteger("line"))),
           static_cast<uint32_t>(std::max<int64_t>(0, *p->getInteger("character")))});
    };
    std::optional<uint32_t> begin = offset("start"), end = offset("end");
    if (!begin || !end || *end < *begin)
      return std::nullopt;
    text.replace(*begin, *end - *begin, newText->str());
  }
  return text;
}

void Server::notification(llvm::StringRef method, const Object &params) {
  if (method == "initialized" || method.startswith("$/"))
    return;
  if (!initialized) {
    note("'" + method + "' before initialize was dropped");
    return;
  }
  const Object *docParams = params.getObject("textDocument");
  std::optional<std::string> uri = uriOf(docParams);
  if (method == "textDocument/didOpen") {
    llvm::Optional<llvm::StringRef> text = docParams ? docParams->getString("text") : llvm::None;
    if (!uri || !text)
      return note("didOpen without a uri and text was dropped");
    return analyze(*uri, text->str());
  }
  if (method == "textDocument/didChange") {
    const Array *changes = params.getArray("contentChanges");
    auto doc = uri ? documents.find(*uri) : documents.end();
    if (doc == documents.end() || !changes)
      return note("didChange of a document that is not open was dropped");
    std::optional<std::string> text = applyChanges(doc->second->text, *changes);
    if (!text)
      return note("didChange with malformed changes was dropped");
    return analyze(*uri, *text);
  }
  if (method == "textDocument/didClose") {
    if (!uri || !documents.erase(*uri))
      return note("didClose of a document that is not open was dropped");
    return publish(*uri, Array{});
  }
  if (method == "workspace/didChangeConfiguration") {
    // {"settings": {"rasp": {"example": LIT}}}, or without the "rasp" level.
    const Object *settings = params.getObject("settings");
    if (settings && settings->getObject("rasp"))
      settings = settings->getObject("rasp");
    const Value *lit = settings ? settings->get("example") : nullptr;
    if (!lit || lit->kind() != Value::String)
      return;
    example = lit->getAsString()->str();
    for (auto &[openUri, doc] : documents) {
      std::string text = doc->text, reopened = openUri;
      analyze(reopened, text);
    }
    return;
  }
  if (method == "textDocument/didSave")
    return;
  note("unknown notification '" + method + "' was dropped");
}

/// A request's position, clamped at zero.
std::optional<Position> positionOf(const Object &params) {
  const Object *p = params.getObject("position");
  if (!p)
    return std::nullopt;
  llvm::Optional<int64_t> line = p->getInteger("line"), character = p->getInteger("character");
  if (!line || !character)
    return std::nullopt;
  auto clamp = [](int64_t v) {
    return static_cast<uint32_t>(std::min<int64_t>(std::max<int64_t>(v, 0), UINT32_MAX));
  };
  return Position{clamp(*line), clamp(*character)};
}

void Server::request(const Value &id, llvm::StringRef method, const Object &params) {
  if (method == "initialize") {
    if (initialized)
      return fail(id, InvalidRequest, "the server is already initialized");
    initialized = true;
    if (const Object *init = params.getObject("initializationOptions"))
      if (llvm::Optional<llvm::StringRef> lit = init->getString("example"))
        example = lit->str();
    return reply(
        id, Object{{"capabilities", capabilities()}, {"serverInfo", Object{{"name", "rasp"}}}});
  }
  if (!initialized)
    return fail(id, ServerNotInitialized, "the server is not initialized yet");
  if (shutdownRequested)
    return fail(id, InvalidRequest, "the server is shutting down");
  if (method == "shutdown") {
    shutdownRequested = true;
    return reply(id, nullptr);
  }
  const Object *docParams = params.getObject("textDocument");
  std::optional<std::string> uri = uriOf(docParams);
  static const std::set<std::string> known = {"textDocument/hover",
                                              "textDocument/definition",
                                              "textDocument/references",
                                              "textDocument/prepareRename",
                                              "textDocument/rename",
                                              "textDocument/documentSymbol",
                                              "textDocument/completion",
                                              "textDocument/signatureHelp",
                                              "textDocument/semanticTokens/full",
                                              "textDocument/codeLens",
                                              "textDocument/inlayHint"};
  if (!known.count(method.str()))
    return fail(id, MethodNotFound, "unknown method '" + method + "'");
  if (!uri)
    return fail(id, InvalidParams, "the request names no textDocument.uri");
  auto found = documents.find(*uri);
  if (found == documents.end())
    return fail(id, InvalidParams, "the document " + *uri + " is not open");
  const Document &doc = *found->second;
  if (method == "textDocument/documentSymbol")
    return reply(id, documentSymbols(doc));
  if (method == "textDocument/semanticTokens/full")
    return reply(id, semanticTokens(doc));
  if (method == "textDocument/codeLens")
    return reply(id, codeLenses(doc));
  if (method == "textDocument/inlayHint") {
    const Object *range = params.getObject("range");
    auto corner = [&](const char *key) -> std::optional<Position> {
      const Value *p = range ? range->get(key) : nullptr;
      return p ? positionOf(Object{{"position", *p}}) : std::nullopt;
    };
    std::optional<Position> from = corner("start"), to = corner("end");
    if (!from || !to)
      return fail(id, InvalidParams, "inlayHint needs a range");
    return reply(id, inlayHints(doc, *from, *to));
  }
  std::optional<Position> pos = positionOf(params);
  if (!pos)
    return fail(id, InvalidParams, method + " needs a position");
  if (method == "textDocument/hover")
    return reply(id, hover(doc, *pos));
  if (method == "textDocument/definition")
    return reply(id, definition(doc, *pos));
  if (method == "textDocument/references") {
    const Object *context = params.getObject("context");
    bool declaration = context && context->getBoolean("includeDeclaration").getValueOr(false);
    return reply(id, references(doc, *pos, openDocuments(), declaration));
  }
  if (method == "textDocument/prepareRename")
    return reply(id, prepareRename(doc, *pos));
  if (method == "textDocument/rename") {
    llvm::Optional<llvm::StringRef> newName = params.getString("newName");
    if (!newName)
      return fail(id, InvalidParams, "rename needs a newName");
    llvm::Expected<Value> edits = rename(doc, *pos, newName->str(), openDocuments());
    if (!edits)
      return fail(id, RequestFailed, llvm::toString(edits.takeError()));
    return reply(id, std::move(*edits));
  }
  if (method == "textDocument/completion")
    return reply(id, completion(doc, *pos));
  return reply(id, signatureHelp(doc, *pos));
}

bool Server::handle(const std::string &body) {
  llvm::Expected<Value> parsed = llvm::json::parse(body);
  if (!parsed) {
    std::string why = llvm::toString(parsed.takeError());
    fail(nullptr, ParseError, "the message is not JSON: " + why);
    return true;
  }
  const Object *message = parsed->getAsObject();
  if (!message) {
    fail(nullptr, InvalidRequest, "a message must be a JSON object");
    return true;
  }
  const Value *id = message->get("id");
  llvm::Optional<llvm::StringRef> method = message->getString("method");
  if (!method) {
    if (id && !message->get("result") && !message->get("error"))
      fail(*id, InvalidRequest, "the request has no method");
    return true; // A response to us (we send no requests) is dropped.
  }
  static const Object none;
  const Object *params = message->getObject("params");
  if (!params)
    params = &none;
  if (*method == "exit")
    return false;
  if (!id) {
    notification(*method, *params);
    return true;
  }
  if (id->kind() != Value::Number && id->kind() != Value::String) {
    fail(nullptr, InvalidRequest, "a request id must be a number or a string");
    return true;
  }
  request(*id, *method, *params);
  return true;
}

} // namespace

std::string frameMessage(const llvm::json::Value &message) {
  std::string body;
  llvm::raw_string_ostream os(body);
  os << message;
  os.flush();
  return "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
}

int runServer(std::FILE *in, llvm::raw_ostream &out, llvm::raw_ostream *log,
              const ServerOptions &options) {
  Server server(out, log, options);
  Reader reader(in, log);
  while (std::optional<std::string> body = reader.next())
    if (!server.handle(*body))
      return server.exitCode();
  return 1; // The input ended without `exit`.
}

} // namespace rasp::lsp
