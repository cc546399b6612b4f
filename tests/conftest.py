import dataclasses
import os
import random
import signal
import sys

import numpy as np
import pytest

sys.path.insert(0, os.path.dirname(__file__))

from evo_l2l.tasks import TaskSet  # noqa: E402


def random_taskset(rng, n_tasks=5, max_p=7, max_i=5, max_o=3):
    """Tasks of random sizes with real-valued inputs/targets, for kernel tests."""
    n_p = rng.integers(1, max_p + 1, n_tasks)
    n_i = rng.integers(1, max_i + 1, n_tasks)
    n_o = rng.integers(1, max_o + 1, n_tasks)
    X = np.zeros((n_tasks, max_p, max_i)); Y = np.zeros((n_tasks, max_p, max_o))
    W0 = np.zeros((n_tasks, max_o, max_i))
    for t in range(n_tasks):
        X[t, :n_p[t], :n_i[t]] = rng.uniform(-1, 1, (n_p[t], n_i[t]))
        Y[t, :n_p[t], :n_o[t]] = rng.uniform(0, 1, (n_p[t], n_o[t]))
        W0[t, :n_o[t], :n_i[t]] = rng.uniform(-2, 2, (n_o[t], n_i[t]))
    return TaskSet(X, Y, W0, n_p, n_i, n_o, rng.integers(0, 2, n_tasks))


@pytest.fixture
def rng():
    return np.random.default_rng(12345)


def pset_of(learner: str = "single_layer", unary: tuple = ()):
    """The GP primitive set over a registered learner's variables."""
    from evo_l2l.learners import LEARNERS
    from evo_l2l.rules import symbolic as sym
    lr = LEARNERS.get(learner)
    return sym.make_pset(lr.variables, tuple(unary), lr.name)


def known_form(tree, pset, learner: str = "single_layer", exact: bool = True):
    """rules.symbolic.known_form with a registered learner's forms."""
    from evo_l2l.learners import LEARNERS
    from evo_l2l.rules import symbolic as sym
    lr = LEARNERS.get(learner)
    return sym.known_form(tree, pset, lr.forms, lr.special_form, exact)


# -- one toy run per preset, shared by every test that only reads it ----------------

# The size of the cached runs: tests that compare against one (a resumed run, a run of
# another seed) build their own config from TOY_RUN and the preset's toy overrides.
TOY_RUN = dict(seed=3, n_generations=12, population=10)


def toy_config(preset: str, **changes):
    """The preset's toy config at TOY_RUN's size, with `changes` (keyword overrides)."""
    from evo_l2l.experiments import PRESETS
    return PRESETS[preset].default_config(**{**PRESETS[preset].toy, **TOY_RUN, **changes})


@dataclasses.dataclass(frozen=True)
class ToyRun:
    """A finished toy run: its archive (read it, never write it) and what start_run said."""
    path: str
    status: str
    last_generation: int | None
    random_untouched: bool      # the global `random` stream was the same after the run


@pytest.fixture(scope="session")
def toy_runs(tmp_path_factory):
    """preset name -> ToyRun, each preset's toy_config() run once per session on first use.

    The run starts with the global `random` stream seeded, so tests can check a run
    leaves it alone; the stream is put back as it was afterwards."""
    from evo_l2l.evolution.problem import build_tasks
    from evo_l2l.evolution.run import start_run
    folder = tmp_path_factory.mktemp("toy_runs")
    done: dict = {}

    def get(preset: str) -> ToyRun:
        if preset not in done:
            config = toy_config(preset)
            build_tasks(config)     # a data set's first load may import libraries that touch it
            outer = random.getstate()
            random.seed(7)
            before = random.getstate()
            path = str(folder / f"{preset}.h5")
            try:
                result = start_run(config, path)
                untouched = random.getstate() == before
            finally:
                random.setstate(outer)
            done[preset] = ToyRun(path, result.status,
                                  None if result.last is None else result.last.generation,
                                  untouched)
        return done[preset]
    return get


# -- signals --------------------------------------------------------------------

@pytest.fixture
def sigint_default(monkeypatch):
    """SIGINT raises KeyboardInterrupt in this process and a run takes it over, as in an
    interactive shell, even when the suite was started as a background job (SIGINT
    ignored, which the command line, once invoked here, remembers in KEEP_IGNORED)."""
    from evo_l2l import _process
    monkeypatch.setattr(_process, "KEEP_IGNORED", set())
    old = signal.signal(signal.SIGINT, signal.default_int_handler)
    yield
    signal.signal(signal.SIGINT, old)


def default_sigint():
    """preexec_fn for a child that is sent SIGINT: SIGINT at its default, whatever the
    suite was started with (a background job starts with it ignored, and children inherit
    that)."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)
