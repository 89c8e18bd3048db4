#!/usr/bin/env python3
"""Checks the `# expect: NAME(INPUT) = VALUE` lines of RASP programs.

Each expectation runs `rasp run FILE --sop NAME --input INPUT` and compares
the printed line with the expected one. Usage: check-expectations.py RASP FILE...
CTest passes examples/**/*.rasp (examples/tail/ too) and
tests/differential/*.rasp (tests/CMakeLists.txt).
"""
import re
import subprocess
import sys

EXPECT = re.compile(r"^#\s*expect:\s*(?P<name>\w+)\((?P<input>.*)\)\s*=\s*(?P<value>.*\S)\s*$")


def main():
    rasp, files = sys.argv[1], sys.argv[2:]
    checked = failed = 0
    for path in files:
        with open(path, encoding="utf-8") as f:
            lines = f.read().splitlines()
        for number, line in enumerate(lines, 1):
            match = EXPECT.match(line)
            if not match:
                continue
            checked += 1
            name, literal, value = match["name"], match["input"], match["value"]
            result = subprocess.run(
                [rasp, "run", path, "--sop", name, "--input", literal],
                capture_output=True, text=True)
            wanted = f"{name}({literal}) = {value}"
            got = result.stdout.strip()
            if result.returncode != 0 or got != wanted:
                failed += 1
                print(f"{path}:{number}: expectation failed")
                print(f"  expected: {wanted}")
                print(f"  got:      {got or '(nothing)'} (exit {result.returncode})")
                if result.stderr:
                    print("  " + result.stderr.strip().replace("\n", "\n  "))
    print(f"{checked - failed} of {checked} expectations hold")
    if checked == 0:
        print("no expectations found")
        return 1
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
