#!/usr/bin/env python
"""Wall time of a meta-evolution run (schmidhuber1987-meta), and its archive's numbers, so
that two versions of the code can be timed and compared bit for bit.

    python scripts/bench_meta.py [--full | --toy] [--src DIR] [-o OUT.h5] [--compare OTHER.h5]
    python scripts/bench_meta.py --kernel
    python scripts/bench_meta.py --profile [--src DIR]

Default: the shortened run of docs/results/performance.md (2 level-2 generations, 4
training runs below and 2 held-out runs per score):

    evo-l2l run schmidhuber1987-meta --generations 2 --set tasks.n_runs=4
        --set tasks.n_heldout=2 -o OUT.h5 --force -q

--full: the preset's own run (10 generations, 8 runs below per score); --toy: the preset at
toy size for 2 generations (seconds; --profile too), to try the script. --src DIR: run the
code in DIR (e.g. an older commit unpacked with `git archive COMMIT | tar -x -C DIR`)
instead of the installed evo_l2l. A toy run first compiles or loads the kernels, so the
timed run measures the search. Printed: the machine, the load average before and after,
the wall seconds and CPU seconds of the run, and a digest of the archive's generation
arrays (fitness, genomes, runs-below summaries; not times); --compare names the datasets
that differ from another archive.

--profile: the shortened run in this process under cProfile (after a toy run that loads
the kernels), its time split into the numba kernel calls (functions in evo_l2l/kernels),
breeding (evo_l2l/optimizers, DEAP, random) and the rest, and the top functions.

--kernel: the pooled single-layer call (learners/single_layer.py pooled_learning_curves)
on the calling thread and on numba's threads, for 4 to 512 rules on chalmers1990's 20
training tasks: where SERIAL_UPDATES puts the switch.
"""
import argparse
import hashlib
import os
import resource
import subprocess
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from machine import cpu_model  # noqa: E402

SHORT = ["--generations", "2", "--set", "tasks.n_runs=4", "--set", "tasks.n_heldout=2"]
TOY = ["--toy", "--generations", "2"]


def numbers(path: str) -> dict:
    """The archive's generation datasets (time fields left out) as arrays."""
    import h5py
    out = {}
    with h5py.File(path, "r") as f:
        for name, obj in f["generations"].items():
            if "time" not in name and "elapsed" not in name:
                out[name] = obj[()]
    return out


def digest(arrays: dict) -> str:
    h = hashlib.sha256()
    for name in sorted(arrays):
        h.update(name.encode())
        h.update(np.ascontiguousarray(arrays[name]).tobytes())
    return h.hexdigest()[:16]


def evo(args: list, src: str | None) -> list:
    env = dict(os.environ)
    if src:
        env["PYTHONPATH"] = os.path.abspath(src) + os.pathsep + env.get("PYTHONPATH", "")
    return subprocess.run([sys.executable, "-m", "evo_l2l", *args], env=env,
                          capture_output=True, text=True)


def run(opts) -> None:
    warm = opts.output + ".warm.h5"
    done = evo(["run", "schmidhuber1987-meta", "--toy", "--generations", "2", "-o", warm,
                "--force", "-q"], opts.src)
    if done.returncode:
        sys.exit(f"warm-up run failed: {done.stderr.strip()}")
    os.remove(warm)
    size = TOY if opts.toy else [] if opts.full else SHORT
    cmd = ["run", "schmidhuber1987-meta", *size, "-o", opts.output, "--force", "-q"]
    print(f"machine: {cpu_model()}, {os.cpu_count()} cores")
    print("command: evo-l2l " + " ".join(cmd) + (f"  (code from {opts.src})" if opts.src else ""))
    load0 = os.getloadavg()
    cpu0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    done = evo(cmd, opts.src)
    wall = time.perf_counter() - t0
    cpu1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (cpu1.ru_utime - cpu0.ru_utime) + (cpu1.ru_stime - cpu0.ru_stime)
    if done.returncode:
        sys.exit(f"run failed: {done.stderr.strip()}")
    load1 = os.getloadavg()
    arrays = numbers(opts.output)
    print(f"load average before {load0[0]:.2f} / {load0[1]:.2f}, after {load1[0]:.2f} / "
          f"{load1[1]:.2f} (1 / 5 minutes)")
    print(f"wall {wall:.1f} s, CPU {cpu:.1f} s (user + system, every thread); archive digest "
          f"{digest(arrays)}; best fitness per generation "
          + " ".join(f"{x:.6f}" for x in arrays["best_fitness"]))
    if opts.compare:
        other = numbers(opts.compare)
        differ = [n for n in sorted(set(arrays) | set(other))
                  if n not in arrays or n not in other
                  or not np.array_equal(arrays[n], other[n], equal_nan=arrays[n].dtype.kind == "f")]
        print(f"against {opts.compare}: " + (f"{len(differ)} datasets differ: {', '.join(differ)}"
                                             if differ else f"all {len(arrays)} datasets equal"))


def profile(opts) -> None:
    if opts.src:
        sys.path.insert(0, os.path.abspath(opts.src))
    import cProfile
    import pstats
    import tempfile

    import evo_l2l
    evo_l2l.configure_process()        # as the command line runs (OpenMP threads wait passively)
    short = {"n_generations": 2, "tasks__n_runs": 4, "tasks__n_heldout": 2}
    if opts.toy:
        short.update(learner__budget=60, tasks__n_runs=1, tasks__n_heldout=1)
    with tempfile.TemporaryDirectory() as tmp:
        evo_l2l.evolve("schmidhuber1987-meta", os.path.join(tmp, "warm.h5"), n_generations=1,
                       learner__budget=60, tasks__n_runs=1, tasks__n_heldout=1)
        prof = cProfile.Profile()
        t0 = time.perf_counter()
        prof.enable()
        evo_l2l.evolve("schmidhuber1987-meta", os.path.join(tmp, "run.h5"), **short)
        prof.disable()
        wall = time.perf_counter() - t0
    stats = pstats.Stats(prof)
    parts = {"kernels": 0.0, "breeding": 0.0, "rest": 0.0}
    for (path, _, func), (_, _, tottime, _, _) in stats.stats.items():
        path = path.replace(os.sep, "/")
        if "/evo_l2l/kernels/" in path:
            parts["kernels"] += tottime
        elif "/evo_l2l/optimizers/" in path or "/deap/" in path or path.endswith("/random.py") \
                or "_random.Random" in func:
            parts["breeding"] += tottime
        else:
            parts["rest"] += tottime
    total = sum(parts.values())
    print(f"machine: {cpu_model()}, {os.cpu_count()} cores; load average "
          f"{os.getloadavg()[0]:.2f}; code: {os.path.dirname(evo_l2l.__file__)}")
    print(f"evo_l2l.evolve('schmidhuber1987-meta', ..., {short}): {wall:.1f} s under cProfile")
    for name, t in parts.items():
        print(f"  {name:9s} {t:7.1f} s  {100 * t / total:5.1f}%")
    stats.sort_stats("tottime").print_stats(12)


def kernel() -> None:
    import evo_l2l
    evo_l2l.configure_process()
    from evo_l2l.evolution.problem import build_tasks
    from evo_l2l.experiments import PRESETS
    from evo_l2l.learners.single_layer import pool_tasks, pooled_learning_curves
    tasks = build_tasks(PRESETS["chalmers1990"].default_config()).select("train")
    pool, starts = pool_tasks([tasks])
    rows = np.arange(starts[1])
    updates = int((tasks.n_patterns * tasks.n_inputs * tasks.n_outputs).sum()) * 10
    print(f"machine: {cpu_model()}, {os.cpu_count()} cores; load average {os.getloadavg()[0]:.2f}")
    print(f"{'rules':>6s} {'updates':>10s} {'serial ms':>10s} {'threads ms':>11s}")
    for R in (4, 8, 16, 32, 64, 128, 256, 512):
        coef = np.random.default_rng(0).normal(size=(R, 11))
        ms = []
        for serial in (True, False):
            pooled_learning_curves([(coef, rows)], pool, 10, 20.0, serial)
            n = max(5, 3000 // R)
            t0 = time.perf_counter()
            for _ in range(n):
                pooled_learning_curves([(coef, rows)], pool, 10, 20.0, serial)
            ms.append((time.perf_counter() - t0) / n * 1e3)
        print(f"{R:6d} {R * updates:10d} {ms[0]:10.3f} {ms[1]:11.3f}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--full", action="store_true", help="the preset's whole run")
    ap.add_argument("--toy", action="store_true", help="the preset at toy size (seconds)")
    ap.add_argument("--src", help="run the evo_l2l package in this directory")
    ap.add_argument("-o", "--output", default="bench-meta.h5", help="archive to write")
    ap.add_argument("--compare", help="an archive of the same command to compare with")
    ap.add_argument("--kernel", action="store_true", help="time the pooled kernel call only")
    ap.add_argument("--profile", action="store_true",
                    help="profile the shortened run in this process")
    opts = ap.parse_args()
    if opts.full and opts.toy:
        ap.error("--full and --toy are two sizes: give one")
    if opts.compare and not os.path.exists(opts.compare):
        ap.error(f"--compare: no such file {opts.compare}")
    if opts.kernel:
        kernel()
    elif opts.profile:
        profile(opts)
    else:
        run(opts)


if __name__ == "__main__":
    main()
