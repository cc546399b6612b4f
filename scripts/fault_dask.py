"""Fault campaign: Dask workers die at any time, and the run still gives the serial archive.

Each of `--runs` runs (chalmers1990, 150 generations of 24 rules, every batch sent to the
workers) goes on a LocalCluster of 2 single-threaded worker processes whose nannies start a
replacement for a worker that dies. Both original workers are killed (SIGKILL) in turn:
the first a moment into a generation (calls in flight), the second in one of three ways,
taken in turn from run to run:

- ``replacement-idle``: once the first one's replacement has joined and before it has run
  a call (only workers started after the run began are then left, holding nothing);
- ``replacement-working``: ten generations after the replacement joined, mid-generation;
- ``no-replacement-yet``: mid-generation, right after the first, so for a while no worker
  is left at all.

Every run is a subprocess of its own (a hang is one that outlives `--timeout`). Prints one
JSON line of counts, each of which must be 0: ``lost_runs`` (a run that did not complete),
``divergences`` (a completed archive whose arrays differ from the in-process run's, every
array but wall-clock times), ``tracebacks`` (tracebacks the run printed) and ``hangs``;
with ``runs``, ``kills`` (processes killed) and ``seconds``.

    python scripts/fault_dask.py                 # 5 runs
    python scripts/fault_dask.py --runs 10
"""
from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time

import numpy as np

MODES = ("replacement-idle", "replacement-working", "no-replacement-yet")
CONFIG = dict(seed=5, n_generations=150, population=24)


def _config():
    from evo_l2l.experiments import PRESETS
    preset = PRESETS["chalmers1990"]
    return preset.default_config(**{**preset.toy, **CONFIG})


def arrays_of(path: str) -> dict:
    """Every array of an archive but the wall-clock ones (as tests/test_evolution.py)."""
    from evo_l2l import open_run
    run = open_run(path)
    out = {f"generations/{k}": v for k, v in run.generations.items() if k != "wall_time"}
    out.update({f"state/{k}": np.asarray(v) for k, v in run.state.items()
                if k not in ("elapsed", "heartbeat", "writer", "optimizer", "slot")})
    out.update({f"state/optimizer/{k}": v for k, v in run.state["optimizer"].items()})
    return out


def same_arrays(a: dict, b: dict) -> bool:
    """Equal keys and arrays (NaN equal to NaN, as numpy.testing compares)."""
    if a.keys() != b.keys():
        return False
    try:
        for k in a:
            np.testing.assert_array_equal(a[k], b[k])
    except AssertionError:
        return False
    return True


def _addresses(client) -> set:
    return set(client.scheduler_info(n_workers=-1)["workers"])


def _wait_for_new_worker(client, original: set, seconds: float = 60.0) -> float:
    """Waits until a worker that is not one of the originals has joined."""
    t0 = time.monotonic()
    while time.monotonic() - t0 < seconds:
        if _addresses(client) - original:
            return time.monotonic()
        time.sleep(0.05)
    raise TimeoutError("no replacement worker joined")


def one_run(path: str, first: int, mode: str) -> dict:
    """The double-kill run (in this process): its status and the pids killed."""
    from distributed import Client, LocalCluster

    from evo_l2l.evolution.executors import WORKER_ENV, DaskExecutor
    from evo_l2l.evolution.run import start_run
    cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                           host="127.0.0.1", dashboard_address="127.0.0.1:0",
                           env=dict(WORKER_ENV), silence_logs=50)
    killed: list = []
    state: dict = {}

    def kill_soon(pid):
        killed.append(pid)
        threading.Timer(0.005, os.kill, (pid, signal.SIGKILL)).start()

    with DaskExecutor(Client(cluster), cluster, min_call_seconds=0) as ex:
        pid_of = ex.client.run(os.getpid)
        original = set(pid_of)
        first_pid, second_pid = (pid_of[a] for a in sorted(pid_of))

        def hook(record):
            g = record.generation
            if g == first:
                kill_soon(first_pid)
            elif g == first + 1 and len(killed) == 1:
                if mode == "no-replacement-yet":
                    kill_soon(second_pid)
                else:
                    _wait_for_new_worker(ex.client, original)
                    if mode == "replacement-idle":
                        killed.append(second_pid)
                        os.kill(second_pid, signal.SIGKILL)
                    else:
                        state["joined"] = g
            elif "joined" in state and g == state["joined"] + 10 and len(killed) == 1:
                kill_soon(second_pid)
        result = start_run(_config(), path, executor=ex, hooks=[hook])
    return {"status": result.status, "killed": len(killed)}


def _child(args) -> None:
    import traceback
    try:
        out = one_run(args.path, args.first, args.mode)
    except BaseException as exc:                         # noqa: BLE001
        traceback.print_exc()
        out = {"status": f"raised {exc.__class__.__name__}", "killed": 0}
    print(json.dumps(out), flush=True)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--timeout", type=float, default=300.0,
                        help="seconds a run may take before it counts as a hang")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--path", help=argparse.SUPPRESS)
    parser.add_argument("--first", type=int, default=20, help=argparse.SUPPRESS)
    parser.add_argument("--mode", default=MODES[0], help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        _child(args)
        return
    from evo_l2l.evolution.run import start_run
    t0 = time.monotonic()
    counts = dict(runs=args.runs, lost_runs=0, divergences=0, tracebacks=0, hangs=0, kills=0)
    with tempfile.TemporaryDirectory() as folder:
        serial = os.path.join(folder, "serial.h5")
        start_run(_config(), serial)
        expected = arrays_of(serial)
        for i in range(args.runs):
            path = os.path.join(folder, f"killed-{i}.h5")
            mode, first = MODES[i % len(MODES)], 10 + 7 * i
            cmd = [sys.executable, os.path.abspath(__file__), "--child", "--path", path,
                   "--first", str(first), "--mode", mode]
            try:
                done = subprocess.run(cmd, capture_output=True, text=True,
                                      timeout=args.timeout)
            except subprocess.TimeoutExpired as exc:
                counts["hangs"] += 1
                counts["lost_runs"] += 1
                err = exc.stderr.decode() if isinstance(exc.stderr, bytes) else exc.stderr or ""
                counts["tracebacks"] += err.count("Traceback (most recent call last)")
                continue
            counts["tracebacks"] += done.stderr.count("Traceback (most recent call last)")
            lines = done.stdout.strip().splitlines()
            out = json.loads(lines[-1]) if lines else {"status": "no answer", "killed": 0}
            counts["kills"] += out["killed"]
            if out["status"] != "complete":
                counts["lost_runs"] += 1
                print(f"run {i} ({mode}, first kill after generation {first}): "
                      f"{out['status']}", file=sys.stderr)
            elif not same_arrays(expected, arrays_of(path)):
                counts["divergences"] += 1
                print(f"run {i} ({mode}): the archive differs from the serial one",
                      file=sys.stderr)
    counts["seconds"] = round(time.monotonic() - t0, 1)
    print(json.dumps(counts))


if __name__ == "__main__":
    main()
