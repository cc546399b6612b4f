#!/usr/bin/env python
"""Self-adaptation on the Oja task: does a search that sets its own step sizes
beat the best hand-picked fixed step size?

    python scripts/self_adaptation_oja.py [--seeds 10] [--generations 300] [--out runs/self_adaptation]

Every variant is the confavreux2020-oja task (27-term Volterra rule, linear neuron,
Gaussian inputs) with population 60 for the same number of generations, seeds 0..N-1:
the self-adaptive (10, 60)-ES (selfadaptive-oja), the same ES with its strengths fixed at
0.03, 0.1 and 0.3 (`optimizer.adapt=false`: the 3-value grid), fitness-monotonic
self-modification (fme-oja) and its null model with the meta strength not inherited
(`optimizer.inherit_meta=false`), FME keeping its elites (`optimizer.elitist=true`), and CMA-ES (the confavreux2020-oja preset) as a peer.
Success: the best-so-far rule's coefficients have cosine >= 0.95 with Oja's rule
(A110 = 1, A021 = -1); evaluations to it are counted from the archive's n_evaluations.
Printed: successes, the median evaluations to success (a miss counts as more than the
budget), the ratio to the best fixed strength's median, the median final cosine and
held-out fitness, and for FME the median meta strength tau at the start and the end.
"""
import argparse
import json
import os
import time

import numpy as np

from evo_l2l import open_run
from evo_l2l.evolution.problem import make_problem
from evo_l2l.evolution.run import start_run
from evo_l2l.experiments import PRESETS

VARIANTS = {
    "self-adaptive ES": ("selfadaptive-oja", {}),
    "fixed strength 0.03": ("selfadaptive-oja", {"optimizer.adapt": False,
                                                 "optimizer.sigma_init": 0.03}),
    "fixed strength 0.1": ("selfadaptive-oja", {"optimizer.adapt": False,
                                                "optimizer.sigma_init": 0.1}),
    "fixed strength 0.3": ("selfadaptive-oja", {"optimizer.adapt": False,
                                                "optimizer.sigma_init": 0.3}),
    "FME": ("fme-oja", {}),
    "FME, tau not inherited (null)": ("fme-oja", {"optimizer.inherit_meta": False}),
    "FME, elitist (plus selection)": ("fme-oja", {"optimizer.elitist": True}),
    "CMA-ES (peer)": ("confavreux2020-oja", {}),
}
THRESHOLD = 0.95


def cosine_to_oja(problem, coef):
    form = problem.form
    eff = form.effective(np.atleast_2d(coef))
    oja = form.effective(problem.known_rule("oja", 1.0)[None])[0]
    norm = np.linalg.norm(eff, axis=1) * np.linalg.norm(oja)
    return np.where(norm > 0, eff @ oja / np.where(norm > 0, norm, 1), 0.0)


def measure(path):
    run = open_run(path)
    problem = make_problem(run.config, run.tasks)
    g = run.generations
    cos = cosine_to_oja(problem, g["best_so_far_coef"])
    evals = np.cumsum(g["n_evaluations"])
    hit = np.flatnonzero(cos >= THRESHOLD)
    tau = g.get("trace_median_tau")
    return {"evals": float(evals[hit[0]]) if len(hit) else np.inf, "budget": float(evals[-1]),
            "cos": float(cos[-1]), "heldout": float(g["best_so_far_heldout_fitness"][-1]),
            "tau0": float(tau[0, 0]) if tau is not None else np.nan,
            "tau1": float(tau[-1, 0]) if tau is not None else np.nan}


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, default=10)
    ap.add_argument("--first-seed", type=int, default=0,
                    help="seeds FIRST..FIRST+SEEDS-1 (the presets were tuned on 0-3)")
    ap.add_argument("--generations", type=int, default=300)
    ap.add_argument("--out", default="runs/self_adaptation")
    ap.add_argument("--only", action="append", metavar="NAME",
                    help="run only the variants whose names start with NAME (repeatable; the "
                         "fixed strengths always run, as the baseline)")
    ap.add_argument("--set", dest="sets", action="append", default=[], metavar="KEY=VALUE",
                    help="override a setting of the variants chosen by --only (not of the fixed "
                         "baselines), e.g. optimizer.c=1; VALUE is JSON or text")
    args = ap.parse_args()
    if args.sets and not args.only:
        ap.error("--set needs --only (the variants it changes)")
    extra = {}
    for item in args.sets:
        key, _, value = item.partition("=")
        try:
            extra[key] = json.loads(value)
        except ValueError:
            extra[key] = value
    chosen = {n: v for n, v in VARIANTS.items()
              if not args.only or n.startswith("fixed") or any(n.startswith(o) for o in args.only)}
    os.makedirs(args.out, exist_ok=True)
    results, walls = {}, {}
    for name, (preset, overrides) in chosen.items():
        t0 = time.perf_counter()
        rows = []
        for seed in range(args.first_seed, args.first_seed + args.seeds):
            changes = {**overrides, **({} if name.startswith("fixed") else extra)}
            config = PRESETS[preset].default_config(seed=seed, population=60,
                                                    n_generations=args.generations, **changes)
            tag = "_null" if "null" in name else "_elitist" if "elitist" in name else ""
            path = os.path.join(args.out, f"{name.split(',')[0].replace(' ', '_')}{tag}_{seed}.h5")
            start_run(config, path, force=True)
            rows.append(measure(path))
        results[name], walls[name] = rows, time.perf_counter() - t0
    fixed = [n for n in chosen if n.startswith("fixed")]
    med = {n: float(np.median([r["evals"] for r in rows])) for n, rows in results.items()}
    best_fixed = min(fixed, key=lambda n: (med[n], -np.median([r["cos"] for r in results[n]])))
    budget = results[best_fixed][0]["budget"]
    print(f"seeds {args.first_seed}-{args.first_seed + args.seeds - 1} x {args.generations} generations x population 60 "
          f"(budget {budget:.0f} evaluations); success: cos(coefficients, Oja) >= {THRESHOLD}")
    print(f"{'search':32s} {'success':>8s} {'median evals':>13s} {'vs best fixed':>13s} "
          f"{'final cos':>9s} {'held-out':>8s} {'tau start->end':>15s} {'wall':>7s}")
    for name, rows in results.items():
        ok = sum(np.isfinite(r["evals"]) for r in rows)
        m = med[name]
        ratio = (f"{m / med[best_fixed]:.2f}x" if np.isfinite(m) and np.isfinite(med[best_fixed])
                 else "-")
        tau = (f"{np.median([r['tau0'] for r in rows]):.3f}->{np.median([r['tau1'] for r in rows]):.3f}"
               if np.isfinite(rows[0]["tau0"]) else "")
        print(f"{name:32s} {ok:>4d}/{len(rows):<3d} {m if np.isfinite(m) else float('inf'):>13.0f} "
              f"{ratio:>13s} {np.median([r['cos'] for r in rows]):>9.3f} "
              f"{np.median([r['heldout'] for r in rows]):>8.4f} {tau:>15s} {walls[name]:6.1f}s")
    print(f"best fixed strength: {best_fixed}; archives in {args.out}/")


if __name__ == "__main__":
    main()
