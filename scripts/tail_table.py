#!/usr/bin/env python3
"""Writes docs/tail.md: TAIL's tasks compiled, sized, compared, and run.

Usage: tail_table.py --rasp RASP [--quick] [--count K] [--step-count K]
                     [--out FILE] [--only NAME]... [--strict]
                     [--steps DIR] [--traces FILE]

For each task of TAIL (issue 18) and each RASP program for it (the direct
programs of examples/tail/*.rasp and the step programs of
examples/tail/steps/), it compiles the program with `rasp compile --json`
at the max_len TAIL's long range needs (searching downward when the
compiler refuses, and quoting the refusal), sets it beside the Qwen2.5
configs with `rasp compare --json`, and runs the compiled model on the CPU
on K random inputs (200; 20 with --quick) in each of TAIL's short, medium
and long ranges: a direct program with `rasp run --backend cpu
--input-file --json`, a step program with `rasp generate --backend cpu
--prompts --json` from the prompts of examples/tail/traces.py. Every output
is checked against the answer of scripts/tail_reference.py (Python's own
arithmetic), and every trace against traces.py's, never against the
evaluator. Progress goes to standard error. Exit status 1 when a command
fails in a way the table cannot report (a crash, missing outputs); 3 with
--strict when a program is wrong on some input.
"""
import argparse
import importlib.util
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time

import tail_reference as ref

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LETTERS = "abcdefghijklmnopqrstuvwxyz"
DIGITS = "0123456789"
QWEN = ["qwen2.5-0.5b", "qwen2.5-1.5b", "qwen2.5-3b", "qwen2.5-7b"]
QWEN7B_LAYERS = 28
# The max_len bisected below the one the long range needs when it is refused.
LADDER = [8, 16, 24, 32, 48, 64, 96, 128, 192, 256, 384, 512, 768, 1024, 1536, 2048, 3072]
MAX_LEN_LIMIT = 4096  # rasp's own bound on --max-len
SEED = 18
# The default --step-budget (see decode_work).
STEP_BUDGET = 2e11


# ---------------------------------------------------------------------------
# Random task instances, one generator per task; `n` is the size TAIL's
# range counts (characters, digits per operand, numbers).

def sentence(rng, n):
    """n characters: lowercase words of 1-8 letters, single spaces between."""
    out = []
    while len(out) < n:
        if out:
            out.append(" ")
        out.extend(rng.choice(LETTERS) for _ in range(rng.randint(1, 8)))
    out = out[:n]
    if out[-1] == " ":
        out[-1] = rng.choice(LETTERS)
    return "".join(out)


def number(rng, n):
    """An n-digit decimal string without a leading zero (unless n = 1)."""
    first = rng.choice(DIGITS[1:]) if n > 1 else rng.choice(DIGITS)
    return first + "".join(rng.choice(DIGITS) for _ in range(n - 1))


def gen_word_flip(rng, n):
    return sentence(rng, n)


def gen_count_letters(rng, n):
    s = sentence(rng, n)
    letters = [c for c in s if c != " "]
    letter = rng.choice(letters) if rng.random() < 0.75 else rng.choice(LETTERS)
    return (s, letter)


def gen_compare(rng, n, lo, hi):
    """a has n digits; b is one of four kinds, a quarter each."""
    a = number(rng, n)
    kind = rng.randrange(4)
    if kind == 0:  # any length in the range
        b = number(rng, rng.randint(lo, hi))
    elif kind == 1:  # as many digits
        b = number(rng, n)
    elif kind == 2:  # a with one digit changed: the first difference is anywhere
        i = rng.randrange(n)
        choices = [d for d in DIGITS if d != a[i] and (i or n == 1 or d != "0")]
        b = a[:i] + rng.choice(choices) + a[i + 1:]
    else:  # equal
        b = a
    return (a, b) if rng.random() < 0.5 else (b, a)


def gen_addition(rng, n, lo, hi):
    """a has n digits, b any width of the range; a quarter of the pairs
    have as many digits and digit sums of 9 (carries that run far)."""
    a = number(rng, n)
    if rng.random() < 0.25:
        b = "".join(str(9 - int(d)) for d in a)
        if b[0] == "0":
            b = "1" + b[1:]
        i = rng.randrange(n)
        b = b[:i] + rng.choice(DIGITS[1:] if i == 0 else DIGITS) + b[i + 1:]
    else:
        b = number(rng, rng.randint(lo, hi))
    return (a, b) if rng.random() < 0.5 else (b, a)


def gen_sort(rng, n):
    return rng.sample(range(100), n)


def gen_n(rng, n):
    """Tasks whose input is n alone (population growth, derangements)."""
    return n


def gen_division(rng, n):
    """An n-digit dividend and a divisor of one digit, 1-9 (the step
    program's format)."""
    return (number(rng, n), rng.randint(1, 9))


def gen_levenshtein(rng, n, lo, hi):
    """Two strings over a-d: one of n letters, the other of any length in
    the range."""
    a = "".join(rng.choice("abcd") for _ in range(n))
    b = "".join(rng.choice("abcd") for _ in range(rng.randint(lo, hi)))
    return (a, b) if rng.random() < 0.5 else (b, a)


def gen_lcs(rng, n, lo, hi):
    """Two strings over a-d (as the step program reads them): one of n
    letters, the other of any length in the range."""
    return gen_levenshtein(rng, n, lo, hi)


def gen_knapsack(rng, n):
    """n items, weights and values 1-9, and a capacity 1-15 (the step
    program's format)."""
    return (rng.randint(1, 15), [(rng.randint(1, 9), rng.randint(1, 9)) for _ in range(n)])


def gen_binary_search(rng, n):
    numbers = sorted(rng.sample(range(100), n))
    value = rng.choice(numbers) if rng.random() < 0.75 else rng.randrange(100)
    return (numbers, value)


# ---------------------------------------------------------------------------
# Tasks (TAIL's, with its ranges) and the programs for each.

TASKS = [
    dict(key="word_flip", name="word flip", cls="Simulation", unit="characters",
         ranges=[(10, 20), (21, 50), (51, 100)], gen=gen_word_flip),
    dict(key="addition", name="large-number addition", cls="Simulation",
         unit="digits per operand", ranges=[(10, 30), (31, 40), (41, 50)], gen=gen_addition,
         tail=(97.0, 92.5, 86.5)),
    dict(key="compare", name="compare two numbers", cls="Simulation", unit="digits",
         ranges=[(5, 10), (11, 20), (21, 50)], gen=gen_compare),
    dict(key="bubble_sort", name="bubble sort", cls="Simulation", unit="numbers",
         ranges=[(2, 4), (5, 6), (7, 8)], gen=gen_sort),
    dict(key="division", name="large-number division", cls="Simulation", unit="digits",
         ranges=[(2, 5), (6, 10), (11, 20)], gen=gen_division),
    dict(key="count_letters", name="count letters", cls="Enumeration", unit="characters",
         ranges=[(2, 6), (7, 10), (11, 20)], gen=gen_count_letters),
    dict(key="binary_search", name="binary search", cls="Divide and conquer",
         unit="numbers", ranges=[(5, 20), (21, 40), (41, 70)], gen=gen_binary_search),
    dict(key="population", name="population growth", cls="Iteration", unit="units (n)",
         ranges=[(1, 10), (11, 25), (26, 50)], gen=gen_n),
    dict(key="lcs", name="LCS", cls="Dynamic programming", unit="characters",
         ranges=[(2, 6), (7, 9), (10, 12)], gen=gen_lcs),
    dict(key="levenshtein", name="Levenshtein distance", cls="Dynamic programming",
         unit="characters", ranges=[(2, 4), (5, 7), (8, 9)], gen=gen_levenshtein),
    dict(key="knapsack", name="0-1 knapsack", cls="Dynamic programming", unit="items",
         ranges=[(2, 3), (4, 5), (6, 8)], gen=gen_knapsack),
    dict(key="derangements", name="derangements", cls="Recursion", unit="n",
         ranges=[(3, 30), (31, 60), (61, 100)], gen=gen_n),
]

# Why a task has no fixed-depth direct program (one sentence each).
NO_DIRECT = {
    "division": "each quotient digit depends on the remainder left by every digit before it, "
                "a state with as many values as the divisor (up to 10^20); addition's carry has "
                "three states (make, pass, stop) that counting resolves in a fixed depth, but we "
                "know no fixed number of attention layers that composes a chain of remainders "
                "as long as the dividend.",
    "population": "the number of pairs after n units is a recurrence (each term the sum of the "
                  "two before it), so the n-th term needs n dependent additions of numbers that "
                  "grow to 11 digits; a fixed depth could only hold a table of the 50 answers, "
                  "which computes nothing.",
    "lcs": "the dynamic-programming table has one cell per pair of positions and each cell "
           "needs its left, upper and diagonal neighbours, a dependency chain as long as both "
           "strings together, while a fixed depth resolves a fixed number of its anti-diagonals.",
    "levenshtein": "as for LCS: each cell of the edit-distance table needs three neighbours "
                   "computed before it, a chain as long as both strings together, deeper than "
                   "any fixed number of layers.",
    "knapsack": "each item's row of the table depends on the whole previous row (the best value "
                "for every capacity), a chain as long as the list of items, over values no fixed "
                "set of positions holds.",
    "derangements": "D(n) = (n - 1) (D(n - 1) + D(n - 2)) is a chain of n dependent big-number "
                    "multiplications (D(100) has 158 digits), so its depth grows with n.",
}


def str_digits(s):
    return [int(c) for c in s]


def lit_string(s):
    return json.dumps(s)


def lit_list(xs):
    return "[" + ", ".join(str(x) for x in xs) + "]"


AZ = list(LETTERS) + [" "]
DIGIT_TOKENS = list(DIGITS)

# Direct programs: file, s-op, vocabulary, the input literal of an
# instance, the tokens it takes, the expected output sequence (from
# tail_reference), the input length for size n, and what it runs.
DIRECT = [
    dict(kind="direct", task="word_flip", file="examples/tail/word_flip.rasp", sop="flipped", vocab=AZ,
         vocab_text="a-z and space (27 tokens)",
         literal=lit_string, tokens=len,
         expected=lambda s: list(ref.word_flip(s)),
         length=lambda n: n),
    dict(kind="direct", task="count_letters", file="examples/tail/count_letters.rasp", sop="letter_count",
         vocab=AZ + ["?"], vocab_text="a-z, space and `?` (28 tokens)",
         literal=lambda i: lit_string(i[0] + "?" + i[1]),
         tokens=lambda i: len(i[0]) + 2,
         expected=lambda i: [ref.count_letter(i[0], i[1])] * (len(i[0]) + 2),
         length=lambda n: n + 2),
    dict(kind="direct", task="count_letters", file="examples/tail/count_letters.rasp", sop="letter_hist",
         vocab=AZ, vocab_text="a-z and space (27 tokens); the sentence alone, every "
         "position's count (of its own character)",
         literal=lambda i: lit_string(i[0]), tokens=lambda i: len(i[0]),
         expected=lambda i: ref.letter_histogram(i[0]),
         length=lambda n: n),
    dict(kind="direct", task="compare", file="examples/tail/compare.rasp", sop="compared",
         vocab=DIGIT_TOKENS + [","], vocab_text="0-9 and `,` (11 tokens)",
         literal=lambda i: lit_string(i[0] + "," + i[1]),
         tokens=lambda i: len(i[0]) + len(i[1]) + 1,
         expected=lambda i: [ref.compare(i[0], i[1])] * (len(i[0]) + len(i[1]) + 1),
         length=lambda n: 2 * n + 1),
    dict(kind="direct", task="addition", file="examples/tail/addition.rasp", sop="sum_digit",
         vocab=DIGIT_TOKENS + ["+"], vocab_text="0-9 and `+` (11 tokens)",
         literal=lambda i: lit_string(i[0] + "+" + i[1]),
         tokens=lambda i: len(i[0]) + len(i[1]) + 1,
         expected=lambda i: right_aligned(ref.add(i[0], i[1]), len(i[0]) + len(i[1]) + 1),
         length=lambda n: 2 * n + 1),
    dict(kind="direct", task="addition", file="examples/tail/addition.rasp", sop="sum_digit_long",
         vocab=DIGIT_TOKENS + ["+"], vocab_text="0-9 and `+` (11 tokens)",
         literal=lambda i: lit_string(i[0] + "+" + i[1]),
         tokens=lambda i: len(i[0]) + len(i[1]) + 1,
         expected=lambda i: right_aligned(ref.add(i[0], i[1]), len(i[0]) + len(i[1]) + 1),
         length=lambda n: 2 * n + 1),
    dict(kind="direct", task="bubble_sort", file="examples/tail/bubble_sort.rasp", sop="sorted_list",
         vocab=list(range(100)), vocab_text="the numbers 0-99, one token each (100 tokens)",
         literal=lit_list, tokens=len,
         expected=lambda xs: ref.sort_numbers(xs),
         length=lambda n: n),
    dict(kind="direct", task="bubble_sort", file="examples/tail/bubble_sort.rasp", sop="sorted_digits",
         vocab=DIGIT_TOKENS + [","], vocab_text="0-9 and `,` (11 tokens); numbers 0-99 "
         "written with two digits",
         literal=lambda xs: lit_string(",".join("%02d" % x for x in xs)),
         tokens=lambda xs: 3 * len(xs) - 1,
         expected=lambda xs: list(",".join("%02d" % x for x in ref.sort_numbers(xs))),
         length=lambda n: 3 * n - 1),
    dict(kind="direct", task="binary_search", file="examples/tail/binary_search.rasp", sop="position",
         vocab=[-1] + list(range(100)),
         vocab_text="-1 and the numbers 0-99, one token each (101 tokens)",
         literal=lambda i: lit_list(i[0] + [-1, i[1]]),
         tokens=lambda i: len(i[0]) + 2,
         expected=lambda i: [ref.binary_search(i[0], i[1])] * (len(i[0]) + 2),
         length=lambda n: n + 2),
]


# Step programs (examples/tail/steps/): the next token of a trace of
# examples/tail/traces.py, generated from the prompt with `rasp generate`.
# For each task: the input text traces.py reads, the answer in the trace's
# format (from tail_reference), and the longest trace for size n (a bound
# worked out from traces.py's format; checked against every trace run).
TRACE_TASK = {"population": "population_growth"}
TRACE_INPUT = {
    "addition": lambda i: i[0] + "+" + i[1],
    "compare": lambda i: i[0] + "," + i[1],
    "bubble_sort": lambda xs: ",".join("%02d" % x for x in xs),
    "binary_search": lambda i: ",".join("%02d" % x for x in i[0]) + "?%02d" % i[1],
    "population": str,
    "derangements": str,
    "division": lambda i: "%s/%d" % i,
    "levenshtein": lambda i: i[0] + "," + i[1].upper(),
    "lcs": lambda i: i[0] + "," + i[1].upper(),
    "knapsack": lambda i: "%02d:" % i[0] + ",".join("%d%d" % item for item in i[1]),
}
STEP_ANSWER = {
    "addition": lambda i: ref.add(i[0], i[1]),
    "compare": lambda i: ref.compare(i[0], i[1]),
    "bubble_sort": lambda xs: ",".join("%02d" % x for x in ref.sort_numbers(xs)),
    "binary_search": lambda i: str(ref.binary_search(i[0], i[1])),
    "population": lambda n: str(ref.population(n)),
    "derangements": lambda n: str(ref.derangements(n)),
    "division": lambda i: ref.divide(i[0], i[1]),
    "levenshtein": lambda i: str(ref.levenshtein(i[0], i[1])),
    "lcs": lambda i: str(ref.lcs(i[0], i[1])),
    "knapsack": lambda i: str(ref.knapsack(i[0], i[1])),
}


def trace_bound(task, n, traces):
    """The most tokens a trace of size n takes, "#", answer and "$" included."""
    if task == "addition":  # prompt 2n + 2, n + 1 steps of 5, "#", n + 1 digits, "$"
        return 2 * n + 2 + 5 * (n + 1) + n + 3
    if task == "compare":  # prompt 2n + 2, "L=", n steps of 4, "#", the order, "$"
        return 2 * n + 2 + 2 + 4 * n + 3
    if task == "bubble_sort":  # prompt 3n, n - 1 passes of "|" and n - 1 steps of 5
        return 3 * n + (n - 1) * (1 + 5 * (n - 1)) + 1 + (3 * n - 1) + 1
    if task == "binary_search":  # prompt 3n + 3, at most bit_length(n) steps of 11
        return 3 * n + 3 + 11 * n.bit_length() + 4
    if task == "division":  # prompt n + 3, n steps of 4, "#", quotient, ",", a digit, "$"
        return n + 3 + 4 * n + 1 + n + 1 + 1 + 1
    if task == "levenshtein":  # prompt, a cell of 4 per pair of prefixes, "#", a digit, "$"
        return 2 * n + 2 + 4 * (n + 1) * (n + 1) + 3
    if task == "lcs":  # prompt, n rows of "|", a letter and n cells of 3, "#", two digits, "$"
        return 2 * n + 2 + n * (2 + 3 * n) + 4
    if task == "knapsack":  # prompt 3n + 3, 16 rows (C <= 15) of "|" and n cells of 5, "#", 2, "$"
        return 3 * n + 3 + 16 * (1 + 5 * n) + 4
    # population growth and derangements: the trace depends on n alone
    return len(traces.record(TRACE_TASK.get(task, task), str(n))["trace"])


def load_traces(path):
    """traces.py as a module, or None while it is absent."""
    if not os.path.exists(path):
        return None
    spec = importlib.util.spec_from_file_location("tail_traces", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def chars(text):
    return list(dict.fromkeys(text))


# The step programs: task, file in examples/tail/steps/, s-op, and the
# characters of traces.py's format for the task, its vocabulary.
STEPS = [
    ("addition", "addition.rasp", "next", DIGITS + "+=;#$"),
    ("compare", "compare.rasp", "next", DIGITS + ",=L<>;#$"),
    ("bubble_sort", "bubble_sort.rasp", "next", DIGITS + ",=|;#$"),
    ("binary_search", "binary_search.rasp", "next", DIGITS + ",?=;<>#-$"),
    ("population", "population_growth.rasp", "next", DIGITS + "=;#$"),
    ("derangements", "derangements.rasp", "next", DIGITS + "=;*#$"),
    ("division", "division.rasp", "next", DIGITS + "/=;#,$"),
    ("levenshtein", "levenshtein.rasp", "next", DIGITS + "abcdABCD,=;|-#$"),
    ("lcs", "lcs.rasp", "next", DIGITS + "abcdABCD,=|#$"),
    ("knapsack", "knapsack.rasp", "next", DIGITS + ":,=|;#$"),
]


def step_programs(traces, steps_dir):
    """STEPS whose files exist in steps_dir, once traces.py does."""
    if traces is None:
        return []
    progs = []
    for task, name, sop, vocab in STEPS:
        path = os.path.relpath(os.path.join(steps_dir, name), ROOT)
        if not os.path.exists(os.path.join(ROOT, path)):
            continue
        progs.append(dict(
            kind="step", label="steps/%s:%s" % (name, sop), task=task, trace_task=TRACE_TASK.get(task, task), file=path, sop=sop,
            vocab=chars(vocab), vocab_text="0-9 and `%s` (%d tokens)" % (
                vocab[len(DIGITS):], len(chars(vocab))),
            length=lambda n, t=task: trace_bound(t, n, traces)))
    return progs


def right_aligned(digits, width):
    """The sum's digits under the whole input, zeros above its leading digit."""
    return [0] * (width - len(digits)) + str_digits(digits)


# ---------------------------------------------------------------------------
# Running rasp.

def progress(msg):
    print("tail-table: " + msg, file=sys.stderr, flush=True)


def rasp_cmd(args, argv):
    """Runs rasp; its CPU time goes to the progress line of long runs."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.time()
    out = subprocess.run([args.rasp] + argv, capture_output=True, text=True, cwd=ROOT)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    if time.time() - start > 5:
        progress("  rasp %s took %.0f s (%.0f s of CPU)" % (argv[0], time.time() - start, cpu))
    return out


def vocab_literal(vocab):
    return json.dumps(vocab)


def first_error(stderr):
    for line in stderr.splitlines():
        if "error:" in line:
            return line.split("error:", 1)[1].strip()
    return stderr.strip().splitlines()[-1] if stderr.strip() else "no message"


def compile_at(args, prog, n):
    """The compile report at max_len n, or the compiler's refusal (text)."""
    progress("compile %s at max_len %d" % (prog["label"], n))
    out = rasp_cmd(args, ["compile", prog["file"], "--sop", prog["sop"], "--vocab",
                          vocab_literal(prog["vocab"]), "--max-len", str(n), "--json"])
    if out.returncode == 0:
        return json.loads(out.stdout), None
    if out.returncode != 1:
        sys.exit("tail-table: rasp compile %s exited %d: %s"
                 % (prog["label"], out.returncode, out.stderr))
    return None, first_error(out.stderr)


def compile_program(args, prog, needed, cap):
    """The compile report at the largest max_len the compiler takes, and the
    refusals on the way: `needed` first (or `cap`, when it is more), then a
    bisection of the LADDER lengths below it, on the assumption that a
    length the compiler refuses is refused at every larger one (value sets
    and widths only grow with max_len)."""
    refusals = []
    if needed > cap:
        refusals.append((needed, "more than %s, %d" % (
            "rasp's limit on --max-len" if cap == MAX_LEN_LIMIT else "the cap --step-max-len",
            cap)))
        needed = cap
    report, refusal = compile_at(args, prog, needed)
    if report:
        return report, refusals
    refusals.append((needed, refusal))
    ladder = [m for m in LADDER if m < needed]
    lo, hi, best = -1, len(ladder), None  # ladder[lo] compiles, ladder[hi] does not
    while hi - lo > 1:
        mid = (lo + hi) // 2
        report, refusal = compile_at(args, prog, ladder[mid])
        if report:
            lo, best = mid, report
        else:
            hi = mid
            refusals.append((ladder[mid], refusal))
    return best, sorted(refusals, reverse=True)


def compare_program(args, prog, max_len):
    argv = ["compare", prog["file"], "--sop", prog["sop"], "--vocab",
            vocab_literal(prog["vocab"]), "--max-len", str(max_len), "--json"]
    for m in QWEN:
        argv += ["--model-config", os.path.join("examples/models", m, "config.json")]
    out = rasp_cmd(args, argv)
    if out.returncode:
        sys.exit("tail-table: rasp compare %s failed: %s" % (prog["label"], out.stderr))
    models = json.loads(out.stdout)["models"]
    assert [m["config"].split("/")[-2] for m in models] == QWEN, "compare's models in order"
    return models


def run_inputs(args, prog, max_len, literals):
    """The output sequences of the compiled model, one per literal."""
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as f:
        f.write("\n".join(literals) + "\n")
        path = f.name
    try:
        out = rasp_cmd(args, ["run", prog["file"], "--sop", prog["sop"], "--backend", "cpu",
                              "--vocab", vocab_literal(prog["vocab"]), "--max-len",
                              str(max_len), "--input-file", path, "--json"])
    finally:
        os.unlink(path)
    if out.returncode:
        sys.exit("tail-table: rasp run %s failed: %s" % (prog["label"], out.stderr))
    results = json.loads(out.stdout)
    if len(results) != len(literals):
        sys.exit("tail-table: rasp run %s gave %d outputs for %d inputs"
                 % (prog["label"], len(results), len(literals)))
    return [r["outputs"][prog["sop"]]["values"] for r in results]


def instances(task, range_index, count, hi):
    """`count` random instances of the task in one range, sizes up to `hi`
    (the range's own top unless max_len stops it lower), the same for every
    program of the task (one seeded stream per task and range)."""
    lo = task["ranges"][range_index][0]
    rng = random.Random("%d/%s/%d/%d" % (SEED, task["key"], range_index, hi))
    gen = task["gen"]
    out = []
    for _ in range(count):
        n = rng.randint(lo, hi)
        if gen in (gen_compare, gen_addition, gen_levenshtein, gen_lcs):
            out.append(gen(rng, n, lo, hi))
        else:
            out.append(gen(rng, n))
    return out


def accuracy(args, task, prog, max_len):
    """Per range: None when none of its inputs fit max_len, else
    (right, count, failures, top), failures as text, top the largest size run (below the range's top when max_len is)."""
    rows = []
    for r, (lo, hi) in enumerate(task["ranges"]):
        fitting = [n for n in range(lo, hi + 1) if prog["length"](n) <= max_len]
        if not fitting:
            rows.append(None)
            continue
        hi = fitting[-1]
        cases = instances(task, r, args.count, hi)
        literals = [prog["literal"](c) for c in cases]
        progress("run %s on %d inputs of %d-%d %s" % (prog["label"], len(cases), lo, hi,
                                                       task["unit"]))
        got = run_inputs(args, prog, max_len, literals)
        failures = []
        for c, lit, g in zip(cases, literals, got):
            want = prog["expected"](c)
            if g != want:
                failures.append("`%s` gave `%s`, expected `%s`"
                                % (lit, show(prog, g), show(prog, want)))
        rows.append((len(cases) - len(failures), len(cases), failures, hi))
    return rows


def generate(args, prog, max_len, prompts):
    """`rasp generate --prompts --json` on the compiled model: one result
    object per prompt, in order (an `error` key where one failed)."""
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as f:
        f.write("\n".join(json.dumps(p) for p in prompts) + "\n")
        path = f.name
    try:
        out = rasp_cmd(args, ["generate", prog["file"], "--sop", prog["sop"], "--backend",
                              "cpu", "--vocab", vocab_literal(prog["vocab"]), "--max-len",
                              str(max_len), "--stop", '"$"', "--prompts", path, "--json"])
    finally:
        os.unlink(path)
    results = {}
    for line in out.stdout.splitlines():
        if line.strip():
            r = json.loads(line)
            results[r["line"]] = r
    if out.returncode not in (0, 1) or len(results) != len(prompts):
        sys.exit("tail-table: rasp generate %s exited %d with %d results for %d prompts: %s"
                 % (prog["label"], out.returncode, len(results), len(prompts), out.stderr))
    return [results[i + 1] for i in range(len(prompts))]


def answer_of(trace):
    """The text between the last "#" and the final "$", or None."""
    if not trace.endswith("$") or "#" not in trace:
        return None
    return trace[trace.rindex("#") + 1:-1]


def trace_failure(result, trace, want):
    """Why a generated sequence is wrong, in a few words."""
    if "error" in result:
        return "error: " + result["error"]
    got = "".join(str(t) for t in result["sequence"])
    if got == trace:
        return "the trace is right but its answer %s is not %s" % (answer_of(got), want)
    k = next((i for i, (a, b) in enumerate(zip(got, trace)) if a != b),
             min(len(got), len(trace)))
    return "token %d of %d: generated `%s`, the trace has `%s` (stop: %s)" % (
        k, len(trace), got[max(0, k - 8):k + 8], trace[max(0, k - 8):k + 8],
        result.get("stop_reason"))


def decode_work(record, nonzero, cached):
    """What generating the trace costs: with a cached decode every position
    is computed once, so the trace's length times the model's nonzero
    parameters; when every token recomputes the whole prefix, the sequence
    lengths of all the steps, summed, times them."""
    if cached:
        return nonzero * len(record["trace"])
    return nonzero * sum(range(len(record["prompt"]), len(record["trace"])))


def decode_is_cached(args, prog, max_len, prompt):
    """Whether `rasp generate` decodes this program with a cache (it does
    when every selector provably looks back): one step from `prompt`."""
    out = rasp_cmd(args, ["generate", prog["file"], "--sop", prog["sop"], "--backend", "cpu",
                          "--vocab", vocab_literal(prog["vocab"]), "--max-len", str(max_len),
                          "--prompt", json.dumps(prompt), "--max-steps", "1", "--json"])
    if out.returncode:
        sys.exit("tail-table: rasp generate %s failed: %s" % (prog["label"], out.stderr))
    return bool(json.loads(out.stdout).get("cached", False))


def step_accuracy(args, task, prog, report, traces):
    """As accuracy(), for a step program: an input is right when the whole
    generated sequence is traces.py's trace and its answer is
    tail_reference's. Of the --step-count inputs of a range, the first
    ones run whose decode_work sums to at most --step-budget."""
    max_len, nonzero = report["max_len"], report["params_nonzero"]
    rows, cached = [], None
    for r, (lo, hi) in enumerate(task["ranges"]):
        fitting = [n for n in range(lo, hi + 1) if prog["length"](n) <= max_len]
        if not fitting:
            rows.append(None)
            continue
        hi = fitting[-1]
        cases = instances(task, r, args.step_count, hi)
        records = [traces.record(prog["trace_task"], TRACE_INPUT[task["key"]](c))
                   for c in cases]
        for rec in records:
            assert len(rec["trace"]) <= max_len, "trace_bound is a bound: " + rec["input"]
        if cached is None:
            cached = decode_is_cached(args, prog, max_len, records[0]["prompt"])
        # The first input, and those after it while their decoding work
        # sums to at most the budget.
        costs = [decode_work(rec, nonzero, cached) for rec in records]
        k = 1
        while k < len(records) and sum(costs[:k + 1]) <= args.step_budget:
            k += 1
        cases, records = cases[:k], records[:k]
        progress("generate %s on %d prompts of %d-%d %s (%s decode, work %.2g)"
                 % (prog["label"], len(cases), lo, hi, task["unit"],
                    "cached" if cached else "recomputing", sum(costs[:k])))
        got = generate(args, prog, max_len, [rec["prompt"] for rec in records])
        failures = []
        for c, rec, g in zip(cases, records, got):
            want = STEP_ANSWER[task["key"]](c)
            seq = "".join(str(t) for t in g["sequence"])
            ok = ("error" not in g and g["stop_reason"] == "stop-token" and seq == rec["trace"]
                  and answer_of(seq) == want)
            if not ok:
                failures.append("prompt `%s`: %s"
                                % (rec["prompt"], trace_failure(g, rec["trace"], want)))
        rows.append((len(cases) - len(failures), len(cases), failures, hi))
    return rows, cached


# ---------------------------------------------------------------------------
# The document.

def fmt_int(x):
    return "{:,}".format(x)


def verdict(model):
    """'fits', or 'no: ' and the requirements the model misses."""
    if model["fits"]:
        return "fits"
    return "no: " + ", ".join(s.replace("num_key_value_heads", "KV heads")
                               .replace("intermediate_size", "FFN")
                               for s in model["shortfalls"])


def smaller_verdicts(models):
    """The verdicts of the models but Qwen2.5-7B, in QWEN's order."""
    return "; ".join("%s %s" % (folder.split("-")[1].upper(), verdict(m))
                     for folder, m in zip(QWEN, models) if folder != "qwen2.5-7b")


def show(prog, values):
    """An output sequence as text: the sum's digits for addition, `[v]*n`
    when every position holds one value, else the list."""
    if prog["task"] == "addition" and all(isinstance(v, int) for v in values):
        return "".join(str(v) for v in values).lstrip("0") or "0"
    if values and all(v == values[0] for v in values):
        return "[%s]*%d" % (json.dumps(values[0]), len(values))
    return json.dumps(values)


def acc_cell(task, prog, max_len, r, row):
    lo, hi = task["ranges"][r]
    if row is None:
        return "not run: %d %s take %d tokens, more than max_len %d" % (
            lo, task["unit"], prog["length"](lo), max_len)
    right, count, _, top = row
    cell = "%d/%d (%.1f%%)" % (right, count, 100.0 * right / count)
    if top < hi:
        sizes = "%d" % lo if top == lo else "%d-%d" % (lo, top)
        cell += ", %s %s only: %d takes up to %d tokens, more than max_len %d" % (
            sizes, task["unit"], top + 1, prog["length"](top + 1), max_len)
    return cell


def task_of(key):
    return next(t for t in TASKS if t["key"] == key)


def program_name(prog):
    folder = "steps/" if prog["kind"] == "step" else ""
    return "`%s%s` (`%s`)" % (folder, os.path.basename(prog["file"]), prog["sop"])


def qwen7b_of(res):
    return res["models"][QWEN.index("qwen2.5-7b")]


def ordered(results):
    """Results in the order of TASKS, direct programs before step programs."""
    keys = [t["key"] for t in TASKS]
    return sorted(results, key=lambda r: (keys.index(r["prog"]["task"]),
                                          r["prog"]["kind"] != "direct"))


def render_intro(args, w):
    w("# TAIL's tasks as compiled transformers")
    w("")
    w("Generated by `scripts/tail-table.sh%s`; do not edit by hand. Issue 18, item 4:"
      % args.options)
    w("for each task of TAIL (\"The Imitation Game: Turing Machine Imitator is Length")
    w("Generalizable Reasoner\", 2025) and each RASP program for it, the size of the")
    w("compiled transformer, how it sits beside Qwen2.5-7B (the model TAIL fine-tunes:")
    w("28 layers of 28 heads) and the smaller Qwen2.5 models, and how often the")
    w("compiled model is right on random inputs of TAIL's short, medium and long ranges.")
    w("A *direct* program (examples/tail/*.rasp) computes the whole answer in one pass;")
    w("a *step* program (examples/tail/steps/) writes the next token of a trace in the")
    w("spirit of TAIL's chain of thought (examples/tail/traces.py gives the format), so")
    w("its layers are those of one step, run once per generated token.")
    w("")
    w("How it is measured:")
    w("")
    w("* **Size**: `rasp compile FILE --sop NAME --vocab V --max-len N --json` at the")
    w("  max_len the longest input of TAIL's long range needs (given per row; for a step")
    w("  program, the longest trace). Where the compiler refuses it, the largest of")
    w("  %s below it that compiles is found by bisection (a" % ", ".join(str(m) for m in LADDER))
    w("  length refused is taken as refused at every larger one: value sets and widths")
    w("  grow with max_len), and the refusals met are quoted. \"MLP width\" is the widest")
    w("  layer's hidden width; parameters are those of the dense matrices (nonzero ones")
    w("  in brackets).")
    w("* **Qwen2.5**: `rasp compare` at the same max_len with")
    w("  `examples/models/qwen2.5-{0.5b,1.5b,3b,7b}/config.json`: the model fits when")
    w("  its layers, heads per layer, d_model, head width and MLP width are each at most")
    w("  the trained model's (sizes only; see docs/cli.md).")
    w("* **Accuracy**: %d random inputs per range%s (seeded, the same inputs for every"
      % (args.count, "" if args.step_count == args.count else
         ", at most %d for a step program" % args.step_count))
    w("  program of a task), run through the compiled model on the CPU backend, one")
    w("  compiled model for all of them. A direct program runs with `rasp run --backend")
    w("  cpu --input-file --json`, and an input counts as right only when the whole")
    w("  output sequence equals the answer of `scripts/tail_reference.py` (Python's own")
    w("  integers, strings, `sorted` and `bisect`) put in the program's output format.")
    w("  A step program's inputs are the first of the %d of each range, and those after"
      % args.step_count)
    w("  it while their decoding work stays within %.3g. `rasp generate` decodes with a"
      % args.step_budget)
    w("  cache when every selector of the program provably looks back (each position is")
    w("  computed once: the work of a trace is its length times the model's nonzero")
    w("  parameters), and otherwise recomputes the whole prefix at every token (the")
    w("  sum of its steps' sequence lengths times them), where a long trace of a large")
    w("  model costs a minute of CPU; each cell gives how many ran (`--step-budget`")
    w("  raises it), the table which decode each program had.")
    w("  A step program runs with `rasp generate --backend cpu --stop '\"$\"' --prompts")
    w("  FILE --json` from traces.py's prompt, and an input counts as right only when")
    w("  the whole generated sequence is traces.py's trace, it stopped at `$`, and the")
    w("  answer between `#` and `$` is tail_reference's. The evaluator plays no part.")
    w("")


def render_overview(results, w):
    w("## The tasks")
    w("")
    w("| class | task | TAIL's ranges (S / M / L) | direct programs | step programs |")
    w("| --- | --- | --- | --- | --- |")
    for task in TASKS:
        mine = [r["prog"] for r in results if r["prog"]["task"] == task["key"]]
        direct = ", ".join("`%s`" % p["label"] for p in mine if p["kind"] == "direct")
        step = ", ".join("`%s`" % p["label"] for p in mine if p["kind"] == "step")
        if not direct and task["key"] in NO_DIRECT:
            direct = "none (below)"
        w("| %s | %s | %s %s | %s | %s |"
          % (task["cls"], task["name"], " / ".join("%d-%d" % r for r in task["ranges"]),
             task["unit"], direct or "-", step or "-"))
    w("")


# A small input per task, to show traces.py's trace format in the doc.
TRACE_EXAMPLE = {
    "addition": "957+68", "compare": "123,124", "bubble_sort": "32,15,04",
    "binary_search": "02,05,08,13,21?13", "population": "7", "derangements": "5",
    "division": "9051/7", "levenshtein": "ab,BA", "lcs": "ab,BA", "knapsack": "04:35,27,11",
}


def render_traces(results, traces, w):
    steps = [r["prog"] for r in results if r["prog"]["kind"] == "step"]
    if not steps:
        return
    w("Step traces, as examples/tail/traces.py writes them (prompt, steps, `#`, the")
    w("answer, `$`):")
    w("")
    for prog in steps:
        rec = traces.record(prog["trace_task"], TRACE_EXAMPLE[prog["task"]])
        w("* %s: `%s`" % (task_of(prog["task"])["name"], rec["trace"]))
    w("")


def render_sizes(results, w):
    w("## Sizes and the trained models")
    w("")
    w("| task | kind | program (s-op) | vocabulary | max_len | layers | heads per layer "
      "| d_model | MLP width | parameters | Qwen2.5-7B | smaller Qwen2.5 |")
    w("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for res in results:
        prog, task, rep = res["prog"], task_of(res["prog"]["task"]), res["report"]
        head = "| %s | %s | %s | %s" % (task["name"], prog["kind"], program_name(prog),
                                        prog["vocab_text"])
        if rep is None:
            w(head + " | refused at every length tried | | | | | | | |")
            continue
        ml = str(rep["max_len"])
        if rep["max_len"] < res["needed"]:
            ml += " (the long range needs %d; refused at %s)" % (
                res["needed"], ", ".join(str(n) for n, _ in res["refusals"]))
        w(head + " | %s | %d | %s | %d | %s | %s (%s) | %s | %s |"
          % (ml, rep["layers"], ", ".join(str(h) for h in rep["heads_per_layer"]),
             rep["d_model"], fmt_int(max(rep["mlp_hidden_per_layer"])),
             fmt_int(rep["params_dense"]), fmt_int(rep["params_nonzero"]),
             verdict(qwen7b_of(res)), smaller_verdicts(res["models"])))
    refused = [r for r in results if r["refusals"]]
    if refused:
        w("")
        w("Refusals, as the compiler words them:")
        w("")
        for res in refused:
            for n, msg in res["refusals"]:
                w("* `%s` at max_len %d: \"%s\"" % (res["prog"]["label"], n, msg))
    w("")


def render_accuracy(results, w):
    w("## Accuracy of the compiled models")
    w("")
    w("Short / medium / long are TAIL's ranges (the issue's table), counted in the")
    w("task's unit; TAIL's pass@1 is its fine-tuned Qwen2.5-7B's, as the issue quotes")
    w("it (addition only).")
    w("")
    w("| task | kind | program (s-op) | short | medium | long | TAIL pass@1 (S / M / L) |")
    w("| --- | --- | --- | --- | --- | --- | --- |")
    for res in results:
        prog, task = res["prog"], task_of(res["prog"]["task"])
        tail = " / ".join("%.1f%%" % x for x in task["tail"]) if "tail" in task else "-"
        if res["report"] is None:
            cells = ["not compiled"] * 3
        else:
            cells = [acc_cell(task, prog, res["report"]["max_len"], r, a)
                     for r, a in enumerate(res["accuracy"])]
        kind = prog["kind"]
        if res.get("cached") is not None:
            kind += ", cached decode" if res["cached"] else ", recomputed decode"
        w("| %s | %s | `%s` | %s | %s | %s | %s |"
          % (task["name"], kind, prog["label"], cells[0], cells[1], cells[2], tail))
    failing = [r for r in results if r["accuracy"] and any(a and a[2] for a in r["accuracy"])]
    if failing:
        w("")
        w("Failing inputs (the first three of each range):")
        w("")
        for res in failing:
            for r, a in enumerate(res["accuracy"]):
                for failure in (a[2][:3] if a else []):
                    w("* `%s`, %s range: %s" % (res["prog"]["label"],
                                               ["short", "medium", "long"][r], failure))
    w("")
    w("Inputs, by task (a step program reads the same inputs written as traces.py")
    w("reads them):")
    w("")
    w("* word flip: lowercase words of 1-8 letters with single spaces, cut to the length.")
    w("* count letters: such a sentence, `?`, and a letter (from the sentence three times")
    w("  in four); `letter_hist` reads the sentence alone.")
    w("* compare: a of the length drawn; b a number of any length of the range, of a's")
    w("  length, a with one digit changed, or a itself (a quarter each), in either order;")
    w("  no leading zeros.")
    w("* addition: one operand of the width drawn, the other of any width of the range,")
    w("  or (a quarter of the time) of the same width with digit sums of 9 and one digit")
    w("  changed, so that carries run far; in either order, no leading zeros.")
    w("* bubble sort: distinct numbers from 0-99 (TAIL's numbers may be larger; the")
    w("  one-token program's vocabulary grows with them).")
    w("* binary search: an increasing list of distinct numbers from 0-99 and a value from")
    w("  the list three times in four, else any number 0-99 (found or not).")
    w("* population growth and derangements: n drawn in the range.")
    w("* LCS: two strings over a-d, one of the length drawn, the other of any length of")
    w("  the range, in either order (the second written in capitals for the step program).")
    w("* 0-1 knapsack: the number of items drawn, weights and values 1-9, a capacity 1-15.")
    w("")


def misfit_summary(misfits):
    """How many programs miss each of Qwen2.5-7B's requirements, in words."""
    counts = {}
    for res in misfits:
        for shortfall in qwen7b_of(res)["shortfalls"]:
            # "head width 413 > head_dim 128": the requirement and the limit
            left, right = shortfall.split(" > ")
            what = left.rsplit(" ", 1)[0]
            counts.setdefault((what, right), 0)
            counts[(what, right)] += 1
    return ", ".join("%s above %s (%d)" % (what, limit.replace(
        "num_key_value_heads", "its key/value heads").replace("intermediate_size", "FFN"), n)
        for (what, limit), n in sorted(counts.items(), key=lambda x: -x[1]))


def render_headline(results, w):
    w("## Headline")
    w("")
    for kind in ("step", "direct"):
        mine = [r for r in results if r["prog"]["kind"] == kind and r["report"]]
        if not mine:
            w("No %s program is in this table%s." % (kind, ": none compiled at any length tried"
              if any(r["prog"]["kind"] == kind for r in results) else ""))
            w("")
            continue
        deepest = max(mine, key=lambda r: r["report"]["layers"])
        rep = deepest["report"]
        w("The deepest %s program is `%s` (%s): %d layers%s at max_len %d, against"
          % (kind, deepest["prog"]["label"], task_of(deepest["prog"]["task"])["name"],
             rep["layers"], " for one step" if kind == "step" else "", rep["max_len"]))
        w("Qwen2.5-7B's %d (%d%% of its depth)." % (
            QWEN7B_LAYERS, round(100.0 * rep["layers"] / QWEN7B_LAYERS)))
        misfits = [r for r in mine if not qwen7b_of(r)["fits"]]
        if misfits:
            w("Depth is not what stops a fit: of the %d %s programs, %d %s not fit"
              % (len(mine), kind, len(misfits), "does" if len(misfits) == 1 else "do"))
            w("Qwen2.5-7B; the requirements missed, each with how many programs miss it:")
            w("%s (the sizes table gives each program's)." % misfit_summary(misfits))
        else:
            w("Every %s program fits Qwen2.5-7B's layers, heads and widths." % kind)
        if kind == "step":
            w("Each generated token runs the whole model once, so a trace of T tokens")
            w("applies a step program's layers T times in sequence, as TAIL's model applies")
            w("its 28 to every token of its chain of thought.")
        w("")


def render(args, results, traces):
    lines = []
    w = lines.append
    results = ordered(results)
    render_intro(args, w)
    render_overview(results, w)
    render_traces(results, traces, w)
    render_sizes(results, w)
    render_accuracy(results, w)
    w("## Tasks without a direct program")
    w("")
    for key, why in NO_DIRECT.items():
        w("* %s: %s" % (task_of(key)["name"], why))
    w("")
    render_headline(results, w)
    return "\n".join(lines).rstrip("\n") + "\n"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rasp", required=True, help="the rasp binary")
    parser.add_argument("--quick", action="store_true", help="20 inputs per range")
    parser.add_argument("--count", type=int, help="inputs per range (default 200)")
    parser.add_argument("--step-count", type=int,
                        help="inputs per range for step programs (default: --count)")
    parser.add_argument("--out", default=os.path.join(ROOT, "docs", "tail.md"),
                        help="the Markdown file to write (default docs/tail.md)")
    parser.add_argument("--only", action="append", metavar="SOP",
                        help="only this program (repeatable), for trying one out")
    parser.add_argument("--step-budget", type=float,
                        help="the decoding work per range of a step program: the sum over "
                             "its generated tokens of the sequence length times the nonzero "
                             "parameters (default %g; %g with --quick)"
                             % (STEP_BUDGET, STEP_BUDGET / 10))
    parser.add_argument("--step-max-len", type=int, default=MAX_LEN_LIMIT,
                        help="the largest max_len tried for a step program (default %d)"
                        % MAX_LEN_LIMIT)
    parser.add_argument("--steps", default=os.path.join(ROOT, "examples", "tail", "steps"),
                        help="the folder of step programs (default examples/tail/steps)")
    parser.add_argument("--traces", default=os.path.join(ROOT, "examples", "tail", "traces.py"),
                        help="the trace generator (default examples/tail/traces.py)")
    parser.add_argument("--strict", action="store_true",
                        help="exit 3 when any program is wrong on any input")
    args = parser.parse_args()
    args.rasp = os.path.abspath(args.rasp)
    if args.count is None:
        args.count = 20 if args.quick else 200
    if args.step_count is None:
        args.step_count = args.count
    if args.step_budget is None:
        args.step_budget = STEP_BUDGET / 10 if args.quick else STEP_BUDGET
    args.options = "".join(
        [" --quick" if args.quick else ""] +
        [" --%s %s" % (k.replace("_", "-"), v) for k, v in
         (("count", args.count), ("step_count", args.step_count))
         if v != (20 if args.quick else 200)] +
        [" --step-budget %g" % args.step_budget
         if args.step_budget != (STEP_BUDGET / 10 if args.quick else STEP_BUDGET) else ""] +
        [" --step-max-len %d" % args.step_max_len
         if args.step_max_len != MAX_LEN_LIMIT else ""])
    start = time.time()
    results = []
    for prog in DIRECT:
        prog["label"] = prog["sop"]
    traces = load_traces(args.traces)
    for prog in DIRECT + step_programs(traces, args.steps):
        if args.only and prog["sop"] not in args.only and prog["label"] not in args.only:
            continue
        task = task_of(prog["task"])
        needed = prog["length"](task["ranges"][2][1])
        cap = args.step_max_len if prog["kind"] == "step" else MAX_LEN_LIMIT
        report, refusals = compile_program(args, prog, needed, cap)
        res = dict(prog=prog, needed=needed, report=report, refusals=refusals, models=None,
                   accuracy=None)
        if report:
            res["models"] = compare_program(args, prog, report["max_len"])
            if prog["kind"] == "direct":
                res["accuracy"] = accuracy(args, task, prog, report["max_len"])
            else:
                res["accuracy"], res["cached"] = step_accuracy(args, task, prog, report, traces)
        results.append(res)
    with open(args.out, "w") as f:
        f.write(render(args, results, traces))
    progress("wrote %s in %.0f s" % (args.out, time.time() - start))
    wrong = [r["prog"]["label"] for r in results
             if r["report"] is None or any(a and a[2] for a in r["accuracy"])]
    if args.strict and wrong:
        progress("not right on every input: " + ", ".join(wrong))
        sys.exit(3)


if __name__ == "__main__":
    main()
