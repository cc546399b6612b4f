"""Genetic programming on the Chalmers (1990) tasks: is the delta rule found?

The tasks and learners of `chalmers1990`; the rule is an expression tree over
(w, a, o, t) with +, -, *, protected /, the constants 1, 2, 1/2 and random
ones, searched by DEAP genetic programming, in the spirit of Bengio, Bengio &
Cloutier (1994), "Use of genetic programming for the search of a new
learning rule for neural networks". Counted as a rediscovery: the best rule
simplifies (sympy) to c*a*(t - o) with c > 0. GP settings are ours: a
generational GP with tournaments of 3, one-point crossover 0.8, subtree
mutation 0.2, elitism 1, static limits height 8 and 32 nodes.
"""
from ..config import RunConfig

NAME = "chalmers1990-gp"
PAPER = "Bengio, Bengio & Cloutier 1994 (GP search of a learning rule), on Chalmers 1990 tasks"
SUMMARY = "GP over expression trees in (w, a, o, t); does the delta rule a*(t - o) emerge?"


def default_config(**overrides) -> RunConfig:
    base = RunConfig(preset=NAME, optimizer="gp", n_generations=200, population=100,
                     selection="tournament", tournament_size=3, crossover_prob=0.8,
                     gp_mutation_prob=0.2, elitism=1)
    return RunConfig.from_dict(overrides, base)


PAPER_NUMBERS: dict = {
    "delta_rediscoveries": ("not reported for these tasks; Chalmers' GA: 1 or 2 of 10", "S"),
}
