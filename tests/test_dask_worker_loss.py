"""Any Dask worker may die at any time: both original workers killed in turn, one after the
other, and the run still ends with the archive of an uninterrupted serial run.

The problem's data (config and task arrays) must reach workers that join mid-run, since the
workers present at the start may all be gone by its end.
"""
import os
import signal
import threading
import time

import pytest

from conftest import toy_config
from evo_l2l.evolution.executors import WORKER_ENV, DaskExecutor
from evo_l2l.evolution.remote import ProblemMissing, problem_of
from evo_l2l.evolution.run import start_run
from test_evolution import arrays_of, assert_same_arrays

# chalmers1990 at toy size, every batch remote: about 10 s on a loaded 2-core machine.
CONFIG = dict(seed=5, n_generations=150, population=24)
FIRST_KILL = 20


def _addresses(client) -> set:
    """The addresses of the workers connected now."""
    return set(client.scheduler_info(n_workers=-1)["workers"])


def _wait_for_new_worker(client, original: set, seconds: float = 60.0) -> None:
    """Waits until a worker that is not one of the originals has joined."""
    t0 = time.monotonic()
    while time.monotonic() - t0 < seconds:
        if _addresses(client) - original:
            return
        time.sleep(0.05)
    raise TimeoutError("no replacement worker joined")


def double_kill_run(path: str, config, first: int = FIRST_KILL):
    """Runs `config` on a LocalCluster of 2 single-threaded worker processes and kills both
    original workers' processes in turn: the first a moment into generation `first` + 1
    (calls in flight; its nanny starts a replacement), the second at the end of generation
    `first` + 1, once the replacement has joined and before it has run any call, so that
    from then on only workers started after the run began are left. Returns (the run's
    result, the killed pids)."""
    from distributed import Client, LocalCluster
    cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                           host="127.0.0.1", dashboard_address="127.0.0.1:0",
                           env=dict(WORKER_ENV), silence_logs=50)
    killed = []
    with DaskExecutor(Client(cluster), cluster, min_call_seconds=0) as ex:
        pid_of = ex.client.run(os.getpid)
        original = set(pid_of)
        first_pid, second_pid = (pid_of[a] for a in sorted(pid_of))

        def hook(record):
            if record.generation == first:
                killed.append(first_pid)
                threading.Timer(0.005, os.kill, (first_pid, signal.SIGKILL)).start()
            elif record.generation == first + 1:
                _wait_for_new_worker(ex.client, original)
                killed.append(second_pid)
                os.kill(second_pid, signal.SIGKILL)
        result = start_run(config, path, executor=ex, hooks=[hook])
    return result, killed


def test_both_original_workers_killed_in_turn_and_the_archive_is_the_serial_one(tmp_path):
    pytest.importorskip("distributed")
    config = toy_config("chalmers1990", **CONFIG)
    start_run(config, str(tmp_path / "serial.h5"))
    expected = arrays_of(str(tmp_path / "serial.h5"))
    path = str(tmp_path / "killed.h5")
    result, killed = double_kill_run(path, config)
    assert len(killed) == 2
    assert result.status == "complete"
    assert_same_arrays(expected, arrays_of(path))


def test_a_call_naming_a_problem_this_worker_lacks_says_so():
    with pytest.raises(ProblemMissing, match="worker plugin"):
        problem_of("0" * 64)
