#!/usr/bin/env python
"""Throughput of the AutoML-Zero interpreter on one core: full evaluations per second
(10 search tasks of 100 + 100 examples) of an archived population, with the live-row fast
path (kernels.programs.live_pack, what runs) and without it (every row), interleaved.

    NUMBA_NUM_THREADS=1 taskset -c 0 python scripts/bench_automl_zero.py RUN.h5 [--repeats 7]
    python scripts/bench_automl_zero.py --toy          # seconds (tests): a toy run of its own

Also the fingerprints per second (10 + 10 examples of one task). Prints the best of
`repeats` timings of each; the machine and its load are yours to state beside them.
"""
import argparse
import os
import tempfile
import time

import numpy as np

from evo_l2l.archive import open_run
from evo_l2l.evolution.problem import build_tasks, make_problem
from evo_l2l.kernels import programs as kp
from evo_l2l.learners import programs as lp
from evo_l2l.rules import programs as pg


def raw_scores(packed, view, sizes):
    code, imm, bounds = packed
    out = np.zeros((len(bounds), len(view.X)))
    kp.program_scores(code, imm, bounds, view.X, view.Y, view.n_train, view.n_valid,
                      view.seeds, *sizes, view.classify, view.squash, view.max_abs_error, out)
    return out


def best_of(fn, repeats):
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("run", nargs="?")
    ap.add_argument("--repeats", type=int, default=7)
    ap.add_argument("--toy", action="store_true")
    args = ap.parse_args()
    path = args.run
    if args.toy:
        from evo_l2l.evolution.run import start_run
        from evo_l2l.experiments import automl_zero as az
        path = os.path.join(tempfile.mkdtemp(), "toy.h5")
        start_run(az.linear.default_config(**az.linear.toy, n_generations=3, population=20), path)
    run = open_run(path)
    problem = make_problem(run.config, build_tasks(run.config))
    pop = [t.decode() if isinstance(t, bytes) else str(t)
           for t in run.generations["population_genome"][-1]]
    view, sizes = problem._views["train"], problem.sizes
    packed = problem._pack(pop)
    live = kp.live_pack(*packed, max(sizes))
    assert np.array_equal(raw_scores(packed, view, sizes), raw_scores(live, view, sizes))
    n_rows = [len(packed[0]) / len(pop), len(live[0]) / len(pop)]
    t_all = t_live = t_pack = 1e9
    for _ in range(args.repeats):                  # interleaved: the same load on both
        t_all = min(t_all, best_of(lambda: raw_scores(packed, view, sizes), 1))
        t_live = min(t_live, best_of(lambda: raw_scores(live, view, sizes), 1))
        t_pack = min(t_pack, best_of(lambda: lp.scores(problem._pack(pop), view, sizes), 1))
    t_fp = best_of(lambda: problem.fingerprints(pop), args.repeats)
    n = len(pop)
    print(f"{n} programs of {path} (last population), {len(view.X)} tasks of "
          f"{view.n_train} + {view.n_valid} examples, numba threads {os.environ.get('NUMBA_NUM_THREADS', 'all')}")
    print(f"instructions per program: {n_rows[0]:.1f}, live {n_rows[1]:.1f}")
    print(f"every row:   {n / t_all:9.0f} full evaluations/s")
    print(f"live rows:   {n / t_live:9.0f} full evaluations/s ({t_all / t_live:.2f}x)")
    print(f"as the search calls it (parse cache, pack, live rows, kernel): {n / t_pack:9.0f}/s")
    print(f"fingerprints: {n / t_fp:9.0f}/s")


if __name__ == "__main__":
    main()
