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
from .chalmers1990 import PRESET as CHALMERS

PRESET = CHALMERS.variant(
    "chalmers1990-gp",
    "GP over expression trees in (w, a, o, t); does the delta rule a*(t - o) emerge?",
    {"optimizer": {"name": "gp", "tournament_size": 3, "crossover_prob": 0.8,
                   "mutation_prob": 0.2, "elitism": 1},
     "rule": {"name": "symbolic", "eta": 1.0},
     "run": {"n_generations": 200, "population": 100}}, doc=__doc__)
PRESET.PAPER = "Bengio, Bengio & Cloutier 1994 (GP search of a learning rule), on Chalmers 1990 tasks"
PRESET.PAPER_NUMBERS = {
    "delta_rediscoveries": ("not reported for these tasks; Chalmers' GA: 1 or 2 of 10", "S"),
}
