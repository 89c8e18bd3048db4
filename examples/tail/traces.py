#!/usr/bin/env python3
"""Reference traces for TAIL's step programs (examples/tail/steps/).

Every trace is a string in which each character is one token: the prompt,
then the steps (each states what it fetched and the state it moves to),
then "#", the final answer and the stop token "$". A step program's
next-token s-op, evaluated on any prefix of the trace, gives at its last
position the trace's next token. Numbers are digit tokens.

  python3 traces.py TASK --range short|medium|long --count N --seed S
  python3 traces.py TASK --size LO-HI --count N --seed S
  python3 traces.py TASK --input INPUT

print one JSON object per line with the keys
  "input":  the task's input as text (the prompt without its final "=");
  "prompt": the trace's first part, what generation starts from;
  "trace":  the whole token sequence the model should end with, prompt
            included, one token per character; as a rasp input literal it
            is the same text in double quotes (json.dumps gives it);
  "answer": the final answer (the text between "#" and "$").

Tasks, their inputs (--input) and traces (a, b: numbers; k counts from 0):

addition        "957+68": digits of a, "+", digits of b (no leading zeros).
  Prompt "957+68=". Step k (units first) is ";" a_k b_k s_k c_k: the k-th
  digits of a and b from the right (0 past an operand's end), the sum
  digit and the carry out: s_k = (a_k + b_k + c_{k-1}) mod 10. Steps run
  while k < the longer operand's digit count or the last carry is 1.
  Answer: the sum digits, most significant first: "#1025$".
  957+68=;7851;5621;9011;0010#1025$
compare         "123,45": digits of a, ",", digits of b (no leading zeros).
  Prompt "123,45=". First "L" and the order of the digit counts ("<", "="
  or ">"). Unless "=", the answer follows. Otherwise step k (most
  significant first) is ";" a_k b_k r_k, r_k the order of the first k + 1
  digits; the answer follows the first step whose r_k is not "=", or the
  last step. Answer: "<", "=" or ">".
  123,124=L=;11=;22=;34<#<$
bubble_sort     "31,04,15,09": distinct two-digit numbers (leading 0), ",".
  Prompt "31,04,15,09=". n - 1 passes, each "|" and n - 1 steps; step j
  of a pass is ";" lo hi (two digits each): the carried number (the
  pass's first number for j = 0, else step j - 1's hi) and the fetched
  number j + 1 of the list before the pass, smaller first. The list after
  a pass is its steps' lo, then the last step's hi. Answer: the sorted
  list as in the prompt: "#04,09,15,31$".
  32,15=|;1532#15,32$
binary_search   "02,05,08,13,21?13": increasing two-digit numbers (leading
  0), ",", then "?" and the value (two digits). Prompt "02,05,08,13,21?13=".
  Step: ";" lo hi mid v c: the index range lo..hi (two digits each, at
  first 00 and n - 1), mid = (lo + hi) div 2, v the list's number at mid,
  c the order of v against the value ("<": lo = mid + 1, ">": hi = mid -
  1, "=": found). Answer: the index (no leading zero), "-1" when lo > hi.
  02,05,08,13,21?13=;00040208<;03040313=#3$
population_growth  "7": n <= 99, units of time (P(1) = P(2) = 1 pair,
  P(u) = P(u-1) + P(u-2), Fibonacci's rabbits). Prompt "7=". Step u = 2..n
  is ";" and W groups a_k b_k s_k c_k, units first, W the digit count of
  the answer P(n) (every number is written with W digits, so that digit k
  of the step before is always the same distance back): a_k and b_k the
  k-th digits of P(u-1) and P(u-2) (P(0) = 0), s_k and c_k the sum digit
  and carry. Answer: P(n): "#13$".
  7=;10100000;11200000;21300000;32500000;53800000;85310010#13$
derangements    "5": 1 <= n <= 100 (D(1) = 0, D(2) = 1,
  D(u) = (u-1)(D(u-1) + D(u-2))). Prompt "5=". Step u = 3..n is ";", W
  sum groups a_k b_k s_k c_k of D(u-1) + D(u-2) (units first, as
  population_growth), then "*" and W groups y_k h_k l_k p_k of D(u): y_k
  the sum's digit k, h_k l_k the carry into the digit (two digits, tens
  then units), p_k = ((u-1) y_k + carry) mod 10; the carry out is
  ((u-1) y_k + carry) div 10. W is the digit count of the answer D(n):
  every number is written with W digits. Answer: D(n): "#44$".
  5=;10100000*10020000;21300000*30090000;92110010*10041004#44$
division        "9051/7": digits of a (no leading zeros), "/", a one-digit
  divisor d (1-9). Prompt "9051/7=". Long division, most significant digit
  first: step k is ";" a_k q_k r_k, a_k the k-th digit of a, q_k and r_k
  the quotient digit and remainder of 10 r_{k-1} + a_k by d (r_{-1} = 0).
  Answer: the quotient (no leading zeros; since d < 10 only q_0 can be a
  leading zero), "," and the remainder: "#1293,0$".
  9051/7=;912;026;592;130#1293,0$
levenshtein     "abc,CAB": a over the letters a-d, ",", b over A-D (b in
  capitals, so that a count of capitals gives b's length; letters match
  regardless of case), each 1-9 letters. Prompt "abc,CAB=". The table
  D[i][j] (the edit distance of a's first i letters and b's first j),
  row by row, i = 0..la, j = 0..lb: step ";" y x v, y = b_j in lower case
  ("|" for j = 0: a count of "|" gives the row), x = a_i ("-" for i = 0),
  v = D[i][j] (one digit: at most 9). Answer: D[la][lb]: "#2$".
  ab,BA=;|-0;b-1;a-2;|a1;ba1;aa1;|b2;bb1;ab2#2$
lcs             "abc,CAB": a over the letters a-d, ",", b over A-D (b in
  capitals, so that a count of capitals gives b's length; letters match
  regardless of case), each 1-12 letters. Prompt "abc,CAB=". The table
  L[i][j] (the length of a longest common subsequence of a's first i
  letters and b's first j) row by row, i = 1..la, j = 1..lb (row and
  column 0 are zeros and are not written): each row is "|" and a_i, then
  its cells y h l: y = b_j in lower case, h l = L[i][j] as two digits
  (L[i][j] = L[i-1][j-1] + 1 if a_i = b_j, else max(L[i-1][j],
  L[i][j-1])). Answer: L[la][lb] (no leading zero): "#1$".
  ab,BA=|ab00a01|bb01a01#1$
knapsack        "07:35,27,11": the capacity C (two digits, 01-15), ":",
  then the items, each its weight w and value v (one digit each, 1-9),
  separated by ",": 1-9 items. Prompt "07:35,27,11=". The table K[i][c]
  (the largest value of a subset of the first i items of total weight at
  most c) capacity by capacity, c = 0..C, i = 1..n (K[0][c] = 0 is not
  written): each row is "|", then its cells ";" w v h l: w and v item
  i's weight and value, h l = K[i][c] as two digits (K[i][c] =
  max(K[i-1][c], K[i-1][c-w] + v) if w <= c, else K[i-1][c]). Answer:
  K[n][C] (no leading zero): "#8$".
  04:35,27,11=|;3500;2700;1100|;3500;2700;1101|;3500;2707;1107|;3505;2707;1108|;3505;2707;1108#8$

Random inputs: the lengths are uniform in TAIL's ranges (below) or in
--size LO-HI; digits are uniform, leading digits nonzero. compare takes b
with a's digit count half of the time, and then b shares a random prefix
of a. binary_search's value is one of the list's numbers.
"""

import argparse
import json
import random
import sys

RANGES = {
    "addition": ((10, 30), (31, 40), (41, 50)),
    "compare": ((5, 10), (11, 20), (21, 50)),
    "bubble_sort": ((2, 4), (5, 6), (7, 8)),
    "binary_search": ((5, 20), (21, 40), (41, 70)),
    "population_growth": ((1, 10), (11, 25), (26, 50)),
    "derangements": ((3, 30), (31, 60), (61, 100)),
    "division": ((2, 5), (6, 10), (11, 20)),
    "levenshtein": ((2, 4), (5, 7), (8, 9)),
    "lcs": ((2, 6), (7, 9), (10, 12)),
    "knapsack": ((2, 3), (4, 5), (6, 8)),
}
RANGE_NAMES = ("short", "medium", "long")


def digits_lsb(x):
    """The decimal digits of x >= 0, units first."""
    return [int(c) for c in reversed(str(x))]


def order(x, y):
    return "<" if x < y else (">" if x > y else "=")


def parse_number(text, what):
    if not text.isdigit() or (len(text) > 1 and text[0] == "0"):
        raise ValueError(f"{what} must be digits without leading zeros: {text!r}")
    return int(text)


def parse_two_digit_list(text, what):
    parts = text.split(",")
    for p in parts:
        if len(p) != 2 or not p.isdigit():
            raise ValueError(f"{what} must be two-digit numbers: {p!r}")
    return [int(p) for p in parts]


# --- traces ---------------------------------------------------------------


def addition_steps(a, b, cin=0):
    """Groups (a_k, b_k, s_k, c_k) of a + b, units first."""
    da, db = digits_lsb(a), digits_lsb(b)
    groups, carry, k = [], cin, 0
    while k < max(len(da), len(db)) or carry:
        x = da[k] if k < len(da) else 0
        y = db[k] if k < len(db) else 0
        total = x + y + carry
        groups.append((x, y, total % 10, total // 10))
        carry = total // 10
        k += 1
    return groups


def groups_text(groups):
    return "".join("".join(str(v) for v in g) for g in groups)


def trace_addition(text):
    if text.count("+") != 1:
        raise ValueError("addition input is a+b, e.g. 957+68")
    sa, sb = text.split("+")
    a, b = parse_number(sa, "a"), parse_number(sb, "b")
    prompt = text + "="
    steps = "".join(";" + groups_text([g]) for g in addition_steps(a, b))
    return prompt, prompt + steps, str(a + b)


def trace_compare(text):
    if text.count(",") != 1:
        raise ValueError("compare input is a,b, e.g. 123,45")
    sa, sb = text.split(",")
    parse_number(sa, "a")
    parse_number(sb, "b")
    prompt = text + "="
    rel = order(len(sa), len(sb))
    body = "L" + rel
    if rel == "=":
        for x, y in zip(sa, sb):
            rel = order(x, y)
            body += ";" + x + y + rel
            if rel != "=":
                break
    return prompt, prompt + body, rel


def two(x):
    return f"{x:02d}"


def trace_bubble_sort(text):
    xs = parse_two_digit_list(text, "bubble_sort numbers")
    if len(set(xs)) != len(xs):
        raise ValueError("bubble_sort numbers must be distinct")
    prompt = text + "="
    body = ""
    cur = list(xs)
    n = len(cur)
    for _ in range(n - 1):
        body += "|"
        new, carry = [], cur[0]
        for j in range(n - 1):
            lo, hi = sorted((carry, cur[j + 1]))
            body += ";" + two(lo) + two(hi)
            new.append(lo)
            carry = hi
        cur = new + [carry]
    answer = ",".join(two(x) for x in cur)
    assert cur == sorted(xs)
    return prompt, prompt + body, answer


def trace_binary_search(text):
    if text.count("?") != 1:
        raise ValueError("binary_search input is list?value, e.g. 02,05,08?05")
    slist, sval = text.split("?")
    xs = parse_two_digit_list(slist, "binary_search numbers")
    if any(x >= y for x, y in zip(xs, xs[1:])):
        raise ValueError("binary_search numbers must be increasing")
    if len(xs) > 100:
        raise ValueError("binary_search takes at most 100 numbers")
    (value,) = parse_two_digit_list(sval, "binary_search value")
    prompt = text + "="
    body = ""
    lo, hi, answer = 0, len(xs) - 1, "-1"
    while lo <= hi:
        mid = (lo + hi) // 2
        rel = order(xs[mid], value)
        body += ";" + two(lo) + two(hi) + two(mid) + two(xs[mid]) + rel
        if rel == "=":
            answer = str(mid)
            break
        if rel == "<":
            lo = mid + 1
        else:
            hi = mid - 1
    return prompt, prompt + body, answer


def trace_population_growth(text):
    n = parse_number(text, "n")
    if n < 1:
        raise ValueError("population_growth needs n >= 1")
    if n > 99:
        raise ValueError("population_growth takes n <= 99")
    prompt = text + "="
    body = ""
    prev2, prev = 0, 1  # P(0), P(1)
    values = [0, 1]
    for _ in range(2, n + 1):
        values.append(values[-1] + values[-2])
    width = len(str(values[n]))
    for _ in range(2, n + 1):
        groups = addition_steps(prev, prev2)
        groups += [(0, 0, 0, 0)] * (width - len(groups))
        body += ";" + groups_text(groups)
        prev2, prev = prev, prev + prev2
    return prompt, prompt + body, str(prev)


def multiplication_steps(y, m):
    """Groups (y_k, h_k, l_k, p_k) of m * y, units first: h_k l_k is the
    carry into digit k (two digits)."""
    dy = digits_lsb(y)
    groups, carry, k = [], 0, 0
    while k < len(dy) or carry:
        x = dy[k] if k < len(dy) else 0
        total = m * x + carry
        groups.append((x, carry // 10, carry % 10, total % 10))
        carry = total // 10
        k += 1
    return groups


def trace_derangements(text):
    n = parse_number(text, "n")
    if n < 1:
        raise ValueError("derangements needs n >= 1")
    if n > 100:
        raise ValueError("derangements takes n <= 100 (the carry has two digits)")
    prompt = text + "="
    values = [0, 0, 1]  # D(0) unused, D(1), D(2)
    for u in range(3, n + 1):
        values.append((u - 1) * (values[u - 1] + values[u - 2]))
    width = len(str(values[n]))
    pad = [(0, 0, 0, 0)]
    body = ""
    for u in range(3, n + 1):
        total = values[u - 1] + values[u - 2]
        sums = addition_steps(values[u - 1], values[u - 2])
        products = multiplication_steps(total, u - 1)
        body += ";" + groups_text(sums + pad * (width - len(sums)))
        body += "*" + groups_text(products + pad * (width - len(products)))
    return prompt, prompt + body, str(values[n])


def trace_division(text):
    if text.count("/") != 1:
        raise ValueError("division input is a/d, e.g. 9051/7")
    sa, sd = text.split("/")
    a = parse_number(sa, "a")
    if len(sd) != 1 or not sd.isdigit() or sd == "0":
        raise ValueError(f"division's divisor must be one digit 1-9: {sd!r}")
    d = int(sd)
    prompt = text + "="
    body, rem = "", 0
    for c in sa:
        value = 10 * rem + int(c)
        rem = value % d
        body += ";" + c + str(value // d) + str(rem)
    assert rem == a % d
    return prompt, prompt + body, str(a // d) + "," + str(a % d)


def two_strings(task, text, most):
    """a,b of a task on two strings: a over a-d, b over A-D, each 1-most
    letters; a and b in lower case."""
    if text.count(",") != 1:
        raise ValueError(f"{task} input is a,b, e.g. abc,CAB")
    sa, sb = text.split(",")
    if not 1 <= len(sa) <= most or any(c not in "abcd" for c in sa):
        raise ValueError(f"{task}'s a must be 1-{most} letters a-d: {sa!r}")
    if not 1 <= len(sb) <= most or any(c not in "ABCD" for c in sb):
        raise ValueError(f"{task}'s b must be 1-{most} letters A-D: {sb!r}")
    return sa, sb.lower()


def trace_levenshtein(text):
    a, b = two_strings("levenshtein", text, 9)
    table = [[0] * (len(b) + 1) for _ in range(len(a) + 1)]
    body = ""
    for i in range(len(a) + 1):
        for j in range(len(b) + 1):
            if i == 0 or j == 0:
                table[i][j] = i + j
            else:
                table[i][j] = min(table[i - 1][j] + 1, table[i][j - 1] + 1,
                                  table[i - 1][j - 1] + (a[i - 1] != b[j - 1]))
            body += ";" + (b[j - 1] if j else "|") + (a[i - 1] if i else "-")
            body += str(table[i][j])
    prompt = text + "="
    return prompt, prompt + body, str(edit_distance(a, b))


def edit_distance(a, b):
    """Levenshtein distance by recursion over prefixes (memoised), apart
    from the table the trace writes."""
    memo = {}

    def dist(i, j):
        if (i, j) not in memo:
            if i == 0 or j == 0:
                memo[i, j] = i + j
            elif a[i - 1] == b[j - 1]:
                memo[i, j] = dist(i - 1, j - 1)
            else:
                memo[i, j] = 1 + min(dist(i - 1, j), dist(i, j - 1), dist(i - 1, j - 1))
        return memo[i, j]
    return dist(len(a), len(b))


def trace_lcs(text):
    a, b = two_strings("lcs", text, 12)
    table = [[0] * (len(b) + 1) for _ in range(len(a) + 1)]
    body = ""
    for i in range(1, len(a) + 1):
        body += "|" + a[i - 1]
        for j in range(1, len(b) + 1):
            if a[i - 1] == b[j - 1]:
                table[i][j] = table[i - 1][j - 1] + 1
            else:
                table[i][j] = max(table[i - 1][j], table[i][j - 1])
            body += b[j - 1] + two(table[i][j])
    answer = table[len(a)][len(b)]
    assert answer == common_subsequence(a, b)
    prompt = text + "="
    return prompt, prompt + body, str(answer)


def common_subsequence(a, b):
    """The length of a longest common subsequence by recursion over
    suffixes (memoised), apart from the table the trace writes."""
    memo = {}

    def best(i, j):
        if i == len(a) or j == len(b):
            return 0
        if (i, j) not in memo:
            if a[i] == b[j]:
                memo[i, j] = 1 + best(i + 1, j + 1)
            else:
                memo[i, j] = max(best(i + 1, j), best(i, j + 1))
        return memo[i, j]
    return best(0, 0)


def parse_knapsack(text):
    """(capacity, [(w, v), ...]) of "07:35,27,11"."""
    if text.count(":") != 1:
        raise ValueError("knapsack input is CC:wv,wv,..., e.g. 07:35,27,11")
    sc, sitems = text.split(":")
    if len(sc) != 2 or not sc.isdigit() or not 1 <= int(sc) <= 15:
        raise ValueError(f"knapsack's capacity must be two digits, 01-15: {sc!r}")
    items = sitems.split(",")
    if not 1 <= len(items) <= 9:
        raise ValueError(f"knapsack takes 1-9 items: {sitems!r}")
    for item in items:
        if len(item) != 2 or any(c not in "123456789" for c in item):
            raise ValueError(f"knapsack's items are a weight and a value, digits 1-9: {item!r}")
    return int(sc), [(int(item[0]), int(item[1])) for item in items]


def trace_knapsack(text):
    capacity, items = parse_knapsack(text)
    n = len(items)
    # best[i][c]: items 1..i, capacity c; row 0 and column 0 are zeros.
    best = [[0] * (capacity + 1) for _ in range(n + 1)]
    body = ""
    for c in range(capacity + 1):
        body += "|"
        for i, (w, v) in enumerate(items, 1):
            best[i][c] = best[i - 1][c]
            if w <= c:
                best[i][c] = max(best[i][c], best[i - 1][c - w] + v)
            body += ";" + str(w) + str(v) + two(best[i][c])
    answer = best[n][capacity]
    assert answer == best_subset(capacity, items)
    prompt = text + "="
    return prompt, prompt + body, str(answer)


def best_subset(capacity, items):
    """The knapsack's optimum by trying every subset, apart from the table."""
    top = 0
    for mask in range(1 << len(items)):
        chosen = [items[k] for k in range(len(items)) if mask >> k & 1]
        if sum(w for w, _ in chosen) <= capacity:
            top = max(top, sum(v for _, v in chosen))
    return top


TRACERS = {
    "addition": trace_addition,
    "compare": trace_compare,
    "bubble_sort": trace_bubble_sort,
    "binary_search": trace_binary_search,
    "population_growth": trace_population_growth,
    "derangements": trace_derangements,
    "division": trace_division,
    "levenshtein": trace_levenshtein,
    "lcs": trace_lcs,
    "knapsack": trace_knapsack,
}


# --- random inputs ----------------------------------------------------------


def random_number(rng, ndigits):
    first = str(rng.randint(1, 9)) if ndigits > 1 else str(rng.randint(0, 9))
    return first + "".join(str(rng.randint(0, 9)) for _ in range(ndigits - 1))


def random_input(task, rng, lo, hi):
    size = rng.randint(lo, hi)
    if task == "addition":
        return random_number(rng, size) + "+" + random_number(rng, rng.randint(lo, hi))
    if task == "compare":
        a = random_number(rng, size)
        if rng.random() < 0.5:
            return a + "," + random_number(rng, rng.randint(lo, hi))
        keep = rng.randint(0, size)
        b = a[:keep] + (random_number(rng, size - keep) if keep == 0 else
                        "".join(str(rng.randint(0, 9)) for _ in range(size - keep)))
        return a + "," + b
    if task == "bubble_sort":
        return ",".join(two(x) for x in rng.sample(range(100), size))
    if task == "binary_search":
        xs = sorted(rng.sample(range(100), size))
        return ",".join(two(x) for x in xs) + "?" + two(rng.choice(xs))
    if task == "division":
        return random_number(rng, size) + "/" + str(rng.randint(1, 9))
    if task in ("levenshtein", "lcs"):
        return ("".join(rng.choice("abcd") for _ in range(size)) + "," +
                "".join(rng.choice("ABCD") for _ in range(rng.randint(lo, hi))))
    if task == "knapsack":
        items = ",".join("%d%d" % (rng.randint(1, 9), rng.randint(1, 9)) for _ in range(size))
        return two(rng.randint(1, 15)) + ":" + items
    return str(size)  # population_growth, derangements: n


def record(task, text):
    prompt, trace, answer = TRACERS[task](text)
    return {"input": text, "prompt": prompt, "trace": trace + "#" + answer + "$",
            "answer": answer}


def parse_size(text):
    try:
        lo, hi = (int(v) for v in text.split("-"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"--size expects LO-HI, got {text!r}")
    if lo < 1 or hi < lo:
        raise argparse.ArgumentTypeError(f"--size expects 1 <= LO <= HI, got {text!r}")
    return lo, hi


def main(argv):
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("task", choices=sorted(TRACERS))
    which = parser.add_mutually_exclusive_group(required=True)
    which.add_argument("--input", help="one input of the task (see above)")
    which.add_argument("--range", choices=RANGE_NAMES,
                       help="TAIL's length range for random inputs")
    which.add_argument("--size", type=parse_size,
                       help="random inputs with sizes LO-HI (digits, numbers or n)")
    parser.add_argument("--count", type=int, default=1, help="random inputs (default 1)")
    parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    args = parser.parse_args(argv)
    if args.count < 0:
        parser.error("--count must be >= 0")
    if args.input is not None:
        try:
            print(json.dumps(record(args.task, args.input)))
        except ValueError as err:
            print(f"error: {err}", file=sys.stderr)
            return 1
        return 0
    lo, hi = args.size if args.size else RANGES[args.task][RANGE_NAMES.index(args.range)]
    if args.task == "bubble_sort" and hi > 100 or args.task == "binary_search" and hi > 100:
        parser.error("at most 100 distinct two-digit numbers")
    if args.task == "levenshtein" and hi > 9:
        parser.error("levenshtein takes strings of at most 9 letters")
    if args.task == "lcs" and hi > 12:
        parser.error("lcs takes strings of at most 12 letters")
    if args.task == "knapsack" and hi > 9:
        parser.error("knapsack takes at most 9 items")
    if args.task == "derangements" and hi > 100:
        parser.error("derangements takes n <= 100")
    if args.task == "derangements" and lo < 1 or args.task == "bubble_sort" and lo < 1:
        parser.error("sizes start at 1")
    rng = random.Random(args.seed)
    for _ in range(args.count):
        print(json.dumps(record(args.task, random_input(args.task, rng, lo, hi))))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
