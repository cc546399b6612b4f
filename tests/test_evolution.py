import numpy as np
import pytest

from evo_l2l import open_run
from evo_l2l.evolution.run import resume_run, start_run
from evo_l2l.experiments import PRESETS

from conftest import TOY_RUN, toy_config

def arrays_of(path):
    run = open_run(path)
    out = {f"generations/{k}": v for k, v in run.generations.items() if k != "wall_time"}
    out.update({f"state/{k}": np.asarray(v) for k, v in run.state.items()
                if k not in ("elapsed", "heartbeat", "writer", "optimizer", "slot")})
    out.update({f"state/optimizer/{k}": v for k, v in run.state["optimizer"].items()})
    return out


def assert_same_arrays(a, b):
    assert a.keys() == b.keys()
    for k in a:
        np.testing.assert_array_equal(a[k], b[k], err_msg=k)


@pytest.mark.parametrize("preset", sorted(PRESETS))
def test_every_preset_runs_at_toy_size(toy_runs, preset):
    toy = toy_runs(preset)
    assert toy.status == "complete" and toy.last_generation == TOY_RUN["n_generations"] - 1
    run = open_run(toy.path)
    assert run.n_generations_done == 12 and run.status == "complete"
    assert run.generations["population_genome"].shape[:2] == (12, 10)


@pytest.mark.parametrize("preset", sorted(PRESETS))
def test_same_seed_stopped_and_resumed_gives_the_uninterrupted_archive(tmp_path, toy_runs,
                                                                        preset):
    """A second run of the cached run's seed, stopped halfway and resumed, ends with every
    array the uninterrupted run has: the same seed gives the same archive, and a resume
    continues exactly."""
    half = str(tmp_path / "half.h5")
    start_run(toy_config(preset, n_generations=6), half)
    result = resume_run(half, TOY_RUN["n_generations"])
    assert result.status == "complete"
    assert_same_arrays(arrays_of(toy_runs(preset).path), arrays_of(half))


@pytest.mark.parametrize("preset", sorted(PRESETS))
def test_another_seed_gives_another_archive(tmp_path, toy_runs, preset):
    start_run(toy_config(preset, seed=TOY_RUN["seed"] + 1, n_generations=2),
              str(tmp_path / "other.h5"))
    mine = open_run(toy_runs(preset).path).generations["population_genome"][:2]
    other = open_run(tmp_path / "other.h5").generations["population_genome"]
    assert not np.array_equal(mine, other)


def test_fitness_cache_is_exact(tmp_path, toy_runs):
    start_run(toy_config("chalmers1990", fitness_cache=False), str(tmp_path / "b.h5"))
    assert_same_arrays(arrays_of(toy_runs("chalmers1990").path), arrays_of(tmp_path / "b.h5"))


def test_tiny_seeded_evolution_improves(tmp_path):
    config = PRESETS["chalmers1990"].default_config(seed=0, n_generations=60, population=20)
    start_run(config, str(tmp_path / "r.h5"))
    g = open_run(tmp_path / "r.h5").generations
    assert g["fitness_max"][-1] > g["fitness_max"][0] + 0.02
    assert g["fitness_mean"][-10:].mean() > g["fitness_mean"][:10].mean() + 0.05
    assert np.all(np.diff(g["best_so_far_fitness"]) >= 0)


def test_archived_fitness_matches_a_fresh_evaluation(toy_runs):
    from evo_l2l.evolution.problem import ParametricRuleProblem
    run = open_run(toy_runs("chalmers1990").path)
    problem = ParametricRuleProblem(run.config, run.tasks)
    fit = problem.fitness_of(run.generations["population_coef"][-1])
    np.testing.assert_array_equal(fit, run.generations["population_fitness"][-1])


@pytest.mark.parametrize("preset, optimizer", [("confavreux2020-oja", "es"), ("confavreux2020-oja", "sa"),
                                               ("confavreux2020-oja", "ga"), ("chalmers1990", "sa"),
                                               ("confavreux2020-oja", "sep_cmaes"),
                                               ("chalmers1990-real", "sep_cmaes")])
def test_every_optimizer_resumes_exactly(tmp_path, preset, optimizer):
    kw = dict(seed=2, population=8, optimizer=optimizer)
    start_run(PRESETS[preset].default_config(n_generations=12, **kw), str(tmp_path / "full.h5"))
    start_run(PRESETS[preset].default_config(n_generations=5, **kw), str(tmp_path / "half.h5"))
    resume_run(str(tmp_path / "half.h5"), 12)
    a, b = arrays_of(tmp_path / "full.h5"), arrays_of(tmp_path / "half.h5")
    a.pop("state/n_generations_target"); b.pop("state/n_generations_target")
    assert_same_arrays(a, b)


def test_cmaes_restarts_instead_of_crashing():
    from evo_l2l.optimizers.cmaes import _Strategy
    from deap import creator
    s = _Strategy(centroid=[0.0] * 3, sigma=0.5, lambda_=6)
    s.initial_sigma = 0.5
    pop = s.generate(creator.Individual)
    for i, ind in enumerate(pop):
        ind.fitness.values = (float(i),)
    s.C[0, 0] = np.nan
    s.update(pop)
    assert s.restarts == 1 and s.sigma == 0.5 and np.all(np.isfinite(s.C))


def test_gp_resume_with_many_constants_is_exact(tmp_path):
    """Resuming parses every tree; parsing must not draw from stdlib random."""
    preset = PRESETS["chalmers1990-gp"]
    kw = dict(seed=5, population=30, constant_steps=2)
    start_run(preset.default_config(n_generations=10, **kw), str(tmp_path / "full.h5"))
    start_run(preset.default_config(n_generations=4, **kw), str(tmp_path / "half.h5"))
    texts = open_run(tmp_path / "half.h5").state["population_genome"]
    assert any(any(ch.isdigit() for ch in str(t)) for t in texts)     # constants present
    resume_run(str(tmp_path / "half.h5"), 10)
    a, b = arrays_of(tmp_path / "full.h5"), arrays_of(tmp_path / "half.h5")
    a.pop("state/n_generations_target"); b.pop("state/n_generations_target")
    assert_same_arrays(a, b)


def test_a_full_fitness_cache_gives_the_uncached_values():
    """Regression: once a run had met cache_size distinct rules, clearing the full cache
    dropped the batch's own hits: KeyError (a population of 200000 hit it at once)."""
    from evo_l2l.evolution.problem import ParametricRuleProblem, build_tasks
    config = PRESETS["chalmers1990-real"].default_config()
    tasks = build_tasks(config)
    small = ParametricRuleProblem(config, tasks, cache_size=5)
    plain = ParametricRuleProblem(config.with_overrides({"run.fitness_cache": False}), tasks)
    rng = np.random.default_rng(0)
    pool = rng.uniform(-1, 1, (8, 11))
    for _ in range(6):
        batch = pool[rng.integers(0, len(pool), 7)]
        np.testing.assert_array_equal(small.evaluate(batch)[0], plain.evaluate(batch)[0])
