"""Self-adaptation on Confavreux et al.'s Oja task: the search sets its own step sizes.

`selfadaptive-oja`: the self-adaptive (mu, lambda)-ES (Beyer & Schwefel 2002;
optimizers/selfadaptive.py), every genome carrying its own per-gene mutation
strengths. `fme-oja`: fitness-monotonic self-modification (after Kirsch &
Schmidhuber 2022; optimizers/fme.py), where genomes also carry the parameter
that mutates their strengths, and that parameter mutates itself. Task, rule and
learner as confavreux2020-oja (27-term Volterra rule, linear neuron, Gaussian
inputs). The fixed-sigma ablation is `--set optimizer.adapt=false`.

Settings tuned on seeds 0-3 (scripts/self_adaptation_oja.py reports seeds 0-9 and the
untouched seeds 10-19): with the textbook learning rate c = 1 the strengths collapsed within
50 generations onto rules of high fitness but not Oja's (0 of 10 seeds, final cosine 0.85);
c = 0.5 from an initial strength of 0.3 adapts slowly enough to find Oja's rule. FME
needed intermediate recombination (without it: 2 of 4 seeds; the ES: 0 of 4) and a small
initial meta strength (tau 0.1). docs/results/self_reference.md has the tables.
"""
from .confavreux2020 import PRESET as OJA

SELFADAPTIVE = OJA.variant(
    "selfadaptive-oja", "the Oja task searched by a self-adaptive (10, 60)-ES",
    {"optimizer": {"name": "selfadaptive", "mu": 10, "sigma_init": 0.3, "c": 0.5}}, doc=__doc__,
    alternatives={})
FME = OJA.variant(
    "fme-oja", "the Oja task searched by fitness-monotonic self-modification (no meta optimizer)",
    {"optimizer": {"name": "fme", "mu": 10, "sigma_init": 0.3, "tau_init": 0.1}}, doc=__doc__,
    alternatives={})
SELFADAPTIVE.toy = FME.toy = {"optimizer.mu": 3}
