"""GP rules on episode nets through the command line: run, best, evaluate, plot; bad input."""
import json

import numpy as np
import pytest
from click.testing import CliRunner

from evo_l2l import open_run
from evo_l2l.cli import main

SMALL = ["tasks.n_train_episodes=2", "tasks.n_heldout=2", "tasks.n_train_per_task=20",
         "tasks.n_test_per_task=10", "tasks.n_hidden=64", "learner.k_active=8"]


@pytest.fixture(scope="module")
def archive(tmp_path_factory):
    path = str(tmp_path_factory.mktemp("gp_episodes") / "split.h5")
    args = ["run", "continual-split-digits-gp", "--generations", "3", "--population", "8",
            "-q", "-o", path]
    for s in SMALL:
        args += ["--set", s]
    res = CliRunner().invoke(main, args)
    assert res.exit_code == 0, res.output
    return path


def test_best_prints_the_formula(archive):
    res = CliRunner().invoke(main, ["best", archive])
    assert res.exit_code == 0, res.output
    assert "dw = " in res.output and "tree (" in res.output


def test_formulas_show_the_presets_rule_eta(archive):
    # Review nit 17: the continual GP presets apply w += 0.1 * tree (rule.eta), but best
    # printed "dw = a*m" beside "the delta rule (rate 1)".
    from evo_l2l.evolution.problem import make_problem
    run = open_run(archive)
    assert run.config.rule.settings.eta == 0.1
    problem = make_problem(run.config, run.tasks)
    assert problem.formula(problem.known_rule("delta")) == "dw = 0.1 * (a*m)"
    assert problem.formula("m") == "dw = 0.1 * m"
    assert problem.formula("mul(2.0, mul(a, m))") == "dw = 0.1 * (2*a*m)"
    first = CliRunner().invoke(main, ["best", archive]).output.splitlines()[0]
    assert "dw = 0.1 * " in first
    latex = CliRunner().invoke(main, ["best", archive, "--format", "latex"]).output
    assert r"\Delta w = 0.1 \left(" in latex
    source = CliRunner().invoke(main, ["best", archive, "--format", "python"]).output
    assert "the update is w += 0.1 * rule(...)" in source and "dw = 0.1" not in source


def test_evaluate_prints_continual_metrics_and_r_matrices_beside_the_baselines(archive):
    res = CliRunner().invoke(main, ["evaluate", archive, "--tasks", "heldout", "--n-tasks", "3",
                                    "--json"])
    assert res.exit_code == 0, res.output
    data = json.loads(res.output)
    rows = {r["method"]: r for r in data["rows"]}
    assert set(rows) >= {"best", "delta", "1nn", "centroid", "sgd", "backprop", "joint"}
    assert np.array(rows["best"]["R"]).shape == (5, 5) and "dw = " in rows["best"]["formula"]
    for key in ("ACC", "BWT", "FWT", "forgetting"):
        assert np.isfinite(rows["best"][key])
    # The best rule's ACC on the stored held-out sequences is the archived held-out fitness.
    run = open_run(archive)
    stored = json.loads(CliRunner().invoke(main, ["evaluate", archive, "--n-tasks", "2",
                                                  "--json", "--rule", "best"]).output)
    assert stored["rows"][0]["ACC"] == pytest.approx(
        run.generations["best_so_far_heldout_fitness"][-1], abs=1e-12)
    text = CliRunner().invoke(main, ["evaluate", archive, "--n-tasks", "3"]).output
    assert "R[i, j]" in text and "BWT" in text and "joint logistic regression" in text


def test_evaluate_takes_a_user_tree(archive):
    res = CliRunner().invoke(main, ["evaluate", archive, "--n-tasks", "2", "--json", "--rule",
                                    "mul(m, add(m, o))"])
    assert res.exit_code == 0, res.output
    assert 0 <= json.loads(res.output)["rows"][0]["ACC"] <= 1


def test_plot_draws_the_r_matrices(archive, tmp_path):
    out = str(tmp_path / "split.png")
    res = CliRunner().invoke(main, ["plot", archive, "-o", out])
    assert res.exit_code == 0, res.output
    assert open(out, "rb").read(4) == b"\x89PNG"


def test_bad_settings_are_one_line(tmp_path):
    res = CliRunner().invoke(main, ["run", "continual-digits-gp", "-o", str(tmp_path / "x.h5"),
                                    "--set", "learner.k_active=5000"])
    assert res.exit_code == 2 and "k_active" in res.output and "Traceback" not in res.output
    res = CliRunner().invoke(main, ["run", "fewshot-digits-gp", "-o", str(tmp_path / "y.h5"),
                                    "--set", "learner.hidden=plastic", "--set",
                                    "learner.active_only=true"])
    assert res.exit_code == 2 and "learner.hidden" in res.output
