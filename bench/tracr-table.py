#!/usr/bin/env python3
"""Compiled sizes next to Tracr's, for the programs of Tracr's library.

Usage: tracr-table.py RASP ROOT

Compiles each program of tests/differential/tracr.rasp with `rasp compile
--json` at the max_len and vocabulary Tracr's visualisation notebook uses
and prints a Markdown table (docs/tracr-comparison.md): our layers (and the
analysis layers), total heads, d_model, dense and nonzero parameters and
compile time, beside Tracr's layers, total heads, d_model and parameters as
computed from Tracr's code (HEAD 9ce2b8c).
"""
import json
import os
import subprocess
import sys

# (s-op, vocab, max_len, Tracr: layers, total heads, d_model, params)
ROWS = [
    ("tracr_length", '["a","b","c","d"]', 5, 1, 1, 19, 1208),
    ("tracr_hist", '["a","b","c","d"]', 5, 1, 1, 19, 1208),
    ("tracr_reverse", '["a","b","c","d"]', 5, 4, 2, 43, 19700),
    ("tracr_sort_unique", "[1,2,3,4,5]", 5, 2, 2, 25, 3091),
    ("tracr_sort", "[1,2,3,4,5]", 5, 3, 2, 50, 24968),
    ("tracr_sort_freq", '["a","b","c","d"]', 5, 5, 3, 66, 64122),
    ("tracr_frac_prevs", '["a","b","c","x"]', 5, 2, 1, 14, 1108),
    ("tracr_pair_balance", '["(",")"]', 5, 2, 2, 15, 2222),
    ("tracr_shuffle_dyck1", '["(",")"]', 5, 6, 5, 38, 64688),
    ("tracr_shuffle_dyck2", '["(",")","{","}"]', 5, 8, 7, 55, 246884),
    ("tracr_shuffle_dyck3", '["(",")","{","}","[","]"]', 5, 9, 9, 70, 528038),
    ("tracr_reverse", '["a","b","c","d"]', 10, 4, 2, 73, 92465),
    ("tracr_sort_freq", '["a","b","c","d"]', 10, 5, 3, 166, 561152),
    ("tracr_shuffle_dyck2", '["(",")","{","}"]', 10, 8, 7, 70, 1026950),
]


def main():
    rasp, root = sys.argv[1], sys.argv[2]
    path = os.path.join(root, "tests/differential/tracr.rasp")
    print("| program | N | layers (analysis) | heads | d_model | params (nonzero) | compile ms "
          "| Tracr layers | Tracr heads | Tracr d_model | Tracr params |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for sop, vocab, n, t_layers, t_heads, t_d, t_params in ROWS:
        out = subprocess.run([rasp, "compile", path, "--sop", sop, "--vocab", vocab,
                              "--max-len", str(n), "--json"], capture_output=True, text=True)
        if out.returncode:
            print(f"| {sop} | {n} | refused: {out.stderr.strip()} | | | | | {t_layers} | "
                  f"{t_heads} | {t_d} | {t_params:,} |")
            continue
        r = json.loads(out.stdout)
        print(f"| {sop[6:]} | {n} | {r['layers']} ({r['analysis_layers']}) | "
              f"{sum(r['heads_per_layer'])} | {r['d_model']} | {r['params_dense']:,} "
              f"({r['params_nonzero']:,}) | {r['compile_ms']:.2f} | {t_layers} | {t_heads} | "
              f"{t_d} | {t_params:,} |")


if __name__ == "__main__":
    main()
