#!/usr/bin/env python
"""Inner-loop benchmark: synaptic updates per second, ratios measured in one run.

    python scripts/bench_inner.py [--repeats 7] [--quick]
    python scripts/bench_inner.py --contention [--repeats 5]

For three sizes it times, interleaved round by round, the production kernel
(numba, parallel, rules innermost), the previous production kernel
(tests/previous_single_layer.py), the hand-tuned C peer of
../shared/perf (built with gcc when both are there; --peer DIR, or --peer ''
to leave it out), a plain serial numba loop (rule outermost, libm exp) and
vectorised NumPy; checks they agree (bitwise for the previous kernel and the
C peer); gives the kernels the tasks in the order a run's call takes them
(learners.base.task_order, the threads' work balanced) and times each
kernel's call right after an untimed call of the same kernel (warm threads
and caches for all); prints medians and paired ratios (median over rounds of the
per-round ratio, robust to a noisy machine). It first measures the machine's
FMA peak (a numba kernel of independent FMA chains on every thread) and
prints the fraction of it each kernel reaches. Then whole-generation costs of the chalmers1990 preset
(kernel, Python/DEAP, archive) and the CLI's start-up times.
One synaptic update = one weight changed once by the rule.

--contention: the threading settings (evo_l2l's default, numba's OpenMP
spin-waiting, one thread), each in a fresh process, quiet and beside one
busy process (a Python loop spinning on one core): a whole chalmers1990 run
(1000 generations) and the large kernel's throughput, medians of the rounds.
"""
import argparse
import os
import platform
import subprocess
import sys
import tempfile
import time
import types

import numpy as np

from machine import cpu_model

import evo_l2l

# The command line's process set-up (passive OpenMP waiting, numba's start-up shortcuts),
# so that the kernels are timed as `evo-l2l run` runs them; before numba is imported.
evo_l2l.configure_process()

from evo_l2l.kernels import single_layer as K
from evo_l2l.learners import learning_curves
from evo_l2l.learners.base import task_order
from evo_l2l.learners.vectorised_numpy import learning_curves_numpy
from evo_l2l.rules import chalmers
from evo_l2l.tasks import TaskSet, make_boolean_environment


def cache_sizes() -> str:
    """L1d/L2/L3 sizes of CPU 0 as sysfs gives them (per instance), e.g. 'L1d 32K, L2 512K, L3 32768K'."""
    out = []
    base = "/sys/devices/system/cpu/cpu0/cache"
    try:
        for idx in sorted(os.listdir(base)):
            d = os.path.join(base, idx)
            if not idx.startswith("index"):
                continue
            with open(os.path.join(d, "level")) as f:
                level = f.read().strip()
            with open(os.path.join(d, "type")) as f:
                kind = f.read().strip()
            with open(os.path.join(d, "size")) as f:
                size = f.read().strip()
            if kind != "Instruction":
                out.append(f"L{level}{'d' if kind == 'Data' else ''} {size}")
    except OSError:
        return "cache sizes unknown"
    return ", ".join(out) + " (per instance)"


# The count for this algorithm with 8 inputs: 11.06 operations on the FMA pipes per
# synaptic update (forward sums, factors, update, clip, exp, measurement, amortised).
FMA_OPS_PER_UPDATE = 11.06


def fma_peak(seconds: float = 0.3) -> float:
    """Lane-FMAs per second of this machine on every numba thread (independent chains)."""
    from numba import njit, prange
    from evo_l2l.kernels.lanes import fma_chains

    @njit(parallel=True)
    def run(n, out):
        for t in prange(out.shape[0]):
            out[t] = fma_chains(n, 1.0 + t * 1e-9)

    out = np.zeros(64)
    run(10, out)
    n = 1000
    while True:
        t0 = time.perf_counter()
        run(n, out)
        dt = time.perf_counter() - t0
        if dt > seconds:
            return out.shape[0] * n * 48 / dt
        n *= 4


def boolean_tasks(rng, T, P, I, O):
    """T tasks of P random binary patterns, I-1 inputs + bias, O outputs."""
    X = rng.integers(0, 2, (T, P, I)).astype(float)
    X[:, :, -1] = -1.0
    Y = rng.integers(0, 2, (T, P, O)).astype(float)
    W0 = rng.uniform(0, 1, (T, O, I))
    return TaskSet(X, Y, W0, np.full(T, P), np.full(T, I), np.full(T, O), np.zeros(T))


def sizes(rng):
    env = make_boolean_environment(rng).select("train")
    return {
        "chalmers (40 rules x 20 tasks, <=12 pat x <=8 in x 1 out)": (
            chalmers.decode_bits(rng.integers(0, 2, (40, 35))), env),
        "medium (100 rules x 30 tasks x 20 pat x 8 in x 2 out)": (
            rng.normal(0, 0.5, (100, 11)), boolean_tasks(rng, 30, 20, 8, 2)),
        "large (200 rules x 30 tasks x 30 pat x 8 in x 4 out)": (
            rng.normal(0, 0.5, (200, 11)), boolean_tasks(rng, 30, 30, 8, 4)),
    }


def serial(coef, tasks, n_epochs=10, clip=20.0):
    return learning_curves(coef, tasks, n_epochs, clip, serial=True)


def timed(fn, *args):
    t0 = time.perf_counter()
    out = fn(*args)
    return time.perf_counter() - t0, out


def previous_kernel():
    """tests/previous_single_layer.py: the production kernel before kernels/lanes.py."""
    here = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "tests")
    if here not in sys.path:
        sys.path.insert(0, here)
    import previous_single_layer
    return previous_single_layer.train_chalmers_population


def c_peer(perf_dir: str):
    """The tuned C peer of ../shared/perf (no fast-math) as f(coefT, tasks, ...) -> perf (R, T, E+1),
    built with gcc on first use; None if the folder or gcc is missing."""
    import ctypes
    import shutil
    so = os.path.join(os.path.expanduser("~/.cache/evo-perf-build"), "tuned_nofm.so")
    if not perf_dir or not os.path.isdir(perf_dir) or not shutil.which("gcc"):
        return None
    if not os.path.exists(so):
        subprocess.run(["bash", os.path.join(perf_dir, "build.sh")], check=True, capture_output=True)
    fn = ctypes.CDLL(so).train_chalmers_population
    dp, ip = ctypes.POINTER(ctypes.c_double), ctypes.POINTER(ctypes.c_int64)
    fn.restype = None
    fn.argtypes = [dp, dp, dp, dp, ip, ip, ip, ctypes.c_int64, ctypes.c_double, ctypes.c_int64,
                   dp] + [ctypes.c_int64] * 5 + [ctypes.c_int]
    import numba
    threads = numba.get_num_threads()

    def call(coefT, X, Y, W0, n_patterns, n_inputs, n_outputs, n_epochs, clip, block, perf):
        R, (T, P, I), O = coefT.shape[1], X.shape, Y.shape[2]
        out = np.zeros((T, n_epochs + 1, R))         # the peer's layout: (T, E+1, R)
        fn(*(a.ctypes.data_as(dp) for a in (coefT, X, Y, W0)),
           *(a.ctypes.data_as(ip) for a in (n_patterns, n_inputs, n_outputs)),
           n_epochs, clip, block, out.ctypes.data_as(dp), T, P, I, O, R, threads)
        perf[...] = out.transpose(2, 0, 1)
    return call


def bench_kernels(repeats: int, numpy_repeats: int, perf_dir: str) -> None:
    rng = np.random.default_rng(0)
    peak = fma_peak()
    print(f"FMA peak of this machine: {peak / 1e9:.1f} G lane-FMA/s on {os.cpu_count()} cores "
          f"(independent chains on every numba thread); the algorithm's bound at "
          f"{FMA_OPS_PER_UPDATE} FMA-pipe operations per update: {peak / FMA_OPS_PER_UPDATE / 1e6:.0f} M updates/s")
    raw = {"production": K.train_chalmers_population, "previous": previous_kernel()}
    peer = c_peer(perf_dir)
    if peer is not None:
        raw["C peer (tuned)"] = peer
    else:
        print("(no C peer: --peer DIR with ../shared/perf and gcc adds it)")

    def kernel(fn):
        def run(coef, tasks, n_epochs=10, clip=20.0):
            R = len(coef)
            n_blocks = -(-R // 64)
            perf = np.zeros((R, len(tasks.n_patterns), n_epochs + 1))
            fn(np.ascontiguousarray(np.asarray(coef, float).T), tasks.X, tasks.Y, tasks.W0,
               tasks.n_patterns, tasks.n_inputs, tasks.n_outputs, n_epochs, clip,
               -(-R // n_blocks), perf)
            return perf
        return run

    impls = {k: kernel(v) for k, v in raw.items()}
    impls.update({"serial numba": serial, "numpy": learning_curves_numpy})

    def in_run_order(tasks):
        """The tasks in the order a run's kernel call takes them (learners.base.task_order:
        the threads' work balanced), so every kernel here gets the same job
        schedule; their results come back in that order too."""
        order = task_order(tasks)
        return order, types.SimpleNamespace(
            **{k: np.ascontiguousarray(getattr(tasks, k)[order])
               for k in ("X", "Y", "W0", "n_patterns", "n_inputs", "n_outputs")})
    print(f"{'size':58s} {'implementation':>14s} {'M updates/s':>12s} {'of peak':>8s} "
          f"{'vs this':>8s} {'vs serial':>10s} {'vs numpy':>9s}")
    for name, (coef, tasks) in sizes(rng).items():
        n_updates = len(coef) * tasks.synapse_updates_per_epoch() * 10
        ref = learning_curves(coef, tasks)           # also compiles
        serial(coef[:2], tasks)
        order, ordered = in_run_order(tasks)
        args = {impl: (coef, ordered if impl in raw else tasks) for impl in impls}
        for impl, fn in impls.items():
            out = fn(*args[impl])
            if impl in raw:
                if out.tobytes() != np.ascontiguousarray(ref[:, order]).tobytes():
                    sys.exit(f"{impl} is not bitwise the production kernel on {name}")
            elif np.abs(out - ref).max() > 1e-6:
                sys.exit(f"{impl} disagrees with production on {name}")
        times = {k: [] for k in impls}
        for rnd in range(repeats):
            for impl, fn in impls.items():
                if impl == "numpy" and rnd >= numpy_repeats:
                    continue
                if impl in raw:
                    # Why: each kernel's timed call follows an untimed call of its own, so every
                    # one starts with both threads awake and its data in cache. Timed straight
                    # after the single-threaded baselines, the production kernel paid for waking
                    # the idle core and the peer (after the previous kernel) did not: that
                    # order alone moved the medium size's ratio by 10-15%.
                    fn(*args[impl])
                times[impl].append(timed(fn, *args[impl])[0])
        t = {k: np.array(v) for k, v in times.items()}
        m = len(t["numpy"])
        for impl in impls:
            rate = n_updates / np.median(t[impl]) / 1e6
            of_peak = rate * 1e6 * FMA_OPS_PER_UPDATE / peak
            vs = np.median(t[impl][:m] / t["production"][:m]) if impl == "numpy" else \
                np.median(t[impl] / t["production"])
            extra = ""
            if impl == "production":
                extra = (f"{'':>8s} {np.median(t['serial numba'] / t['production']):10.1f}x "
                         f"{np.median(t['numpy'] / t['production'][:m]):8.1f}x")
            print(f"{name:58s} {impl:>14s} {rate:12.0f} {of_peak:8.0%} "
                  + (extra if extra else f"{1 / vs:7.2f}x"))
        print(f"{'':58s} ('vs this': the implementation's speed / production's, paired per round)")


def bench_other_kernels(repeats: int) -> None:
    """The two-layer kernel (Bengio 1991 family) against its previous version, paired."""
    from evo_l2l.kernels import two_layer
    import previous_two_layer      # tests/, on sys.path after previous_kernel()
    rng = np.random.default_rng(1)
    print(f"\n{'two-layer nets (16-term rule)':58s} {'implementation':>14s} {'M updates/s':>12s} {'vs this':>8s}")
    for T, P, I, H, R, E in ((16, 4, 3, 2, 200, 30), (30, 20, 9, 8, 100, 10)):
        X = rng.integers(0, 2, (T, P, I)).astype(float)
        X[:, :, -1] = -1.0
        Y = rng.integers(0, 2, (T, P, 1)).astype(float)
        Wh0, Wo0 = rng.uniform(-1, 1, (T, H, I)), rng.uniform(-1, 1, (T, 1, H + 1))
        args = (np.ascontiguousarray(rng.normal(0, 0.1, (16, R))), X, Y, Wh0, Wo0,
                np.full(T, P), np.full(T, I), E, 20.0, -(-R // -(-R // 64)))
        fns = {"production": two_layer.train_two_layer_population,
               "previous": previous_two_layer.train_two_layer_population}
        outs = {}
        for k, fn in fns.items():
            outs[k] = np.zeros((R, T, E + 1))
            fn(*args, outs[k])
        if outs["production"].tobytes() != outs["previous"].tobytes():
            sys.exit("the two-layer kernel is not bitwise its previous version")
        times = {k: [] for k in fns}
        perf = np.zeros((R, T, E + 1))
        for _ in range(repeats):
            for k, fn in fns.items():
                t0 = time.perf_counter()
                fn(*args, perf)
                times[k].append(time.perf_counter() - t0)
        updates = R * T * P * (H * I + H + 1) * E
        name = f"{R} rules x {T} tasks x {P} pat, {I} in (bias incl.), {H} hidden"
        for k in fns:
            ratio = np.median(np.array(times["production"]) / np.array(times[k]))
            print(f"{name:58s} {k:>14s} {updates / np.median(times[k]) / 1e6:12.0f} "
                  + ("" if k == "production" else f"{ratio:7.2f}x"))
    bench_conditioning(repeats)


def bench_conditioning(repeats: int) -> None:
    """The conditioning circuit's kernel against its previous version, paired."""
    from evo_l2l.kernels import conditioning
    from evo_l2l.tasks import make_conditioning_tasks
    import previous_conditioning   # tests/, on sys.path after previous_kernel()
    rng = np.random.default_rng(2)
    tasks = make_conditioning_tasks(rng)
    R, E = 400, 20
    args = (np.ascontiguousarray(rng.normal(0, 0.3, (16, R))), tasks.X, tasks.Y, tasks.W0,
            tasks.n_patterns, E, 20.0)
    fns = {"production": conditioning.train_conditioning_population,
           "previous": previous_conditioning.train_conditioning_population}
    outs = {}
    for k, fn in fns.items():
        outs[k] = np.zeros((R, len(tasks), E + 1))
        fn(*args, outs[k])
    if outs["production"].tobytes() != outs["previous"].tobytes():
        sys.exit("the conditioning kernel is not bitwise its previous version")
    times = {k: [] for k in fns}
    perf = np.zeros((R, len(tasks), E + 1))
    for _ in range(repeats):
        for k, fn in fns.items():
            t0 = time.perf_counter()
            for _ in range(5):
                fn(*args, perf)
            times[k].append((time.perf_counter() - t0) / 5)
    trials = sum(int((tasks.X[t, :n, 3] == 0).sum()) for t, n in enumerate(tasks.n_patterns))
    updates = R * 2 * trials * E                   # 2 plastic synapses x training trials
    name = f"conditioning, {R} rules x {len(tasks)} tasks"
    print(f"\n{'conditioning circuit (16-term rule)':58s} {'implementation':>14s} {'M updates/s':>12s} {'vs this':>8s}")
    for k in fns:
        ratio = np.median(np.array(times["production"]) / np.array(times[k]))
        print(f"{name:58s} {k:>14s} {updates / np.median(times[k]) / 1e6:12.0f} "
              + ("" if k == "production" else f"{ratio:7.2f}x"))


def bench_generation() -> None:
    from evo_l2l.evolution.run import start_run
    from evo_l2l.experiments import chalmers1990
    with tempfile.TemporaryDirectory() as tmp:
        start_run(chalmers1990.PRESET.default_config(n_generations=3), os.path.join(tmp, "w.h5"))
        walls = []
        for seed in range(3):
            res = start_run(chalmers1990.PRESET.default_config(seed=seed), os.path.join(tmp, f"{seed}.h5"))
            walls.append((res.wall_seconds, res.problem.kernel_seconds, res.write_seconds,
                          res.problem.n_kernel_evaluations))
    w = np.array(walls)
    wall, kern, write = np.median(w[:, 0]), np.median(w[:, 1]), np.median(w[:, 2])
    print(f"\nchalmers1990, full run (1000 generations, population 40), median of 3 seeds:")
    print(f"  wall time            {wall:8.2f} s   ({wall / 1000 * 1e3:.2f} ms per generation)")
    print(f"  in the kernel        {kern:8.2f} s   ({kern / wall:5.1%})")
    print(f"  archive writes       {write:8.3f} s   ({write / wall:5.1%})")
    print(f"  Python, DEAP, rest   {wall - kern - write:8.2f} s   ({(wall - kern - write) / wall:5.1%})")
    print(f"  rules sent to the kernel per run (cache hits skipped): {int(np.median(w[:, 3]))} of 40000")


def bench_cli() -> None:
    # The console script as installed beside this Python (what a venv's `evo-l2l` is; not a
    # version manager's shim, which adds its own start-up), else `python -m evo_l2l`.
    script = os.path.join(os.path.dirname(sys.executable), "evo-l2l")
    exe = [script] if os.access(script, os.X_OK) else [sys.executable, "-m", "evo_l2l"]
    with tempfile.TemporaryDirectory() as tmp:
        def t(args, n=5):
            out = []
            for _ in range(n):
                t0 = time.perf_counter()
                subprocess.run(exe + args, cwd=tmp, check=True, capture_output=True)
                out.append(time.perf_counter() - t0)
            return np.median(out)
        # Warm as `evo-l2l warmup` leaves a machine: numba's cache and evo_l2l's bytecode
        # (an editable install under PYTHONDONTWRITEBYTECODE=1 would recompile ~150 modules).
        import compileall
        import evo_l2l
        compileall.compile_dir(os.path.dirname(evo_l2l.__file__), quiet=2)
        t(["run", "chalmers1990", "--generations", "1", "-q", "--force"], 1)
        print(f"\ncommand line ({' '.join(exe)}; median of 5, warm: numba's cache and the "
              "bytecode):")
        print(f"  evo-l2l --help                                {t(['--help']):6.2f} s")
        print(f"  evo-l2l experiments                           {t(['experiments']):6.2f} s")
        print(f"  evo-l2l run chalmers1990 --generations 1      "
              f"{t(['run', 'chalmers1990', '--generations', '1', '-q', '--force']):6.2f} s")
        print(f"  evo-l2l run chalmers1990 (1000 generations)   "
              f"{t(['run', 'chalmers1990', '-q', '--force'], 3):6.2f} s")


# Child-process settings compared by --contention. The command line (and
# evo_l2l.configure_process) sets OMP_WAIT_POLICY=PASSIVE unless the environment says
# otherwise; "spin" restores OpenMP's default.
SETTINGS = {"evo_l2l default (passive)": {},
            "OpenMP spin-wait": {"OMP_WAIT_POLICY": "ACTIVE"},
            "one thread": {"NUMBA_NUM_THREADS": "1"}}
KERNEL_SNIPPET = """
import time, numpy as np, sys
import evo_l2l
evo_l2l.configure_process()
sys.path.insert(0, {scripts!r})
from bench_inner import boolean_tasks
from evo_l2l.learners import learning_curves
rng = np.random.default_rng(0)
coef, tasks = rng.normal(0, 0.5, (200, 11)), boolean_tasks(rng, 30, 30, 8, 4)
learning_curves(coef, tasks)
t = []
for _ in range(5):
    t0 = time.perf_counter(); learning_curves(coef, tasks); t.append(time.perf_counter() - t0)
print(200 * tasks.synapse_updates_per_epoch() * 10 / np.median(t) / 1e6)
"""


def bench_contention(repeats: int) -> None:
    scripts = os.path.dirname(os.path.abspath(__file__))
    base = {k: v for k, v in os.environ.items()
            if k not in ("OMP_WAIT_POLICY", "NUMBA_NUM_THREADS", "NUMBA_THREADING_LAYER")}
    run_s = {(k, load): [] for k in SETTINGS for load in ("quiet", "busy")}
    rate = {(k, load): [] for k in SETTINGS for load in ("quiet", "busy")}
    with tempfile.TemporaryDirectory() as tmp:
        run = [sys.executable, "-m", "evo_l2l", "run", "chalmers1990", "-q", "--force", "-o",
               os.path.join(tmp, "r.h5")]
        subprocess.run(run[:-2] + ["--generations", "2", "-o", os.path.join(tmp, "w.h5")],
                       check=True, capture_output=True)          # compile into the cache
        for _ in range(repeats):
            for load in ("quiet", "busy"):
                busy = (subprocess.Popen([sys.executable, "-c", "while True: pass"])
                        if load == "busy" else None)
                try:
                    time.sleep(0.3 if busy else 0.0)
                    for name, env in SETTINGS.items():
                        env = {**base, **env}
                        t0 = time.perf_counter()
                        subprocess.run(run, check=True, capture_output=True, env=env)
                        run_s[name, load].append(time.perf_counter() - t0)
                        out = subprocess.run([sys.executable, "-c",
                                              KERNEL_SNIPPET.format(scripts=scripts)],
                                             check=True, capture_output=True, text=True, env=env)
                        rate[name, load].append(float(out.stdout.split()[-1]))
                finally:
                    if busy:
                        busy.kill()
                        busy.wait()
    print(f"threading under contention: medians of {repeats} rounds, each setting in a fresh "
          "process; busy = one other process spinning on one core")
    print(f"{'setting':28s} {'chalmers1990 run, quiet':>24s} {'busy':>8s} "
          f"{'large kernel M/s, quiet':>24s} {'busy':>8s}")
    for name in SETTINGS:
        print(f"{name:28s} {np.median(run_s[name, 'quiet']):22.2f} s {np.median(run_s[name, 'busy']):6.2f} s"
              f" {np.median(rate[name, 'quiet']):24.0f} {np.median(rate[name, 'busy']):8.0f}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=7)
    ap.add_argument("--quick", action="store_true", help="fewer repeats, no CLI timings")
    ap.add_argument("--peer", default=os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                                   "..", "..", "shared", "perf"),
                    help="folder of the C peer (../shared/perf); '' to leave it out")
    ap.add_argument("--contention", action="store_true",
                    help="compare threading settings quiet and beside a busy process")
    args = ap.parse_args()
    import numba
    print(f"machine: {cpu_model()}, {platform.machine()}, {os.cpu_count()} cores, {cache_sizes()},"
          f" load average {os.getloadavg()[0]:.1f}, python {platform.python_version()}, numpy {np.__version__}, numba {numba.__version__},"
          f" threads {numba.get_num_threads()}")
    repeats = 3 if args.quick else args.repeats
    if args.contention:
        bench_contention(repeats)
        return
    bench_kernels(repeats, min(3, repeats), args.peer)
    bench_other_kernels(repeats)
    bench_generation()
    if not args.quick:
        bench_cli()


if __name__ == "__main__":
    main()
