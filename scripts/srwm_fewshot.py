#!/usr/bin/env python
"""SRWM few-shot measurements: the evolved self-referential weight matrix on
rot_digits held-out classes (digits 7-9), beside its ablations and 1-NN.

    python scripts/srwm_fewshot.py [--generations 200] [--seed 0] [--n-eval 1000] [--start random] [--out runs/srwm]

Three runs of the srwm-fewshot preset (2-way 1-shot, 256 meta-training episodes), the same
optimizer and budget each: self_modification full; none (sigmoid(beta) = 0: W never
changes, the ablation without self-modification); fixed_rate (beta = 0: W changes at rate
0.5 in every block, not at rates it sets). Then each run's best-so-far W on n_eval
held-out episodes drawn from the run's seed (the stored 100 first): 2-way 1-shot query
accuracy (95% CI) and, with the same W (5 label slots), 5-way 1-shot, beside 1-NN and
nearest centroid on the same episodes. Wall time of each run is printed.
"""
import argparse
import dataclasses
import os
import time

import numpy as np

from evo_l2l import open_run
from evo_l2l.analysis import baselines as bl
from evo_l2l.analysis.episode_metrics import mean_ci95
from evo_l2l.evolution.problem import build_tasks, make_problem
from evo_l2l.evolution.run import start_run
from evo_l2l.experiments import PRESETS
from evo_l2l.learners.srwm import run_episodes

VARIANTS = {"full": "self-modifying W (full)", "none": "W fixed (sigmoid(beta) = 0)",
            "fixed_rate": "beta = 0 (rate 0.5, not self-set)"}


def heldout(config, n_way: int, n: int):
    s = dataclasses.replace(config.tasks.settings, n_way=n_way, n_heldout=n, n_train_episodes=1)
    return build_tasks(config, s).select("heldout")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--generations", type=int, default=200)
    ap.add_argument("--population", type=int, default=None)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--n-eval", type=int, default=1000)
    ap.add_argument("--train-episodes", type=int, default=None)
    ap.add_argument("--optimizer", default=None, help="another optimizer (es, sepcma, cmaes)")
    ap.add_argument("--variants", default=",".join(VARIANTS))
    ap.add_argument("--n-way", type=int, default=2, help="classes per meta-training episode")
    ap.add_argument("--start", default="random", choices=("random", "handwired"),
                    help="the W genome 0 stands for (rule.start)")
    ap.add_argument("--out", default="runs/srwm")
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    rows, config = {}, None
    for mode in args.variants.split(","):
        over = {"learner.self_modification": mode, "n_generations": args.generations,
                "seed": args.seed, "rule.start": args.start, "tasks.n_way": args.n_way}
        if args.population:
            over["population"] = args.population
        if args.train_episodes:
            over["tasks.n_train_episodes"] = args.train_episodes
        if args.optimizer:
            over["optimizer"] = args.optimizer
        config = PRESETS["srwm-fewshot"].default_config(**over)
        path = os.path.join(args.out, f"srwm_{args.n_way}way_{args.start}_{mode}_seed{args.seed}.h5")
        t0 = time.perf_counter()
        start_run(config, path, force=True)
        wall = time.perf_counter() - t0
        run = open_run(path)
        problem = make_problem(run.config, run.tasks)
        gen = int(run.state["generation"])
        W = problem.rule_of_genome(run.generations["best_so_far_genome"][gen])
        rows[mode] = {"W": W, "wall": wall, "path": path,
                      "fitness": float(run.generations["best_so_far_fitness"][gen])}
    print(f"srwm-fewshot, meta-trained {args.n_way}-way, start {args.start}, {args.generations} generations, seed {args.seed}, optimizer "
          f"{config.optimizer.name}, population {config.run.population}; held-out classes "
          f"(digits 7-9), {args.n_eval} episodes, 15 queries per class; cores {os.cpu_count()}, "
          f"load {os.getloadavg()[0]:.1f}")
    for n_way in (2, 5):
        tasks = heldout(config, n_way, args.n_eval)
        print(f"\n{n_way}-way 1-shot: query accuracy (95% CI)")
        for mode, r in rows.items():
            acc, _ = run_episodes(r["W"][None], tasks, mode)
            m, ci = mean_ci95(acc[0, :, -1])
            extra = (f"   (run: {r['wall']:.0f} s wall, train fitness {r['fitness']:.3f})"
                     if n_way == args.n_way else "")
            print(f"  {m:.3f} +- {ci:.3f}  {VARIANTS[mode]}{extra}")
        for method, label in (("1nn", "1-NN"), ("centroid", "nearest centroid")):
            m, ci = mean_ci95(bl.memory_baseline(tasks, method)[:, -1, 0])
            print(f"  {m:.3f} +- {ci:.3f}  {label} (64 pixels)")
    print(f"\narchives in {args.out}/")


if __name__ == "__main__":
    main()
