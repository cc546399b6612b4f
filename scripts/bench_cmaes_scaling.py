#!/usr/bin/env python
"""The search's own time per generation (ask + tell, no fitness) of CMA-ES (optimizers/
cmaes.py, full covariance) and sep-CMA-ES (optimizers/sep_cmaes.py, diagonal), by genome
length, on a sphere; interleaved, median of `--repeats` generations each.

    python scripts/bench_cmaes_scaling.py [--dims 100 1118 3000] [--population 24]

1118 is the srwm-fewshot genome. Full CMA-ES decomposes its n x n covariance every
generation (O(n^3)); sep-CMA-ES is O(lambda n).
"""
import argparse
import statistics
import time

import numpy as np


def generation_time(name, n, lam, repeats):
    from evo_l2l.optimizers import OPTIMIZERS
    from evo_l2l.components import GenomeSpec
    opt = OPTIMIZERS.get(name)
    search = opt.create(opt.settings(), GenomeSpec("real", n), lam)
    search.rng.seed(0)
    times = []
    for _ in range(repeats + 1):
        t0 = time.perf_counter()
        batch = search.ask()
        g = np.asarray(batch.genomes)
        search.tell(-np.sum(g * g, axis=1))
        times.append(time.perf_counter() - t0)
    return statistics.median(times[1:])            # the first has no update


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dims", type=int, nargs="+", default=[100, 1118, 3000])
    ap.add_argument("--population", type=int, default=24)
    ap.add_argument("--repeats", type=int, default=5)
    a = ap.parse_args()
    print(f"{'n':>6s} {'cmaes s/gen':>12s} {'sep_cmaes s/gen':>16s} {'ratio':>7s}")
    for n in a.dims:
        full = generation_time("cmaes", n, a.population, a.repeats)
        sep = generation_time("sep_cmaes", n, a.population, a.repeats)
        print(f"{n:6d} {full:12.4f} {sep:16.5f} {full / sep:7.0f}x", flush=True)


if __name__ == "__main__":
    main()
