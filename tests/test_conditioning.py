"""The Aplysia-like conditioning circuit, its protocols and rule family."""
import numpy as np
import pytest

import naive
from evo_l2l.learners.conditioning import conditioning_curves
from evo_l2l.rules import conditioning as cond
from evo_l2l.tasks import make_conditioning_tasks


@pytest.mark.parametrize("seed", range(3))
def test_kernel_matches_reference(seed):
    rng = np.random.default_rng(seed)
    tasks = make_conditioning_tasks(rng, shapes=((2, 0, 0),), n_heldout=2)
    coef = np.vstack([rng.normal(0, 0.5, (6, 16)), cond.rescorla_wagner(2.0), cond.facilitation(1.0),
                      rng.normal(0, 1e3, (1, 16))])
    got = conditioning_curves(coef, tasks, 2, 8.0)
    ref = naive.conditioning_curves(coef, tasks, 2, 8.0)
    np.testing.assert_allclose(got, ref, rtol=0, atol=1e-12)
    assert np.all(np.isfinite(got))


def per_protocol(curves, tasks):
    names = np.array(tasks.params["protocols"])
    return {n: curves[names == n, -1].mean() for n in sorted(set(names))}


def test_rescorla_wagner_explains_what_facilitation_cannot():
    tasks = make_conditioning_tasks(np.random.default_rng(0), shapes=((4, 0, 0),), n_heldout=1)
    rw = per_protocol(conditioning_curves(cond.rescorla_wagner(8.0), tasks)[0], tasks)
    fac = per_protocol(conditioning_curves(cond.facilitation(2.0), tasks)[0], tasks)
    none = per_protocol(conditioning_curves(cond.no_learning(), tasks)[0], tasks)
    assert all(rw[p] > 0.8 for p in rw), rw
    assert rw["acquisition"] > none["acquisition"] + 0.3
    assert fac["acquisition"] > 0.8                      # facilitation conditions...
    assert fac["extinction"] < rw["extinction"] - 0.2    # ...but does not extinguish
    assert fac["blocking"] < rw["blocking"] - 0.2        # ...nor block


def test_protocols_are_what_they_say():
    tasks = make_conditioning_tasks(np.random.default_rng(3), shapes=((1, 0, 0),), n_heldout=1)
    names = tasks.params["protocols"]
    k = names.index("blocking")
    X, Y, n = tasks.X[k], tasks.Y[k, :, 0], tasks.n_patterns[k]
    probes = X[:n, 3] == 1
    assert probes.sum() == 2 and sorted(Y[:n][probes].tolist()) == [0.0, 1.0]
    assert np.all(X[:n][~probes, 2] == 1)                # every training trial has the US
    assert cond.is_reference_rule(cond.rescorla_wagner(0.3)) and not cond.is_reference_rule(cond.facilitation())


def test_the_task_order_changes_no_conditioning_result():
    """train_conditioning_population with the balanced task order (what conditioning_curves
    passes) gives bitwise what the natural order gives."""
    from evo_l2l.kernels.conditioning import train_conditioning_population
    from evo_l2l.learners.base import task_order
    from evo_l2l.tasks import make_conditioning_tasks
    rng = np.random.default_rng(4)
    tasks = make_conditioning_tasks(rng)
    order = task_order(tasks)
    assert not np.array_equal(order, np.arange(len(tasks)))
    coef = np.ascontiguousarray(rng.normal(0, 0.3, (16, 23)))
    plain, ordered = np.zeros((23, len(tasks), 4)), np.zeros((23, len(tasks), 4))
    args = (coef, tasks.X, tasks.Y, tasks.W0, tasks.n_patterns, 3, 20.0)
    train_conditioning_population(*args, plain)
    train_conditioning_population(*args, ordered, order)
    assert plain.tobytes() == ordered.tobytes()
