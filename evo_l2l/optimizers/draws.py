"""DEAP's operators that draw random numbers, drawing from a generator they are given.

DEAP's selection, crossover, mutation, tree generation and variation operators draw from
the module-level stdlib `random`, the process's one shared stream. Each search owns its
random.Random instead (`Search.rng`, optimizers/base.py), so the optimizers use these
versions: each takes that generator as the keyword `rng` and makes the same calls on it,
in the same order, with the same results, as DEAP's makes on `random` (DEAP 1.4's code;
tests/test_draws.py compares every one against DEAP's on the same seed, outputs and the
generator's state after). Operators that draw nothing (tools.selBest, tools.initRepeat,
tools.initIterate) are DEAP's own.

Ephemeral constants: DEAP builds one by calling its class, which calls the primitive
set's no-argument function, which can only draw from a global stream. Trees generated
here create the node without calling the class and draw its value with the function's
`draw(rng)` attribute (rules/symbolic/primitives.py gives its function one); an ephemeral
function without it is refused rather than drawn from `random`.
"""
from __future__ import annotations

import copy
import random
from collections import defaultdict
from functools import wraps
from operator import attrgetter

import numpy as np
from deap import gp

__all__ = [
    "below_many", "cx_blend", "cx_one_point", "cx_two_point", "cx_uniform", "ephemeral_node", "gen_full", "gen_grow", "gen_half_and_half", "generate", "mut_flip_bit",
    "mut_gaussian", "mut_uniform", "sel_double_tournament", "sel_random", "sel_tournament",
    "static_limit", "two_point_cuts", "uniforms", "var_and", "var_or",
]


# -- plain draws ---------------------------------------------------------------------------
def uniforms(n: int, rng: random.Random) -> np.ndarray:
    """The next n values of rng.random(), drawn in one call: the same numbers, and the
    generator left where n calls would leave it.

    random() is genrand_res53: two 32-bit Mersenne Twister words a, b give
    ((a >> 5) * 2**26 + (b >> 6)) / 2**53; getrandbits(64 n) returns the next 2n words,
    the first in the lowest bits, and consumes exactly them."""
    if n <= 0:
        return np.zeros(0)
    words = np.frombuffer(rng.getrandbits(64 * n).to_bytes(8 * n, "little"), dtype="<u4")
    return ((words[0::2] >> 5) * 67108864.0 + (words[1::2] >> 6)) * (1.0 / 9007199254740992.0)


# -- selection (deap.tools.selection) ------------------------------------------------------
def below_many(n: int, count: int, rng: random.Random) -> np.ndarray:
    """The next `count` values of rng._randbelow(n) (what randrange(n) and choice draw),
    in one call: the same numbers, and the generator left where `count` calls leave it.

    For n < 2**32, _randbelow takes the top k = n.bit_length() bits of one 32-bit word
    and draws again while the value is >= n. The words are read ahead (getrandbits(32 m)
    gives the next m words, the first in the lowest bits), the generator is set back, and
    exactly the words the draws used are taken again."""
    if count <= 0:
        return np.zeros(0, dtype=np.int64)
    if count < 32 or not 1 <= n < 2 ** 32:
        # Few draws (a double tournament's pairs): reading the generator's state and
        # setting it back costs more than drawing them one by one.
        return np.array([rng._randbelow(n) for _ in range(count)], dtype=np.int64)
    shift = 32 - n.bit_length()
    state = rng.getstate()
    taken = []
    got = used = 0
    while got < count:
        m = 2 * (count - got) + 16              # each word is accepted with p > 1/2
        words = np.frombuffer(rng.getrandbits(32 * m).to_bytes(4 * m, "little"), dtype="<u4")
        values = (words >> shift).astype(np.int64)
        ok = np.flatnonzero(values < n)[:count - got]
        taken.append(values[ok])
        if got + len(ok) == count:
            used += int(ok[-1]) + 1
        else:
            used += m
        got += len(ok)
    rng.setstate(state)
    rng.getrandbits(32 * used)
    return np.concatenate(taken)


def sel_random(individuals: list, k: int, *, rng: random.Random) -> list:
    """tools.selRandom: k individuals drawn with replacement (choice's draws, below_many)."""
    if k > 0 and not individuals:
        raise IndexError("Cannot choose from an empty sequence")
    return [individuals[i] for i in below_many(len(individuals), k, rng).tolist()]


def sel_tournament(individuals: list, k: int, tournsize: int, *, rng: random.Random,
                   fit_attr: str = "fitness") -> list:
    """tools.selTournament: the best of `tournsize` drawn with replacement, k times.

    The same draws (choice's, in order: below_many) and the same winners as
    max(aspirants, key=attrgetter(fit_attr)): an aspirant replaces the best so far when
    its Fitness is `>` it, which DEAP defines as not wvalues <= the other's. With one
    finite objective that is the first of the largest (numpy's argmax); otherwise (NaN
    compares as DEAP has it) the tuples are compared one by one."""
    if k <= 0:
        return []
    if tournsize < 1:
        raise ValueError("max() arg is an empty sequence")
    if not individuals:
        raise IndexError("Cannot choose from an empty sequence")
    drawn = below_many(len(individuals), k * tournsize, rng).reshape(k, tournsize)
    w = [getattr(ind, fit_attr).wvalues for ind in individuals]
    if all(len(v) == 1 for v in w):
        f = np.array([v[0] for v in w], dtype=np.float64)
        if np.all(np.isfinite(f)):
            rows = drawn[np.arange(k), np.argmax(f[drawn], axis=1)]
            return [individuals[i] for i in rows.tolist()]
    chosen = []
    for row in drawn.tolist():
        best = row[0]
        wb = w[best]
        for j in row[1:]:
            if not w[j] <= wb:
                best, wb = j, w[j]
        chosen.append(individuals[best])
    return chosen


def sel_double_tournament(individuals: list, k: int, fitness_size: int,
                          parsimony_size: float, fitness_first: bool, *, rng: random.Random,
                          fit_attr: str = "fitness") -> list:
    """tools.selDoubleTournament (Luke & Panait 2002): a fitness tournament and a size
    tournament (the smaller of two wins with probability parsimony_size / 2), nested."""
    def size_tournament(individuals, k, select):
        chosen = []
        for _ in range(k):
            prob = parsimony_size / 2.
            ind1, ind2 = select(individuals, k=2)
            if len(ind1) > len(ind2):
                ind1, ind2 = ind2, ind1
            elif len(ind1) == len(ind2):
                prob = 0.5                          # a tie: either, at random
            chosen.append(ind1 if rng.random() < prob else ind2)
        return chosen

    def fit_tournament(individuals, k, select):
        chosen = []
        for _ in range(k):
            aspirants = select(individuals, k=fitness_size)
            chosen.append(max(aspirants, key=attrgetter(fit_attr)))
        return chosen

    def pick(individuals, k):
        return sel_random(individuals, k, rng=rng)

    if fitness_first:
        return size_tournament(individuals, k, lambda inds, k: fit_tournament(inds, k, pick))
    return fit_tournament(individuals, k, lambda inds, k: size_tournament(inds, k, pick))


# -- crossover (deap.tools.crossover) ------------------------------------------------------
def two_point_cuts(size: int, rng: random.Random) -> tuple[int, int]:
    """tools.cxTwoPoint's two cut points for genomes of `size` genes, from the same draws:
    randint(1, n) is 1 + Random._randbelow(n) (Random.randrange's path for a step of 1),
    called directly."""
    below = rng._randbelow
    cxpoint1 = 1 + below(size)
    cxpoint2 = 1 + below(size - 1)
    if cxpoint2 >= cxpoint1:
        return cxpoint1, cxpoint2 + 1
    return cxpoint2, cxpoint1


def cx_two_point(ind1: list, ind2: list, *, rng: random.Random):
    """tools.cxTwoPoint: the genes between two cut points swapped, in place."""
    cxpoint1, cxpoint2 = two_point_cuts(min(len(ind1), len(ind2)), rng)
    ind1[cxpoint1:cxpoint2], ind2[cxpoint1:cxpoint2] = \
        ind2[cxpoint1:cxpoint2], ind1[cxpoint1:cxpoint2]
    return ind1, ind2


def cx_uniform(ind1: list, ind2: list, indpb: float, *, rng: random.Random):
    """tools.cxUniform: each gene swapped with probability indpb, in place."""
    for i in range(min(len(ind1), len(ind2))):
        if rng.random() < indpb:
            ind1[i], ind2[i] = ind2[i], ind1[i]
    return ind1, ind2


def cx_blend(ind1: list, ind2: list, alpha: float, *, rng: random.Random):
    """tools.cxBlend: BLX-alpha on each pair of genes, in place."""
    for i, (x1, x2) in enumerate(zip(ind1, ind2)):
        gamma = (1. + 2. * alpha) * rng.random() - alpha
        ind1[i] = (1. - gamma) * x1 + gamma * x2
        ind2[i] = gamma * x1 + (1. - gamma) * x2
    return ind1, ind2


# -- mutation (deap.tools.mutation) --------------------------------------------------------
def mut_flip_bit(individual: list, indpb: float, *, rng: random.Random):
    """tools.mutFlipBit: each gene negated with probability indpb, in place."""
    for i in range(len(individual)):
        if rng.random() < indpb:
            individual[i] = type(individual[i])(not individual[i])
    return individual,


def mut_gaussian(individual: list, mu: float, sigma: float, indpb: float, *,
                 rng: random.Random):
    """tools.mutGaussian with scalar mu and sigma: N(mu, sigma) added to each gene with
    probability indpb, in place."""
    for i in range(len(individual)):
        if rng.random() < indpb:
            individual[i] += rng.gauss(mu, sigma)
    return individual,


# -- trees (deap.gp) -----------------------------------------------------------------------
def ephemeral_node(cls, rng: random.Random):
    """A node of ephemeral class `cls` (a gp.MetaEphemeral) whose value is drawn from rng:
    what cls() makes, without calling the class (which would draw from `random`)."""
    draw = getattr(cls.func, "draw", None)
    if draw is None:
        raise TypeError(f"ephemeral constant {cls.name!r}: its function has no draw(rng) "
                        "attribute, so it can only draw from the process's global random "
                        "stream")
    node = cls.__new__(cls)
    node.value = draw(rng)
    return node


def generate(pset, min_: int, max_: int, condition, *, rng: random.Random, type_=None) -> list:
    """gp.generate: a tree as a list of nodes in depth-first order, grown from the root
    until `condition(height, depth)` says a branch ends (see gen_full, gen_grow)."""
    if type_ is None:
        type_ = pset.ret
    expr = []
    height = rng.randint(min_, max_)
    stack = [(0, type_)]
    while len(stack) != 0:
        depth, type_ = stack.pop()
        if condition(height, depth):
            try:
                term = rng.choice(pset.terminals[type_])
            except IndexError as exc:
                raise IndexError(f"The gp.generate function tried to add a terminal of type "
                                 f"'{type_}', but there is none available.") from exc
            if type(term) is gp.MetaEphemeral:
                term = ephemeral_node(term, rng)
            expr.append(term)
        else:
            try:
                prim = rng.choice(pset.primitives[type_])
            except IndexError as exc:
                raise IndexError(f"The gp.generate function tried to add a primitive of type "
                                 f"'{type_}', but there is none available.") from exc
            expr.append(prim)
            for arg in reversed(prim.args):
                stack.append((depth + 1, arg))
    return expr


def gen_full(pset, min_: int, max_: int, type_=None, *, rng: random.Random) -> list:
    """gp.genFull: every leaf at the drawn height."""
    def condition(height, depth):
        return depth == height
    return generate(pset, min_, max_, condition, rng=rng, type_=type_)


def gen_grow(pset, min_: int, max_: int, type_=None, *, rng: random.Random) -> list:
    """gp.genGrow: a branch ends at the drawn height, or earlier (from depth min_ on) with
    probability pset.terminalRatio."""
    def condition(height, depth):
        return depth == height or (depth >= min_ and rng.random() < pset.terminalRatio)
    return generate(pset, min_, max_, condition, rng=rng, type_=type_)


def gen_half_and_half(pset, min_: int, max_: int, type_=None, *, rng: random.Random) -> list:
    """gp.genHalfAndHalf: gen_grow or gen_full, each half the time."""
    method = rng.choice((gen_grow, gen_full))
    return method(pset, min_, max_, type_, rng=rng)


def cx_one_point(ind1, ind2, *, rng: random.Random):
    """gp.cxOnePoint: a random subtree of each tree swapped (same type), in place."""
    if len(ind1) < 2 or len(ind2) < 2:
        return ind1, ind2                       # no crossover on a single-node tree
    types1 = defaultdict(list)
    types2 = defaultdict(list)
    if ind1.root.ret == gp.__type__:            # not strongly typed
        types1[gp.__type__] = list(range(1, len(ind1)))
        types2[gp.__type__] = list(range(1, len(ind2)))
        common_types = [gp.__type__]
    else:
        for idx, node in enumerate(ind1[1:], 1):
            types1[node.ret].append(idx)
        for idx, node in enumerate(ind2[1:], 1):
            types2[node.ret].append(idx)
        common_types = set(types1.keys()).intersection(set(types2.keys()))
    if len(common_types) > 0:
        type_ = rng.choice(list(common_types))
        index1 = rng.choice(types1[type_])
        index2 = rng.choice(types2[type_])
        slice1 = ind1.searchSubtree(index1)
        slice2 = ind2.searchSubtree(index2)
        ind1[slice1], ind2[slice2] = ind2[slice2], ind1[slice1]
    return ind1, ind2


def mut_uniform(individual, expr, pset, *, rng: random.Random):
    """gp.mutUniform: the subtree at a random node replaced by expr(pset=, type_=)."""
    index = rng.randrange(len(individual))
    slice_ = individual.searchSubtree(index)
    type_ = individual[index].ret
    individual[slice_] = expr(pset=pset, type_=type_)
    return individual,


def static_limit(key, max_value, *, rng: random.Random):
    """gp.staticLimit: decorates a crossover or mutation so that a child whose key is over
    max_value is replaced by a copy of one of the operator's arguments, at random."""
    def decorator(func):
        @wraps(func)
        def wrapper(*args, **kwargs):
            keep_inds = [copy.deepcopy(ind) for ind in args]
            new_inds = list(func(*args, **kwargs))
            for i, ind in enumerate(new_inds):
                if key(ind) > max_value:
                    new_inds[i] = rng.choice(keep_inds)
            return new_inds
        return wrapper
    return decorator


# -- variation (deap.algorithms) -----------------------------------------------------------
def var_and(population: list, toolbox, cxpb: float, mutpb: float, *,
            rng: random.Random) -> list:
    """algorithms.varAnd: clones, crossed over in pairs with probability cxpb, then each
    mutated with probability mutpb (fitness invalidated where changed)."""
    offspring = [toolbox.clone(ind) for ind in population]
    for i in range(1, len(offspring), 2):
        if rng.random() < cxpb:
            offspring[i - 1], offspring[i] = toolbox.mate(offspring[i - 1], offspring[i])
            del offspring[i - 1].fitness.values, offspring[i].fitness.values
    for i in range(len(offspring)):
        if rng.random() < mutpb:
            offspring[i], = toolbox.mutate(offspring[i])
            del offspring[i].fitness.values
    return offspring


def var_or(population: list, toolbox, lambda_: int, cxpb: float, mutpb: float, *,
           rng: random.Random) -> list:
    """algorithms.varOr: lambda_ offspring, each from crossover (probability cxpb; the
    first child of two distinct parents), mutation (mutpb) or reproduction (the rest)."""
    assert (cxpb + mutpb) <= 1.0, (
        "The sum of the crossover and mutation probabilities must be smaller "
        "or equal to 1.0.")
    offspring = []
    for _ in range(lambda_):
        op_choice = rng.random()
        if op_choice < cxpb:
            ind1, ind2 = [toolbox.clone(i) for i in rng.sample(population, 2)]
            ind1, ind2 = toolbox.mate(ind1, ind2)
            del ind1.fitness.values
            offspring.append(ind1)
        elif op_choice < cxpb + mutpb:
            ind = toolbox.clone(rng.choice(population))
            ind, = toolbox.mutate(ind)
            del ind.fitness.values
            offspring.append(ind)
        else:
            offspring.append(rng.choice(population))
    return offspring
