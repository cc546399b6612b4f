#!/usr/bin/env python
"""Why chalmers1990 needs a better search: the best delta-like rule on the 35-bit grid, per
seed, beside what single-coefficient hill climbing finds (docs/results/modern.md).

    python scripts/chalmers_landscape.py [--seeds 10] [--first-seed 0] [--starts 30] [--climb-seeds 0,3,7]

Enumerates every delta-like rule dw = k0 (t - o)(k9 a + k4 + k7 w) on the genome's grid with
k0 > 0: k9 = -k8 in {0.5, 1, 2}, k4 = -k3 and k7 = -k6 in {0, +-0.5, +-1, +-2}, k0 in
2^-8..2^6 (2,205 rules), and prints the best on the training tasks with its held-out fitness.
Then steepest-ascent hill climbing over single-coefficient changes (any coefficient to any
value of its grid) from --starts random rules: how often it ends on a delta-like rule.
"""
import argparse
import itertools
import time

import numpy as np

from evo_l2l.evolution.problem import build_tasks, make_problem
from evo_l2l.experiments import chalmers1990
from evo_l2l.rules import chalmers

K0 = [s * 2.0 ** n for s in (1, -1) for n in range(-8, 7)]
K = [0, .5, 1, 2, -.5, -1, -2]


def delta_like_grid() -> np.ndarray:
    rows = []
    for k0 in [2.0 ** n for n in range(-8, 7)]:
        for at, t, wt in itertools.product([.5, 1, 2], K, K):
            c = np.zeros(11)
            c[0], c[9], c[8], c[4], c[3], c[7], c[6] = k0, at, -at, t, -t, wt, -wt
            rows.append(c)
    return np.array(rows)


def neighbours(c: np.ndarray) -> list:
    out = []
    for i, values in [(0, K0)] + [(i, K) for i in range(1, 11)]:
        for v in values:
            if v != c[i]:
                d = c.copy()
                d[i] = v
                out.append(d)
    return out


def problem_of(seed: int):
    config = chalmers1990.PRESET.default_config(seed=seed)
    return make_problem(config, build_tasks(config))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, default=10)
    ap.add_argument("--first-seed", type=int, default=0)
    ap.add_argument("--starts", type=int, default=30)
    ap.add_argument("--climb-seeds", default="0,3,7")
    args = ap.parse_args()
    t0 = time.perf_counter()
    grid = delta_like_grid()
    print(f"best of the {len(grid)} delta-like rules on the grid (k0 > 0), per seed:")
    print(f"{'seed':>4} {'train':>7} {'held-out':>8}  rule")
    for seed in range(args.first_seed, args.first_seed + args.seeds):
        p = problem_of(seed)
        f, h = p.fitness_of(list(grid), "train"), p.fitness_of(list(grid), "heldout")
        i = int(np.argmax(f))
        print(f"{seed:>4} {f[i]:7.4f} {h[i]:8.4f}  {chalmers.formula(grid[i])}", flush=True)
    rng = np.random.default_rng(0)
    climb = [int(s) for s in args.climb_seeds.split(",") if s]
    for seed in climb:
        p = problem_of(seed)
        ends = []
        for _ in range(args.starts):
            c = np.array([rng.choice(K0)] + [rng.choice(K) for _ in range(10)])
            f = p.fitness_of([c], "train")[0]
            while True:
                nb = neighbours(c)
                fn = p.fitness_of(nb, "train")
                j = int(np.argmax(fn))
                if fn[j] <= f:
                    break
                c, f = nb[j], fn[j]
            ends.append((f, chalmers.is_reference_like(c)))
        best = max(e[0] for e in ends)
        print(f"seed {seed}: hill climbing from {args.starts} random rules: "
              f"{sum(e[1] for e in ends)} end delta-like; best end {best:.4f}")
    print(f"{time.perf_counter() - t0:.1f} s")


if __name__ == "__main__":
    main()
