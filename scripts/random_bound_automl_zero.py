#!/usr/bin/env python
"""Random search's per-program success probability on automl-zero-linear, bounded from many
independent random programs (the 'rule of three': 0 solvers in N draws gives p < 3/N at 95%).

    python scripts/random_bound_automl_zero.py --programs 5000000 --seed 0 --out a.json
    python scripts/random_bound_automl_zero.py --pool a.json b.json --evolution 3/5 --budget 991000
    python scripts/random_bound_automl_zero.py --toy          # seconds (tests)

Random search draws every program independently from the preset's space
(rules.programs.random_program), so its success probability per program is what N fresh
draws estimate. Each draw is fingerprinted as FEC does (predictions on 10 + 10 examples of
the first search task); a fingerprint seen before counts as the same function (whether it
solves is its first program's answer: FEC's own assumption; collisions, programs with equal
fingerprints and different fitness, were 0.75% of hits in a verified evolution run). A
new fingerprint's program is screened on the first `--screen-tasks` unseen tasks (1000
training examples each, as the success test): a solver's mean over the 100 unseen tasks
exceeds 0.9999 with every task's score at most 1, so it scores above 1 - 100 x 0.0001 =
0.99 on *each* task: a necessary condition. Programs passing it are scored on all 100
unseen tasks; a solver is one above 0.9999. The run's tasks are those of the preset at
`--seed` (the same tasks as scripts/reproduce_automl_zero.py's seed); draws come from
random.Random(--seed + 1000003) (another stream than the search's).
--pool: sums the counts of several outputs and compares the bound, per run of --budget
programs, with evolution's success rate k/n (Clopper-Pearson 95%).
"""
import argparse
import json
import random
import time

import numpy as np

from evo_l2l.evolution.problem import build_tasks, make_problem
from evo_l2l.experiments import automl_zero
from evo_l2l.learners import programs as lp
from evo_l2l.rules import programs as pg

SUCCESS = 0.9999


def sample(n_programs: int, seed: int, screen_tasks: int, toy: bool, batch: int = 1000) -> dict:
    preset = automl_zero.linear
    over = dict(preset.toy) if toy else {}
    config = preset.default_config(seed=seed, **over)
    problem = make_problem(config, build_tasks(config))
    space = pg.Space(config.rule.settings)
    rnd = random.Random(seed + 1_000_003)
    unseen = problem.splits["heldout"]
    screen = lp.program_tasks(unseen.select(np.arange(min(screen_tasks, len(unseen)))),
                              settings=problem.lsettings)
    bar = 1.0 - len(unseen) * (1.0 - SUCCESS)       # each task of a solver is above this
    seen: set = set()
    distinct = candidates = solvers = 0
    best_screen = -np.inf
    solver_texts = []
    t0 = time.perf_counter()
    done = 0
    while done < n_programs:
        k = min(batch, n_programs - done)
        programs = [pg.random_program(rnd, space) for _ in range(k)]
        live = lp.live(pg.pack(programs), problem.sizes)
        keys = problem._fingerprints_live(live)
        new = []
        for i, key in enumerate(keys):
            if key not in seen:
                seen.add(key)
                new.append(i)
        distinct += len(new)
        if new:
            code, imm, bounds = live
            worst = lp.live_scores((code, imm, bounds[new]), screen, problem.sizes).min(axis=1)
            best_screen = max(best_screen, float(np.nanmax(worst)))
            passed = [new[j] for j in np.flatnonzero(worst > bar)]
            candidates += len(passed)
            if passed:
                full = problem.fitness_of([programs[i] for i in passed], "heldout")
                for i, f in zip(passed, full):
                    if f > SUCCESS:
                        solvers += 1
                        solver_texts.append(pg.to_text(programs[i]))
        done += k
    return {"seed": seed, "programs": done, "distinct_fingerprints": distinct,
            "screen_tasks": int(screen.X.shape[0]), "screen_bar": bar,
            "best_worst_screen_score": best_screen, "candidates": candidates,
            "solvers": solvers, "solver_programs": solver_texts[:5],
            "seconds": time.perf_counter() - t0}


def clopper_pearson(k: int, n: int, level: float = 0.95) -> tuple[float, float]:
    from scipy.stats import beta
    a = 1 - level
    lo = 0.0 if k == 0 else float(beta.ppf(a / 2, k, n - k + 1))
    hi = 1.0 if k == n else float(beta.ppf(1 - a / 2, k + 1, n - k))
    return lo, hi


def pool(results: list, evolution: str, budget: int) -> None:
    n = sum(r["programs"] for r in results)
    s = sum(r["solvers"] for r in results)
    print(f"pooled: {n} random programs ({len(results)} samples, seeds "
          f"{', '.join(str(r['seed']) for r in results)}), "
          f"{sum(r['distinct_fingerprints'] for r in results)} distinct fingerprints, "
          f"{sum(r['candidates'] for r in results)} passed the screen, {s} solvers")
    lo, hi = clopper_pearson(s, n)
    if s:
        print(f"per-program success {s / n:.3g} (95% {lo:.3g}-{hi:.3g})")
    else:
        hi = 3.0 / n
        print(f"per-program success p < 3/N = {hi:.3g} (95%)")

    def per_run(p: float) -> float:
        return 1.0 - (1.0 - p) ** budget
    print(f"a random search of {budget} programs solves with probability {per_run(s / n):.3g} "
          f"(95% {per_run(lo):.3g}-{per_run(hi):.3g})")
    if evolution:
        k, m = (int(x) for x in evolution.split("/"))
        lo_e, hi_e = clopper_pearson(k, m)
        point = (k / m) / per_run(s / n) if s else float("inf")
        print(f"evolution {k}/{m} (95% {lo_e:.3f}-{hi_e:.3f}): ratio evolution / random search "
              f"{point:.3g} (point), > {lo_e / per_run(hi):.2f} (lower ends of both): "
              + ("'>= 5x' shown" if lo_e / per_run(hi) >= 5 else "'>= 5x' NOT shown"))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--programs", type=int, default=1_000_000)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--screen-tasks", type=int, default=5)
    ap.add_argument("--toy", action="store_true", help="the preset's toy tasks, 2000 programs")
    ap.add_argument("--out", default=None, help="write the counts here (JSON)")
    ap.add_argument("--pool", nargs="+", default=None, help="outputs to pool")
    ap.add_argument("--evolution", default="", help="evolution's successes, k/n")
    ap.add_argument("--budget", type=int, default=991_000, help="programs per run")
    args = ap.parse_args()
    if args.pool:
        pool([json.load(open(p)) for p in args.pool], args.evolution, args.budget)
        return
    res = sample(2000 if args.toy else args.programs, args.seed, args.screen_tasks, args.toy)
    print(json.dumps(res, indent=1))
    if args.out:
        with open(args.out, "w") as fh:
            json.dump(res, fh)
    pool([res], args.evolution, args.budget)


if __name__ == "__main__":
    main()
