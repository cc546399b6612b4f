"""Executors: every one gives the in-process archive, array for array; faults; many runs.

The Dask tests start a LocalCluster of 2 single-threaded workers on 127.0.0.1 (or a
`dask scheduler` subprocess) and send every batch remotely (min_call_seconds=0), so the
remote path is what is compared.
"""
import json
import os
import random
import signal
import socket
import subprocess
import sys
import threading
import time

import numpy as np
import pytest
from click.testing import CliRunner

from evo_l2l import open_run
from evo_l2l.cli import main
from evo_l2l.evolution.evaluator import InProcess, cut
from evo_l2l.evolution.executors import DaskExecutor, ProcessPool, make_executor
from evo_l2l.evolution.run import resume_run, start_run
from evo_l2l.experiments import PRESETS
from test_evolution import arrays_of, assert_same_arrays

distributed = pytest.importorskip("distributed")

SMALL = dict(n_generations=8, population=24)


def _double(x):
    return 2 * x


def _slow_square(x):
    time.sleep(0.01 * (3 - x % 3))
    return x * x


@pytest.fixture(scope="module")
def dask_local():
    with DaskExecutor.local(2, min_call_seconds=0) as ex:
        yield ex


def _in_process(tmp_path, config, name="inproc.h5"):
    path = str(tmp_path / name)
    start_run(config, path)
    return arrays_of(path)


@pytest.mark.parametrize("preset", ["chalmers1990", "chalmers1990-gp"])
def test_dask_local_cluster_gives_the_in_process_archive(tmp_path, dask_local, preset):
    config = PRESETS[preset].default_config(seed=2, **SMALL)
    expected = _in_process(tmp_path, config)
    path = str(tmp_path / "dask.h5")
    result = start_run(config, path, executor=dask_local)
    assert result.status == "complete"
    assert_same_arrays(expected, arrays_of(path))
    # The work went to the workers: each built the problem from its handle.
    from evo_l2l.evolution.remote import handle_of
    key = handle_of(result.problem).key
    seen = dask_local.client.run(lambda: key in __import__(
        "evo_l2l.evolution.remote", fromlist=["_PROBLEMS"])._PROBLEMS)
    assert len(seen) == 2 and all(seen.values())


def test_process_pool_gives_the_in_process_archive(tmp_path):
    config = PRESETS["chalmers1990-gp"].default_config(seed=5, **SMALL)
    expected = _in_process(tmp_path, config)
    path = str(tmp_path / "pool.h5")
    with ProcessPool(2, min_call_seconds=0) as pool:
        assert start_run(config, path, executor=pool).status == "complete"
        assert pool.map(_double, [3, 1, 2]) == [6, 2, 4]
        assert dict(pool.as_completed(_slow_square, iter(range(5)), in_flight=2)) == \
            {x: x * x for x in range(5)}
    assert_same_arrays(expected, arrays_of(path))


def test_resume_on_another_executor_continues_exactly(tmp_path, dask_local):
    full = PRESETS["chalmers1990-real"].default_config(seed=1, n_generations=12, population=20)
    half = full.with_overrides({"run.n_generations": 6})
    expected = _in_process(tmp_path, full)
    path = str(tmp_path / "half.h5")
    start_run(half, path, executor=dask_local)
    assert resume_run(path, 12).status == "complete"               # in-process
    assert_same_arrays(expected, arrays_of(path))


@pytest.mark.parametrize("preset", sorted(PRESETS))
def test_a_run_leaves_the_global_random_stream_alone(toy_runs, preset):
    """Every draw of every optimizer goes through the run's own stream: a Dask client or
    scheduler in the same process (which draws from the global one) cannot shift it.
    (The cached toy run starts with the global stream seeded and compares it after.)"""
    assert toy_runs(preset).random_untouched


def _toy_search(optimizer, population=12):
    """A search of `optimizer` (default settings) over a small genome of a kind it takes."""
    from evo_l2l.components import GenomeSpec
    from evo_l2l.rules.genes import Gene
    kind = optimizer.genomes[0]
    if kind == "tree":
        import functools
        from evo_l2l.rules.symbolic.parse import parse_tree
        from evo_l2l.rules.symbolic.primitives import make_pset
        pset = make_pset(("w", "a", "o", "t"), ("neg",))
        genome = GenomeSpec("tree", pset=pset, parse=functools.partial(parse_tree, pset=pset))
    elif kind == "program":
        from evo_l2l.rules.programs.family import FAMILY
        genome = FAMILY.genome(FAMILY.settings())
    elif optimizer.name.startswith("mixed"):
        genome = GenomeSpec("real", 4, genes=(
            Gene("k", "real", -1.0, 1.0), Gene("n", "int", 1.0, 8.0),
            Gene("lr", "logreal", -3.0, 0.0), Gene("f", "cat", choices=("a", "b", "c"))))
    else:
        genome = GenomeSpec(kind, 6)
    s = optimizer.settings()
    optimizer.check(s, genome, population)
    return optimizer.create(s, genome, population)


def _rounds(search, n=12, start=0):
    """n ask/tell rounds (steady searches: batches bred and integrated) with made-up
    fitness (round start, start + 1, ...); the genomes asked, as text."""
    out = []
    for i in range(start, start + n):
        if getattr(search, "steady", False):
            batch = search.breed()
            genomes = batch
            search.integrate(np.linspace(0.0, 1.0, len(batch)) * ((i % 3) - 1))
        else:
            batch = search.ask()
            genomes = batch.genomes
            search.tell(np.linspace(0.0, 1.0, len(genomes)) * ((i % 3) - 1))
        out.append(str(np.asarray(genomes).tolist()))
    return out


@pytest.mark.parametrize("name", ["ga", "gp", "cmaes", "es", "sa", "selfadaptive", "fme",
                                  "aging", "mixed_ga", "mixed_random", "program_search",
                                  "islands", "crowding", "sep_cmaes"])
def test_every_search_draws_only_from_its_own_generator(name):
    """Every draw of a search goes through its `rng`: seeded alike, two searches ask for the
    same genomes, whether they run one after the other or interleaved, and the global
    stream is never touched (a Dask client or scheduler in the same process draws from it)."""
    from evo_l2l.optimizers import OPTIMIZERS
    optimizer = OPTIMIZERS.get(name)
    random.seed(5)
    before = random.getstate()
    alone = _toy_search(optimizer)
    alone.rng.seed(11)
    expected = _rounds(alone)
    a, b = _toy_search(optimizer), _toy_search(optimizer)
    a.rng.seed(11)
    b.rng.seed(12)
    got = []
    for i in range(12):
        got += _rounds(a, 1, i)
        _rounds(b, 1, i)
    assert random.getstate() == before
    assert got == expected
    assert a.rng.getstate() == alone.rng.getstate()


def test_generic_map_and_as_completed_keep_their_indices(dask_local):
    items = list(range(7))
    for ex in (InProcess(), dask_local):
        assert ex.map(_double, items) == [2 * x for x in items]
        got = dict(ex.as_completed(_slow_square, iter(items), in_flight=3))
        assert got == {x: x * x for x in items}


def test_cut_sizes_calls_by_work():
    assert cut(100, 0.001, 1000, 2, min_seconds=0.03) == [(0, 33), (33, 67), (67, 100)]
    assert len(cut(1000, 1.0, 1000, 2, min_seconds=0.03)) == 8          # 4 a worker
    assert len(cut(1000, 1.0, 100, 2, min_seconds=0.03)) == 10          # the stop chunk
    assert cut(5, 0.0, 1000, 2, min_seconds=0) == [(0, 1), (1, 2), (2, 3), (3, 4), (4, 5)]


def test_killed_worker_is_retried_and_the_archive_is_the_same(tmp_path):
    config = PRESETS["chalmers1990-gp"].default_config(seed=4, n_generations=8, population=120)
    expected = _in_process(tmp_path, config)
    killed = []
    with DaskExecutor.local(2, min_call_seconds=0) as ex:
        pids = list(ex.client.run(os.getpid).values())

        def kill_during_next_generation(record):
            if record.generation == 2 and not killed:
                killed.append(pids[0])
                threading.Timer(0.01, os.kill, (pids[0], signal.SIGKILL)).start()
        path = str(tmp_path / "killed.h5")
        result = start_run(config, path, executor=ex, hooks=[kill_during_next_generation])
    assert killed and result.status == "complete"
    assert_same_arrays(expected, arrays_of(path))


def _free_port() -> int:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def _wait_for_port(port: int, seconds: float = 60.0) -> None:
    """A subprocess's server starts slowly on a loaded machine: wait until it listens."""
    t0 = time.monotonic()
    while time.monotonic() - t0 < seconds:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.2)
    raise TimeoutError(f"nothing listens on port {port}")


def test_a_lost_scheduler_stops_the_run_cleanly_and_resume_continues(tmp_path):
    port = _free_port()
    scheduler = subprocess.Popen([sys.executable, "-m", "distributed.cli.dask_scheduler",
                                  "--host", "127.0.0.1", "--port", str(port),
                                  "--dashboard-address", ":0", "--no-show"],
                                 stderr=subprocess.DEVNULL, stdout=subprocess.DEVNULL)
    worker = subprocess.Popen([sys.executable, "-m", "distributed.cli.dask_worker",
                               f"tcp://127.0.0.1:{port}", "--nthreads", "1", "--no-nanny"],
                              env=dict(os.environ, NUMBA_NUM_THREADS="1"),
                              stderr=subprocess.DEVNULL, stdout=subprocess.DEVNULL)
    config = PRESETS["chalmers1990-gp"].default_config(seed=3, n_generations=12, population=40)
    path = str(tmp_path / "lost.h5")
    try:
        _wait_for_port(port)
        with DaskExecutor.connect(f"tcp://127.0.0.1:{port}", timeout=5,
                                  min_call_seconds=0) as ex:
            def kill_scheduler(record):
                if record.generation == 3:
                    scheduler.kill()
            result = start_run(config, path, executor=ex, hooks=[kill_scheduler])
    finally:
        scheduler.kill()
        worker.kill()
        worker.wait()
    assert result.status == "interrupted" and "scheduler" in result.executor_lost
    run = open_run(path, populations=False)
    assert run.status == "interrupted" and run.n_generations_done == result.last.generation + 1 >= 4
    assert resume_run(path).status == "complete"
    assert_same_arrays(_in_process(tmp_path, config), arrays_of(path))


def test_seeds_spread_whole_runs_with_the_same_archives(tmp_path):
    out = str(tmp_path / "s{seed}.h5")
    args = ["run", "chalmers1990", "--seeds", "0-2", "--generations", "5", "--population", "8",
            "-o", out, "--workers", "2", "--json"]
    res = CliRunner().invoke(main, args)
    assert res.exit_code == 0, res.output
    rows = json.loads(res.output)["runs"]
    assert [r["seed"] for r in rows] == [0, 1, 2] and {r["status"] for r in rows} == {"complete"}
    for seed in (0, 1, 2):
        config = PRESETS["chalmers1990"].default_config(seed=seed, n_generations=5, population=8)
        assert_same_arrays(_in_process(tmp_path, config, f"ref{seed}.h5"),
                           arrays_of(out.format(seed=seed)))
    res = CliRunner().invoke(main, args[:-3] + ["--seeds", "1"])        # exists: needs --force
    assert res.exit_code == 2 and "--force" in res.output
    table = CliRunner().invoke(main, ["run", "chalmers1990", "--seeds", "3,5", "--generations",
                                      "3", "--population", "6", "-o", out])
    assert table.exit_code == 0 and "train: mean" in table.output and "held-out" in table.output


@pytest.mark.parametrize("args, message", [
    (["--seeds", "3-1"], "--seeds"), (["--seeds", "a"], "--seeds"),
    (["--seeds", "0-1", "-o", "x.h5"], "{seed}"), (["--seed", "1", "--seeds", "0-1"], "--seeds"),
    (["--workers", "2", "--dask-local", "2"], "one executor"),
])
def test_bad_executor_options_are_one_line_errors(tmp_path, args, message):
    res = CliRunner().invoke(main, ["run", "chalmers1990", "--generations", "2", *args])
    assert res.exit_code == 2 and message in res.output, res.output


def test_without_dask_a_dask_option_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "distributed", None)             # import fails
    for option in (["--dask-local", "2"], ["--scheduler", "tcp://127.0.0.1:1"]):
        res = CliRunner().invoke(main, ["run", "chalmers1990", "--generations", "2", *option])
        assert res.exit_code == 2, res.output
        lines = res.output.strip().splitlines()
        assert len(lines) == 1 and "evo_l2l[distributed]" in lines[0]


def test_no_scheduler_is_a_config_error():
    from evo_l2l.errors import ConfigError
    with pytest.raises(ConfigError, match="no Dask scheduler at tcp://127.0.0.1"):
        DaskExecutor.connect(f"tcp://127.0.0.1:{_free_port()}", timeout=1)


def test_make_executor_defaults_to_in_process():
    assert isinstance(make_executor(), InProcess)


def test_killed_pool_worker_is_replaced_and_the_archive_is_the_same(tmp_path):
    config = PRESETS["chalmers1990-gp"].default_config(seed=4, n_generations=8, population=120)
    expected = _in_process(tmp_path, config)
    killed = []
    with ProcessPool(2, min_call_seconds=0) as pool:
        def kill_during_next_generation(record):
            if record.generation == 2 and not killed:
                pid = next(iter(pool._pool._processes))
                killed.append(pid)
                threading.Timer(0.01, os.kill, (pid, signal.SIGKILL)).start()
        path = str(tmp_path / "killed.h5")
        result = start_run(config, path, executor=pool, hooks=[kill_during_next_generation])
        assert pool.restarts == 1
    assert killed and result.status == "complete"
    assert_same_arrays(expected, arrays_of(path))


def _kill_a_worker_and_wait_for_the_pool_to_break(pool):
    process = next(iter(pool._pool._processes.values()))
    os.kill(process.pid, signal.SIGKILL)
    process.join(10)
    deadline = time.monotonic() + 10
    while not pool._pool._broken and time.monotonic() < deadline:
        time.sleep(0.01)
    assert pool._pool._broken


def test_a_worker_killed_between_two_calls_is_replaced():
    """A worker that dies while the pool is idle breaks the pool before the next call is
    submitted: the submission itself raised BrokenProcessPool, past the retry logic (the
    killed-worker test above failed so in a loaded suite). Both kinds of call, map and the
    ordered window, restart the pool and give every result."""
    with ProcessPool(2, min_call_seconds=0) as pool:
        assert pool.map(_double, range(6)) == [0, 2, 4, 6, 8, 10]
        _kill_a_worker_and_wait_for_the_pool_to_break(pool)
        assert pool.map(_double, range(6)) == [0, 2, 4, 6, 8, 10] and pool.restarts == 1
        _kill_a_worker_and_wait_for_the_pool_to_break(pool)
        assert list(pool.ordered(_double, iter(range(6)), 3)) == [0, 2, 4, 6, 8, 10]
        assert pool.restarts == 2


def test_a_signal_stops_a_huge_dask_generation_at_once(tmp_path, dask_local, sigint_default,
                                                       monkeypatch):
    """As tests/test_crash_safety.py does in-process: SIGINT while the workers evaluate a
    generation of 300000 rules; the driver stops waiting and cancels the calls. The signal
    comes once the driver waits for the workers (sending the batch is not interruptible and
    takes long on a busy machine); the bound on the stop is loose for busy machines."""
    path = str(tmp_path / "big.h5")
    t_signal = []
    real_gather = dask_local.client.gather

    def interrupt():
        t_signal.append(time.monotonic())
        os.kill(os.getpid(), signal.SIGINT)

    def gather(*args, **kwargs):
        if not t_signal:
            threading.Timer(0.5, interrupt).start()
        return real_gather(*args, **kwargs)
    monkeypatch.setattr(dask_local.client, "gather", gather)
    res = start_run(PRESETS["chalmers1990"].default_config(population=300_000,
                                                           n_generations=3),
                    path, executor=dask_local, handle_signals=True)
    assert t_signal, "the run ended before the signal"
    assert time.monotonic() - t_signal[0] < 10.0     # the whole generation takes 20 s
    assert res.status == "interrupted" and res.stop_signal == signal.SIGINT
    assert res.last is None                             # generation 0 was dropped
    assert dask_local.map(_double, [1]) == [2]          # the cluster still serves


def test_workers_with_other_versions_are_refused(dask_local, monkeypatch):
    from evo_l2l import _version
    from evo_l2l.errors import ConfigError
    dask_local.check_versions()
    monkeypatch.setattr(_version, "__version__", "0.0.0-driver")
    with pytest.raises(ConfigError, match="runs evo_l2l 0.1.0 .here 0.0.0-driver."):
        dask_local.check_versions()


def test_runs_in_two_threads_at_once_keep_their_own_streams():
    """Each search owns its generator and no module attribute is rebound, so searches
    driven from two threads at once draw what each draws alone."""
    from evo_l2l.optimizers import OPTIMIZERS
    optimizer = OPTIMIZERS.get("gp")
    alone = []
    for seed in (1, 2):
        search = _toy_search(optimizer)
        search.rng.seed(seed)
        alone.append(_rounds(search, 20))
    results = {}

    def drive(seed):
        search = _toy_search(optimizer)
        search.rng.seed(seed)
        results[seed] = _rounds(search, 20)
    threads = [threading.Thread(target=drive, args=(seed,)) for seed in (1, 2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert [results[1], results[2]] == alone


def test_a_meta_run_spreads_its_runs_below_and_gives_the_in_process_archive(tmp_path, dask_local):
    """Meta-evolution's level-1 runs go through executor.map: the same archive on Dask."""
    meta = PRESETS["schmidhuber1987-meta"]
    config = meta.default_config(seed=1, population=4, n_generations=2,
                                 **{**meta.toy, "tasks.n_runs": 2})
    expected = _in_process(tmp_path, config)
    path = str(tmp_path / "meta-dask.h5")
    assert start_run(config, path, executor=dask_local).status == "complete"
    assert_same_arrays(expected, arrays_of(path))


def test_a_meta_run_on_dask_from_the_command_line_ends_with_its_summary(tmp_path):
    """Regression: the run summary evaluated a meta run's best operators after the Dask
    client had been closed, and the command ended in a traceback."""
    from click.testing import CliRunner
    from evo_l2l.cli import main
    out = CliRunner().invoke(main, [
        "run", "schmidhuber1987-meta", "--generations", "2", "--population", "4",
        "--set", "tasks.n_runs=1", "--set", "tasks.n_heldout=1", "--set", "learner.budget=60",
        "--dask-local", "2", "-o", str(tmp_path / "m.h5"), "-q"])
    assert out.exit_code == 0, out.output
    assert "the hand-set GA" in out.output
