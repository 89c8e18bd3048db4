#!/usr/bin/env bash
# Whole-process time and peak memory of the reference evaluator (`rasp run
# --backend interp`) on sort, histogram, reverse and Dyck-2 at growing input
# sizes: one line per run with the wall time and the peak resident set
# (GNU time's "Maximum resident set size"). The in-process figures are
# bench_eval_scale's.
#
# Usage: bench/eval-scale.sh RASP [SIZE...]   (sizes default to 1000 10000
#        100000 1000000; each run is limited to RASP_EVAL_SCALE_TIMEOUT
#        seconds, 300 unless set, and 6 GB of address space)
set -euo pipefail
rasp=$1
shift
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(1000 10000 100000 1000000)
root=$(cd "$(dirname "$0")/.." && pwd)
timeout=${RASP_EVAL_SCALE_TIMEOUT:-300}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# program file, s-op, alphabet
programs=(
  "examples/sort.rasp sorted abcdefghijklmnopqrstuvwxyz"
  "examples/histogram.rasp hist_nobos abcdefgh"
  "examples/reverse.rasp reverse abcdefghijklmnopqrstuvwxyz"
  "examples/dyck.rasp dyck2_ptf (){}"
)

printf '%-10s %9s %10s %12s %s\n' program tokens wall_s peak_MB status
for size in "${sizes[@]}"; do
  for entry in "${programs[@]}"; do
    read -r file sop alphabet <<<"$entry"
    input=$work/input-$size-$sop.txt
    # One string literal of SIZE random characters of the alphabet (seeded).
    python3 -c 'import random, sys
random.seed(42)
print("\"" + "".join(random.choice(sys.argv[2]) for _ in range(int(sys.argv[1]))) + "\"")' \
      "$size" "$alphabet" >"$input"
    status=ok
    /usr/bin/time -f '%e %M' -o "$work/time" \
      bash -c 'ulimit -v 6000000; exec timeout "$0" "$1" run "$2" --sop "$3" --input-file "$4"' \
      "$timeout" "$rasp" "$root/$file" "$sop" "$input" >/dev/null 2>"$work/err" || status="exit $?"
    if [ "$status" != ok ]; then
      status="$status: $(grep -m1 -o 'error: .\{0,60\}' "$work/err" || true)"
    fi
    read -r wall kb < <(tail -n 1 "$work/time") || { wall=?; kb=0; }
    printf '%-10s %9s %10s %12.1f %s\n' "$sop" "$size" "$wall" "$(echo "$kb / 1024" | bc -l)" "$status"
  done
done
