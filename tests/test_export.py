"""Rules to take away (`best --format`), one power notation, protected division shown;
`compare` and the plot's legends, panels and scale warning (issue 17, items 12 and 13)."""
import json

import numpy as np
import pytest
from click.testing import CliRunner

from evo_l2l.cli import main
from evo_l2l.rules import symbolic as sym


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """Small runs: two chalmers1990 seeds, one chalmers1990-gp, one confavreux2020-oja."""
    from evo_l2l.evolution.run import start_run
    from evo_l2l.experiments import PRESETS
    folder = tmp_path_factory.mktemp("runs")
    paths = {}
    for key, preset, seed in (("c0", "chalmers1990", 0), ("c1", "chalmers1990", 1),
                              ("gp", "chalmers1990-gp", 0), ("oja", "confavreux2020-oja", 0)):
        path = str(folder / f"{key}.h5")
        start_run(PRESETS[preset].default_config(n_generations=3, population=6, seed=seed), path)
        paths[key] = path
    return paths


def _exec(source: str) -> dict:
    scope: dict = {}
    exec(source, scope)      # the output, run as pasted
    return scope


def test_best_format_python_runs_as_pasted_parametric(runs):
    from evo_l2l import open_run
    from evo_l2l.analysis.curves import problem_for, rule_from_spec
    for key, variables in (("c0", ("w", "a", "o", "t")), ("oja", ("x", "y", "w"))):
        res = CliRunner().invoke(main, ["best", runs[key], "--format", "python", "--top", "2"])
        assert res.exit_code == 0, res.output
        assert f"def rule({', '.join(variables)}):" in res.output and "def rule_2(" in res.output
        scope = _exec(res.output)
        run = open_run(runs[key])
        problem = problem_for(run)
        coef = rule_from_spec(run, problem, "best")[1]
        eff = problem.form.effective(coef)
        rng = np.random.default_rng(0)
        for _ in range(50):
            v = dict(zip(variables, rng.uniform(-2, 2, len(variables))))
            terms = [eval(name.replace("^", "**"), {}, v) for name in problem.form.term_names]
            want = float(np.dot(eff, terms)) if key == "oja" else \
                coef[0] * float(np.dot(coef[1:], terms))     # Chalmers: k0 * (k1 w + ...)
            assert scope["rule"](**v) == pytest.approx(want, rel=1e-12, abs=1e-12)


TREES = ["pdiv(mul(a, mul(a, sub(t, o))), a)", "sub(w, neg(pdiv(sub(t, o), add(o, -0.25))))",
         "add(a, add(o, add(t, w)))", "mul(mul(a, o), mul(t, w))", "sub(a, sub(o, sub(t, w)))",
         "square(sub(neg(a), tanh(pdiv(w, o))))", "pexp(mul(60.0, a))",
         "pdiv(half, sub(o, o))", "mul(-0.5, neg(-1.25))", "0.0"]


@pytest.mark.parametrize("text", TREES)
def test_python_source_of_a_tree_computes_what_the_kernel_semantics_do(text):
    """Exact, not close: the same operations in the same order, pdiv and pexp as defined."""
    from evo_l2l.kinds.symbolic import _tree_python
    pset = sym.make_pset(unary=("neg", "square", "tanh", "pexp"))
    tree = sym.parse_tree(text, pset)
    body, helpers = _tree_python(tree, pset)
    src = ("import math\n" + "\n".join(
        __import__("evo_l2l.analysis.export", fromlist=["_HELPERS"])._HELPERS[h]
        for h in ("pdiv", "pexp") if h in helpers) + f"\ndef rule(w, a, o, t):\n    return {body}\n")
    rule, reference = _exec(src)["rule"], sym.python_function(tree, pset)
    rng = np.random.default_rng(1)
    points = [tuple(rng.choice([0.0, 1.0, -1.0, rng.uniform(-3, 3)]) for _ in range(4))
              for _ in range(200)]
    for p in points:
        assert rule(*p) == reference(*p) or (np.isnan(rule(*p)) and np.isnan(reference(*p)))


def test_best_format_python_and_latex_of_a_gp_run(runs):
    res = CliRunner().invoke(main, ["best", runs["gp"], "--format", "python", "--top", "3"])
    assert res.exit_code == 0, res.output
    scope = _exec(res.output)
    from evo_l2l import open_run
    from evo_l2l.analysis.curves import problem_for
    from evo_l2l.analysis.rules import ranked_rules
    run = open_run(runs["gp"])
    problem = problem_for(run)
    rng = np.random.default_rng(2)
    for name, (_, text) in zip(("rule", "rule_2", "rule_3"), ranked_rules(run, problem, 3)):
        f = sym.python_function(problem.tree(text), problem.pset)
        for _ in range(50):
            p = rng.uniform(-2, 2, 4)
            assert scope[name](*p) == f(*p)
    res = CliRunner().invoke(main, ["best", runs["gp"], "--format", "latex"])
    assert res.exit_code == 0 and res.output.count(r"\Delta w = ") == 1, res.output


def test_latex_of_known_rules():
    from evo_l2l.analysis.export import latex
    from evo_l2l.evolution.problem import make_problem, build_tasks
    from evo_l2l.experiments import PRESETS
    config = PRESETS["chalmers1990"].default_config()
    problem = make_problem(config, build_tasks(config))
    assert latex(problem, problem.known_rule("delta", 4.0)) == r"\Delta w = 4 a \left(t - o\right)"
    config = PRESETS["chalmers1990-gp"].default_config()
    problem = make_problem(config, build_tasks(config))
    assert latex(problem, "pdiv(a, o)") == r"\Delta w = \left(a \oslash o\right)"


def test_best_format_json_is_the_json_flag_and_they_must_agree(runs):
    a = CliRunner().invoke(main, ["best", runs["c0"], "--json"])
    b = CliRunner().invoke(main, ["best", runs["c0"], "--format", "json"])
    assert a.exit_code == b.exit_code == 0 and json.loads(a.output) == json.loads(b.output)
    res = CliRunner().invoke(main, ["best", runs["c0"], "--json", "--format", "python"])
    assert res.exit_code == 2 and "--json and --format python disagree" in res.output


def test_best_help_explains_dist_and_notation():
    res = CliRunner().invoke(main, ["best", "--help"])
    assert res.exit_code == 0
    text = " ".join(res.output.split())
    assert "dist(NAME)" in text and "cosine distance" in text and "pdiv(x, y)" in text


def test_gp_formulas_show_protected_division_and_one_power_notation():
    from evo_l2l.rules import volterra
    pset = sym.make_pset()
    f = lambda text: sym.formula(sym.parse_tree(text, pset), pset)
    assert f("pdiv(mul(a, mul(a, sub(t, o))), a)") == "dw = pdiv(a^2*(t - o), a)"   # was a*(t - o)
    assert f("add(mul(a, a), pdiv(sub(t, o), add(o, one)))") == "dw = a^2 + pdiv(t - o, o + 1)"
    assert f("pdiv(a, two)") == "dw = a/2"             # a constant divisor: plain division
    assert "**" not in f("mul(mul(a, a), mul(a, o))")
    assert "y^2" in volterra.formula(volterra.oja_rule())


def test_compare_groups_runs_by_config_and_shows_the_reference(runs, tmp_path):
    from evo_l2l import open_run
    from evo_l2l.analysis.curves import problem_for
    from evo_l2l.analysis.rules import best_reference_rule
    from evo_l2l.evolution.run import start_run
    from evo_l2l.experiments import PRESETS
    tour = str(tmp_path / "tournament.h5")
    start_run(PRESETS["chalmers1990"].default_config(
        n_generations=3, population=6, **{"optimizer.selection": "tournament"}), tour)
    args = ["compare", runs["c0"], runs["c1"], runs["gp"], tour]
    res = CliRunner().invoke(main, args + ["--json"])
    assert res.exit_code == 0, res.output
    out = json.loads(res.output)
    labels = [g["label"] for g in out["groups"]]
    assert labels == ["chalmers1990 (optimizer.selection=roulette)", "chalmers1990-gp",
                      "chalmers1990 (optimizer.selection=tournament)"]
    g = out["groups"][0]
    assert g["runs"] == 2 and g["seeds"] == [0, 1]
    fits = [r["fitness"] for r in out["runs"][:2]]
    assert g["best"]["fitness"]["mean"] == pytest.approx(np.mean(fits))
    assert g["best"]["fitness"]["sd"] == pytest.approx(np.std(fits, ddof=1))
    assert out["groups"][1]["best"]["fitness"]["sd"] is None          # one run: no sd
    ref = best_reference_rule(problem_for(open_run(runs["c1"])))
    assert out["runs"][1]["reference_fitness"] == pytest.approx(ref["fitness"], abs=0)
    assert g["reference"]["label"] == "the delta rule" and g["reference"]["rates"]
    assert 0 <= g["known_form_share"] <= 1 and g["reference_rule_runs"] <= g["known_form_runs"]
    res = CliRunner().invoke(main, args)
    assert res.exit_code == 0, res.output
    lines = res.output.splitlines()
    assert lines[0].startswith("preset or config") and "ref. held-out" in lines[0]
    # aligned: every row's 'runs' column ends where the header's does
    end = lines[0].index("runs") + len("runs")
    for line in lines[1:4]:
        assert line[end - 1].isdigit() and line[end] == " ", line
    assert "chalmers1990 (optimizer.selection=tournament)" in res.output and "+-" in res.output


def test_compare_warns_of_two_runs_of_one_seed(runs, tmp_path):
    import shutil
    copy = str(tmp_path / "c0-copy.h5")
    shutil.copy(runs["c0"], copy)
    res = CliRunner().invoke(main, ["compare", runs["c0"], runs["c1"], copy])
    assert res.exit_code == 0, res.output
    assert "warning: chalmers1990 has several runs of seed 0" in res.output
    out = json.loads(CliRunner().invoke(main, ["compare", runs["c0"], copy, "--json"]).output)
    assert out["groups"][0]["duplicate_seeds"] == [0]
    res = CliRunner().invoke(main, ["compare", runs["c0"], runs["c1"]])
    assert "warning" not in res.output


def test_compare_counts_the_reference_rule_as_found():
    from evo_l2l.analysis.compare import known_form_of
    from evo_l2l.analysis.rules import describe_rule
    from evo_l2l.evolution.problem import build_tasks, make_problem
    from evo_l2l.experiments import PRESETS
    config = PRESETS["chalmers1990"].default_config()
    problem = make_problem(config, build_tasks(config))
    for name, rate in (("delta", 2.0), ("hebb", 0.5)):
        assert known_form_of(problem, describe_rule(problem, problem.known_rule(name, rate))) == name


def test_compare_bad_input_is_one_line_and_exit_2(runs, tmp_path, monkeypatch):
    import h5py
    monkeypatch.chdir(tmp_path)
    open("junk.h5", "w").write("not hdf5")
    with h5py.File("foreign.h5", "w") as f:
        f["x"] = 1
    for args, message in ((["compare"], "Missing argument"),
                          (["compare", runs["c0"], "missing.h5"], "no such file"),
                          (["compare", "junk.h5"], "not an HDF5 file"),
                          (["compare", "foreign.h5"], "not an evo_l2l run archive"),
                          (["compare", runs["c0"], runs["c0"]], "given twice")):
        res = CliRunner().invoke(main, args)
        assert res.exit_code == 2 and message in res.output, (args, res.output)
        assert len(res.output.strip().splitlines()) == 1, res.output


def test_compare_refuses_a_meta_run(tmp_path):
    from evo_l2l.evolution.run import start_run
    from evo_l2l.experiments import PRESETS
    meta = PRESETS["schmidhuber1987-meta"]
    path = str(tmp_path / "meta.h5")
    start_run(meta.default_config(**{**meta.toy, "population": 4, "n_generations": 1}), path)
    res = CliRunner().invoke(main, ["compare", path])
    assert res.exit_code == 2 and "a meta-evolution run" in res.output
    assert len(res.output.strip().splitlines()) == 1
    res = CliRunner().invoke(main, ["best", path, "--format", "python"])
    assert res.exit_code == 2 and "use --format text or json" in res.output


def test_plot_has_a_coefficient_panel_per_run_and_legends_outside(runs, tmp_path, monkeypatch):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from evo_l2l import open_run
    from evo_l2l.analysis import plots
    figures = []
    monkeypatch.setattr(plt, "close", lambda fig: figures.append(fig))
    opened = [open_run(runs[k]) for k in ("c0", "c1", "gp")]
    plots.plot_runs(opened, str(tmp_path / "p.png"))
    fig = figures[-1]
    titles = [ax.get_title() for ax in fig.axes]
    for name in ("c0.h5", "c1.h5"):
        assert any("coefficients" in t and name in t for t in titles), titles
    assert any("tree size" in t and "gp.h5" in t for t in titles)
    fig.canvas.draw()
    for ax in fig.axes:
        legend = ax.get_legend()
        if legend is None:
            continue
        box, frame = legend.get_window_extent(), ax.get_window_extent()
        assert box.y1 <= frame.y0 + 1, ax.get_title()      # below the axes, not over the curves
    assert plots.scale_warning(opened) is None          # the same tasks and performance


def _stderr_apart() -> CliRunner:
    """stderr kept apart from stdout (click 8.1 needs mix_stderr=False; 8.2 dropped it)."""
    import inspect
    return CliRunner(**({"mix_stderr": False}
                        if "mix_stderr" in inspect.signature(CliRunner).parameters else {}))


def test_plot_warns_when_fitness_scales_differ(runs, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    res = _stderr_apart().invoke(main, ["plot", runs["c0"], runs["oja"], "-o", "p.png"])
    assert res.exit_code == 0, res.output
    assert res.stderr.startswith("warning: ") and "different scales" in res.stderr
    warnings = [l for l in res.stderr.splitlines() if l.startswith("warning")]
    assert len(warnings) == 1
    assert "oja.h5" in res.stderr and "c0.h5" in res.stderr
    res = _stderr_apart().invoke(main, ["plot", runs["c0"], runs["gp"], "-o", "q.png"])
    assert res.exit_code == 0 and "warning" not in res.stderr
    # Review nit 14: plot said nothing before its long work (46 s on fewshot-digits-gp).
    assert res.stderr.startswith("drawing q.png: ")


def test_layered_rules_are_refused_by_python_and_latex_in_one_line(tmp_path):
    """A layered Bengio rule (fewshot-digits: terms out:a, hid:a, ...) is not one formula:
    latex was a traceback from sympy and python wrote code that does not parse."""
    from evo_l2l.evolution.run import start_run
    from evo_l2l.experiments import PRESETS
    path = str(tmp_path / "fs.h5")
    preset = PRESETS["fewshot-digits"]
    start_run(preset.default_config(n_generations=1, population=4, **preset.toy), path)
    for fmt in ("python", "latex"):
        res = CliRunner().invoke(main, ["best", path, "--format", fmt])
        assert res.exit_code == 2 and "not one formula" in res.output, res.output
        assert len(res.output.strip().splitlines()) == 1
    res = CliRunner().invoke(main, ["best", path, "--format", "json"])
    assert res.exit_code == 0, res.output


def _figure_of(runs_, tmp_path, monkeypatch, name="p.png"):
    """plot_runs' figure (kept open) and the saved image's height in pixels."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.image
    import matplotlib.pyplot as plt
    from evo_l2l.analysis import plots
    figures = []
    monkeypatch.setattr(plt, "close", lambda fig: figures.append(fig))
    plots.plot_runs(runs_, str(tmp_path / name))
    fig = figures[-1]
    fig.canvas.draw()
    return fig, matplotlib.image.imread(str(tmp_path / name)).shape[0]


def _integer_ticks(ax) -> bool:
    lo, hi = ax.get_xlim()
    ticks = [t for t in ax.get_xticks() if lo <= t <= hi]
    return bool(ticks) and all(float(t).is_integer() for t in ticks)


def _legend_texts(fig) -> list:
    return [t.get_text() for ax in fig.axes if ax.get_legend()
            for t in ax.get_legend().get_texts()]


def test_plot_labels_are_short_ticks_whole_and_lines_told_apart(runs, tmp_path, monkeypatch):
    # Review nits 14 and 18: the y-label held the whole fitness description (cut off, or
    # stretching the figure), 3 generations got ticks at 0.5..., the legend read
    # "train: held-out (best of generation)", the best and reference curves shared a colour.
    from evo_l2l import open_run
    fig, height = _figure_of([open_run(runs["c0"])], tmp_path, monkeypatch)
    fitness, coefficients, curves = fig.axes[:3]
    assert fitness.get_ylabel() == "fitness"
    assert "fitness: mean over tasks of 1 - mean|t - o|" in fitness.get_title()
    assert _integer_ticks(fitness) and _integer_ticks(coefficients)
    texts = _legend_texts(fig)
    assert "held-out, of the generation's best rule" in texts
    assert not any(t.startswith("train:") for t in texts)
    colours = [line.get_color() for line in curves.get_lines()]
    assert len(colours) == 2 and len(set(colours)) == 2
    colours = [line.get_color() for line in fitness.get_lines()]
    assert len(set(colours)) == len(colours) == 4
    assert height < 800


def test_plot_of_an_automl_zero_run(tmp_path, monkeypatch):
    # Program length in instructions; the learning curve is one point (epoch 0), drawn
    # as a visible marker on an x axis wider than the point.
    from evo_l2l import open_run
    from evo_l2l.evolution.run import start_run
    from evo_l2l.experiments import PRESETS
    preset = PRESETS["automl-zero-linear"]
    path = str(tmp_path / "az.h5")
    start_run(preset.default_config(**{**preset.toy, "population": 20, "n_generations": 2}),
              path)
    fig, height = _figure_of([open_run(path)], tmp_path, monkeypatch)
    fitness, size, curves = fig.axes[:3]
    assert size.get_ylabel() == "program length (instructions)"
    assert "program length" in size.get_title() and _integer_ticks(size)
    assert fitness.get_ylabel() == "fitness" and _integer_ticks(fitness)
    lo, hi = curves.get_xlim()
    lines = curves.get_lines()
    assert all(len(line.get_xdata()) == 1 and line.get_marker() not in ("", "None")
               for line in lines)
    assert hi - lo >= 1.5 and list(curves.get_xticks()) == [0]
    assert len({line.get_color() for line in lines}) == len(lines) == 2
    assert height < 800                  # the long y-label stretched it to 1039 px
