#!/usr/bin/env python
"""Bengio et al. (1991), Boolean functions: learned local rules vs backpropagation.

    python scripts/reproduce_bengio1991.py [--seeds 3] [--generations 300]
    python scripts/reproduce_bengio1991.py --workers 2      # the runs spread over 2 processes (or --dask-local N, --scheduler)

For each optimiser (GA, CMA-ES, ES gradient, simulated annealing; equal
budgets: population x generations rule evaluations), the best rule of each
seed is run on the training functions and on the held-out ones; the table
gives the mean performance (1 - mean|t - o| averaged over the 31
measurements of 30 epochs) on held-out functions, split into linearly
separable ones and XOR, beside the delta rule a*m (best power-of-two rate on
the training functions), no learning, and backpropagation on the same nets
(best rate on the training functions); every row is the mean over seeds, each
seed on its own environment (its tasks' initial weights follow the seed).
"""
import argparse
import os
import time

import numpy as np

from evo_l2l.evolution.problem import build_tasks, make_problem
from evo_l2l.evolution.executors import add_executor_arguments, executor_from_args
from evo_l2l.evolution.run import run_all
from evo_l2l.experiments import bengio1991
from evo_l2l.learners import fitness_from_curves
from evo_l2l.learners.two_layer import backprop_curves

OPTIMISERS = ("ga", "cmaes", "es", "sa")


def summarise(curves: np.ndarray, tasks) -> tuple[float, float, float, float]:
    """(all, separable, non-separable, XOR) mean fitness of (T, E+1) curves on `tasks`."""
    per_task = curves.mean(axis=1)
    sep = np.array(tasks.params["separable"])[tasks_index(tasks)]
    xor = tasks_index(tasks) == 6
    pick = lambda m: float(per_task[m].mean()) if m.any() else float("nan")
    return float(per_task.mean()), pick(sep), pick(~sep), pick(xor)


def tasks_index(tasks) -> np.ndarray:
    """Function number of each task (the targets read as a binary number)."""
    return (tasks.Y[:, :, 0] * (2 ** np.arange(tasks.Y.shape[1]))).sum(axis=1).astype(int)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, default=3)
    ap.add_argument("--generations", type=int, default=300)
    ap.add_argument("--out", default="runs/repro_bengio1991")
    add_executor_arguments(ap)
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    t0 = time.perf_counter()
    rows = {}
    jobs = [(name, seed) for name in OPTIMISERS for seed in range(args.seeds)]
    configs = [bengio1991.boolean.default_config(seed=seed, optimizer=name,
                                                 n_generations=args.generations)
               for name, seed in jobs]
    paths = [os.path.join(args.out, f"{name}_seed{seed}.h5") for name, seed in jobs]
    with executor_from_args(args) as executor:        # the runs spread (docs/howto/cluster.md)
        results = dict(zip(jobs, run_all(configs, paths, executor)))
    for name in OPTIMISERS:
        res_train, res_held = [], []
        for seed in range(args.seeds):
            res = results[name, seed]
            p = res.problem
            rule = p.rule_of_genome(res.last.hof_genome)
            res_train.append(summarise(p.curves([rule], "train")[0], p.splits["train"]))
            res_held.append(summarise(p.curves([rule], "heldout")[0], p.splits["heldout"]))
        rows[f"{name} (mean of {args.seeds} best rules)"] = (np.mean(res_train, axis=0),
                                                             np.mean(res_held, axis=0))
        print(f"{name}: done ({time.perf_counter() - t0:.0f} s)", flush=True)
    # The baselines on each seed's own environment (its tasks and initial weights), averaged
    # over seeds like the evolved rows; each seed picks its own best rate on its training tasks.
    rates = 2.0 ** np.arange(-4, 6)
    base = {"delta": ([], [], []), "none": ([], [], []), "backprop": ([], [], [])}
    for seed in range(args.seeds):
        config = bengio1991.boolean.default_config(seed=seed)
        p = make_problem(config, build_tasks(config))
        train, held = p.splits["train"], p.splits["heldout"]
        fit = [fitness_from_curves(p.curves([p.known_rule("delta", r)], "train"))[0] for r in rates]
        r_best = rates[int(np.argmax(fit))]
        delta = p.known_rule("delta", r_best)
        none = p.known_rule("none")
        n_epochs = config.learner.settings.n_epochs
        bp_train = backprop_curves(train, rates, n_epochs)
        k = int(np.argmax(bp_train.mean(axis=(1, 2))))
        for key, tr, he, rate in (
                ("delta", summarise(p.curves([delta], "train")[0], train),
                 summarise(p.curves([delta], "heldout")[0], held), r_best),
                ("none", summarise(p.curves([none], "train")[0], train),
                 summarise(p.curves([none], "heldout")[0], held), None),
                ("backprop", summarise(bp_train[k], train),
                 summarise(backprop_curves(held, [rates[k]], n_epochs)[0], held), rates[k])):
            base[key][0].append(tr)
            base[key][1].append(he)
            base[key][2].append(rate)

    def rate_label(rates_used):
        lo, hi = min(rates_used), max(rates_used)
        return f"rate {lo:g}" if lo == hi else f"rates {lo:g}-{hi:g}"

    for key, label in (("delta", "delta rule a*m"), ("none", "no learning"), ("backprop", "backprop")):
        tr, he, used = base[key]
        if key != "none":
            label = f"{label} ({rate_label(used)})"
        rows[label] = (np.mean(tr, axis=0), np.mean(he, axis=0))
    print(f"\nbengio1991-boolean: 2-2-1 nets, 30 epochs; train = 10 functions (XNOR the only "
          f"non-separable one), held out = {bengio1991.HELDOUT} (XOR = 6);")
    print(f"{args.generations} generations x {config.run.population} per run; performance 1 - mean|t - o| "
          "averaged over the 31 measurements (learning speed counts)")
    print(f"\n{'rule':34s} {'train':>7s} {'held-out':>9s} {'separable':>10s} {'XOR':>7s}")
    for name, (tr, he) in rows.items():
        print(f"{name:34s} {tr[0]:7.4f} {he[0]:9.4f} {he[1]:10.4f} {he[3]:7.4f}")
    print(f"\nevery row: mean over seeds 0-{args.seeds - 1}, each on its own environment (tasks and "
          "initial weights); known rules and backprop at each seed's best rate on its training functions")
    print(f"({time.perf_counter() - t0:.0f} s; archives in {args.out}/; paper's numbers not verified [?])")


if __name__ == "__main__":
    main()
