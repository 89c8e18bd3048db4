#!/usr/bin/env python3
"""The differential test table: `rasp verify` on every program of table.txt.

Usage: run-table.py RASP ROOT MAX_LEN... [--samples K] [--light]
                    [--only FILE]... [--table TABLE] [--report FILE]
                    [--backend cpu|cuda]

Each program is compiled at each max_len and its model compared with the
reference evaluator on at least K random inputs (every input when there are
few), all lengths 1..max_len covered. Fails if any program fails to compile
or disagrees on any input. An input on which the evaluator itself fails is
not compared: it is counted apart and fails the row unless table.txt
declares the row `evaluator-failures` (and a row that compares no input
fails all the same). --only keeps the rows of one file (its path or base
name, as in `--only tracr.rasp`). --table reads another table (paths in it
still relative to ROOT). --report writes one JSON line per run with the
compile report (layers, d_model, parameters, compile time) and the
agreement, for the closing tables and the benchmarks. --backend runs the
models on that backend (`rasp verify --backend`); with cuda and no device
available, the script stops at once and exits 77 (skipped, for ctest).
"""
import argparse
import json
import os
import subprocess
import sys
import time
from collections import namedtuple

Row = namedtuple("Row", "path sop vocab limit heavy failures_expected")


def read_table(table):
    """The rows of `table`: file, s-op, vocab (a RASP list, up to its last
    `]`), then the options `max_len<=K`, `heavy` and `evaluator-failures`."""
    rows = []
    with open(table, encoding="utf-8") as f:
        for number, line in enumerate(f, 1):
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            path, sop, rest = line.split(None, 2)
            end = rest.rindex("]") + 1
            options = {"limit": None, "heavy": False, "failures_expected": False}
            for option in rest[end:].split():
                if option.startswith("max_len<="):
                    options["limit"] = int(option[len("max_len<="):])
                elif option == "heavy":
                    options["heavy"] = True
                elif option == "evaluator-failures":
                    options["failures_expected"] = True
                else:
                    sys.exit(f"{table}:{number}: unknown option '{option}'")
            rows.append(Row(path, sop, rest[:end], **options))
    return rows


def run_json(cmd):
    result = subprocess.run(cmd, capture_output=True, text=True)
    try:
        return result.returncode, json.loads(result.stdout), result.stderr
    except json.JSONDecodeError:
        return result.returncode, None, result.stderr


def skip_reason(args, row, n):
    if row.limit is not None and n > row.limit:
        return f"compiled only up to {row.limit}, see table.txt"
    if row.heavy and args.light and n > 16:
        return "heavy, see table.txt"
    return None


def verify_row(args, row, n, report):
    """Verifies one row at max_len n; prints the outcome and returns the
    number of inputs skipped because the evaluator fails on them, or None
    when the row fails."""
    base = [args.rasp, os.path.join(args.root, row.path), "--sop", row.sop,
            "--vocab", row.vocab, "--max-len", str(n), "--json"]
    verify_cmd = [base[0], "verify"] + base[1:] + ["--samples", str(args.samples),
                                                   "--backend", args.backend]
    if row.failures_expected:
        verify_cmd.append("--allow-evaluator-failures")
    start = time.time()
    rc, verify, err = run_json(verify_cmd)
    seconds = time.time() - start
    where = f"{row.sop} (max_len {n})"
    if verify is None and "error: no CUDA device available:" in err:
        print(f"skipped: {err.strip()}")
        sys.exit(77)
    if verify is None:
        print(f"FAIL {where}: does not compile (exit {rc})\n{err}")
        return None
    agreement = (f"{verify['agree']}/{verify['compared']} agree"
                 f"{' (every input)' if verify['exhaustive'] else ''}")
    skipped = verify["evaluator_failures"]
    if skipped:
        agreement += (f", {skipped} of {verify['asked']} inputs skipped: the evaluator "
                      f"fails on them")
    if verify["mismatches"]:
        print(f"FAIL {where}: {agreement}\n{json.dumps(verify.get('first_mismatch'))}")
        return None
    if skipped and not row.failures_expected:
        print(f"FAIL {where}: {agreement}, which table.txt does not declare "
              f"(evaluator-failures)\n{err}")
        return None
    enough = verify["exhaustive"] or verify["asked"] >= args.samples
    if rc != 0 or not enough:
        print(f"FAIL {where}: {agreement} (exit {rc})\n{err}")
        return None
    print(f"ok   {where}: {agreement}, {seconds:.1f} s")
    if report:
        _, compiled, _ = run_json([base[0], "compile"] + base[1:])
        report.write(json.dumps({"file": row.path, "verify": verify,
                                 "compile": compiled}) + "\n")
    return skipped


def parse_args():
    parser = argparse.ArgumentParser()
    parser.add_argument("rasp")
    parser.add_argument("root")
    parser.add_argument("max_len", type=int, nargs="+")
    parser.add_argument("--samples", type=int, default=500)
    parser.add_argument("--report")
    parser.add_argument("--light", action="store_true",
                        help="skip the programs marked heavy past max_len 16")
    parser.add_argument("--only", action="append", metavar="FILE",
                        help="only the rows of FILE (its path or base name; repeatable)")
    parser.add_argument("--table", help="the table (default ROOT/tests/differential/table.txt)")
    parser.add_argument("--backend", default="cpu", choices=["cpu", "cuda"],
                        help="the backend that runs the models (rasp verify --backend)")
    return parser.parse_args()


def main():
    args = parse_args()
    rows = read_table(args.table or os.path.join(args.root, "tests/differential/table.txt"))
    if args.only:
        rows = [r for r in rows if r.path in args.only or os.path.basename(r.path) in args.only]
        if not rows:
            sys.exit(f"no row of the table is in {', '.join(args.only)}")
    runs = failures = skipped = 0
    report = open(args.report, "w", encoding="utf-8") if args.report else None
    for n in args.max_len:
        for row in rows:
            reason = skip_reason(args, row, n)
            if reason:
                print(f"skip {row.sop} (max_len {n}): {reason}")
                continue
            runs += 1
            outcome = verify_row(args, row, n, report)
            if outcome is None:
                failures += 1
            else:
                skipped += outcome
    print(f"{runs - failures} of {runs} runs agree"
          + (f"; {skipped} inputs skipped where the evaluator fails, as declared"
             if skipped else ""))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
