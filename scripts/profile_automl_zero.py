#!/usr/bin/env python
"""Where an AutoML-Zero search spends its CPU time: `automl-zero-linear-demo` as
bench_automl_zero_cpp.py runs it (population 1000, archived every 10,000 children, one
experiment), with the CPU seconds of each part of the driver loop (measured by wrapping the
methods that do it; the parts nest as indented).

    NUMBA_NUM_THREADS=1 python scripts/profile_automl_zero.py [--generations 31] [--seed 1]

31 generations: 301,000 children. `--select-top 1` scores only the best program on the
selection tasks at each archived generation, as the paper's code does once at the end.
"""
import argparse
import collections
import os
import tempfile
import time

import evo_l2l
from evo_l2l.archive import writer as aw
from evo_l2l.evolution import program_problem as pp
from evo_l2l.kernels import mt19937, program_breeding
from evo_l2l.learners import programs as lp
from evo_l2l.optimizers import program_search as ps

PARTS = [  # (owner, method, label): the label's indent is the nesting
    (ps.ProgramSearch, "breed", "breed"),
    (program_breeding, "breed", "  compiled breeding"),
    (mt19937, "load", "  random state in"),
    (mt19937, "store", "  random state out"),
    (pp.ProgramProblem, "evaluate", "evaluate"),
    (lp, "live_rows", "  pack and prune"),
    (pp.ProgramProblem, "_fingerprints_live", "  fingerprints"),
    (pp, "fingerprint_keys", "    hashing"),
    (pp.LRU, "plan", "  FEC lookups"),
    (pp.ProgramProblem, "_full", "  full evaluations"),
    (pp.LRU, "fill", "  FEC fill"),
    (ps.ProgramSearch, "integrate", "integrate"),
    (ps.ProgramSearch, "population", "population texts"),
    (pp.ProgramProblem, "select_from", "selection stage"),
    (aw.ArchiveWriter, "__call__", "archive writes"),
]


def timed(seconds, label, f):
    def g(*a, **k):
        t = time.process_time()
        try:
            return f(*a, **k)
        finally:
            seconds[label] += time.process_time() - t
    return g


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--generations", type=int, default=31)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--select-top", type=int, default=None,
                    help="rule.select_top (default: the preset's)")
    args = ap.parse_args()
    if args.generations < 1:
        raise SystemExit("--generations must be at least 1")
    seconds = collections.Counter()
    for owner, name, label in PARTS:
        setattr(owner, name, timed(seconds, label, getattr(owner, name)))
    extra = {} if args.select_top is None else {"rule__select_top": args.select_top}
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "run.h5")
        t = time.process_time()
        evo_l2l.evolve("automl-zero-linear-demo", path, run__seed=args.seed, population=1000,
                       n_generations=args.generations, optimizer__generation_size=10000,
                       rule__experiment_size=0, rule__sufficient_fitness=0, **extra)
        total = time.process_time() - t
    print(f"children: {1000 + 10000 * (args.generations - 1)}")
    print(f"{'total CPU s (evolve)':28s} {total:7.2f}")
    for _, _, label in PARTS:
        print(f"{label:28s} {seconds[label]:7.2f}")


if __name__ == "__main__":
    main()
