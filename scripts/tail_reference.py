"""Python's own answers to TAIL's tasks, the reference of scripts/tail_table.py.

Standard library only, and independent of rasp: each answer is computed
with Python's integers, strings, sorting and bisection, never with the
evaluator, so that a program and its evaluator that agree on a wrong value
still fail the table.
"""
import bisect


def word_flip(sentence):
    """The sentence reversed character by character."""
    return sentence[::-1]


def count_letter(sentence, letter):
    """How many times `letter` occurs in `sentence`."""
    return sentence.count(letter)


def letter_histogram(sentence):
    """For each position, how many times its character occurs in `sentence`."""
    return [sentence.count(c) for c in sentence]


def compare(a, b):
    """'<', '=' or '>' for the decimal numbers `a` and `b` (strings)."""
    x, y = int(a), int(b)
    return "<" if x < y else (">" if x > y else "=")


def add(a, b):
    """The decimal digits of a + b, for decimal strings `a` and `b`."""
    return str(int(a) + int(b))


def sort_numbers(numbers):
    """The numbers in increasing order (what bubble sort ends with)."""
    return sorted(numbers)


def binary_search(numbers, value):
    """The index of `value` in the increasing list `numbers`, or -1."""
    i = bisect.bisect_left(numbers, value)
    return i if i < len(numbers) and numbers[i] == value else -1


def population(n):
    """Pairs after n units of Fibonacci's rabbits: P(1) = P(2) = 1."""
    previous, current = 0, 1
    for _ in range(n - 1):
        previous, current = current, previous + current
    return current


def derangements(n):
    """Permutations of n items that fix none, by inclusion-exclusion:
    the sum over k of (-1)^k n! / k! (not the recurrence the traces use)."""
    total, term = 0, 1  # term = n! / k!, from k = n down to 0
    for k in range(n, -1, -1):
        total += term if k % 2 == 0 else -term
        term *= k if k else 1
    return total


def divide(a, d):
    """The quotient and remainder of the decimal string a by the digit d,
    with Python's integer division, as "quotient,remainder"."""
    q, r = divmod(int(a), d)
    return "%d,%d" % (q, r)


def levenshtein(a, b):
    """The edit distance of a and b (insert, delete, substitute; each 1),
    by the textbook table over prefixes, one row at a time."""
    previous = list(range(len(b) + 1))
    for i, x in enumerate(a, 1):
        current = [i]
        for j, y in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (x != y)))
        previous = current
    return previous[-1]


def lcs(a, b):
    """The length of a longest common subsequence of a and b, by the
    textbook table over prefixes, one row at a time."""
    previous = [0] * (len(b) + 1)
    for x in a:
        current = [0]
        for j, y in enumerate(b, 1):
            current.append(previous[j - 1] + 1 if x == y else max(previous[j], current[j - 1]))
        previous = current
    return previous[-1]


def knapsack(capacity, items):
    """The largest total value of a subset of `items` ((weight, value)
    pairs) of total weight at most `capacity`, by the one-row table over
    capacities (each item once: the capacities are walked downward)."""
    best = [0] * (capacity + 1)
    for weight, value in items:
        for c in range(capacity, weight - 1, -1):
            best[c] = max(best[c], best[c - weight] + value)
    return best[capacity]
