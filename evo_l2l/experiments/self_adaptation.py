"""Self-adaptation on Confavreux et al.'s Oja task: the search sets its own step sizes.

`selfadaptive-oja`: the self-adaptive (mu, lambda)-ES (Beyer & Schwefel 2002;
optimizers/selfadaptive.py), every genome carrying its own per-gene mutation
strengths. `fme-oja`: fitness-monotonic self-modification (after Kirsch &
Schmidhuber 2022; optimizers/fme.py), where genomes also carry the parameter
that mutates their strengths, and that parameter mutates itself. Task, rule and
learner as confavreux2020-oja (27-term Volterra rule, linear neuron, Gaussian
inputs). The fixed-sigma ablation is `--set optimizer.adapt=false`.
"""
from .confavreux2020 import PRESET as OJA

SELFADAPTIVE = OJA.variant(
    "selfadaptive-oja", "the Oja task searched by a self-adaptive (10, 60)-ES",
    {"optimizer": {"name": "selfadaptive", "mu": 10, "sigma_init": 0.1}}, doc=__doc__,
    alternatives={})
FME = OJA.variant(
    "fme-oja", "the Oja task searched by fitness-monotonic self-modification (no meta optimizer)",
    {"optimizer": {"name": "fme", "mu": 10, "sigma_init": 0.1}}, doc=__doc__,
    alternatives={})
SELFADAPTIVE.toy = FME.toy = {"optimizer.mu": 3}
