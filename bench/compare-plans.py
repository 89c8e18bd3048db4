#!/usr/bin/env python3
"""Layers and dense parameters of every row of a differential table, as two
`rasp` binaries compile them.

Usage: compare-plans.py BEFORE_RASP AFTER_RASP ROOT [MAX_LEN...]
                        [--table TABLE] [--only FILE]... [--jobs J]
                        [--timeout S] [--all]

Compiles each row of the table (default ROOT/tests/differential/table.txt;
--only keeps the rows of FILE, its path or base name, repeatable) at each
max_len (default 5, 16 and 64) up to the row's `max_len<=K`, with both
binaries (`rasp compile --json`), and prints the rows whose layers, dense
parameters or outcome differ (all rows with --all): BEFORE -> AFTER. Then
the counts: rows deeper, shallower, refused now, compiling now, and the
largest growths of dense parameters. Exits 1 when a row got deeper or is
refused now where it compiled, so that it can gate a change.
"""
import argparse
import concurrent.futures
import importlib.util
import json
import os
import subprocess
import sys


def load_table_reader(root):
    path = os.path.join(root, "tests/differential/run-table.py")
    spec = importlib.util.spec_from_file_location("run_table", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.read_table


def compile_row(rasp, root, row, n, timeout):
    """(layers, dense parameters) or the first line of the refusal."""
    cmd = [rasp, "compile", os.path.join(root, row.path), "--sop", row.sop,
           "--vocab", row.vocab, "--max-len", str(n), "--json"]
    try:
        result = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return f"timed out after {timeout} s"
    try:
        out = json.loads(result.stdout)
        return (out["layers"], out["params_dense"])
    except (json.JSONDecodeError, KeyError):
        lines = result.stderr.strip().splitlines()
        return lines[0][:160] if lines else f"exit {result.returncode}"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("before")
    parser.add_argument("after")
    parser.add_argument("root")
    parser.add_argument("max_lens", nargs="*", type=int)
    parser.add_argument("--table")
    parser.add_argument("--only", action="append", default=[])
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--timeout", type=int, default=300)
    parser.add_argument("--all", action="store_true")
    args = parser.parse_args()
    max_lens = args.max_lens or [5, 16, 64]
    table = args.table or os.path.join(args.root, "tests/differential/table.txt")
    rows = load_table_reader(args.root)(table)
    if args.only:
        rows = [r for r in rows
                if any(r.path == o or os.path.basename(r.path) == os.path.basename(o)
                       for o in args.only)]
    work = [(row, n) for row in rows for n in max_lens
            if row.limit is None or n <= row.limit]
    with concurrent.futures.ThreadPoolExecutor(args.jobs) as pool:
        results = list(pool.map(
            lambda item: (compile_row(args.before, args.root, *item, args.timeout),
                          compile_row(args.after, args.root, *item, args.timeout)), work))
    deeper, shallower, refused, fixed, growth = [], [], [], [], []
    for (row, n), (before, after) in zip(work, results):
        name = f"{os.path.basename(row.path)} {row.sop} @{n}"
        if args.all or before != after:
            print(f"{name}: {before} -> {after}")
        if isinstance(before, tuple) and isinstance(after, tuple):
            if after[0] > before[0]:
                deeper.append(name)
            elif after[0] < before[0]:
                shallower.append(name)
            growth.append((after[1] / max(before[1], 1), name, before[1], after[1]))
        elif isinstance(before, tuple):
            refused.append(name)
        elif isinstance(after, tuple):
            fixed.append(name)
    print(f"\n{len(work)} compiles: {len(deeper)} deeper, {len(shallower)} shallower, "
          f"{len(refused)} refused now, {len(fixed)} compiling now")
    for label, names in (("deeper", deeper), ("refused now", refused)):
        for name in names:
            print(f"  {label}: {name}")
    growth.sort(reverse=True)
    print("largest growths of dense parameters:")
    for ratio, name, before, after in growth[:10]:
        print(f"  {name}: {before} -> {after} (x{ratio:.2f})")
    return 1 if deeper or refused else 0


if __name__ == "__main__":
    sys.exit(main())
