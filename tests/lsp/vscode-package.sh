#!/usr/bin/env bash
# Packages the VS Code extension (editors/vscode) into a .vsix with its own
# npm tools, offline, and checks what the package holds. Usage:
# vscode-package.sh REPO. Skips (exit 77) where editors/vscode/node_modules
# is absent (it comes from `npm ci` in editors/vscode, which needs the
# registry or an npm cache once).
set -euo pipefail
ext="$1/editors/vscode"
[[ -x "$ext/node_modules/.bin/vsce" ]] ||
  { echo "editors/vscode/node_modules is absent (run npm ci there): skipped"; exit 77; }
command -v node >/dev/null || { echo "node is not installed: skipped"; exit 77; }
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
cd "$ext"
npm_config_offline=true timeout 300 node_modules/.bin/vsce package --skip-license \
  --allow-missing-repository --out "$out/rasp.vsix"
python3 - "$out/rasp.vsix" <<'PY'
import json, sys, zipfile
names = set(zipfile.ZipFile(sys.argv[1]).namelist())
need = ["extension/package.json", "extension/extension.js",
        "extension/language-configuration.json", "extension/syntaxes/rasp.tmLanguage.json",
        "extension/node_modules/vscode-languageclient/node.js", "extension.vsixmanifest"]
missing = [n for n in need if n not in names]
assert not missing, "the package lacks %s" % missing
assert not any("/node_modules/@vscode/vsce/" in n for n in names), "dev tools were packaged"
manifest = json.loads(zipfile.ZipFile(sys.argv[1]).read("extension/package.json"))
assert manifest["contributes"]["languages"][0]["id"] == "rasp"
print("packaged %d files" % len(names))
PY
