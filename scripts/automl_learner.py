#!/usr/bin/env python
"""AutoML of the learner: joint evolution vs three baselines at equal inner-learning runs.

    python scripts/automl_learner.py                    # 10 seeds, population 20 x 50 generations
    python scripts/automl_learner.py --toy              # 2 seeds, 6 x 3 (tests/test_scripts.py)

Per seed, on the tasks of automl-bengio1991 (every two-input Boolean function, six held
out; compute budget 1080 synapse updates per task):
  reference the delta rule at rate 1 with the hand-set learner, no search (context only)
  joint     automl-bengio1991: rule + learner evolved by mixed_ga
  hand-set  (a) bengio1991-boolean (CMA-ES, the hand-set 2-2-1 learner, 30 epochs), same
            population and generations, fitness after the last epoch (as the others)
  optuna    (b) the delta rule with its learner tuned by Optuna TPE, population x
            generations trials (needs `pip install 'evo_l2l[automl]'`)
  random    (c) mixed_random over the joint space, same population and generations
The best (rule, learner) of each run, by training fitness, is scored on the held-out
functions by the same learner code (two_layer_automl, budget applied). Evaluations are
counted as each run spent them (the archive's n_evaluations summed: elitism and the
fitness cache make them fewer than population x generations; Optuna: its trials).
Writes OUT/automl_learner.json (every seed's numbers) and prints the Markdown table;
`evo-l2l report ... --baselines OUT/automl_learner.json` puts it in a report, and
`--summarise OUT/automl_learner.json` prints it again without running.
"""
import argparse
import json
import os
import sys
import time

import numpy as np

from evo_l2l import open_run
from evo_l2l.analysis import automl
from evo_l2l.errors import ConfigError
from evo_l2l.evolution.run import start_run
from evo_l2l.experiments import PRESETS
from evo_l2l.learners.two_layer_automl import HAND_SET_UPDATES
from evo_l2l.rules import bengio_automl as fam


def evolved(config, path):
    if os.path.exists(path):
        os.remove(path)
    start_run(config, path)
    run = open_run(path)
    return run.generations["best_so_far_coef"][-1], int(np.sum(run.generations["n_evaluations"]))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, default=10)
    ap.add_argument("--population", type=int, default=20)
    ap.add_argument("--generations", type=int, default=50)
    ap.add_argument("--methods", nargs="+", default=list(automl.METHODS),
                    choices=list(automl.METHODS))
    ap.add_argument("--out", default="runs/automl_learner")
    ap.add_argument("--toy", action="store_true", help="2 seeds, population 6, 3 generations")
    ap.add_argument("--summarise", metavar="JSON", default=None,
                    help="print the table of an automl_learner.json already written; run nothing")
    args = ap.parse_args()
    if args.summarise:
        try:
            print(automl.read_baselines(args.summarise))
        except ConfigError as exc:
            print(f"error: {exc}", file=sys.stderr)
            sys.exit(2)
        return
    if args.toy:
        args.seeds, args.population, args.generations = 2, 6, 3
    if "optuna" in args.methods:
        try:
            automl.import_optuna()
        except ConfigError as exc:
            print(f"error: {exc}", file=sys.stderr)
            sys.exit(2)
    os.makedirs(args.out, exist_ok=True)
    P, G = args.population, args.generations
    results = {m: [] for m in args.methods}
    seconds = {m: 0.0 for m in args.methods}
    for seed in range(args.seeds):
        base = PRESETS["automl-bengio1991"].default_config(seed=seed, population=P,
                                                           n_generations=G)
        problem = automl.problem_of(base)
        for method in args.methods:
            t0 = time.perf_counter()
            path = os.path.join(args.out, f"{method}-seed{seed}.h5")
            if method == "reference":
                row, n_eval = fam.delta_rule(), 0
            elif method == "joint":
                row, n_eval = evolved(base, path)
            elif method == "random":
                row, n_eval = evolved(base.with_overrides({"optimizer": "mixed_random"}), path)
            elif method == "hand-set":
                cfg = PRESETS["bengio1991-boolean"].default_config(
                    seed=seed, population=P, n_generations=G,
                    **{"learner.fitness_measure": "final"})
                coef, n_eval = evolved(cfg, path)
                row = fam.with_learner(coef)
            else:
                row, n_eval = automl.tune_delta_tpe(problem, P * G, seed)
            seconds[method] += time.perf_counter() - t0
            r = automl.score(problem, row)
            r.update(seed=seed, evaluations=n_eval)
            results[method].append(r)
            print(f"seed {seed} {method:8s} evaluations {n_eval:5d}  train {r['train']:.4f}  "
                  f"held-out {r['heldout']:.4f}  compute {r['compute']:.0f}  {r['formula']}",
                  flush=True)
    out = {"population": P, "generations": G, "seeds": args.seeds,
           "hand_set_compute": HAND_SET_UPDATES, "seconds": seconds, "results": results}
    with open(os.path.join(args.out, "automl_learner.json"), "w") as fh:
        json.dump(out, fh, indent=1)
    print()
    print(automl.table(results, HAND_SET_UPDATES))
    print("seconds per method (all seeds; shared machine, noisy): "
          + ", ".join(f"{m} {s:.0f}" for m, s in seconds.items()))


if __name__ == "__main__":
    main()
