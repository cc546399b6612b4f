"""Jordan, Schmidt, Senn & Petrovici (2021), "Evolving interpretable plasticity
for spiking networks", eLife 10:e66273: symbolic plasticity rules found by
Cartesian GP (we use DEAP tree GP; settings below are ours unless marked).

Two presets, both rate-based simplifications of the paper's spiking tasks:

jordan2021-error: a linear student neuron learns to match a teacher
(tasks/student.py); rule inputs (u_target, u, psp) = the paper's (x0, x1, x2).
The delta rule is psp * (u_target - u), the paper's x2 (x0 - x1).

jordan2021-reward: a stochastic sigmoid neuron learns separable Boolean
mappings from a binary reward R (1 if its sampled answer is right) and the
eligibility trace E = (y - p) x (REINFORCE's); the paper's reward-driven
task found (R - 1) E forms in 4 of 8 runs [V, authors' data]. We count
c (R - b) E with c > 0 and a reward baseline 0 <= b <= 1 (b = 1 is the
paper's form, b = 0 plain REINFORCE). Generations as in the paper (1000 and
500 [V]); population, operators and our rate-based tasks are our choices.
"""
from .preset import Preset

PAPER = "Jordan, Schmidt, Senn & Petrovici 2021, Evolving interpretable plasticity (eLife)"
_GP = {"name": "gp", "tournament_size": 3, "crossover_prob": 0.8, "mutation_prob": 0.2,
       "elitism": 1}

error = Preset(
    "jordan2021-error", PAPER,
    "GP rules over (u_target, u, psp); linear student learns a teacher; delta = psp*(u_target - u)?",
    {"optimizer": _GP, "rule": {"name": "symbolic", "eta": 0.2},
     "learner": {"name": "student", "n_epochs": 5},
     "tasks": {"name": "student_teacher", "shapes": [[30, 20, 5]], "n_heldout": 10,
               "init_low": -1.0, "init_high": 1.0},
     "run": {"n_generations": 1000, "population": 60}},
    PAPER_NUMBERS={"runs": ("6 runs of 1000 generations", "V"),
                   "delta_rediscoveries": ("x2*(x0 - x1) exactly in 1 of 6; 2*x2*(x0 - x1) in 1 more",
                                           "V")},
    doc=__doc__)

reward = Preset(
    "jordan2021-reward", PAPER,
    "GP rules over (R, E); a stochastic neuron learns Boolean maps from reward; (R - 1)*E?",
    {"optimizer": _GP, "rule": {"name": "symbolic", "eta": 0.5},
     "learner": {"name": "reward", "n_epochs": 10},
     "tasks": {"name": "linearly_separable", "init_low": -0.5, "init_high": 0.5},
     "run": {"n_generations": 500, "population": 60}},
    PAPER_NUMBERS={"runs": ("8 runs of 500 generations", "V"),
                   "delta_rediscoveries": ("(R - 1)*E forms in 4 of 8", "V")},
    doc=__doc__)
