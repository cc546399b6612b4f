"""The GA's shortcuts against DEAP's own: clone against creator.Individual plus the values,
to_array against np.array, and the generation step (uniforms, flip_bits, select_best,
select_roulette, next_generation) against DEAP's operators on the same random stream."""
import bisect
import itertools
import random

import numpy as np
import pytest
from deap import creator, tools

from evo_l2l.optimizers import base as optimizer_base

from ga_cases import CASES, OPERATORS, fitness_like_runs, ga_case



def _deap_clone(ind):
    new = creator.Individual(ind)
    if ind.fitness.valid:
        new.fitness.values = ind.fitness.values
    return new


@pytest.mark.parametrize("values", [None, (0.25,), (-3.5e300,), (float("nan"),),
                                    (float("-inf"),)])
def test_clone_is_a_fresh_individual_with_the_same_fitness(values):
    ind = creator.Individual([0.5, 1, -2.0])
    if values is not None:
        ind.fitness.values = values
    ours, theirs = optimizer_base.clone(ind), _deap_clone(ind)
    assert type(ours) is type(theirs) and list(ours) == list(theirs)
    assert type(ours.fitness) is type(theirs.fitness)
    assert ours.fitness.valid == theirs.fitness.valid
    assert np.array_equal(ours.fitness.wvalues, theirs.fitness.wvalues, equal_nan=True)
    if values is not None:
        assert np.array_equal(ours.fitness.values, values, equal_nan=True)
    ours[0] = 9.0                           # neither genes nor fitness are shared
    del ours.fitness.values
    assert ind[0] == 0.5 and ind.fitness.valid == (values is not None)


@pytest.mark.parametrize("kind", ["bits", "real"])
def test_to_array_is_np_array_of_the_individuals(kind):
    from evo_l2l.components import GenomeSpec
    rng = np.random.default_rng(3)
    search = optimizer_base.ArraySearch(GenomeSpec(kind, 7))
    genes = (rng.integers(0, 2, (5, 7)).tolist() if kind == "bits"
             else (rng.normal(0, 1, (5, 7)) * 10.0 ** rng.integers(-300, 300, (5, 7))).tolist())
    individuals = [creator.Individual(g) for g in genes]
    ours = search.to_array(individuals)
    slow = np.array(individuals, dtype=search.genome.dtype).reshape(5, -1)
    assert ours.dtype == slow.dtype and ours.shape == slow.shape == (5, 7)
    assert np.array_equal(ours, slow)


def _with_stream(rng, fn, *args, **kw):
    """fn, one of DEAP's operators (which draw from the global `random`), drawing rng's
    numbers: the global stream takes rng's state for the call and rng the global one's
    after; the global stream is put back as it was."""
    saved = random.getstate()
    random.setstate(rng.getstate())
    try:
        return fn(*args, **kw)
    finally:
        rng.setstate(random.getstate())
        random.setstate(saved)


@pytest.mark.parametrize("seed", range(5))
def test_uniforms_are_the_next_random_calls_and_leave_the_stream_there(seed):
    from evo_l2l.optimizers import ga
    a, b = random.Random(seed), random.Random(seed)
    for n in (0, 1, 2, 7, 1365, 4000):
        ours = ga.uniforms(n, a)
        theirs = [b.random() for _ in range(n)]
        assert ours.tolist() == theirs              # bit for bit
        assert a.getstate() == b.getstate()


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("indpb", [0.0, 0.01, 0.3, 1.0])
def test_flip_bits_is_mutflipbit_on_each_individual_in_turn(seed, indpb):
    from evo_l2l.optimizers import ga
    gen = np.random.default_rng(seed)
    genes = [gen.integers(0, 2, int(gen.integers(1, 40))).tolist() for _ in range(9)]
    ours = [creator.Individual(g) for g in genes]
    theirs = [creator.Individual(g) for g in genes]
    a, b = random.Random(seed), random.Random(seed)
    ga.flip_bits(ours, indpb, rng=a)
    for ind in theirs:
        _with_stream(b, tools.mutFlipBit, ind, indpb)
    assert [list(x) for x in ours] == [list(x) for x in theirs]
    assert [type(v) for x in ours for v in x] == [type(v) for x in theirs for v in x]
    assert a.getstate() == b.getstate()
    if indpb == 0.3:
        assert [list(x) for x in ours] != genes              # something flipped


def _population(seed, n=12, length=35, ties=False):
    gen = np.random.default_rng(seed)
    pop = [creator.Individual(gen.integers(0, 2, length).tolist()) for _ in range(n)]
    fits = gen.choice([0.2, 0.5, 0.9], n) if ties else gen.uniform(-0.2, 1.0, n)
    for ind, f in zip(pop, fits.tolist()):
        ind.fitness.values = (f,)
    return pop


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("k", [1, 3, 12])
def test_select_best_is_selbest_ties_included(seed, k):
    from evo_l2l.optimizers import ga
    pop = _population(seed, ties=True)
    assert [id(x) for x in ga.select_best(pop, k)] == [id(x) for x in tools.selBest(pop, k)]


def _slow_roulette(individuals, k, random):
    """select_roulette before the draws were batched (drawing from `random`)."""
    fits = [max(ind.fitness.values[0], 0.0) for ind in individuals]
    cum = list(itertools.accumulate(fits))
    if not cum or not cum[-1] > 0:
        return [random.choice(individuals) for _ in range(k)]
    last = len(individuals) - 1
    return [individuals[min(bisect.bisect_right(cum, random.random() * cum[-1]), last)]
            for _ in range(k)]


def _slow_next_generation(tb, pop, s, random):
    """next_generation with DEAP's operators, as it was before the fast path (its own draws
    from `random`, DEAP's from their modules' stream)."""
    elites = [tb.clone(ind) for ind in tools.selBest(pop, s.elitism)]
    offspring = [tb.clone(ind) for ind in tb.select(pop, len(pop) - s.elitism)]
    for i in range(1, len(offspring), 2):
        if random.random() < s.crossover_prob:
            tb.mate(offspring[i - 1], offspring[i])
            del offspring[i - 1].fitness.values, offspring[i].fitness.values
    for ind in offspring:
        tb.mutate(ind)
        del ind.fitness.values
    return elites + offspring


@pytest.mark.parametrize("seed", range(8))
@pytest.mark.parametrize("selection", ["roulette", "tournament"])
def test_next_generation_is_deaps_generation_step(seed, selection):
    from evo_l2l.optimizers import ga
    s = ga.GASettings(selection=selection, mutation_indpb=0.05, elitism=seed % 3)
    pop = _population(seed, n=13, ties=seed % 2 == 0)
    if seed == 7:                           # all fitness zero: roulette's uniform fallback
        for ind in pop:
            ind.fitness.values = (0.0,)
    a, b = random.Random(seed), random.Random(seed)
    fast = ga.make_toolbox(s, "bits", 35, a)
    ours = ga.next_generation(fast, pop, s, a)
    slow = ga.make_toolbox(s, "bits", 35, random)   # DEAP's operators: the global stream
    slow.register("mate", tools.cxTwoPoint)
    slow.register("mutate", tools.mutFlipBit, indpb=s.mutation_indpb)
    if selection == "roulette":
        slow.register("select", _slow_roulette, random=random)
    else:
        slow.register("select", tools.selTournament, tournsize=s.tournament_size)
    theirs = _with_stream(b, _slow_next_generation, slow, pop, s, random)
    assert [list(x) for x in ours] == [list(x) for x in theirs]
    assert [x.fitness.wvalues for x in ours] == [x.fitness.wvalues for x in theirs]
    assert a.getstate() == b.getstate()


def test_batch_fitness_and_population_read_and_write_what_deaps_properties_do():
    from evo_l2l.components import GenomeSpec
    values = [0.25, float("nan"), -0.0, float("-inf"), 1e-300, None, 3.5, None]
    pop = [creator.Individual([i % 2, 1, 0]) for i in range(len(values))]
    for ind, v in zip(pop, values):
        if v is not None:
            ind.fitness.values = (v,)
    batch = optimizer_base.individuals_batch(pop, None)
    assert batch.known.tolist() == [ind.fitness.valid for ind in pop]
    slow = np.array([ind.fitness.values[0] if ind.fitness.valid else np.nan for ind in pop])
    assert np.array_equal(batch.fitness, slow, equal_nan=True)
    assert np.signbit(batch.fitness[2])
    new = [creator.Individual([0]) for _ in range(5)]
    twins = [creator.Individual([0]) for _ in range(5)]
    fit = np.array([0.5, -0.0, np.nan, -np.inf, 2.0])
    optimizer_base.set_fitness(new, fit)
    for ind, f in zip(twins, fit.tolist()):
        ind.fitness.values = (f,)
    assert [x.fitness.wvalues for x in new] == [x.fitness.wvalues for x in twins] or \
        np.array_equal([x.fitness.wvalues for x in new], [x.fitness.wvalues for x in twins],
                       equal_nan=True)
    assert [x.fitness.valid for x in new] == [True] * 5
    search = optimizer_base.ArraySearch(GenomeSpec("bits", 1))
    search.pop = new
    genomes, values_out = search.population()
    assert np.array_equal(values_out, np.array([x.fitness.values[0] for x in twins]),
                          equal_nan=True)
    assert genomes.flags.writeable and genomes.dtype == np.uint8


@pytest.mark.parametrize("seed", range(6))
def test_two_point_is_cxtwopoint_on_the_same_stream(seed):
    from evo_l2l.optimizers import ga
    gen = np.random.default_rng(seed)
    for length in (2, 3, 35, 200):
        genes = [gen.integers(0, 2, length).tolist() for _ in range(2)]
        ours = [creator.Individual(g) for g in genes]
        theirs = [creator.Individual(g) for g in genes]
        a, b = random.Random(seed), random.Random(seed)
        for _ in range(5):
            ga.cx_two_point(*ours, rng=a)
            _with_stream(b, tools.cxTwoPoint, *theirs)
        assert [list(x) for x in ours] == [list(x) for x in theirs]
        assert a.getstate() == b.getstate()


@pytest.mark.parametrize("operators", OPERATORS)
@pytest.mark.parametrize("case", CASES)
def test_array_generations_are_the_list_individuals_generations(case, operators):
    """GASearch's array mode (bit_generation) against its DEAP-list mode on the same stream:
    the same batches (genomes, carried fitness, known), the same random state after every
    generation, and a restore in the middle continues both alike."""
    from evo_l2l.optimizers import ga
    gen, n, spec, s = ga_case(case, operators)

    def searches_seeded(state):             # each search draws from its own rng
        out = []
        for mode in (True, False):
            search = ga.GASearch(s, spec, n, arrays=mode)
            search.rng.setstate(state)
            out.append(search)
        return out
    searches = searches_seeded(random.Random(case).getstate())
    for generation in range(30):
        if generation == 15:                # restore both from the list search's population
            genomes, fitness = searches[1].population()
            searches = searches_seeded(searches[1].rng.getstate())
            for search in searches:
                search.restore(genomes, fitness, {})
        fitness = fitness_like_runs(gen, n, case)
        batches = []
        for search in searches:
            batches.append(search.ask())
            search.tell(fitness)
        a, b = batches
        assert a.genomes.dtype == b.genomes.dtype and np.array_equal(a.genomes, b.genomes)
        assert np.array_equal(a.fitness, b.fitness, equal_nan=True)
        assert np.array_equal(a.known, b.known)
        assert searches[0].rng.getstate() == searches[1].rng.getstate()
        pa, pb = searches[0].population(), searches[1].population()
        assert np.array_equal(pa[0], pb[0]) and np.array_equal(pa[1], pb[1], equal_nan=True)
    assert searches[0].pop_arrays is not None and searches[1].pop_arrays is None
