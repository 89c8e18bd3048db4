#!/usr/bin/env python3
"""`rasp run --backend cuda` against `--backend cpu`: the same outputs.

Usage: compare-backends.py RASP ROOT [--max-len N] [--inputs K] [--seed S]

For the benchmark's programs (reverse, sort, Dyck-2), K random inputs of
every length up to N go through `rasp run --input-file` on both backends;
the JSON outputs must be identical. Where no CUDA device is available
(or rasp was built without CUDA), the CUDA run must fail as documented:
exit 1 and `error: no CUDA device available: ...` on stderr, nothing on
stdout. That is checked, and the script exits 0 saying so; with
--skip-without-device it exits 77 instead (ctest: skipped).
"""
import argparse
import json
import os
import random
import subprocess
import sys
import tempfile

PROGRAMS = [
    ("tests/differential/tracr.rasp", "tracr_reverse", ["a", "b", "c", "d"]),
    ("examples/sort.rasp", "sorted", [1, 2, 3, 4, 5]),
    ("examples/dyck.rasp", "dyck2_ptf", ["(", ")", "{", "}"]),
]
SKIP = 77


def literal(tokens):
    return json.dumps(tokens) if not isinstance(tokens[0], str) else json.dumps("".join(tokens))


def run(args, path, sop, vocab, backend, inputs_file):
    cmd = [args.rasp, "run", os.path.join(args.root, path), "--sop", sop, "--backend", backend,
           "--vocab", json.dumps(vocab), "--max-len", str(args.max_len),
           "--input-file", inputs_file, "--json"]
    return subprocess.run(cmd, capture_output=True, text=True)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("rasp")
    parser.add_argument("root")
    parser.add_argument("--max-len", type=int, default=16)
    parser.add_argument("--inputs", type=int, default=200)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--skip-without-device", action="store_true")
    args = parser.parse_args()
    rng = random.Random(args.seed)
    failures = 0
    with tempfile.TemporaryDirectory() as tmp:
        for path, sop, vocab in PROGRAMS:
            inputs = os.path.join(tmp, sop + ".txt")
            with open(inputs, "w", encoding="utf-8") as f:
                for i in range(args.inputs):
                    n = 1 + i % args.max_len
                    f.write(literal([rng.choice(vocab) for _ in range(n)]) + "\n")
            cuda = run(args, path, sop, vocab, "cuda", inputs)
            if "error: no CUDA device available:" in cuda.stderr:
                if cuda.returncode != 1 or cuda.stdout:
                    print(f"FAIL {sop}: no device, but exit {cuda.returncode} and output "
                          f"{cuda.stdout[:200]!r}")
                    return 1
                reason = cuda.stderr.strip().splitlines()[0]
                print(f"no device: --backend cuda fails as documented ({reason})")
                return SKIP if args.skip_without_device else 0
            cpu = run(args, path, sop, vocab, "cpu", inputs)
            if cpu.returncode != 0 or cuda.returncode != 0:
                print(f"FAIL {sop}: exit cpu {cpu.returncode}, cuda {cuda.returncode}\n"
                      f"{cpu.stderr}{cuda.stderr}")
                failures += 1
                continue
            want, got = json.loads(cpu.stdout), json.loads(cuda.stdout)
            same = sum(a == b for a, b in zip(want, got))
            if len(want) != len(got) or same != len(want):
                first = next(i for i, (a, b) in enumerate(zip(want, got)) if a != b)
                print(f"FAIL {sop} (max_len {args.max_len}): {same}/{len(want)} identical; "
                      f"first difference:\n  cpu  {json.dumps(want[first])}\n"
                      f"  cuda {json.dumps(got[first])}")
                failures += 1
                continue
            print(f"ok   {sop} (max_len {args.max_len}): {same}/{len(want)} outputs identical")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
