// libFuzzer target: the language server. The input is a session: its first
// NUL-separated chunk opens a document with that text; each later chunk is
// one operation chosen by its first byte: a whole new text, a ranged edit
// (insert or delete at positions taken from the chunk), a request of every
// kind at a position from the chunk, a close, a reopen, a framed body of
// arbitrary bytes, or unframed bytes. The server must answer without a
// crash, hang, leak or sanitizer report, whatever the order (requests
// before initialize included, when the first byte of the session says so).
#include "compiler/lsp/Server.h"

#include "llvm/Support/JSON.h"
#include "llvm/Support/raw_ostream.h"

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>

using namespace rasp;
using llvm::json::Array;
using llvm::json::Object;

namespace {

/// Text that the JSON writer accepts (it asserts on invalid UTF-8).
std::string validUtf8(llvm::StringRef bytes) {
  return llvm::json::isUTF8(bytes) ? bytes.str() : llvm::json::fixUTF8(bytes);
}

Object position(llvm::StringRef chunk, size_t at) {
  auto byte = [&](size_t i) { return i < chunk.size() ? static_cast<uint8_t>(chunk[i]) : 0; };
  return Object{{"line", byte(at) % 16}, {"character", byte(at + 1) % 64}};
}

const char *const Requests[] = {
    "textDocument/hover",         "textDocument/definition",    "textDocument/references",
    "textDocument/prepareRename", "textDocument/rename",        "textDocument/documentSymbol",
    "textDocument/completion",    "textDocument/signatureHelp", "textDocument/semanticTokens/full",
    "textDocument/codeLens",      "textDocument/inlayHint",     "shutdown"};

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  llvm::StringRef input(reinterpret_cast<const char *>(data), size);
  const char *uri = "file:///fuzz/doc.rasp";
  std::string session;
  int id = 0;
  auto request = [&](const char *method, Object params) {
    session += lsp::frameMessage(Object{
        {"jsonrpc", "2.0"}, {"id", ++id}, {"method", method}, {"params", std::move(params)}});
  };
  auto notify = [&](const char *method, Object params) {
    session += lsp::frameMessage(
        Object{{"jsonrpc", "2.0"}, {"method", method}, {"params", std::move(params)}});
  };
  auto [first, rest] = input.split('\0');
  if (first.empty() || first[0] != '!')
    request("initialize", Object{{"capabilities", Object{}}});
  notify("textDocument/didOpen",
         Object{{"textDocument", Object{{"uri", uri}, {"text", validUtf8(first)}}}});
  while (!rest.empty()) {
    llvm::StringRef chunk;
    std::tie(chunk, rest) = rest.split('\0');
    if (chunk.empty())
      continue;
    llvm::StringRef payload = chunk.drop_front(std::min<size_t>(chunk.size(), 3));
    Object doc{{"uri", uri}};
    uint8_t op = static_cast<uint8_t>(chunk[0]) % 20;
    if (op < 12) {
      Object params{{"textDocument", std::move(doc)}, {"position", position(chunk, 1)}};
      params["newName"] = validUtf8(payload);
      params["context"] = Object{{"includeDeclaration", (chunk[0] & 1) != 0}};
      params["range"] = Object{{"start", position(chunk, 1)}, {"end", position(chunk, 2)}};
      request(Requests[op], std::move(params));
    } else if (op == 12) {
      notify("textDocument/didChange",
             Object{{"textDocument", std::move(doc)},
                    {"contentChanges", Array{Object{{"text", validUtf8(payload)}}}}});
    } else if (op == 13 || op == 14) { // Insert, or delete a range.
      Object range{{"start", position(chunk, 1)},
                   {"end", op == 13 ? position(chunk, 1) : position(chunk, 2)}};
      notify(
          "textDocument/didChange",
          Object{{"textDocument", std::move(doc)},
                 {"contentChanges", Array{Object{{"range", std::move(range)},
                                                 {"text", op == 13 ? validUtf8(payload) : ""}}}}});
    } else if (op == 15) {
      notify("textDocument/didClose", Object{{"textDocument", std::move(doc)}});
    } else if (op == 16) {
      doc["text"] = validUtf8(payload);
      notify("textDocument/didOpen", Object{{"textDocument", std::move(doc)}});
    } else if (op == 17) { // A framed body of arbitrary bytes.
      session += "Content-Length: " + std::to_string(payload.size()) + "\r\n\r\n" + payload.str();
    } else if (op == 18) { // Bytes without a frame.
      session += payload.str();
    } else {
      request("initialize",
              Object{{"initializationOptions", Object{{"example", validUtf8(payload)}}}});
    }
  }
  session += lsp::frameMessage(Object{{"jsonrpc", "2.0"}, {"method", "exit"}});
  std::FILE *in = fmemopen(session.data(), session.size(), "r");
  if (!in)
    return 0;
  llvm::raw_null_ostream out;
  lsp::runServer(in, out, nullptr);
  std::fclose(in);
  return 0;
}
