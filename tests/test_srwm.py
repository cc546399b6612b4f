"""SRWM learner (issue 14, item 1): kernel vs the NumPy reference, ablations, the learner."""
import numpy as np
import pytest

import naive
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


@pytest.mark.parametrize("setting, message", [("tasks.size=14", "tasks.size must be 8"),
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
