"""continual_glyphs: class-incremental sequences over alphabets, and its GP preset."""
from __future__ import annotations

import dataclasses
import json

import numpy as np
import pytest
from click.testing import CliRunner

from evo_l2l.errors import ConfigError
from evo_l2l.tasks import class_data as cd
from evo_l2l.tasks import continual_glyphs as cg

SIZE = 6


def synthetic(n_alphabets=24, per_alphabet=4, instances=8, seed=0) -> cd.ClassData:
    """Small class data: each class a random 6 x 6 prototype plus noise, so it is learnable."""
    rng = np.random.default_rng(seed)
    C = n_alphabets * per_alphabet
    proto = rng.integers(0, 256, (C, SIZE, SIZE))
    x = np.clip(np.repeat(proto, instances, axis=0)
                + rng.normal(0, 30, (C * instances, SIZE, SIZE)), 0, 255).astype(np.uint8)
    label = np.repeat(np.arange(C), instances)
    group = np.repeat(np.arange(n_alphabets), per_alphabet)
    return cd.ClassData(x, label, group, tuple(f"c{c}" for c in range(C)),
                        tuple(f"a{g}" for g in range(n_alphabets)),
                        {"name": "synthetic", "version": "1", "sha256": cd.digest(x, label, group)})


@pytest.fixture
def data(monkeypatch):
    d = synthetic()
    monkeypatch.setattr(cg, "load_data", lambda size: d)
    return d


def settings(**changes) -> cg.Settings:
    base = dict(size=SIZE, n_tasks=3, n_classes_per_task=2, n_train_per_class=3,
                n_test_per_class=2, n_train_episodes=3, n_heldout=2, n_hidden=8)
    return cg.Settings(**{**base, **changes})


def make(s, seed=0):
    return cg.make_continual_glyphs(np.random.default_rng(seed), s)


def test_sequences_are_class_incremental_over_distinct_alphabets(data):
    s = settings()
    tasks = make(s)
    T, N, O = s.n_tasks, s.n_classes_per_task, s.n_tasks * s.n_classes_per_task
    E = s.n_train_episodes + s.n_heldout
    assert tasks.X.shape[0] == E and tasks.X.shape[2] == SIZE * SIZE + 1
    assert np.all(tasks.X[:, :, -1][tasks.Y.sum(axis=2) > 0] == 1.0)      # the bias column
    assert tasks.segment_end.shape == (E, T) and tasks.group_end.shape == (E, T)
    assert np.all(tasks.group_mask == 1.0) and tasks.group_mask.shape == (E, T, O)
    assert tasks.W0_hidden.shape == (E, s.n_hidden, SIZE * SIZE + 1)
    assert tasks.W0.shape == (E, O, s.n_hidden + 1)
    splits = cd.split_classes(data)
    for e in range(E):
        y = np.argmax(tasks.Y[e], axis=1)
        seg = np.concatenate([[0], tasks.segment_end[e]])
        grp = np.concatenate([tasks.segment_end[e, -1:], tasks.group_end[e]])
        for k in range(T):
            own = np.arange(k * N, (k + 1) * N)
            fit, test = y[seg[k]:seg[k + 1]], y[grp[k]:grp[k + 1]]
            assert np.array_equal(np.bincount(fit, minlength=O)[own], [s.n_train_per_class] * N)
            assert np.array_equal(np.sort(test), np.repeat(own, s.n_test_per_class))
        classes = np.array(tasks.params["classes"][e])
        alphabets = data.group[classes].reshape(T, N)
        assert np.all(alphabets == alphabets[:, :1])                # one alphabet per task
        assert len(set(alphabets[:, 0])) == T                       # all different
        split = "background" if e < s.n_train_episodes else "validation"
        assert np.isin(classes, splits[split]).all()
    assert tasks.params["data"]["name"] == "synthetic"


def test_test_images_are_not_training_images(data):
    tasks = make(settings())
    for e in range(len(tasks)):
        end = tasks.segment_end[e, -1]
        fit = {r.tobytes() for r in tasks.X[e, :end]}
        test = {r.tobytes() for r in tasks.X[e, end:tasks.group_end[e, -1]]}
        assert not fit & test


def test_same_seed_same_sequences_and_longer_draws_start_with_the_stored_ones(data):
    s = settings()
    a, b = make(s), make(s)
    assert np.array_equal(a.X, b.X) and np.array_equal(a.W0_hidden, b.W0_hidden)
    assert not np.array_equal(a.X, make(s, seed=1).X)
    more = make(dataclasses.replace(s, n_heldout=5)).select("heldout")
    held = a.select("heldout")
    assert np.array_equal(more.X[:2], held.X) and np.array_equal(more.Y[:2], held.Y)
    assert np.array_equal(more.W0[:2], held.W0)


def test_too_few_alphabets_is_one_clear_error(data):
    with pytest.raises(ConfigError, match="validation split has .* alphabets .* needs 9"):
        make(settings(n_tasks=9))
    with pytest.raises(ConfigError, match="n_train_per_class \\+ tasks.n_test_per_class"):
        settings(n_train_per_class=15, n_test_per_class=10).check()


def test_the_delta_rule_learns_and_forgets_on_the_sparse_layer(data):
    from evo_l2l.analysis.episode_metrics import continual_summary
    from evo_l2l.learners import LEARNERS
    from evo_l2l.rules import symbolic as sym
    tasks = make(settings(n_hidden=64, n_train_episodes=1, n_heldout=6))
    lr = LEARNERS.get("symbolic_episode")
    pset = sym.make_pset(lr.variables, (), lr.name)
    progs = sym.compile_programs([sym.parse_tree("mul(a, m)", pset)], pset)
    ls = lr.settings(n_epochs=1, clip=20.0, hidden="fixed", k_active=8, active_only=True)
    acc = lr.program_accuracy(progs, tasks, ls, 0.1)[0]
    m = continual_summary(acc)
    R = np.array(m["R"])
    assert R.shape == (3, 3)
    assert np.diag(R).mean() > 1.5 / 6            # each task learned well above chance (1/6)


def test_the_preset_runs_and_evaluates_with_the_ablation(data, tmp_path):
    from evo_l2l.cli import main
    from evo_l2l.experiments import PRESETS
    preset = PRESETS["continual-glyphs-gp"]
    config = preset.default_config()
    assert config.tasks.name == "continual_glyphs" and config.tasks.settings.size == 14
    assert config.learner.settings.k_active == 64 and config.learner.settings.active_only
    path = str(tmp_path / "g.h5")
    args = ["run", "continual-glyphs-gp", "--toy", "--generations", "2", "--population", "6",
            "-q", "-o", path, "--set", f"tasks.size={SIZE}"]
    res = CliRunner().invoke(main, args)
    assert res.exit_code == 0, res.output
    res = CliRunner().invoke(main, ["evaluate", path, "--n-tasks", "4", "--no-baselines",
                                    "--json"])
    assert res.exit_code == 0, res.output
    rows = {r["method"]: r for r in json.loads(res.output)["rows"]}
    assert set(rows) == {"best", "ablation"}
    assert np.array(rows["best"]["R"]).shape == (3, 3)
    assert rows["best"]["vs_ablation"]["n_sequences"] == 4


def test_real_glyphs_at_toy_size_hold_out_validation_alphabets():
    """The preset's own data: the stored held-out sequences come from validation alphabets."""
    from evo_l2l.evolution.problem import build_tasks
    from evo_l2l.experiments import PRESETS
    preset = PRESETS["continual-glyphs-gp"]
    tasks = build_tasks(preset.default_config(**preset.toy))
    glyphs = cg.load_data(14)
    splits = cd.split_classes(glyphs)
    train, held = (np.array(c) for c in tasks.params["classes"])
    assert np.isin(train, splits["background"]).all()
    assert np.isin(held, splits["validation"]).all()
    assert tasks.X.shape[2] == 14 * 14 + 1 and tasks.params["data"]["name"] == "evo_l2l.glyphs"
