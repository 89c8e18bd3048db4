#!/usr/bin/env python3
"""`rasp generate` with a TAIL step program reproduces traces.py's traces.

usage: generate-steps.py RASP FILE TASK --size LO-HI --count N [--seed S]
                         [--input INPUT]... [--sop NEXT]
                         [--backend interp|cpu --max-len N]

For seeded random inputs of the sizes given (examples/tail/traces.py
TASK --size LO-HI --count N --seed S) and each --input, decodes the step
program from the trace's prompt with `rasp generate --prompts ... --stop
'"$"' --json` and checks that the generated sequence is the whole trace
(its answer between "#" and "$" included) and that it stopped at the stop
token. With --backend cpu the program is compiled for the task's
vocabulary (VOCABS) at --max-len (traces longer than that are left out,
and the test fails if none is left).
Exits 1 on any difference, listing the first ones.
"""

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "examples", "tail"))
import traces  # noqa: E402


# Each task's tokens: the vocabulary its step program is compiled for.
VOCABS = {
    "addition": '["0","1","2","3","4","5","6","7","8","9","+","=",";","#","$"]',
    "compare": '["0","1","2","3","4","5","6","7","8","9",",","=","L","<",">",";","#","$"]',
    "bubble_sort": '["0","1","2","3","4","5","6","7","8","9",",","=","|",";","#","$"]',
    "binary_search":
        '["0","1","2","3","4","5","6","7","8","9",",","?","=",";","<",">","#","-","$"]',
    "population_growth": '["0","1","2","3","4","5","6","7","8","9","=",";","#","$"]',
    "derangements": '["0","1","2","3","4","5","6","7","8","9","=",";","*","#","$"]',
    "division": '["0","1","2","3","4","5","6","7","8","9","/","=",";","#",",","$"]',
    "levenshtein": '["a","b","c","d","A","B","C","D",",","=",";","|","-",'
                   '"0","1","2","3","4","5","6","7","8","9","#","$"]',
    "lcs": '["a","b","c","d","A","B","C","D",",","=","|",'
           '"0","1","2","3","4","5","6","7","8","9","#","$"]',
    "knapsack": '["0","1","2","3","4","5","6","7","8","9",":",",","=","|",";","#","$"]',
}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("rasp")
    parser.add_argument("file")
    parser.add_argument("task", choices=sorted(traces.TRACERS))
    parser.add_argument("--size", type=traces.parse_size)
    parser.add_argument("--count", type=int, default=0)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--input", action="append", default=[])
    parser.add_argument("--sop", default="next")
    parser.add_argument("--backend", default="interp", choices=["interp", "cpu"])
    parser.add_argument("--max-len", type=int)
    args = parser.parse_args()

    records = [traces.record(args.task, text) for text in args.input]
    if args.count:
        rng = random.Random(args.seed)
        lo, hi = args.size or traces.RANGES[args.task][0]
        for _ in range(args.count):
            records.append(traces.record(args.task, traces.random_input(args.task, rng, lo, hi)))
    if args.max_len:
        records = [r for r in records if len(r["trace"]) <= args.max_len]
    if not records:
        print("error: no trace fits --max-len", file=sys.stderr)
        return 1
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as f:
        for rec in records:
            f.write(json.dumps(rec["prompt"]) + "\n")
        path = f.name
    command = [args.rasp, "generate", args.file, "--sop", args.sop, "--prompts", path,
               "--stop", '"$"', "--json"]
    if args.backend == "cpu":
        command += ["--backend", "cpu", "--vocab", VOCABS[args.task], "--max-len",
                    str(args.max_len)]
    elif args.max_len:
        command += ["--max-len", str(args.max_len)]
    try:
        out = subprocess.run(command, capture_output=True, text=True)
    finally:
        os.unlink(path)
    results = [json.loads(line) for line in out.stdout.splitlines() if line.strip()]
    if len(results) != len(records):
        print(out.stderr[-4000:], file=sys.stderr)
        print(f"error: {len(results)} results for {len(records)} prompts", file=sys.stderr)
        return 1
    bad = 0
    for rec, res in zip(records, results):
        got = "".join(str(t) for t in res.get("sequence", []))
        stopped = res.get("stop_reason") == "stop-token"
        answer = got[got.find("#") + 1:-1] if "#" in got else None
        if got != rec["trace"] or not stopped or answer != rec["answer"]:
            bad += 1
            if bad <= 5:
                print(f"{args.task} {rec['input']!r}: generated {got!r} "
                      f"({res.get('stop_reason') or res.get('error')}), want {rec['trace']!r}")
    print(f"{args.task}: {len(records) - bad}/{len(records)} traces and answers generated "
          f"({args.backend})")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
