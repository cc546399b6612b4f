"""What a new user sees: labels, summaries, report files and figures say what they show."""
import os
import types

import numpy as np
import pytest
from click.testing import CliRunner

from evo_l2l.cli import main


def invoke(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


# -- presets: did you mean ------------------------------------------------------------------

def test_a_mistyped_preset_gets_a_suggestion_in_one_line():
    res = invoke("run", "chalmers199")
    assert res.exit_code == 2
    assert res.stderr.count("\n") == 1
    assert "did you mean chalmers1990" in res.stderr
    res = invoke("experiments", "chalmers1990-modrn")
    assert res.exit_code == 2 and "did you mean chalmers1990-modern" in res.stderr
    res = invoke("fewshot", "run", "glyphs-5way-1sht")
    assert res.exit_code == 2 and "did you mean glyphs-5way-1shot" in res.stderr


def test_a_name_close_to_none_lists_the_presets():
    res = invoke("run", "nosuchpreset")
    assert res.exit_code == 2
    assert "did you mean" not in res.stderr and "known: chalmers1990" in res.stderr


# -- --workers beyond the cores -------------------------------------------------------------

def test_more_workers_than_cores_gets_a_note(tmp_path, monkeypatch):
    from evo_l2l.cli import common
    monkeypatch.setattr(common, "usable_cores", lambda: 1)
    res = invoke("run", "chalmers1990", "--generations", 1, "--workers", 2,
                 "-o", tmp_path / "a.h5")
    assert res.exit_code == 0, res.output
    assert "note: --workers 2 on 1 usable core: " in res.stderr
    monkeypatch.setattr(common, "usable_cores", lambda: 2)
    res = invoke("run", "chalmers1990", "--generations", 1, "--workers", 2,
                 "-o", tmp_path / "b.h5")
    assert res.exit_code == 0 and "note: --workers" not in res.stderr


# -- the summary: what is evolved, and how it does against the reference ---------------------

def test_the_main_jobs_summary_says_plainly_how_the_rule_compares(tmp_path):
    res = invoke("run", "chalmers1990", "--generations", 2, "-q", "-o", tmp_path / "c.h5")
    assert res.exit_code == 0, res.output
    line = next(x for x in res.stdout.splitlines() if x.startswith("on the held-out tasks"))
    # Two generations do not find the delta rule: it says so, with both numbers and the
    # preset that does.
    assert "the evolved rule falls short of the delta rule (rate" in line
    mine, ref = line.split(": ")[1].split(" (")[0].split(" vs ")
    assert float(mine) < float(ref)
    assert "`evo-l2l run chalmers1990-modern`" in line


@pytest.mark.parametrize("mine, is_ref, words", [
    (0.9, False, "beats"), (0.8005, False, "matches"), (0.5, False, "falls short of"),
    (0.8, True, "is the delta rule itself")])
def test_verdict_words(mine, is_ref, words):
    from evo_l2l.cli.run import verdict
    problem = types.SimpleNamespace(config=types.SimpleNamespace(
        run=types.SimpleNamespace(preset="custom", toy=False)))
    line = verdict(problem, "rule", {"heldout_fitness": mine, "is_reference_rule": is_ref},
                   {"heldout_fitness": 0.8}, "the delta rule (rate 4)")
    assert words in line
    if not is_ref:
        assert f"{mine:.4f} vs 0.8000" in line


def test_a_meta_runs_summary_names_operator_sets_not_rules(tmp_path):
    res = invoke("run", "schmidhuber1987-meta", "--toy", "--generations", 2, "-q",
                 "-o", tmp_path / "m.h5")
    assert res.exit_code == 0, res.output
    assert "best operator set (generation" in res.stdout
    assert "evolved operator set" in res.stdout and "evolved rule" not in res.stdout
    assert "(1 task)" in res.stdout and "1 tasks" not in res.stdout


# -- the reference rule's rate is never at the grid's edge when the edge is no optimum -----

def test_reference_rate_goes_past_the_grid_edge_while_fitness_improves():
    from evo_l2l.analysis.rules import best_reference_rate, best_reference_rule

    class Rising:
        """Fitness rises with the rate up to 2^12, then stays: the SRWM gain's shape."""
        kind = "parametric"
        reference_rule = "delta"

        def known_rule(self, name, rate=None):
            return np.array([rate])

        def fitness_of(self, rules, split):
            return np.array([min(np.log2(r[0]), 12.0) for r in rules])

        def formula(self, rule):
            return f"{rule[0]:g}"

        def is_reference_rule(self, rule):
            return True

        def rule_details(self, rule):
            return {}

    assert best_reference_rule(Rising())["rate"] == 2.0 ** 12
    # what evaluate's `reference` asks: the same rate and rule, no description
    rate, rule = best_reference_rate(Rising())
    assert rate == 2.0 ** 12 and rule[0] == rate


# -- AutoML: the learner's genes by name, curves as long as the learner trains ---------------

@pytest.fixture(scope="module")
def automl(tmp_path_factory):
    path = tmp_path_factory.mktemp("automl") / "a.h5"
    res = invoke("run", "automl-bengio1991", "--toy", "--generations", 5, "-q", "-o", path)
    assert res.exit_code == 0, res.output
    return path


def test_automl_best_names_the_activation(automl):
    res = invoke("best", automl)
    assert res.exit_code == 0
    assert "activation=tanh" in res.stdout or "activation=sigmoid" in res.stdout
    assert "activation=0" not in res.stdout and "activation=1" not in res.stdout


def test_automl_curves_end_where_the_learner_stops(automl):
    import json
    from evo_l2l.archive import open_run
    from evo_l2l.learners.two_layer_automl import epochs_in_budget
    res = invoke("evaluate", automl, "--rule", "best", "--json")
    d = json.loads(res.stdout)[0]
    run = open_run(str(automl))
    from evo_l2l.analysis.curves import problem_for, rule_from_spec
    problem = problem_for(run)
    _, rule = rule_from_spec(run, problem, "best")
    trained = int(epochs_in_budget(np.atleast_2d(rule), run.tasks.select("heldout"),
                                   run.config.learner.settings).max())
    assert d["epoch"][-1] == trained < run.config.learner.settings.n_epochs
    text = invoke("evaluate", automl, "--rule", "best").stdout
    assert f"it trains at most {trained} epochs" in text


# -- AutoML-Zero: one measurement is a line, regression is worded as regression -------------

def test_automl_zero_evaluate_prints_one_line_per_program_and_words_regression(tmp_path):
    path = tmp_path / "z.h5"
    res = invoke("run", "automl-zero-linear", "--toy", "--generations", 2, "-q", "-o", path)
    assert res.exit_code == 0, res.output
    res = invoke("evaluate", path)
    assert res.exit_code == 0, res.output
    first = res.stdout.splitlines()[0]
    assert "regression" in first and "classification" not in first
    assert "after learning: mean " in res.stdout
    assert "  epoch       0\n" not in res.stdout


# -- report: folder mode, no negative zero, tables that fit ----------------------------------

@pytest.fixture(scope="module")
def chalmers30(tmp_path_factory):
    # Seed 0 at 30 generations: a best rule with zero coefficients stored as -0.0.
    path = tmp_path_factory.mktemp("c30") / "c30.h5"
    res = invoke("run", "chalmers1990", "--generations", 30, "-q", "-o", path)
    assert res.exit_code == 0, res.output
    return path


@pytest.mark.parametrize("umask, mode", [(0o022, 0o755), (0o077, 0o700), (0o002, 0o775)])
def test_report_folder_follows_the_umask(chalmers30, tmp_path, umask, mode):
    old = os.umask(umask)
    try:
        res = invoke("report", chalmers30, "-o", tmp_path / "rep")
    finally:
        os.umask(old)
    assert res.exit_code == 0, res.output
    assert os.stat(tmp_path / "rep").st_mode & 0o777 == mode


def test_report_has_no_negative_zero_and_its_tables_scroll(chalmers30, tmp_path):
    from evo_l2l.archive import open_run
    from evo_l2l.analysis.curves import problem_for, rule_from_spec
    run = open_run(str(chalmers30))
    _, rule = rule_from_spec(run, problem_for(run), "best")
    assert any(v == 0 and np.signbit(v) for v in np.asarray(rule))   # the case is present
    res = invoke("report", chalmers30, "-o", tmp_path / "rep")
    assert res.exit_code == 0, res.output
    md = (tmp_path / "rep" / "report.md").read_text()
    cells = [c.strip() for line in md.splitlines() if line.startswith("|")
             for c in line.split("|")]
    assert "-0" not in cells and not any(c.startswith("-0.000") for c in cells)
    page = (tmp_path / "rep" / "report.html").read_text()
    assert page.count('<div class="wide"><table>') == page.count("<table>") > 0
    assert ".wide{overflow-x:auto" in page


# -- figures: no empty panel slots, a colour a coefficient line -------------------------------

def test_distinct_colours_up_to_40():
    from evo_l2l.analysis.plot_style import distinct_colours
    for n in (1, 10, 16, 20, 27, 32, 40):
        colours = distinct_colours(n)
        assert len(colours) == n == len({tuple(np.round(c, 6)) for c in colours})


def test_a_figure_has_no_empty_panel_slot(chalmers30, automl, tmp_path, monkeypatch):
    import matplotlib
    matplotlib.use("Agg")
    from matplotlib.figure import Figure
    from evo_l2l.analysis.plots import plot_runs
    from evo_l2l.archive import open_run
    seen = []
    save = Figure.savefig
    monkeypatch.setattr(Figure, "savefig",
                        lambda self, *a, **k: (seen.append(self), save(self, *a, **k))[1])
    # fitness, two rule panels, learning curves: 4 panels, once 2 of a 3 x 2 grid blank.
    plot_runs([open_run(str(chalmers30)), open_run(str(automl))], str(tmp_path / "f.png"))
    axes = seen[0].axes
    assert len(axes) == 4 and all(ax.axison for ax in axes)


def test_coefficient_lines_do_not_share_colours(tmp_path):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from evo_l2l.analysis.plots import coefficient_axes
    from evo_l2l.archive import open_run
    path = tmp_path / "v.h5"
    # 16 terms, all of them on from the start: more named lines than the default 10 colours.
    res = invoke("run", "bengio1991-boolean", "--generations", 2, "--population", 4, "-q",
                 "-o", path)
    assert res.exit_code == 0, res.output
    fig, ax = plt.subplots()
    coefficient_axes(ax, open_run(str(path)))
    named = [line for line in ax.get_lines() if not line.get_label().startswith("_")]
    colours = {matplotlib.colors.to_hex(line.get_color()) for line in named}
    plt.close(fig)
    assert len(named) > 10 and len(colours) == len(named)
