#!/usr/bin/env python
"""GP on the Chalmers (1990) tasks: how often is the delta rule found? (preset chalmers1990-gp)

    python scripts/reproduce_chalmers1990_gp.py [--seeds 10] [--generations 200] [--size-run 1000]

Per seed: the best rule simplified by sympy, whether it is c*a*(t - o) with
c > 0, its train and held-out fitness beside the best delta rule's. Then the
tree size per generation of one long run (bloat control at work).
"""
import argparse
import os
import time

import numpy as np

from evo_l2l import open_run
from evo_l2l.analysis.rules import best_delta_rule, describe_rule
from evo_l2l.evolution.run import start_run
from evo_l2l.experiments import chalmers1990_gp


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, default=10)
    ap.add_argument("--generations", type=int, default=200)
    ap.add_argument("--size-run", type=int, default=1000, help="generations of the size run (0: skip)")
    ap.add_argument("--out", default="runs/repro_chalmers1990_gp")
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    t0 = time.perf_counter()
    rows = []
    print(f"{'seed':>4} {'delta?':>6} {'train':>7} {'held-out':>8} {'delta train':>11} {'delta held':>10}  best rule")
    for seed in range(args.seeds):
        config = chalmers1990_gp.default_config(seed=seed, n_generations=args.generations)
        res = start_run(config, os.path.join(args.out, f"seed{seed}.h5"), force=True)
        p = res.problem
        best = describe_rule(p, p.rule_of_genome(res.last.hof_genome))
        delta = best_delta_rule(p)
        rows.append((best["is_delta_rule"], best["fitness"], best["heldout_fitness"],
                     delta["fitness"], delta["heldout_fitness"]))
        print(f"{seed:>4} {'yes' if best['is_delta_rule'] else 'no':>6} {best['fitness']:7.4f} "
              f"{best['heldout_fitness']:8.4f} {delta['fitness']:11.4f} {delta['heldout_fitness']:10.4f}"
              f"  {best['formula']}", flush=True)
    r = np.array(rows, dtype=float)
    print(f"\ndelta rule found (c*a*(t - o), c > 0): {int(r[:, 0].sum())} of {len(rows)} seeds "
          f"[paper: {chalmers1990_gp.PAPER_NUMBERS['delta_rediscoveries'][0]}]")
    print(f"mean best fitness {r[:, 1].mean():.4f} (held-out {r[:, 2].mean():.4f}); "
          f"best delta rule {r[:, 3].mean():.4f} (held-out {r[:, 4].mean():.4f})")
    print(f"{args.seeds} runs x {args.generations} generations in {time.perf_counter() - t0:.1f} s")
    if args.size_run:
        path = os.path.join(args.out, "size_run.h5")
        t1 = time.perf_counter()
        start_run(chalmers1990_gp.default_config(seed=0, n_generations=args.size_run), path, force=True)
        g = open_run(path).generations
        size = g["population_size"]
        print(f"\ntree size per generation, seed 0, {args.size_run} generations "
              f"({time.perf_counter() - t1:.1f} s; limits: height 8, 32 nodes)")
        print(f"{'generation':>10} {'min':>5} {'mean':>6} {'max':>5} {'best-so-far':>11} {'fitness max':>11}")
        step = max(1, args.size_run // 10)
        for gen in list(range(0, args.size_run, step)) + [args.size_run - 1]:
            print(f"{gen:>10} {size[gen].min():>5} {size[gen].mean():6.1f} {size[gen].max():>5} "
                  f"{g['best_so_far_size'][gen]:>11} {g['fitness_max'][gen]:11.4f}")


if __name__ == "__main__":
    main()
