#!/usr/bin/env python3
"""The differential test table: `rasp verify` on every program of table.txt.

Usage: run-table.py RASP ROOT MAX_LEN... [--samples K] [--light] [--report FILE]

Each program is compiled at each max_len and its model compared with the
reference evaluator on at least K random inputs (every input when there are
few), all lengths 1..max_len covered. Fails if any program fails to compile
or disagrees on any input. --report writes one JSON line per run with the
compile report (layers, d_model, parameters, compile time) and the
agreement, for the closing tables and the benchmarks.
"""
import argparse
import json
import os
import subprocess
import sys
import time


def read_table(root):
    rows = []
    with open(os.path.join(root, "tests/differential/table.txt"), encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            path, sop, rest = line.split(None, 2)
            limit = None
            heavy = rest.endswith(" heavy")
            if heavy:
                rest = rest[: -len(" heavy")]
            if "max_len<=" in rest:
                rest, limit = rest.split("max_len<=")
                limit = int(limit)
            rows.append((path, sop, rest.strip(), limit, heavy))
    return rows


def run_json(cmd):
    result = subprocess.run(cmd, capture_output=True, text=True)
    try:
        return result.returncode, json.loads(result.stdout), result.stderr
    except json.JSONDecodeError:
        return result.returncode, None, result.stderr


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("rasp")
    parser.add_argument("root")
    parser.add_argument("max_len", type=int, nargs="+")
    parser.add_argument("--samples", type=int, default=500)
    parser.add_argument("--report")
    parser.add_argument("--light", action="store_true",
                        help="skip the programs marked heavy past max_len 16")
    args = parser.parse_args()
    failures = 0
    runs = 0
    report = open(args.report, "w", encoding="utf-8") if args.report else None
    for n in args.max_len:
        for path, sop, vocab, limit, heavy in read_table(args.root):
            if limit is not None and n > limit:
                print(f"skip {sop} (max_len {n}): compiled only up to {limit}, see table.txt")
                continue
            if heavy and args.light and n > 16:
                print(f"skip {sop} (max_len {n}): heavy, see table.txt")
                continue
            runs += 1
            base = [args.rasp, os.path.join(args.root, path), "--sop", sop,
                    "--vocab", vocab, "--max-len", str(n), "--json"]
            start = time.time()
            rc, verify, err = run_json([base[0], "verify"] + base[1:] +
                                       ["--samples", str(args.samples)])
            seconds = time.time() - start
            where = f"{sop} (max_len {n})"
            if verify is None:
                failures += 1
                print(f"FAIL {where}: does not compile (exit {rc})\n{err}")
                continue
            enough = verify["exhaustive"] or verify["samples"] + verify["reference_errors"] >= args.samples
            if rc != 0 or verify["mismatches"] or not enough:
                failures += 1
                print(f"FAIL {where}: {verify['agree']}/{verify['samples']} agree\n"
                      f"{json.dumps(verify.get('first_mismatch'))}")
                continue
            print(f"ok   {where}: {verify['agree']}/{verify['samples']} agree"
                  f"{' (every input)' if verify['exhaustive'] else ''}, {seconds:.1f} s")
            if report:
                _, compiled, _ = run_json([base[0], "compile"] + base[1:])
                report.write(json.dumps({"file": path, "verify": verify,
                                         "compile": compiled}) + "\n")
    print(f"{runs - failures} of {runs} runs agree")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
