"""automl-bengio1991: the Bengio et al. (1991) rule evolved together with its learner.

The tasks of bengio1991-boolean (every two-input Boolean function, the same six held
out) and the same 16-term rule, but the learner around it is no longer hand-set: hidden
units (1..8), hidden activation (sigmoid or tanh), the rate eta, epochs, the initial weight
scale, the weight clip and which rule terms are on are genes of one mixed genome
(rules/bengio_automl.py), searched by the mixed GA (optimizers/mixed_ga.py). Fitness is
the performance after the learner's own epochs under a fixed compute budget per task:
1080 synapse updates (epochs x patterns x synapses), what bengio1991-boolean's hand-set
2-2-1 net spends in its 30 epochs; a learner asking for more is cut to the budget, so
evolution cannot win by training longer. scripts/automl_learner.py compares it with the
rule evolved for the hand-set learner, the delta rule tuned by Optuna's TPE and random
search over the same joint space, at equal inner-learning runs.
"""
from .bengio1991 import HELDOUT, PAPER
from .preset import Preset

PRESET = Preset(
    "automl-bengio1991", PAPER,
    "the rule and its learner (hidden units, activation, eta, epochs, init scale, clip, "
    "term switches) evolved together under a compute budget; held-out Boolean functions",
    {"optimizer": {"name": "mixed_ga"}, "rule": {"name": "bengio_automl"},
     "learner": {"name": "two_layer_automl", "n_epochs": 120, "budget": 1080,
                 "fitness_measure": "final"},
     "tasks": {"name": "boolean_functions", "n_inputs": 2, "n_hidden": 8,
               "heldout_functions": HELDOUT, "n_heldout": len(HELDOUT), "init_low": -1.0,
               "init_high": 1.0},
     "run": {"population": 20, "n_generations": 50}},
    {"optimizer": {"mixed_random": {}}},
    PAPER_NUMBERS={"generalisation": ("rules learned on some Boolean functions learn new ones; "
                                      "numbers not verified", "?")},
    doc=__doc__)
