#!/usr/bin/env bash
# Runs nvim-test.lua in a headless Neovim: usage nvim-test.sh RASP REPO.
# Skips (exit 77, ctest's SKIP_RETURN_CODE) where Neovim is not installed.
set -euo pipefail
command -v nvim >/dev/null || { echo "nvim is not installed: skipped"; exit 77; }
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
cp "$2/tests/lsp/Inputs/editor-test.rasp" "$dir/test.rasp"
export RASP="$1" RASP_REPO="$2" RASP_FILE="$dir/test.rasp"
cd "$dir"
HOME="$dir" XDG_CONFIG_HOME="$dir" XDG_DATA_HOME="$dir" XDG_STATE_HOME="$dir" \
  timeout 120 nvim --headless --clean -u NONE -c "luafile $2/tests/lsp/nvim-test.lua" </dev/null
