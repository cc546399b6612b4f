#!/usr/bin/env python
"""The same preset under every outer-loop optimiser, at equal evaluation budgets.

    python scripts/compare_optimizers.py --preset confavreux2020-oja [--seeds 5]
    python scripts/compare_optimizers.py --preset chalmers1990 --seeds 5
    python scripts/compare_optimizers.py --workers 2      # the runs spread over 2 processes (or --dask-local N, --scheduler)

Each optimiser runs for the preset's population and generations (GA,
CMA-ES, ES gradient and SA: Bengio et al. 1992 compared GA, SA and gradient
descent). Real genomes for all but the bit-genome GA/SA rows. Prints mean
+- std over seeds of the best rule's training and held-out fitness, how
often the preset's reference rule (delta, Oja) was found, and the rule
evaluations each run actually spent: the archive's generations/n_evaluations
column summed (elitism and carried fitness make it differ from the nominal
population x generations).
"""
import argparse
import os
import time

import numpy as np

from evo_l2l import open_run
from evo_l2l.evolution.executors import add_executor_arguments, executor_from_args
from evo_l2l.evolution.run import run_all
from evo_l2l.experiments import get_preset

OPTIMIZERS = ("ga", "cmaes", "es", "sa")
REAL_ONLY = ("cmaes", "es")      # a family with a bit genome (Chalmers) switches to real genes


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--preset", default="confavreux2020-oja")
    ap.add_argument("--seeds", type=int, default=5)
    ap.add_argument("--generations", type=int, default=None)
    ap.add_argument("--out", default=None)
    add_executor_arguments(ap)
    args = ap.parse_args()
    preset = get_preset(args.preset)
    out = args.out or f"runs/compare_{args.preset}"
    os.makedirs(out, exist_ok=True)
    base = preset.default_config()
    gens = args.generations or base.run.n_generations
    print(f"{args.preset}: population {base.run.population} x {gens} generations per run "
          f"(nominal {base.run.population * gens} evaluations), {args.seeds} seeds")
    print(f"{'optimiser':10s} {'genome':>6s} {'train':>16s} {'held-out':>16s} {'reference found':>16s} "
          f"{'evaluations/run':>17s} {'s/run':>6s}")
    for name in OPTIMIZERS:
        rows, found, evals, t0 = [], 0, [], time.perf_counter()
        extra = ({"rule.genome": "real"} if name in REAL_ONLY and hasattr(base.rule.settings, "genome")
                 else {})
        genome = preset.default_config(optimizer=name, **extra).genome().kind
        configs = [preset.default_config(seed=seed, optimizer=name, n_generations=gens, **extra)
                   for seed in range(args.seeds)]
        paths = [os.path.join(out, f"{name}_seed{seed}.h5") for seed in range(args.seeds)]
        with executor_from_args(args) as executor:    # the seeds spread (docs/howto/cluster.md)
            results = run_all(configs, paths, executor)
        for path, res in zip(paths, results):
            evals.append(int(np.sum(open_run(path, populations=False).generations["n_evaluations"])))
            rule = res.problem.rule_of_genome(res.last.hof_genome)
            rows.append((res.last.hof_fitness, res.last.hof_heldout))
            found += bool(res.problem.is_reference_rule(rule))
        r = np.array(rows)
        per = (time.perf_counter() - t0) / args.seeds
        spent = (f"{min(evals)}" if min(evals) == max(evals) else f"{min(evals)}-{max(evals)}")
        print(f"{name:10s} {genome:>6s} {r[:, 0].mean():8.4f} +- {r[:, 0].std():.3f} "
              f"{r[:, 1].mean():8.4f} +- {r[:, 1].std():.3f} {found:>10d} of {args.seeds} "
              f"{spent:>17s} {per:6.1f}", flush=True)


if __name__ == "__main__":
    main()
