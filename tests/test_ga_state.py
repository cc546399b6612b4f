"""The numba GA generation (kernels/ga_bits.py, optimizers/ga_state.py) against CPython's
random.Random and the GA's DEAP-list generations on the same stream."""
import random

import numpy as np
import pytest

from evo_l2l.kernels import ga_bits, mt19937
from evo_l2l.optimizers import ga
from evo_l2l.optimizers.ga_state import StateArrayGA, set_state, state_array

from ga_cases import CASES, OPERATORS, fitness_like_runs, ga_case


@pytest.mark.parametrize("seed", [0, 7])
def test_state_array_draws_are_random_randoms(seed):
    rng = random.Random(seed)
    rng.random()                                    # an index in the middle of the words
    mt = state_array(rng)
    gen = np.random.default_rng(seed)
    for _ in range(1500):                           # past two refills of the 624 words
        n = int(gen.choice([1, 2, 3, 7, 35, 100, 2 ** 31 + 5, 2 ** 32 - 1]))
        if gen.random() < 0.5:
            assert mt19937.random01(mt) == rng.random()
        else:
            assert mt19937.randbelow(mt, n) == rng._randbelow(n)
    assert tuple(int(x) for x in mt) == rng.getstate()[1]
    other = random.Random(99)
    set_state(other, mt)
    assert other.getstate() == rng.getstate()


@pytest.mark.parametrize("operators", OPERATORS)
@pytest.mark.parametrize("case", CASES)
def test_numba_generations_are_the_list_individuals_generations(case, operators):
    """StateArrayGA against GASearch's DEAP-list mode: the same batches, populations and
    (after sync) generator state; generations with NaN fitness go to the search."""
    gen, n, spec, s = ga_case(case, operators)
    fast, slow = StateArrayGA(ga.GASearch(s, spec, n)), ga.GASearch(s, spec, n, arrays=False)
    for search in (fast.search, slow):
        search.rng.seed(case)
    bred = 0
    for generation in range(30):
        fitness = fitness_like_runs(gen, n, case)
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


def test_many_populations_in_one_call_are_each_bred_alone():
    gen = np.random.default_rng(3)
    sizes, L = [5, 12, 1, 9], 35
    settings = [(1, 0, False, 0.8, 0.01), (0, 3, True, 0.5, 0.2), (0, 2, True, 1.0, 0.5),
                (2, 10, False, 0.3, 0.05)]
    genomes = gen.integers(0, 2, (sum(sizes), L)).astype(np.uint8)
    fitness = gen.uniform(0, 1, sum(sizes))
    starts = np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)
    fitness[starts[1] + 4] = np.nan                 # population 1 goes back to Python
    states = np.stack([state_array(random.Random(s)) for s in range(6)])
    rows = np.array([5, 0, 3, 1], dtype=np.int64)   # each population's state row
    before = states.copy()
    out, carried = np.zeros_like(genomes), np.zeros(len(fitness))
    bred = np.zeros(4, dtype=np.bool_)
    cols = [np.array([s[j] for s in settings], dtype=t)
            for j, t in enumerate((np.int64, np.int64, np.bool_, np.float64, np.float64))]
    ga_bits.bit_generations(genomes, fitness, starts, *cols, states, rows, out, carried, bred)
    assert bred.tolist() == [True, False, True, True]
    assert np.array_equal(states[rows[1]], before[rows[1]])
    for i in (0, 2, 3):
        a, b = starts[i], starts[i + 1]
        mt, alone = before[rows[i]].copy(), np.zeros((b - a, L), dtype=np.uint8)
        elites = ga_bits.bit_generation(genomes[a:b], fitness[a:b], *settings[i], mt, alone)
        assert np.array_equal(out[a:b], alone) and np.array_equal(states[rows[i]], mt)
        want = np.concatenate([fitness[a:b][elites], np.full(b - a - len(elites), np.nan)])
        assert np.array_equal(carried[a:b], want, equal_nan=True)
