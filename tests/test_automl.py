"""Issue #19: mixed genomes (rule + learner), the grouped kernel, the compute budget, and
the mixed optimizers (exact resume)."""
import random

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import naive
from evo_l2l import open_run
from evo_l2l.evolution.problem import ParametricRuleProblem
from test_evolution import arrays_of, assert_same_arrays
from evo_l2l.errors import ConfigError
from evo_l2l.evolution.run import resume_run, start_run
from evo_l2l.experiments import PRESETS
from evo_l2l.learners.two_layer import two_layer_curves
from evo_l2l.learners.two_layer_automl import AutoMLSettings, automl_curves, compute
from evo_l2l.optimizers import mixed_genes
from evo_l2l.rules import bengio, bengio_automl as fam
from evo_l2l.rules.genes import Gene, decode_genes, is_valid
from evo_l2l.tasks import make_boolean_function_tasks

TYPED = (Gene("c", "real", -1, 1), Gene("h", "int", 1, 8), Gene("lr", "logreal", -2, 1),
         Gene("e", "int", 3, 3), Gene("act", "cat", choices=("sigmoid", "tanh", "relu")),
         Gene("on", "cat", choices=("off", "on")))


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 2 ** 32 - 1), st.floats(0.01, 2.0), st.floats(0.0, 1.0))
def test_typed_operators_stay_valid(seed, sigma, indpb):
    rng = random.Random(seed)
    for genes in (TYPED, fam.GENES):
        a, b = mixed_genes.init_genome(genes, rng), mixed_genes.init_genome(genes, rng)
        assert is_valid(genes, a) and is_valid(genes, b)
        for _ in range(5):
            mixed_genes.cx_mixed(a, b, genes, alpha=0.5, rng=rng)
            mixed_genes.mut_mixed(a, genes, indpb=indpb, sigma=sigma, rng=rng)
            assert is_valid(genes, a) and is_valid(genes, b)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.floats(allow_nan=True, allow_infinity=True, width=64), min_size=6, max_size=6))
def test_any_float_decodes_to_a_valid_value(values):
    dec = decode_genes(TYPED, np.array([values]))[0]
    for gene, v in zip(TYPED[1:], dec[1:]):
        if gene.kind == "logreal":
            assert 10.0 ** gene.low <= v <= 10.0 ** gene.high
        else:
            assert gene.low <= v <= gene.high and v == int(v)


def test_mutation_changes_a_categorical_and_moves_ints():
    rng = random.Random(1)
    cat, integer = TYPED[4], TYPED[1]
    assert all(mixed_genes.mutate_gene(cat, 1.0, 0.1, rng) != 1.0 for _ in range(50))
    assert {mixed_genes.mutate_gene(integer, 1.0, 0.1, rng) for _ in range(50)} == {2.0}


def _tasks(seed, n_hidden=4):
    return make_boolean_function_tasks(np.random.default_rng(seed), n_heldout=3, n_hidden=n_hidden)


def _random_rows(rng, n, h_max=4, max_epochs=12):
    rows = []
    for _ in range(n):
        row = fam.with_learner(rng.normal(0, 0.4, 16), hidden=int(rng.integers(1, h_max + 1)),
                               activation=int(rng.integers(0, 2)), eta=10 ** rng.uniform(-1, 0.5),
                               n_epochs=int(rng.integers(1, max_epochs + 1)),
                               init_scale=10 ** rng.uniform(-1, 0.5),
                               clip=10 ** rng.uniform(0, 1.3))
        row[fam.SWITCHES] = rng.integers(0, 2, 16)
        rows.append(row)
    return np.array(rows)


@pytest.mark.parametrize("seed", range(2))
def test_kernel_matches_reference(seed):
    rng = np.random.default_rng(seed)
    tasks = _tasks(seed).select(np.arange(0, 16, 4))
    rows = _random_rows(rng, 8)
    s = AutoMLSettings(n_epochs=10, budget=400)
    got = automl_curves(rows, tasks, s)
    ref = naive.mixed_two_layer_curves(rows, tasks.X, tasks.Y, tasks.W0_hidden, tasks.W0,
                                       tasks.n_patterns, tasks.n_inputs, 10, 400)
    np.testing.assert_allclose(got, ref, rtol=0, atol=1e-11)


def test_hand_set_learner_is_the_two_layer_kernel_exactly():
    """H of Hmax units, sigmoid, eta 1, scale 1, every term on: what two_layer computes."""
    rng = np.random.default_rng(3)
    small = _tasks(3, n_hidden=2)
    big = _tasks(4, n_hidden=5)
    big.W0_hidden[:, :2] = small.W0_hidden
    big.W0[:, 0, :2], big.W0[:, 0, -1] = small.W0[:, 0, :2], small.W0[:, 0, 2]
    coef = np.vstack([rng.normal(0, 0.5, (6, 16)), bengio.delta_rule(2.0)])
    rows = np.array([fam.with_learner(c) for c in coef])
    got = automl_curves(rows, big, AutoMLSettings(n_epochs=30, budget=10 ** 9))
    np.testing.assert_array_equal(got, two_layer_curves(coef, small, 30, 20.0))


def test_grouped_batch_equals_each_row_alone():
    rng = np.random.default_rng(5)
    tasks = _tasks(5)
    rows = _random_rows(rng, 24)
    s = AutoMLSettings(n_epochs=12, budget=600)
    batch = automl_curves(rows, tasks, s)
    alone = np.concatenate([automl_curves(r[None], tasks, s) for r in rows])
    np.testing.assert_array_equal(batch, alone)
    assert len({(int(r[16]), int(r[17])) for r in rows}) > 3       # several groups met


def test_budget_truncates_epochs_and_compute_is_counted():
    tasks = _tasks(0, n_hidden=8)
    s = AutoMLSettings(n_epochs=120, budget=1080)
    hand = fam.with_learner(bengio.delta_rule())                # 2 hidden: 9 synapses, 4 patterns
    big = fam.with_learner(bengio.delta_rule(), hidden=8, n_epochs=120)   # 33 synapses
    assert compute(np.array([hand, big]), tasks, s).tolist() == [1080.0, 8 * 4 * 33]
    c = automl_curves(big[None], tasks, s)[0]
    # 8 epochs trained (1080 // 132), then held: a budget cannot be beaten by training longer.
    assert np.all(c[:, 9:] == c[:, 8:9]) and not np.all(c[:, 8] == c[:, 7])


def test_config_refuses_mixed_optimizer_on_a_plain_genome_and_too_few_hidden_units():
    with pytest.raises(ConfigError, match="needs a mixed genome"):
        PRESETS["bengio1991-boolean"].default_config(optimizer="mixed_ga")
    with pytest.raises(ConfigError, match="tasks.n_hidden must be >= 8"):
        PRESETS["automl-bengio1991"].default_config(**{"tasks.n_hidden": 3})


@pytest.mark.parametrize("optimizer", ["mixed_ga", "mixed_random"])
def test_mixed_optimizers_resume_exactly_and_archive_compute(tmp_path, optimizer):
    kw = dict(seed=3, population=8, optimizer=optimizer, **{"learner.n_epochs": 20})
    preset = PRESETS["automl-bengio1991"]
    start_run(preset.default_config(n_generations=6, **kw), str(tmp_path / "full.h5"))
    start_run(preset.default_config(n_generations=3, **kw), str(tmp_path / "half.h5"))
    resume_run(str(tmp_path / "half.h5"), 6)
    a, b = arrays_of(tmp_path / "full.h5"), arrays_of(tmp_path / "half.h5")
    a.pop("state/n_generations_target"); b.pop("state/n_generations_target")
    assert_same_arrays(a, b)
    spent = a["generations/population_compute"]
    assert np.all(spent <= 1080) and np.all(spent > 0)
    run = open_run(str(tmp_path / "full.h5"))
    problem = ParametricRuleProblem(run.config, run.tasks)
    np.testing.assert_array_equal(
        spent[-1], problem.learner.compute(run.generations["population_coef"][-1],
                                           problem.splits["train"], run.config.learner.settings))


def test_optuna_baseline_is_seeded_and_tunes_the_delta_rule():
    pytest.importorskip("optuna")
    from evo_l2l.analysis import automl
    config = PRESETS["automl-bengio1991"].default_config(seed=1, **{"learner.n_epochs": 20})
    problem = automl.problem_of(config)
    row, n = automl.tune_delta_tpe(problem, 12, seed=4)
    again, _ = automl.tune_delta_tpe(problem, 12, seed=4)
    assert n == 12 and np.array_equal(row, again)
    assert fam.is_reference_rule(row) and np.array_equal(fam.effective(row) / row[fam.COL["eta"]],
                                                         bengio.delta_rule())
    r = automl.score(problem, row)
    assert 0 < r["compute"] <= 1080 and 0 <= r["heldout"] <= 1


def test_report_baselines_file_errors_are_one_line(tmp_path):
    from click.testing import CliRunner
    from evo_l2l.cli import main
    bad = tmp_path / "bad.json"
    bad.write_text('{"results": 3}')
    run = str(tmp_path / "r.h5")
    start_run(PRESETS["automl-bengio1991"].default_config(seed=0, population=4, n_generations=2),
              run)
    for path in (str(bad), str(tmp_path / "missing.json")):
        res = CliRunner().invoke(main, ["report", run, "-o", str(tmp_path / "rep"),
                                        "--baselines", path])
        assert res.exit_code == 2 and len(res.output.strip().splitlines()) == 1, res.output


def test_mixed_ga_improves_on_random_start(tmp_path):
    config = PRESETS["automl-bengio1991"].default_config(seed=0, population=12, n_generations=8,
                                                         **{"learner.n_epochs": 30})
    start_run(config, str(tmp_path / "r.h5"))
    g = open_run(str(tmp_path / "r.h5")).generations
    assert g["best_so_far_fitness"][-1] > g["best_so_far_fitness"][0] + 0.02
