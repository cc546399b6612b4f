"""Two-layer nets with a shared local rule (Bengio 1991 family) and the Boolean-function tasks."""
import numpy as np
import pytest

import naive
from evo_l2l.learners.two_layer import backprop_curves, two_layer_curves
from evo_l2l.rules import bengio
from evo_l2l.tasks import make_boolean_function_tasks
from evo_l2l.tasks.boolean_functions import truth_tables


@pytest.mark.parametrize("seed", range(3))
def test_kernel_matches_reference(seed):
    rng = np.random.default_rng(seed)
    tasks = make_boolean_function_tasks(rng, n_heldout=3, n_hidden=2 + seed)
    coef = np.vstack([rng.normal(0, 0.3, (7, 16)), bengio.delta_rule(2.0), bengio.hebb_rule()])
    sub = tasks.select(np.arange(0, 16, 3))
    got = two_layer_curves(coef, sub, 5, 5.0)
    H = sub.W0_hidden.shape[1]
    ref = naive.bengio_curves(coef, sub.X, sub.Y, sub.W0_hidden, sub.W0[:, :, :H + 1],
                              sub.n_patterns, sub.n_inputs, 5, 5.0)
    np.testing.assert_allclose(got, ref, rtol=0, atol=1e-12)


def test_all_sixteen_functions_and_separability():
    X, Y = truth_tables(2)
    assert X.tolist() == [[0, 0], [0, 1], [1, 0], [1, 1]] and len(Y) == 16
    tasks = make_boolean_function_tasks(np.random.default_rng(0), heldout_functions=[6, 9])
    sep = tasks.params["separable"]
    assert sum(sep) == 14 and not sep[6] and not sep[9]           # XOR, XNOR
    assert tasks.Y[6, :, 0].tolist() == [0, 1, 1, 0]
    assert (tasks.split == 1).sum() == 2 and tasks.split[6] == 1 and tasks.split[9] == 1


def test_delta_rule_and_backprop_learn_separable_functions():
    tasks = make_boolean_function_tasks(np.random.default_rng(1), n_heldout=1)
    sep = np.array(tasks.params["separable"])
    delta = two_layer_curves(bengio.delta_rule(2.0), tasks, 30)[0]
    bp = backprop_curves(tasks, [4.0], 30)[0]
    for curves in (delta, bp):
        assert curves[sep, -1].mean() > curves[sep, 0].mean() + 0.15
    none = two_layer_curves(bengio.no_learning(), tasks, 5)[0]
    np.testing.assert_array_equal(none[:, -1], none[:, 0])


def test_backprop_matches_a_slow_loop():
    tasks = make_boolean_function_tasks(np.random.default_rng(2), n_heldout=1).select([6, 9, 1])
    got = backprop_curves(tasks, [1.5], 3)[0]
    sig = lambda z: 1 / (1 + np.exp(-z))
    for k in range(3):
        Wh, Wo = tasks.W0_hidden[k].copy(), tasks.W0[k, 0, :3].copy()
        for e in range(3):
            for p in range(4):
                x, t = tasks.X[k, p], tasks.Y[k, p, 0]
                h = sig(Wh @ x)
                o = sig(Wo[:2] @ h - Wo[2])
                d_o = (t - o) * o * (1 - o)
                d_h = d_o * Wo[:2] * h * (1 - h)
                Wo = Wo + 1.5 * d_o * np.append(h, -1.0)
                Wh = Wh + 1.5 * np.outer(d_h, x)
            o_all = sig(sig(tasks.X[k] @ Wh.T) @ Wo[:2] - Wo[2])
            assert got[k, e + 1] == pytest.approx(1 - np.abs(tasks.Y[k, :, 0] - o_all).mean(), abs=1e-12)


def test_configurable_term_set(tmp_path):
    from evo_l2l import open_run
    from evo_l2l.config import ConfigError
    from evo_l2l.evolution.run import start_run
    from evo_l2l.experiments import PRESETS
    preset = PRESETS["bengio1991-boolean"]
    config = preset.default_config(terms=["a*m", "a*o*m", "1"], population=8, n_generations=4)
    start_run(config, str(tmp_path / "t.h5"))
    run = open_run(str(tmp_path / "t.h5"))
    assert run.generations["population_genome"].shape[2] == 3
    coef = run.generations["population_coef"]
    used = [bengio.TERM_NAMES.index(t) for t in ("a*m", "a*o*m", "1")]
    assert np.all(np.delete(coef, used, axis=2) == 0) and np.any(coef[:, :, used] != 0)
    with pytest.raises(ConfigError, match="terms"):
        preset.default_config(terms=["a*z"])
