"""What is printed can be read back: for each kind of rule, the run summary's rule lines and
`best`'s whole output (as text, as @FILE, as a path) given to `evaluate --rule` are the
run's best rule: the same training fitness as `--rule best` (the archive's best, up to the
order evaluate sums in). Absurd texts are one line
and exit 2."""
import json

import numpy as np
import pytest
from click.testing import CliRunner

from evo_l2l import open_run
from evo_l2l.cli import main

# preset -> the field of evaluate's JSON that is the run's fitness (learning curves), or None
# where evaluate scores otherwise (evolved optimizers: against tuned baselines), then read
# through the library.
PRESETS = {"chalmers1990": "fitness_mean",          # parametric, bit genome: formula exact
           "chalmers1990-real": "fitness_mean",     # parametric, real genome: formula rounded
           "automl-bengio1991": "fitness_final",    # parametric, mixed genome: a categorical gene
           "chalmers1990-gp": "fitness_mean",       # symbolic: formula simplified
           "jordan2021-error": "fitness_mean",      # symbolic, eta 0.2 in its formula
           "automl-zero-linear": "fitness_mean",    # AutoML-Zero program
           "l2o-programs": None,                    # update program
           "l2o-learned": None}                     # learned optimizer: formula rounded


@pytest.fixture(scope="module")
def printed(tmp_path_factory):
    """preset -> (archive, the summary's rule lines, best's output, a file holding it)."""
    folder = tmp_path_factory.mktemp("printed")
    runner = CliRunner()
    out = {}
    for preset in PRESETS:
        path = str(folder / f"{preset}.h5")
        res = runner.invoke(main, ["run", preset, "--toy", "--generations", "2", "-q",
                                   "-o", path])
        assert res.exit_code == 0, res.output
        lines = res.stdout.splitlines()
        first = next(i for i, line in enumerate(lines) if line.startswith("best "))
        rule = [lines[first]] + [line for line in lines[first + 1:first + 2]
                                 if line.startswith("  exact: ")]
        best = runner.invoke(main, ["best", path])
        assert best.exit_code == 0, best.output
        saved = folder / f"{preset}-best.txt"
        saved.write_text(best.stdout)
        out[preset] = (path, "\n".join(rule), best.stdout, str(saved))
    return out


def train_fitness(path: str, spec: str, field: str | None) -> float:
    """The training fitness of --rule spec as evaluate reads it."""
    if field:
        res = CliRunner().invoke(main, ["evaluate", path, "--rule", spec, "--tasks", "train",
                                        "--json"])
        assert res.exit_code == 0, res.output
        return json.loads(res.stdout)[0][field]
    from evo_l2l.analysis.curves import problem_for, rule_from_spec
    run = open_run(path)
    problem = problem_for(run)
    _, rule = rule_from_spec(run, problem, spec)
    return float(problem.fitness_of([rule], "train")[0])


@pytest.mark.parametrize("preset", list(PRESETS))
def test_the_summary_and_best_read_back_as_the_best_rule(printed, preset):
    path, summary, best, saved = printed[preset]
    field = PRESETS[preset]
    archived = float(open_run(path).state["hof_fitness"])
    # evaluate's mean over tasks and epochs sums in another order than the run's fitness
    its_best = train_fitness(path, "best", field)
    assert its_best == pytest.approx(archived, rel=1e-12, abs=1e-15)
    for spec in (summary, best, f"@{saved}", saved):
        assert train_fitness(path, spec, field) == its_best, spec


@pytest.mark.parametrize("preset", ["chalmers1990-gp", "jordan2021-error"])
def test_a_trees_simplified_formula_alone_reads_as_a_tree_computing_it(printed, preset):
    """The summary's first line without its exact: line: the formula, read as a tree; the
    same rule up to how the simplification rounded."""
    path, summary = printed[preset][:2]
    first = summary.splitlines()[0]
    assert "dw = " in first and "exact" not in first
    its_best = train_fitness(path, "best", "fitness_mean")
    assert train_fitness(path, first, "fitness_mean") == pytest.approx(its_best, abs=1e-9)


def test_the_exact_line_shows_only_where_the_formula_is_not_exact(printed):
    assert "exact:" not in printed["chalmers1990"][1]          # dyadic coefficients
    assert "exact:" not in printed["automl-zero-linear"][1]    # the program itself
    assert "exact:" not in printed["l2o-programs"][1]          # numbers as repr
    for preset in ("chalmers1990-real", "chalmers1990-gp", "jordan2021-error", "l2o-learned"):
        assert "\n  exact: " in printed[preset][1], preset
        assert "   exact: " in printed[preset][2] or preset in ("chalmers1990-gp",
                                                              "jordan2021-error")


def test_the_one_line_program_of_the_summary_is_the_program(printed):
    from evo_l2l.rules.printed import program_text
    summary = printed["automl-zero-linear"][1]
    assert "\n" not in summary and "setup:" in summary and "; predict:" in summary
    text = program_text(summary)
    assert text.splitlines()[0] == "setup:" and "predict:" in text.splitlines()


def test_best_of_several_rules_reads_the_first(printed):
    path = printed["chalmers1990-real"][0]
    res = CliRunner().invoke(main, ["best", path, "--top", "3"])
    assert res.exit_code == 0
    assert (train_fitness(path, res.stdout, "fitness_mean")
            == train_fitness(path, "best", "fitness_mean"))


@pytest.mark.parametrize("preset,text", [
    ("chalmers1990", "dw = 3*q"), ("chalmers1990", "k0=1 k1=zz"),
    ("chalmers1990-gp", "dw = a*q"), ("chalmers1990-gp", "mul(a, (("),
    ("chalmers1990-gp", "dw = __import__('os').system('false')"),
    ("automl-zero-linear", "setup: ; predict: s1 = nosuch(v1); learn:"),
    ("automl-zero-linear", "#1 (generation 0): fitness 1\n   setup:\n   s1 = ((("),
    ("l2o-programs", "lr = x; u = sign(g)"),
    ("l2o-learned", "w -= 0.1 * (2*nosuch)"), ("l2o-learned", "w -= 1e999 * (g)"),
    ("chalmers1990", "@/nonexistent/rule.txt")])
def test_absurd_texts_are_one_line_and_exit_2(printed, preset, text):
    res = CliRunner().invoke(main, ["evaluate", printed[preset][0], "--rule", text])
    assert res.exit_code == 2, res.output
    assert res.stderr.startswith("error: ") and res.stderr.count("\n") == 1, res.stderr
    assert "Traceback" not in res.output


def test_a_binary_or_huge_rule_file_is_one_line(printed, tmp_path):
    path = printed["chalmers1990"][0]
    binary = tmp_path / "rule.bin"
    binary.write_bytes(bytes(range(256)))
    huge = tmp_path / "huge.txt"
    huge.write_text("x" * (2 << 20))
    for f in (binary, huge):
        res = CliRunner().invoke(main, ["evaluate", path, "--rule", f"@{f}"])
        assert res.exit_code == 2 and res.stderr.count("\n") == 1, res.output


def test_learned_optimizer_texts_parse_exactly():
    from evo_l2l.rules import learned_optimizers as lo
    row = np.array([0.123456789, -1 / 3, 0, 2.5e-7] + [0.0] * (len(lo.FEATURES) - 3))
    assert np.array_equal(lo.parse(lo.exact_text(row)), row)
    assert lo.parse(lo.formula(row))[0] == pytest.approx(0.1235)
