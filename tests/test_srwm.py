"""SRWM learner (issue 14, item 1): kernel vs the NumPy reference, ablations, the learner."""
import numpy as np
import pytest

import naive
from evo_l2l.errors import ConfigError
from evo_l2l.kernels.srwm import srwm_episodes, srwm_step
from evo_l2l.learners.srwm import SRWMSettings, embed, run_episodes
from evo_l2l.rules import srwm as fam
from evo_l2l.tasks.rot_digits import Settings, make_rot_digits


@pytest.fixture(scope="module")
def episodes():
    s = Settings(n_way=3, k_shot=2, n_query=3, n_train_episodes=3, n_heldout=2)
    return make_rot_digits(np.random.default_rng(3), s)


def test_one_step_matches_reference():
    rng = np.random.default_rng(0)
    E, M = 5, 19
    for mode, code in (("full", 0), ("none", 1), ("fixed_rate", 2)):
        W = rng.normal(0, 2, (M, E))
        x = rng.normal(0, 2, E)
        ref_W, ref_y = naive.srwm_step(W, x, mode)
        phi, q, k = np.empty(E), np.empty(E), np.empty(E)
        main, v, vb = np.empty(M), np.empty(M), np.empty(M)
        srwm_step(W, x, E, code, phi, main, q, k, v, vb)
        np.testing.assert_allclose(W, ref_W, rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(main[:E], ref_y, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("mode", ["full", "none", "fixed_rate"])
def test_kernel_matches_reference_on_random_matrices(episodes, mode):
    rng = np.random.default_rng(1)
    W0 = rng.normal(0, 3, (3, fam.N_COEF))
    a = embed(episodes)
    acc, prob = run_episodes(W0, episodes, mode)
    ref_acc, ref_prob = naive.srwm_episodes(W0, a["Z"], a["n_support"], a["query_end"],
                                            a["label"], a["n_way"], fam.N_HEADS,
                                            fam.LABEL_SLOT, mode)
    np.testing.assert_allclose(prob, ref_prob, rtol=1e-9, atol=1e-12)
    np.testing.assert_array_equal(acc, ref_acc)


def test_kernel_on_random_inputs_and_heads():
    """The kernel alone, on random inputs of another size, against the reference."""
    rng = np.random.default_rng(2)
    T, P, E, H = 3, 9, 6, 3
    Z = rng.normal(0, 2, (T, P, E))
    n_support = np.array([4, 2, 5]); query_end = np.array([9, 7, 8])
    label = rng.integers(0, 2, (T, P)); n_way = np.array([2, 2, 2])
    W0 = rng.normal(0, 2, (2, H * (3 * E + 4) * E))
    L = n_support.max()
    acc, prob = np.full((2, T, L + 1), np.nan), np.full((2, T, L + 1), np.nan)
    srwm_episodes(W0, Z, n_support, n_support.copy(), query_end, label, n_way, H, 3, 0,
                  True, acc, prob)
    ref_acc, ref_prob = naive.srwm_episodes(W0, Z, n_support, query_end, label, n_way, H, 3)
    np.testing.assert_allclose(prob, ref_prob, rtol=1e-9)
    np.testing.assert_array_equal(acc, ref_acc)


def test_measuring_only_the_end_gives_the_same_last_column(episodes):
    W0 = np.random.default_rng(4).normal(0, 3, (2, fam.N_COEF))
    full = run_episodes(W0, episodes)[1]
    last = run_episodes(W0, episodes, measure_all=False)[1]
    np.testing.assert_array_equal(full[..., -1], last[..., -1])


def test_without_self_modification_queries_stay_at_the_initial_answer(episodes):
    W = fam.handwired()[None]
    acc, prob = run_episodes(W, episodes, "none")
    assert np.all(acc == acc[..., :1]) and np.all(prob == prob[..., :1])
    full = run_episodes(W, episodes, "full")[0]
    assert full[..., -1].mean() > acc[..., -1].mean()


def test_handwired_matrix_learns_one_shot_and_learner_curves(episodes):
    """The hand-built W learns held-out 2-way 1-shot episodes well above chance."""
    s = Settings(n_way=2, k_shot=1, n_query=10, n_train_episodes=1, n_heldout=60)
    ts = make_rot_digits(np.random.default_rng(0), s).select("heldout")
    acc, _ = run_episodes(fam.handwired()[None], ts)
    assert acc[0, :, 0].mean() == 0.5 and acc[0, :, -1].mean() > 0.7
    from evo_l2l.learners.srwm import LEARNER
    curves = LEARNER.coefficient_curves("srwm", fam.handwired()[None], ts,
                                        SRWMSettings(score="accuracy"))
    np.testing.assert_array_equal(curves, acc)
    assert LEARNER.accuracy(fam.handwired()[None], ts, SRWMSettings()).shape == (1, 60, 2, 1)


def test_refuses_continual_sequences_and_too_many_classes():
    from evo_l2l.tasks.permuted_digits import Settings as PS, make_permuted_digits
    seq = make_permuted_digits(np.random.default_rng(0), PS(n_tasks=2, n_train_per_task=10,
                                                            n_test_per_task=10,
                                                            n_train_episodes=1, n_heldout=1))
    with pytest.raises(ValueError, match="continual"):
        run_episodes(np.zeros((1, fam.N_COEF)), seq)
    many = make_rot_digits(np.random.default_rng(0), Settings(n_way=6, n_query=1,
                                                              n_train_episodes=1, n_heldout=1))
    with pytest.raises(ValueError, match="label slots"):
        run_episodes(np.zeros((1, fam.N_COEF)), many)


def test_numpy_step_of_the_library_matches_reference_batched():
    from evo_l2l.learners.srwm import srwm_step_numpy
    rng = np.random.default_rng(6)
    W = rng.normal(0, 2, (3, 19, 5)); x = rng.normal(0, 2, (3, 5))
    for mode in ("full", "none", "fixed_rate"):
        new, y = srwm_step_numpy(W, x, mode)
        for i in range(3):
            ref_W, ref_y = naive.srwm_step(W[i], x[i], mode)
            np.testing.assert_allclose(new[i], ref_W, rtol=1e-12, atol=1e-12)
            np.testing.assert_allclose(y[i], ref_y, rtol=1e-12, atol=1e-12)


def test_self_modification_summary_of_the_handwired_matrix(episodes):
    from types import SimpleNamespace
    from evo_l2l.analysis.self_modification import format_summary, srwm_summary
    problem = SimpleNamespace(splits={"heldout": episodes.select("heldout")})
    d = srwm_summary(problem, fam.handwired())
    assert len(d["accuracy_per_position"]["full"]) == 7          # 3-way 2-shot: 6 positions
    assert d["movement_per_position"]["y"][-1] > 0
    assert d["movement_per_position"]["q"][-1] < 1e-6            # beta_q ~ 0: q rows stay
    assert any("movement" in line for line in format_summary(d))


def test_genome_zero_is_the_start_matrix_of_the_settings():
    from evo_l2l.evolution.problem import build_tasks, make_problem
    from evo_l2l.experiments import PRESETS
    for start, W in (("random", fam.base_matrix()), ("handwired", fam.handwired())):
        config = PRESETS["srwm-fewshot"].default_config(
            **{"rule.start": start, "tasks.n_train_episodes": 2, "tasks.n_heldout": 1})
        problem = make_problem(config, build_tasks(config))
        np.testing.assert_array_equal(problem.rule_of_genome(np.zeros(fam.N_COEF)), W)


@pytest.mark.parametrize("setting, message", [("tasks.size=2", "tasks.size must be >= 3"),
                                              ("tasks.n_way=6", "5 label slots")])
def test_tasks_the_learner_cannot_read_are_one_line_before_any_archive(tmp_path, setting,
                                                                         message):
    from click.testing import CliRunner
    from evo_l2l.cli import main
    path = tmp_path / "run.h5"
    res = CliRunner().invoke(main, ["run", "srwm-glyphs", "--toy", "--generations", "1",
                                    "--set", setting, "-o", str(path)])
    assert res.exit_code == 2, res.output
    assert message in res.output and "Traceback" not in res.output
    assert res.output.strip().count("\n") == 0
    assert not path.exists() and not list(tmp_path.iterdir())


def _user_episodes(tmp_path, seed=0, **kw):
    """class_episodes of a small user data set (12 alphabets x 3 classes, 8 images, 6 x 6)."""
    from evo_l2l.components import validate_settings
    from evo_l2l.tasks.class_episodes import Settings as CS, make_class_episodes
    rng = np.random.default_rng(0)
    label = np.repeat(np.arange(36), 8)
    x = np.clip(rng.integers(0, 256, (36, 6, 6))[label] + rng.normal(0, 20, (288, 6, 6)),
                0, 255).astype(np.uint8)
    path = tmp_path / "toy.npz"
    np.savez(path, x=x, label=label, group=np.array([f"a{c // 3}" for c in label]))
    base = dict(dataset="path", path=str(path), size=6, n_way=2, k_shot=1, n_query=3,
                n_train_episodes=12, n_heldout=6, n_hidden=4)
    s = validate_settings(CS(**{**base, **kw}), "tasks")
    return make_class_episodes(np.random.default_rng(seed), s), path


def test_digit_basis_is_the_pca_of_the_meta_training_digits(episodes):
    """srwm-fewshot's features: rot_digits' meta-training digits, 64 pixels, as before."""
    from evo_l2l.learners.srwm import feature_basis, principal_basis
    from evo_l2l.tasks.rot_digits import meta_training_inputs
    X = meta_training_inputs({})
    assert X.shape[1] == 64 and len(X) > 1000
    mean, proj = feature_basis(episodes)
    ref_mean, ref_proj = principal_basis(X, fam.N_FEATURES)
    np.testing.assert_array_equal(mean, ref_mean)
    np.testing.assert_array_equal(proj, ref_proj)


def test_any_width_is_read_on_the_background_rows_own_principal_components(tmp_path):
    """class_episodes at 6 x 6 (36 inputs): the basis comes from the background rows alone
    (every one, as episodes hold them), so every task set of the run, whatever its number
    of training episodes, gets the same features; the kernel still matches the reference."""
    from evo_l2l.learners.srwm import _BASES, feature_basis
    from evo_l2l.tasks import class_data as cd, user_data
    from evo_l2l.tasks.class_episodes import meta_training_inputs
    tasks, path = _user_episodes(tmp_path)
    X = meta_training_inputs(tasks.params)
    data = user_data.load_class_data(path, 6)
    assert X.shape == (8 * len(cd.split_classes(data)["background"]), 36)
    mean, proj = feature_basis(tasks)
    assert proj.shape == (36, fam.N_FEATURES)
    Z = (X - mean) @ proj
    assert np.mean(Z.var(axis=0)) == pytest.approx(1.0)
    np.testing.assert_allclose(np.corrcoef(Z.T), np.eye(fam.N_FEATURES), atol=1e-9)
    _BASES.clear()
    fewer = _user_episodes(tmp_path, n_train_episodes=1)[0].select("heldout")
    np.testing.assert_array_equal(feature_basis(fewer)[1], proj)
    np.testing.assert_array_equal(fewer.X, tasks.select("heldout").X)
    W0 = np.random.default_rng(1).normal(0, 3, (2, fam.N_COEF))
    a = embed(tasks)
    acc, prob = run_episodes(W0, tasks)
    ref_acc, ref_prob = naive.srwm_episodes(W0, a["Z"], a["n_support"], a["query_end"],
                                            a["label"], a["n_way"], fam.N_HEADS,
                                            fam.LABEL_SLOT, "full")
    np.testing.assert_allclose(prob, ref_prob, rtol=1e-9, atol=1e-12)
    np.testing.assert_array_equal(acc, ref_acc)


def test_basis_never_sees_a_held_out_class(tmp_path):
    """Changing the validation and evaluation rows of the data changes no feature."""
    from evo_l2l.learners.srwm import feature_basis
    from evo_l2l.tasks import class_data as cd, user_data
    tasks, path = _user_episodes(tmp_path)
    proj = feature_basis(tasks)[1].copy()
    f = dict(np.load(path))
    splits = cd.split_classes(user_data.load_class_data(path, 6))
    held = np.isin(f["label"], np.concatenate([splits["validation"], splits["evaluation"]]))
    f["x"][held] = 255 - f["x"][held]
    np.savez(path, **f)
    from evo_l2l.learners.srwm import principal_basis
    from evo_l2l.tasks.class_episodes import meta_training_inputs
    params = {**tasks.params, "data": user_data.load_class_data(path, 6).identity}
    np.testing.assert_array_equal(
        principal_basis(meta_training_inputs(params), fam.N_FEATURES)[1], proj)
    with pytest.raises(ConfigError, match="not the ones"):
        meta_training_inputs(tasks.params)          # the run's data changed under it


def test_srwm_glyphs_reads_glyphs_of_any_size(tmp_path):
    """The preset (20 x 20; its toy 14 x 14, whose glyphs the other toys use) runs: 197
    inputs projected on the background rows' own principal components."""
    from click.testing import CliRunner
    from evo_l2l import open_run
    from evo_l2l.cli import main
    from evo_l2l.experiments import PRESETS
    assert PRESETS["srwm-glyphs"].default_config().tasks.settings.size == 20
    path = tmp_path / "run.h5"
    res = CliRunner().invoke(main, ["run", "srwm-glyphs", "--toy", "--generations", "1",
                                    "--population", "4", "-q", "-o", str(path)])
    assert res.exit_code == 0, res.output
    run = open_run(str(path))
    assert run.config.tasks.settings.size == 14 and run.tasks.X.shape[2] == 14 * 14 + 1
    from evo_l2l.learners.srwm import feature_basis
    assert feature_basis(run.tasks)[1].shape == (14 * 14, fam.N_FEATURES)
