#!/usr/bin/env python3
"""What the compiler makes of the natural corpus, as a Markdown table.

Usage: natural-table.py RASP ROOT [MAX_LEN...] [--samples K] [--table TABLE]
                        [--only FILE]... [--previous REPORT] [--costs]

The natural corpus is every row of the differential table (table.txt)
whose file is tests/differential/natural*.rasp: programs written the way
users write them, without numerical() or categorical() hints (issue 14);
--only takes the rows of FILE instead (its path or base name, repeatable),
--table another table.
Each is analysed once (`rasp analyze --json`: the layers of the paper's
analysis) and, at each max_len (default 5, 16 and 64), compiled (`rasp
compile --json`) and, when it compiles, verified (`rasp verify --json` on K
random inputs, default 200, every input where there are few) whatever
max_len the table caps the row at, so that a refusal shows here with its
reason. Prints, per program and max_len: the analysis layers, the compiled
layers (written 1+L where the first of them is an MLP-only layer before
L layers that have heads), the heads (all layers), d_model, the dense parameters and whether
the model agreed with the evaluator on every input, or the refusal; then,
per max_len, the totals: programs compiled, at the analysis depth (a
leading MLP-only layer, which the analysis counts as layer 0, is allowed,
as in issue 14), deeper, refused and not exact, and the dense parameters
of the compiled ones. docs/natural-corpus.md is this program's output.
--previous REPORT reads an earlier output of this program (its program rows
and totals, as in `git show REV:docs/natural-corpus.md`) and prints, per
max_len of both, its totals against today's (`then -> now`), then the same
over the programs of REPORT alone (matched by program and file), so that a
change of the corpus does not hide what changed for the same programs,
and then over the programs both compile (like against like).
--costs adds two columns, the compile time (ms, wall clock) and the peak
memory of the compiling process (MiB), from `rasp compile --json`, and,
per max_len, the largest of each over the compiled programs: the long
sequences' report (docs/long-sequences.md) is this program with --costs.
"""
import argparse
import importlib.util
import json
import os
import re
import subprocess
import sys


def load_table_reader(root):
    """read_table of tests/differential/run-table.py, the one reader of the
    table's format."""
    path = os.path.join(root, "tests/differential/run-table.py")
    spec = importlib.util.spec_from_file_location("run_table", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.read_table


def run_json(cmd):
    result = subprocess.run(cmd, capture_output=True, text=True)
    try:
        return json.loads(result.stdout), result.stderr
    except json.JSONDecodeError:
        return None, result.stderr


def refusal(stderr):
    """The first line of an error, without its file:line:col prefix."""
    line = stderr.strip().splitlines()[0] if stderr.strip() else "no output"
    if "error: " in line:
        line = line.split("error: ", 1)[1]
    return line.replace("|", "\\|")


def analysis_layers(rasp, path, sop):
    report, err = run_json([rasp, "analyze", path, "--sop", sop, "--json"])
    if report is None:
        sys.exit(f"rasp analyze {path} --sop {sop} failed:\n{err}")
    return report["sops"][0]["layers"]


def measure(args, row, n):
    """One compile and one verify of `row` at max_len n: a dict of what the
    table prints."""
    path = os.path.join(args.root, row.path)
    base = [path, "--sop", row.sop, "--vocab", row.vocab, "--max-len", str(n), "--json"]
    compiled, err = run_json([args.rasp, "compile"] + base)
    if compiled is None:
        return {"refused": refusal(err)}
    verify_cmd = [args.rasp, "verify"] + base + ["--samples", str(args.samples)]
    if row.failures_expected:
        verify_cmd.append("--allow-evaluator-failures")
    verified, err = run_json(verify_cmd)
    if verified is None:
        exact = f"verify failed: {refusal(err)}"
    elif verified["mismatches"] or verified["compared"] == 0:
        exact = f"NO: {verified['agree']}/{verified['compared']} agree"
    else:
        exact = f"{verified['agree']}/{verified['compared']}"
    return {"compiled": compiled, "exact": exact,
            "ok": verified is not None and not verified["mismatches"]
            and verified["compared"] > 0}


def at_depth(compiled, analysis):
    """At the analysis depth, a leading MLP-only layer allowed."""
    layers = compiled["layers"]
    if layers <= analysis:
        return True
    heads = compiled["heads_per_layer"]
    return layers == analysis + 1 and heads and heads[0] == 0


COUNTS = ["compiled", "depth", "deeper", "refused", "inexact"]


def outcome(m, analysis):
    """What one measure of a row counts as: one of COUNTS' first four
    (refused, or compiled at the analysis depth or deeper), whether it is
    inexact, and its dense parameters."""
    if "refused" in m:
        return {"kind": "refused", "inexact": False, "params": 0}
    c = m["compiled"]
    return {"kind": "depth" if at_depth(c, analysis) else "deeper",
            "inexact": not m["ok"], "params": c["params_dense"]}


def add(totals, o):
    totals[o["kind"]] += 1
    if o["kind"] != "refused":
        totals["compiled"] += 1
        totals["params"] += o["params"]
    totals["inexact"] += o["inexact"]


def new_totals():
    return {"programs": 0, "compiled": 0, "depth": 0, "deeper": 0, "refused": 0, "inexact": 0,
            "params": 0}


def read_previous(path):
    """An earlier report's rows, {(program, file, N): outcome}, and its
    totals, {N: totals}."""
    rows, totals = {}, {}
    number = re.compile(r"^[0-9][0-9,]*$")
    with open(path, encoding="utf-8") as f:
        for line in f:
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            # (11 cells and 10: a report with --costs; its last two are extra.)
            if len(cells) in (9, 11) and cells[2].isdigit() and cells[3].isdigit():
                program, file, n = cells[0], cells[1], int(cells[2])
                if cells[4].startswith("refused:"):
                    o = {"kind": "refused", "inexact": False, "params": 0}
                else:
                    o = {"kind": "deeper" if cells[4].startswith("**") else "depth",
                         "inexact": not re.match(r"^[0-9]+/[0-9]+$", cells[8]),
                         "params": int(cells[7].replace(",", ""))}
                rows[(program, file, n)] = o
            elif len(cells) in (8, 10) and all(number.match(c) for c in cells):
                values = [int(c.replace(",", "")) for c in cells[:8]]
                totals[values[0]] = dict(zip(["programs"] + COUNTS + ["params"], values[1:]))
    if not totals:
        sys.exit(f"{path}: no totals table of natural-table.py in it")
    return rows, totals


def print_against(title, before, after, max_lens):
    print()
    print(title)
    print()
    print("| N | programs | compiled | at the analysis depth | deeper | refused "
          "| not exact | dense params (compiled ones) |")
    print("|---|---|---|---|---|---|---|---|")
    for n in max_lens:
        cells = [f"{before[n][k]:,} -> {after[n][k]:,}"
                 for k in ["programs"] + COUNTS + ["params"]]
        print(f"| {n} | " + " | ".join(cells) + " |")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("rasp")
    parser.add_argument("root")
    parser.add_argument("max_len", type=int, nargs="*", default=[5, 16, 64])
    parser.add_argument("--samples", type=int, default=200)
    parser.add_argument("--table", help="the table (default ROOT/tests/differential/table.txt)")
    parser.add_argument("--only", action="append", metavar="FILE",
                        help="the rows of FILE instead of natural*.rasp (repeatable)")
    parser.add_argument("--previous", metavar="REPORT",
                        help="an earlier output of this program to compare the totals with")
    parser.add_argument("--costs", action="store_true",
                        help="add the compile time and peak memory of each compile")
    args = parser.parse_args()
    read_table = load_table_reader(args.root)
    rows = read_table(args.table or os.path.join(args.root, "tests/differential/table.txt"))
    if args.only:
        rows = [r for r in rows if r.path in args.only or os.path.basename(r.path) in args.only]
    else:
        rows = [r for r in rows if os.path.basename(r.path).startswith("natural")]
    if not rows:
        sys.exit(f"no row of the table is in {', '.join(args.only or ['natural*.rasp'])}")

    previous = read_previous(args.previous) if args.previous else None
    totals = {n: new_totals() for n in args.max_len}
    outcomes = {}
    costs_head, costs_rule, costs_gap = "", "", ""
    if args.costs:
        costs_head, costs_rule, costs_gap = " compile ms | peak MiB |", "---|---|", " | |"
    print("| program | file | N | analysis layers | layers | heads | d_model "
          "| dense params | exact (agree/compared) |" + costs_head)
    print("|---|---|---|---|---|---|---|---|---|" + costs_rule)
    largest = {n: {"ms": 0.0, "mib": 0.0} for n in args.max_len}
    for row in rows:
        analysis = analysis_layers(args.rasp, os.path.join(args.root, row.path), row.sop)
        for n in args.max_len:
            m = measure(args, row, n)
            o = outcome(m, analysis)
            outcomes[(row.sop, os.path.basename(row.path), n)] = o
            add(totals[n], o)
            name = f"{row.sop} | {os.path.basename(row.path)} | {n} | {analysis}"
            if "refused" in m:
                print(f"| {name} | refused: {m['refused']} | | | | |" + costs_gap)
                continue
            c = m["compiled"]
            if o["kind"] == "depth":
                layers = (f"1+{c['layers'] - 1}" if c["layers"] > analysis
                          else str(c["layers"]))
            else:
                layers = f"**{c['layers']}**"
            costs = ""
            if args.costs:
                costs = f" {c['compile_ms']:,.0f} | {c['peak_memory_mib']:,.0f} |"
                largest[n]["ms"] = max(largest[n]["ms"], c["compile_ms"])
                largest[n]["mib"] = max(largest[n]["mib"], c["peak_memory_mib"])
            print(f"| {name} | {layers} | {sum(c['heads_per_layer'])} | {c['d_model']} "
                  f"| {c['params_dense']:,} | {m['exact']} |" + costs)

    print()
    costs_head = costs_rule = ""
    if args.costs:
        costs_head, costs_rule = " slowest compile ms | most peak MiB |", "---|---|"
    print("| N | programs | compiled | at the analysis depth | deeper | refused "
          "| not exact | dense params (compiled ones) |" + costs_head)
    print("|---|---|---|---|---|---|---|---|" + costs_rule)
    for n in args.max_len:
        t = totals[n]
        costs = ""
        if args.costs:
            costs = f" {largest[n]['ms']:,.0f} | {largest[n]['mib']:,.0f} |"
        print(f"| {n} | {len(rows)} | {t['compiled']} | {t['depth']} | {t['deeper']} "
              f"| {t['refused']} | {t['inexact']} | {t['params']:,} |" + costs)
    if previous:
        before_rows, before_totals = previous
        both = [n for n in args.max_len if n in before_totals]
        for n in args.max_len:
            totals[n]["programs"] = len(rows)
        print_against(f"Against {args.previous}, then -> now:", before_totals, totals, both)
        same_before = {n: new_totals() for n in both}
        same_now = {n: new_totals() for n in both}
        for (program, file, n), o in before_rows.items():
            if n in same_before and (program, file, n) in outcomes:
                for side, out in ((same_before, o), (same_now, outcomes[(program, file, n)])):
                    side[n]["programs"] += 1
                    add(side[n], out)
        print_against(f"The programs of {args.previous} alone, then -> now:", same_before,
                      same_now, both)
        # Totals over like and like: the programs both compiled.
        compiled_before = {n: new_totals() for n in both}
        compiled_now = {n: new_totals() for n in both}
        for (program, file, n), o in before_rows.items():
            now = outcomes.get((program, file, n))
            if n in compiled_before and now and "refused" not in (o["kind"], now["kind"]):
                for side, out in ((compiled_before, o), (compiled_now, now)):
                    side[n]["programs"] += 1
                    add(side[n], out)
        print_against(f"The programs that {args.previous} and today both compile, then -> now:",
                      compiled_before, compiled_now, both)
    return 1 if any(totals[n]["inexact"] for n in args.max_len) else 0


if __name__ == "__main__":
    sys.exit(main())
