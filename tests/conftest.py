import os
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
