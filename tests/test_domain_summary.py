"""The end-of-run summary and `report` of few-shot and continual runs show the field's metrics
beside their baselines (few-shot: accuracy +- CI, 1-NN, chance; continual: ACC, BWT,
forgetting, SGD and the same net with the reference rule)."""
import json

import pytest
from click.testing import CliRunner

from evo_l2l.cli import main


@pytest.fixture(scope="module")
def toy_runs(tmp_path_factory):
    d = tmp_path_factory.mktemp("domain")
    out = {}
    for preset in ("fewshot-digits", "continual-digits"):
        path = str(d / f"{preset}.h5")
        res = CliRunner().invoke(main, ["run", preset, "--toy", "--generations", "2", "-q",
                                        "-o", path])
        assert res.exit_code == 0, res.output
        out[preset] = (path, res.output)
    return out


def test_few_shot_summary_shows_accuracy_beside_1nn_and_chance(toy_runs):
    path, text = toy_runs["fewshot-digits"]
    assert "few-shot, the run's own 4 held-out episodes (5-way 1-shot" in text
    assert "1-nearest neighbour (pixels)" in text and "chance (1/5)" in text
    # The same stored episodes as `evaluate --n-tasks 4` (its first draws are the run's):
    # the 1-NN number agrees.
    data = json.loads(CliRunner().invoke(main, ["evaluate", path, "--n-tasks", "4",
                                                "--json"]).output)
    nn = next(r for r in data["rows"] if r["method"] == "1nn")
    assert f"{nn['accuracy']:.3f} +- {nn['ci95']:.3f}" in text
    best = next(line for line in text.splitlines() if line.startswith("evolved rule"))
    held = float(best.split()[-1])
    shown = next(line for line in text.splitlines() if line.startswith("  evolved rule"))
    assert float(shown.split()[2]) == pytest.approx(held, abs=6e-4)


def test_continual_summary_shows_acc_bwt_forgetting_beside_sgd_and_the_same_net(toy_runs):
    _, text = toy_runs["continual-digits"]
    assert "continual, the run's own 1 held-out sequence (ACC +- 95% CI, BWT, forgetting" in text
    lines = text.splitlines()
    head = next(i for i, line in enumerate(lines) if line.startswith("continual, the run's"))
    assert lines[head + 1].split() == ["ACC", "BWT", "forget"]
    labels = [line.strip() for line in lines[head + 2:head + 5]]
    assert labels[0].startswith("evolved rule")
    assert labels[1].startswith("same net + the delta rule")
    assert labels[2].startswith("SGD logistic regression, one pass (rate")
    for line in labels:
        assert len(line.split("+-")[1].split()) == 3       # CI, BWT, forgetting


def test_json_summary_carries_the_metrics(tmp_path):
    res = CliRunner().invoke(main, ["run", "continual-digits", "--toy", "--generations", "1",
                                    "--json", "-o", str(tmp_path / "c.h5")])
    assert res.exit_code == 0, res.output
    d = json.loads(res.output)["heldout_metrics"]
    assert d["protocol"] == "continual"
    assert [r["name"] for r in d["rows"]] == ["evolved", "reference", "sgd"]
    assert {"ACC", "ACC_ci95", "BWT", "forgetting"} <= set(d["rows"][0])


def test_report_has_the_metrics_tables(toy_runs, tmp_path):
    paths = [toy_runs[p][0] for p in ("fewshot-digits", "continual-digits")]
    res = CliRunner().invoke(main, ["report", *paths, "-o", str(tmp_path / "r")])
    assert res.exit_code == 0, res.output
    md = (tmp_path / "r" / "report.md").read_text()
    assert "## Few-shot accuracy on held-out episodes, beside 1-NN and chance" in md
    assert "| fewshot-digits.h5 | 1-nearest neighbour (pixels) |" in md
    assert "| fewshot-digits.h5 | chance (1/5) | 0.200 |" in md
    assert "| run | method | ACC | BWT | forgetting |" in md
    assert "| continual-digits.h5 | SGD logistic regression, one pass (rate" in md
    assert "| continual-digits.h5 | same net + the delta rule" in md


def test_runs_not_on_episodes_have_no_metrics_section(tmp_path):
    res = CliRunner().invoke(main, ["run", "chalmers1990", "--generations", "2", "-q",
                                    "-o", str(tmp_path / "c.h5")])
    assert res.exit_code == 0, res.output
    assert "few-shot" not in res.output and "continual" not in res.output
