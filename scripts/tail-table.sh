#!/usr/bin/env bash
# Regenerates docs/tail.md: TAIL's tasks compiled, set beside Qwen2.5, and run
# on random inputs of TAIL's ranges (issue 18; the work is scripts/tail_table.py).
# Usage: scripts/tail-table.sh [--rasp RASP] [--quick] [--count K] [--out FILE]
#                              [--only SOP]... [--strict]
# Builds build/rasp first when no --rasp is given and it is missing.
set -euo pipefail
cd "$(dirname "$0")/.."
rasp=build/rasp
args=()
while (($#)); do
  case $1 in
    --rasp) rasp=$2; shift 2 ;;
    *) args+=("$1"); shift ;;
  esac
done
if [[ ! -x $rasp ]]; then
  echo "tail-table: $rasp is missing; building it" >&2
  if [[ -f build/build.ninja ]]; then cmake --build build --target rasp >&2; else ./scripts/build.sh >&2; fi
fi
exec python3 scripts/tail_table.py --rasp "$rasp" "${args[@]}"
