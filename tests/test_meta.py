"""Meta-evolution (issue 12, item 2): operator genomes scored by runs of the level below."""
import random

import numpy as np
import pytest
from click.testing import CliRunner

from evo_l2l import open_run
from evo_l2l.cli import main
from evo_l2l.evolution.loop import StopRun, evolve
from evo_l2l.evolution.meta import SUMMARY, below_config, run_below, score
from evo_l2l.evolution.problem import build_tasks, make_problem
from evo_l2l.evolution.run import start_run
from evo_l2l.experiments import PRESETS
from evo_l2l.rules import chalmers
from evo_l2l.rules import operators as ops

META = PRESETS["schmidhuber1987-meta"]
HAND_SET = {"selection": "roulette", "tournament_size": 1, "crossover": "two_point",
            "crossover_prob": 0.8, "mutation_indpb": 0.01, "mutation_sigma": 0.5,
            "elitism": 1, "population": 40}


def toy(**kw):
    return META.default_config(**{**META.toy, "population": 4, "n_generations": 2, **kw})


def test_operator_genes_round_trip_and_stay_valid():
    s = ops.OperatorSettings()
    row = ops.decode(ops.encode(HAND_SET, s)[None], s)[0]
    got = ops.settings_of(row, "bits")
    assert {k: got[k] for k in ("selection", "crossover", "elitism", "population")} == \
        {k: HAND_SET[k] for k in ("selection", "crossover", "elitism", "population")}
    assert got["crossover_prob"] == pytest.approx(0.8) and got["mutation_indpb"] == pytest.approx(0.01)
    # Any genes at all decode to settings the GA accepts: within bounds, elitism below the
    # population, blend only for real genomes.
    rng = np.random.default_rng(0)
    for row in ops.decode(rng.normal(0, 3, (200, ops.N_GENES)), s):
        for kind in ("bits", "real"):
            g = ops.settings_of(row, kind)
            assert 8 <= g["population"] <= 100 and 0 <= g["elitism"] < g["population"]
            assert 1e-3 - 1e-12 <= g["mutation_indpb"] <= 0.5 + 1e-12
            assert kind == "real" or g["crossover"] != "blend"


def test_delta_like_rules():
    def rule(**terms):
        coef = np.zeros(chalmers.N_COEF)
        coef[0] = 1.0
        for name, v in terms.items():
            coef[1 + chalmers.TERM_NAMES.index(name.replace("_", "*"))] = v
        return coef
    assert chalmers.is_reference_like(chalmers.delta_rule(4.0))
    assert chalmers.is_reference_like(rule(w_o=1, w_t=-1, a_o=-1, a_t=1))          # (a - w)(t - o)
    assert chalmers.is_reference_like(rule(o=2, t=-2, a_o=-4, a_t=4))              # (t - o)(4a - 2)
    assert not chalmers.is_reference_like(chalmers.hebb_rule())
    assert not chalmers.is_reference_like(rule(a_o=-1, a_t=1, w=0.5))
    assert not chalmers.is_reference_like(rule(a_o=1, a_t=-1))                     # anti-delta


def test_score_ranks_reaching_before_missing_and_faster_first():
    s = np.zeros((4, len(SUMMARY)))
    s[:, 4] = 0.8                                    # target
    s[0, :3] = (1, 1000, 0.8)                        # reached after 1000 of 4000
    s[1, :3] = (1, 3000, 0.85)
    s[2, :3] = (0, np.nan, 0.79)
    s[3, :3] = (0, np.nan, 0.4)
    np.testing.assert_allclose(score(s, 4000), [1.75, 1.25, 0.79 / 0.8, 0.5])
    s[:, 4] = np.nan                                 # a meta level below: best fitness
    np.testing.assert_allclose(score(s, 4000), s[:, 2])


def test_a_run_below_is_exact_stops_at_target_and_leaves_random_alone():
    below = PRESETS["chalmers1990"].default_config().to_dict()
    row = ops.decode(ops.encode(HAND_SET, ops.OperatorSettings())[None], ops.OperatorSettings())[0]
    random.seed(123)
    before = random.getstate()
    a = run_below(below, row, 2, 102, 40000)
    assert random.getstate() == before
    b = run_below(below, row, 2, 102, 40000)
    np.testing.assert_array_equal(a, b)
    # With 40000 evaluations the hand-set GA reaches the target (after 8659 with this
    # seed) and stops there; with 300 it does not, and spends at most the budget.
    reached, to_target, best, used, target, _ = a
    assert target > 0.5 and best <= 1.0
    assert reached == 1 and to_target == used < 40000 and best >= target
    reached, to_target, best, used, _, _ = run_below(below, row, 2, 102, 300)
    assert reached == 0 and np.isnan(to_target) and 0 < used <= 300 and best < target


def test_a_stop_inside_a_nested_run_is_not_swallowed():
    config = PRESETS["chalmers1990"].default_config(population=6, n_generations=5)
    problem = make_problem(config, build_tasks(config))
    calls = {"n": 0}
    real = problem.evaluate

    def evaluate(genomes, split="train"):
        calls["n"] += 1
        if calls["n"] == 3 and split == "train":
            raise StopRun
        return real(genomes, split)
    problem.evaluate = evaluate
    assert evolve(problem, config).generation < 4            # the outer run: stops quietly
    calls["n"] = 0
    with pytest.raises(StopRun):                              # a nested run: passes it up
        evolve(problem, config, catch_stop=False)


def test_meta_run_archives_runs_below_and_feeds_a_plain_run(tmp_path):
    path = str(tmp_path / "meta.h5")
    res = start_run(toy(), path)
    run = open_run(path)
    for name in SUMMARY:
        assert run.generations[f"population_below_{name}"].shape == (2, 4, 1)
    assert run.generations["population_operators"].shape == (2, 4, ops.N_GENES)
    np.testing.assert_array_equal(res.problem.evaluate(run.generations["population_genome"][1])[0],
                                  run.generations["population_fitness"][1])
    runner = CliRunner()
    out = runner.invoke(main, ["best", path])
    assert out.exit_code == 0 and "runs below (chalmers1990, budget 60)" in out.output
    out = runner.invoke(main, ["best", path, "--runs-below", str(tmp_path / "below")])
    assert out.exit_code == 0
    whole = open_run(str(tmp_path / "below" / "below-train-0.h5"))
    assert whole.config.run.population == ops.settings_of(
        res.problem.rule_of_genome(res.last.hof_genome), "bits")["population"]
    # The same run as the scored one: with a budget of 60 evaluations it cannot reach the
    # target, so it ran to the end, and the whole run's best fitness is the scored one.
    summary = run.generations["best_so_far_below_best_fitness"][-1, 0]
    assert not run.generations["best_so_far_below_reached"][-1, 0]
    assert whole.state["hof_fitness"] == summary
    out = runner.invoke(main, ["evaluate", path, "--tasks", "train"])
    assert out.exit_code == 0 and "reached the target" in out.output and "hand-set GA" in out.output
    out = runner.invoke(main, ["evaluate", path, "--tasks", "fresh"])
    assert out.exit_code == 2 and "--tasks train or heldout" in out.output
    plain = str(tmp_path / "plain.h5")
    out = runner.invoke(main, ["run", "chalmers1990", "--operators-from", path, "-o", plain, "-q"])
    assert out.exit_code == 0, out.output
    want = ops.settings_of(res.problem.rule_of_genome(res.last.hof_genome), "bits")
    cfg = open_run(plain).config
    # The runs below' own search: the population capped at half the budget of 60.
    population = min(want["population"], 30)
    assert cfg.run.population == population and cfg.optimizer.name == "ga"
    assert cfg.run.n_generations == max(2, 60 // population)
    assert cfg.optimizer.settings.mutation_indpb == pytest.approx(want["mutation_indpb"])
    below = below_config(res.problem.below, res.problem.rule_of_genome(res.last.hof_genome),
                         0, 0, 60)
    assert below.optimizer == cfg.optimizer and below.run.n_generations == cfg.run.n_generations
    out = runner.invoke(main, ["run", "chalmers1990", "--operators-from", plain, "-o",
                               str(tmp_path / "x.h5")])
    assert out.exit_code == 2 and "not a meta-evolution archive" in out.output


def test_level_three_is_the_same_code_once_more(tmp_path):
    inner = META.default_config(**{**META.toy, "population": 4, "n_generations": 2}).to_dict()
    config = toy(**{"learner.level_below": "schmidhuber1987-meta", "learner.below": inner,
                    "learner.budget": 8, "rule.population_min": 2, "rule.population_max": 4})
    assert config.learner.settings.below["learner"]["below"]["run"]["preset"] == "chalmers1990"
    res = start_run(config, str(tmp_path / "l3.h5"))
    assert res.status == "complete"
    # The level below is a meta level: no target, the score is its best fitness.
    assert np.isnan(open_run(str(tmp_path / "l3.h5")).generations["population_below_target"]).all()
    assert "tournament" in res.problem.formula(res.problem.known_rule("hand-set"))


def test_operators_from_caps_the_population_as_the_runs_below_did(tmp_path):
    """Every genome chooses a population of 100 and the budget is 60 evaluations: the runs
    below ran 30 a generation, and so must the plain run that takes these operators."""
    from evo_l2l.kinds.meta import operators_overrides
    path = str(tmp_path / "meta.h5")
    res = start_run(toy(**{"rule.population_min": 100, "rule.population_max": 100}), path)
    row = res.problem.rule_of_genome(res.last.hof_genome)
    below = below_config(res.problem.below, row, 0, 0, res.problem.budget)
    overrides, _ = operators_overrides(path, PRESETS["chalmers1990"].default_config())
    assert res.problem.budget == 60 and below.run.population == 30
    assert overrides["run.population"] == 30 and overrides["run.n_generations"] == 2
    assert overrides["optimizer.elitism"] == below.optimizer.settings.elitism
