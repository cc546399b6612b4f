"""Chalmers (1990) tasks with a real-valued genome: our variant, not the paper's.

Same learners and tasks as `chalmers1990`; the 11 coefficients k0..k10 are
evolved directly as floats (uniform init in [-1, 1], blend crossover,
Gaussian mutation, tournament selection), so rules are not limited to powers
of two and can diverge (NaN weights score 0).
"""
from .chalmers1990 import PRESET as CHALMERS

PRESET = CHALMERS.variant(
    "chalmers1990-real",
    "real-valued k0..k10 on the Chalmers tasks; blend crossover, Gaussian mutation",
    {"optimizer": {"name": "ga", "crossover": "blend", "selection": "tournament",
                   "tournament_size": 3, "mutation_indpb": 0.2, "mutation_sigma": 0.3},
     "rule": {"name": "chalmers", "genome": "real"}}, doc=__doc__)
PRESET.PAPER = "Chalmers 1990 (variant: real-valued genome)"
PRESET.PAPER_NUMBERS = {}
