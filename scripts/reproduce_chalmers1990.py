#!/usr/bin/env python
"""Reproduce Chalmers (1990): 10 GA runs (seeds 0-9) with the paper's settings.

Prints, per seed, the best evolved rule, whether it is the delta rule, its
fitness on the 20 evolution tasks and the 10 held-out tasks and the best
delta rule's on the same tasks; then a table beside the paper's numbers with
their source marks ([S]: secondary source, see shared/REFERENCES.md).

    python scripts/reproduce_chalmers1990.py [--seeds 10] [--generations 1000] [--out runs/repro]
    python scripts/reproduce_chalmers1990.py --dask-local 2     # the seeds spread (docs/cluster.md)

Each seed draws its own task environment (tasks.seed follows the seed), as
each of Chalmers' runs is independent; pass --task-seed to share one.
"""
import argparse
import os
import time

import numpy as np

from evo_l2l.analysis.rules import best_reference_rule, describe_rule
from evo_l2l.evolution.executors import add_executor_arguments, executor_from_args
from evo_l2l.evolution.run import run_all
from evo_l2l.experiments import chalmers1990


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, default=10)
    ap.add_argument("--generations", type=int, default=1000)
    ap.add_argument("--task-seed", type=int, default=None)
    ap.add_argument("--out", default="runs/repro_chalmers1990")
    add_executor_arguments(ap)
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    rows = []
    t0 = time.perf_counter()
    print(f"{'seed':>4} {'delta?':>6} {'train':>7} {'held-out':>8} {'delta train':>11} "
          f"{'delta held':>10}  best rule")
    configs = [chalmers1990.PRESET.default_config(seed=seed, n_generations=args.generations,
                                                  **{"tasks.seed": args.task_seed})
               for seed in range(args.seeds)]
    paths = [os.path.join(args.out, f"seed{seed}.h5") for seed in range(args.seeds)]
    with executor_from_args(args) as executor:
        results = run_all(configs, paths, executor)
    for seed, res in enumerate(results):
        p = res.problem
        best = describe_rule(p, p.decode(res.last.hof_genome[None])[0])
        delta = best_reference_rule(p)
        rows.append((best["is_reference_rule"], best["fitness"], best["heldout_fitness"],
                     delta["fitness"], delta["heldout_fitness"]))
        print(f"{seed:>4} {'yes' if best['is_reference_rule'] else 'no':>6} {best['fitness']:7.4f} "
              f"{best['heldout_fitness']:8.4f} {delta['fitness']:11.4f} {delta['heldout_fitness']:10.4f}"
              f"  {best['formula']}", flush=True)
    r = np.array(rows, dtype=float)
    wall = time.perf_counter() - t0
    paper = chalmers1990.PRESET.PAPER_NUMBERS
    print()
    print(f"{'quantity':34s} {'evo_l2l (this run)':>22s}   paper [mark]")
    table = [
        ("runs", f"{len(rows)}", paper["runs"]),
        ("delta-rule rediscoveries", f"{int(r[:, 0].sum())} of {len(rows)}", paper["delta_rediscoveries"]),
        ("mean best fitness (train)", f"{r[:, 1].mean():.4f} +- {r[:, 1].std():.4f}", paper["mean_best_fitness"]),
        ("mean held-out fitness", f"{r[:, 2].mean():.4f} +- {r[:, 2].std():.4f}", paper["heldout_fitness"]),
        ("best delta rule fitness (train)", f"{r[:, 3].mean():.4f}", paper["delta_rule_fitness"]),
        ("best delta rule fitness (held-out)", f"{r[:, 4].mean():.4f}", ("-", "")),
    ]
    for name, ours, (value, mark) in table:
        print(f"{name:34s} {ours:>22s}   {value} [{mark}]" if mark else f"{name:34s} {ours:>22s}   {value}")
    print(f"\n{args.seeds} runs x {args.generations} generations in {wall:.1f} s; archives in {args.out}/")
    print("Fitness: mean over tasks of 1 - mean|t - o|, averaged before training and after each of "
          "10 epochs [S]; the paper's exact scale is not verified, so compare shapes, not decimals.")


if __name__ == "__main__":
    main()
