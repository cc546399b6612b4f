"""A learner and an optimizer added from this file alone (no library file edited) run
through the normal run path: config, archive, resume and the analysis commands.

The toy learner is a single linear unit o = w . a (no sigmoid) trained by the Chalmers
rule family, written in NumPy; the toy optimizer is random search around the best
genome so far. They are what docs/howto/extending.md walks through.
"""
from dataclasses import dataclass

import numpy as np
import pytest
from click.testing import CliRunner

from evo_l2l import open_run
from evo_l2l.cli import main
from evo_l2l.components import Settings, setting
from evo_l2l.errors import ConfigError
from evo_l2l.evolution.run import resume_run, start_run
from evo_l2l.experiments import PRESETS
from evo_l2l.learners import LEARNERS, Learner, LearnerSettings
from evo_l2l.optimizers import OPTIMIZERS, Optimizer
from evo_l2l.optimizers.base import ArraySearch, individuals
from deap import creator


@dataclass
class LinearSettings(LearnerSettings):
    gain: float = setting(1.0, "output gain: o = gain * w . a", low=0, low_open=True)


class LinearUnit(Learner):
    name = "toy_linear"
    summary = "a linear unit o = gain * w . a (a toy)"
    settings = LinearSettings
    requires = frozenset({"single_layer_weights", "binary_targets"})
    coefficient_families = ("chalmers",)

    def coefficient_curves(self, family, coef, tasks, s):
        R, T = len(coef), len(tasks)
        out = np.zeros((R, T, s.n_epochs + 1))
        k = coef
        for t in range(T):
            n_p, n_i = tasks.n_patterns[t], tasks.n_inputs[t]
            X, y = tasks.X[t, :n_p, :n_i], tasks.Y[t, :n_p, 0]
            W = np.repeat(tasks.W0[t, 0, :n_i][None], R, axis=0)           # (R, I)

            def perf():
                o = s.gain * W @ X.T
                v = 1.0 - np.abs(y[None] - o).mean(axis=1)
                return np.where(np.isfinite(v), np.maximum(v, 0.0), 0.0)
            out[:, t, 0] = perf()
            with np.errstate(all="ignore"):
                for e in range(s.n_epochs):
                    for p in range(n_p):
                        a, tt = X[p][None], y[p]
                        o = (s.gain * (W * a).sum(axis=1))[:, None]
                        dw = k[:, :1] * (k[:, 1:2] * W + k[:, 2:3] * a + k[:, 3:4] * o
                                         + k[:, 4:5] * tt + k[:, 5:6] * W * a + k[:, 6:7] * W * o
                                         + k[:, 7:8] * W * tt + k[:, 8:9] * a * o
                                         + k[:, 9:10] * a * tt + k[:, 10:11] * o * tt)
                        W = np.clip(W + dw, -s.clip, s.clip)
                    out[:, t, e + 1] = perf()
        return out


@dataclass
class RandomSearchSettings(Settings):
    step: float = setting(0.3, "Gaussian step around the best genome so far", low=0, low_open=True)


class RandomSearch(ArraySearch):
    def __init__(self, s, genome, population):
        super().__init__(genome)
        self.s, self.n = s, population
        self.best = np.zeros(genome.length)

    def ask_individuals(self):
        if self.pop is not None:
            fit = [ind.fitness.values[0] for ind in self.pop]
            self.best = np.array(self.pop[int(np.argmax(fit))], dtype=float)
        return [creator.Individual([b + self.rng.gauss(0.0, self.s.step) for b in self.best])
                for _ in range(self.n)]

    def state(self):
        return {"best": self.best.copy()}

    def load(self, state):
        self.best = np.asarray(state["best"], dtype=float).copy()


class RandomSearchOptimizer(Optimizer):
    name = "toy_random_search"
    summary = "random search around the best genome so far (a toy)"
    settings = RandomSearchSettings
    genomes = ("real",)

    def create(self, s, genome, population):
        return RandomSearch(s, genome, population)


@pytest.fixture
def toys():
    with LEARNERS.registered(LinearUnit()), OPTIMIZERS.registered(RandomSearchOptimizer()):
        yield


def toy_config(**kw):
    return PRESETS["chalmers1990"].default_config(
        learner="toy_linear", optimizer="toy_random_search", **{"rule.genome": "real"},
        population=8, n_epochs=3, **kw)


def test_toy_learner_and_optimizer_run_and_resume(tmp_path, toys):
    config = toy_config(n_generations=6, gain=0.5, step=0.2)
    assert config.learner.settings.gain == 0.5 and config.optimizer.settings.step == 0.2
    full = start_run(config, str(tmp_path / "full.h5"))
    assert full.status == "complete"
    run = open_run(str(tmp_path / "full.h5"))
    assert run.attrs["learner"] == "toy_linear" and run.attrs["optimizer"] == "toy_random_search"
    assert run.state["optimizer"]["best"].shape == (11,)
    g = run.generations
    assert np.all(np.diff(g["best_so_far_fitness"]) >= 0)
    # Resuming a 3-generation run to 6 gives the same arrays as the straight run.
    start_run(toy_config(n_generations=3, gain=0.5, step=0.2), str(tmp_path / "half.h5"))
    resume_run(str(tmp_path / "half.h5"), 6)
    half = open_run(str(tmp_path / "half.h5"))
    for k in ("population_genome", "population_fitness", "best_so_far_fitness"):
        np.testing.assert_array_equal(half.generations[k], g[k])
    np.testing.assert_array_equal(half.state["optimizer"]["best"], run.state["optimizer"]["best"])
    runner = CliRunner()
    for args in (["info", str(tmp_path / "full.h5")], ["best", str(tmp_path / "full.h5")],
                 ["evaluate", str(tmp_path / "full.h5"), "--rule", "best", "--rule", "delta"]):
        res = runner.invoke(main, args)
        assert res.exit_code == 0, res.output


def test_toy_components_are_checked_like_the_others(toys):
    with pytest.raises(ConfigError, match="learner 'toy_linear' has no setting 'eta'"):
        toy_config(**{"learner.eta": 0.1})
    with pytest.raises(ConfigError, match="optimizer.step must be > 0"):
        toy_config(step=-1.0)
    with pytest.raises(ConfigError, match="does not search bits genomes"):
        PRESETS["chalmers1990"].default_config(optimizer="toy_random_search")
    with pytest.raises(ConfigError, match="does not run rule family 'symbolic'"):
        PRESETS["chalmers1990-gp"].default_config(learner="toy_linear")


def test_unregistered_after_the_block():
    assert "toy_linear" not in LEARNERS and "toy_random_search" not in OPTIMIZERS
    with pytest.raises(ConfigError, match="unknown learner 'toy_linear'"):
        PRESETS["chalmers1990"].default_config(learner="toy_linear")


def test_a_plugin_archive_without_the_plugin_is_not_called_corrupt(tmp_path):
    with LEARNERS.registered(LinearUnit()), OPTIMIZERS.registered(RandomSearchOptimizer()):
        start_run(toy_config(n_generations=2), str(tmp_path / "toy.h5"))
    res = CliRunner().invoke(main, ["verify", str(tmp_path / "toy.h5")])
    assert res.exit_code == 2 and "made with a component this evo_l2l does not have" in res.output
    assert "corrupt" not in res.output
