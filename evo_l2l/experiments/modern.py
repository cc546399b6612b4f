"""Modern presets: the classic experiments' tasks, learners and fitness, searched to find the
known rule reliably. The faithful presets stay as the papers set them.

Each preset's docstring says what its search changes and why, and the evaluations it
spends; docs/results/modern.md has the success table measured with
scripts/success_table.py: seeds 0-9 were used to choose the settings, seeds 100-109 were not.
"""
from .chalmers1990 import PRESET as CHALMERS
from .chalmers1990_gp import PRESET as CHALMERS_GP
from .confavreux2020 import PRESET as CONFAVREUX
from .jordan2021 import error as JORDAN_ERROR
from .jordan2021 import reward as JORDAN_REWARD

CONFAVREUX_DOC = """confavreux2020-oja-modern: CMA-ES on the 27-term Volterra rule, evolved on 60
training tasks instead of 20 (same task family, learner, performance and L1 penalty; the 10
held-out tasks are drawn the same way), 400 generations of 60 (24,000 evaluations, each on
60 tasks: 1.44 million task evaluations, 2x the faithful preset's 36,000 x 20).

Why: the faithful preset misses Oja's rule in seeds whose fitness optimum is not Oja's rule.
Seed 0 converges on A021/A110 = -0.89 and seed 7 on a stray x term (A100/A110 = 0.16) in
every CMA-ES run we made (population 60 or 120), at a higher fitness than Oja's rule at its
best rate (0.9831 against 0.9770 on seed 0's tasks): the search is right and the 20 tasks
reward rules that fit their sample covariances. That is Chalmers' (1990) lesson on
environmental diversity: a richer training environment makes the general rule the best
one. With 60 tasks seeds 0 and 7 end on Oja's rule, but seeds 6, 8 and 9 converge with one
stray term at 0.105 to 0.121: 7 of 10 on seeds 0-9, the faithful count, so the goal (9 of 10)
is missed; a better optimiser on 20 tasks cannot do it, and a larger L1 penalty (0.03 on 20
tasks, 0.02 on 60) did not help. Kept as the measured attempt (docs/results/modern.md).
"""

ISLANDS, DEME, GENERATIONS = 160, 20, 150
POP = ISLANDS * DEME
CHALMERS_DOC = """chalmers1990-modern: the 35-bit genome, learners, tasks and fitness of
chalmers1990, searched by an island-model GA (optimizers/islands.py): ISLANDS demes of 20
that never exchange migrants (independent restarts; the best rule of all wins), each a
tournament GA (tournaments of 3, uniform crossover 0.8, bit-flip mutation 0.05 per bit,
elitism 1), 150 generations: POP x 150 = EVALS evaluations per run, 12x the faithful
40 x 1000 = 40,000.

Why: the landscape of the 35-bit code is deceptive. The best delta-like rule on every
seed's tasks is (t - o)(c a - c/2) (the delta rule on inputs recoded to +-1; training
fitness 0.886 to 0.910 on seeds 0-9, found by enumerating the 2,205 delta-like rules with k0 > 0: scripts/chalmers_landscape.py),
but a GA commits to whichever rule its population finds first, often a bias-exploiting one
such as a (4t - 2o - 1) (0.863 on seed 7), from which no short sequence of bit flips leads
uphill: single-coefficient hill climbing from 30 random starts ended on a delta-like rule
0 times in 90 (seeds 0, 3, 7). What we measured on seeds 0-9 (delta-like with held-out
fitness >= the best delta rule's): the faithful GA 1 of 10; tournament GAs with 100 to 2000
individuals and 40,000 to 200,000 evaluations 2 to 5 of 10; deterministic crowding
(optimizers/crowding.py) 2 of 10; aging evolution 2 of 10; CMA-ES on the real genome 0
(its best rules are near-delta forms with extra terms); 8 islands with migration 5; 40
independent islands 6, 80 islands 8 (10 delta-like; 9 of 10 on seeds 100-109). Independent
demes work because each is a cheap, fast-converging GA with a small chance of landing in the
delta-like basin, and many of them make that chance add up. This preset (160 islands):
delta-like with held-out fitness at or above the best delta rule's in 10 of 10 seeds 0-9
and 9 of 10 of the untuned seeds 100-109 (every one delta-like; mean held-out 0.896 against
the delta rule's 0.858, and 0.882 against 0.862).
"""

confavreux_oja = CONFAVREUX.variant(
    "confavreux2020-oja-modern",
    "confavreux2020-oja on 60 training tasks (CMA-ES, 400 x 60): Oja's rule reliably",
    {"tasks": {**CONFAVREUX.config["tasks"], "shapes": [[70, 200, 5]]},
     "run": {"population": 60, "n_generations": 400}},
    doc=CONFAVREUX_DOC)
confavreux_oja.PAPER_NUMBERS = dict(CONFAVREUX.PAPER_NUMBERS)

REWARD_DOC = """jordan2021-reward-modern: GP over (R, E) with a small static size limit (11 nodes,
height 5), double-tournament parsimony (1.4) and 2 hill-climbing steps on the best tree's
constants per generation; population 100, 300 generations (30,000 trees, plus the constant
steps), against the faithful 60 x 500.

Why: the faithful GP's best rules add E^2 and E^3 terms and E-dependent rates that exploit
our rate-based task (1 of 8 seeds ends on a baseline form c (R - b) E). A baseline form is
5 to 7 nodes; bounding trees at 11 nodes and preferring the smaller of two equally fit
trees keeps the search among such forms, and constant tuning sets the baseline b.
Measured: 8 of 8 on seeds 0-7 and on the untuned seeds 100-107 (faithful: 1 of 8).
"""

reward = JORDAN_REWARD.variant(
    "jordan2021-reward-modern",
    "jordan2021-reward with small trees, parsimony and constant tuning: (R - b)*E reliably?",
    {"optimizer": {"name": "gp", "tournament_size": 3, "crossover_prob": 0.8,
                   "mutation_prob": 0.2, "elitism": 1, "max_size": 11, "max_height": 5,
                   "parsimony_size": 1.4, "constant_steps": 2},
     "run": {"n_generations": 300, "population": 100}}, doc=REWARD_DOC)
reward.PAPER_NUMBERS = dict(JORDAN_REWARD.PAPER_NUMBERS)

ERROR_DOC = """jordan2021-error-modern: GP over (u_target, u, psp) with a static size limit of
7 nodes (height 4) and 2 hill-climbing steps on the best tree's constants per generation;
population 200, 300 generations (60,000 trees, the faithful 60 x 1000, plus the constant
steps).

Why: in 1000 generations the faithful GP refines the presynaptic factor of
(u_target - u) g(psp, ...) into polynomials and rational functions that fit the 20 training
tasks and overfit (held-out 0.902 against the delta rule's 0.951). The delta rule
c psp (u_target - u) is 7 nodes; a 7-node bound is the prior that rules are short (the
faithful bound is 32). What we tried on seeds 0-5 (positive multiples of the delta rule):
9 nodes, parsimony 1.4, population 100: 3 of 6 (the others centred or squared psp,
(4 psp - 1)(u_target - u), psp^2 (u_target - u)); the same with population 200: 2; 7 nodes,
parsimony 1.4, population 100: 3 (two seeds stuck on the 3-node u_target - u, which
parsimony protects); 7 nodes without parsimony, population 200 (this preset): 6 of 6, and
5 of 6 on the untuned seeds 100-105.
"""

error = JORDAN_ERROR.variant(
    "jordan2021-error-modern",
    "jordan2021-error with small trees, parsimony and constant tuning: psp*(u_target - u)?",
    {"optimizer": {"name": "gp", "tournament_size": 3, "crossover_prob": 0.8,
                   "mutation_prob": 0.2, "elitism": 1, "max_size": 7, "max_height": 4,
                   "constant_steps": 2},
     "run": {"n_generations": 300, "population": 200}}, doc=ERROR_DOC)
error.PAPER_NUMBERS = dict(JORDAN_ERROR.PAPER_NUMBERS)

CHALMERS_DOC = (CHALMERS_DOC.replace("ISLANDS", str(ISLANDS)).replace("POP", str(POP))
                .replace("EVALS", f"{POP * GENERATIONS:,}"))
chalmers = CHALMERS.variant(
    "chalmers1990-modern",
    f"chalmers1990 searched by {ISLANDS} independent GA demes: delta-like rules reliably",
    {"optimizer": {"name": "islands", "islands": ISLANDS, "migration_interval": 0,
                   "selection": "tournament", "tournament_size": 3, "crossover": "uniform",
                   "crossover_prob": 0.8, "mutation_indpb": 0.05, "elitism": 1},
     "run": {"n_generations": GENERATIONS, "population": POP}}, doc=CHALMERS_DOC)
chalmers.toy = {"optimizer.islands": 2}          # the test suite's population of 10
chalmers.PAPER_NUMBERS = dict(CHALMERS.PAPER_NUMBERS)

GP_DOC = """chalmers1990-gp-modern: GP over (w, a, o, t) with a static size limit of 9 nodes
(height 5) and 2 hill-climbing steps on the best tree's constants per generation;
population 200, 100 generations (20,000 trees, the faithful 100 x 200, plus the constant
steps).

Why: the faithful GP (32 nodes) ends on delta rules in disguise, (t - o) times a rational
gain in a and o, that fit the 20 training tasks (docs/results/modern.md). The delta-like
(t - o)(c a - d), the best delta-like rule on the bit grid, is 9 nodes; the bound keeps the
search among rules that short. Counted (scripts/reproduce_gp.py): delta-like,
(t - o)(c0 + c1 w + c2 a) with c2 > 0, read numerically off the rule's values where the
learner uses it (a in {-1, 0, 1}, t in {0, 1}, o in (0, 1)). Measured: 8 of 10 on seeds
0-9, 5 of 10 on the untuned seeds 100-109 (faithful: 0 of 10).
"""

gp_chalmers = CHALMERS_GP.variant(
    "chalmers1990-gp-modern",
    "chalmers1990-gp with 9-node trees and constant tuning: delta-like (t - o)(c a - d)?",
    {"optimizer": {"name": "gp", "tournament_size": 3, "crossover_prob": 0.8,
                   "mutation_prob": 0.2, "elitism": 1, "max_size": 9, "max_height": 5,
                   "constant_steps": 2},
     "run": {"n_generations": 100, "population": 200}}, doc=GP_DOC)
gp_chalmers.PAPER = CHALMERS_GP.PAPER
gp_chalmers.PAPER_NUMBERS = dict(CHALMERS_GP.PAPER_NUMBERS)

PRESETS = (chalmers, gp_chalmers, confavreux_oja, error, reward)
