#!/usr/bin/env bash
# Prints a digest of every compiled stage dump of the differential table:
# for each program of tests/differential/table.txt at max_len 5, 16 and 64,
# the md5 of `rasp compile --emit=weights`, `--emit=plan` and `--emit=values`.
# A change that only moves code must leave it byte-identical:
#   scripts/weights-digest.sh build/rasp > before.txt   (on the old commit)
#   scripts/weights-digest.sh build/rasp > after.txt
#   diff before.txt after.txt
# Usage: weights-digest.sh RASP [MAX_LEN...]
set -euo pipefail
rasp=$(realpath "$1")
shift
lengths=("$@")
((${#lengths[@]})) || lengths=(5 16 64)
cd "$(dirname "$0")/.."
grep -vE '^\s*(#|$)' tests/differential/table.txt | while read -r path sop rest; do
  vocab=${rest% heavy}
  vocab=${vocab%%max_len<=*}
  vocab=${vocab%%evaluator-failures*}
  vocab=$(echo "$vocab")
  for n in "${lengths[@]}"; do
    for emit in weights plan values; do
      digest=$("$rasp" compile "$path" --sop "$sop" --vocab "$vocab" --max-len "$n" \
                 --emit="$emit" 2>&1 | md5sum | cut -c1-12)
      echo "$sop $n $emit $digest"
    done
  done
done
