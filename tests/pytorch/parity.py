#!/usr/bin/env python3
"""The PyTorch check: exported models give the same outputs in PyTorch
(examples/python/load_compiled.py) as in `rasp run --model`.

usage: parity.py RASP SOURCE_DIR WORK_DIR [--inputs N]

Compiles each program below with `rasp compile -o`, draws N random inputs
(default 250) over its vocabulary, of every length 1..max_len, runs them
through `rasp run --model --input-file --json` and through the PyTorch
model, and requires the same decoded value at every position of every
input (a numerical output: the same number up to double rounding).
Exits 77 (ctest's skip) when no Python with torch is found, saying so.
"""

import json
import os
import random
import subprocess
import sys

# (file, s-op, vocabulary, max_len, what it covers)
PROGRAMS = [
    ("examples/reverse.rasp", "reverse", ["a", "b", "c", "d"], 10, "categorical"),
    ("examples/histogram.rasp", "hist_nobos", ["a", "b", "c"], 12, "selector_width, ints"),
    ("examples/sort.rasp", "sorted", ["a", "b", "c", "d"], 16, "selector_width"),
    ("examples/dyck.rasp", "dyck2_ptf", ["(", ")", "{", "}"], 16, "Dyck, composite selectors"),
    ("tests/pytorch/parity.rasp", "frac_a", ["a", "b", "c"], 12, "numerical (a mean)"),
    ("tests/pytorch/parity.rasp", "repeat", ["a", "b", "c"], 12, "composite selector"),
    ("tests/differential/natural.rasp", "deviation", [0, 1, 2, 3, 7], 16,
     "numerical (a linear form), int tokens"),
    ("tests/differential/natural.rasp", "binary_value", ["0", "1"], 16,
     "numerical, decoded as the nearest integer (a sum over every key)"),
]

SKIP = 77


def find_torch():
    """Imports load_compiled with torch, re-running under Debian's python3
    (where python3-torch installs) when this Python has no torch."""
    try:
        import torch  # noqa: F401
        return True
    except ImportError:
        pass
    debian = "/usr/bin/python3"
    if os.path.realpath(sys.executable) != os.path.realpath(debian) and os.path.exists(debian):
        probe = subprocess.run([debian, "-c", "import torch, numpy"], capture_output=True)
        if probe.returncode == 0:
            os.execv(debian, [debian] + sys.argv)
    return False


def main():
    if len(sys.argv) < 4:
        sys.exit(__doc__)
    rasp, source, work = sys.argv[1:4]
    count = int(sys.argv[sys.argv.index("--inputs") + 1]) if "--inputs" in sys.argv else 250
    if not find_torch():
        print("skipped: no Python with torch and numpy (install Debian's python3-torch and "
              "python3-numpy; scripts/install-deps.sh does)")
        return SKIP
    sys.path.insert(0, os.path.join(source, "examples", "python"))
    import load_compiled

    os.makedirs(work, exist_ok=True)
    failures = 0
    for file, sop, vocab, max_len, what in PROGRAMS:
        folder = os.path.join(work, sop)
        subprocess.run([rasp, "compile", os.path.join(source, file), "--sop", sop,
                        "--vocab", json.dumps(vocab), "--max-len", str(max_len), "-o", folder],
                       check=True, stdout=subprocess.DEVNULL)
        rng = random.Random(sop)
        inputs = [[rng.choice(vocab) for _ in range(1 + i % max_len)] for i in range(count)]
        input_file = os.path.join(work, sop + ".inputs")
        with open(input_file, "w") as f:
            f.writelines(json.dumps(tokens) + "\n" for tokens in inputs)
        ran = subprocess.run([rasp, "run", "--model", folder, "--input-file", input_file,
                              "--json"], check=True, capture_output=True, text=True)
        from_rasp = [r["outputs"][sop]["values"] for r in json.loads(ran.stdout)]
        model = load_compiled.load(folder)
        output = model.config["output"]
        tolerance = None
        if output["encoding"] == "numerical":
            # A numerical output snaps to the nearest value it can take; some
            # of those differ only by double rounding (-1.4285714285714288
            # and -1.4285714285714284 for deviation), and which one float32
            # noise picks is no disagreement. Without levels the number read
            # is printed, within verify's tolerance.
            tolerance = 1e-12 if output["levels"] else 1e-4
        same = 0
        for tokens, expected in zip(inputs, from_rasp):
            got = load_compiled.run(model, tokens)
            if tolerance is not None:
                agree = len(got) == len(expected) and all(
                    abs(a - b) <= tolerance * max(1, abs(a)) for a, b in zip(expected, got))
            else:
                agree = got == expected
            if agree and len(got) == len(tokens):
                same += 1
            elif failures < 5:
                print(f"  {sop}({tokens}): rasp {expected}, PyTorch {got}")
        ok = same == len(inputs) == len(from_rasp)
        failures += not ok
        print(f"{sop} ({what}) at max_len {max_len}: {same}/{len(inputs)} inputs the same"
              f"{'' if ok else '  MISMATCH'}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
