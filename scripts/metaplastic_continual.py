#!/usr/bin/env python
"""Meta-plastic vs fixed rule on permuted digits with a task switch in mid-life.

    python scripts/metaplastic_continual.py [--generations 200] [--seed 0] [--n-eval 20] [--out runs/metaplastic]

Two runs of the metaplastic-continual preset (two permuted-digit tasks, 120 images each,
one pass; CMA-ES, population 16, the same budget): the meta-plastic family (98 genes: the
rule, the second rule's gains, lam, tau) and the fixed rule of the same family
(rule=bengio_layers, 32 genes). Both best-so-far rules, the meta-plastic one also with its
second rule switched off (A = B = 0), and the delta rule at its best rate on the training
sequences, on n_eval held-out sequences (other permutations, other images): ACC and BWT
(Lopez-Paz & Ranzato 2017), the same protocol as `evo-l2l evaluate` on the continual preset.
"""
import argparse
import dataclasses
import os
import time

import numpy as np

from evo_l2l import open_run
from evo_l2l.analysis.episode_metrics import continual_metrics, mean_ci95
from evo_l2l.evolution.problem import build_tasks, make_problem
from evo_l2l.evolution.run import start_run
from evo_l2l.experiments import PRESETS
from evo_l2l.learners.episode_net import episode_accuracy
from evo_l2l.rules import bengio_layers, metaplastic

VARIANTS = {"metaplastic": "meta-plastic rule (evolved)", "bengio_layers": "fixed rule (evolved)"}


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--generations", type=int, default=200)
    ap.add_argument("--population", type=int, default=None)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--n-eval", type=int, default=20)
    ap.add_argument("--out", default="runs/metaplastic")
    ap.add_argument("--toy", action="store_true", help="the preset's toy task sizes (tests)")
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    rules, config = {}, None
    for family in VARIANTS:
        over = {"rule": family, "n_generations": args.generations, "seed": args.seed}
        if args.population:
            over["population"] = args.population
        preset = PRESETS["metaplastic-continual"]
        config = preset.default_config(**over, **(preset.toy if args.toy else {}))
        path = os.path.join(args.out, f"{family}_seed{args.seed}.h5")
        t0 = time.perf_counter()
        start_run(config, path, force=True)
        wall = time.perf_counter() - t0
        run = open_run(path)
        problem = make_problem(run.config, run.tasks)
        gen = int(run.state["generation"])
        rules[family] = (problem.rule_of_genome(run.generations["best_so_far_genome"][gen]),
                         wall, float(run.generations["best_so_far_fitness"][gen]), run)
    s = config.learner.settings
    train = rules["metaplastic"][3].tasks.select("train")
    rates = 2.0 ** np.arange(-8, 3)
    fit = [episode_accuracy(bengio_layers.delta_rule(r)[None], train, s.n_epochs, s.clip)
           [0, :, -1].mean() for r in rates]
    delta = bengio_layers.delta_rule(rates[int(np.argmax(fit))])
    tasks = build_tasks(config, dataclasses.replace(config.tasks.settings, n_heldout=args.n_eval,
                                                    n_train_episodes=1)).select("heldout")
    table = [("meta-plastic rule (evolved)", rules["metaplastic"][0], rules["metaplastic"]),
             ("  the same, second rule off (A = B = 0)",
              metaplastic.fixed(rules["metaplastic"][0])[0], None),
             ("fixed rule of the same family (evolved)", rules["bengio_layers"][0],
              rules["bengio_layers"]),
             (f"delta rule, rate {rates[int(np.argmax(fit))]:g} (best on training sequences)",
              delta, None)]
    print(f"metaplastic-continual: permuted digits, {config.tasks.settings.n_tasks} tasks x "
          f"{config.tasks.settings.n_train_per_task} images one pass, {args.n_eval} held-out "
          f"sequences; {args.generations} generations, population {config.run.population}, "
          f"seed {args.seed}; cores {os.cpu_count()}, load {os.getloadavg()[0]:.1f}")
    print(f"  {'ACC':>15s} {'BWT':>7s}  R[1,1] R[2,1] R[2,2]")
    for label, rule, run in table:
        acc = episode_accuracy(np.asarray(rule)[None], tasks, s.n_epochs, s.clip)[0]
        m = continual_metrics(acc)
        a, ci = mean_ci95(m["ACC"])
        R = acc[:, 1:].mean(axis=0)
        extra = f"   (run {run[1]:.0f} s wall, train fitness {run[2]:.3f})" if run else ""
        print(f"  {a:.3f} +- {ci:.3f} {np.mean(m['BWT']):7.3f}  {R[0, 0]:.3f}  {R[1, 0]:.3f}  "
              f"{R[1, 1]:.3f}  {label}{extra}")
    print(f"archives in {args.out}/")


if __name__ == "__main__":
    main()
