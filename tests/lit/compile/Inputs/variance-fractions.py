# The value set of natural2.rasp's variance over [0,1,2,3,5] at max_len 5,
# as exact fractions: the means of w = 1..5 squares less the squares of the
# means of w' = 1..5 values (the compiler's two whole sets, combined), each
# number once. Prints "fractions: COUNT".
from fractions import Fraction
from itertools import combinations_with_replacement

vocab = [0, 1, 2, 3, 5]
means, squares = set(), set()
for w in range(1, 6):
    for chosen in combinations_with_replacement(vocab, w):
        means.add(Fraction(sum(chosen), w))
        squares.add(Fraction(sum(v * v for v in chosen), w))
print("fractions:", len({s - a * a for s in squares for a in means}))
