#!/usr/bin/env python
"""What limits a Dask run beyond one machine, measured here, and a model of more workers.

    nice -n 15 python scripts/measure_scaling.py [--workers 1,2] [--quick] [--json FILE]

For the heavy presets (meta-evolution `schmidhuber1987-meta` with runs below of 1000
evaluations, 4 a genome, so that a generation takes seconds; AutoML-Zero
`automl-zero-linear-demo` and few-shot `fewshot-digits` at their own sizes; a few
generations each, see ROWS) on a Dask LocalCluster of each worker count given:

(a) per-task overhead: a trivial task (the builtin `abs`) through the executor, one at a
    time (round-trip latency) and 200 at once (20 with --quick; wall and driver CPU per
    task), beside the same call in this process; once more with a scheduler in a process
    of its own (`dask scheduler` and a `dask worker` started here, as on a cluster), which
    splits the per-task CPU between the driver (the client) and the scheduler;
(b) bytes per task: the pickled size (protocol 5) of what the executor submits, the
    function and its argument, and of what comes back; and the same for batches of 1, 4
    and 16 rules (or runs below) a task, from the run's own population;
(c) per generation (generation 0, with its kernel loading and problem installation, left
    out): the driver's CPU split into breeding, the problem's evaluation bookkeeping, FEC
    and the selection stage (AutoML-Zero), the held-out evaluation of the generation's
    best, kernels run in the driver (training batches too small to send, as shipped),
    client calls (submit, wait, gather), archive writing and the rest of the loop; the
    CPU of the Dask IO loop, which in a LocalCluster runs the client's comms and the
    scheduler in the driver's process; and the workers' compute (task durations from
    Dask's task stream).

The script's own pickling for (b) is timed and taken out of the driver's CPU. The
`[all remote]` row is AutoML-Zero with every batch sent (min_call_seconds=0): as shipped
its batches (tens of programs, about a millisecond of work) never leave the driver.

From the inputs measured on the first worker count it prints a model of the wall time
per generation with W workers (labelled model output):

    T(W) = D + R*o + n(W)*s + sum over rounds r of span_r(W)
    span_r(W) = max(C_r / min(W, n_r(W)), the longest indivisible piece of round r)

D the driver's CPU a generation besides its client calls; R the rounds a generation
(executor calls the driver waits for: the generation barrier, a steady search's batch
with one call in flight, a held-out evaluation); o the trivial task's round trip; n_r(W)
the tasks of round r with W workers (the executor's own `cut` for fitness batches: at
least 30 ms of work a call, at most 4 calls a worker; a map's items otherwise); s the
driver's CPU per task: the trivial task's (client calls and IO loop), or the run's client
and IO-loop CPU a task beyond the loop's idle rate when that is more; C_r the workers'
compute in round r; a piece is one rule (fitness) or one task (a map's item).

Assumed: the driver's work and per-task costs are serial with the workers' compute (a
generation barrier; true of the three presets as shipped), the driver has one core (D
counts the CPU of numba's threads in its kernels), compute splits evenly over
tasks, the network adds nothing beyond the measured localhost round trip, the scheduler
keeps up (its CPU per task is in s, here in the driver's process), batches kept in the
driver stay there at any W. The driver is the bottleneck from the first W at which its
serial part D + R*o + n(W)*s exceeds the workers' span. Two variants at 512 workers, also
model output: "overlap", a steady-state driver with enough calls in flight (max of the
serial part and the span instead of their sum); "apart", the held-out evaluation of each
generation's best taken off the barrier (run beside the next generation's search).
"""
from __future__ import annotations

import argparse
import json
import os
import pickle
import platform
import statistics
import sys
import tempfile
import time
from contextlib import contextmanager

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from machine import cpu_model  # noqa: E402

from evo_l2l.evolution import executors as ex_mod  # noqa: E402
from evo_l2l.evolution.evaluator import cut  # noqa: E402
from evo_l2l.evolution.executors import DaskExecutor  # noqa: E402

MODEL_WORKERS = (1, 2, 8, 64, 512)
BATCH_SIZES = (1, 4, 16)
CATEGORIES = ("breeding", "evaluate", "fec", "selection", "heldout", "kernels_in_driver",
              "client", "archive", "other")

# (label, preset, overrides, generations, min_call_seconds or None for the executor's own);
# the full sizes, then the --quick ones.
ROWS = {
    "full": [
        ("schmidhuber1987-meta", "schmidhuber1987-meta",
         {"learner.budget": 1000, "tasks.n_runs": 4, "tasks.n_heldout": 2}, 4, None),
        ("automl-zero-linear-demo", "automl-zero-linear-demo", {}, 5, None),
        ("automl-zero-linear-demo [all remote]", "automl-zero-linear-demo", {}, 5, 0.0),
        ("fewshot-digits", "fewshot-digits", {}, 4, None),
    ],
    "quick": [
        ("schmidhuber1987-meta", "schmidhuber1987-meta",
         {"learner.budget": 100, "tasks.n_runs": 2, "tasks.n_heldout": 1,
          "run.population": 4}, 2, None),
        ("automl-zero-linear-demo", "automl-zero-linear-demo",
         {"run.population": 20, "optimizer.children_per_call": 10}, 2, None),
        ("automl-zero-linear-demo [all remote]", "automl-zero-linear-demo",
         {"run.population": 20, "optimizer.children_per_call": 10}, 2, 0.0),
        ("fewshot-digits", "fewshot-digits",
         {"tasks.n_train_episodes": 8, "tasks.n_heldout": 4, "tasks.n_hidden": 8,
          "run.population": 8}, 2, 0.0),
    ],
}


def commit() -> str:
    """The evo_l2l checkout's commit (and "+" if it has changes), else "unknown"."""
    import subprocess
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=root, text=True,
                              capture_output=True, timeout=10).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no",
                                "evo_l2l"], cwd=root, text=True, capture_output=True,
                               timeout=10).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return (head + ("+" if dirty else "")) if head else "unknown"


def load() -> list:
    return [round(x, 2) for x in os.getloadavg()]


# -- CPU clocks: the Dask IO loop apart from the driver's own work ---------------------------
def loop_cpu() -> float:
    """CPU seconds of this process's Dask IO loop thread(s): the client's comms and, in a
    LocalCluster, the scheduler."""
    import threading
    total = 0.0
    for t in threading.enumerate():
        if t.name == "IO loop" and t.ident is not None:
            try:
                total += time.clock_gettime(time.pthread_getcpuclockid(t.ident))
            except (OSError, ProcessLookupError):
                pass
    return total


def driver_cpu() -> float:
    """CPU seconds of the driver's own work: this process but its Dask IO loop (the main
    thread, and numba's threads while the main thread runs a kernel). The loop's clock is
    read on both sides of the process's, again while the loop ran in between (this thread
    preempted on a busy machine), so that its CPU is not counted as the driver's."""
    for _ in range(10):
        before = loop_cpu()
        process = time.process_time()
        after = loop_cpu()
        if after - before < 2e-5:
            break
    return process - 0.5 * (before + after)


def process_cpu(pid: int) -> float:
    """CPU seconds of every thread of process `pid` (Linux schedstat: nanoseconds)."""
    total = 0
    for tid in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{tid}/schedstat") as f:
                total += int(f.read().split()[0])
        except (OSError, ValueError, IndexError):
            pass
    return total / 1e9


@contextmanager
def scheduler_apart(n_workers: int, tmp: str):
    """A `dask scheduler` process and a `dask worker` process (of `n_workers` workers,
    without a nanny: 1) started here, as on a cluster (the scheduler out of the driver's
    process); yields (executor, scheduler pid). Both are stopped at the end."""
    import subprocess

    from evo_l2l.evolution.executors import WORKER_ENV
    info = os.path.join(tmp, "scheduler.json")
    quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
    env = dict(os.environ, **WORKER_ENV)
    procs = [subprocess.Popen([sys.executable, "-m", "distributed.cli.dask_scheduler",
                               "--host", "127.0.0.1", "--port", "0", "--no-dashboard",
                               "--scheduler-file", info], env=env, **quiet)]
    executor = None
    try:
        deadline = time.time() + 60
        while not os.path.exists(info) and time.time() < deadline:
            time.sleep(0.1)
        time.sleep(0.2)                               # the file is written in one go
        with open(info) as f:
            address = json.load(f)["address"]
        procs.append(subprocess.Popen(
            [sys.executable, "-m", "distributed.cli.dask_worker", address, "--nworkers",
             str(n_workers), "--nthreads", "1", "--no-dashboard", "--no-nanny"], env=env,
            **quiet))
        executor = MeasuredDask.connect(address, timeout=30)
        yield executor, procs[0].pid
    finally:
        if executor is not None:
            executor.close()
        for proc in reversed(procs):
            proc.terminate()
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


class Timers:
    """Exclusive driver CPU seconds (driver_cpu) by category (a nested timed call's time
    goes to its own category, not to its caller's). While `heldout` is set (the held-out
    evaluation of a generation's best), the driver's work goes to "heldout", its client
    calls and the measurement's pickling still to their own."""

    def __init__(self):
        self.seconds = {c: 0.0 for c in CATEGORIES + ("measurement",)}
        self._stack: list = []
        self.heldout = False

    @contextmanager
    def timing(self, category: str):
        if self.heldout and category not in ("client", "measurement"):
            category = "heldout"
        frame = [driver_cpu(), 0.0]                # start, children's time
        self._stack.append(frame)
        try:
            yield
        finally:
            self._stack.pop()
            total = driver_cpu() - frame[0]
            self.seconds[category] += total - frame[1]
            if self._stack:
                self._stack[-1][1] += total

    def wrap(self, obj, name: str, category: str) -> None:
        """obj.name, timed as `category` (an attribute on the instance: the class is left
        alone)."""
        fn = getattr(obj, name, None)
        if fn is None:
            return

        def timed(*a, **kw):
            with self.timing(category):
                return fn(*a, **kw)
        setattr(obj, name, timed)

    def wrap_evaluate(self, problem) -> None:
        """problem.evaluate timed as "evaluate", or as "heldout" on the held-out split."""
        fn = problem.evaluate

        def timed(genomes, split="train", *a, **kw):
            outer = self.heldout
            self.heldout = outer or split == "heldout"
            try:
                with self.timing("evaluate"):
                    return fn(genomes, split, *a, **kw)
            finally:
                self.heldout = outer
        problem.evaluate = timed


class MeasuredDask(DaskExecutor):
    """DaskExecutor that records its rounds (map calls, and batches kept in the driver),
    bytes per task and the driver's CPU in its client calls; its behaviour is the
    parent's."""

    def __init__(self, *a, **kw):
        super().__init__(*a, **kw)
        self.timers = Timers()
        self.rounds: list = []
        self.sent: list = []           # pickled bytes of (fn, item) per task
        self.received: list = []       # pickled bytes of each result
        self.pickle_seconds: list = []  # dumps of what is sent + loads of what comes back
        self._fitness_call = None

    def fitness(self, problem, split, rules):
        local_before = self.n_local_batches
        self._fitness_call = (len(rules), int(problem.chunk[split]))
        try:
            return super().fitness(problem, split, rules)
        finally:
            self._fitness_call = None
            if self.n_local_batches > local_before:
                self.rounds.append({"kind": "local", "t0": 0.0, "t1": 0.0,
                                    "heldout": self.timers.heldout})

    def map(self, fn, items):
        items = list(items)
        dumps = self._note(items, fn, self.sent)
        t0 = time.time()
        with self.timers.timing("client"):
            out = super().map(fn, items)
        t1 = time.time()
        loads = self._note(out, None, self.received)
        self.pickle_seconds.extend(a + b for a, b in zip(dumps, loads))
        n_rules, chunk = self._fitness_call or (None, None)
        self.rounds.append({"kind": "fitness" if n_rules else "map", "fn": fn.__name__,
                            "t0": t0, "t1": t1, "n": len(items), "rules": n_rules,
                            "chunk": chunk, "heldout": self.timers.heldout})
        return out

    def _note(self, objs, fn, into: list) -> list:
        """Appends to `into` the pickled size of each of objs (as (fn, obj), what is sent,
        when fn is given); returns the CPU seconds of pickling each (what is sent) or of
        unpickling it (what comes back). Timed as the script's own measurement."""
        seconds = []
        with self.timers.timing("measurement"):
            for obj in objs:
                t = time.thread_time()
                blob = pickle.dumps((fn, obj) if fn is not None else obj, protocol=5)
                if fn is None:
                    t = time.thread_time()
                    pickle.loads(blob)
                seconds.append(time.thread_time() - t)
                into.append(len(blob))
        return seconds


# -- (a) per-task overhead ----------------------------------------------------------------
def overhead(executor, n_latency: int, n_batch: int, idle_seconds: float,
             scheduler_pid: int | None = None) -> dict:
    """(a) on `executor`; with `scheduler_pid` (a scheduler in its own process) also the
    scheduler's CPU a task."""
    t = time.perf_counter()
    for _ in range(100_000):
        abs(-1)
    in_process = (time.perf_counter() - t) / 100_000
    send = DaskExecutor.map                            # the executor's own, not measured
    send(executor, abs, [-1] * 4)                      # a first call warms the path
    lat = []
    for _ in range(n_latency):
        t = time.perf_counter()
        send(executor, abs, [-1])
        lat.append(time.perf_counter() - t)
    sched = process_cpu(scheduler_pid) if scheduler_pid else 0.0
    w, c, m = time.perf_counter(), loop_cpu(), driver_cpu()
    send(executor, abs, [-1] * n_batch)
    w, c, m = time.perf_counter() - w, loop_cpu() - c, driver_cpu() - m
    sched = process_cpu(scheduler_pid) - sched if scheduler_pid else None
    # The IO loop's own CPU while no task is out (heartbeats, the scheduler's periodic
    # work), per second: a rate, apart from the per-task costs.
    w0, c0 = time.perf_counter(), loop_cpu()
    time.sleep(idle_seconds)
    idle = (loop_cpu() - c0) / (time.perf_counter() - w0)
    return {"in_process_seconds": in_process, "round_trip_seconds": statistics.median(lat),
            "round_trip_min_seconds": min(lat), "batch_tasks": n_batch,
            "batch_seconds_per_task": w / n_batch, "driver_cpu_per_task": (c + m) / n_batch,
            "driver_cpu_outside_loop_per_task": m / n_batch, "io_loop_cpu_per_task": c / n_batch,
            "io_loop_idle_cpu_per_second": idle,
            "scheduler_cpu_per_task": None if sched is None else sched / n_batch}


# -- (b) bytes per task by batch size ------------------------------------------------------
def batch_bytes(problem, genomes) -> dict:
    """Pickled bytes of a task carrying 1, 4, 16 rules (a fitness task) or runs below (a
    meta task: run_below_jobs), and of its result, from the population's genomes."""
    from evo_l2l.evolution.meta import run_below_jobs
    from evo_l2l.evolution.remote import fitness_task, handle_of
    out = {}
    if hasattr(problem, "seeds") and hasattr(problem, "below"):          # meta level
        rules = problem.decode(genomes)
        rs, ts = problem.seeds["train"][0]
        for k in BATCH_SIZES:
            jobs = [(problem.below, rules[i % len(rules)], int(rs), int(ts), problem.budget)
                    for i in range(k)]
            result = [np.zeros(6) for _ in range(k)]
            out[k] = (len(pickle.dumps((run_below_jobs, jobs), protocol=5)),
                      len(pickle.dumps(result, protocol=5)))
        return out
    rules = problem.rules_of(genomes)
    key = handle_of(problem).key
    for k in BATCH_SIZES:
        idx = [i % len(rules) for i in range(k)]
        if isinstance(rules, np.ndarray) and rules.dtype != object:
            batch = rules[idx]
        else:
            batch = np.empty(k, dtype=object)
            batch[:] = [rules[i] for i in idx]
        out[k] = (len(pickle.dumps((fitness_task, (key, "train", batch)), protocol=5)),
                  len(pickle.dumps((np.zeros(k), 0.0), protocol=5)))
    return out


# -- (c) one run, per generation -------------------------------------------------------------
@contextmanager
def timed_local_fitness(timers: Timers):
    """Kernels a Dask executor runs in the driver (batches too small to send), timed."""
    original = ex_mod.local_fitness

    def timed(*a, **kw):
        with timers.timing("kernels_in_driver"):
            return original(*a, **kw)
    ex_mod.local_fitness = timed
    try:
        yield
    finally:
        ex_mod.local_fitness = original


def task_stream_rows(data) -> list:
    rows = []
    for t in data:
        for ss in t.get("startstops", ()):
            if ss.get("action") == "compute":
                rows.append((t["key"], float(ss["start"]), float(ss["stop"])))
    return rows


def measure_run(label, preset, overrides, generations, min_call, executor, tmp) -> dict:
    from distributed import get_task_stream

    from evo_l2l.archive import STATUS_COMPLETE, STATUS_INTERRUPTED, ArchiveWriter
    from evo_l2l.evolution.loop import evolve, make_search
    from evo_l2l.evolution.problem import build_tasks, make_problem
    from evo_l2l.experiments import PRESETS

    config = PRESETS[preset].default_config(**overrides,
                                            **{"run.n_generations": generations})
    executor.timers = timers = Timers()
    executor.rounds, executor.sent, executor.received, executor.pickle_seconds = [], [], [], []
    saved_min = executor.min_call_seconds
    if min_call is not None:
        executor.min_call_seconds = min_call
    tasks = build_tasks(config)
    problem = make_problem(config, tasks, executor)
    search = make_search(config, problem)
    for name in ("ask", "tell", "breed", "integrate"):
        timers.wrap(search, name, "breeding")
    timers.wrap_evaluate(problem)
    timers.wrap(problem, "select_from", "selection")
    timers.wrap(problem, "_fingerprints_live", "fec")
    if getattr(problem, "fec", None) is not None:
        timers.wrap(problem.fec, "plan", "fec")
        timers.wrap(problem.fec, "fill", "fec")
    path = os.path.join(tmp, f"{preset}-{time.time_ns()}.h5")
    writer = ArchiveWriter.create(path, config, tasks, problem, search.state(), force=True,
                                  trace=search.trace() if hasattr(search, "trace") else None)
    writer.cache_log = problem.cache_log

    def archive(record):
        with timers.timing("archive"):
            writer(record)

    marks = []

    def probe(record):
        marks.append({"wall": time.time(), "perf": time.perf_counter(),
                      "driver": driver_cpu(), "loop": loop_cpu(),
                      "cat": dict(timers.seconds), "rounds": len(executor.rounds),
                      "sent": len(executor.sent)})

    status = STATUS_INTERRUPTED
    try:
        with timed_local_fitness(timers), get_task_stream(executor.client) as stream:
            last = evolve(problem, config, [archive, probe], catch_stop=False, search=search)
        status = STATUS_COMPLETE
    finally:
        writer.close(status)
        executor.min_call_seconds = saved_min
    tasks_done = task_stream_rows(stream.data)
    genomes, _ = search.population()
    gens = []
    for a, b in zip(marks[:-1], marks[1:]):
        own = b["driver"] - a["driver"]
        cat = {c: b["cat"][c] - a["cat"][c] for c in timers.seconds}
        measured = cat.pop("measurement")
        own -= measured
        cat["other"] = own - sum(v for k, v in cat.items() if k != "other")
        rounds = executor.rounds[a["rounds"]:b["rounds"]]
        in_gen = [t for t in tasks_done if a["wall"] < t[2] <= b["wall"]]
        for r in rounds:
            if r["kind"] != "local":
                durations = [t[2] - t[1] for t in tasks_done
                             if r["t0"] <= t[1] and t[2] <= r["t1"] + 1e-3]
                r["compute"] = float(sum(durations))
                r["longest"] = float(max(durations, default=0.0))
        gens.append({"wall": b["perf"] - a["perf"], "driver_cpu": own,
                     "pickle": float(sum(executor.pickle_seconds[a["sent"]:b["sent"]])),
                     "io_loop_cpu": b["loop"] - a["loop"],
                     "categories": cat, "rounds": rounds, "tasks": len(in_gen),
                     "compute": float(sum(t[2] - t[1] for t in in_gen)),
                     "sent_tasks": b["sent"] - a["sent"]})
    n_gen = max(1, len(gens))

    def mean(f):
        return float(sum(f(g) for g in gens) / n_gen)

    sent, received = executor.sent, executor.received
    return {
        "label": label, "preset": preset, "overrides": overrides, "generations": generations,
        "min_call_seconds": executor.min_call_seconds if min_call is None else min_call,
        "measured_generations": len(gens), "last_generation": int(last.generation),
        "wall_per_generation": mean(lambda g: g["wall"]),
        "driver_cpu_per_generation": mean(lambda g: g["driver_cpu"]),
        "io_loop_cpu_per_generation": mean(lambda g: g["io_loop_cpu"]),
        "categories_per_generation": {c: mean(lambda g, c=c: g["categories"][c])
                                      for c in CATEGORIES},
        "tasks_per_generation": mean(lambda g: g["tasks"]),
        "remote_rounds_per_generation": mean(
            lambda g: sum(r["kind"] != "local" for r in g["rounds"])),
        "local_batches_per_generation": mean(
            lambda g: sum(r["kind"] == "local" for r in g["rounds"])),
        "compute_per_generation": mean(lambda g: g["compute"]),
        "pickle_per_generation": mean(lambda g: g["pickle"]),
        "bytes_sent_per_task": float(np.mean(sent)) if sent else 0.0,
        "bytes_received_per_task": float(np.mean(received)) if received else 0.0,
        "pickle_seconds_per_task": (float(np.mean(executor.pickle_seconds))
                                    if executor.pickle_seconds else 0.0),
        "batch_bytes": {str(k): v for k, v in batch_bytes(problem, genomes).items()},
        "gens": gens,
    }


# -- the model ------------------------------------------------------------------------------
def tasks_at(r: dict, W: int, min_call: float) -> int:
    if r["kind"] == "fitness" and r["rules"]:
        per_rule = r["compute"] / r["rules"]
        return len(cut(r["rules"], per_rule, r["chunk"], W, min_call))
    return r["n"]


def model(run: dict, ov: dict, workers=MODEL_WORKERS) -> dict:
    """Predicted wall seconds a generation at each of MODEL_WORKERS (see the docstring),
    from one run's measured inputs and the trivial task's round trip."""
    gens = run["gens"]
    n_gen = max(1, len(gens))
    tasks = sum(sum(r["n"] for r in g["rounds"] if r["kind"] != "local") for g in gens)
    client = sum(g["categories"]["client"] for g in gens)
    # The driver's CPU per task: its client calls and the IO loop's CPU beyond what the loop
    # spends with no task out (a rate, measured apart), at least the trivial task's (on a
    # loaded machine the idle rate, taken over a whole generation, can exceed the rest).
    loop = sum(g["io_loop_cpu"] - ov["io_loop_idle_cpu_per_second"] * g["wall"] for g in gens)
    s = max(ov["driver_cpu_per_task"], (client + loop) / tasks if tasks else 0.0)
    D = sum(g["driver_cpu"] - g["categories"]["client"] for g in gens) / n_gen
    o = ov["round_trip_seconds"]
    out = {"s": s, "D": D, "o": o, "W": {}}
    H = sum(g["categories"]["heldout"] for g in gens) / n_gen
    for W in workers:
        # [search rounds, held-out rounds]: round trips, per-task costs, span
        trips, per_task, span = [0.0, 0.0], [0.0, 0.0], [0.0, 0.0]
        n_max = 0
        for g in gens:
            for r in g["rounds"]:
                if r["kind"] == "local":
                    continue
                n = tasks_at(r, W, run["min_call_seconds"])
                n_max = max(n_max, n)
                piece = (r["compute"] / r["rules"] if r["kind"] == "fitness" and r["rules"]
                         else r["longest"])
                h = int(bool(r.get("heldout")))
                span[h] += max(r["compute"] / min(W, n), piece) / n_gen
                trips[h] += o / n_gen
                per_task[h] += n * s / n_gen
        serial = D + sum(trips) + sum(per_task)
        search = D - H + trips[0] + per_task[0] + span[0]
        heldout = H + trips[1] + per_task[1] + span[1]
        out["W"][W] = {"T": serial + sum(span), "serial": serial, "span": sum(span),
                       "round_trips": sum(trips), "per_task": sum(per_task),
                       "tasks_per_round_max": n_max, "overlapped_T": max(serial, sum(span)),
                       "heldout": heldout, "heldout_apart_T": max(search, heldout)}
    if 1 not in out["W"]:
        return out
    T1 = out["W"][1]["T"]
    for W, m in out["W"].items():
        m["speedup"] = T1 / m["T"]
    driver_bound = [W for W, m in out["W"].items() if m["serial"] >= m["span"]]
    out["driver_bound_from"] = driver_bound[0] if driver_bound else None
    out["limit_speedup"] = T1 / max(out["W"][workers[-1]]["serial"], 1e-12)
    return out


# -- printing -------------------------------------------------------------------------------
def ms(x: float) -> str:
    return f"{1000 * x:9.2f}"


def report(result: dict) -> None:
    m = result["machine"]
    print(f"machine: {m['cpu']}, {m['cores']} cores, Python {m['python']}, "
          f"dask {m['dask']}, evo_l2l at {m['commit']}; load average {m['load_start']} at "
          f"the start, {m['load_end']} at the end")
    print()
    print("(a) per-task overhead: a trivial task (abs) through the executor vs in-process; "
          "a LocalCluster (its scheduler in the driver's IO loop), and a scheduler in its own "
          "process (`dask scheduler`, `dask worker`) as on a cluster")
    print(f"{'workers':>18} {'in-process us':>14} {'round trip ms':>14} {'min ms':>8} "
          f"{'many at once ms/task':>21} {'driver CPU ms/task':>19} {'of it IO loop':>14} "
          f"{'IO loop idle':>13} {'scheduler ms/task':>17}")
    rows = [(f"{W}", ov) for W, ov in result["overhead"].items()]
    rows += [(f"{W}, scheduler apart", ov)
             for W, ov in result["overhead_scheduler_apart"].items()]
    for name, ov in rows:
        sched = ov.get("scheduler_cpu_per_task")
        print(f"{name:>18} {1e6 * ov['in_process_seconds']:14.3f} "
              f"{1000 * ov['round_trip_seconds']:14.2f} {1000 * ov['round_trip_min_seconds']:8.2f} "
              f"{1000 * ov['batch_seconds_per_task']:21.3f} "
              f"{1000 * ov['driver_cpu_per_task']:19.3f} {1000 * ov['io_loop_cpu_per_task']:14.3f} "
              f"{100 * ov['io_loop_idle_cpu_per_second']:12.1f}% "
              f"{'-' if sched is None else format(1000 * sched, '.3f'):>17}")
    print()
    print("(b) bytes per task (pickled, protocol 5): in the runs, and by batch size "
          "(rules or runs below a task)")
    print(f"{'preset':<38} {'sent':>9} {'received':>9} {'pickle ms':>10}   "
          + "  ".join(f"{k:>3}: sent/received" for k in BATCH_SIZES))
    first = next(iter(result["runs"]))
    for run in result["runs"][first]:
        bb = "  ".join(f"{run['batch_bytes'][str(k)][0]:>9}/{run['batch_bytes'][str(k)][1]:<8}"
                       for k in BATCH_SIZES)
        print(f"{run['label']:<38} {run['bytes_sent_per_task']:9.0f} "
              f"{run['bytes_received_per_task']:9.0f} {ms(run['pickle_seconds_per_task'])}   {bb}")
    print()
    print("(c) per generation (ms; generations after the first): the driver's CPU by "
          "category (main thread, with numba's threads in its kernels), the Dask IO loop's "
          "CPU, of which (de)serialisation (estimate: pickling what is sent, unpickling what "
          "comes back), tasks, rounds, batches kept in the driver, the workers' compute")
    head = (f"{'preset':<38} {'W':>2} {'wall':>9} {'driver':>9} "
            + " ".join(f"{c[:9]:>9}" for c in CATEGORIES)
            + f" {'IO loop':>9} {'(de)ser':>9} {'tasks':>6} {'rounds':>6} {'local':>6} "
            f"{'compute':>9}")
    print(head)
    for W, runs in result["runs"].items():
        for run in runs:
            cats = " ".join(ms(run["categories_per_generation"][c]) for c in CATEGORIES)
            print(f"{run['label']:<38} {W:>2} {ms(run['wall_per_generation'])} "
                  f"{ms(run['driver_cpu_per_generation'])} {cats} "
                  f"{ms(run['io_loop_cpu_per_generation'])} {ms(run['pickle_per_generation'])} "
                  f"{run['tasks_per_generation']:6.1f} {run['remote_rounds_per_generation']:6.1f} "
                  f"{run['local_batches_per_generation']:6.1f} {ms(run['compute_per_generation'])}")
    print()
    base = first
    print(f"MODEL OUTPUT (inputs measured with {base} worker(s)): wall seconds a generation "
          "T(W) = D + R*o + n(W)*s + span(W)")
    print(f"{'preset':<38} {'D ms':>8} {'s ms':>7} {'o ms':>7} "
          + " ".join(f"{'T(' + str(W) + ')':>9}" for W in MODEL_WORKERS)
          + "  " + " ".join(f"{'x' + str(W):>6}" for W in MODEL_WORKERS[1:])
          + f" {'limit':>6} {'driver-bound from':>18}")
    for run in result["runs"][base]:
        md = run["model"]
        Ts = " ".join(f"{md['W'][W]['T']:9.3f}" for W in MODEL_WORKERS)
        xs = " ".join(f"{md['W'][W]['speedup']:6.2f}" for W in MODEL_WORKERS[1:])
        bound = md["driver_bound_from"]
        print(f"{run['label']:<38} {ms(md['D'])[1:]} {1000 * md['s']:7.3f} {1000 * md['o']:7.2f} "
              f"{Ts}  {xs} {md['limit_speedup']:6.2f} "
              f"{('W=' + str(bound)) if bound else 'not by 512':>18}")
    print()
    print(f"model check, wall seconds a generation: measured; the model from the {base}-worker "
          "run's inputs; the model from this run's own inputs (its own compute: on a shared "
          "machine workers slow each other down)")
    for W, runs in result["runs"].items():
        for run, brun in zip(runs, result["runs"][base]):
            predicted = brun["model"]["W"].get(W, {}).get("T")
            own = run["own_model_T"]
            if predicted is not None:
                print(f"  {run['label']:<38} W={W}: measured {run['wall_per_generation']:.3f}, "
                      f"model {predicted:.3f}, own inputs {own:.3f}")
    print()
    W = MODEL_WORKERS[-1]
    print(f"MODEL OUTPUT at {W} workers, seconds a generation: the serial part (the driver's "
          "own work D, round trips R*o, per-task costs n*s) vs the workers' span; the most "
          "tasks a round; T; T overlapped (a steady-state driver with enough calls in "
          "flight: max instead of sum); the held-out evaluation of the best (in D or its "
          "rounds) and T with it off the barrier (overlapping the next generation)")
    print(f"{'preset':<38} {'D':>7} {'R*o':>7} {'n*s':>7} {'span':>7} {'tasks':>6} "
          f"{'T':>7} {'overlap':>7} {'heldout':>7} {'apart':>7}")
    for run in result["runs"][base]:
        m = run["model"]["W"][W]
        print(f"{run['label']:<38} {run['model']['D']:7.3f} {m['round_trips']:7.3f} "
              f"{m['per_task']:7.3f} {m['span']:7.3f} {m['tasks_per_round_max']:6d} "
              f"{m['T']:7.3f} {m['overlapped_T']:7.3f} {m['heldout']:7.3f} "
              f"{m['heldout_apart_T']:7.3f}")


def measure_all(args, counts, rows, result, tmp) -> None:
    """(a), (b) and (c) on a LocalCluster of each worker count, into result."""
    for W in counts:
        t = time.perf_counter()
        executor = MeasuredDask.local(W)
        result["start_seconds"][W] = time.perf_counter() - t
        try:
            result["overhead"][W] = overhead(executor, 5 if args.quick else 30,
                                             20 if args.quick else 200,
                                             0.2 if args.quick else 2.0)
            result["runs"][W] = []
            for row in rows:
                t = time.perf_counter()
                result["runs"][W].append(measure_run(*row, executor, tmp))
                result["runs"][W][-1]["seconds"] = time.perf_counter() - t
        finally:
            executor.close()
    # One worker is enough for a trivial task's costs (and --no-nanny starts one only).
    with scheduler_apart(1, tmp) as (executor, pid):
        result["overhead_scheduler_apart"] = {1: overhead(
            executor, 5 if args.quick else 30, 20 if args.quick else 200,
            0.2 if args.quick else 2.0, pid)}


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--workers", default=None,
                   help="worker counts, comma-separated, at most 2 here (default 1,2; "
                        "--quick: 1); the model's inputs come from the first")
    p.add_argument("--quick", action="store_true", help="tiny runs: a test of the script")
    p.add_argument("--json", default=None, metavar="FILE", help="also write the results")
    args = p.parse_args(argv)
    try:
        counts = [int(x) for x in (args.workers or ("1" if args.quick else "1,2")).split(",")]
        if not counts or min(counts) < 1:
            raise ValueError
    except ValueError:
        print(f"error: --workers expects positive integers, comma-separated; got "
              f"{args.workers!r}", file=sys.stderr)
        return 2
    import dask
    rows = ROWS["quick" if args.quick else "full"]
    result = {"machine": {"cpu": cpu_model(), "cores": os.cpu_count(),
                          "python": platform.python_version(), "dask": dask.__version__,
                          "commit": commit(),
                          "load_start": load()},
              "quick": args.quick, "start_seconds": {}, "overhead": {},
              "overhead_scheduler_apart": {}, "runs": {}}
    from evo_l2l.evolution.evaluator import ExecutorLost
    with tempfile.TemporaryDirectory() as tmp:
        try:
            measure_all(args, counts, rows, result, tmp)
        except ExecutorLost as exc:
            print(f"error: the measurement's Dask cluster failed: {exc}", file=sys.stderr)
            return 1
    base = counts[0]
    for run in result["runs"][base]:
        run["model"] = model(run, result["overhead"][base])
    for W, runs in result["runs"].items():
        for run in runs:
            run["own_model_T"] = model(run, result["overhead"][W], (W,))["W"][W]["T"]
    result["machine"]["load_end"] = load()
    report(result)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(result, f, indent=1, default=float)
    return 0


if __name__ == "__main__":
    sys.exit(main())
