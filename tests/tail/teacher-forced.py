#!/usr/bin/env python3
"""Teacher-forced check of a TAIL step program (examples/tail/steps/).

usage: teacher-forced.py RASP FILE TASK [--size LO-HI] [--count N] [--seed S]
                         [--input INPUT]... [--sop NEXT]
                         [--backend cpu --vocab V --max-len N]

For each trace that examples/tail/traces.py gives (seeded random inputs of
the sizes asked, and each --input), evaluates the step program's
next-token s-op with `rasp run --input-file` on every prefix of the trace
from the prompt on, and checks that its value at the last position is the
trace's next token; with --backend cpu, on the compiled model (traces
longer than --max-len are left out). Exits 1 on a mismatch (listing the first ones).
"""

import json
import os
import subprocess
import sys
import tempfile

import steps_common


def main():
    args = steps_common.parse(steps_common.parser(__doc__.splitlines()[0]))
    records = steps_common.records(args)
    if args.backend == "cpu":
        records = [r for r in records if len(r["trace"]) - 1 <= args.max_len]
    prefixes = []  # (record index, prefix, expected next token)
    for r, rec in enumerate(records):
        trace = rec["trace"]
        for end in range(len(rec["prompt"]), len(trace)):
            prefixes.append((r, trace[:end], trace[end]))
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as f:
        for _, prefix, _ in prefixes:
            f.write(json.dumps(prefix) + "\n")
        path = f.name
    command = [args.rasp, "run", args.file, "--sop", args.sop, "--input-file", path, "--json"]
    if args.backend == "cpu":
        command += ["--backend", "cpu", "--vocab", args.vocab, "--max-len", str(args.max_len)]
    try:
        out = subprocess.run(command,
                             capture_output=True, text=True)
    finally:
        os.unlink(path)
    if out.returncode != 0:
        print(out.stderr[-4000:], file=sys.stderr)
        return 1
    results = json.loads(out.stdout)
    if len(results) != len(prefixes):
        print(f"error: {len(results)} results for {len(prefixes)} prefixes", file=sys.stderr)
        return 1
    bad = 0
    for (r, prefix, want), res in zip(prefixes, results):
        got = res["outputs"][args.sop]["values"][-1]
        if str(got) != want:
            bad += 1
            if bad <= 10:
                print(f"{args.task}: after {prefix!r}: got {got!r}, want {want!r}")
    print(f"{args.task}: {len(prefixes) - bad}/{len(prefixes)} next tokens right "
          f"on {len(records)} traces ({args.backend})")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
