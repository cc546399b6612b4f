"""A new kind of rule added from this file alone (no library file edited) runs through
the normal path: config, archive, resume, and the analysis commands best, evaluate,
plot and report.

The toy kind: a rule is the learning rate of the delta rule, searched as its base-2
logarithm (one real gene). Its problem class is written here from scratch against the
Problem protocol; its learner is the single-layer learner, told that it runs the toy
family, whose curves it computes with the delta rule's coefficients.
"""
from dataclasses import dataclass

import numpy as np
import pytest
from click.testing import CliRunner

from evo_l2l import open_run
from evo_l2l.cli import main
from evo_l2l.components import GenomeSpec, Settings, setting
from evo_l2l.evolution.run import resume_run, start_run
from evo_l2l.experiments import PRESETS
from evo_l2l.learners import LEARNERS, fitness_from_curves
from evo_l2l.rules import RULE_FAMILIES
from evo_l2l.rules.chalmers import KNOWN_RULES as CHALMERS_RULES
from evo_l2l.rules.kinds import RULE_KINDS, RuleKind


@dataclass
class RateSettings(Settings):
    start: float = setting(-4.0, "log2 of the rate the search starts from")


@dataclass(frozen=True)
class RateFamily:
    name: str = "toy_rate"
    settings: type = RateSettings
    kind: str = "toy_rate"
    summary: str = "the delta rule's learning rate (a toy kind)"
    module: object = None

    def check(self, s) -> None:
        pass

    def genome(self, s, learner=None) -> GenomeSpec:
        return GenomeSpec("real", 1)


class RateProblem:
    """Fitness of delta-rule learning rates; genomes are (N, 1) base-2 logarithms."""

    kind = "toy_rate"

    def __init__(self, config, tasks, evaluator=None):
        self.config, self.tasks = config, tasks
        self.splits = {"train": tasks.select("train"), "heldout": tasks.select("heldout")}
        self.genome = config.genome()
        self.learner = config.component("learner")
        self.reference_rule = "delta"
        self.performance = self.learner.performance_on(tasks)
        self.cache_log: list = []
        self.n_kernel_evaluations = 0
        self.kernel_seconds = 0.0

    def archive_fields(self) -> dict:
        return {"rate": ((), "f8")}

    def describe(self, genomes) -> dict:
        return {"rate": self.rules_of(genomes)}

    def to_genome_array(self, genomes) -> np.ndarray:
        return np.asarray(genomes, dtype=np.float64)

    def rules_of(self, genomes) -> np.ndarray:
        return 2.0 ** np.asarray(genomes, dtype=np.float64).reshape(-1)

    def rule_of_genome(self, genome) -> float:
        return float(2.0 ** np.asarray(genome, dtype=np.float64).reshape(-1)[0])

    def formula(self, rule) -> str:
        return f"dw = {float(rule):.4g} * a * (t - o)"

    def is_reference_rule(self, rule) -> bool:
        return True

    def known_rule_names(self) -> tuple:
        return ("delta",)

    def known_rule(self, name, rate=None) -> float:
        if name != "delta":
            raise ValueError(f"no known rule {name!r}")
        return 1.0 if rate is None else float(rate)

    def known_label(self, name) -> str:
        return "the delta rule"

    def rule_key(self, rule) -> float:
        return float(rule)

    def rule_details(self, rule) -> dict:
        return {"rate": float(rule)}

    def curves(self, rules, split="train") -> np.ndarray:
        tasks = self.splits[split] if isinstance(split, str) else split
        coef = np.stack([CHALMERS_RULES["delta"](float(r)) for r in np.ravel(rules)])
        return self.learner.coefficient_curves("chalmers", coef, tasks,
                                               self.config.learner.settings)

    def fitness_of(self, rules, split="train") -> np.ndarray:
        return fitness_from_curves(self.curves(rules, split),
                                   self.config.learner.settings.fitness_measure)

    def load_cache(self, keys, fitness) -> None:
        pass

    def evaluate(self, genomes, split="train"):
        rules = self.rules_of(genomes)
        self.n_kernel_evaluations += len(rules)
        return self.fitness_of(rules, split), len(rules)


class RateKind(RuleKind):
    name = "toy_rate"
    summary = "the delta rule's learning rate (a toy kind)"
    noun = "rate"
    problem_class = RateProblem
    rule_text_hint = "a rate such as 0.5"
    drawn: list = []

    def parse_rule(self, problem, text):
        return f"rate {float(text):g}", float(text)

    def rule_axes(self, ax, run) -> None:
        g = run.generations
        ax.plot(g["generation"], 2.0 ** g["best_so_far_genome"][:, 0], label="best-so-far rate")
        ax.set_yscale("log")
        self.drawn.append(run.path)


@pytest.fixture
def toy_kind():
    single_layer = LEARNERS.get("single_layer")
    learner = type("RateLearner", (type(single_layer),),
                   {"name": "toy_rate_learner", "coefficient_families": ("toy_rate",)})()
    with RULE_KINDS.registered(RateKind()), RULE_FAMILIES.registered(RateFamily()), \
            LEARNERS.registered(learner):
        yield


def toy_config(n_generations):
    return PRESETS["chalmers1990"].default_config(
        rule="toy_rate", learner="toy_rate_learner", optimizer="es", population=6,
        n_generations=n_generations, n_epochs=3)


def test_a_toy_rule_kind_runs_resumes_and_is_analysed(tmp_path, toy_kind):
    full = start_run(toy_config(4), str(tmp_path / "full.h5"))
    assert full.status == "complete"
    run = open_run(str(tmp_path / "full.h5"))
    assert run.attrs["rule_kind"] == "toy_rate"
    g = run.generations
    np.testing.assert_allclose(g["population_rate"], 2.0 ** g["population_genome"][..., 0])
    # Resuming a 2-generation run to 4 gives the same arrays as the straight run.
    start_run(toy_config(2), str(tmp_path / "half.h5"))
    resume_run(str(tmp_path / "half.h5"), 4)
    half = open_run(str(tmp_path / "half.h5"))
    for k in ("population_genome", "population_fitness", "best_so_far_fitness"):
        np.testing.assert_array_equal(half.generations[k], g[k])
    runner = CliRunner()
    path = str(tmp_path / "full.h5")
    best = runner.invoke(main, ["best", path])
    assert best.exit_code == 0, best.output
    assert "dw = " in best.output and "* a * (t - o)" in best.output
    ev = runner.invoke(main, ["evaluate", path, "--rule", "best", "--rule", "0.5", "--json"])
    assert ev.exit_code == 0, ev.output
    assert '"label": "rate 0.5"' in ev.output
    RateKind.drawn.clear()
    plot = runner.invoke(main, ["plot", path, "-o", str(tmp_path / "p.png")])
    assert plot.exit_code == 0, plot.output
    assert RateKind.drawn == [path] and (tmp_path / "p.png").stat().st_size > 0
    report = runner.invoke(main, ["report", path, "-o", str(tmp_path / "report")])
    assert report.exit_code == 0, report.output
    assert "dw = " in (tmp_path / "report" / "report.md").read_text()
    python = runner.invoke(main, ["best", path, "--format", "python"])
    assert python.exit_code == 2 and "not one formula" in python.output


def test_the_kind_is_gone_after_the_block(toy_kind):
    pass


def test_an_unknown_kind_is_one_line():
    from evo_l2l.errors import ConfigError
    with pytest.raises(ConfigError, match="unknown rule kind 'toy_rate'"):
        RULE_KINDS.get("toy_rate")
