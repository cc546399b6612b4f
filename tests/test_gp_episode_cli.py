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
    assert set(rows) >= {"best", "ablation", "1nn", "centroid", "sgd", "backprop", "joint"}
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


def test_continual_evaluate_credits_the_rule_against_its_own_layer_with_the_delta_rule(archive):
    """On the sparse fixed layer the delta rule does about as well as the evolved rule, so
    every continual table has that ablation (the run's own layer, the same sequences, the
    delta rule at the grid rate with the best ACC on the training sequences) and the
    paired difference rule - ablation over the sequences with its 95% CI."""
    from evo_l2l.analysis.curves import problem_for
    from evo_l2l.analysis.episode_eval import ABLATION_RATES, rule_accuracy
    from evo_l2l.analysis.episode_metrics import continual_metrics
    args = ["evaluate", archive, "--n-tasks", "3", "--no-baselines", "--rule", "best",
            "--rule", "mul(m, add(m, o))"]
    data = json.loads(CliRunner().invoke(main, args + ["--json"]).output)
    rows = {r["method"]: r for r in data["rows"]}
    ablation = rows["ablation"]
    assert ablation["label"].startswith("same fixed layer + delta rule")
    run = open_run(archive)
    problem, settings = problem_for(run), run.config.learner.settings
    train = run.tasks.select("train")
    on_train = [continual_metrics(rule_accuracy(problem, problem.known_rule("delta", r), train,
                                                settings))["ACC"].mean()
                for r in ABLATION_RATES]
    assert ablation["rate"] == ABLATION_RATES[int(np.argmax(on_train))]
    # The same three held-out sequences as the rules: delta:RATE asked for by hand agrees
    # sequence by sequence.
    by_hand = json.loads(CliRunner().invoke(main, args[:4] + [
        "--json", "--rule", f"delta:{ablation['rate']}"]).output)["rows"][0]
    assert by_hand["ACC_per_sequence"] == pytest.approx(ablation["ACC_per_sequence"], abs=1e-12)
    for method in ("best", "mul(m, add(m, o))"):
        d = np.array(rows[method]["ACC_per_sequence"]) - np.array(ablation["ACC_per_sequence"])
        paired = rows[method]["vs_ablation"]
        assert paired["n_sequences"] == 3
        assert paired["mean"] == pytest.approx(d.mean(), abs=1e-12)
        assert paired["ci95"] == pytest.approx(1.96 * d.std(ddof=1) / np.sqrt(3), abs=1e-12)
    text = CliRunner().invoke(main, args).output
    assert "paired difference in ACC, rule - ablation (same fixed layer + delta rule" in text
    d = rows["best"]["vs_ablation"]
    assert f"{d['mean']:+.3f} +- {d['ci95']:.3f}  {rows['best']['label']}" in text
    # The default rules: the ablation stands for the reference rule, once.
    default = json.loads(CliRunner().invoke(main, args[:5] + ["--json"]).output)
    assert [r["method"] for r in default["rows"]] == ["best", "ablation"]


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
