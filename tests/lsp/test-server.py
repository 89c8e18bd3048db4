#!/usr/bin/env python3
"""The scripted LSP client test: every feature of `rasp lsp`, and malformed
input. Expected positions are found in the test's own text (by searching
for the names), values worked out by hand in the comments.

usage: test-server.py RASP REPO"""

import json
import os
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lspclient import Client, ServerDied, uri_of  # noqa: E402

RASP, REPO = sys.argv[1], sys.argv[2]
failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL:", what)


def utf16(text):
    return len(text.encode("utf-16-le")) // 2


def pos_of(text, needle, nth=0, delta=0):
    """The LSP position of the nth occurrence of needle (+delta chars)."""
    index = -1
    for _ in range(nth + 1):
        index = text.index(needle, index + 1)
    index += delta
    line = text.count("\n", 0, index)
    start = text.rfind("\n", 0, index) + 1
    return line, utf16(text[start:index])


def start_of(text, needle, delta=0):
    line, ch = pos_of(text, needle, 0, delta)
    return {"line": line, "character": ch}


def key(value):
    return json.dumps(value, sort_keys=True)


def range_at(text, needle, nth=0):
    line, ch = pos_of(text, needle, nth)
    return {"start": {"line": line, "character": ch},
            "end": {"line": line, "character": ch + utf16(needle)}}


# The running example is "abc":
#   rev_index = length - indices - 1 = [2, 1, 0]
#   flip selects, for query q, the key k with k == 2 - q: reversed = c, b, a
#   dbl = double(indices) = [0, 2, 4]
# reversed needs two layers: length's aggregate (1 head, layer 1) and
# flip's (1 head, layer 2), so its lens reads "layer 2 · 2 heads".
MAIN = '''# example: "abc"
def double(x) {
  y = x + x;
  return y;
}
rev_index = length - indices - 1;
flip = select(indices, rev_index, ==);
reversed = aggregate(flip, tokens);
dbl = double(indices);
n = 3;
'''

tmp = tempfile.mkdtemp()
main_path = os.path.join(tmp, "main.rasp")
open(main_path, "w").write(MAIN)
MAIN_URI = uri_of(main_path)

# ------------------------------------------------ before initialize, framing
c = Client(RASP)
r = c.request("textDocument/hover", {"textDocument": {"uri": MAIN_URI},
                                     "position": {"line": 0, "character": 0}})
check(r.get("error", {}).get("code") == -32002, "a request before initialize: %r" % r)
c.open(MAIN_URI, MAIN)  # Dropped: not initialized.
c.send_raw(b"Bogus-Header\r\n\r\n")
c.send_raw(b"Content-Length: twelve\r\n\r\n")
body = b"{not json"
c.send_raw(b"Content-Length: %d\r\n\r\n" % len(body) + body)
m = c.read_message()
check(m.get("error", {}).get("code") == -32700 and m.get("id") is None,
      "a body that is not JSON: %r" % m)
body = b"[1, 2]"
c.send_raw(b"Content-Length: %d\r\n\r\n" % len(body) + body)
m = c.read_message()
check(m.get("error", {}).get("code") == -32600, "a body that is not an object: %r" % m)
caps = c.initialize()["capabilities"]
check(caps.get("positionEncoding") == "utf-16", "utf-16 positions")
check(caps.get("textDocumentSync", {}).get("change") == 1, "full document sync")
for cap in ["hoverProvider", "definitionProvider", "referencesProvider", "renameProvider",
            "documentSymbolProvider", "completionProvider", "signatureHelpProvider",
            "semanticTokensProvider", "codeLensProvider", "inlayHintProvider"]:
    check(cap in caps, "capability " + cap)
r = c.request("initialize", {"capabilities": {}})
check(r.get("error", {}).get("code") == -32600, "a second initialize: %r" % r)
r = c.request("workspace/noSuchMethod", {})
check(r.get("error", {}).get("code") == -32601, "an unknown method: %r" % r)
c.notify("workspace/noSuchNotification", {})
r = c.request("textDocument/hover", {"textDocument": {"uri": MAIN_URI},
                                     "position": {"line": 0, "character": 0}})
check(r.get("error", {}).get("code") == -32602,
      "the document opened before initialize is not open: %r" % r)
r = c.request("textDocument/hover", {"textDocument": {"uri": MAIN_URI}})
check(r.get("error", {}).get("code") == -32602, "a hover without a position: %r" % r)

# ---------------------------------------------------------- a clean document
c.open(MAIN_URI, MAIN)
c.sync()
check(c.diagnostics.get(MAIN_URI) == [], "no diagnostics for a clean document: %r"
      % c.diagnostics.get(MAIN_URI))


def hover_text(uri, text, needle, nth=0):
    line, ch = pos_of(text, needle, nth)
    h = c.at("textDocument/hover", uri, line, ch + 1)
    return h["contents"]["value"] if h else ""


h = hover_text(MAIN_URI, MAIN, "reversed")
check("s-op" in h and "[c, b, a]" in h, "hover: reversed on \"abc\": %r" % h)
check("layer 2" in h and "heads read: 2" in h and "depth 2" in h, "hover: layers: %r" % h)
h = hover_text(MAIN_URI, MAIN, "dbl")
check("[0, 2, 4]" in h and "layer 0" in h, "hover: dbl: %r" % h)
h = hover_text(MAIN_URI, MAIN, "flip", 1)
check("selector" in h, "hover: flip is a selector: %r" % h)
h = hover_text(MAIN_URI, MAIN, "double", 1)
check("function" in h and "double(x)" in h, "hover: double is a function: %r" % h)
h = hover_text(MAIN_URI, MAIN, "x", 1)
check("parameter" in h, "hover: x is a parameter: %r" % h)
h = hover_text(MAIN_URI, MAIN, "n =")
check("atom" in h and "3" in h, "hover: n is the atom 3: %r" % h)
h = hover_text(MAIN_URI, MAIN, "length")
check("standard library" in h and "[3]*3" in h, "hover: length on \"abc\": %r" % h)
check(c.at("textDocument/hover", MAIN_URI, 4, 0) is None, "hover on '}' is empty")

# Definitions: in the document, and into the standard library.
line, ch = pos_of(MAIN, "rev_index", 1)
d = c.at("textDocument/definition", MAIN_URI, line, ch)
check(d == {"uri": MAIN_URI, "range": range_at(MAIN, "rev_index")}, "definition of rev_index: %r" % d)
line, ch = pos_of(MAIN, "x + x", 0, 4)
d = c.at("textDocument/definition", MAIN_URI, line, ch)
check(d and d["range"]["start"] == start_of(MAIN, "x) {"), "definition of a parameter: %r" % d)
stdlib_path = os.path.join(REPO, "stdlib", "rasplib.rasp")
stdlib = open(stdlib_path).read()
line, ch = pos_of(MAIN, "length")
d = c.at("textDocument/definition", MAIN_URI, line, ch)
check(d and d["uri"] == uri_of(stdlib_path)
      and d["range"]["start"] == start_of(stdlib, "\nlength =", 1),
      "definition of length in the standard library: %r" % d)

# References and rename.
line, ch = pos_of(MAIN, "rev_index")
refs = c.at("textDocument/references", MAIN_URI, line, ch, context={"includeDeclaration": True})
want = [range_at(MAIN, "rev_index", 0), range_at(MAIN, "rev_index", 1)]
check(sorted(key(x["range"]) for x in refs or []) == sorted(key(w) for w in want),
      "references of rev_index: %r" % refs)
refs = c.at("textDocument/references", MAIN_URI, line, ch, context={"includeDeclaration": False})
check([x["range"] for x in refs or []] == [want[1]], "references without the declaration: %r" % refs)
line, ch = pos_of(MAIN, "flip", 1)
edit = c.at("textDocument/rename", MAIN_URI, line, ch, newName="mirror")
edits = edit["changes"][MAIN_URI]
check(sorted(key(e["range"]) for e in edits) ==
      sorted(key(range_at(MAIN, "flip", i)) for i in range(2))
      and all(e["newText"] == "mirror" for e in edits), "rename of flip: %r" % edit)
prep = c.at("textDocument/prepareRename", MAIN_URI, line, ch)
check(prep == range_at(MAIN, "flip", 1), "prepareRename: %r" % prep)
r = c.request("textDocument/rename", {"textDocument": {"uri": MAIN_URI},
                                      "position": {"line": line, "character": ch},
                                      "newName": "def"})
check("error" in r, "renaming to a keyword is refused: %r" % r)
line, ch = pos_of(MAIN, "length")
r = c.request("textDocument/rename", {"textDocument": {"uri": MAIN_URI},
                                      "position": {"line": line, "character": ch},
                                      "newName": "size"})
check("error" in r, "renaming a library name is refused: %r" % r)

# Document symbols, with their kinds.
symbols = c.result("textDocument/documentSymbol", {"textDocument": {"uri": MAIN_URI}})
kinds = {s["name"]: s["kind"] for s in symbols}
check(kinds == {"double": 12, "rev_index": 13, "flip": 25, "reversed": 13, "dbl": 13, "n": 14},
      "document symbols: %r" % kinds)

# Completion and signature help.
items = c.at("textDocument/completion", MAIN_URI, 9, 0)["items"]
labels = {i["label"]: i for i in items}
for name in ["double", "reversed", "length", "sort", "select", "aggregate", "tokens", "indices"]:
    check(name in labels, "completion offers " + name)
check("sort(seq, key)" in labels.get("sort", {}).get("detail", ""),
      "completion shows sort's signature: %r" % labels.get("sort"))
check("x" not in labels, "completion at top level does not offer double's parameter")
items = c.at("textDocument/completion", MAIN_URI, 2, 6)["items"]
check("x" in {i["label"] for i in items}, "completion inside double offers its parameter")
typed = MAIN + "z = select(indices, dbl"
c.change(MAIN_URI, typed)
sig = c.at("textDocument/signatureHelp", MAIN_URI, *pos_of(typed, "dbl", 1, 3))
check(sig and sig["signatures"][0]["label"] == "select(keys, queries, comparison)"
      and sig["activeParameter"] == 1, "signature help of select: %r" % sig)
typed = MAIN + "z = double("
c.change(MAIN_URI, typed)
sig = c.at("textDocument/signatureHelp", MAIN_URI, typed.count("\n"), len("z = double("))
check(sig and sig["signatures"][0]["label"] == "double(x)" and sig["activeParameter"] == 0,
      "signature help of double: %r" % sig)
c.change(MAIN_URI, MAIN)

# Semantic tokens, decoded.
legend = caps["semanticTokensProvider"]["legend"]["tokenTypes"]


def semantic_tokens(uri):
    data = c.result("textDocument/semanticTokens/full", {"textDocument": {"uri": uri}})["data"]
    tokens, line, ch = {}, 0, 0
    for i in range(0, len(data), 5):
        line += data[i]
        ch = data[i + 1] if data[i] else ch + data[i + 1]
        tokens[(line, ch)] = (legend[data[i + 3]], data[i + 2])
    return tokens


tokens = semantic_tokens(MAIN_URI)
check(tokens.get((0, 0)) == ("comment", len(MAIN.split("\n")[0])), "comment token")
check(tokens.get(pos_of(MAIN, "def")) == ("keyword", 3), "def is a keyword")
check(tokens.get(pos_of(MAIN, "double")) == ("function", 6), "double is a function")
check(tokens.get(pos_of(MAIN, "x) {")) == ("parameter", 1), "x is a parameter")
check(tokens.get(pos_of(MAIN, "1;")) == ("number", 1), "1 is a number")
check(tokens.get(pos_of(MAIN, "flip")) == ("variable", 4), "flip is a variable")

# Code lens and inlay hints.
lenses = c.result("textDocument/codeLens", {"textDocument": {"uri": MAIN_URI}})
titles = {MAIN.split("\n")[x["range"]["start"]["line"]].split(" ")[0]: x["command"]["title"]
          for x in lenses}
check(titles == {"rev_index": "layer 1 \u00b7 1 head", "reversed": "layer 2 \u00b7 2 heads",
                 "dbl": "layer 0 \u00b7 0 heads"}, "code lenses: %r" % titles)
hints = c.result("textDocument/inlayHint", {"textDocument": {"uri": MAIN_URI}, "range": {
    "start": {"line": 0, "character": 0}, "end": {"line": 100, "character": 0}}})
check(any(x["label"] == "layer 2 \u00b7 2 heads" and x["position"] == range_at(MAIN, "reversed")["end"]
          for x in hints), "inlay hint of reversed: %r" % hints)

# ---------------------------------------------------------------- diagnostics
BAD = '''s = "\U0001F600"; t = nothing;
def f(a, b) { return a; }
u = f(1);
e = tokens + 1;
e2 = e * 2;
v = 1 +;
w = aggregate(select(indices, indices, ==), tokens);
'''
bad_uri = uri_of(os.path.join(tmp, "bad.rasp"))
c.open(bad_uri, BAD)
c.sync()
diags = {d["message"]: d for d in c.diagnostics.get(bad_uri, [])}
undefined = diags.get("undefined name 'nothing'")
check(undefined and undefined["range"] == range_at(BAD, "nothing"),
      "undefined name, located in UTF-16: %r" % undefined)
calls = [d for m, d in diags.items() if m.startswith("f takes 2 arguments")]
check(calls and calls[0]["range"]["start"] == range_at(BAD, "f(1)")["start"]
      and calls[0].get("relatedInformation", [{}])[0].get("location", {}).get("range")
      == range_at(BAD, "f", 1), "a call with the wrong count, related to the definition: %r" % calls)
syntax = [d for d in diags.values() if d["range"]["start"]["line"] == 5]
check(len(syntax) == 1 and syntax[0]["severity"] == 1, "the syntax error: %r" % syntax)
# "h" + 1 fails on the running example "hello" (as in the REPL); e2's use
# of e, which that statement did not bind, is not a second error.
typed = diags.get("unsupported operand types for +: str and int")
check(typed and typed["range"] == range_at(BAD, "tokens + 1"), "a type error on the example: %r" % typed)
check(len(diags) == 4, "four diagnostics: %r" % list(diags))
tokens = semantic_tokens(bad_uri)
check(tokens.get(pos_of(BAD, '"')) == ("string", 4), "a string of a surrogate pair is 4 units")
check(tokens.get(pos_of(BAD, "nothing")) is None, "an undefined name has no token")
# Everything else still works around the syntax error.
h = hover_text(bad_uri, BAD, "w =")
check("[a, b, c]" not in h and "s-op" in h and "[h, e, l, l, o]" in h,
      "hover after a syntax error, on the default example \"hello\": %r" % h)
h = hover_text(bad_uri, BAD, "e =")
check("no value" in h, "hover on a name whose statement failed: %r" % h)
d = c.at("textDocument/definition", bad_uri, *pos_of(BAD, "f(1)"))
check(d and d["range"] == range_at(BAD, "f", 1), "definition before a syntax error: %r" % d)

# ---------------------------------------------------------------- load
helper_path = os.path.join(tmp, "helper.rasp")
open(helper_path, "w").write("# A helper.\ndef twice(s) {\n  return s * 2;\n}\n")
LOADER = 'load "helper";\ntw = twice(indices);\n'
loader_uri = uri_of(os.path.join(tmp, "loader.rasp"))
c.open(loader_uri, LOADER)
c.sync()
check(c.diagnostics.get(loader_uri) == [], "a load: %r" % c.diagnostics.get(loader_uri))
d = c.at("textDocument/definition", loader_uri, *pos_of(LOADER, "twice"))
check(d and d["uri"] == uri_of(helper_path) and d["range"]["start"] == {"line": 1, "character": 4},
      "definition across a load: %r" % d)
h = hover_text(loader_uri, LOADER, "tw =")
check("[0, 2, 4, 6, 8]" in h, "hover on a loaded function's result: %r" % h)
# An error in a loaded file is shown at the load that read it, with the
# place in that file as its related location.
broken_path = os.path.join(tmp, "broken.rasp")
open(broken_path, "w").write("ok = 1;\nbad = nothing2;\n")
USES = 'x = 1;\nload "broken";\n'
uses_uri = uri_of(os.path.join(tmp, "uses.rasp"))
c.open(uses_uri, USES)
c.sync()
loaded = c.diagnostics.get(uses_uri, [])
name_range = range_at(USES, '"broken"')
check(len(loaded) == 1 and "undefined name 'nothing2'" in loaded[0]["message"]
      and loaded[0]["range"]["start"]["line"] == 1
      and name_range["start"]["character"] <= loaded[0]["range"]["start"]["character"]
      and loaded[0]["range"]["end"]["character"] <= name_range["end"]["character"]
      and loaded[0]["relatedInformation"][0]["location"] ==
      {"uri": uri_of(broken_path), "range": range_at("ok = 1;\nbad = nothing2;\n", "nothing2")},
      "an error in a loaded file: %r" % loaded)

# With the loaded file open too, references and rename reach both files.
HELPER = open(helper_path).read()
helper_uri = uri_of(helper_path)
c.open(helper_uri, HELPER)
refs = c.at("textDocument/references", loader_uri, *pos_of(LOADER, "twice"),
            context={"includeDeclaration": True})
check(sorted((r["uri"], r["range"]["start"]["line"]) for r in refs or []) ==
      sorted([(helper_uri, 1), (loader_uri, 1)]), "references across a load: %r" % refs)
edit = c.at("textDocument/rename", helper_uri, *pos_of(HELPER, "twice"), newName="double_it")
check(sorted(edit["changes"]) == sorted([helper_uri, loader_uri])
      and edit["changes"][loader_uri][0]["range"] == range_at(LOADER, "twice"),
      "rename across a load, from the defining file: %r" % edit)

# A loop past the server's budget of steps (10^9 iterations, more than 5
# million steps) is one error; the statement after it fails too (the budget
# is the document's) but is not reported again.
LOOP = "for i in range(1000) { for j in range(1000) { for k in range(1000) { x = i; } } }\ny = 1;\n"
loop_uri = uri_of(os.path.join(tmp, "loop.rasp"))
c.open(loop_uri, LOOP)
c.sync()
loop = c.diagnostics.get(loop_uri, [])
check(len(loop) == 1 and "runs too long" in loop[0]["message"], "a loop past the budget: %r" % loop)

# ------------------------------------------------- positions, closing twice
check(c.at("textDocument/hover", MAIN_URI, 1000, 0) is None, "hover past the last line")
c.at("textDocument/hover", MAIN_URI, 5, 100000)
c.at("textDocument/completion", MAIN_URI, 1000, 1000)
c.at("textDocument/signatureHelp", MAIN_URI, -5, -5)
c.notify("textDocument/didClose", {"textDocument": {"uri": bad_uri}})
c.notify("textDocument/didClose", {"textDocument": {"uri": bad_uri}})
c.sync()
check(c.diagnostics.get(bad_uri) == [], "closing clears the diagnostics")
r = c.request("textDocument/hover", {"textDocument": {"uri": bad_uri},
                                     "position": {"line": 0, "character": 0}})
check(r.get("error", {}).get("code") == -32602, "a request on a closed document: %r" % r)
c.notify("textDocument/didChange", {"textDocument": {"uri": bad_uri}, "contentChanges": [{}]})
c.notify("textDocument/didOpen", {"textDocument": {"uri": 7}})
c.send({"jsonrpc": "2.0", "id": {"an": "object"}, "method": "shutdown"})
m = c.read_message()
check(m.get("error", {}).get("code") == -32600, "an id that is an object: %r" % m)
check(c.shutdown() == 0, "exit after shutdown is status 0")

# initializationOptions give the example; exit without shutdown is 1.
c = Client(RASP)
c.initialize({"example": '"xy"'})
plain = "r = aggregate(select(indices, length - indices - 1, ==), tokens);\n"
plain_uri = uri_of(os.path.join(tmp, "plain.rasp"))
c.open(plain_uri, plain)
h = hover_text(plain_uri, plain, "r =")
check("[y, x]" in h, "the example from initializationOptions: %r" % h)
c.notify("workspace/didChangeConfiguration", {"settings": {"rasp": {"example": "[1, 2, 3]"}}})
h = hover_text(plain_uri, plain, "r =")
check("[3, 2, 1]" in h, "the example from didChangeConfiguration: %r" % h)
c.notify("workspace/didChangeConfiguration", {"settings": {"example": "[]"}})
c.sync()
warning = c.diagnostics.get(plain_uri, [{}])
check(len(warning) == 1 and warning[0].get("severity") == 2 and "[]" in warning[0]["message"],
      "an empty example is a warning: %r" % warning)
c.notify("exit")
check(c.proc.wait(timeout=30) == 1, "exit without shutdown is status 1")

if failures:
    print("%d check(s) failed" % len(failures))
    sys.exit(1)
print("all LSP checks passed")
