"""The numba GA generation (kernels/ga_bits.py, optimizers/ga_state.py) against CPython's
random.Random and the GA's DEAP-list generations on the same stream."""
import random

import numpy as np
import pytest

from evo_l2l.components import GenomeSpec
from evo_l2l.kernels import ga_bits
from evo_l2l.optimizers import ga
from evo_l2l.optimizers.ga_state import StateArrayGA, set_state, state_array

from test_ga_operators import _fitness_like_runs


@pytest.mark.parametrize("seed", [0, 7])
def test_state_array_draws_are_random_randoms(seed):
    rng = random.Random(seed)
    rng.random()                                    # an index in the middle of the words
    mt = state_array(rng)
    gen = np.random.default_rng(seed)
    for _ in range(1500):                           # past two refills of the 624 words
        n = int(gen.choice([1, 2, 3, 7, 35, 100, 2 ** 31 + 5, 2 ** 32 - 1]))
        if gen.random() < 0.5:
            assert ga_bits.random01(mt) == rng.random()
        else:
            assert ga_bits.randbelow(mt, n) == rng._randbelow(n)
    assert tuple(int(x) for x in mt) == rng.getstate()[1]
    other = random.Random(99)
    set_state(other, mt)
    assert other.getstate() == rng.getstate()


@pytest.mark.parametrize("operators", [("roulette", "two_point"), ("tournament", "uniform"),
                                       ("roulette", "uniform"), ("tournament", "two_point")])
@pytest.mark.parametrize("case", range(10))
def test_numba_generations_are_the_list_individuals_generations(case, operators):
    """StateArrayGA against GASearch's DEAP-list mode: the same batches, populations and
    (after sync) generator state; generations with NaN fitness go to the search."""
    gen = np.random.default_rng(case)
    n, length = [(40, 35), (7, 2), (13, 3), (2, 35), (21, 8)][case % 5]
    s = ga.GASettings(elitism=int(gen.integers(0, min(n, 4))),
                      crossover_prob=[0.8, 0.0, 1.0, 0.5][case % 4],
                      mutation_indpb=[0.01, 0.2, 0.0, 0.5][case % 4],
                      selection=operators[0], crossover=operators[1],
                      tournament_size=int(gen.integers(1, 11)))
    spec = GenomeSpec("bits", length)
    fast, slow = StateArrayGA(ga.GASearch(s, spec, n)), ga.GASearch(s, spec, n, arrays=False)
    for search in (fast.search, slow):
        search.rng.seed(case)
    bred = 0
    for generation in range(30):
        fitness = _fitness_like_runs(gen, n, case)
        bred += fast.search.pop_arrays is not None and not np.isnan(
            fast.search.pop_arrays[1]).any()
        a, b = fast.ask(), slow.ask()
        fast.tell(fitness)
        slow.tell(fitness)
        assert a.genomes.dtype == b.genomes.dtype and np.array_equal(a.genomes, b.genomes)
        assert np.array_equal(a.fitness, b.fitness, equal_nan=True)
        assert np.array_equal(a.known, b.known)
        pa, pb = fast.population(), slow.population()
        assert np.array_equal(pa[0], pb[0]) and np.array_equal(pa[1], pb[1], equal_nan=True)
        if generation in (12, 29):
            fast.sync()
            assert fast.search.rng.getstate() == slow.rng.getstate()
    assert bred > 15                                # the kernel bred most of them
