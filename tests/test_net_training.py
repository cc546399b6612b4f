"""The net_training task family: shapes that match net_spec, determinism, held-out rows no
meta-training task saw, held-out families that are what they say, and kernel arguments that
train (against tests/naive_mlp.py)."""
import dataclasses
import json
import math

import naive_mlp
import numpy as np
import pytest

from evo_l2l.components import validate_settings
from evo_l2l.errors import ConfigError
from evo_l2l.kernels import mlp_train
from evo_l2l.learners import mlp_trainer
from evo_l2l.rules import update_programs as up
from evo_l2l.tasks import HELDOUT, TASK_FAMILIES, TRAIN, TaskSet
from evo_l2l.tasks import net_training as nt
from evo_l2l.tasks.taskset import NET_SPEC

COL = {name: i for i, name in enumerate(NET_SPEC)}
SMALL = dict(n_tasks=6, n_heldout=3, n_train=48, n_test=40, min_batch=8, max_batch=16,
             n_steps=20)


def settings(**kw):
    return validate_settings(nt.Settings(**{**SMALL, **kw}), "tasks")


def make(seed=0, **kw):
    return TASK_FAMILIES.get("net_training").make(np.random.default_rng(seed), settings(**kw))


def rows_of(ts, t):
    """Task t's data rows (n_patterns, n_inputs)."""
    return ts.X[t, :ts.n_patterns[t], :ts.n_inputs[t]]


def test_registered_shapes_and_net_spec_agree():
    family = TASK_FAMILIES.get("net_training")
    assert family.provides == frozenset({"net_training"}) and family.settings is nt.Settings
    ts = make(min_hidden=1, max_hidden=3, min_width=4, max_width=40,
              activations=["tanh", "relu"], min_init_scale=0.5, max_init_scale=2.0)
    T = len(ts)
    assert ts.family == "net_training" and T == 6
    assert list(ts.split) == [TRAIN] * 3 + [HELDOUT] * 3
    spec = ts.net_spec
    assert spec.shape == (T, len(NET_SPEC))
    assert np.all(spec[:, COL["n_train"]] == 48) and np.all(ts.n_patterns == 48 + 40)
    assert np.all(ts.n_inputs == 40) and np.all(ts.n_outputs == 10)
    assert ts.X.shape == (T, 88, 40) and ts.Y.shape == (T, 88, 10)
    assert ts.W0.shape == (T, 10, 40) and not ts.W0.any()
    n_hidden = spec[:, COL["n_hidden"]].astype(int)
    assert set(n_hidden) <= {1, 2, 3}
    for t in range(T):
        widths = spec[t, COL["width1"]:COL["width3"] + 1]
        assert np.all((4 <= widths[:n_hidden[t]]) & (widths[:n_hidden[t]] <= 40))
        assert not widths[n_hidden[t]:].any()
        y = ts.Y[t, :ts.n_patterns[t]]
        assert np.all(y.sum(axis=1) == 1) and set(np.unique(y)) == {0.0, 1.0}   # one-hot
    assert set(spec[:, COL["activation"]]) <= {0, 1} and not spec[:, COL["loss"]].any()
    assert np.all((8 <= spec[:, COL["batch_size"]]) & (spec[:, COL["batch_size"]] <= 16))
    assert np.all(spec[:, COL["n_steps"]] == 20)
    scale = spec[:, COL["init_scale"]]
    assert np.all((0.5 <= scale) & (scale <= 2.0)) and len(set(scale)) == T
    seeds = spec[:, COL["seed"]]
    assert np.all((0 <= seeds) & (seeds < 2 ** 31) & (seeds == np.round(seeds)))
    arch = nt.architecture(ts)
    assert arch.dtype == np.int64 and arch.shape == (T, mlp_train.ARCH_COLUMNS)
    np.testing.assert_array_equal(arch, spec[:, :8])
    np.testing.assert_array_equal(nt.n_train(ts), [48] * T)
    # the standardised meta-training pool: mean 0, std 1 per feature
    x, _ = nt.pool("mnist1d", "meta")
    np.testing.assert_allclose(x.mean(axis=0), 0, atol=1e-9)
    np.testing.assert_allclose(x.std(axis=0), 1, atol=1e-9)
    params = json.loads(json.dumps(ts.params))
    assert params["heldout_family"] == "same" and params["n_train"] == 48
    assert params["data"]["mnist1d"]["name"] == "mnist1d.data.make_dataset"
    assert len(params["data"]["mnist1d"]["sha256"]) == 64
    assert params["datasets"] == ["mnist1d"] * T
    assert len(ts.select("heldout").net_spec) == 3


def test_the_same_seed_gives_the_same_tasks_and_more_heldout_tasks_extend_them():
    a, b, c = make(0), make(0), make(1)
    for k, v in a.arrays().items():
        np.testing.assert_array_equal(v, b.arrays()[k], err_msg=k)
    assert a.params == b.params
    assert not np.array_equal(a.X, c.X)
    for f in (nt.initial_parameters, nt.minibatches):
        np.testing.assert_array_equal(f(a), f(b))
    more = make(0, n_tasks=8, n_heldout=5)
    np.testing.assert_array_equal(more.X[:3], a.X[:3])              # meta-training tasks
    np.testing.assert_array_equal(more.net_spec[3:6], a.net_spec[3:6])   # held-out prefix
    s = settings()
    x1 = nt.make_tasks(np.random.default_rng(4), s, "wide", 2)
    x2 = nt.make_tasks(np.random.default_rng(4), s, "wide", 5)
    np.testing.assert_array_equal(x1.X, x2.X[:2])
    np.testing.assert_array_equal(x1.net_spec, x2.net_spec[:2])


@pytest.mark.parametrize("dataset", ["mnist1d", "digits"])
def test_heldout_tasks_never_see_a_meta_training_row(dataset):
    s = settings(dataset=dataset, n_train=60, n_test=60)
    ts = nt.make_net_training(np.random.default_rng(3), dataclasses.replace(
        s, n_tasks=10, n_heldout=5))
    meta_pool = {r.tobytes() for r in nt.pool(dataset, "meta")[0]}
    held_pool = {r.tobytes() for r in nt.pool(dataset, "heldout")[0]}
    assert not meta_pool & held_pool
    meta = {r.tobytes() for t in np.flatnonzero(ts.split == TRAIN) for r in rows_of(ts, t)}
    held = {r.tobytes() for t in np.flatnonzero(ts.split == HELDOUT) for r in rows_of(ts, t)}
    assert meta <= meta_pool and held <= held_pool and not meta & held
    for t in range(len(ts)):                 # rows drawn without replacement
        assert len({r.tobytes() for r in rows_of(ts, t)}) == ts.n_patterns[t]
    n = nt.N_ROWS[dataset]
    assert len(meta_pool) + len(held_pool) == n and len(meta_pool) == round(nt.META_FRACTION * n)


def test_each_heldout_family_is_what_its_name_says():
    s = settings(min_width=16, max_width=32)
    draw = {name: nt.make_tasks(np.random.default_rng(5), s, name, 4)
            for name in nt.HELDOUT_FAMILIES}
    assert set(draw) == {"same", "wide", "deep", "long", "digits", "regression", "relu"}
    for name, ts in draw.items():
        assert np.all(ts.split == HELDOUT) and ts.params["heldout_family"] == name
    spec = {name: ts.net_spec for name, ts in draw.items()}
    arch = {name: nt.architecture(ts) for name, ts in draw.items()}
    base = arch["same"]
    assert np.all(base[:, 0] == 1) and np.all((16 <= base[:, 1]) & (base[:, 1] <= 32))
    assert np.all(base[:, 4:6] == 0) and np.all(base[:, 7] == 20)
    assert np.all(arch["wide"][:, 1] == 128)
    assert np.all(arch["deep"][:, 0] == 3)
    assert np.all((16 <= arch["deep"][:, 1:4]) & (arch["deep"][:, 1:4] <= 32))
    assert np.all(arch["long"][:, 7] == 80) and nt.minibatches(draw["long"]).shape[1] == 80
    assert np.all(draw["digits"].n_inputs == 64) and np.all(arch["digits"][:, 5] == 0)
    assert draw["digits"].params["datasets"] == ["digits"] * 4
    assert np.all(arch["relu"][:, 4] == 1) and np.all(spec["relu"][:, COL["init_scale"]] == 2.0)
    reg = draw["regression"]
    assert np.all(arch["regression"][:, 5] == 1)
    assert np.all((4 <= reg.n_inputs) & (reg.n_inputs <= 16))
    assert np.all((1 <= reg.n_outputs) & (reg.n_outputs <= 3))
    for t in range(len(reg)):                # targets standardised on the training rows
        y = reg.Y[t, :48, :reg.n_outputs[t]]
        np.testing.assert_allclose(y.mean(axis=0), 0, atol=1e-9)
        np.testing.assert_allclose(y.std(axis=0), 1, atol=1e-9)
    # digits when meta-training is digits means mnist1d
    other = nt.make_tasks(np.random.default_rng(5), settings(dataset="digits"), "digits", 2)
    assert np.all(other.n_inputs == 40)
    # the heldout_family setting draws the run's held-out tasks
    ts = make(0, heldout_family="deep")
    assert np.all(nt.architecture(ts)[ts.split == HELDOUT, 0] == 3)
    assert np.all(nt.architecture(ts)[ts.split == TRAIN, 0] == 1)
    # a held-out family on another dataset may use all its rows: at its default sizes too
    wide = nt.make_tasks(np.random.default_rng(0), nt.Settings(), "digits", 1)
    assert wide.n_patterns[0] == 512


def test_initial_parameters_and_minibatches_follow_the_spec():
    ts = make(2, min_hidden=2, max_hidden=3, min_width=3, max_width=9, min_batch=5,
              max_batch=30, min_init_scale=0.3, max_init_scale=3.0, heldout_family="long")
    theta0, batches = nt.initial_parameters(ts), nt.minibatches(ts)
    arch = nt.architecture(ts)
    counts = [mlp_train.n_params(ts.n_inputs[t], arch[t], ts.n_outputs[t])
              for t in range(len(ts))]
    assert theta0.shape == (len(ts), max(counts))
    assert batches.shape == (len(ts), 80, arch[:, 6].max()) and batches.dtype == np.int64
    assert arch[:, 6].min() >= 5 and arch[:, 6].max() <= 30
    t = 4
    n_hidden, seed = arch[t, 0], int(ts.net_spec[t, COL["seed"]])
    scale = ts.net_spec[t, COL["init_scale"]]
    rng = np.random.default_rng([seed, 0])
    sizes = [40] + list(arch[t, 1:1 + n_hidden]) + [10]
    expect = []
    for fan_in, out in zip(sizes[:-1], sizes[1:]):
        expect += list((rng.normal(size=(out, fan_in)) * scale / math.sqrt(fan_in)).ravel())
        expect += [0.0] * out
    np.testing.assert_array_equal(theta0[t, :len(expect)], expect)
    assert len(expect) == counts[t] and not theta0[t, len(expect):].any()
    B, S = arch[t, 6], arch[t, 7]
    rng = np.random.default_rng([seed, 1])
    order = np.concatenate([rng.permutation(48) for _ in range(-(-S * B // 48))])
    np.testing.assert_array_equal(batches[t, :S, :B], order[:S * B].reshape(S, B))
    assert not batches[t, :, B:].any() and not batches[t, S:].any()
    assert np.all(batches < 48)                                     # training rows only


def _sgd_run(ts, E=4):
    row = np.zeros((1, 51))
    row[0, 0] = 0.1
    row[0, 1:6] = (10, 7, 0, 0, 1.0)             # u = 1.0 * g
    arch = nt.architecture(ts)
    test_loss = np.zeros((1, len(ts), E + 1))
    train_loss = np.zeros((1, len(ts), arch[:, 7].max()))
    mlp_train.train(0, row, ts.X, ts.Y, ts.n_inputs, ts.n_outputs, arch, nt.n_train(ts),
                    ts.n_patterns, nt.loss_scales(ts), nt.initial_parameters(ts),
                    nt.minibatches(ts), test_loss, train_loss)
    return row[0], test_loss[0], train_loss[0]


def test_sgd_trains_every_task_as_the_numpy_reference_does():
    ts = make(0, n_tasks=6, n_heldout=3, max_hidden=2, activations=["tanh", "relu"],
              n_steps=40, heldout_family="regression")
    assert set(nt.architecture(ts)[:, 5]) == {0, 1}             # both losses, padded together
    row, test_loss, train_loss = _sgd_run(ts)
    assert np.all(np.isfinite(test_loss)) and np.all(np.isfinite(train_loss))
    assert np.all(test_loss[:, -1] < test_loss[:, 0]), test_loss
    arch, theta0, batches = nt.architecture(ts), nt.initial_parameters(ts), nt.minibatches(ts)
    for t in (0, len(ts) - 1):
        ref_test, ref_train = naive_mlp.train(
            0, row, ts.X[t], ts.Y[t], ts.n_inputs[t], ts.n_outputs[t], arch[t],
            nt.n_train(ts)[t], ts.n_patterns[t], theta0[t], batches[t], 4,
            nt.loss_scales(ts)[t])
        np.testing.assert_allclose(test_loss[t], ref_test, rtol=1e-9)
        np.testing.assert_allclose(train_loss[t, :arch[t, 7]], ref_train, rtol=1e-9)


@pytest.mark.parametrize("bad, message", [
    (dict(min_width=40, max_width=20), "min_width"),
    (dict(min_hidden=3, max_hidden=2), "min_hidden"),
    (dict(max_hidden=4), "max_hidden"),
    (dict(max_batch=64), "max_batch"),
    (dict(min_batch=20, max_batch=10), "min_batch"),
    (dict(min_init_scale=2.0, max_init_scale=1.0), "min_init_scale"),
    (dict(min_init_scale=0.0), "min_init_scale"),
    (dict(activations=[]), "activations"),
    (dict(activations=["sigmoid"]), "activations"),
    (dict(dataset="cifar"), "dataset"),
    (dict(heldout_family="bigger"), "heldout_family"),
    (dict(n_heldout=6), "n_heldout"),
    (dict(n_heldout=0), "n_heldout"),
    (dict(n_steps=0), "n_steps"),
    (dict(dataset="digits", n_train=700, n_test=800), "n_train \\+ n_test"),
])
def test_bad_settings_are_config_errors_naming_the_field(bad, message):
    with pytest.raises(ConfigError, match=message):
        settings(**bad)


def test_misuse_of_the_helpers_is_refused():
    with pytest.raises(ConfigError, match="unknown held-out family"):
        nt.make_tasks(np.random.default_rng(0), settings(), "bigger", 2)
    with pytest.raises(ConfigError, match="n >= 1"):
        nt.make_tasks(np.random.default_rng(0), settings(), None, 0)
    plain = TaskSet(np.zeros((1, 2, 2)), np.zeros((1, 2, 1)), np.zeros((1, 1, 2)), [2], [2],
                    [1], [0])
    with pytest.raises(ValueError, match="net_spec"):
        nt.architecture(plain)


def test_the_digits_family_cuts_its_rows_to_fit_the_dataset():
    """Meta-training on 1536 + 512 MNIST-1D rows; digits has 1797 rows in all: a quarter as
    test rows, the rest for training, and a task of that family can be drawn."""
    s = nt.Settings(n_train=1536, n_test=512, min_batch=16, max_batch=64)
    h = nt.heldout_settings(s, "digits")
    assert (h.dataset, h.n_train, h.n_test) == ("digits", 1348, 449)
    s.check()
    ts = nt.make_tasks(np.random.default_rng(0), s, "digits", 2)
    assert ts.n_patterns.tolist() == [1797, 1797] and ts.n_inputs.tolist() == [64, 64]


def test_target_scales_multiply_a_regression_tasks_targets_and_nothing_else():
    plain = nt.make_tasks(np.random.default_rng(3), settings(dataset="regression"), None, 1)
    twice = nt.make_tasks(np.random.default_rng(3),
                          settings(dataset="regression", min_target_scale=2.0,
                                   max_target_scale=2.0), None, 1)
    assert np.array_equal(twice.X, plain.X) and np.array_equal(twice.net_spec, plain.net_spec)
    assert np.array_equal(twice.Y, 2.0 * plain.Y)
    # drawn per task, log-uniform in the range
    many = nt.make_tasks(np.random.default_rng(4),
                         settings(dataset="regression", min_target_scale=0.1,
                                  max_target_scale=10.0), None, 24)
    size = np.array([np.sqrt(np.mean(many.Y[t, :48, :many.n_outputs[t]] ** 2))
                     for t in range(24)])
    assert size.min() < 0.5 and size.max() > 2.0 and np.all((size > 0.05) & (size < 20))
    # another dataset's held-out family (classes) takes no target scale
    s = settings(dataset="regression", min_target_scale=0.1, max_target_scale=10.0)
    digits = nt.make_tasks(np.random.default_rng(5), s, "digits", 2)
    assert set(np.unique(digits.Y)) <= {0.0, 1.0}


@pytest.mark.parametrize("bad,message", [
    (dict(dataset="mnist1d", min_target_scale=0.5), "target scales apply to regression"),
    (dict(dataset="regression", min_target_scale=2.0, max_target_scale=1.0),
     "min_target_scale must be <= max_target_scale")])
def test_bad_target_scales_are_refused(bad, message):
    with pytest.raises(ConfigError, match=message):
        settings(**bad)


def test_loss_scales_multiply_a_tasks_losses_and_gradients_and_nothing_else():
    plain = make(3)
    assert np.all(plain.net_spec[:, COL["loss_scale"]] == 1.0)
    scaled = make(3, min_loss_scale=1e-3, max_loss_scale=1.0)
    assert np.array_equal(scaled.X, plain.X) and np.array_equal(scaled.Y, plain.Y)
    other = [c for c in range(len(NET_SPEC)) if c != COL["loss_scale"]]
    assert np.array_equal(scaled.net_spec[:, other], plain.net_spec[:, other])
    factor = nt.loss_scales(scaled)
    assert np.all((factor >= 1e-3) & (factor <= 1.0)) and len(set(factor)) == len(scaled)
    # the kernel's losses are the unscaled ones times the factor; a sign step is the same
    # on both (the gradient's sign does not change), an SGD step is not
    sign_sgd = up.parse("lr = 0.01; u = sign(g)")[None]
    sgd = up.known("sgd", 0.1)[None]
    for row, same in ((sign_sgd, True), (sgd, False)):
        a, _ = mlp_trainer.losses("update_program", row, plain, 2)
        b, _ = mlp_trainer.losses("update_program", row, scaled, 2)
        np.testing.assert_allclose(b[0, :, 0], factor * a[0, :, 0], rtol=1e-12)
        assert np.allclose(b[0, :, -1], factor * a[0, :, -1], rtol=1e-9) == same


def test_a_net_spec_without_the_loss_scale_column_is_read_as_scale_one():
    """Archives written before tasks had a loss scale hold 11 columns."""
    ts = make(0)
    old = TaskSet(ts.X, ts.Y, ts.W0, ts.n_patterns, ts.n_inputs, ts.n_outputs, ts.split,
                  ts.family, ts.params, net_spec=ts.net_spec[:, :-1])
    assert np.array_equal(old.net_spec, ts.net_spec)


def test_bad_loss_scales_are_refused():
    with pytest.raises(ConfigError, match="min_loss_scale must be <= max_loss_scale"):
        settings(min_loss_scale=2.0, max_loss_scale=1.0)
    with pytest.raises(ConfigError, match="min_loss_scale"):
        settings(min_loss_scale=0.0)
