"""Confavreux, Zenke, Agnes, Lillicrap & Vogels (2020), "A meta-learning approach
to (re)discover plasticity rules that carve a desired function into a neural
network" (NeurIPS): the 27-term Volterra rule recovers Oja's rule.

A single linear neuron y = w.x on Gaussian inputs with a random covariance
(tasks/gaussian.py); dw = eta * sum A_abc x^a y^b w^c (rules/volterra.py).
The paper optimised A by gradient descent or evolution strategies with an L1
penalty [V, review] on a loss about the alignment of the final w with the
first principal component [V]. Ours: CMA-ES (DEAP's, population 60, initial
step 0.5 around A = 0; `--set optimizer=ga` for a real-valued GA) on the
performance |cos(w, PC1)| *
exp(-(|w| - 1)^2) after the last epoch (the norm term is our choice: it
pins the ratio A021/A110 that alignment alone leaves free), minus an L1
penalty. Recovery: after dividing by A110, A021 within 0.1 of -1 and every
other coefficient under 0.1 in absolute value.
"""
from .preset import Preset

PRESET = Preset(
    "confavreux2020-oja",
    "Confavreux et al. 2020, A meta-learning approach to (re)discover plasticity rules (NeurIPS)",
    "27-term Volterra rule for a linear neuron on Gaussian inputs; does Oja's rule emerge?",
    {"optimizer": {"name": "cmaes", "sigma": 0.5},
     "rule": {"name": "volterra", "l1_penalty": 0.01},
     "learner": {"name": "linear_neuron", "n_epochs": 5, "eta": 0.02, "clip": 20.0,
                 "fitness_measure": "final"},
     "tasks": {"name": "gaussian_pca", "shapes": [[30, 200, 5]], "n_heldout": 10,
               "init_low": -1.0, "init_high": 1.0},
     "run": {"population": 60, "n_generations": 600}},
    alternatives={"optimizer": {"ga": {"selection": "tournament", "tournament_size": 3,
                                       "crossover": "blend", "crossover_prob": 0.5,
                                       "mutation_indpb": 0.1, "mutation_sigma": 0.1,
                                       "elitism": 2}}},
    doc=__doc__)
PRESET.PAPER_NUMBERS = {
    "oja_recovery": ("Oja's rule recovered (coefficient values not verified)", "?"),
}
