#!/usr/bin/env bash
# Runs emacs-test.el in Emacs in batch mode: usage emacs-test.sh RASP REPO.
# Skips (exit 77) where Emacs or eglot is not installed.
set -euo pipefail
command -v emacs >/dev/null || { echo "emacs is not installed: skipped"; exit 77; }
ls /usr/share/emacs/site-lisp/elpa/eglot-*/eglot.el >/dev/null 2>&1 ||
  { echo "eglot (elpa-eglot) is not installed: skipped"; exit 77; }
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
cp "$2/tests/lsp/Inputs/editor-test.rasp" "$dir/test.rasp"
export RASP="$1" RASP_REPO="$2" RASP_FILE="$dir/test.rasp"
cd "$dir"
HOME="$dir" timeout 120 emacs -Q --batch -l "$2/tests/lsp/emacs-test.el" </dev/null
