"""Chalmers (1990): a genetic algorithm rediscovers the delta rule.

D. J. Chalmers, "The evolution of learning: an experiment in genetic
connectionism", Proc. 1990 Connectionist Models Summer School (Morgan
Kaufmann), pp. 81-90. Settings follow shared/REFERENCES.md: the learner, the
35-bit genome and the 20/10 task split are [V] (Mitchell 1996, p. 63); the
term order, the task shapes, bias -1, U[0,1] initial weights, clip +-20, the
fitness (1 - mean|t - o| averaged before training and after each of 10
epochs) and the GA settings are [S] (secondary sources), each a config field.
"""
from .preset import Preset

PRESET = Preset(
    "chalmers1990",
    "Chalmers 1990, The evolution of learning: an experiment in genetic connectionism",
    "GA over the 35-bit 10-term rule; single-layer nets on 20+10 separable mappings",
    # The components' defaults are this experiment's settings.
    {"optimizer": {"name": "ga"}, "rule": {"name": "chalmers", "genome": "bits"},
     "learner": {"name": "single_layer"}, "tasks": {"name": "linearly_separable"},
     "run": {"n_generations": 1000, "population": 40}},
    doc=__doc__)
# What the paper reports, with source marks (see shared/REFERENCES.md).
PRESET.PAPER_NUMBERS = {
    "runs": ("10", "S"),
    "delta_rediscoveries": ("1 or 2 of 10 (sources disagree)", "S"),
    "mean_best_fitness": ("about 0.92", "S"),
    "heldout_fitness": ("about 0.919", "S"),
    "delta_rule_fitness": ("about 0.98", "S"),
}
