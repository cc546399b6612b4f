#!/usr/bin/env python
"""Executors benchmark: Dask workers vs one, Dask's overhead, many seeds; ratios in one run.

    python scripts/bench_executors.py [--rounds 3] [--quick] [--skip heavy,overhead,seeds,steady]

1. heavy: a GP run on a large task set (chalmers1990-gp with 10x the tasks, 264, and
   100 epochs; population 200, 10 generations) on a LocalCluster of 2 single-threaded
   workers vs one of 1 worker (goal: >= 1.8x), and in-process (numba's threads) beside.
2. overhead: chalmers1990 (1000 generations) in-process vs on a 2-worker LocalCluster,
   as shipped (batches under MIN_CALL_SECONDS of work stay in the driver) and with every
   batch sent to the workers (min_call_seconds=0; first round only: it is slow and shows
   the cost of a round trip); cluster start-up timed apart.
4. steady: the steady-state search (optimizer aging: batches of 16 children, 4 calls in
   flight, no generation barrier) on chalmers1990 with 10x the tasks and 100 epochs,
   population 200, 2000 children: 2 Dask workers vs 1 (goal >= 1.8x), beside the
   generational GA at the same number of children (its barrier and driver work idle the
   workers); every archive checked against the in-process one.
3. seeds: chalmers1990 (1000 generations), seeds 0-9: ten `evo-l2l run --seed S`
   commands one after another vs one `evo-l2l run --seeds 0-9` (in-process, one after
   another), `--workers 2` and `--dask-local 2`: wall times of the commands.

Runs are timed interleaved round by round in one process; ratios are the median over
rounds of each round's ratio (robust to a shared machine's drift). Each section prints
the load average before and after it. Every executor's archive is checked to be the
in-process one, array for array.
"""
import argparse
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np

from machine import cpu_model

from evo_l2l import open_run
from evo_l2l.evolution.executors import DaskExecutor
from evo_l2l.evolution.run import start_run
from evo_l2l.experiments import PRESETS


def load() -> str:
    return "load average " + " ".join(f"{x:.2f}" for x in os.getloadavg())


def arrays(path) -> dict:
    run = open_run(path)
    return {k: v for k, v in run.generations.items() if k != "wall_time"}


def same(a, b) -> bool:
    return a.keys() == b.keys() and all(np.array_equal(a[k], b[k]) for k in a)


def timed_run(config, path, executor=None, parts: list | None = None) -> float:
    """Wall seconds of a run; `parts` gets (seconds in the kernels, the rest) of an
    in-process run (the rest is the driver's own work: operators, trees, archive)."""
    t0 = time.perf_counter()
    result = start_run(config, path, force=True, executor=executor)
    wall = time.perf_counter() - t0
    assert result.status == "complete", result.status
    if parts is not None:
        parts.append((result.problem.kernel_seconds, wall - result.problem.kernel_seconds))
    return wall


def warm(config, tmp) -> None:
    """Loads the kernels in this process before anything is timed."""
    timed_run(config.with_overrides({"run.n_generations": 2}), os.path.join(tmp, "warm.h5"))


def counts(ex) -> tuple:
    """Batches sent to the workers, calls they took, batches kept in the driver."""
    return ex.n_remote_batches, ex.n_remote_calls, ex.n_local_batches


def median_ratio(num, den) -> float:
    return statistics.median(a / b for a, b in zip(num, den))


def heavy(args, tmp) -> None:
    # 10x the tasks of each shape that has that many distinct mappings (4x2 has not).
    shapes = [[10 * c if p >= 8 else c, p, n] for c, p, n in
              PRESETS["chalmers1990-gp"].default_config().tasks.settings.shapes]
    config = PRESETS["chalmers1990-gp"].default_config(
        n_generations=args.heavy_generations, population=args.heavy_population,
        **{"tasks.shapes": shapes, "learner.n_epochs": 100})
    n_tasks = sum(s[0] for s in shapes)
    print(f"\n1. heavy: chalmers1990-gp, {n_tasks} tasks, 100 epochs, population "
          f"{config.run.population}, {config.run.n_generations} generations  ({load()})")
    t0 = time.perf_counter()
    one, two = DaskExecutor.local(1), DaskExecutor.local(2)
    print(f"   two LocalClusters started in {time.perf_counter() - t0:.1f} s")
    times = {"in-process": [], "dask 1 worker": [], "dask 2 workers": []}
    ref = os.path.join(tmp, "heavy-ref.h5")
    parts: list = []
    warm(config, tmp)
    try:
        for r in range(args.rounds):
            times["in-process"].append(timed_run(config, ref, parts=parts))
            times["dask 1 worker"].append(timed_run(config, os.path.join(tmp, "h1.h5"), one))
            times["dask 2 workers"].append(timed_run(config, os.path.join(tmp, "h2.h5"), two))
            print(f"   round {r + 1}: " + ", ".join(f"{k} {v[-1]:.2f} s" for k, v in times.items()))
    finally:
        one.close()
        two.close()
    ok = same(arrays(ref), arrays(os.path.join(tmp, "h1.h5"))) and \
        same(arrays(ref), arrays(os.path.join(tmp, "h2.h5")))
    for k, v in times.items():
        print(f"   {k:16s} median {statistics.median(v):6.2f} s")
    kernel = statistics.median(p[0] for p in parts)
    rest = statistics.median(p[1] for p in parts)
    print(f"   in-process run: {kernel:.2f} s in the kernels, {rest:.2f} s the driver's own work "
          f"({rest / (kernel + rest):.0%}: the share two workers cannot halve)")
    print(f"   2 dask workers vs 1: {median_ratio(times['dask 1 worker'], times['dask 2 workers']):.2f}x"
          f" (goal >= 1.8x); vs in-process: "
          f"{median_ratio(times['in-process'], times['dask 2 workers']):.2f}x")
    print(f"   archives identical to in-process: {ok}  ({load()})")


def steady(args, tmp) -> None:
    base = PRESETS["chalmers1990"].default_config()
    shapes = [[10 * c if p >= 8 else c, p, n] for c, p, n in base.tasks.settings.shapes]
    common = {"tasks.shapes": shapes, "learner.n_epochs": 100}
    pop, gens = args.heavy_population, args.heavy_generations
    configs = {
        "aging": PRESETS["chalmers1990"].default_config(
            n_generations=gens, population=pop, **common).with_overrides(
            {"optimizer": "aging", "optimizer.children_per_call": 16,
             "optimizer.in_flight": 4}),
        "ga": PRESETS["chalmers1990"].default_config(n_generations=gens, population=pop,
                                                     **common),
    }
    n_tasks = sum(s[0] for s in shapes)
    print(f"\n4. steady: chalmers1990, {n_tasks} tasks, 100 epochs, population {pop}, "
          f"{gens} generations of {pop} children  ({load()})")
    one, two = DaskExecutor.local(1), DaskExecutor.local(2)
    times = {f"{o} {w}": [] for o in configs for w in ("1 worker", "2 workers")}
    ok = True
    try:
        for name, config in configs.items():
            warm(config, tmp)
        for r in range(args.rounds):
            for name, config in configs.items():
                times[f"{name} 1 worker"].append(
                    timed_run(config, os.path.join(tmp, f"s-{name}-1.h5"), one))
                times[f"{name} 2 workers"].append(
                    timed_run(config, os.path.join(tmp, f"s-{name}-2.h5"), two))
            print(f"   round {r + 1}: " + ", ".join(f"{k} {v[-1]:.2f} s" for k, v in times.items()))
        for name, config in configs.items():
            ref = os.path.join(tmp, f"s-{name}-ref.h5")
            timed_run(config, ref)
            ok = ok and all(same(arrays(ref), arrays(os.path.join(tmp, f"s-{name}-{w}.h5")))
                            for w in (1, 2))
    finally:
        one.close()
        two.close()
    for name in configs:
        print(f"   {name:6s} 2 dask workers vs 1: "
              f"{median_ratio(times[f'{name} 1 worker'], times[f'{name} 2 workers']):.2f}x "
              f"(medians {statistics.median(times[f'{name} 1 worker']):.2f} s / "
              f"{statistics.median(times[f'{name} 2 workers']):.2f} s)")
    print(f"   goal for the steady-state search: >= 1.8x; archives identical to in-process: "
          f"{ok}  ({load()})")


def overhead(args, tmp) -> None:
    config = PRESETS["chalmers1990"].default_config(n_generations=args.overhead_generations)
    n = config.run.n_generations
    print(f"\n2. overhead: chalmers1990, {n} generations, population {config.run.population}"
          f"  ({load()})")
    t0 = time.perf_counter()
    shipped = DaskExecutor.local(2)
    startup = time.perf_counter() - t0
    forced = DaskExecutor.local(2, min_call_seconds=0)
    print(f"   LocalCluster (2 workers) start-up {startup:.2f} s (not in the run times)")
    times = {"in-process": [], "dask, as shipped": [], "dask, every batch remote": []}
    ref = os.path.join(tmp, "ov-ref.h5")
    warm(config, tmp)
    calls = {}
    executors = {"dask, as shipped": shipped, "dask, every batch remote": forced}
    try:
        for r in range(args.rounds):
            times["in-process"].append(timed_run(config, ref))
            for i, (label, ex) in enumerate(executors.items()):
                if ex is forced and r > 0:
                    continue            # one round: it is slow, and only shows a round trip's cost
                before = counts(ex)
                times[label].append(timed_run(config, os.path.join(tmp, f"ov{i + 1}.h5"), ex))
                calls[label] = tuple(b - a for a, b in zip(before, counts(ex)))
            print(f"   round {r + 1}: " + ", ".join(f"{k} {v[-1]:.2f} s" for k, v in times.items()
                                                  if len(v) == r + 1))
    finally:
        shipped.close()
        forced.close()
    ok = same(arrays(ref), arrays(os.path.join(tmp, "ov1.h5"))) and \
        same(arrays(ref), arrays(os.path.join(tmp, "ov2.h5")))
    base = statistics.median(times["in-process"])
    for k, v in times.items():
        m = statistics.median(v)
        print(f"   {k:26s} median {m:6.2f} s  ({1e3 * m / n:.2f} ms a generation; "
              f"{median_ratio(v, times['in-process'][:len(v)]):.2f}x the in-process time, "
              f"{1e3 * (m - base) / n:+.2f} ms a generation)")
    for label, (batches, n_calls, local) in calls.items():
        print(f"   {label}: {batches} batches sent to the workers in {n_calls} calls, {local} "
              "kept in the driver (its last run)")
    print(f"   archives identical to in-process: {ok}  ({load()})")


def seeds(args, tmp) -> None:
    n_seeds, gens = args.seeds, args.seed_generations
    print(f"\n3. seeds: chalmers1990, {gens} generations, seeds 0-{n_seeds - 1} (commands, "
          f"wall time)  ({load()})")
    cli = [sys.executable, "-m", "evo_l2l", "run", "chalmers1990", "--generations", str(gens),
           "--force", "-q"]

    def command(extra) -> float:
        t0 = time.perf_counter()
        subprocess.run(cli + extra, check=True, stdout=subprocess.DEVNULL, cwd=tmp)
        return time.perf_counter() - t0
    times = {}
    t0 = time.perf_counter()
    for s in range(n_seeds):
        command(["--seed", str(s), "-o", os.path.join(tmp, f"seq{s}.h5")])
    times[f"{n_seeds} commands, one after another"] = time.perf_counter() - t0
    seed_list = f"0-{n_seeds - 1}"
    for label, tag, extra in [("--seeds, in-process", "inproc", []),
                              ("--seeds --workers 2", "pool", ["--workers", "2"]),
                              ("--seeds --dask-local 2", "dask", ["--dask-local", "2"])]:
        out = os.path.join(tmp, tag + "-{seed}.h5")
        times[label] = command(["--seeds", seed_list, "-o", out, *extra])
        print(f"   {label}: {times[label]:.1f} s")
    seq = times[f"{n_seeds} commands, one after another"]
    for k, v in times.items():
        print(f"   {k:34s} {v:6.1f} s  ({seq / v:.2f}x the {n_seeds} commands)")
    ok = all(same(arrays(os.path.join(tmp, f"seq{s}.h5")), arrays(os.path.join(tmp, f"{tag}-{s}.h5")))
             for s in range(n_seeds) for tag in ("inproc", "pool", "dask"))
    print(f"   archives identical to the single commands': {ok}  ({load()})")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--quick", action="store_true", help="toy sizes (a smoke test)")
    ap.add_argument("--skip", default="", help="comma-separated sections to skip")
    args = ap.parse_args()
    args.heavy_population, args.heavy_generations = (40, 2) if args.quick else (200, 10)
    args.overhead_generations = 20 if args.quick else 1000
    args.seeds, args.seed_generations = (2, 5) if args.quick else (10, 1000)
    import dask
    import numba
    print(f"machine: {cpu_model()}, {platform.machine()}, {os.cpu_count()} cores, {load()}, "
          f"python {platform.python_version()}, numpy {np.__version__}, numba "
          f"{numba.__version__}, dask {dask.__version__}")
    skip = set(filter(None, args.skip.split(",")))
    with tempfile.TemporaryDirectory() as tmp:
        for name, section in (("heavy", heavy), ("overhead", overhead), ("seeds", seeds),
                              ("steady", steady)):
            if name not in skip:
                section(args, tmp)


if __name__ == "__main__":
    main()
