"""Few-shot and continual runs through the command line: run, evaluate (table and JSON)."""
import json

import numpy as np
import pytest
from click.testing import CliRunner

from evo_l2l import open_run
from evo_l2l.cli import main


@pytest.fixture(scope="module")
def archives(tmp_path_factory):
    d = tmp_path_factory.mktemp("episodes")
    runner = CliRunner()
    small = {"fewshot-digits": ["tasks.n_train_episodes=8", "tasks.n_heldout=5"],
             "continual-split-digits": ["tasks.n_train_episodes=2", "tasks.n_heldout=2",
                                        "tasks.n_train_per_task=20",
                                        "tasks.n_test_per_task=10"]}
    out = {}
    for preset, sets in small.items():
        path = str(d / f"{preset}.h5")
        args = ["run", preset, "--generations", "3", "--population", "6", "-q", "-o", path]
        for s in sets:
            args += ["--set", s]
        res = runner.invoke(main, args)
        assert res.exit_code == 0, res.output
        out[preset] = path
    return out


def test_fewshot_evaluate_prints_accuracy_with_ci_beside_the_baselines(archives):
    path = archives["fewshot-digits"]
    res = CliRunner().invoke(main, ["evaluate", path, "--n-tasks", "30"])
    assert res.exit_code == 0, res.output
    assert "5-way 1-shot, 30 heldout episodes" in res.output
    for label in ("best (generation", "delta rule (rate", "1-nearest neighbour",
                  "nearest centroid", "logistic regression, SGD", "online backprop"):
        assert label in res.output
    data = json.loads(CliRunner().invoke(main, ["evaluate", path, "--n-tasks", "30",
                                                "--json"]).output)
    assert data["tasks"]["n"] == 30 and data["tasks"]["protocol"] == "fewshot"
    rows = {r["method"]: r for r in data["rows"]}
    assert 0 <= rows["1nn"]["accuracy"] <= 1 and rows["1nn"]["ci95"] > 0
    # The same episodes, so the same numbers whichever output.
    assert f"{rows['1nn']['accuracy']:.3f} +- {rows['1nn']['ci95']:.3f}" in res.output
    # The best rule's held-out accuracy on the stored episodes is the archived held-out fitness.
    run = open_run(path)
    stored = json.loads(CliRunner().invoke(main, ["evaluate", path, "--n-tasks", "5", "--json",
                                                  "--rule", "best"]).output)
    best = stored["rows"][0]
    assert best["accuracy"] == pytest.approx(run.generations["best_so_far_heldout_fitness"][-1],
                                             abs=1e-12)


def test_continual_evaluate_prints_r_matrix_and_metrics(archives):
    path = archives["continual-split-digits"]
    res = CliRunner().invoke(main, ["evaluate", path, "--n-tasks", "3", "--json"])
    assert res.exit_code == 0, res.output
    data = json.loads(res.output)
    rows = {r["method"]: r for r in data["rows"]}
    assert set(rows) >= {"best", "ablation", "1nn", "centroid", "sgd", "sgd_default",
                         "backprop", "joint"}
    assert rows["ablation"]["label"].startswith("same net + delta rule")
    assert np.isfinite(rows["best"]["vs_ablation"]["mean"])
    assert np.array(rows["sgd"]["R"]).shape == (5, 5) and rows["joint"]["kind"] == "final"
    for key in ("ACC", "BWT", "FWT", "forgetting"):
        assert np.isfinite(rows["best"][key])
    text = CliRunner().invoke(main, ["evaluate", path, "--n-tasks", "3"]).output
    assert "R[i, j]" in text and "BWT" in text and "joint logistic regression" in text


def test_bad_input_is_one_line(archives):
    res = CliRunner().invoke(main, ["evaluate", archives["fewshot-digits"], "--rule", "nope"])
    assert res.exit_code == 2 and "unknown rule 'nope'" in res.output
    assert "Traceback" not in res.output


@pytest.mark.parametrize("preset", ["fewshot-digits", "continual-split-digits"])
def test_plot_draws_shots_or_r_matrices(archives, tmp_path, preset, monkeypatch):
    out = str(tmp_path / f"{preset}.png")
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    figures = []
    monkeypatch.setattr(plt, "close", lambda fig: figures.append(fig))
    res = CliRunner().invoke(main, ["plot", archives[preset], "-o", out])
    assert res.exit_code == 0, res.output
    import matplotlib.image
    h, w = matplotlib.image.imread(out).shape[:2]
    assert w > 2.5 * h                       # 3 (few-shot) or 4 (continual) panels in a row
    # Review nit 14: the shots panel's legend covered the 10-shot points; the y-label held
    # the whole (cut-off) fitness description.
    fig = figures[-1]
    fig.canvas.draw()
    for ax in fig.axes:
        legend = ax.get_legend()
        if legend is not None:
            assert legend.get_window_extent().y1 <= ax.get_window_extent().y0 + 1
    assert fig.axes[0].get_ylabel() == "fitness"
    assert "fitness: mean over episodes of" in fig.axes[0].get_title()


def test_report_on_an_episode_run_has_no_missing_values(archives, tmp_path):
    res = CliRunner().invoke(main, ["report", archives["continual-split-digits"], "-o",
                                    str(tmp_path / "rep")])
    assert res.exit_code == 0, res.output
    md = (tmp_path / "rep" / "report.md").read_text()
    assert "nan" not in md and "test accuracy (argmax)" in md
    # Review nit 19: a continual run's curve is measured after each task, not epoch.
    assert "| before training | after task 1 |" in md and "epoch 1" not in md


@pytest.mark.parametrize("preset", ["fewshot-digits", "fewshot-digits-gp", "continual-digits",
                                    "continual-split-digits-gp"])
def test_performance_is_worded_for_the_protocol(preset):
    # Review nit 15: few-shot runs said "mean over the tasks learned so far" (continual
    # wording); a few-shot episode is one task scored on its query images.
    from evo_l2l.evolution.problem import build_tasks, make_problem
    from evo_l2l.experiments import PRESETS
    config = PRESETS[preset].default_config(**PRESETS[preset].toy)
    text = make_problem(config, build_tasks(config)).performance
    if preset.startswith("fewshot"):
        assert "query" in text and "support set" in text and "learned so far" not in text
    else:
        assert "mean over the tasks learned so far" in text


def test_report_on_a_few_shot_run_words_its_fitness_for_episodes(archives, tmp_path):
    res = CliRunner().invoke(main, ["report", archives["fewshot-digits"], "-o",
                                    str(tmp_path / "rep")])
    assert res.exit_code == 0, res.output
    md = (tmp_path / "rep" / "report.md").read_text()
    assert ("mean over episodes of the performance query accuracy (argmax) after learning "
            "the episode's support set") in md
    assert "learned so far" not in md


def test_episodes_that_differ_from_the_runs_are_refused(archives, tmp_path):
    """Evaluation draws the held-out episodes again; if the data changed (here: the stored
    ones are altered instead), it says so in one line rather than score other data."""
    import hashlib
    import shutil
    import h5py
    path = str(tmp_path / "altered.h5")
    shutil.copy(archives["fewshot-digits"], path)
    with h5py.File(path, "r+") as f:
        split = f["tasks/split"][()]
        X = f["tasks/X"][()]
        X[np.flatnonzero(split == 1)[0], 0, 0] += 1.0
        f["tasks/X"][...] = X
        # The archive's own digest would catch the change; make it match, as data that
        # changed under an intact archive would.
        f["tasks/X"].attrs["sha256"] = hashlib.sha256(X.astype("<f8").tobytes()).hexdigest()
    res = CliRunner().invoke(main, ["evaluate", path, "--n-tasks", "10"])
    assert res.exit_code == 2 and "differ from the run's" in res.output
    assert "sklearn.datasets.load_digits" in res.output


def test_a_seeded_tiny_few_shot_evolution_improves(tmp_path):
    """Output-layer presynaptic terms, toy size: evolution finds a rule that learns."""
    from evo_l2l.evolution.run import start_run
    from evo_l2l.experiments import PRESETS
    terms = [f"out:{t}" for t in ("a", "a*o", "a*m", "a*o*m")]
    preset = PRESETS["fewshot-digits"]
    config = preset.default_config(**{**preset.toy, "tasks.n_train_episodes": 16}, seed=1,
                                   population=8, n_generations=15, terms=terms, sigma=0.5)
    start_run(config, str(tmp_path / "r.h5"))
    g = open_run(str(tmp_path / "r.h5")).generations
    # 5-way: chance is 0.2; generation 0 is random rules around no learning.
    assert g["best_so_far_fitness"][-1] > g["fitness_mean"][0] + 0.15
    assert g["best_so_far_heldout_fitness"][-1] > 0.35


def test_evaluate_refuses_more_episodes_than_memory_holds(tmp_path):
    """--tasks fresh --n-tasks 1e9 grew by 170 MB/s towards an out-of-memory kill."""
    from click.testing import CliRunner
    from evo_l2l.cli import main
    from evo_l2l.evolution.run import start_run
    from evo_l2l.experiments import PRESETS
    path = str(tmp_path / "fs.h5")
    preset = PRESETS["fewshot-digits"]
    start_run(preset.default_config(n_generations=1, population=4, **preset.toy), path)
    res = CliRunner().invoke(main, ["evaluate", path, "--tasks", "fresh",
                                    "--n-tasks", "1000000000"])
    assert res.exit_code == 2 and "--n-tasks 1000000000 needs about" in res.output, res.output
    assert len(res.output.strip().splitlines()) == 1


def test_evaluate_without_baselines_prints_just_the_rules(tmp_path):
    from click.testing import CliRunner
    from evo_l2l.cli import main
    from evo_l2l.evolution.run import start_run
    from evo_l2l.experiments import PRESETS
    path = str(tmp_path / "fs.h5")
    preset = PRESETS["fewshot-digits"]
    start_run(preset.default_config(n_generations=1, population=4, **preset.toy), path)
    args = ["evaluate", path, "--n-tasks", "20"]
    full = CliRunner().invoke(main, args)
    bare = CliRunner().invoke(main, args + ["--no-baselines"])
    assert full.exit_code == 0 and bare.exit_code == 0, (full.output, bare.output)
    assert "1-nearest neighbour" in full.output and "1-nearest neighbour" not in bare.output
    assert bare.stdout.splitlines()[1] == full.stdout.splitlines()[1]     # the same best rule
