#!/usr/bin/env python
"""Reproduce Chalmers (1990): 10 GA runs (seeds 0-9) with the paper's settings.

Prints, per seed, the best evolved rule, whether it is the delta rule or
delta-like, its fitness on the 20 evolution tasks and the 10 held-out tasks
and the best delta rule's on the same tasks; then a table beside the paper's
numbers with their source marks ([S]: secondary source, see shared/REFERENCES.md).

    python scripts/reproduce_chalmers1990.py [--seeds 10] [--generations 1000] [--out runs/repro]
    python scripts/reproduce_chalmers1990.py --preset chalmers1990-modern [--first-seed 100]
    python scripts/reproduce_chalmers1990.py --dask-local 2     # the seeds spread (docs/howto/cluster.md)
    python scripts/reproduce_chalmers1990.py --diversity [--runs 10] [--png FILE]

Delta-like (chalmers.is_reference_like): dw = (t - o)(c0 + c1 w + c2 a) with c2 > 0, the
delta rule (c0 = c1 = 0) and its recodings such as (t - o)(4a - 2). A seed succeeds when its
best rule is delta-like and its held-out fitness is at least the best delta rule's (the delta
rule at the power-of-two rate in 2^-8..2^8 that does best on the training tasks).
The counts and the evaluations spent go to OUT/summary.json (scripts/success_table.py).

Each seed draws its own task environment (tasks.seed follows the seed), as
each of Chalmers' runs is independent; pass --task-seed to share one.

--diversity: Chalmers' environmental-diversity experiment. One environment (tasks.seed
--task-seed, default 0) of 30 tasks, 10 held out; evolution sees only the first N of the 20
training tasks, N in 1, 2, 5, 10, 15, 20 (tasks.n_train), --runs runs each (seeds 0..runs-1);
a table of the best rules' mean training and held-out fitness per N, and a PNG.
"""
import argparse
import json
import os
import time

import numpy as np

from evo_l2l.analysis.rules import best_reference_rule, describe_rule
from evo_l2l.evolution.executors import add_executor_arguments, executor_from_args
from evo_l2l.evolution.run import run_all
from evo_l2l.experiments import get_preset
from evo_l2l.rules import chalmers

DIVERSITY = (1, 2, 5, 10, 15, 20)


def evaluations(results) -> list[int]:
    """Fitness evaluations each run asked for (population x generations: what the search
    spent, the fitness cache's savings aside)."""
    return [int(r.config.run.population * r.config.run.n_generations) for r in results]


def reproduce(args, preset) -> None:
    os.makedirs(args.out, exist_ok=True)
    rows = []
    t0 = time.perf_counter()
    seeds = list(range(args.first_seed, args.first_seed + args.seeds))
    over = {"tasks.seed": args.task_seed, **args.overrides}
    if args.generations is not None:
        over["n_generations"] = args.generations
    configs = [preset.default_config(seed=seed, **over) for seed in seeds]
    paths = [os.path.join(args.out, f"seed{seed}.h5") for seed in seeds]
    print(f"{preset.NAME}: {configs[0].optimizer.name}, population {configs[0].run.population} x "
          f"{configs[0].run.n_generations} generations, seeds {seeds[0]}-{seeds[-1]}")
    print(f"{'seed':>4} {'delta?':>6} {'like?':>5} {'train':>7} {'held-out':>8} {'delta train':>11} "
          f"{'delta held':>10}  best rule")
    with executor_from_args(args) as executor:
        results = run_all(configs, paths, executor)
    for seed, res in zip(seeds, results):
        p = res.problem
        coef = p.decode(res.last.hof_genome[None])[0]
        best = describe_rule(p, coef)
        delta = best_reference_rule(p)
        like = chalmers.is_reference_like(coef)
        ok = like and best["heldout_fitness"] >= delta["heldout_fitness"]
        rows.append((best["is_reference_rule"], best["fitness"], best["heldout_fitness"],
                     delta["fitness"], delta["heldout_fitness"], like, ok))
        print(f"{seed:>4} {'yes' if best['is_reference_rule'] else 'no':>6} "
              f"{'yes' if like else 'no':>5} {best['fitness']:7.4f} "
              f"{best['heldout_fitness']:8.4f} {delta['fitness']:11.4f} {delta['heldout_fitness']:10.4f}"
              f"  {best['formula']}", flush=True)
    r = np.array(rows, dtype=float)
    wall = time.perf_counter() - t0
    paper = get_preset("chalmers1990").PAPER_NUMBERS
    n = len(rows)
    print()
    print(f"{'quantity':34s} {'evo_l2l (this run)':>22s}   paper [mark]")
    table = [
        ("runs", f"{n}", paper["runs"]),
        ("delta-rule rediscoveries", f"{int(r[:, 0].sum())} of {n}", paper["delta_rediscoveries"]),
        ("delta-like rules", f"{int(r[:, 5].sum())} of {n}", ("-", "")),
        ("delta-like, held-out >= delta's", f"{int(r[:, 6].sum())} of {n}", ("-", "")),
        ("mean best fitness (train)", f"{r[:, 1].mean():.4f} +- {r[:, 1].std():.4f}", paper["mean_best_fitness"]),
        ("mean held-out fitness", f"{r[:, 2].mean():.4f} +- {r[:, 2].std():.4f}", paper["heldout_fitness"]),
        ("best delta rule fitness (train)", f"{r[:, 3].mean():.4f}", paper["delta_rule_fitness"]),
        ("best delta rule fitness (held-out)", f"{r[:, 4].mean():.4f}", ("-", "")),
    ]
    for name, ours, (value, mark) in table:
        print(f"{name:34s} {ours:>22s}   {value} [{mark}]" if mark else f"{name:34s} {ours:>22s}   {value}")
    evals = evaluations(results)
    print(f"\n{n} runs x {configs[0].run.n_generations} generations ({evals[0]} evaluations per run) "
          f"in {wall:.1f} s; archives in {args.out}/")
    print("Fitness: mean over tasks of 1 - mean|t - o|, averaged before training and after each of "
          "10 epochs [S]; the paper's exact scale is not verified, so compare shapes, not decimals.")
    summary = {"preset": preset.NAME, "seeds": seeds, "runs": n,
               "successes": int(r[:, 6].sum()),
               "criterion": "delta-like (t - o)(c0 + c1 w + c2 a), c2 > 0, held-out >= the best "
                            "delta rule's",
               "exact_delta": int(r[:, 0].sum()), "delta_like": int(r[:, 5].sum()),
               "evaluations_per_run": evals[0], "mean_heldout": float(r[:, 2].mean()),
               "mean_delta_heldout": float(r[:, 4].mean()), "wall_seconds": wall,
               "paper": paper["delta_rediscoveries"][0]}
    with open(os.path.join(args.out, "summary.json"), "w") as f:
        json.dump(summary, f, indent=1)


def diversity(args, preset) -> None:
    out = args.out
    os.makedirs(out, exist_ok=True)
    task_seed = 0 if args.task_seed is None else args.task_seed
    t0 = time.perf_counter()
    over = {"tasks.seed": task_seed, **args.overrides}
    if args.generations is not None:
        over["n_generations"] = args.generations
    counts = [c for c in DIVERSITY if c <= args.max_tasks]
    configs, paths, keys = [], [], []
    for n_train in counts:
        for seed in range(args.runs):
            configs.append(preset.default_config(seed=seed, **over, **{"tasks.n_train": n_train}))
            paths.append(os.path.join(out, f"tasks{n_train}_seed{seed}.h5"))
            keys.append(n_train)
    with executor_from_args(args) as executor:
        results = run_all(configs, paths, executor)
    per = {n: [] for n in counts}
    heldout_ref = None
    for n_train, res in zip(keys, results):
        p = res.problem
        coef = p.decode(res.last.hof_genome[None])[0]
        best = describe_rule(p, coef)
        per[n_train].append((best["fitness"], best["heldout_fitness"],
                             chalmers.is_reference_like(coef)))
        if n_train == counts[-1] and heldout_ref is None:
            heldout_ref = best_reference_rule(p)["heldout_fitness"]
    print(f"{preset.NAME}: environment tasks.seed = {task_seed} (10 held-out tasks, the same in every "
          f"run), {args.runs} runs per count, {configs[0].run.population} x "
          f"{configs[0].run.n_generations} generations each")
    print(f"{'training tasks':>14} {'train':>15} {'held-out':>15} {'gap':>7} {'delta-like':>10}")
    table = []
    for n_train in counts:
        a = np.array(per[n_train], dtype=float)
        row = (n_train, a[:, 0].mean(), a[:, 0].std(), a[:, 1].mean(), a[:, 1].std(),
               int(a[:, 2].sum()))
        table.append(row)
        print(f"{n_train:>14} {row[1]:8.4f} +- {row[2]:.3f} {row[3]:8.4f} +- {row[4]:.3f} "
              f"{row[1] - row[3]:7.4f} {row[5]:>5} of {len(a)}")
    print(f"(mean +- std over runs of the best rule's fitness on its training tasks and on the "
          f"held-out tasks; the delta rule at its best rate on {counts[-1]} training tasks: held-out "
          f"{heldout_ref:.4f})")
    print(f"{len(configs)} runs in {time.perf_counter() - t0:.1f} s; archives in {out}/")
    with open(os.path.join(out, "diversity.json"), "w") as f:
        json.dump({"preset": preset.NAME, "task_seed": task_seed, "runs": args.runs,
                   "rows": [list(map(float, r)) for r in table],
                   "columns": ["n_train", "train_mean", "train_std", "heldout_mean",
                               "heldout_std", "delta_like"]}, f, indent=1)
    png = args.png or os.path.join(out, "diversity.png")
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    t = np.array(table)
    fig, ax = plt.subplots(figsize=(5, 3.5))
    ax.errorbar(t[:, 0], t[:, 1], yerr=t[:, 2], marker="o", capsize=3, label="training tasks")
    ax.errorbar(t[:, 0], t[:, 3], yerr=t[:, 4], marker="s", capsize=3, label="10 held-out tasks")
    ax.set_xlabel("tasks in the evolutionary environment")
    ax.set_ylabel("fitness of the best rule")
    ax.set_title(f"{preset.NAME}: environmental diversity ({args.runs} runs each)", fontsize=9)
    ax.legend()
    fig.tight_layout()
    fig.savefig(png, dpi=120)
    print(f"figure: {png}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--preset", default="chalmers1990",
                    choices=["chalmers1990", "chalmers1990-modern"])
    ap.add_argument("--seeds", type=int, default=10)
    ap.add_argument("--first-seed", type=int, default=0)
    ap.add_argument("--generations", type=int, default=None, help="default: the preset's")
    ap.add_argument("--task-seed", type=int, default=None)
    ap.add_argument("--out", default=None)
    ap.add_argument("--diversity", action="store_true",
                    help="the environmental-diversity sweep instead of the seeds")
    ap.add_argument("--runs", type=int, default=10, help="--diversity: runs per task count")
    ap.add_argument("--max-tasks", type=int, default=20,
                    help="--diversity: largest task count to run (a quick look: 2)")
    ap.add_argument("--png", default=None, help="--diversity: figure (default OUT/diversity.png)")
    ap.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                    help="config override, as `evo-l2l run --set` (a search we tried: "
                         "--set optimizer.selection=tournament --set population=400)")
    add_executor_arguments(ap)
    args = ap.parse_args()
    preset = get_preset(args.preset)
    args.overrides = {}
    for item in args.set:
        key, _, value = item.partition("=")
        try:
            args.overrides[key] = json.loads(value)
        except ValueError:
            args.overrides[key] = value
    if args.out is None:
        args.out = f"runs/repro_{args.preset}" + ("_diversity" if args.diversity else "")
    (diversity if args.diversity else reproduce)(args, preset)


if __name__ == "__main__":
    main()
