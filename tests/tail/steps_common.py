"""What tests/tail/generate-steps.py and teacher-forced.py share: the
arguments that name a step program and its traces, each task's vocabulary,
and the traces themselves (examples/tail/traces.py)."""

import argparse
import os
import random
import sys

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


def parser(description):
    """RASP FILE TASK [--size LO-HI] [--count N] [--seed S] [--input INPUT]...
    [--sop NEXT] [--backend interp|cpu] [--vocab V] [--max-len N]."""
    p = argparse.ArgumentParser(description=description)
    p.add_argument("rasp")
    p.add_argument("file")
    p.add_argument("task", choices=sorted(traces.TRACERS))
    p.add_argument("--size", type=traces.parse_size)
    p.add_argument("--count", type=int, default=0)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--input", action="append", default=[])
    p.add_argument("--sop", default="next")
    p.add_argument("--backend", default="interp", choices=["interp", "cpu"])
    p.add_argument("--vocab", help="default: the task's (VOCABS)")
    p.add_argument("--max-len", type=int)
    return p


def parse(p):
    """The arguments; --backend cpu needs --max-len, and --vocab defaults to
    the task's."""
    args = p.parse_args()
    if args.backend == "cpu" and not args.max_len:
        p.error("--backend cpu needs --max-len")
    if args.vocab is None:
        args.vocab = VOCABS[args.task]
    return args


def records(args):
    """traces.py's records for each --input, then for --count seeded random
    inputs of --size (default: the task's short range)."""
    out = [traces.record(args.task, text) for text in args.input]
    if args.count:
        rng = random.Random(args.seed)
        lo, hi = args.size or traces.RANGES[args.task][0]
        for _ in range(args.count):
            out.append(traces.record(args.task, traces.random_input(args.task, rng, lo, hi)))
    return out
