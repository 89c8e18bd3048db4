#!/usr/bin/env bash
# README command 1: install the dependencies, build, and run the main job on
# the bundled programs: `rasp check` on the paper's examples and the standard
# library, then the syntax tree of one example.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install-deps.sh
./scripts/build.sh
echo
echo "== rasp check examples/*.rasp stdlib/*.rasp"
build/rasp check examples/*.rasp stdlib/*.rasp
echo "no errors in $(ls examples/*.rasp stdlib/*.rasp | wc -l) files"
echo
echo "== rasp parse examples/reverse.rasp --emit=ast"
build/rasp parse examples/reverse.rasp --emit=ast
