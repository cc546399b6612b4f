"""The GA cases test_ga_operators and test_ga_state both run: a generation stream of a bit
GA (population size, genome length and settings drawn from the case) and the fitness values
runs give, for comparing two ways of breeding the same generations."""
import numpy as np

from evo_l2l.components import GenomeSpec

OPERATORS = [("roulette", "two_point"), ("tournament", "uniform"), ("roulette", "uniform"),
             ("tournament", "two_point")]
CASES = range(10)


def ga_case(case: int, operators: tuple) -> tuple:
    """(gen, n, spec, settings) of a case: gen the case's NumPy generator, after the draws
    of the settings (the fitness draws continue from it), n the population size, spec a
    bit genome, settings the GASettings with the case's selection and crossover."""
    from evo_l2l.optimizers import ga
    gen = np.random.default_rng(case)
    n, length = [(40, 35), (7, 2), (13, 3), (2, 35), (21, 8)][case % 5]
    settings = ga.GASettings(elitism=int(gen.integers(0, min(n, 4))),
                             crossover_prob=[0.8, 0.0, 1.0, 0.5][case % 4],
                             mutation_indpb=[0.01, 0.2, 0.0, 0.5][case % 4],
                             selection=operators[0], crossover=operators[1],
                             tournament_size=int(gen.integers(1, 11)))
    return gen, n, GenomeSpec("bits", length), settings


def fitness_like_runs(gen, n, case):
    """Fitness with the kinds of values runs give: ties, zeros, -inf (l1 penalty), NaN."""
    f = gen.choice([0.0, 0.25, 0.5, 0.75], n) if case % 4 == 1 else gen.uniform(0, 1, n)
    if case % 4 == 2:
        f[gen.random(n) < 0.3] = 0.0
        f[gen.random(n) < 0.1] = -np.inf
    if case % 4 == 3 and gen.random() < 0.3:
        f[:] = 0.0                          # roulette's uniform fallback
    if case % 5 == 4 and gen.random() < 0.2:
        f[gen.integers(0, n)] = np.nan      # array mode hands this generation to the lists
    return f
