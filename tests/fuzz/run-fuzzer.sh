#!/usr/bin/env bash
# Runs a libFuzzer target for a bounded time, seeded with every .rasp file of
# the repository and the SEED files (paths relative to SOURCE_DIR). TAIL's
# step programs are left out: compiling one takes longer than the 10 s a
# single input may take under the sanitizers (they are tested on their own).
# Usage: run-fuzzer.sh FUZZER SOURCE_DIR CORPUS_DIR SECONDS [SEED...]
set -euo pipefail
fuzzer=$1 source=$2 corpus=$3 seconds=$4
shift 4
mkdir -p "$corpus"
while IFS= read -r -d '' file; do
  relative=${file#"$source"/}
  cp "$file" "$corpus/seed_${relative//\//_}"
done < <(find "$source/examples" "$source/stdlib" "$source/tests" -name '*.rasp' \
  -not -path "$source/examples/tail/steps/*" -print0)
for relative in "$@"; do
  cp "$source/$relative" "$corpus/seed_${relative//\//_}"
done
# -timeout: any single input taking longer is a hang; -rss_limit_mb: memory.
exec "$fuzzer" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
  -artifact_prefix="$corpus/" \
  -max_len=8192 -dict="$source/tests/fuzz/rasp.dict" -print_final_stats=1 \
  "$corpus"
