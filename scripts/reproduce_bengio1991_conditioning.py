#!/usr/bin/env python
"""Bengio et al. (1991), conditioning: does the learned rule reproduce the phenomena?

    python scripts/reproduce_bengio1991_conditioning.py [--seeds 5] [--generations 300]
    python scripts/reproduce_bengio1991_conditioning.py --workers 2      # the runs spread over 2 processes (or --dask-local N, --scheduler)

Per protocol (acquisition, extinction, blocking, differential, unpaired),
the probe performance 1 - mean|desired - o| after one pass through the
protocol, on held-out protocol instances, for each seed's best rule, beside
Rescorla-Wagner a*(f - o) and activity-dependent facilitation a*f at their
best rates on the training instances, and no learning; every row is the mean
over seeds, each seed on its own environment (a protocol missing from a
seed's held-out instances is left out of that seed's mean). Rules that count as
Rescorla-Wagner: c_af = -c_ao > 0 and every other coefficient under 10% of
c_af (after the fact; the search never sees this criterion).
"""
import argparse
import os
import time
import warnings

import numpy as np

from evo_l2l.evolution.executors import add_executor_arguments, executor_from_args
from evo_l2l.evolution.run import run_all
from evo_l2l.experiments import bengio1991
from evo_l2l.learners import fitness_from_curves
from evo_l2l.tasks.conditioning import PROTOCOLS


def per_protocol(problem, rule, split="heldout") -> dict:
    tasks = problem.splits[split]
    curves = problem.curves([rule], split)[0]
    wanted = 1 if split == "heldout" else 0
    names = np.array(problem.tasks.params["protocols"])[problem.tasks.split == wanted]
    return {p: float(curves[names == p, -1].mean()) if (names == p).any() else float("nan")
            for p in PROTOCOLS}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, default=5)
    ap.add_argument("--generations", type=int, default=300)
    ap.add_argument("--out", default="runs/repro_bengio1991_conditioning")
    add_executor_arguments(ap)
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    t0 = time.perf_counter()
    rows, n_rw, formulas = [], 0, []
    rates = 2.0 ** np.arange(-2, 7)
    known = {"rescorla_wagner": ([], []), "facilitation": ([], []), "none": ([], [])}
    configs = [bengio1991.conditioning.default_config(seed=seed, n_generations=args.generations)
               for seed in range(args.seeds)]
    paths = [os.path.join(args.out, f"seed{seed}.h5") for seed in range(args.seeds)]
    with executor_from_args(args) as executor:        # the runs spread (docs/howto/cluster.md)
        results = run_all(configs, paths, executor)
    for seed, res in enumerate(results):
        config = configs[seed]
        p = res.problem
        rule = p.rule_of_genome(res.last.hof_genome)
        rows.append(per_protocol(p, rule))
        n_rw += p.is_reference_rule(rule)
        formulas.append(p.formula(rule))
        # the known rules on this seed's own instances, at this seed's best rate
        for name, (per, used) in known.items():
            if name == "none":
                per.append(per_protocol(p, p.known_rule("none")))
                continue
            fit = [fitness_from_curves(p.curves([p.known_rule(name, r)], "train"), "final")[0] for r in rates]
            r_best = rates[int(np.argmax(fit))]
            per.append(per_protocol(p, p.known_rule(name, r_best)))
            used.append(r_best)
    print(f"{'rule':32s} " + " ".join(f"{n:>12s}" for n in PROTOCOLS))
    mean = {k: np.nanmean([r[k] for r in rows]) for k in PROTOCOLS}
    print(f"{'evolved (mean of ' + str(args.seeds) + ' seeds)':32s} " + " ".join(f"{mean[k]:12.3f}" for k in PROTOCOLS))
    for name, (per, used) in known.items():
        if name == "none":
            label = "no learning"
        else:
            lo, hi = min(used), max(used)
            label = f"{name} (rate {lo:g})" if lo == hi else f"{name} (rates {lo:g}-{hi:g})"
        with warnings.catch_warnings():          # a protocol no seed holds out: nan
            warnings.simplefilter("ignore", RuntimeWarning)
            d = {k: np.nanmean([r[k] for r in per]) for k in PROTOCOLS}
        print(f"{label:32s} " + " ".join(f"{d[k]:12.3f}" for k in PROTOCOLS))
    print(f"\nRescorla-Wagner found in {n_rw} of {args.seeds} seeds; best rules:")
    for s, f in enumerate(formulas):
        print(f"  seed {s}: {f}")
    print(f"(every row: mean over seeds 0-{args.seeds - 1} of the held-out instances of each seed's own "
          f"environment, known rules at each seed's best rate; {time.perf_counter() - t0:.0f} s; "
          "paper's numbers not verified [?])")


if __name__ == "__main__":
    main()
