#!/usr/bin/env python3
"""`rasp generate` with a TAIL step program reproduces traces.py's traces.

usage: generate-steps.py RASP FILE TASK --size LO-HI --count N [--seed S]
                         [--input INPUT]... [--sop NEXT]
                         [--backend interp|cpu --max-len N [--vocab V]]
                         [--expect-cached]

For seeded random inputs of the sizes given (examples/tail/traces.py
TASK --size LO-HI --count N --seed S) and each --input, decodes the step
program from the trace's prompt with `rasp generate --prompts ... --stop
'"$"' --json` and checks that the generated sequence is the whole trace
(its answer between "#" and "$" included) and that it stopped at the stop
token. With --backend cpu the program is compiled for the task's
vocabulary (steps_common.VOCABS, or --vocab) at --max-len (traces longer
than that are left out, and the test fails if none is left); with
--expect-cached it also fails unless `rasp generate --json` reports every
decode cached (every selector of the program provably looks back).
Exits 1 on any difference, listing the first ones.
"""

import json
import os
import subprocess
import sys
import tempfile

import steps_common


def main():
    p = steps_common.parser(__doc__.splitlines()[0])
    p.add_argument("--expect-cached", action="store_true",
                   help="fail unless every decode was cached")
    args = steps_common.parse(p)
    records = steps_common.records(args)
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
        command += ["--backend", "cpu", "--vocab", args.vocab, "--max-len", str(args.max_len)]
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
    uncached = 0
    if args.expect_cached:
        uncached = sum(1 for res in results if res.get("cached") is not True)
        if uncached:
            print(f"{args.task}: {uncached}/{len(results)} decodes not cached: a selector of "
                  f"{args.sop} no longer provably looks back (docs/cli.md, rasp generate)")
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
    return 1 if bad or uncached else 0


if __name__ == "__main__":
    sys.exit(main())
