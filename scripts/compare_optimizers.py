#!/usr/bin/env python
"""The same preset under every outer-loop optimiser, at equal evaluation budgets.

    python scripts/compare_optimizers.py --preset confavreux2020-oja [--seeds 5]
    python scripts/compare_optimizers.py --preset chalmers1990 --seeds 5

Each optimiser gets the preset's population x generations rule evaluations
(GA, CMA-ES, ES gradient and SA: Bengio et al. 1992 compared GA, SA and
gradient descent). Real genomes for all but the bit-genome GA/SA rows.
Prints mean +- std over seeds of the best rule's training and held-out
fitness, and how often the preset's reference rule (delta, Oja) was found.
"""
import argparse
import os
import time

import numpy as np

from evo_l2l.evolution.run import start_run
from evo_l2l.experiments import get_preset

OPTIMIZERS = ("ga", "cmaes", "es", "sa")
REAL_ONLY = ("cmaes", "es")      # a family with a bit genome (Chalmers) switches to real genes


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--preset", default="confavreux2020-oja")
    ap.add_argument("--seeds", type=int, default=5)
    ap.add_argument("--generations", type=int, default=None)
    ap.add_argument("--out", default=None)
    args = ap.parse_args()
    preset = get_preset(args.preset)
    out = args.out or f"runs/compare_{args.preset}"
    os.makedirs(out, exist_ok=True)
    base = preset.default_config()
    gens = args.generations or base.run.n_generations
    print(f"{args.preset}: {base.run.population} x {gens} rule evaluations per run, {args.seeds} seeds")
    print(f"{'optimiser':10s} {'genome':>6s} {'train':>16s} {'held-out':>16s} {'reference found':>16s} {'s/run':>6s}")
    for name in OPTIMIZERS:
        rows, found, t0 = [], 0, time.perf_counter()
        extra = ({"rule.genome": "real"} if name in REAL_ONLY and hasattr(base.rule.settings, "genome")
                 else {})
        genome = preset.default_config(optimizer=name, **extra).genome().kind
        for seed in range(args.seeds):
            config = preset.default_config(seed=seed, optimizer=name, n_generations=gens, **extra)
            res = start_run(config, os.path.join(out, f"{name}_seed{seed}.h5"), force=True)
            rule = res.problem.rule_of_genome(res.last.hof_genome)
            rows.append((res.last.hof_fitness, res.last.hof_heldout))
            found += bool(res.problem.is_reference_rule(rule))
        r = np.array(rows)
        per = (time.perf_counter() - t0) / args.seeds
        print(f"{name:10s} {genome:>6s} {r[:, 0].mean():8.4f} +- {r[:, 0].std():.3f} "
              f"{r[:, 1].mean():8.4f} +- {r[:, 1].std():.3f} {found:>10d} of {args.seeds} {per:6.1f}",
              flush=True)


if __name__ == "__main__":
    main()
