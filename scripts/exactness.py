#!/usr/bin/env python
"""How closely the production kernel follows the slow NumPy reference.

    python scripts/exactness.py [--seeds 40] [--epochs 10]

For each seed: random rules (12 Chalmers bit rules, 6 Gaussian real rules)
on random tasks (odd seeds: 5 tasks of random sizes, real-valued inputs,
1-3 outputs; even seeds: a chalmers1990 environment of 30 tasks), trained
for 10 epochs (clip 20) by the production kernel and by tests/naive.py, one
rule and one task at a time. Prints how many (rule, task) learning curves
there are, how many agree to 1e-12, the largest difference, and, for every
curve that differs by more than 1e-12, how far the reference itself moves
when its initial weights move by one ulp (the scale of difference that one
FMA contraction or a 1-ulp exp can make on a chaotic rule). The same
sampling as tests/test_kernels.py::test_agreement_statistics_on_many_random_rules,
which checks the bounds on seeds 100-105.
"""
import argparse
import dataclasses
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "tests"))

import naive  # noqa: E402
from conftest import random_taskset  # noqa: E402
from evo_l2l.learners import learning_curves  # noqa: E402
from evo_l2l.rules import chalmers  # noqa: E402
from evo_l2l.tasks import make_boolean_environment  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, default=40)
    ap.add_argument("--first-seed", type=int, default=100)
    ap.add_argument("--epochs", type=int, default=10)
    args = ap.parse_args()
    t0 = time.perf_counter()
    n_curves = n_close = 0
    worst = 0.0
    off = []              # (difference to production, reference moved by one ulp of W0)
    for seed in range(args.first_seed, args.first_seed + args.seeds):
        rng = np.random.default_rng(seed)
        tasks = random_taskset(rng) if seed % 2 else make_boolean_environment(rng)
        coef = np.vstack([chalmers.decode_bits(rng.integers(0, 2, (12, 35))),
                          rng.normal(0, 1, (6, 11))])
        ref = naive.chalmers_curves(coef, tasks, args.epochs, 20.0)
        d = np.abs(learning_curves(coef, tasks, args.epochs, 20.0) - ref).max(axis=2)
        n_curves += d.size
        n_close += int((d <= 1e-12).sum())
        worst = max(worst, float(d.max()))
        bad = np.argwhere(d > 1e-12)
        if len(bad):
            nudged = dataclasses.replace(tasks, W0=np.nextafter(tasks.W0, np.inf))
            for r, t in bad:
                moved = np.abs(naive.chalmers_curves(coef[r:r + 1], nudged, args.epochs, 20.0)[0, t]
                               - ref[r, t]).max()
                off.append((seed, int(r), int(t), float(d[r, t]), float(moved)))
    print(f"seeds {args.first_seed}-{args.first_seed + args.seeds - 1}, {args.epochs} epochs: "
          f"{n_curves} (rule, task) curves")
    print(f"agree to 1e-12: {n_close} of {n_curves} ({n_close / n_curves:.2%})")
    print(f"largest difference: {worst:.1e}")
    if off:
        print(f"curves over 1e-12: {len(off)}; each with how far the reference itself moves when its"
              f" initial weights move by one ulp:")
        print(f"{'seed':>6} {'rule':>5} {'task':>5} {'difference':>11} {'reference moves':>16}")
        for seed, r, t, diff, moved in off:
            print(f"{seed:>6} {r:>5} {t:>5} {diff:11.1e} {moved:16.1e}")
    print(f"({time.perf_counter() - t0:.0f} s)")


if __name__ == "__main__":
    main()
