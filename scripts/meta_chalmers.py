#!/usr/bin/env python
"""Meta-evolution on chalmers1990: do evolved GA settings beat the hand-set GA on
held-out runs, and does level 3 improve on level 2?

    python scripts/meta_chalmers.py --level2 runs/meta/level2.h5 [--level3]

--level2: a schmidhuber1987-meta archive (made by `evo-l2l run schmidhuber1987-meta -o
FILE`; the script runs it if FILE does not exist). Its 10 held-out runs below (new run seeds,
new task environments, disjoint from the 4 training runs) are run with the hand-set GA of
the paper and with the level-2 best operators, each within the same budget (40 x 1000
evaluations); printed: runs that reach the delta rule's training fitness (at its best rate,
on that run's own tasks), runs that end on a delta-like rule (rules/chalmers.py
is_reference_like), median evaluations to the target (a run that misses counts as more than
the budget) and the ratio to the hand-set GA's.

--level3: also runs level 3 at a reduced size (population 6, 3 generations, 2 level-2 runs
per score, each level-2 run: population 6 x 4 generations, 2 runs below per score), then
measures level 3 the same way: two level-2 runs (new seeds) with level 3's best level-2
settings and two with the preset's hand-set level-2 GA, each one's best level-1 operators
run on the same 10 held-out runs below.
"""
import argparse
import os
import time

import numpy as np

from evo_l2l import open_run
from evo_l2l.evolution.meta import below_config, median_to_target
from evo_l2l.evolution.problem import make_problem
from evo_l2l.evolution.run import start_run
from evo_l2l.experiments import PRESETS


def heldout_row(problem, name, row, t_hand=None):
    t0 = time.perf_counter()
    summ = problem.summaries([row], "heldout")[0]
    wall = time.perf_counter() - t0
    reached, like = int(summ[:, 0].sum()), int(np.nansum(summ[:, 5]))
    evals = np.where(summ[:, 0] > 0, summ[:, 1], np.inf)
    med = float(np.median(evals))
    ratio = "" if t_hand is None or not np.isfinite(t_hand) or not np.isfinite(med) \
        else f"{med / t_hand:.2f}x"
    print(f"{name:34s} {reached:>3d} of {len(summ):<3d} {like:>3d} of {len(summ):<3d} "
          f"{median_to_target(summ, problem.budget):>14s} {ratio:>7s} {wall:7.1f}s   "
          f"{problem.formula(row)}", flush=True)
    return med


def header():
    print(f"{'operators':34s} {'reached':>9s} {'delta-like':>10s} {'median evals':>14s} "
          f"{'ratio':>7s} {'wall':>8s}   settings")


def level2(path, toy=False):
    meta = PRESETS["schmidhuber1987-meta"]
    if not os.path.exists(path):
        os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
        t0 = time.perf_counter()
        start_run(meta.default_config(**(TOY if toy else {})), path)
        print(f"level 2 ran in {time.perf_counter() - t0:.0f} s")
    run = open_run(path)
    problem = make_problem(run.config, run.tasks)
    gen = int(run.state["generation"])
    best = problem.rule_of_genome(run.generations["best_so_far_genome"][gen])
    # Compute: each distinct genome's training runs below ran once (the cache skips repeats).
    genomes = run.generations["population_genome"].reshape(-1, run.generations["population_genome"].shape[-1])
    used = run.generations["population_below_evaluations"].reshape(len(genomes), -1).sum(axis=1)
    _, first = np.unique(genomes, axis=0, return_index=True)
    print(f"level 2: {path}, {run.n_generations_done} generations, "
          f"{int(run.generations['n_evaluations'].sum())} level-2 evaluations "
          f"({len(first)} distinct genomes), {int(used[first].sum())} level-1 evaluations in "
          f"their training runs, {float(run.state['elapsed']):.0f} s of evolution")
    print(f"held-out runs below: {len(problem.seeds['heldout'])} (budget {problem.budget})")
    header()
    t_hand = heldout_row(problem, "hand-set GA (Chalmers 1990)", problem.known_rule("hand-set"))
    heldout_row(problem, "level-2 evolved", best, t_hand)
    return problem, t_hand


def level3(problem1, t_hand, out_dir, toy=False):
    meta = PRESETS["schmidhuber1987-meta"]
    inner = meta.default_config(**{"population": 6, "n_generations": 4, "tasks.n_runs": 2,
                                   "tasks.n_heldout": 1, **(TOY_BELOW if toy else {})}).to_dict()
    config = meta.default_config(**{
        "population": 6, "n_generations": 3,
        **({"population": 4, "n_generations": 2, "learner.budget": 8} if toy else {}),
        "learner.level_below": "schmidhuber1987-meta", "learner.below": inner,
        "rule.population_min": 4, "rule.population_max": 12,
        "tasks.n_runs": 2, "tasks.n_heldout": 1})
    path = os.path.join(out_dir, "level3.h5")
    t0 = time.perf_counter()
    res = start_run(config, path, force=True)
    print(f"\nlevel 3: {path}, ran in {time.perf_counter() - t0:.0f} s; best level-2 settings: "
          f"{res.problem.formula(res.problem.rule_of_genome(res.last.hof_genome))}")
    rows = {"hand-set level-2 GA": res.problem.known_rule("hand-set"),
            "level-3 evolved level-2 GA": res.problem.rule_of_genome(res.last.hof_genome)}
    header()
    for name, row in rows.items():
        for seed in (1001, 1002):
            cfg = below_config(res.problem.below, row, seed, seed + 17, res.problem.budget)
            r2 = start_run(cfg, os.path.join(out_dir, f"l2_{seed}_{name[:5]}.h5"), force=True)
            row1 = r2.problem.rule_of_genome(r2.last.hof_genome)
            heldout_row(problem1, f"{name}, seed {seed}", row1, t_hand)


# --toy: everything at a size that runs in seconds (tests/test_scripts.py).
TOY = {"learner.budget": 60, "tasks.n_runs": 1, "tasks.n_heldout": 1, "population": 4,
       "n_generations": 2}
TOY_BELOW = {"learner.budget": 60, "tasks.n_runs": 1, "population": 4, "n_generations": 2}


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--level2", default="runs/meta/level2.h5")
    ap.add_argument("--level3", action="store_true")
    ap.add_argument("--toy", action="store_true", help="tiny sizes, for the tests")
    ap.add_argument("--row", action="append", default=[], metavar="T,C,P,M,S,E,N",
                    help="also run these GA settings on the held-out runs: tournament size (0: "
                         "roulette), crossover (0 two_point, 1 uniform), crossover rate, "
                         "mutation rate, sigma, elitism, population; repeatable")
    args = ap.parse_args()
    problem, t_hand = level2(args.level2, args.toy)
    for text in args.row:
        row = np.array([float(x) for x in text.split(",")])
        if row.shape != (7,):
            ap.error(f"--row needs 7 numbers, got {text!r}")
        heldout_row(problem, f"probe {text}", row, t_hand)
    if args.level3:
        level3(problem, t_hand, os.path.dirname(os.path.abspath(args.level2)), args.toy)


if __name__ == "__main__":
    main()
