#!/usr/bin/env python3
"""Checks the editors' highlighting on every example and library file:
the VS Code TextMate grammar (editors/vscode/syntaxes) and the Vim syntax
file (editors/vim/syntax, through a headless Neovim when there is one).

An independent tokenizer written here classifies each character (comment,
string, number, keyword, built-in, constant, name, operator,
punctuation); every character must get the scope or syntax group of its
class, so no ordinary code goes without a scope or gets a wrong one.

The TextMate grammar uses `match` rules only; this script applies them as
TextMate does (at each point the rule whose match starts first wins, ties
to the earlier rule; captures name their groups).

usage: check-grammars.py REPO FILE..."""

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

KEYWORDS = set("def return for in if else load draw set show example examples on off exit quit "
               "and or not".split())
BUILTINS = set("select aggregate range zip len round indicator selector_width categorical "
               "numerical".split())
CONSTANTS = set("True False tokens indices tokens_str tokens_int tokens_float tokens_bool "
                "tokens_asis".split())


def classify(line):
    """One class per character of `line` (None for white space)."""
    out = [None] * len(line)
    i = 0
    after_def = False
    while i < len(line):
        c = line[i]
        j = i + 1
        if c.isspace():
            i += 1
            continue
        if c == "#":
            j, cls = len(line), "comment"
        elif c == '"':
            end = line.find('"', i + 1)
            j, cls = (len(line) if end < 0 else end + 1), "string"
        elif c.isdigit() or (c == "." and i + 1 < len(line) and line[i + 1].isdigit()):
            m = re.match(r"([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?", line[i:])
            j, cls = i + m.end(), "number"
        elif c.isalpha() or c == "_":
            m = re.match(r"[A-Za-z_][A-Za-z0-9_]*", line[i:])
            word = m.group()
            j = i + m.end()
            cls = ("keyword" if word in KEYWORDS else "builtin" if word in BUILTINS
                   else "constant" if word in CONSTANTS
                   else "function" if after_def else "name")
            after_def = word == "def"
            for k in range(i, j):
                out[k] = cls
            i = j
            continue
        elif line.startswith(("==", "!=", "<=", ">="), i):
            j, cls = i + 2, "operator"
        elif c in "<>+-*/%=":
            cls = "operator"
        elif c in "(){}[],;:":
            cls = "punctuation"
        else:
            cls = "other"
        after_def = False
        for k in range(i, j):
            out[k] = cls
        i = j
    return out


TEXTMATE_OK = {
    "comment": ("comment.",), "string": ("string.",), "number": ("constant.numeric.",),
    "keyword": ("keyword.control.", "keyword.operator.logical."),
    "builtin": ("support.function.",), "constant": ("constant.language.", "variable.language."),
    "function": ("entity.name.function.",), "name": ("variable.other.",),
    "operator": ("keyword.operator.",), "punctuation": ("punctuation.",), "other": ()}

VIM_OK = {
    "comment": {"raspComment", "raspTodo"}, "string": {"raspString"}, "number": {"raspNumber"},
    "keyword": {"raspKeyword"}, "builtin": {"raspBuiltin"}, "constant": {"raspConstant"},
    "function": {"raspFunction"}, "name": {""}, "operator": {"raspOperator"},
    "punctuation": {""}, "other": set()}


def textmate_scopes(rules, line):
    scopes = [None] * len(line)
    compiled = [(re.compile(r["match"]), r) for r in rules]
    pos = 0
    while pos < len(line):
        best = None
        for regex, rule in compiled:
            m = regex.search(line, pos)
            if m and m.end() > m.start() and (best is None or m.start() < best[0].start()):
                best = (m, rule)
        if best is None:
            break
        m, rule = best
        for k in range(m.start(), m.end()):
            scopes[k] = rule.get("name")
        for group, capture in rule.get("captures", {}).items():
            if m.group(int(group)) is not None:
                for k in range(m.start(int(group)), m.end(int(group))):
                    scopes[k] = capture["name"]
        pos = m.end()
    return scopes


def vim_groups(repo, files):
    """Per file, per line, the syntax group of each byte (Neovim)."""
    if not shutil.which("nvim"):
        return None
    out = tempfile.mkdtemp()
    script = os.path.join(out, "dump.lua")
    with open(script, "w") as f:
        f.write("""
vim.opt.runtimepath:append(os.getenv('RASP_REPO') .. '/editors/vim')
vim.cmd('syntax on')
local result = {}
for _, path in ipairs(vim.fn.json_decode(os.getenv('RASP_FILES'))) do
  vim.cmd('edit ' .. vim.fn.fnameescape(path))
  vim.cmd('set filetype=rasp')
  local lines = {}
  for l = 1, vim.fn.line('$') do
    local groups = {}
    for c = 1, #vim.fn.getline(l) do
      groups[c] = vim.fn.synIDattr(vim.fn.synID(l, c, 1), 'name')
    end
    lines[l] = groups
  end
  result[path] = lines
end
local f = io.open(os.getenv('RASP_OUT'), 'w')
f:write(vim.fn.json_encode(result))
f:close()
vim.cmd('qall!')
""")
    env = dict(os.environ, RASP_REPO=repo, RASP_FILES=json.dumps(files),
               RASP_OUT=os.path.join(out, "groups.json"), HOME=out, XDG_CONFIG_HOME=out,
               XDG_DATA_HOME=out, XDG_STATE_HOME=out)
    subprocess.run(["nvim", "--headless", "--clean", "-u", "NONE", "-c", "luafile " + script],
                   env=env, check=True, timeout=300, stdin=subprocess.DEVNULL)
    return json.load(open(os.path.join(out, "groups.json")))


def main():
    repo, files = sys.argv[1], [os.path.abspath(f) for f in sys.argv[2:]]
    grammar = json.load(open(os.path.join(repo, "editors/vscode/syntaxes/rasp.tmLanguage.json")))
    groups = vim_groups(repo, files)
    problems = []
    checked = 0
    for path in files:
        for n, line in enumerate(open(path, encoding="utf-8").read().split("\n")):
            classes = classify(line)
            scopes = textmate_scopes(grammar["patterns"], line)
            vim = None
            if groups is not None:
                row = groups[path][n] if n < len(groups[path]) else []
                # One group per byte: that of each character's first byte.
                byte_starts, b = [], 0
                for ch in line:
                    byte_starts.append(b)
                    b += len(ch.encode("utf-8"))
                vim = [row[s] if isinstance(row, list) and s < len(row) else "" for s in byte_starts]
            for k, cls in enumerate(classes):
                if cls is None:
                    continue
                checked += 1
                where = "%s:%d:%d (%r, %s)" % (os.path.basename(path), n + 1, k + 1, line[k], cls)
                scope = scopes[k]
                if not scope or not scope.startswith(TEXTMATE_OK[cls]):
                    problems.append("TextMate: %s gets scope %r" % (where, scope))
                if vim is not None and vim[k] not in VIM_OK[cls]:
                    problems.append("Vim: %s gets group %r" % (where, vim[k]))
    for p in problems[:40]:
        print(p)
    print("%d characters of %d files checked%s; %d problems" %
          (checked, len(files), "" if groups is not None else " (TextMate only: no nvim)",
           len(problems)))
    sys.exit(1 if problems else 0)


main()
