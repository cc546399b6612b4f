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
        eff = problem.fam.effective(coef)
        rng = np.random.default_rng(0)
        for _ in range(50):
            v = dict(zip(variables, rng.uniform(-2, 2, len(variables))))
            terms = [eval(name.replace("^", "**"), {}, v) for name in problem.fam.TERM_NAMES]
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
    from evo_l2l.analysis.export import _tree_python
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
