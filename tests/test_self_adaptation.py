"""Self-adaptive ES and fitness-monotonic self-modification (issue 12, item 1 and 3)."""
import math
import random

import numpy as np
import pytest

from evo_l2l import open_run
from evo_l2l.components import GenomeSpec
from evo_l2l.evolution.run import resume_run, start_run
from evo_l2l.experiments import PRESETS
from evo_l2l.optimizers import OPTIMIZERS
from evo_l2l.optimizers.fme import FMESettings
from evo_l2l.optimizers.selfadaptive import SelfAdaptiveSettings, lognormal_step

from test_evolution import arrays_of, assert_same_arrays


@pytest.mark.parametrize("optimizer", ["selfadaptive", "fme"])
@pytest.mark.parametrize("preset", ["confavreux2020-oja", "chalmers1990"])
def test_resumes_exactly_and_archives_its_trace(tmp_path, preset, optimizer):
    kw = dict(seed=2, population=12, optimizer=optimizer, **{"optimizer.mu": 4})
    start_run(PRESETS[preset].default_config(n_generations=10, **kw), str(tmp_path / "full.h5"))
    start_run(PRESETS[preset].default_config(n_generations=4, **kw), str(tmp_path / "half.h5"))
    resume_run(str(tmp_path / "half.h5"), 10)
    a, b = arrays_of(tmp_path / "full.h5"), arrays_of(tmp_path / "half.h5")
    a.pop("state/n_generations_target"); b.pop("state/n_generations_target")
    assert_same_arrays(a, b)
    trace = open_run(tmp_path / "full.h5").generations["trace_median_strength"]
    genes = 1 if preset == "chalmers1990" else 27
    assert trace.shape == (10, genes) and np.all(trace > 0)
    assert not np.all(trace == trace[0])       # the strengths moved
    from click.testing import CliRunner
    from evo_l2l.cli import main
    out = CliRunner().invoke(main, ["best", str(tmp_path / "full.h5")])
    assert out.exit_code == 0 and "self-adapted mutation strengths" in out.output
    assert ("meta strength tau" in out.output) == (optimizer == "fme")


def search(name, kind="real", length=5, population=12, **settings):
    opt = OPTIMIZERS.get(name)
    s = opt.settings(**settings)
    return opt.create(s, GenomeSpec(kind, length), population)


def tell_ranked(srch, batch):
    """Fitness = minus the distance of the genes to 0.5 (any fixed function)."""
    f = -np.abs(batch.genomes - 0.5).sum(axis=1)
    return srch.tell(np.where(batch.known, batch.fitness, f))


def test_lognormal_step_uses_the_textbook_learning_rates():
    # tau0 = c/sqrt(2n), tau = c/sqrt(2 sqrt(n)): a one-gene step's log-ratio has variance
    # tau0^2 + tau^2.
    s = search("selfadaptive", length=16, c=1.0)
    assert s.tau0 == pytest.approx(1 / math.sqrt(32)) and s.tau == pytest.approx(1 / math.sqrt(8))
    rng = random.Random(0)
    logs = [math.log(lognormal_step([1.0], s.tau0, s.tau, 1e-9, 1e9, rng)[0])
            for _ in range(20000)]
    assert np.var(logs) == pytest.approx(s.tau0 ** 2 + s.tau ** 2, rel=0.05)


def test_fixed_sigma_ablation_keeps_every_strength():
    s = search("selfadaptive", adapt=False, sigma_init=0.2, mu=3)
    s.rng.seed(1)
    for _ in range(4):
        tell_ranked(s, s.ask())
    assert np.all(s.state()["strengths"] == 0.2)
    s = search("selfadaptive", adapt=True, sigma_init=0.2, mu=3)
    s.rng.seed(1)
    for _ in range(4):
        tell_ranked(s, s.ask())
    assert not np.all(s.state()["strengths"] == 0.2)


def test_selfadaptive_children_come_from_the_mu_best():
    s = search("selfadaptive", mu=2, recombination="none", sigma_init=1e-5, sigma_min=1e-5)
    s.rng.seed(2)
    tell_ranked(s, s.ask())
    genomes, fitness = s.population()
    best2 = genomes[np.argsort(-fitness)[:2]]
    children = s.ask().genomes
    d = np.abs(children[:, None, :] - best2[None]).max(axis=2).min(axis=1)
    assert np.all(d < 1e-3)


def test_bit_rates_stay_in_bounds_and_adapt():
    s = search("selfadaptive", kind="bits", length=35, mu=3, rate_init=0.05)
    s.rng.seed(3)
    for _ in range(20):
        tell_ranked(s, s.ask())
    rates = s.state()["strengths"][:, 0]
    assert np.all((rates > 0) & (rates <= 0.5)) and len(set(rates.tolist())) > 1


def test_fme_carries_its_elites_and_gives_better_ranks_more_offspring():
    s = search("fme", mu=4, population=40, elitist=True)
    s.rng.seed(4)
    tell_ranked(s, s.ask())
    genomes, fitness = s.population()
    batch = s.ask()
    # The 4 elites come first, fitness carried (not re-evaluated); 36 new offspring.
    assert batch.known.tolist() == [True] * 4 + [False] * 36
    elite = genomes[np.argsort(-fitness, kind="stable")[:4]]
    np.testing.assert_array_equal(batch.genomes[:4], elite)
    # Offspring per elite rank, over many draws: non-increasing in rank.
    counts = np.zeros(4)
    for _ in range(30):
        b = s.ask()
        d = np.abs(b.genomes[4:, None, :] - elite[None]).sum(axis=2)
        counts += np.bincount(d.argmin(axis=1), minlength=4)
    assert counts[0] > counts[1] > counts[2] > counts[3] > 0


def test_fme_null_model_does_not_inherit_tau():
    for inherit in (True, False):
        s = search("fme", mu=2, population=200, inherit_meta=inherit, tau_init=0.3, tau_max=2.0)
        s.rng.seed(5)
        tell_ranked(s, s.ask())
        s.strategy[:, -1] = 1e-3        # parents whose tau is far from the initial 0.17..0.52
        s.ask()
        child_tau = s.pending_strategy[2:, -1]
        assert np.all(child_tau >= 1e-3) and np.all(child_tau <= 2.0)
        if inherit:       # tau' = tau exp(tau N) stays next to the parent's 1e-3
            assert np.all(child_tau < 1.1e-3)
        else:             # redrawn from the initial distribution, then self-modified once
            assert np.median(child_tau) > 0.1


def test_settings_are_validated():
    from evo_l2l.errors import ConfigError
    with pytest.raises(ConfigError, match="mu"):
        PRESETS["chalmers1990"].default_config(optimizer="fme", population=10).validate()
    with pytest.raises(ConfigError, match="sigma_init"):
        PRESETS["confavreux2020-oja"].default_config(
            optimizer="selfadaptive", **{"optimizer.sigma_init": 9.0}).validate()
    assert FMESettings().mu == SelfAdaptiveSettings().mu == 10
