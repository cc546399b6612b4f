"""Chalmers (1990) tasks with a real-valued genome: our variant, not the paper's.

Same learners and tasks as `chalmers1990`; the 11 coefficients k0..k10 are
evolved directly as floats (uniform init in [-1, 1], blend crossover,
Gaussian mutation, tournament selection), so rules are not limited to powers
of two and can diverge (NaN weights score 0).
"""
from ..config import RunConfig

NAME = "chalmers1990-real"
PAPER = "Chalmers 1990 (variant: real-valued genome)"
SUMMARY = "real-valued k0..k10 on the Chalmers tasks; blend crossover, Gaussian mutation"


def default_config(**overrides) -> RunConfig:
    base = RunConfig(preset=NAME, genome="real", crossover="blend", selection="tournament",
                     tournament_size=3, mutation_indpb=0.2, mutation_sigma=0.3)
    return RunConfig.from_dict(overrides, base)


PAPER_NUMBERS: dict = {}
