"""evaluate, plot and report read only the archive and say what they claim."""
import json
import os
import re

import numpy as np
import pytest
from click.testing import CliRunner

from evo_l2l import open_run
from evo_l2l.cli import main
from evo_l2l.evolution.run import start_run
from evo_l2l.experiments import PRESETS


@pytest.fixture(scope="module")
def archive(tmp_path_factory):
    path = str(tmp_path_factory.mktemp("an") / "run.h5")
    start_run(PRESETS["chalmers1990"].default_config(n_generations=15, population=12, seed=4), path)
    return path


def invoke(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


def test_evaluate_best_matches_archived_fitness(archive):
    res = invoke("evaluate", archive, "--rule", "best", "--tasks", "train", "--json")
    assert res.exit_code == 0, res.output
    (d,) = json.loads(res.output)
    run = open_run(archive)
    assert d["fitness_mean"] == pytest.approx(float(run.state["hof_fitness"]), abs=1e-15)
    held = json.loads(invoke("evaluate", archive, "--rule", "best", "--json").output)[0]
    assert held["fitness_mean"] == pytest.approx(float(run.state["hof_heldout_fitness"]), abs=1e-15)
    assert len(d["mean"]) == 11 and d["n_tasks"] == 20


def test_evaluate_rule_specs_and_fresh_tasks(archive):
    res = invoke("evaluate", archive, "--rule", "gen:3", "--rule", "delta:2", "--rule", "none",
                 "--rule", "top:2", "--tasks", "fresh", "--n-tasks", "7", "--seed", "9", "--json")
    assert res.exit_code == 0, res.output
    out = json.loads(res.output)
    assert [d["n_tasks"] for d in out] == [7, 7, 7, 7]
    assert out[1]["formula"] == "dw = 2*a*(t - o)"
    assert len(set(out[2]["mean"])) == 1            # no learning: flat curve
    assert out[1]["fitness_final"] > out[1]["mean"][0] + 0.1
    again = json.loads(invoke("evaluate", archive, "--rule", "delta:2", "--tasks", "fresh",
                              "--n-tasks", "7", "--seed", "9", "--json").output)
    assert again[0]["mean"] == out[1]["mean"]


@pytest.mark.parametrize("args, message", [
    (["--rule", "gen:9999"], "generation must be in"),
    (["--rule", "magic"], "unknown rule"),
    (["--rule", "delta:fast"], "needs a number"),
    (["--n-tasks", "50"], "--n-tasks must be in"),
])
def test_evaluate_bad_specs(archive, args, message):
    res = invoke("evaluate", archive, *args)
    assert res.exit_code == 2 and message in res.output and "Traceback" not in res.output


def test_plot_writes_png(archive, tmp_path):
    out = tmp_path / "f.png"
    res = invoke("plot", archive, archive, "-o", out)
    assert res.exit_code == 0, res.output
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and out.stat().st_size > 20_000
    res = invoke("plot", archive, "-o", out)
    assert res.exit_code == 2 and "--force" in res.output


def test_report_is_self_contained(archive, tmp_path):
    res = invoke("report", archive, "-o", tmp_path / "rep")
    assert res.exit_code == 0, res.output
    md = (tmp_path / "rep" / "report.md").read_text()
    page = (tmp_path / "rep" / "report.html").read_text()
    run = open_run(archive)
    assert f"{float(run.state['hof_fitness']):.4f}" in md
    assert "data:image/png;base64," in page and "<table>" in page
    assert not re.search(r"(src|href)=\"(http|file)", page)


def test_an_interrupted_report_leaves_no_half_folder(archive, tmp_path, monkeypatch):
    # Review nit 19: Ctrl-C during report left a folder holding only figure.png.
    import evo_l2l.analysis.report as report

    def stop(run):
        raise KeyboardInterrupt
    monkeypatch.setattr(report, "_run_rows", stop)
    with pytest.raises(KeyboardInterrupt):
        report.write_report([open_run(archive)], str(tmp_path / "rep"))
    assert os.listdir(tmp_path) == []                  # no folder, no temporary left
    monkeypatch.undo()
    paths = report.write_report([open_run(archive)], str(tmp_path / "rep"))
    assert paths == [str(tmp_path / "rep" / n) for n in ("report.md", "report.html",
                                                          "figure.png")]
    old = (tmp_path / "rep" / "report.md").read_text()
    monkeypatch.setattr(report, "_run_rows", stop)
    with pytest.raises(KeyboardInterrupt):               # an older report stays whole
        report.write_report([open_run(archive)], str(tmp_path / "rep"))
    assert (tmp_path / "rep" / "report.md").read_text() == old
    assert sorted(os.listdir(tmp_path)) == ["rep"]
    assert sorted(os.listdir(tmp_path / "rep")) == ["figure.png", "report.html", "report.md"]


def test_docs_schema_snippet_runs(archive, capsys):
    """The h5py snippet in docs/reference/schema.md reads the best rule of a real archive."""
    doc = open(os.path.join(os.path.dirname(__file__), "..", "docs", "reference", "schema.md")).read()
    code = re.search(r"```python\n(.*?)```", doc, re.S).group(1)
    exec(code.replace("runs/chalmers1990-seed0.h5", archive), {})
    out = capsys.readouterr().out
    run = open_run(archive)
    assert repr(float(run.state["hof_fitness"]))[:8] in out
    assert "'k0'" in out


def test_form_tag_names_exact_forms_before_almost_everywhere_ones():
    from evo_l2l.analysis.rules import form_tag
    from evo_l2l.learners import LEARNERS

    class Labels:                       # what form_tag asks of a problem
        def __init__(self, learner):
            self.known_label = LEARNERS.get(learner).label

    cond, single = Labels("conditioning"), Labels("single_layer")
    assert form_tag(cond, {"known_form": "facilitation", "known_form_ae": "facilitation"}) == \
        "  [activity-dependent facilitation]"
    assert form_tag(cond, {"known_form": "rescorla_wagner"}) == "  [the Rescorla-Wagner rule]"
    assert form_tag(single, {"known_form": None, "known_form_ae": "delta"}) == \
        "  [the delta rule, except where a protected division divides by 0]"
    assert form_tag(single, {"known_form": None}) == ""


def test_evaluate_tree_texts_on_a_gp_archive(tmp_path, archive):
    path = str(tmp_path / "gp.h5")
    start_run(PRESETS["bengio1991-conditioning-gp"].default_config(n_generations=2, population=6), path)
    res = invoke("evaluate", path, "--rule", "mul(4.0, mul(a, sub(f, o)))", "--rule",
                 "rescorla_wagner:4", "--tasks", "train", "--json")
    assert res.exit_code == 0, res.output
    tree, known = json.loads(res.output)
    assert tree["formula"] == "dw = 4*a*(f - o)"
    assert tree["fitness_mean"] == known["fitness_mean"]  # the same rule, written two ways
    for bad in ("__import__('os')", "mul(a, t)"):           # never eval; t is not a variable here
        res = invoke("evaluate", path, "--rule", bad)
        assert res.exit_code == 2 and "unknown rule" in res.output and "Traceback" not in res.output
    parametric = invoke("evaluate", archive, "--rule", "mul(a, sub(t, o))")   # coefficient run
    assert parametric.exit_code == 2 and "unknown rule" in parametric.output


@pytest.mark.parametrize("preset, learner, reference, performance", [
    ("confavreux2020-oja", "linear_neuron", "Oja's rule", "|cos(w, PC1)|"),
    ("bengio1991-conditioning", "conditioning", "the Rescorla-Wagner rule", "probe trials"),
    ("bengio1991-boolean", "two_layer", "the delta rule", "1 - mean|t - o|"),
])
def test_reports_name_each_familys_own_reference_rule(tmp_path, preset, learner, reference,
                                                      performance):
    """Regression: presets recorded learner 'single_layer' for every parametric run, and
    reports called every reference rule the delta rule."""
    path = str(tmp_path / "r.h5")
    start_run(PRESETS[preset].default_config(n_generations=2, population=6), path)
    run = open_run(path)
    assert run.config.learner.name == learner and run.attrs["learner"] == learner
    res = invoke("report", path, "-o", tmp_path / "rep")
    assert res.exit_code == 0, res.output
    md = (tmp_path / "rep" / "report.md").read_text()
    assert f"| {reference}, rate" in md and performance in md
    if reference != "the delta rule":
        assert "delta" not in md
