#!/usr/bin/env python3
"""Replays files into `rasp lsp` as if typed one character at a time: a
didChange with the whole text after each character, then a hover at the
cursor and a request that the server must answer, so that a crash or a
hang on any prefix of any file fails the test (the client gives up after
30 s without an answer). Speed is measured by bench_lsp, not here.

usage: replay.py RASP FILE..."""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lspclient import Client, uri_of  # noqa: E402

rasp, files = sys.argv[1], sys.argv[2:]
c = Client(rasp)
c.initialize()
changes = 0
for path in files:
    text = open(path, encoding="utf-8").read()
    uri = uri_of(path)
    c.open(uri, "")
    line = ch = 0
    for i in range(len(text)):
        c.change(uri, text[:i + 1], version=i + 2)
        if text[i] == "\n":
            line, ch = line + 1, 0
        else:
            ch += len(text[i].encode("utf-16-le")) // 2
        c.request("textDocument/hover", {"textDocument": {"uri": uri},
                                         "position": {"line": line, "character": ch}})
        changes += 1
    c.sync()
    final = c.diagnostics.get(uri)
    assert final == [], "%s has diagnostics once typed in full: %r" % (path, final)
    c.notify("textDocument/didClose", {"textDocument": {"uri": uri}})
assert c.shutdown() == 0
print("replayed %d files, %d changes" % (len(files), changes))
