"""The steady-state driver and optimizer `aging`: asynchronous on every executor, the same
archive on every executor and worker count, exact resume, and the oldest member dies."""
import os
import signal
import threading
import time

import numpy as np
import pytest

from evo_l2l.components import GenomeSpec
from evo_l2l.evolution.evaluator import InProcess, ordered_window
from evo_l2l.evolution.executors import ProcessPool
from evo_l2l.evolution.run import resume_run, start_run
from evo_l2l.experiments import PRESETS
from evo_l2l.optimizers.aging import AgingSearch, AgingSettings
from test_evolution import arrays_of, assert_same_arrays


def _uneven(x):
    time.sleep(0.002 * ((7 * x) % 5))        # later calls often finish first
    return x * x


def _record_reads(executor, n=12, in_flight=3):
    """Which results the consumer had taken when each item was read, and the results."""
    taken: list = []
    reads: list = []

    def items():
        for i in range(n):
            reads.append(len(taken))
            yield i

    for r in executor.ordered(_uneven, items(), in_flight):
        taken.append(r)
    return reads, taken


def test_ordered_window_reads_item_k_plus_w_after_result_k():
    reads, taken = _record_reads(InProcess())
    assert taken == [i * i for i in range(12)]
    assert reads == [0, 0, 0] + list(range(1, 10))


def test_ordered_is_the_same_on_a_process_pool_and_dask():
    expected = _record_reads(InProcess())
    with ProcessPool(2) as pool:
        assert _record_reads(pool) == expected
    distributed = pytest.importorskip("distributed")  # noqa: F841
    from evo_l2l.evolution.executors import DaskExecutor
    with DaskExecutor.local(2) as ex:
        assert _record_reads(ex) == expected


def test_ordered_window_cancels_what_is_left_when_the_consumer_stops():
    cancelled = []

    class Handle:
        def __init__(self, item):
            self.item = item

        def result(self):
            return self.item

        def cancel(self):
            cancelled.append(self.item)

    gen = ordered_window(Handle, iter(range(10)), 4)
    assert next(gen) == 0
    gen.close()
    assert cancelled == [1, 2, 3]          # item 4 is read only when result 1 is asked for


def test_a_broken_pool_is_restarted_and_the_window_sent_again():
    calls = []
    from concurrent.futures.process import BrokenProcessPool

    class Handle:
        def __init__(self, item):
            self.item = item
            calls.append(item)

        def result(self):
            if self.item == 2 and calls.count(2) == 1:
                raise BrokenProcessPool("killed")
            return self.item

        def cancel(self):
            pass

    got = list(ordered_window(Handle, iter(range(5)), 2,
                              recover=lambda exc: isinstance(exc, BrokenProcessPool)))
    assert got == [0, 1, 2, 3, 4] and calls.count(2) == 2


def test_aging_keeps_the_queue_oldest_first_and_ends_generations_on_boundaries():
    s = AgingSettings(tournament_size=3, children_per_call=4, in_flight=2, generation_size=6)
    search = AgingSearch(s, GenomeSpec("bits", 5), population=10)
    search.rng.seed(1)
    sizes, ends = [], []
    batches = search.batches()
    for _ in range(8):
        batch = next(batches)
        sizes.append(len(batch))
        ends.append(search.integrate(batch.sum(axis=1).astype(float)))
    # 10 random (4 + 4 + 2), then 6 a generation (4 + 2), never across a boundary.
    assert sizes == [4, 4, 2, 4, 2, 4, 2, 4]
    assert ends == [False, False, True, False, True, False, True, False]
    genomes, fitness = search.population()
    assert len(genomes) == 10 and search.integrated == 26
    np.testing.assert_array_equal(fitness, genomes.sum(axis=1))


def _aging(preset="chalmers1990", **kw):
    over = {"optimizer": "aging", "optimizer.children_per_call": 8, "optimizer.in_flight": 3,
            "optimizer.tournament_size": 5, **kw}
    return PRESETS[preset].default_config(seed=3, n_generations=6, population=24,
                                          **PRESETS[preset].toy).with_overrides(over)


def test_aging_gives_the_same_archive_in_process_and_on_a_pool(tmp_path):
    config = _aging()
    start_run(config, str(tmp_path / "a.h5"))
    expected = arrays_of(str(tmp_path / "a.h5"))
    with ProcessPool(2, min_call_seconds=0) as pool:
        assert start_run(config, str(tmp_path / "b.h5"), executor=pool).status == "complete"
        assert pool.n_remote_calls > 0
    assert_same_arrays(expected, arrays_of(str(tmp_path / "b.h5")))
    # Evolution happened: the queue is not the random start.
    mean = expected["generations/fitness_mean"]
    assert mean[-1] > mean[0]


def test_aging_resumes_exactly_with_batches_in_flight(tmp_path):
    config = _aging(preset="chalmers1990-real")
    start_run(config, str(tmp_path / "full.h5"))
    start_run(config.with_overrides({"run.n_generations": 3}), str(tmp_path / "half.h5"))
    state = arrays_of(str(tmp_path / "half.h5"))
    assert state["state/optimizer/pending_sizes"].sum() > 0      # children were out
    assert resume_run(str(tmp_path / "half.h5"), 6).status == "complete"
    assert_same_arrays(arrays_of(str(tmp_path / "full.h5")), arrays_of(str(tmp_path / "half.h5")))


def test_aging_on_dask_with_a_killed_worker_gives_the_same_archive(tmp_path):
    pytest.importorskip("distributed")
    from evo_l2l.evolution.executors import DaskExecutor
    config = _aging(**{"run.n_generations": 8})
    start_run(config, str(tmp_path / "a.h5"))
    killed = []
    with DaskExecutor.local(2, min_call_seconds=0) as ex:
        pids = list(ex.client.run(os.getpid).values())

        def kill_once(record):
            if record.generation == 2 and not killed:
                killed.append(pids[0])
                threading.Timer(0.01, os.kill, (pids[0], signal.SIGKILL)).start()

        result = start_run(config, str(tmp_path / "b.h5"), executor=ex, hooks=[kill_once])
    assert killed and result.status == "complete"
    assert_same_arrays(arrays_of(str(tmp_path / "a.h5")), arrays_of(str(tmp_path / "b.h5")))


def test_steady_meta_evolution_runs_below_asynchronously_and_exactly(tmp_path):
    meta = PRESETS["schmidhuber1987-meta"]
    config = meta.default_config(**{**meta.toy, "population": 4, "n_generations": 2}) \
        .with_overrides({"optimizer": "aging", "optimizer.children_per_call": 1,
                         "optimizer.in_flight": 2, "optimizer.tournament_size": 2})
    start_run(config, str(tmp_path / "a.h5"))
    with ProcessPool(2) as pool:
        assert start_run(config, str(tmp_path / "b.h5"), executor=pool).status == "complete"
    assert_same_arrays(arrays_of(str(tmp_path / "a.h5")), arrays_of(str(tmp_path / "b.h5")))
