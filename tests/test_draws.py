"""optimizers/draws.py against DEAP: each operator, given a random.Random seeded as DEAP's
global stream is, gives the same result and leaves its generator in the same state as
DEAP's operator leaves the global one; and it leaves the global stream alone."""
import functools
import operator
import random

import numpy as np
import pytest
from deap import algorithms, base, creator, gp, tools

from evo_l2l.optimizers import draws
from evo_l2l.optimizers.base import clone
from evo_l2l.optimizers.gp import clone_tree
from evo_l2l.rules.symbolic.primitives import make_pset

SEEDS = range(12)


def same_draws(seed, ours, theirs):
    """(ours(rng), theirs()) with rng = random.Random(seed) and DEAP's global stream seeded
    with seed; checks both generators end in the same state and ours leaves the global
    stream untouched. The global stream is put back as it was."""
    saved = random.getstate()
    try:
        random.seed(seed)
        their_result = theirs()
        their_state = random.getstate()
        random.seed(12345)
        before = random.getstate()
        rng = random.Random(seed)
        our_result = ours(rng)
        assert random.getstate() == before, "drew from the global stream"
        assert rng.getstate() == their_state, "a different number of draws"
    finally:
        random.setstate(saved)
    return our_result, their_result


def _population(seed, n=11, length=9, kind="bits", ties=True):
    gen = np.random.default_rng(seed)
    if kind == "bits":
        genes = gen.integers(0, 2, (n, length)).tolist()
    else:
        genes = gen.uniform(-1, 1, (n, length)).tolist()
    pop = [creator.Individual(g) for g in genes]
    fits = gen.choice([0.1, 0.5, 0.9], n) if ties else gen.uniform(0, 1, n)
    for ind, f in zip(pop, fits.tolist()):
        ind.fitness.values = (f,)
    return pop


def _ids(individuals):
    return [id(x) for x in individuals]


def _copies(pop):
    return [clone(ind) for ind in pop], [clone(ind) for ind in pop]


# -- plain draws and selection --------------------------------------------------------------
@pytest.mark.parametrize("seed", SEEDS)
def test_uniforms_are_the_next_random_calls(seed):
    for n in (0, 1, 5, 333):
        ours, theirs = same_draws(seed, lambda r: draws.uniforms(n, r),
                                  lambda: [random.random() for _ in range(n)])
        assert ours.tolist() == theirs


@pytest.mark.parametrize("seed", SEEDS)
def test_sel_random_and_tournament(seed):
    pop = _population(seed, ties=seed % 2 == 0)
    for k, size in ((1, 1), (7, 3), (11, 5)):
        ours, theirs = same_draws(seed, lambda r: draws.sel_random(pop, k, rng=r),
                                  lambda: tools.selRandom(pop, k))
        assert _ids(ours) == _ids(theirs)
        ours, theirs = same_draws(seed, lambda r: draws.sel_tournament(pop, k, size, rng=r),
                                  lambda: tools.selTournament(pop, k, size))
        assert _ids(ours) == _ids(theirs)


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("fitness_first", [True, False])
def test_sel_double_tournament(seed, fitness_first):
    gen = np.random.default_rng(seed)
    pop = [creator.Individual([0] * int(gen.integers(1, 6))) for _ in range(10)]
    for ind, f in zip(pop, gen.choice([0.2, 0.7], 10).tolist()):
        ind.fitness.values = (f,)
    for parsimony in (1.0, 1.4, 2.0):
        ours, theirs = same_draws(
            seed, lambda r: draws.sel_double_tournament(pop, 9, 3, parsimony, fitness_first,
                                                        rng=r),
            lambda: tools.selDoubleTournament(pop, 9, 3, parsimony, fitness_first))
        assert _ids(ours) == _ids(theirs)


# -- crossover and mutation -----------------------------------------------------------------
def _pair_op(seed, kind, ours_op, their_op, length=9):
    """Five applications in a row to the same two individuals, ours and DEAP's."""
    a, b = _copies(_population(seed, n=2, length=length, kind=kind))

    def run(op, inds, *rng):
        for _ in range(5):
            out = op(*inds, *rng)
            assert out[0] is inds[0] and out[1] is inds[1]
        return [list(x) for x in inds]
    ours, theirs = same_draws(seed, lambda r: run(ours_op, a, r), lambda: run(their_op, b))
    assert ours == theirs


@pytest.mark.parametrize("seed", SEEDS)
def test_crossovers(seed):
    for length in (2, 3, 9, 40):
        _pair_op(seed, "bits", lambda x, y, r: draws.cx_two_point(x, y, rng=r),
                 tools.cxTwoPoint, length)
    _pair_op(seed, "bits", lambda x, y, r: draws.cx_uniform(x, y, 0.5, rng=r),
             lambda x, y: tools.cxUniform(x, y, 0.5))
    _pair_op(seed, "real", lambda x, y, r: draws.cx_blend(x, y, 0.5, rng=r),
             lambda x, y: tools.cxBlend(x, y, 0.5))


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("indpb", [0.0, 0.1, 0.5, 1.0])
def test_mutations(seed, indpb):
    pop = _population(seed, n=4)
    a, b = _copies(pop)
    ours, theirs = same_draws(
        seed, lambda r: [list(draws.mut_flip_bit(x, indpb, rng=r)[0]) for x in a],
        lambda: [list(tools.mutFlipBit(x, indpb)[0]) for x in b])
    assert ours == theirs
    assert [type(v) for x in a for v in x] == [type(v) for x in b for v in x]
    a, b = _copies(_population(seed, n=4, kind="real"))
    ours, theirs = same_draws(
        seed, lambda r: [list(draws.mut_gaussian(x, 0.0, 0.3, indpb, rng=r)[0]) for x in a],
        lambda: [list(tools.mutGaussian(x, 0.0, 0.3, indpb)[0]) for x in b])
    assert ours == theirs


# -- trees ----------------------------------------------------------------------------------
PSET = make_pset(("w", "a", "o", "t"), ("neg", "square"))


def _nodes(expr):
    """A tree's nodes as comparable values (ephemeral constants: class and value)."""
    return [(type(n).__name__, n.name, getattr(n, "value", None)) for n in expr]


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("ours_gen, their_gen", [(draws.gen_full, gp.genFull),
                                                 (draws.gen_grow, gp.genGrow),
                                                 (draws.gen_half_and_half, gp.genHalfAndHalf)])
def test_tree_generators(seed, ours_gen, their_gen):
    for lo, hi in ((0, 2), (1, 3), (1, 5), (2, 4)):
        ours, theirs = same_draws(
            seed, lambda r: [ours_gen(PSET, lo, hi, rng=r) for _ in range(6)],
            lambda: [their_gen(PSET, lo, hi) for _ in range(6)])
        assert [_nodes(e) for e in ours] == [_nodes(e) for e in theirs]
        assert [str(gp.PrimitiveTree(e)) for e in ours] == [str(gp.PrimitiveTree(e))
                                                            for e in theirs]


def test_generated_ephemerals_are_nodes_of_the_pset_class():
    rng = random.Random(3)
    erc = [t for t in PSET.terminals[PSET.ret] if isinstance(t, gp.MetaEphemeral)][0]
    consts = [n for _ in range(30) for n in draws.gen_full(PSET, 2, 3, rng=rng)
              if type(n) is erc]
    assert consts and all(-1.0 <= n.value <= 1.0 for n in consts)


def test_an_ephemeral_without_a_draw_is_refused():
    pset = gp.PrimitiveSet("no_draw", 1)
    pset.addPrimitive(operator.add, 2)
    pset.addEphemeralConstant("erc_no_draw", functools.partial(random.uniform, -1, 1))
    with pytest.raises(TypeError, match="erc_no_draw"):
        for seed in range(50):
            draws.gen_full(pset, 0, 0, rng=random.Random(seed))


def _trees(seed, n=8):
    state = random.getstate()
    random.seed(1000 + seed)
    try:
        return [creator.RuleTree(gp.genHalfAndHalf(PSET, 1, 4)) for _ in range(n)]
    finally:
        random.setstate(state)


@pytest.mark.parametrize("seed", SEEDS)
def test_one_point_crossover_and_uniform_mutation(seed):
    trees = _trees(seed)
    a, b = [clone_tree(t) for t in trees], [clone_tree(t) for t in trees]

    def ours(r):
        out = []
        for i in range(0, len(a) - 1, 2):
            out += draws.cx_one_point(a[i], a[i + 1], rng=r)
        expr = functools.partial(draws.gen_full, min_=0, max_=2, rng=r)
        out += [draws.mut_uniform(t, expr, PSET, rng=r)[0] for t in a]
        return [str(t) for t in out]

    def theirs():
        out = []
        for i in range(0, len(b) - 1, 2):
            out += gp.cxOnePoint(b[i], b[i + 1])
        expr = functools.partial(gp.genFull, min_=0, max_=2)
        out += [gp.mutUniform(t, expr, PSET)[0] for t in b]
        return [str(t) for t in out]
    o, t = same_draws(seed, ours, theirs)
    assert o == t


def _gp_toolboxes(rng, max_height=4, max_size=9):
    """The same GP toolbox twice: with our operators drawing from rng, and DEAP's."""
    ours, theirs = base.Toolbox(), base.Toolbox()
    for tb in (ours, theirs):
        tb.register("clone", clone_tree)
    ours.register("mate", draws.cx_one_point, rng=rng)
    ours.register("expr_mut", draws.gen_full, min_=0, max_=2, rng=rng)
    ours.register("mutate", draws.mut_uniform, expr=ours.expr_mut, pset=PSET, rng=rng)
    theirs.register("mate", gp.cxOnePoint)
    theirs.register("expr_mut", gp.genFull, min_=0, max_=2)
    theirs.register("mutate", gp.mutUniform, expr=theirs.expr_mut, pset=PSET)
    for op in ("mate", "mutate"):
        ours.decorate(op, draws.static_limit(operator.attrgetter("height"), max_height, rng=rng))
        ours.decorate(op, draws.static_limit(len, max_size, rng=rng))
        theirs.decorate(op, gp.staticLimit(operator.attrgetter("height"), max_height))
        theirs.decorate(op, gp.staticLimit(len, max_size))
    return ours, theirs


@pytest.mark.parametrize("seed", SEEDS)
def test_static_limit_and_variation(seed):
    """var_and and var_or over limited crossover and mutation (GP's generation step)."""
    trees = _trees(seed, n=10)
    for t, f in zip(trees, np.random.default_rng(seed).uniform(0, 1, len(trees)).tolist()):
        t.fitness.values = (f,)
    for step in ("and", "or"):
        def ours(r):
            tb, _ = _gp_toolboxes(r)
            if step == "and":
                out = draws.var_and(trees, tb, 0.8, 0.3, rng=r)
            else:
                out = draws.var_or(trees, tb, len(trees), 0.5, 0.3, rng=r)
            return [(str(t), t.fitness.valid) for t in out]

        def theirs():
            _, tb = _gp_toolboxes(None)
            if step == "and":
                out = algorithms.varAnd(trees, tb, 0.8, 0.3)
            else:
                out = algorithms.varOr(trees, tb, len(trees), 0.5, 0.3)
            return [(str(t), t.fitness.valid) for t in out]
        o, t = same_draws(seed, ours, theirs)
        assert o == t


@pytest.mark.parametrize("seed", SEEDS)
def test_static_limit_keeps_a_parent_when_a_child_is_too_big(seed):
    trees = _trees(seed, n=2)
    limit = min(len(t) for t in trees)

    def ours(r):
        mate = draws.static_limit(len, limit, rng=r)(functools.partial(draws.cx_one_point, rng=r))
        return [str(t) for t in mate(clone_tree(trees[0]), clone_tree(trees[1]))]

    def theirs():
        mate = gp.staticLimit(len, limit)(gp.cxOnePoint)
        return [str(t) for t in mate(clone_tree(trees[0]), clone_tree(trees[1]))]
    o, t = same_draws(seed, ours, theirs)
    assert o == t


@pytest.mark.parametrize("seed", SEEDS)
def test_tournament_with_nan_fitness_picks_what_deap_picks(seed):
    """DEAP's Fitness `>` is `not <=` on wvalues, so a NaN both beats and loses to any
    value; the tournament follows it exactly."""
    pop = _population(seed, ties=False)
    gen = np.random.default_rng(seed + 100)
    for i in gen.choice(len(pop), 4, replace=False).tolist():
        pop[i].fitness.values = (float("nan"),)
    for k, size in ((1, 1), (7, 3), (11, 5), (20, 10)):
        ours, theirs = same_draws(seed, lambda r: draws.sel_tournament(pop, k, size, rng=r),
                                  lambda: tools.selTournament(pop, k, size))
        assert _ids(ours) == _ids(theirs)


@pytest.mark.parametrize("seed", SEEDS)
def test_below_many_is_the_next_randbelow_calls(seed):
    for n in (1, 2, 3, 7, 100, 1000, 2 ** 31 + 5, 2 ** 32 - 1, 2 ** 32, 2 ** 40 + 3):
        for count in (0, 1, 5, 31, 32, 333):
            ours, theirs = same_draws(seed, lambda r: draws.below_many(n, count, r),
                                      lambda: [random.randrange(n) for _ in range(count)])
            assert ours.tolist() == theirs
