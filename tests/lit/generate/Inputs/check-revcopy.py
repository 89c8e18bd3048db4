#!/usr/bin/env python3
"""Prompts for Inputs/revcopy.rasp, and the check of what `rasp generate` made of them.

  check-revcopy.py prompts K           K random prompts, one RASP literal a line
  check-revcopy.py check PROMPTS JSONL MAX_LEN
                                       each JSON line against the reversal
"""
import json
import random
import sys


def expected(text, max_len):
    """The text, "#", the text reversed and "$", cut at max_len tokens."""
    before = text[: text.index("#")]
    full = list(text) + list(reversed(before)) + ["$"]
    reason = "stop-token" if len(full) <= max_len else "max-len"
    return full[:max_len], reason


def main():
    if sys.argv[1] == "prompts":
        rng = random.Random(7)
        for _ in range(int(sys.argv[2])):
            n = rng.randint(1, 8)
            print(json.dumps("".join(rng.choice("abc") for _ in range(n)) + "#"))
        return 0
    prompts = [json.loads(line) for line in open(sys.argv[2], encoding="utf-8")]
    results = [json.loads(line) for line in open(sys.argv[3], encoding="utf-8")]
    max_len = int(sys.argv[4])
    right, reasons = 0, {}
    for prompt, result in zip(prompts, results):
        sequence, reason = expected(prompt, max_len)
        if result.get("sequence") == sequence and result.get("stop_reason") == reason:
            right += 1
            reasons[reason] = reasons.get(reason, 0) + 1
        else:
            print(f"wrong: {prompt!r}: expected {sequence} ({reason}), got {result}")
    counts = ", ".join(f"{k}: {v}" for k, v in sorted(reasons.items(), reverse=True))
    print(f"{right} of {len(prompts)} prompts right ({counts})")
    return 0 if right == len(prompts) == len(results) else 1


if __name__ == "__main__":
    sys.exit(main())
