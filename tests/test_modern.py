"""Modern presets (issue 16), the island-model GA and the diversity sweep's task subsets."""
import numpy as np
import pytest
from deap import creator

from evo_l2l.config import RunConfig
from evo_l2l.errors import ConfigError
from evo_l2l.evolution.problem import build_tasks
from evo_l2l.evolution.run import resume_run, start_run
from evo_l2l.experiments import PRESETS, modern
from evo_l2l.optimizers.base import clone
from evo_l2l.optimizers.islands import migrate
from evo_l2l.tasks.taskset import HELDOUT, TRAIN

from test_evolution import arrays_of, assert_same_arrays


def test_modern_presets_are_registered_beside_the_faithful_ones():
    for p in modern.PRESETS:
        assert PRESETS[p.NAME] is p
        faithful = PRESETS[p.NAME.replace("-modern", "")]
        mine, theirs = p.default_config(), faithful.default_config()
        # Same learner and rule: only the search (and, where said, the tasks' count) moves.
        assert mine.learner == theirs.learner and mine.rule == theirs.rule, p.NAME
        assert mine.tasks.name == theirs.tasks.name
        assert mine.tasks == theirs.tasks or "training tasks instead of" in p.doc, p.NAME
        budget = (mine.optimizer, mine.run.population, mine.run.n_generations)
        assert budget != (theirs.optimizer, theirs.run.population, theirs.run.n_generations)
        # The evaluations the docstring compares are the presets' own.
        assert f"{mine.run.population * mine.run.n_generations:,}" in p.doc, p.NAME
        assert (f"{theirs.run.population} x {theirs.run.n_generations}" in p.doc
                or f"{theirs.run.population * theirs.run.n_generations:,}" in p.doc), p.NAME


def deme(fitness):
    out = []
    for i, f in enumerate(fitness):
        ind = creator.Individual([i, int(10 * f)])
        ind.fitness.values = (f,)
        out.append(ind)
    return out


def test_ring_migration_moves_the_best_over_the_worst_of_the_next_deme():
    a, b, c = deme([0.1, 0.9, 0.5]), deme([0.2, 0.3, 0.8]), deme([0.7, 0.6, 0.05])
    out = migrate([a, b, c], 1, clone)
    fit = [[ind.fitness.values[0] for ind in d] for d in out]
    assert fit[0] == [0.9, 0.5, 0.7]      # a lost its worst (0.1), got c's best (0.7)
    assert fit[1] == [0.3, 0.8, 0.9]      # b lost 0.2, got a's best
    assert fit[2] == [0.7, 0.6, 0.8]      # c lost 0.05, got b's best (chosen before b received)
    assert [len(d) for d in out] == [3, 3, 3]
    assert [ind.fitness.values[0] for ind in a] == [0.1, 0.9, 0.5]   # inputs untouched
    assert migrate([a, b], 0, clone)[0] == a


def test_one_island_is_the_plain_ga(tmp_path):
    ga = PRESETS["chalmers1990"].default_config(
        seed=5, n_generations=8, population=10,
        **{"optimizer.selection": "tournament", "optimizer.crossover": "uniform"})
    isl = PRESETS["chalmers1990"].default_config(
        seed=5, n_generations=8, population=10, optimizer="islands",
        **{"optimizer.islands": 1, "optimizer.selection": "tournament",
           "optimizer.crossover": "uniform"})
    start_run(ga, str(tmp_path / "ga.h5"))
    start_run(isl, str(tmp_path / "isl.h5"))
    a, b = arrays_of(tmp_path / "ga.h5"), arrays_of(tmp_path / "isl.h5")
    b.pop("state/optimizer/generations_bred")
    assert_same_arrays(a, b)


def test_islands_resume_exactly_across_migrations(tmp_path):
    kw = dict(seed=2, population=12, optimizer="islands",
              **{"optimizer.islands": 3, "optimizer.migration_interval": 2,
                 "optimizer.migrants": 1, "optimizer.elitism": 1})
    preset = PRESETS["chalmers1990"]
    start_run(preset.default_config(n_generations=11, **kw), str(tmp_path / "full.h5"))
    start_run(preset.default_config(n_generations=5, **kw), str(tmp_path / "half.h5"))
    resume_run(str(tmp_path / "half.h5"), 11)
    a, b = arrays_of(tmp_path / "full.h5"), arrays_of(tmp_path / "half.h5")
    a.pop("state/n_generations_target"); b.pop("state/n_generations_target")
    assert_same_arrays(a, b)
    assert a["state/optimizer/generations_bred"] == 10


@pytest.mark.parametrize("changes, words", [
    ({"population": 10, "optimizer.islands": 4}, "multiple of optimizer.islands"),
    ({"population": 8, "optimizer.islands": 4, "optimizer.elitism": 2}, "deme size"),
    ({"population": 8, "optimizer.islands": 4, "optimizer.migrants": 2}, "deme size"),
])
def test_islands_refuse_demes_they_cannot_make(changes, words):
    with pytest.raises(ConfigError, match=words):
        PRESETS["chalmers1990"].default_config(optimizer="islands", **changes).validate()


def test_n_train_keeps_the_environment_and_the_heldout_tasks():
    preset = PRESETS["chalmers1990"]
    full = build_tasks(preset.default_config(seed=3, **{"tasks.seed": 7}))
    for n in (1, 5, 20):
        sub = build_tasks(preset.default_config(seed=4, **{"tasks.seed": 7, "tasks.n_train": n}))
        assert (sub.split == TRAIN).sum() == n and (sub.split == HELDOUT).sum() == 10
        held, held_full = sub.select("heldout"), full.select("heldout")
        for name in ("X", "Y", "W0", "n_patterns", "n_inputs"):
            np.testing.assert_array_equal(getattr(held, name), getattr(held_full, name))
        # the training tasks kept are the first n of the full environment's
        np.testing.assert_array_equal(sub.select("train").X, full.select("train").X[:n])
    with pytest.raises(ConfigError, match="n_train"):
        RunConfig.from_dict({**preset.sections(), "tasks": {"name": "linearly_separable",
                                                             "n_train": 21}})


def test_success_table_reads_the_reproduction_summaries(tmp_path):
    from test_scripts import run_script
    run_script("reproduce_chalmers1990.py", "--seeds", "2", "--generations", "2",
               "--out", str(tmp_path / "c"), cwd=tmp_path)
    run_script("reproduce_gp.py", "--preset", "chalmers1990-gp-modern", "--seeds", "1",
               "--generations", "2", "--out", str(tmp_path / "g"), cwd=tmp_path)
    out = run_script("success_table.py", str(tmp_path / "c"), str(tmp_path / "g"), cwd=tmp_path)
    assert "| chalmers1990 | 0-1 |" in out and "of 2" in out and "80 x 20 tasks" in out
    assert "| chalmers1990-gp-modern | 0 |" in out and "400 x 20 tasks" in out
    assert "delta-like (t - o)(c0 + c1 w + c2 a)" in out


def test_delta_like_reads_symbolic_rules_on_the_learners_domain():
    import os
    import sys
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(__file__)), "scripts"))
    from reproduce_gp import delta_like
    config = PRESETS["chalmers1990-gp-modern"].default_config()
    from evo_l2l.evolution.problem import make_problem
    p = make_problem(config, build_tasks(config))
    assert delta_like(p, "mul(a, sub(t, o))")
    assert delta_like(p, "mul(sub(t, o), sub(mul(4.0, a), 2.0))")      # delta on +-1 inputs
    assert delta_like(p, "mul(sub(t, o), add(a, w))")
    assert not delta_like(p, "mul(sub(o, t), a)")                        # anti-delta
    assert not delta_like(p, "mul(a, t)")
    assert not delta_like(p, "mul(sub(t, o), mul(a, a))")                # a^2 != a at a = -1
    assert not delta_like(p, "pdiv(mul(a, sub(t, o)), a)")               # 1 at a = 0


def test_formula_puts_t_before_o_only_where_t_stands_alone():
    """formula printed a*(-o + t^2) as a*(t - o^2), another rule (seen on a modern GP run)."""
    from evo_l2l.evolution.problem import make_problem
    from evo_l2l.rules import symbolic as sym
    config = PRESETS["chalmers1990-gp"].default_config()
    p = make_problem(config, build_tasks(config))
    shown = {text: sym.formula(p.tree(text), p.pset) for text in
             ("sub(mul(t, mul(t, a)), mul(o, a))", "mul(a, sub(t, o))", "sub(mul(t, w), o)")}
    assert shown["sub(mul(t, mul(t, a)), mul(o, a))"] == "dw = a*(-o + t^2)"
    assert shown["mul(a, sub(t, o))"] == "dw = a*(t - o)"
    assert shown["sub(mul(t, w), o)"] == "dw = -o + t*w"


def test_crowding_keeps_every_slot_monotone_and_resumes_exactly(tmp_path):
    """Deterministic crowding: a child replaces only a parent it matches, and only when at
    least as fit, so each slot's fitness never falls; a stopped run resumes exactly."""
    from evo_l2l import open_run
    kw = dict(seed=2, population=10, optimizer="crowding")
    preset = PRESETS["chalmers1990"]
    start_run(preset.default_config(n_generations=12, **kw), str(tmp_path / "full.h5"))
    start_run(preset.default_config(n_generations=5, **kw), str(tmp_path / "half.h5"))
    resume_run(str(tmp_path / "half.h5"), 12)
    a, b = arrays_of(tmp_path / "full.h5"), arrays_of(tmp_path / "half.h5")
    a.pop("state/n_generations_target"); b.pop("state/n_generations_target")
    assert_same_arrays(a, b)
    fit = open_run(tmp_path / "full.h5").generations["population_fitness"]
    assert np.all(np.diff(fit, axis=0) >= 0)
    assert np.any(np.diff(fit, axis=0) > 0)
    with pytest.raises(ConfigError, match="even"):
        preset.default_config(population=9, optimizer="crowding").validate()
