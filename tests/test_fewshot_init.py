"""Evolved initial weights (rules/bengio_init.py): the family's decoding, ES with Adam
resuming exactly, one seed -> one run, and the run through the command line."""
import json

import numpy as np
import pytest
from click.testing import CliRunner

from evo_l2l import open_run
from evo_l2l.cli import main
from evo_l2l.evolution.run import resume_run, start_run
from evo_l2l.experiments import PRESETS
from evo_l2l.rules import bengio_init as bi
from evo_l2l.rules import bengio_layers
from test_evolution import arrays_of, assert_same_arrays

PRESET = PRESETS["fewshot-digits-init"]


def test_genome_zero_is_the_start_and_frozen_features_ignore_the_hidden_genes():
    rng = np.random.default_rng(0)
    s = bi.BengioInitSettings(start_rule="hebb_output", start_rate=3.0, start_gain=0.5,
                              w0_scale=0.1)
    decode = bi.decoder(s)
    zero = decode(np.zeros((1, bi.N_COEF)))[0]
    np.testing.assert_array_equal(zero[:32], bengio_layers.hebb_output_rule(3.0))
    assert zero[bi.GAIN] == 0.5
    np.testing.assert_array_equal(bi.parts(zero)["W0"][0], bi.base_weights())
    g = rng.normal(0, 1, (3, bi.N_COEF))
    rows = decode(g)
    assert np.all(rows[:, 16:32] == 0.0)                         # frozen hidden layer
    np.testing.assert_allclose(rows[:, bi.W0_START:], bi.base_weights().ravel() + 0.1 * g[:, bi.W0_START:])
    plastic = bi.decoder(bi.BengioInitSettings(plastic_hidden=True))(g)
    np.testing.assert_allclose(plastic[:, 16:32], g[:, 16:32])
    # The formula says the init is evolved, with its shape and norms.
    text = bi.formula(rows[0])
    assert "evolved initial hidden weights W0 (32 x 65, frozen" in text and "|W0|" in text


def test_pca_start_uses_only_meta_training_digits():
    from evo_l2l.tasks import rot_digits
    W = bi.pca_weights()
    assert W.shape == (bi.H_INIT, bi.I_INIT)
    V = W[:, :-1] / bi.PCA_GAIN
    np.testing.assert_allclose(V @ V.T, np.eye(bi.H_INIT), atol=1e-9)
    # Its first direction is the meta-training images' (digits 0-6) top principal direction,
    # not that of all the images.
    pools, digit_of = rot_digits.class_images()
    X = np.vstack([p for p, d in zip(pools, digit_of) if d < 7])
    top = np.linalg.svd(X - X.mean(0), full_matrices=False)[2][0]
    assert abs(V[0] @ top) == pytest.approx(1.0, abs=1e-9)
    every = np.vstack(pools)
    top_all = np.linalg.svd(every - every.mean(0), full_matrices=False)[2][0]
    assert abs(V[0] @ top_all) < 1 - 1e-6


def _config(n_generations, **kw):
    return PRESET.default_config(**{**PRESET.toy, "seed": 3, "n_generations": n_generations,
                                    **kw})


def test_es_with_adam_resumes_exactly_and_one_seed_gives_one_run(tmp_path):
    start_run(_config(6), str(tmp_path / "full.h5"))
    start_run(_config(2), str(tmp_path / "half.h5"))
    resume_run(str(tmp_path / "half.h5"), 6)
    a, b = arrays_of(tmp_path / "full.h5"), arrays_of(tmp_path / "half.h5")
    a.pop("state/n_generations_target"); b.pop("state/n_generations_target")
    assert_same_arrays(a, b)
    assert {"m", "v", "step"} <= set(open_run(tmp_path / "full.h5").state["optimizer"])
    start_run(_config(6), str(tmp_path / "again.h5"))
    c = arrays_of(tmp_path / "again.h5")
    c.pop("state/n_generations_target")
    assert_same_arrays(a, c)
    # Adam moved the mean: the population differs from generation 0's around theta = 0.
    g = open_run(tmp_path / "full.h5").generations["population_genome"]
    assert np.abs(g[-1].mean(axis=0)).max() > 1e-4


def test_plain_es_state_is_unchanged_without_adam(tmp_path):
    start_run(_config(2, adam=False), str(tmp_path / "plain.h5"))
    assert set(open_run(tmp_path / "plain.h5").state["optimizer"]) == {"theta", "eps"}


def test_run_best_and_evaluate_through_the_command_line(tmp_path):
    path = str(tmp_path / "r.h5")
    runner = CliRunner()
    res = runner.invoke(main, ["run", "fewshot-digits-init", "--generations", "2",
                               "--population", "4", "-q", "-o", path,
                               "--set", "tasks.n_train_episodes=6",
                               "--set", "tasks.n_heldout=4"])
    assert res.exit_code == 0, res.output
    res = runner.invoke(main, ["best", path])
    assert res.exit_code == 0, res.output
    assert "evolved initial hidden weights W0 (32 x 65" in res.output
    res = runner.invoke(main, ["evaluate", path, "--n-tasks", "20", "--json"])
    assert res.exit_code == 0, res.output
    rows = {r["method"]: r for r in json.loads(res.output)["rows"]}
    assert {"1nn", "centroid", "sgd", "backprop"} <= set(rows)
    best = [r for r in rows.values() if r["method"].startswith("best")][0]
    assert 0.2 < best["accuracy"] <= 1 and best["ci95"] > 0


def test_conv_form_is_the_start_weights_on_convolved_images():
    rng = np.random.default_rng(4)
    s = bi.BengioInitSettings(w0_form="conv", w0_scale=0.5)
    g = rng.normal(0, 1, (2, bi.N_COEF))
    rows = bi.decoder(s)(g)
    W0 = bi.parts(rows)["W0"]
    np.testing.assert_array_equal(bi.parts(bi.decoder(s)(np.zeros((1, bi.N_COEF))))["W0"][0],
                                  bi.base_weights())                    # identity kernel
    x = rng.normal(0, 1, (8, 8))
    for n in range(2):
        kernel = (np.eye(1, 9, 4)[0] + 0.5 * g[n, bi.W0_START:bi.W0_START + 9]).reshape(3, 3)
        pad = np.pad(x, 1)
        conv = np.array([[np.sum(pad[y:y + 3, c:c + 3] * kernel) for c in range(8)]
                         for y in range(8)])
        img = np.append(x.ravel(), 1.0)
        want = bi.base_weights()[:, :64] @ conv.ravel() + bi.base_weights()[:, 64]
        np.testing.assert_allclose(W0[n] @ img, want, atol=1e-12)


@pytest.mark.parametrize("start", ["random", "pca"])
def test_conv_filter_is_recovered_from_the_decoded_row(start):
    # Review nit 9: the conv presets' rule text must show the evolved 3x3 filter. The row
    # holds W0 only (convolved); the filter read back from it is the one the genes set.
    rng = np.random.default_rng(7)
    s = bi.BengioInitSettings(w0_form="conv", w0_scale=0.5, start_weights=start)
    g = rng.normal(0, 1, (3, bi.N_COEF))
    rows = bi.decoder(s)(g)
    for n in range(3):
        want = bi.IDENTITY_KERNEL + 0.5 * g[n, bi.W0_START:bi.W0_START + 9]
        np.testing.assert_allclose(bi.conv_filter(rows[n], start), want, atol=1e-10)
        text = bi.formula_with(rows[n], s)
        assert "evolved 3x3 filter [[" in text and f"the {start} start W0" in text
        assert f"{want[0]:.4g}" in text and f"{want[8]:.4g}" in text
        np.testing.assert_allclose(bi.details_with(rows[n], s)["filter_3x3"],
                                   want.reshape(3, 3), atol=1e-10)
    full = bi.BengioInitSettings()
    assert "filter" not in bi.formula_with(bi.decoder(full)(g)[0], full)
    assert bi.details_with(bi.decoder(full)(g)[0], full) == {}


def test_best_of_a_conv_run_shows_the_filter(tmp_path):
    path = str(tmp_path / "conv.h5")
    runner = CliRunner()
    res = runner.invoke(main, ["run", "fewshot-digits-init-conv", "--toy", "--generations", "2",
                               "--population", "4", "-o", path])
    assert res.exit_code == 0, res.output
    assert "evolved 3x3 filter [[" in res.output            # the run's summary
    res = runner.invoke(main, ["best", path])
    assert res.exit_code == 0 and "evolved 3x3 filter [[" in res.output, res.output
    best = json.loads(runner.invoke(main, ["best", path, "--json"]).output)
    assert np.shape(best["filter_3x3"]) == (3, 3)
