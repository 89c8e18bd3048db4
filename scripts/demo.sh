#!/usr/bin/env bash
# README command 1: install the dependencies, build, and run the main job on
# the bundled programs: `rasp check` on the paper's examples and the standard
# library, `rasp run` on some of them, Dyck-2 compiled to transformer weights
# (the report, the model run on the CPU, and its verification against the
# evaluator), and a short REPL session.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install-deps.sh
./scripts/build.sh
echo
echo "== rasp check examples/*.rasp stdlib/*.rasp"
build/rasp check examples/*.rasp stdlib/*.rasp
echo "no errors in $(ls examples/*.rasp stdlib/*.rasp | wc -l) files"
echo
echo "== rasp run: the paper's programs on example inputs"
build/rasp run examples/reverse.rasp --sop reverse --input '"hello"'
build/rasp run examples/sort.rasp --sop sorted --input '"transformer"'
build/rasp run examples/dyck.rasp --sop dyck2_ptf --input '"({}){"'
build/rasp run examples/histogram.rasp --sop hist_nobos --input '[3, 1, 3, 3]' --json
echo
echo "== rasp compile: Dyck-2 to transformer weights, run on the CPU, verified"
dyck=(examples/dyck.rasp --sop dyck2_ptf --vocab '["(",")","{","}"]' --max-len 16)
build/rasp compile "${dyck[@]}"
build/rasp run "${dyck[@]}" --backend cpu --input '"({}){"'
build/rasp verify "${dyck[@]}" --samples 500
echo
echo "== rasp repl, fed a short transcript"
printf 'x = indices * 2;\nset example "abc"\ns = select(indices, indices, <=);\n' |
  build/rasp repl
