#!/usr/bin/env python
"""Symbolic-rule interpreter throughput against the parametric kernel and gp.compile.

    python scripts/bench_symbolic.py [--repeats 9] [--rules 100]

Workload: the chalmers1990 training tasks (20 tasks, <=12 patterns x <=8
inputs, 10 epochs), a population of random GP trees (half-and-half, depth
1-4, no transcendental primitives), timed interleaved with the parametric
kernel on the same number of random Chalmers rules. The gp.compile baseline
trains the same trees with DEAP's compiled Python lambdas, one synapse at a
time (on a subset of rules, it is slow). Prints synaptic updates per second
and paired ratios; then the same ratio for the two-layer and conditioning
learners of the Bengio presets.
"""
import argparse
import os
import platform
import random
import sys
import time

import numpy as np
from deap import gp

from evo_l2l.learners import learning_curves
from machine import cpu_model  # scripts/ is on sys.path when this script runs
from evo_l2l.learners import program_curves
from evo_l2l.learners.symbolic import synapse_views
from evo_l2l.rules import chalmers, symbolic as sym
from evo_l2l.tasks import make_boolean_environment


def gp_compile_curves(trees, pset, tasks, n_epochs=10, clip=20.0):
    """DEAP's usual path: gp.compile each tree to a lambda, call it per synapse."""
    funcs = [gp.compile(t, pset) for t in trees]
    out = np.zeros((len(trees), len(tasks), n_epochs + 1))
    for r, f in enumerate(funcs):
        for k in range(len(tasks)):
            n_p, n_i = tasks.n_patterns[k], tasks.n_inputs[k]
            X, y = tasks.X[k, :n_p, :n_i], tasks.Y[k, :n_p, 0]
            w = tasks.W0[k, 0, :n_i].copy()
            for e in range(n_epochs):
                for p in range(n_p):
                    o = 1.0 / (1.0 + np.exp(-(w @ X[p])))
                    for i in range(n_i):
                        wi = w[i] + f(w[i], X[p, i], o, y[p])
                        w[i] = min(max(wi, -clip), clip)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=9)
    ap.add_argument("--rules", type=int, default=100,
                    help="population size (100: the chalmers1990-gp preset)")
    args = ap.parse_args()
    print(f"machine: {cpu_model()}, {platform.machine()}, {os.cpu_count()} cores, "
          f"load average {os.getloadavg()[0]:.1f}")
    rng = np.random.default_rng(0)
    tasks = make_boolean_environment(rng).select("train")
    pset = sym.make_pset(("w", "a", "o", "t"))
    random.seed(0)
    trees = [gp.PrimitiveTree(gp.genHalfAndHalf(pset, 1, 4)) for _ in range(args.rules)]
    sizes = [len(t) for t in trees]
    progs = sym.compile_programs(trees, pset)
    coef = chalmers.decode_bits(rng.integers(0, 2, (args.rules, 35)))
    views = synapse_views(tasks)
    per_rule = tasks.synapse_updates_per_epoch() * 10
    n = args.rules * per_rule
    program_curves(progs, tasks, views=views)
    learning_curves(coef, tasks)
    t_int, t_par = [], []
    for _ in range(args.repeats):
        t0 = time.perf_counter(); program_curves(progs, tasks, views=views); t_int.append(time.perf_counter() - t0)
        t0 = time.perf_counter(); learning_curves(coef, tasks); t_par.append(time.perf_counter() - t0)
    n_slow = 4
    t0 = time.perf_counter()
    gp_compile_curves(trees[:n_slow], pset, tasks)
    t_gp = (time.perf_counter() - t0) / n_slow * args.rules
    t_int, t_par = np.array(t_int), np.array(t_par)
    print(f"workload: {args.rules} rules x {len(tasks)} chalmers tasks x 10 epochs = {n / 1e6:.1f} M updates;"
          f" tree sizes {min(sizes)}-{max(sizes)} (mean {np.mean(sizes):.1f} nodes)")
    print(f"{'implementation':32s} {'M updates/s':>12s}")
    print(f"{'parametric kernel (Chalmers)':32s} {n / np.median(t_par) / 1e6:12.0f}")
    print(f"{'symbolic interpreter':32s} {n / np.median(t_int) / 1e6:12.0f}")
    print(f"{'gp.compile lambdas (Python)':32s} {n / t_gp / 1e6:12.2f}   (timed on {n_slow} rules)")
    print(f"interpreter / parametric (paired median): {np.median(t_par / t_int):.2f}")
    print(f"interpreter / gp.compile: {t_gp / np.median(t_int):.0f}x")
    bench_nets(args.rules, args.repeats)


def paired(f, g, repeats):
    """Median of time(g) / time(f), f and g timed interleaved after a warm-up call each."""
    f(); g()
    ratios = []
    for _ in range(repeats):
        t0 = time.perf_counter(); f(); t1 = time.perf_counter(); g(); t2 = time.perf_counter()
        ratios.append((t2 - t1) / (t1 - t0))
    return float(np.median(ratios))


def bench_nets(n_rules, repeats):
    """The learners of the Bengio presets: interpreter kernels against their parametric ones."""
    import dataclasses
    from evo_l2l.evolution.problem import build_tasks, make_problem
    from evo_l2l.experiments import get_preset
    print(f"\nlearners of the Bengio presets: {n_rules} random trees (depth 1-4) against"
          f" {n_rules} random 16-term rules, the presets' training tasks")
    print(f"{'preset':26s} {'interpreter / parametric (paired median)':>42s}")
    for preset, learner in (("bengio1991-boolean", "two_layer"),
                            ("bengio1991-conditioning", "conditioning")):
        base = get_preset(preset).default_config()
        par = make_problem(base, build_tasks(base))
        cfg = base.with_overrides({"optimizer": "gp", "rule": "symbolic"})
        sy = make_problem(cfg, build_tasks(cfg))
        random.seed(1)
        texts = [str(gp.PrimitiveTree(gp.genHalfAndHalf(sy.pset, 1, 4))) for _ in range(n_rules)]
        coef = np.random.default_rng(1).normal(0, 0.5, (n_rules, 16))
        ratio = paired(lambda: sy.curves(texts), lambda: par.curves(coef), repeats)
        print(f"{preset:26s} {ratio:42.2f}")


if __name__ == "__main__":
    sys.exit(main())
